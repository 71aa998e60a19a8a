#include "store/rest_store.hpp"

#include <cinttypes>
#include <cstdio>
#include <random>
#include <utility>

#include "core/log.hpp"
#include "net/http_sync.hpp"
#include "store/store_json.hpp"

namespace ca::store {

namespace {

using json::Value;

constexpr size_t kMaxKeyLength = 255;  // what the API accepts in Idempotency-Key
constexpr int kMaxSearchLimit = 1000;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool header_safe(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// The key as the Idempotency-Key header: as given when it is a valid header value, else a stable
// digest of it (so replays of an odd key still match); a fresh UUID when there is none.
std::string wire_key(std::string_view key) {
  if (key.empty()) return random_uuid_v4();
  if (header_safe(key, kMaxKeyLength)) return std::string(key);
  char buf[40];
  std::snprintf(buf, sizeof buf, "k-%016" PRIx64 "%016" PRIx64, fnv1a(key, 1469598103934665603ull),
                fnv1a(key, 0x9E3779B97F4A7C15ull));
  return buf;
}

template <class T>
Result<T> decode(Result<Value> data, Result<T> (*f)(const Value &)) {
  if (!data) return data.error();
  Result<T> r = f(data.value());
  if (!r) return make_error(Errc::protocol, "store: malformed answer: " + r.error().message);
  return r;
}

template <class T>
Result<std::vector<T>> decode_list(Result<Value> data, Result<T> (*f)(const Value &)) {
  if (!data) return data.error();
  auto r = list_from_json(data.value(), f);
  if (!r) return make_error(Errc::protocol, "store: malformed answer: " + r.error().message);
  return r;
}

// An id as one path segment. The server decodes %2F before routing, so an id with a '/' (or none
// at all) could only ever reach the wrong route: it names nothing.
std::optional<std::string> segment(std::string_view id) {
  const std::string t = trim(id);
  if (t.empty() || t.find('/') != std::string::npos) return std::nullopt;
  return percent_encode(t);
}

Error no_such(std::string_view what, std::string_view id) {
  return make_error(Errc::not_found, "no " + std::string(what) + " " + std::string(id));
}

}  // namespace

std::string random_uuid_v4() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = (rng() & 0xffffffffffff0fffull) | 0x4000ull;              // version 4
  const uint64_t lo = (rng() & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64, hi >> 32,
                (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & uint64_t{0xffffffffffff});
  return buf;
}

struct RestStore::Call {
  const char *op = "";
  std::string method = "GET";
  std::string path;                                        // encoded, from the API root: "/orders/123"
  std::vector<std::pair<std::string, std::string>> query;  // raw; empty values are left out
  std::optional<Value> body;
  std::string_view idempotency_key;  // for mutating methods; empty: a fresh one
};

RestStore::RestStore(RestStoreOptions options)
    : opts_(std::move(options)),
      breaker_(net::CircuitBreakerOptions{opts_.breaker_failures, opts_.breaker_open_for, opts_.clock}) {
  loop_ = std::move(opts_.loop);
  if (!loop_) loop_ = std::make_shared<net::EventLoop>("ca-store");
  client_ = std::make_unique<net::HttpClient>(*loop_, opts_.http);
}

RestStore::~RestStore() { client_.reset(); }

Result<std::shared_ptr<RestStore>> RestStore::create(RestStoreOptions options) {
  std::string &url = options.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return make_error(Errc::config, "store: base_url must be an http:// or https:// URL, not \"" + url + "\"");
  if (url.find_first_of("?# \r\n") != std::string::npos)
    return make_error(Errc::config, "store: base_url must have no query, fragment or spaces");
  if (!options.token.empty() && !header_safe(options.token, 4096))
    return make_error(Errc::config, "store: the token must be printable ASCII without spaces");
  if (options.timeout <= 0) return make_error(Errc::config, "store: the timeout must be positive");
  if (options.retries < 0) options.retries = 0;
  return std::shared_ptr<RestStore>(new RestStore(std::move(options)));
}

Result<Value> RestStore::call(Call c) {
  std::string url = opts_.base_url + c.path;
  char sep = '?';
  for (const auto &[k, v] : c.query) {
    if (v.empty()) continue;
    url += sep;
    url += percent_encode(k);
    url += '=';
    url += percent_encode(v);
    sep = '&';
  }
  const std::string request_id = random_uuid_v4();
  // A misuse, not the service failing: it must not count against the breaker.
  if (loop_->on_loop_thread())
    return make_error(Errc::internal, "store: a blocking call on the HTTP client's own loop thread");

  const net::CircuitBreaker::Ticket ticket = breaker_.admit();
  if (ticket == net::CircuitBreaker::Ticket::reject) {
    const Nanos wait = breaker_.retry_in();
    log::write(log::Level::warn, "", "store: circuit open, request not sent",
               {{"op", c.op}, {"request_id", request_id}, {"retry_in_ms", wait / kNanosPerMilli}});
    return make_error(Errc::io,
                      "store: the service is unavailable (circuit open after repeated failures; next try in " +
                          std::to_string((wait + kNanosPerMilli - 1) / kNanosPerMilli) + " ms)");
  }

  net::HttpRequest req;
  req.method = c.method;
  req.url = url;
  req.headers.push_back({"Accept", "application/json"});
  req.headers.push_back({"X-Request-Id", request_id});
  if (!opts_.token.empty()) req.headers.push_back({"Authorization", "Bearer " + opts_.token});
  if (c.method != "GET") req.headers.push_back({"Idempotency-Key", wire_key(c.idempotency_key)});
  if (c.body) {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = json::dump(*c.body);
  }
  req.timeouts.total = opts_.timeout;
  req.timeouts.connect = opts_.connect_timeout;
  req.retry.max_attempts = opts_.retries + 1;
  req.retry.statuses = {429, 503};
  req.retry.connection_failures = false;
  req.retry.base_delay = opts_.retry_base_delay;
  req.retry.max_delay = opts_.retry_max_delay;
  req.retry.max_retry_after = opts_.timeout;  // a longer wait cannot fit in the call anyway

  const net::SyncResponse r = net::perform(*client_, *loop_, std::move(req));
  const net::HttpResult &res = r.result;

  bool failed = false;  // for the breaker
  Result<Value> out = Value();
  switch (res.outcome) {
    case net::HttpOutcome::ok: {
      auto body = json::parse(r.body);
      Value *data = nullptr;
      if (body && body->is_object()) {
        for (auto &[k, v] : body->members_mut())
          if (k == "data") data = &v;
      }
      if (data == nullptr) {
        out = make_error(Errc::protocol, "store: HTTP " + std::to_string(res.status) +
                                             " without a JSON {\"data\": ...} body from " + c.path);
      } else {
        out = std::move(*data);
      }
      break;
    }
    case net::HttpOutcome::http_error: {
      const int st = res.status;
      auto body = json::parse(res.body);
      // The API's {"error": {"message"}}; other servers' {"message"} or {"detail"} are read too.
      std::string message;
      if (body) {
        const Value &e = (*body)["error"];
        message = e.is_object() ? std::string(e["message"].str()) : std::string(e.str());
        if (message.empty()) message = std::string((*body)["message"].str((*body)["detail"].str()));
      }
      const bool api_error = body.ok();
      if (st == 404) {
        if (api_error) {
          out = make_error(Errc::not_found, message.empty() ? "not found" : message);
        } else {
          out = make_error(Errc::config, "store: " + opts_.base_url + c.path +
                                             " is not an API route (plain 404); base_url must be the API root, "
                                             "e.g. http://host:port/api/v1");
        }
      } else if (st == 400 || st == 409 || st == 422) {
        out = make_error(Errc::invalid_argument, message.empty() ? "HTTP " + std::to_string(st) : message);
      } else if (st == 401 || st == 403) {
        out = make_error(Errc::config, "store: the API refused our credentials (HTTP " + std::to_string(st) +
                                           "); check the store token");
      } else if (st == 429 || st >= 500) {
        failed = true;
        out = make_error(Errc::io, "store: HTTP " + std::to_string(st) + (message.empty() ? "" : ": " + message));
      } else {
        out = make_error(Errc::protocol, "store: unexpected HTTP " + std::to_string(st) + " from " + c.path +
                                             (message.empty() ? "" : ": " + message));
      }
      break;
    }
    case net::HttpOutcome::timeout:
      failed = true;
      out = make_error(Errc::timeout,
                       std::string("store: no answer in time (") + net::timeout_name(res.timeout) + " timeout)");
      break;
    case net::HttpOutcome::transport:
      failed = true;
      out = make_error(Errc::io, "store: " + res.message);
      break;
    case net::HttpOutcome::cancelled:
      out = make_error(Errc::io, "store: request cancelled: " + res.message);
      break;
  }
  breaker_.record(ticket, failed);

  if (!out) {
    const bool auth = res.status == 401 || res.status == 403;
    log::write(auth ? log::Level::error : log::Level::warn, "", "store: request failed",
               {{"op", c.op},
                {"method", c.method},
                {"path", c.path},
                {"request_id", request_id},
                {"status", res.status},
                {"attempts", res.attempts},
                {"error", out.error().message},
                {"breaker", net::breaker_state_name(breaker_.state())}});
  } else {
    log::write(log::Level::debug, "", "store: request",
               {{"op", c.op},
                {"path", c.path},
                {"request_id", request_id},
                {"status", res.status},
                {"attempts", res.attempts}});
  }
  return out;
}

// ---- catalogue ----

Result<TyreSearch> RestStore::search_tyres(const TyreQuery &q) {
  Call c;
  c.op = "search_tyres";
  c.path = "/tires/search";
  auto num = [](const std::optional<int> &v) { return v ? std::to_string(*v) : std::string(); };
  const int limit = q.limit < 0 || q.limit > kMaxSearchLimit ? kMaxSearchLimit : q.limit;
  c.query = {{"width", num(q.width)},
             {"profile", num(q.profile)},
             {"diameter", num(q.diameter)},
             {"season", q.season ? std::string(season_name(*q.season)) : std::string()},
             {"brand", q.brand},
             {"q", q.text},
             {"make", q.vehicle_make},
             {"model", q.vehicle_model},
             {"year", num(q.vehicle_year)},
             {"in_stock", q.in_stock_only ? "true" : ""},
             {"limit", std::to_string(limit)}};
  return decode(call(std::move(c)), &tyre_search_from_json);
}

Result<Availability> RestStore::availability(std::string_view product_id) {
  auto id = segment(product_id);
  if (!id) return no_such("tyre", product_id);
  return decode(call({"availability", "GET", "/tires/" + *id + "/availability", {}, {}, {}}), &availability_from_json);
}

// ---- orders ----

Result<Order> RestStore::order(std::string_view order_id) {
  auto id = segment(order_id);
  if (!id) return no_such("order", order_id);
  return decode(call({"order", "GET", "/orders/" + *id, {}, {}, {}}), &order_from_json);
}

Result<std::vector<Order>> RestStore::orders_by_phone(std::string_view phone) {
  return decode_list(call({"orders_by_phone", "GET", "/orders", {{"phone", std::string(phone)}}, {}, {}}),
                     &order_from_json);
}

Result<Order> RestStore::create_order_draft(const std::vector<OrderItemRequest> &items, std::string_view phone,
                                            std::string_view key) {
  Value lines = Value::array();
  for (const auto &it : items) lines.push(Value().set("product_id", it.product_id).set("quantity", it.quantity));
  Value body = Value().set("customer_phone", phone).set("items", std::move(lines)).set("source", "ai_agent");
  return decode(call({"create_order_draft", "POST", "/orders", {}, std::move(body), key}), &order_from_json);
}

Result<Order> RestStore::update_order_delivery(std::string_view order_id, const DeliveryRequest &d,
                                               std::string_view key) {
  auto id = segment(order_id);
  if (!id) return no_such("order", order_id);
  Value body = Value()
                   .set("delivery_type", delivery_type_name(d.type))
                   .set("city", d.city)
                   .set("address", d.address)
                   .set("pickup_point_id", d.pickup_point_id);
  return decode(call({"update_order_delivery", "PATCH", "/orders/" + *id + "/delivery", {}, std::move(body), key}),
                &order_from_json);
}

Result<Order> RestStore::confirm_order(std::string_view order_id, PaymentMethod payment, std::string_view customer_name,
                                       std::string_view key) {
  if (payment == PaymentMethod::none) return make_error(Errc::invalid_argument, "a payment method is needed");
  auto id = segment(order_id);
  if (!id) return no_such("order", order_id);
  Value body = Value().set("payment_method", payment_method_name(payment)).set("customer_name", customer_name);
  return decode(call({"confirm_order", "POST", "/orders/" + *id + "/confirm", {}, std::move(body), key}),
                &order_from_json);
}

// ---- fitting ----

Result<std::vector<Station>> RestStore::stations(std::string_view city) {
  return decode_list(call({"stations", "GET", "/fitting/stations", {{"city", trim(city)}}, {}, {}}),
                     &station_from_json);
}

Result<Station> RestStore::station(std::string_view station_id) {
  auto id = segment(station_id);
  if (!id) return no_such("station", station_id);
  return decode(call({"station", "GET", "/fitting/stations/" + *id, {}, {}, {}}), &station_from_json);
}

Result<std::vector<Slot>> RestStore::slots(std::string_view station_id, std::string_view date_from,
                                           std::string_view date_to) {
  auto id = segment(station_id);
  if (!id) return no_such("station", station_id);
  if (trim(date_from).empty() || trim(date_to).empty())
    return make_error(Errc::invalid_argument, "dates must be YYYY-MM-DD");
  return decode_list(call({"slots",
                           "GET",
                           "/fitting/stations/" + *id + "/slots",
                           {{"date_from", std::string(date_from)}, {"date_to", std::string(date_to)}},
                           {},
                           {}}),
                     &slot_from_json);
}

Result<Booking> RestStore::book_fitting(const BookingRequest &r, std::string_view key) {
  Value body = Value()
                   .set("station_id", r.station_id)
                   .set("date", r.date)
                   .set("time", r.time)
                   .set("customer_phone", r.customer_phone)
                   .set("customer_name", r.customer_name)
                   .set("vehicle_info", r.vehicle_info)
                   .set("service_type", service_name(r.service))
                   .set("tire_diameter", r.tire_diameter ? Value(*r.tire_diameter) : Value())
                   .set("linked_order_id", r.linked_order_id)
                   .set("call_id", r.call_id);
  return decode(call({"book_fitting", "POST", "/fitting/bookings", {}, std::move(body), key}), &booking_from_json);
}

Result<Booking> RestStore::booking(std::string_view booking_id) {
  auto id = segment(booking_id);
  if (!id) return no_such("booking", booking_id);
  return decode(call({"booking", "GET", "/fitting/bookings/" + *id, {}, {}, {}}), &booking_from_json);
}

Result<std::vector<Booking>> RestStore::bookings_by_phone(std::string_view phone) {
  return decode_list(call({"bookings_by_phone", "GET", "/fitting/bookings", {{"phone", std::string(phone)}}, {}, {}}),
                     &booking_from_json);
}

Result<Booking> RestStore::cancel_booking(std::string_view booking_id, std::string_view key) {
  auto id = segment(booking_id);
  if (!id) return no_such("booking", booking_id);
  return decode(call({"cancel_booking", "DELETE", "/fitting/bookings/" + *id, {}, {}, key}), &booking_from_json);
}

Result<Booking> RestStore::reschedule_booking(std::string_view booking_id, std::string_view new_date,
                                              std::string_view new_time, std::string_view key) {
  auto id = segment(booking_id);
  if (!id) return no_such("booking", booking_id);
  Value body = Value().set("date", new_date).set("time", new_time);
  return decode(call({"reschedule_booking", "PATCH", "/fitting/bookings/" + *id, {}, std::move(body), key}),
                &booking_from_json);
}

Result<std::vector<FittingPrice>> RestStore::fitting_prices(int diameter, std::string_view station_id,
                                                            std::optional<Service> service) {
  return decode_list(call({"fitting_prices",
                           "GET",
                           "/fitting/prices",
                           {{"tire_diameter", std::to_string(diameter)},
                            {"station_id", trim(station_id)},
                            {"service_type", service ? std::string(service_name(*service)) : std::string()}},
                           {},
                           {}}),
                     &fitting_price_from_json);
}

// ---- callbacks and vocabulary ----

Result<Callback> RestStore::create_callback(const CallbackRequest &r, std::string_view key) {
  Value body = Value()
                   .set("phone", r.phone)
                   .set("preferred_time", r.preferred_time)
                   .set("note", r.note)
                   .set("call_id", r.call_id);
  return decode(call({"create_callback", "POST", "/callbacks", {}, std::move(body), key}), &callback_from_json);
}

Result<Vocabulary> RestStore::vocabulary() {
  return decode(call({"vocabulary", "GET", "/vocabulary", {}, {}, {}}), &vocabulary_from_json);
}

}  // namespace ca::store
