#include "store/rest_server.hpp"

#include <charconv>
#include <functional>
#include <utility>

#include "core/json.hpp"
#include "core/log.hpp"
#include "store/store_json.hpp"

namespace ca::store {

namespace {

using json::Value;
using net::ServerRequest;
using net::ServerResponse;

constexpr size_t kMaxKeyLength = 255;
constexpr int kMaxLimit = 1000;
constexpr int kMaxNumber = 100000;

struct Reply {
  int status = 200;
  Value data;
};
using Handler = std::function<Result<Reply>(const ServerRequest &)>;

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

int status_of(Errc c) {
  switch (c) {
    case Errc::invalid_argument:
      return 400;
    case Errc::not_found:
      return 404;
    case Errc::limit:
      return 429;
    case Errc::unsupported:
      return 501;
    case Errc::timeout:
      return 504;
    default:
      return 500;
  }
}

const char *code_name(Errc c) {
  switch (c) {
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::not_found:
      return "not_found";
    case Errc::limit:
      return "rate_limited";
    case Errc::unsupported:
      return "unsupported";
    case Errc::timeout:
      return "timeout";
    default:
      return "internal";
  }
}

ServerResponse error_response(int status, std::string_view code, std::string_view message) {
  Value err = Value().set("code", code).set("message", message);
  return ServerResponse::json(status, json::dump(Value().set("error", std::move(err))));
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a + 32);
    if (a != prefix[i]) return false;
  }
  return true;
}

// Compares every byte of the expected token whatever the first difference, so the time taken
// says nothing about how much of a guess was right.
bool same_secret(std::string_view given, std::string_view expected) {
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto g = static_cast<unsigned char>(i < given.size() ? given[i] : '\0');
    diff |= static_cast<unsigned>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

bool authorized(const ServerRequest &req, const std::string &token) {
  if (token.empty()) return true;
  const std::string *h = req.header("authorization");
  if (h == nullptr || !iequals_prefix(*h, "bearer ")) return false;
  std::string_view given = std::string_view(*h).substr(7);
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  return same_secret(given, token);
}

// A header value we can echo and log: printable ASCII, not too long.
bool printable(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E) return false;
  return true;
}

// ---- reading a request ----

std::string query_str(const ServerRequest &req, std::string_view name) {
  const std::string *v = req.query_value(name);
  return v ? *v : std::string();
}

Result<std::optional<int>> query_int(const ServerRequest &req, std::string_view name, int min, int max) {
  const std::string *v = req.query_value(name);
  if (v == nullptr || v->empty()) return std::optional<int>();
  int x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || p != v->data() + v->size() || x < min || x > max) {
    return bad(std::string(name) + " must be a whole number from " + std::to_string(min) + " to " +
               std::to_string(max));
  }
  return std::optional<int>(x);
}

Result<bool> query_bool(const ServerRequest &req, std::string_view name) {
  const std::string *v = req.query_value(name);
  if (v == nullptr || v->empty() || *v == "0" || *v == "false") return false;
  if (*v == "1" || *v == "true") return true;
  return bad(std::string(name) + " must be true or false");
}

Result<std::optional<Service>> query_service(const ServerRequest &req) {
  const std::string s = query_str(req, "service_type");
  if (s.empty()) return std::optional<Service>();
  auto v = parse_service(s);
  if (!v) return bad("service_type must be tire_change, balancing or full_service");
  return std::optional<Service>(*v);
}

// The JSON object a POST or PATCH carries; an empty body is an empty object.
Result<Value> body_object(const ServerRequest &req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return Value::object();
  auto v = json::parse(req.body);
  if (!v) return bad("the body is not JSON: " + v.error().message);
  if (!v->is_object()) return bad("the body must be a JSON object");
  return std::move(v).value();
}

Result<std::string> body_str(const Value &body, std::string_view key, bool required) {
  const Value *v = body.find(key);
  if (v == nullptr || v->is_null()) {
    if (required) return bad(std::string(key) + " is required");
    return std::string();
  }
  if (!v->is_string()) return bad(std::string(key) + " must be a string");
  if (required && v->as_string().empty()) return bad(std::string(key) + " is required");
  return v->as_string();
}

Result<std::optional<int>> body_int(const Value &body, std::string_view key) {
  const Value *v = body.find(key);
  if (v == nullptr || v->is_null()) return std::optional<int>();
  if (!v->is_integer() || v->as_int() < -1'000'000 || v->as_int() > 1'000'000) {
    return bad(std::string(key) + " must be a whole number");
  }
  return std::optional<int>(static_cast<int>(v->as_int()));
}

// The Idempotency-Key the store is given; empty when the request has none.
Result<std::string> idempotency_key(const ServerRequest &req) {
  const std::string *k = req.header("idempotency-key");
  if (k == nullptr || k->empty()) return std::string();
  if (!printable(*k, kMaxKeyLength)) return bad("Idempotency-Key must be 1-255 printable ASCII characters");
  return *k;
}

// `r`'s value as data, or its error.
template <class T>
Result<Reply> reply(Result<T> r, int status = 200) {
  if (!r) return r.error();
  return Reply{status, to_json(r.value())};
}

// ---- the routes ----

struct Api {
  std::shared_ptr<TyreStore> store;
  RestServerOptions options;
};

Result<Reply> search(TyreStore &store, const ServerRequest &req) {
  TyreQuery q;
  // Only the syntax is checked here; sizes that exist are the store's business (none: no tyres).
  for (auto [name, field] :
       {std::pair{"width", &q.width}, std::pair{"profile", &q.profile}, std::pair{"diameter", &q.diameter}}) {
    auto v = query_int(req, name, 0, kMaxNumber);
    if (!v) return v.error();
    *field = *v;
  }
  if (const std::string s = query_str(req, "season"); !s.empty()) {
    q.season = parse_season(s);
    if (!q.season) return bad("season must be summer, winter or all_season");
  }
  q.brand = query_str(req, "brand");
  q.text = query_str(req, "q");
  q.vehicle_make = query_str(req, "make");
  q.vehicle_model = query_str(req, "model");
  auto year = query_int(req, "year", 0, kMaxNumber);
  if (!year) return year.error();
  q.vehicle_year = *year;
  auto in_stock = query_bool(req, "in_stock");
  if (!in_stock) return in_stock.error();
  q.in_stock_only = *in_stock;
  auto limit = query_int(req, "limit", 0, kMaxLimit);
  if (!limit) return limit.error();
  q.limit = limit->value_or(50);
  return reply(store.search_tyres(q));
}

Result<Reply> create_order(TyreStore &store, const ServerRequest &req) {
  auto body = body_object(req);
  if (!body) return body.error();
  auto key = idempotency_key(req);
  if (!key) return key.error();
  auto phone = body_str(*body, "customer_phone", true);
  if (!phone) return phone.error();
  const Value &items = (*body)["items"];
  if (!items.is_array() || items.size() == 0) return bad("items must be a non-empty array");
  std::vector<OrderItemRequest> lines;
  for (const Value &it : items.items()) {
    if (!it.is_object()) return bad("each item must be an object with product_id and quantity");
    auto id = body_str(it, "product_id", true);
    if (!id) return id.error();
    auto qty = body_int(it, "quantity");
    if (!qty) return qty.error();
    if (!*qty) return bad("quantity is required");
    lines.push_back({*id, **qty});
  }
  return reply(store.create_order_draft(lines, *phone, *key), 201);
}

Result<Reply> order_delivery(TyreStore &store, const ServerRequest &req) {
  auto body = body_object(req);
  if (!body) return body.error();
  auto key = idempotency_key(req);
  if (!key) return key.error();
  DeliveryRequest d;
  auto type = parse_delivery_type((*body)["delivery_type"].str());
  if (!type || *type == DeliveryType::none) return bad("delivery_type must be delivery or pickup");
  d.type = *type;
  for (auto [name, field] : {std::pair{"city", &d.city}, std::pair{"address", &d.address},
                             std::pair{"pickup_point_id", &d.pickup_point_id}}) {
    auto s = body_str(*body, name, false);
    if (!s) return s.error();
    *field = std::move(s).value();
  }
  return reply(store.update_order_delivery(req.param("id"), d, *key));
}

Result<Reply> confirm(TyreStore &store, const ServerRequest &req) {
  auto body = body_object(req);
  if (!body) return body.error();
  auto key = idempotency_key(req);
  if (!key) return key.error();
  auto pay = parse_payment_method((*body)["payment_method"].str());
  if (!pay || *pay == PaymentMethod::none) return bad("payment_method must be cod, online or card_on_delivery");
  auto name = body_str(*body, "customer_name", false);
  if (!name) return name.error();
  return reply(store.confirm_order(req.param("id"), *pay, *name, *key));
}

Result<Reply> slots(TyreStore &store, const ServerRequest &req) {
  const std::string from = query_str(req, "date_from");
  if (from.empty()) return bad("date_from is required (YYYY-MM-DD)");
  std::string to = query_str(req, "date_to");
  if (to.empty()) to = from;
  // Slots are the same for every service; the parameter is checked so a typo is not ignored.
  auto service = query_service(req);
  if (!service) return service.error();
  return reply(store.slots(req.param("id"), from, to));
}

Result<Reply> book(TyreStore &store, const ServerRequest &req) {
  auto body = body_object(req);
  if (!body) return body.error();
  auto key = idempotency_key(req);
  if (!key) return key.error();
  BookingRequest b;
  for (auto [name, field, required] :
       {std::tuple{"station_id", &b.station_id, true}, std::tuple{"date", &b.date, true},
        std::tuple{"time", &b.time, true}, std::tuple{"customer_phone", &b.customer_phone, true},
        std::tuple{"customer_name", &b.customer_name, false}, std::tuple{"vehicle_info", &b.vehicle_info, false},
        std::tuple{"linked_order_id", &b.linked_order_id, false}, std::tuple{"call_id", &b.call_id, false}}) {
    auto s = body_str(*body, name, required);
    if (!s) return s.error();
    *field = std::move(s).value();
  }
  if (const std::string s(((*body)["service_type"]).str()); !s.empty()) {
    auto service = parse_service(s);
    if (!service) return bad("service_type must be tire_change, balancing or full_service");
    b.service = *service;
  }
  auto diameter = body_int(*body, "tire_diameter");
  if (!diameter) return diameter.error();
  b.tire_diameter = *diameter;
  return reply(store.book_fitting(b, *key), 201);
}

Result<Reply> reschedule(TyreStore &store, const ServerRequest &req) {
  auto body = body_object(req);
  if (!body) return body.error();
  auto key = idempotency_key(req);
  if (!key) return key.error();
  auto date = body_str(*body, "date", true);
  if (!date) return date.error();
  auto time = body_str(*body, "time", true);
  if (!time) return time.error();
  return reply(store.reschedule_booking(req.param("id"), *date, *time, *key));
}

Result<Reply> cancel(TyreStore &store, const ServerRequest &req) {
  auto key = idempotency_key(req);
  if (!key) return key.error();
  return reply(store.cancel_booking(req.param("id"), *key));
}

Result<Reply> prices(TyreStore &store, const ServerRequest &req) {
  auto diameter = query_int(req, "tire_diameter", 0, kMaxNumber);
  if (!diameter) return diameter.error();
  if (!*diameter) return bad("tire_diameter is required");
  auto service = query_service(req);
  if (!service) return service.error();
  return reply(store.fitting_prices(**diameter, query_str(req, "station_id"), *service));
}

Result<Reply> callback(TyreStore &store, const ServerRequest &req) {
  auto body = body_object(req);
  if (!body) return body.error();
  auto key = idempotency_key(req);
  if (!key) return key.error();
  CallbackRequest c;
  for (auto [name, field, required] :
       {std::tuple{"phone", &c.phone, true}, std::tuple{"preferred_time", &c.preferred_time, false},
        std::tuple{"note", &c.note, false}, std::tuple{"call_id", &c.call_id, false}}) {
    auto s = body_str(*body, name, required);
    if (!s) return s.error();
    *field = std::move(s).value();
  }
  return reply(store.create_callback(c, *key), 201);
}

Result<Reply> by_phone_orders(TyreStore &store, const ServerRequest &req) {
  const std::string phone = query_str(req, "phone");
  if (phone.empty()) return bad("phone is required");
  return reply(store.orders_by_phone(phone));
}

Result<Reply> by_phone_bookings(TyreStore &store, const ServerRequest &req) {
  const std::string phone = query_str(req, "phone");
  if (phone.empty()) return bad("phone is required");
  return reply(store.bookings_by_phone(phone));
}

// Wraps a route: authorization, the envelope, errors as JSON, the request id, a log line.
void add(net::HttpServer &server, const std::shared_ptr<Api> &api, std::string method, const std::string &path,
         bool auth, std::function<Result<Reply>(TyreStore &, const ServerRequest &)> handler) {
  server.route(method, api->options.prefix + path, [api, auth, handler = std::move(handler)](const ServerRequest &req) {
    const std::string *rid = req.header("x-request-id");
    const bool echo_id = rid != nullptr && printable(*rid, 128);
    ServerResponse resp;
    if (auth && !authorized(req, api->options.token)) {
      resp = error_response(401, "unauthorized", "a valid \"Authorization: Bearer <token>\" header is required");
      resp.headers.push_back({"WWW-Authenticate", "Bearer realm=\"callagent-store\""});
    } else {
      Result<Reply> r = handler(*api->store, req);
      if (r) {
        resp = ServerResponse::json(r->status, json::dump(Value().set("data", std::move(r->data))));
      } else {
        const Errc c = r.error().code;
        const int status = status_of(c);
        if (status >= 500) {
          // The detail (a database message) is for the log, not for whoever is calling.
          log::write(
              log::Level::error, "", "store api: the store failed",
              {{"path", req.path}, {"request_id", echo_id ? *rid : std::string()}, {"error", r.error().message}});
          resp = error_response(status, code_name(c), "the store failed; try again later");
        } else {
          resp = error_response(status, code_name(c), r.error().message);
        }
      }
    }
    if (echo_id) resp.headers.push_back({"X-Request-Id", *rid});
    log::write(resp.status >= 500 ? log::Level::warn : log::Level::info, "", "store api",
               {{"method", req.method},
                {"path", req.path},
                {"status", resp.status},
                {"request_id", echo_id ? *rid : std::string()}});
    return resp;
  });
}

}  // namespace

const std::vector<std::string> &rest_api_request_headers() {
  static const std::vector<std::string> headers = {"idempotency-key", "x-request-id"};
  return headers;
}

net::HttpServerOptions store_server_options(net::HttpServerOptions base) {
  for (const auto &h : rest_api_request_headers()) {
    bool have = false;
    for (const auto &e : base.extra_headers) {
      std::string lower = e;
      for (char &c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      have = have || lower == h;
    }
    if (!have) base.extra_headers.push_back(h);
  }
  return base;
}

void register_store_api(net::HttpServer &server, std::shared_ptr<TyreStore> store, RestServerOptions options) {
  while (!options.prefix.empty() && options.prefix.back() == '/') options.prefix.pop_back();
  auto api = std::make_shared<Api>(Api{std::move(store), std::move(options)});
  using R = const ServerRequest &;

  add(server, api, "GET", "/health", false, [](TyreStore &, R) -> Result<Reply> {
    return Reply{200, Value().set("status", "ok")};
  });

  add(server, api, "GET", "/tires/search", true, search);
  add(server, api, "GET", "/tires/{id}/availability", true,
      [](TyreStore &s, R req) { return reply(s.availability(req.param("id"))); });

  add(server, api, "GET", "/orders", true, by_phone_orders);
  add(server, api, "POST", "/orders", true, create_order);
  add(server, api, "GET", "/orders/{id}", true, [](TyreStore &s, R req) { return reply(s.order(req.param("id"))); });
  add(server, api, "PATCH", "/orders/{id}/delivery", true, order_delivery);
  add(server, api, "POST", "/orders/{id}/confirm", true, confirm);

  add(server, api, "GET", "/fitting/stations", true,
      [](TyreStore &s, R req) { return reply(s.stations(query_str(req, "city"))); });
  add(server, api, "GET", "/fitting/stations/{id}", true,
      [](TyreStore &s, R req) { return reply(s.station(req.param("id"))); });
  add(server, api, "GET", "/fitting/stations/{id}/slots", true, slots);
  add(server, api, "GET", "/fitting/bookings", true, by_phone_bookings);
  add(server, api, "POST", "/fitting/bookings", true, book);
  add(server, api, "GET", "/fitting/bookings/{id}", true,
      [](TyreStore &s, R req) { return reply(s.booking(req.param("id"))); });
  add(server, api, "PATCH", "/fitting/bookings/{id}", true, reschedule);
  add(server, api, "DELETE", "/fitting/bookings/{id}", true, cancel);
  add(server, api, "GET", "/fitting/prices", true, prices);

  add(server, api, "POST", "/callbacks", true, callback);
  add(server, api, "GET", "/vocabulary", true, [](TyreStore &s, R) { return reply(s.vocabulary()); });
}

}  // namespace ca::store
