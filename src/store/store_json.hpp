// The store's types as JSON: what the REST API (rest_server.hpp) sends and the REST client
// (rest_store.hpp) reads. One encoding for both sides, so a round trip through HTTP gives back
// exactly what the embedded store returned. Field names follow the API the original system
// called (customer_phone, payment_method, service_type, tire_diameter, working_hours ...).
//
// Decoders are lenient about what is missing (a field absent reads as its default, so a shop's
// server may add fields and omit optional ones) and strict about the shape: an object where an
// object belongs, an array where an array belongs — anything else is Errc::protocol.
#pragma once

#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace ca::store {

json::Value to_json(const Tyre &t);
json::Value to_json(const TyreSearch &s);
json::Value to_json(const Availability &a);
json::Value to_json(const Order &o);
json::Value to_json(const Station &s);
json::Value to_json(const Slot &s);
json::Value to_json(const Booking &b);
json::Value to_json(const FittingPrice &p);
json::Value to_json(const Callback &c);
json::Value to_json(const Vocabulary &v);

template <class T>
json::Value to_json(const std::vector<T> &items) {
  json::Value out = json::Value::array();
  for (const T &x : items) out.push(to_json(x));
  return out;
}

Result<Tyre> tyre_from_json(const json::Value &v);
Result<TyreSearch> tyre_search_from_json(const json::Value &v);
Result<Availability> availability_from_json(const json::Value &v);
Result<Order> order_from_json(const json::Value &v);
Result<Station> station_from_json(const json::Value &v);
Result<Slot> slot_from_json(const json::Value &v);
Result<Booking> booking_from_json(const json::Value &v);
Result<FittingPrice> fitting_price_from_json(const json::Value &v);
Result<Callback> callback_from_json(const json::Value &v);
Result<Vocabulary> vocabulary_from_json(const json::Value &v);

// Every element of an array through `decode`; Errc::protocol when `v` is not an array or an
// element does not decode.
template <class T>
Result<std::vector<T>> list_from_json(const json::Value &v, Result<T> (*decode)(const json::Value &)) {
  if (!v.is_array()) return make_error(Errc::protocol, "expected a JSON array");
  std::vector<T> out;
  out.reserve(v.size());
  for (const json::Value &x : v.items()) {
    Result<T> r = decode(x);
    if (!r) return r.error();
    out.push_back(std::move(r).value());
  }
  return out;
}

}  // namespace ca::store
