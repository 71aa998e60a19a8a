#include "store/store_json.hpp"

namespace ca::store {

namespace {

using json::Value;

int int_of(const Value &v, std::string_view key) { return static_cast<int>(v[key].as_int()); }
std::string str_of(const Value &v, std::string_view key) { return std::string(v[key].str()); }

std::optional<int> opt_int_of(const Value &v, std::string_view key) {
  const Value *x = v.find(key);
  if (x == nullptr || !x->is_number()) return std::nullopt;
  return static_cast<int>(x->as_int());
}

Value opt(const std::optional<int> &x) { return x ? Value(*x) : Value(); }

Value strings(const std::vector<std::string> &items) {
  Value out = Value::array();
  for (const auto &s : items) out.push(s);
  return out;
}

std::vector<std::string> strings_of(const Value &v, std::string_view key) {
  std::vector<std::string> out;
  for (const Value &x : v[key].items()) out.emplace_back(x.str());
  return out;
}

Error not_object(std::string_view what) {
  return make_error(Errc::protocol, "expected " + std::string(what) + " as a JSON object");
}

Value to_json(const VehicleFit &f) {
  Value sizes = Value::array();
  for (const auto &s : f.sizes) sizes.push(s.text());
  return Value()
      .set("make", f.make)
      .set("model", f.model)
      .set("year_from", f.year_from)
      .set("year_to", f.year_to)
      .set("sizes", std::move(sizes));
}

VehicleFit vehicle_of(const Value &v) {
  VehicleFit f;
  f.make = str_of(v, "make");
  f.model = str_of(v, "model");
  f.year_from = int_of(v, "year_from");
  f.year_to = int_of(v, "year_to");
  for (const Value &s : v["sizes"].items()) {
    if (auto p = parse_tyre_size(s.str())) f.sizes.push_back(*p);
  }
  return f;
}

}  // namespace

// ---- catalogue ----

json::Value to_json(const Tyre &t) {
  return Value()
      .set("id", t.id)
      .set("brand", t.brand)
      .set("model", t.model)
      .set("name", t.name())
      .set("size", t.size.text())
      .set("width", t.size.width)
      .set("profile", t.size.profile)
      .set("diameter", t.size.diameter)
      .set("size_text", t.size_text())
      .set("season", season_name(t.season))
      .set("studded", t.studded)
      .set("load_index", t.load_index)
      .set("speed_index", t.speed_index)
      .set("xl", t.xl)
      .set("price", t.price)
      .set("currency", "UAH")
      .set("stock", t.stock)
      .set("in_stock", t.stock > 0);
}

Result<Tyre> tyre_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a tyre");
  Tyre t;
  t.id = str_of(v, "id");
  t.brand = str_of(v, "brand");
  t.model = str_of(v, "model");
  t.size = {int_of(v, "width"), int_of(v, "profile"), int_of(v, "diameter")};
  t.season = parse_season(v["season"].str()).value_or(Season::summer);
  t.studded = v["studded"].as_bool();
  t.load_index = int_of(v, "load_index");
  t.speed_index = str_of(v, "speed_index");
  t.xl = v["xl"].as_bool();
  t.price = int_of(v, "price");
  t.stock = int_of(v, "stock");
  return t;
}

json::Value to_json(const TyreSearch &s) {
  return Value()
      .set("total", s.total)
      .set("items", to_json(s.items))
      .set("vehicle", s.vehicle ? to_json(*s.vehicle) : Value())
      .set("not_found", s.not_found.empty() ? Value() : Value(s.not_found));
}

Result<TyreSearch> tyre_search_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a tyre search");
  TyreSearch s;
  s.total = int_of(v, "total");
  auto items = list_from_json(v["items"].is_null() ? Value::array() : v["items"], &tyre_from_json);
  if (!items) return items.error();
  s.items = std::move(items).value();
  if (v["vehicle"].is_object()) s.vehicle = vehicle_of(v["vehicle"]);
  s.not_found = str_of(v, "not_found");
  return s;
}

json::Value to_json(const Availability &a) {
  Value warehouses = Value::array();
  for (const auto &w : a.warehouses) {
    warehouses.push(Value().set("warehouse_id", w.warehouse_id).set("city", w.city).set("quantity", w.quantity));
  }
  return Value()
      .set("product_id", a.tyre.id)
      .set("available", a.tyre.stock > 0)
      .set("quantity", a.tyre.stock)
      .set("price", a.tyre.price)
      .set("delivery_days", a.delivery_days)
      .set("warehouses", std::move(warehouses))
      .set("tyre", to_json(a.tyre));
}

Result<Availability> availability_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("an availability");
  Availability a;
  auto t = tyre_from_json(v["tyre"]);
  if (!t) return t.error();
  a.tyre = std::move(t).value();
  for (const Value &w : v["warehouses"].items()) {
    a.warehouses.push_back({str_of(w, "warehouse_id"), str_of(w, "city"), int_of(w, "quantity")});
  }
  a.delivery_days = int_of(v, "delivery_days");
  return a;
}

// ---- orders ----

json::Value to_json(const Order &o) {
  Value items = Value::array();
  for (const auto &l : o.items) {
    items.push(Value()
                   .set("product_id", l.product_id)
                   .set("name", l.name)
                   .set("size", l.size)
                   .set("quantity", l.quantity)
                   .set("unit_price", l.unit_price));
  }
  return Value()
      .set("id", o.id)
      .set("status", order_status_name(o.status))
      .set("status_label", order_status_label_uk(o.status))
      .set("customer_phone", o.customer_phone)
      .set("customer_name", o.customer_name)
      .set("items", std::move(items))
      .set("subtotal", o.subtotal)
      .set("delivery_cost", o.delivery_cost)
      .set("total", o.total)
      .set("currency", "UAH")
      .set("delivery_type", delivery_type_name(o.delivery_type))
      .set("city", o.city)
      .set("address", o.address)
      .set("pickup_point_id", o.pickup_point_id)
      .set("estimated_days", o.estimated_days)
      .set("payment_method", payment_method_name(o.payment))
      .set("created", o.created)
      .set("estimated_delivery", o.estimated_delivery);
}

Result<Order> order_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("an order");
  Order o;
  o.id = str_of(v, "id");
  auto status = parse_order_status(v["status"].str());
  if (!status) return make_error(Errc::protocol, "order " + o.id + ": unknown status \"" + str_of(v, "status") + "\"");
  o.status = *status;
  o.customer_phone = str_of(v, "customer_phone");
  o.customer_name = str_of(v, "customer_name");
  for (const Value &l : v["items"].items()) {
    o.items.push_back({str_of(l, "product_id"), str_of(l, "name"), str_of(l, "size"), int_of(l, "quantity"),
                       int_of(l, "unit_price")});
  }
  o.subtotal = int_of(v, "subtotal");
  o.delivery_cost = int_of(v, "delivery_cost");
  o.total = int_of(v, "total");
  o.delivery_type = parse_delivery_type(v["delivery_type"].str()).value_or(DeliveryType::none);
  o.city = str_of(v, "city");
  o.address = str_of(v, "address");
  o.pickup_point_id = str_of(v, "pickup_point_id");
  o.estimated_days = int_of(v, "estimated_days");
  o.payment = parse_payment_method(v["payment_method"].str()).value_or(PaymentMethod::none);
  o.created = str_of(v, "created");
  o.estimated_delivery = str_of(v, "estimated_delivery");
  return o;
}

// ---- fitting ----

json::Value to_json(const Station &s) {
  return Value()
      .set("id", s.id)
      .set("name", s.name)
      .set("city", s.city)
      .set("district", s.district)
      .set("address", s.address)
      .set("phone", s.phone)
      .set("working_hours", s.hours)
      .set("services", strings(s.services))
      .set("posts", s.posts);
}

Result<Station> station_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a station");
  Station s;
  s.id = str_of(v, "id");
  s.name = str_of(v, "name");
  s.city = str_of(v, "city");
  s.district = str_of(v, "district");
  s.address = str_of(v, "address");
  s.phone = str_of(v, "phone");
  s.hours = str_of(v, "working_hours");
  s.services = strings_of(v, "services");
  s.posts = int_of(v, "posts");
  return s;
}

json::Value to_json(const Slot &s) {
  return Value().set("date", s.date).set("time", s.time).set("free", s.free).set("available", s.free > 0);
}

Result<Slot> slot_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a slot");
  return Slot{str_of(v, "date"), str_of(v, "time"), int_of(v, "free")};
}

json::Value to_json(const Booking &b) {
  return Value()
      .set("id", b.id)
      .set("station_id", b.station_id)
      .set("station_name", b.station_name)
      .set("station_address", b.station_address)
      .set("date", b.date)
      .set("time", b.time)
      .set("service_type", service_name(b.service))
      .set("duration_min", b.duration_min)
      .set("price", opt(b.price))
      .set("currency", "UAH")
      .set("cancelled", b.cancelled)
      .set("customer_phone", b.customer_phone)
      .set("vehicle_info", b.vehicle_info)
      .set("tire_diameter", opt(b.tire_diameter))
      .set("linked_order_id", b.linked_order_id);
}

Result<Booking> booking_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a booking");
  Booking b;
  b.id = str_of(v, "id");
  b.station_id = str_of(v, "station_id");
  b.station_name = str_of(v, "station_name");
  b.station_address = str_of(v, "station_address");
  b.date = str_of(v, "date");
  b.time = str_of(v, "time");
  b.service = parse_service(v["service_type"].str()).value_or(Service::tire_change);
  b.duration_min = int_of(v, "duration_min");
  b.price = opt_int_of(v, "price");
  b.cancelled = v["cancelled"].as_bool();
  b.customer_phone = str_of(v, "customer_phone");
  b.vehicle_info = str_of(v, "vehicle_info");
  b.tire_diameter = opt_int_of(v, "tire_diameter");
  b.linked_order_id = str_of(v, "linked_order_id");
  return b;
}

json::Value to_json(const FittingPrice &p) {
  return Value()
      .set("service_type", service_name(p.service))
      .set("tire_diameter", p.diameter)
      .set("per_wheel", p.per_wheel)
      .set("per_set", p.per_set)
      .set("currency", "UAH")
      .set("station_id", p.station_id.empty() ? Value() : Value(p.station_id));
}

Result<FittingPrice> fitting_price_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a fitting price");
  FittingPrice p;
  auto s = parse_service(v["service_type"].str());
  if (!s)
    return make_error(Errc::protocol, "fitting price: unknown service_type \"" + str_of(v, "service_type") + "\"");
  p.service = *s;
  p.diameter = int_of(v, "tire_diameter");
  p.per_wheel = int_of(v, "per_wheel");
  p.per_set = int_of(v, "per_set");
  p.station_id = str_of(v, "station_id");
  return p;
}

// ---- callbacks and vocabulary ----

json::Value to_json(const Callback &c) {
  return Value()
      .set("id", c.id)
      .set("phone", c.phone)
      .set("preferred_time", c.preferred_time)
      .set("note", c.note)
      .set("created", c.created);
}

Result<Callback> callback_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a callback request");
  return Callback{str_of(v, "id"), str_of(v, "phone"), str_of(v, "preferred_time"), str_of(v, "note"),
                  str_of(v, "created")};
}

json::Value to_json(const Vocabulary &v) {
  return Value()
      .set("brands", strings(v.brands))
      .set("brands_spoken", strings(v.brands_spoken))
      .set("models", strings(v.models))
      .set("sizes", strings(v.sizes))
      .set("cities", strings(v.cities))
      .set("districts", strings(v.districts))
      .set("station_names", strings(v.station_names))
      .set("vehicle_makes", strings(v.vehicle_makes))
      .set("vehicle_models", strings(v.vehicle_models));
}

Result<Vocabulary> vocabulary_from_json(const json::Value &v) {
  if (!v.is_object()) return not_object("a vocabulary");
  Vocabulary out;
  out.brands = strings_of(v, "brands");
  out.brands_spoken = strings_of(v, "brands_spoken");
  out.models = strings_of(v, "models");
  out.sizes = strings_of(v, "sizes");
  out.cities = strings_of(v, "cities");
  out.districts = strings_of(v, "districts");
  out.station_names = strings_of(v, "station_names");
  out.vehicle_makes = strings_of(v, "vehicle_makes");
  out.vehicle_models = strings_of(v, "vehicle_models");
  return out;
}

}  // namespace ca::store
