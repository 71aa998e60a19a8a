// The store's REST API end to end: RestStore (libcurl) against the real API server
// (libwebsockets, in process) over a real SqliteStore in a temp dir — every operation must answer
// what the embedded store answers — and against the scripted server for the resilience rules:
// retries with Retry-After, what is not retried, the circuit breaker, and the headers sent.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "core/json.hpp"
#include "net/http_server.hpp"
#include "net/http_sync.hpp"
#include "store/rest_server.hpp"
#include "store/rest_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_json.hpp"
#include "support/http_test_server.hpp"
#include "support/temp_dir.hpp"
#include "tools/tyre_tools.hpp"

using namespace ca;
using namespace ca::store;
using namespace std::chrono_literals;
using BreakerState = net::CircuitBreaker::State;

namespace {

struct NoProxyEnv {
  NoProxyEnv() {
    for (const char *v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      ::unsetenv(v);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  }
};
const NoProxyEnv no_proxy_env;

// Monday 9 March 2026, 10:00 in Kyiv: the seed and every date are fixed.
TimePoint monday_morning() { return std::chrono::sys_days{std::chrono::year(2026) / 3 / 9} + 8h; }

std::shared_ptr<SqliteStore> open_store(const std::string &path) {
  auto r = SqliteStore::open({.path = path, .clock = [] { return monday_morning(); }});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

// A SqliteStore behind the REST API on 127.0.0.1, port 0.
struct Served {
  std::shared_ptr<SqliteStore> store;
  net::HttpServer server{store_server_options()};
  uint16_t port = 0;

  explicit Served(const std::string &path, std::string token = "") : store(open_store(path)) {
    register_store_api(server, store, {.prefix = "/api/v1", .token = std::move(token)});
    auto p = server.start();
    REQUIRE(p.ok());
    port = *p;
  }
  std::string root() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string base() const { return root() + "/api/v1"; }
};

std::shared_ptr<RestStore> client(const std::string &base, std::string token = "",
                                  const std::function<void(RestStoreOptions &)> &tweak = {}) {
  RestStoreOptions o;
  o.base_url = base;
  o.token = std::move(token);
  o.http.seed = 7;
  if (tweak) tweak(o);
  auto r = RestStore::create(std::move(o));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

// A result in canonical form: the value's JSON, or the error's code (messages may be worded by
// the API server rather than the store, so they are compared where it matters, not here).
template <class T>
std::string canon(const Result<T> &r) {
  if (!r) return "error " + std::to_string(static_cast<int>(r.error().code));
  return json::dump(to_json(r.value()), {.sort_keys = true});
}

// Every row of every table, in a stable order, as text.
std::string dump_all(const std::string &path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::string out;
  SQLite::Statement tables(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (tables.executeStep()) {
    const std::string t = tables.getColumn(0).getString();
    out += "## " + t + "\n";
    SQLite::Statement rows(db, "SELECT * FROM " + t + " ORDER BY 1, 2");
    while (rows.executeStep()) {
      for (int i = 0; i < rows.getColumnCount(); ++i) {
        out += rows.getColumn(i).isNull() ? std::string("NULL") : rows.getColumn(i).getString();
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

// Plain requests, for what the typed client never sends.
struct Raw {
  net::EventLoop loop{"test-raw"};
  net::HttpClient http{loop};
  net::SyncResponse send(std::string method, std::string url, std::string body = {}, net::Headers headers = {}) {
    net::HttpRequest r;
    r.method = std::move(method);
    r.url = std::move(url);
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (!r.body.empty()) r.headers.push_back({"Content-Type", "application/json"});
    r.retry.max_attempts = 1;
    r.timeouts.total = seconds(10);
    return net::perform(http, loop, std::move(r));
  }
};
std::string body_of(const net::SyncResponse &r) { return r.result.ok() ? r.body : r.result.body; }

const std::regex kUuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

// Waits for `pred` (checked every 5 ms) up to `limit`; true once it holds.
bool wait_until(const std::function<bool()> &pred, Nanos limit = seconds(10)) {
  std::mutex mu;
  std::condition_variable cv;
  const Nanos deadline = monotonic_now() + limit;
  std::unique_lock lock(mu);
  while (!pred()) {
    if (monotonic_now() > deadline) return false;
    cv.wait_for(lock, 5ms);
  }
  return true;
}

std::string data_reply(const json::Value &data) { return json::dump(json::Value().set("data", data)); }

Order sample_order(std::string id) {
  Order o;
  o.id = std::move(id);
  o.customer_phone = "+380501234567";
  o.items = {{"T1", "Michelin X", "205/55 R16 91V", 1, 3000}};
  o.subtotal = o.total = 3000;
  o.created = "2026-03-09";
  return o;
}

}  // namespace

TEST_CASE("REST store: every read answers what the embedded store answers") {
  test::TempDir dir;
  Served s(dir.file("shop.db"));
  auto rest = client(s.base());
  TyreStore &r = *rest;
  TyreStore &e = *s.store;

  std::vector<TyreQuery> queries(9);
  queries[0].width = 205, queries[0].profile = 55, queries[0].diameter = 16;
  queries[1] = queries[0], queries[1].season = Season::winter, queries[1].in_stock_only = true, queries[1].limit = 3;
  queries[2].brand = "мішлен", queries[2].diameter = 17;
  queries[3].brand = "NoSuchBrand";
  queries[4].text = "Michelin 205/55 R16";
  queries[5].vehicle_make = "Volkswagen", queries[5].vehicle_model = "Golf", queries[5].vehicle_year = 2015;
  queries[6].vehicle_make = "тойота", queries[6].vehicle_model = "RAV 4", queries[6].diameter = 18;
  queries[7].vehicle_make = "Zaporozhets", queries[7].vehicle_model = "968";
  queries[8].text = "michelin&limit=1 #?+";  // reserved characters must arrive as text
  for (const TyreQuery &q : queries) {
    const std::string want = canon(e.search_tyres(q));
    CHECK(want.size() > 20);
    CHECK(canon(r.search_tyres(q)) == want);
  }
  auto some = e.search_tyres(queries[0]);
  REQUIRE(some.ok());
  REQUIRE(some->items.size() >= 2);
  for (const Tyre &t : {some->items[0], some->items[1]})
    CHECK(canon(r.availability(t.id)) == canon(e.availability(t.id)));

  auto sample = e.orders_by_phone("050 111 22 33");
  REQUIRE(sample.ok());
  REQUIRE_FALSE(sample->empty());
  CHECK(canon(r.orders_by_phone("050 111 22 33")) == canon(sample));
  CHECK(canon(r.orders_by_phone("+380000000000")) == "[]");
  CHECK(canon(r.orders_by_phone("hello")) == canon(e.orders_by_phone("hello")));
  CHECK(canon(r.order(sample->front().id)) == canon(e.order(sample->front().id)));

  for (const char *city : {"Києві", "", "Kyiv", "Атлантида"}) CHECK(canon(r.stations(city)) == canon(e.stations(city)));
  CHECK(canon(r.station("KV1")) == canon(e.station("KV1")));
  CHECK(canon(r.slots("KV2", "2026-03-10", "2026-03-16")) == canon(e.slots("KV2", "2026-03-10", "2026-03-16")));
  CHECK(canon(r.slots("KV1", "2026-04-06", "2026-04-06")) == canon(e.slots("KV1", "2026-04-06", "2026-04-06")));
  for (auto [id, from, to] :
       {std::tuple{"XX9", "2026-03-10", "2026-03-10"}, std::tuple{"KV1", "10.03.2026", "2026-03-10"},
        std::tuple{"KV1", "2026-03-12", "2026-03-10"}}) {
    const auto want = e.slots(id, from, to);
    REQUIRE_FALSE(want.ok());
    CHECK(canon(r.slots(id, from, to)) == canon(want));
  }
  CHECK(canon(r.bookings_by_phone("0931112233")) == canon(e.bookings_by_phone("0931112233")));
  CHECK(canon(r.fitting_prices(16, "", std::nullopt)) == canon(e.fitting_prices(16, "", std::nullopt)));
  CHECK(canon(r.fitting_prices(16, "KV1", Service::tire_change)) ==
        canon(e.fitting_prices(16, "KV1", Service::tire_change)));
  CHECK(canon(r.fitting_prices(30, "", std::nullopt)) == canon(e.fitting_prices(30, "", std::nullopt)));
  CHECK(canon(r.fitting_prices(16, "XX9", std::nullopt)) == canon(e.fitting_prices(16, "XX9", std::nullopt)));
  const std::string vocab = canon(e.vocabulary());
  CHECK(vocab.find("Michelin") != std::string::npos);
  CHECK(canon(r.vocabulary()) == vocab);
}

TEST_CASE("REST store: every change does what the embedded store does, to the last row") {
  test::TempDir dir;
  Served a(dir.file("a.db"));
  auto twin = open_store(dir.file("b.db"));  // the same seed: the same day
  auto rest = client(a.base());
  TyreStore &r = *rest;
  TyreStore &e = *twin;
  // The same operation on both: the REST one over HTTP, the twin embedded; equal answers.
  auto both = [&](auto op) {
    auto x = op(r);
    auto y = op(e);
    CHECK(canon(x) == canon(y));
    return x;
  };

  TyreQuery q;
  q.width = 205, q.profile = 55, q.diameter = 16, q.in_stock_only = true;
  auto found = e.search_tyres(q);
  REQUIRE(found.ok());
  const Tyre tyre = found->items.front();
  REQUIRE(tyre.stock >= 2);

  auto d1 = both([&](TyreStore &s) { return s.create_order_draft({{tyre.id, 2}}, "+380 67 000 11 22", "k-create"); });
  REQUIRE(d1.ok());
  CHECK(d1->status == OrderStatus::draft);
  auto again = both([&](TyreStore &s) {
    return s.create_order_draft({{tyre.id, 2}}, "+380 67 000 11 22", "k-create");
  });
  REQUIRE(again.ok());
  CHECK(again->id == d1->id);
  CHECK(both([&](TyreStore &s) {
          return s.create_order_draft({{"T0", 1}}, "0670001122", "k-bad");
        })
            .error()
            .code == Errc::not_found);
  CHECK(both([&](TyreStore &s) {
          return s.create_order_draft({{tyre.id, tyre.stock + 1}}, "0670001122", "k-many");
        })
            .error()
            .code == Errc::invalid_argument);
  CHECK_FALSE(both([&](TyreStore &s) { return s.create_order_draft({}, "0670001122", "k-none"); }).ok());
  CHECK_FALSE(both([&](TyreStore &s) { return s.create_order_draft({{tyre.id, 1}}, "nope", "k-phone"); }).ok());
  // A key is for one operation only.
  CHECK(both([&](TyreStore &s) { return s.confirm_order(d1->id, PaymentMethod::cod, "", "k-create"); }).error().code ==
        Errc::invalid_argument);
  CHECK_FALSE(both([&](TyreStore &s) { return s.confirm_order(d1->id, PaymentMethod::cod, "Олена", "k-early"); }).ok());
  CHECK(both([&](TyreStore &s) {
          return s.update_order_delivery("999999", {DeliveryType::pickup, "", "", "KV1"}, "k-del-none");
        })
            .error()
            .code == Errc::not_found);
  CHECK(both([&](TyreStore &s) {
          return s.update_order_delivery(d1->id, {DeliveryType::pickup, "", "", "XX9"}, "k-del-bad");
        })
            .error()
            .code == Errc::not_found);
  REQUIRE(both([&](TyreStore &s) {
            return s.update_order_delivery(d1->id, {DeliveryType::pickup, "", "", "KV1"}, "k-del");
          }).ok());
  auto del = both([&](TyreStore &s) {
    return s.update_order_delivery(d1->id, {DeliveryType::delivery, "Одесі", "вул. Рішельєвська, 1", ""}, "k-del2");
  });
  REQUIRE(del.ok());
  CHECK(del->city == "Одеса");
  CHECK_FALSE(both([&](TyreStore &s) { return s.confirm_order(d1->id, PaymentMethod::none, "", "k-nopay"); }).ok());
  auto conf =
      both([&](TyreStore &s) { return s.confirm_order(d1->id, PaymentMethod::card_on_delivery, "Олена", "k-conf"); });
  REQUIRE(conf.ok());
  CHECK(conf->status == OrderStatus::confirmed);
  REQUIRE(both([&](TyreStore &s) {
            return s.confirm_order(d1->id, PaymentMethod::card_on_delivery, "Олена", "k-conf");
          }).ok());
  CHECK_FALSE(both([&](TyreStore &s) { return s.confirm_order(d1->id, PaymentMethod::cod, "", "k-conf-2"); }).ok());

  auto week = both([&](TyreStore &s) { return s.slots("KV2", "2026-03-10", "2026-03-16"); });
  REQUIRE(week.ok());
  std::vector<Slot> free;
  for (const Slot &sl : *week)
    if (sl.free >= 1) free.push_back(sl);
  REQUIRE(free.size() >= 2);
  BookingRequest req;
  req.station_id = "KV2";
  req.date = free[0].date;
  req.time = free[0].time;
  req.customer_phone = "0931112233";
  req.customer_name = "Петро";
  req.vehicle_info = "Skoda Octavia";
  req.service = Service::full_service;
  req.tire_diameter = 16;
  req.linked_order_id = d1->id;
  req.call_id = "call-7";
  auto b1 = both([&](TyreStore &s) { return s.book_fitting(req, "k-book"); });
  REQUIRE(b1.ok());
  REQUIRE(b1->price);
  CHECK(both([&](TyreStore &s) { return s.book_fitting(req, "k-book"); })->id == b1->id);
  BookingRequest plain = req;  // no rim size: no price
  plain.tire_diameter.reset();
  plain.service = Service::tire_change;
  plain.time = free[1].time;
  plain.date = free[1].date;
  auto b2 = both([&](TyreStore &s) { return s.book_fitting(plain, "k-book-2"); });
  REQUIRE(b2.ok());
  CHECK_FALSE(b2->price);
  BookingRequest past = req;
  past.date = "2026-03-01";
  CHECK_FALSE(both([&](TyreStore &s) { return s.book_fitting(past, "k-past"); }).ok());
  BookingRequest nowhere = req;
  nowhere.station_id = "XX9";
  CHECK(both([&](TyreStore &s) { return s.book_fitting(nowhere, "k-nowhere"); }).error().code == Errc::not_found);
  (void)both([&](TyreStore &s) { return s.booking(b1->id); });
  (void)both([&](TyreStore &s) { return s.bookings_by_phone("+380931112233"); });
  auto moved = both([&](TyreStore &s) { return s.reschedule_booking(b2->id, free[0].date, free[0].time, "k-move"); });
  REQUIRE(moved.ok());
  CHECK(moved->time == free[0].time);
  auto cancelled = both([&](TyreStore &s) { return s.cancel_booking(b1->id, "k-cancel"); });
  REQUIRE(cancelled.ok());
  CHECK(cancelled->cancelled);
  REQUIRE(both([&](TyreStore &s) { return s.cancel_booking(b1->id, "k-cancel-2"); }).ok());
  CHECK_FALSE(
      both([&](TyreStore &s) { return s.reschedule_booking(b1->id, free[1].date, free[1].time, "k-re"); }).ok());
  CHECK(both([&](TyreStore &s) { return s.cancel_booking("999999", "k-cancel-none"); }).error().code ==
        Errc::not_found);

  REQUIRE(both([&](TyreStore &s) {
            return s.create_callback({"0501234567", "завтра після 10", "after hours", "call-9"}, "k-cb");
          }).ok());
  CHECK_FALSE(both([&](TyreStore &s) { return s.create_callback({"nope", "", "", ""}, "k-cb-bad"); }).ok());
  (void)both([&](TyreStore &s) { return s.order(d1->id); });

  // Not one row differs: the same orders, stock, slots, bookings, callbacks and idempotency keys.
  const std::string da = dump_all(dir.file("a.db"));
  CHECK(da.find("k-book") != std::string::npos);
  CHECK(da == dump_all(dir.file("b.db")));
}

TEST_CASE("REST API: a replayed Idempotency-Key returns the original result and status, once") {
  test::TempDir dir;
  Served s(dir.file("shop.db"));
  auto rest = client(s.base());
  TyreQuery q;
  q.in_stock_only = true;
  const std::string id = s.store->search_tyres(q)->items.front().id;
  const std::string body = R"({"customer_phone":"0931234567","items":[{"product_id":")" + id + R"(","quantity":1}]})";
  const size_t before = s.store->orders_by_phone("0931234567")->size();

  Raw raw;
  auto first = raw.send("POST", s.base() + "/orders", body, {{"Idempotency-Key", "replay-1"}});
  auto second = raw.send("POST", s.base() + "/orders", body, {{"Idempotency-Key", "replay-1"}});
  CHECK(first.result.status == 201);
  CHECK(second.result.status == 201);
  CHECK(first.body == second.body);
  CHECK(first.body.find(R"("status":"draft")") != std::string::npos);
  CHECK(s.store->orders_by_phone("0931234567")->size() == before + 1);
  // Through the client: the same key, the same order.
  auto a = rest->create_order_draft({{id, 1}}, "0931234567", "replay-2");
  auto b = rest->create_order_draft({{id, 1}}, "0931234567", "replay-2");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->id == b->id);
  CHECK(s.store->orders_by_phone("0931234567")->size() == before + 2);
  // Without a key, two requests are two orders.
  auto c = raw.send("POST", s.base() + "/orders", body);
  auto d = raw.send("POST", s.base() + "/orders", body);
  CHECK(c.result.status == 201);
  CHECK(d.result.status == 201);
  CHECK(c.body != d.body);
  CHECK(s.store->orders_by_phone("0931234567")->size() == before + 4);
}

TEST_CASE("REST store: unknown ids are the friendly not-found; a wrong base URL says so") {
  test::TempDir dir;
  Served s(dir.file("shop.db"));
  auto rest = client(s.base());
  auto o = rest->order("999999");
  REQUIRE_FALSE(o.ok());
  CHECK(o.error().code == Errc::not_found);
  CHECK(o.error().message == "no order 999999");
  CHECK(rest->availability("T0").error().code == Errc::not_found);
  CHECK(rest->booking("999999").error().code == Errc::not_found);
  CHECK(rest->station("XX9").error().code == Errc::not_found);
  // Ids that cannot be one path segment name nothing, and are not sent.
  CHECK(rest->availability("T1/../../orders").error().code == Errc::not_found);
  CHECK(rest->order("  ").error().code == Errc::not_found);
  // Not-found answers mean the service works: they never open the circuit.
  for (int i = 0; i < 8; ++i) CHECK(rest->order("999999").error().code == Errc::not_found);
  CHECK(rest->breaker_state() == BreakerState::closed);

  // The old client's double prefix, and a missing one: a configuration error naming base_url.
  for (const std::string &base : {s.base() + "/api/v1", s.root()}) {
    auto wrong = client(base);
    auto w = wrong->order("1");
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().code == Errc::config);
    CHECK(w.error().message.find("base_url") != std::string::npos);
  }
  for (const char *bad : {"ftp://x", "http://x/api/v1?x=1", "127.0.0.1:8085/api/v1"}) {
    RestStoreOptions opts;
    opts.base_url = bad;
    CHECK(RestStore::create(std::move(opts)).error().code == Errc::config);
  }
}

TEST_CASE("REST store: the token — wrong or missing is a clear error, not retried; /health needs none") {
  test::TempDir dir;
  Served s(dir.file("shop.db"), "s3cret-token");
  std::atomic<int> retries{0};
  auto count_retries = [&](RestStoreOptions &o) { o.http.on_retry = [&](const net::RetryNotice &) { ++retries; }; };
  for (const std::string &token : {std::string("wrong"), std::string()}) {
    auto rest = client(s.base(), token, count_retries);
    auto r = rest->stations("Київ");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::config);
    CHECK(r.error().message.find("token") != std::string::npos);
    CHECK(r.error().message.find("s3cret") == std::string::npos);
  }
  CHECK(retries.load() == 0);
  auto good = client(s.base(), "s3cret-token");
  auto st = good->stations("Київ");
  REQUIRE(st.ok());
  CHECK_FALSE(st->empty());

  Raw raw;
  auto health = raw.send("GET", s.base() + "/health");
  CHECK(health.result.status == 200);
  CHECK(health.body == R"({"data":{"status":"ok"}})");
  auto denied = raw.send("GET", s.base() + "/fitting/stations", {}, {{"Authorization", "Bearer s3cret-tokeN"}});
  CHECK(denied.result.status == 401);
  CHECK(body_of(denied).find(R"("code":"unauthorized")") != std::string::npos);
  const std::string *www = net::find_header(denied.headers, "WWW-Authenticate");
  REQUIRE(www != nullptr);
  CHECK(www->starts_with("Bearer"));
  auto ok = raw.send("GET", s.base() + "/fitting/stations", {}, {{"Authorization", "bearer s3cret-token"}});
  CHECK(ok.result.status == 200);
}

TEST_CASE("REST API: bad input is a 400 with a message; wrong paths and methods are the server's 404 and 405") {
  test::TempDir dir;
  Served s(dir.file("shop.db"));
  Raw raw;
  auto expect_400 = [&](const net::SyncResponse &r, const std::string &words) {
    CHECK(r.result.status == 400);
    const std::string b = body_of(r);
    auto v = json::parse(b);
    REQUIRE(v.ok());
    CHECK((*v)["error"]["code"].as_string() == "invalid_argument");
    INFO(b);
    CHECK((*v)["error"]["message"].as_string().find(words) != std::string::npos);
  };
  expect_400(raw.send("GET", s.base() + "/tires/search?width=wide"), "width");
  expect_400(raw.send("GET", s.base() + "/tires/search?season=spring"), "season");
  expect_400(raw.send("GET", s.base() + "/fitting/stations/KV1/slots"), "date_from");
  expect_400(raw.send("GET", s.base() + "/fitting/stations/KV1/slots?date_from=2026-03-10&service_type=wash"),
             "service_type");
  expect_400(raw.send("GET", s.base() + "/fitting/prices"), "tire_diameter");
  expect_400(raw.send("GET", s.base() + "/orders"), "phone");
  expect_400(raw.send("POST", s.base() + "/orders", "{not json"), "not JSON");
  expect_400(raw.send("POST", s.base() + "/orders", R"({"customer_phone":"0931234567","items":[]})"), "items");
  expect_400(raw.send("POST", s.base() + "/orders", R"({"customer_phone":"0931234567","items":[{"product_id":"T1"}]})"),
             "quantity");
  expect_400(
      raw.send("POST", s.base() + "/orders", R"({"customer_phone":5,"items":[{"product_id":"T1","quantity":1}]})"),
      "customer_phone");
  expect_400(raw.send("PATCH", s.base() + "/orders/1/delivery", R"({"delivery_type":"drone"})"), "delivery_type");
  expect_400(raw.send("POST", s.base() + "/orders/1/confirm", R"({"payment_method":"barter"})"), "payment_method");
  expect_400(raw.send("POST", s.base() + "/fitting/bookings", R"({"station_id":"KV1"})"), "date");
  expect_400(raw.send("PATCH", s.base() + "/fitting/bookings/1", R"({"date":"2026-03-10"})"), "time");
  expect_400(raw.send("POST", s.base() + "/callbacks", "{}"), "phone");
  expect_400(raw.send("DELETE", s.base() + "/fitting/bookings/1", {}, {{"Idempotency-Key", std::string(300, 'k')}}),
             "Idempotency-Key");

  auto nowhere = raw.send("GET", s.base() + "/warehouses");
  CHECK(nowhere.result.status == 404);
  CHECK_FALSE(json::parse(body_of(nowhere)).ok());  // plain text: not an API answer
  auto wrong_method = raw.send("PUT", s.base() + "/orders/1", "{}");
  CHECK(wrong_method.result.status == 405);
  const std::string *allow = net::find_header(wrong_method.headers, "Allow");
  REQUIRE(allow != nullptr);
  CHECK(allow->find("GET") != std::string::npos);

  auto echoed = raw.send("GET", s.base() + "/fitting/stations/KV1", {}, {{"X-Request-Id", "req-42"}});
  CHECK(echoed.result.status == 200);
  const std::string *rid = net::find_header(echoed.headers, "X-Request-Id");
  REQUIRE(rid != nullptr);
  CHECK(*rid == "req-42");
  CHECK(echoed.body.starts_with(R"({"data":{"id":"KV1")"));
}

TEST_CASE("REST store: 429 and 503 are retried honouring Retry-After, with one X-Request-Id and the caller's key") {
  test::HttpTestServer srv;
  std::mutex mu;
  std::vector<net::RetryNotice> notices;
  auto rest = client(srv.url("/api/v1/"), "tok", [&](RestStoreOptions &o) {
    o.http.on_retry = [&](const net::RetryNotice &n) {
      std::lock_guard lock(mu);
      notices.push_back(n);
    };
  });
  srv.push(test::Reply::retry_after(429, "1"));
  srv.push(test::Reply::retry_after(503, "0"));
  srv.push(test::Reply::json(201, data_reply(to_json(sample_order("100500")))));
  auto r = rest->create_order_draft({{"T1", 1}}, "0501234567", "call-1:create:abc");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r->id == "100500");
  CHECK(r->items.front().product_id == "T1");

  const auto reqs = srv.requests();
  REQUIRE(reqs.size() == 3);
  const std::string rid = reqs[0].header_value("X-Request-Id");
  CHECK(std::regex_match(rid, kUuid4));
  for (const auto &q : reqs) {
    CHECK(q.method == "POST");
    CHECK(q.path == "/api/v1/orders");
    CHECK(q.header_value("X-Request-Id") == rid);
    CHECK(q.header_value("Idempotency-Key") == "call-1:create:abc");
    CHECK(q.header_value("Authorization") == "Bearer tok");
    auto body = json::parse(q.body);
    REQUIRE(body.ok());
    CHECK((*body)["customer_phone"].as_string() == "0501234567");
    CHECK((*body)["items"].items()[0]["product_id"].as_string() == "T1");
    CHECK((*body)["items"].items()[0]["quantity"].as_int() == 1);
  }
  {
    std::lock_guard lock(mu);
    REQUIRE(notices.size() == 2);
    CHECK(notices[0].status == 429);
    CHECK(notices[0].from_retry_after);
    CHECK(notices[0].delay == seconds(1));
    CHECK(notices[1].status == 503);
    CHECK(notices[1].from_retry_after);
    CHECK(notices[1].delay == 0);
  }

  // The next call is another request id.
  srv.push(test::Reply::json(200, data_reply(to_json(sample_order("7")))));
  REQUIRE(rest->order("7").ok());
  const auto after = srv.requests();
  REQUIRE(after.size() == 4);
  CHECK(after[3].header_value("X-Request-Id") != rid);
  CHECK(std::regex_match(after[3].header_value("X-Request-Id"), kUuid4));
  CHECK(after[3].header("Idempotency-Key") == nullptr);  // a GET carries none
  CHECK(after[3].path == "/api/v1/orders/7");
}

TEST_CASE("REST store: 500 is an answer, not retried; 503 gives up after two retries; statuses map to errors") {
  test::HttpTestServer srv;
  auto rest = client(srv.url("/api/v1"), "", [](RestStoreOptions &o) { o.breaker_failures = 100; });
  srv.push(test::Reply::json(500, R"({"error":{"code":"internal","message":"boom"}})"));
  auto r500 = rest->order("1");
  REQUIRE_FALSE(r500.ok());
  CHECK(r500.error().code == Errc::io);
  CHECK(srv.request_count() == 1);

  for (int i = 0; i < 3; ++i) srv.push(test::Reply::retry_after(503, "0"));
  auto r503 = rest->order("1");
  REQUIRE_FALSE(r503.ok());
  CHECK(r503.error().code == Errc::io);
  CHECK(srv.request_count() == 4);

  srv.push(test::Reply::json(404, R"({"error":{"code":"not_found","message":"no order 1"}})"));
  CHECK(rest->order("1").error().message == "no order 1");
  srv.push(test::Reply::text(404, "not found\n"));
  CHECK(rest->order("1").error().code == Errc::config);
  srv.push(test::Reply::json(400, R"({"error":{"code":"invalid_argument","message":"slot 10:00 is already taken"}})"));
  auto taken = rest->book_fitting({}, "k1");
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().code == Errc::invalid_argument);
  CHECK(taken.error().message == "slot 10:00 is already taken");
  srv.push(test::Reply::json(401, R"({"error":{"code":"unauthorized","message":"no"}})"));
  CHECK(rest->order("1").error().code == Errc::config);
  srv.push(test::Reply::json(200, R"({"items":[]})"));  // not the envelope
  CHECK(rest->order("1").error().code == Errc::protocol);
  srv.push(test::Reply::json(200, R"({"data":"an order"})"));
  CHECK(rest->order("1").error().code == Errc::protocol);
  CHECK(srv.request_count() == 10);

  // Every mutating method carries a key; the caller's when given, a fresh UUID when not.
  srv.set_handler([](const test::ReceivedRequest &q) {
    Booking b;
    b.id = "5";
    if (q.path.ends_with("/callbacks"))
      return test::Reply::json(201, data_reply(to_json(Callback{"9", "+3805", "", "", ""})));
    return test::Reply::json(200, data_reply(to_json(b)));
  });
  REQUIRE(rest->cancel_booking("5", "k-del").ok());
  REQUIRE(rest->reschedule_booking("5", "2026-03-10", "10:00", "k-patch").ok());
  REQUIRE(rest->create_callback({"0501234567", "", "", ""}, "").ok());
  const auto reqs = srv.requests();
  REQUIRE(reqs.size() == 13);
  CHECK(reqs[10].method == "DELETE");
  CHECK(reqs[10].header_value("Idempotency-Key") == "k-del");
  CHECK(reqs[11].method == "PATCH");
  CHECK(reqs[11].header_value("Idempotency-Key") == "k-patch");
  CHECK(reqs[11].body == R"({"date":"2026-03-10","time":"10:00"})");
  CHECK(reqs[12].method == "POST");
  CHECK(std::regex_match(reqs[12].header_value("Idempotency-Key"), kUuid4));
}

TEST_CASE("REST store: the breaker opens after 5 failures, fails fast, probes once when the period ends") {
  test::HttpTestServer srv;
  auto now = std::make_shared<std::atomic<Nanos>>(seconds(100));
  auto rest = client(srv.url("/api/v1"), "", [&](RestStoreOptions &o) {
    o.clock = [now] { return now->load(); };
    o.breaker_open_for = seconds(30);
  });
  const std::string ok_body = data_reply(to_json(sample_order("1")));

  // 404s and 400s are answers: they never count.
  for (int i = 0; i < 6; ++i) srv.push(test::Reply::json(404, R"({"error":{"message":"no order 1"}})"));
  for (int i = 0; i < 6; ++i) CHECK(rest->order("1").error().code == Errc::not_found);
  CHECK(rest->breaker_state() == BreakerState::closed);
  // A success in between resets the count.
  for (int i = 0; i < 4; ++i) srv.push(test::Reply::json(500, "{}"));
  srv.push(test::Reply::json(200, ok_body));
  for (int i = 0; i < 4; ++i) CHECK_FALSE(rest->order("1").ok());
  CHECK(rest->order("1").ok());
  CHECK(rest->breaker_state() == BreakerState::closed);

  for (int i = 0; i < 5; ++i) srv.push(test::Reply::json(500, "{}"));
  for (int i = 0; i < 5; ++i) CHECK(rest->order("1").error().code == Errc::io);
  CHECK(rest->breaker_state() == BreakerState::open);
  const size_t sent = srv.request_count();
  CHECK(sent == 16);
  auto fast = rest->order("1");
  REQUIRE_FALSE(fast.ok());
  CHECK(fast.error().code == Errc::io);
  CHECK(fast.error().message.find("circuit open") != std::string::npos);
  CHECK_FALSE(rest->stations("").ok());
  CHECK(srv.request_count() == sent);  // nothing went out

  // The period ends: one probe; it fails, so the circuit opens again.
  *now += seconds(30);
  CHECK(rest->breaker_state() == BreakerState::half_open);
  srv.push(test::Reply::retry_after(503, "0"));
  srv.push(test::Reply::retry_after(503, "0"));
  srv.push(test::Reply::retry_after(503, "0"));
  CHECK(rest->order("1").error().code == Errc::io);
  CHECK(srv.request_count() == sent + 3);  // one logical probe (with its retries)
  CHECK(rest->breaker_state() == BreakerState::open);
  CHECK_FALSE(rest->order("1").ok());
  CHECK(srv.request_count() == sent + 3);

  // Next period: the probe is held at the server; meanwhile other calls fail fast.
  *now += seconds(30);
  auto gate = std::make_shared<test::Gate>();
  test::Reply held = test::Reply::json(200, "");
  held.parts.push_back({ok_body, 0, gate});
  srv.push(held);
  Result<Order> probe = make_error(Errc::internal, "not run");
  std::thread prober([&] { probe = rest->order("1"); });
  REQUIRE(srv.wait_for_requests(sent + 4));
  auto during = rest->order("1");
  REQUIRE_FALSE(during.ok());
  CHECK(during.error().message.find("circuit") != std::string::npos);
  CHECK(srv.request_count() == sent + 4);
  gate->open();
  prober.join();
  REQUIRE_MESSAGE(probe.ok(), (probe.ok() ? "" : probe.error().message));
  CHECK(rest->breaker_state() == BreakerState::closed);
  srv.push(test::Reply::json(200, ok_body));
  CHECK(rest->order("1").ok());
  CHECK(srv.request_count() == sent + 5);
}

TEST_CASE("REST store: timeouts and dropped connections count; after a short open period a probe closes it") {
  test::HttpTestServer srv;
  auto rest = client(srv.url("/api/v1"), "", [](RestStoreOptions &o) {
    o.breaker_failures = 2;
    o.breaker_open_for = millis(200);
    o.timeout = millis(300);
  });
  test::Reply stall;
  stall.stall = true;
  srv.push(stall);
  auto slow = rest->order("1");
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().code == Errc::timeout);
  CHECK(rest->breaker_state() == BreakerState::closed);
  test::Reply drop;
  drop.drop = true;
  srv.push(drop);
  auto dropped = rest->order("1");
  REQUIRE_FALSE(dropped.ok());
  CHECK(dropped.error().code == Errc::io);
  CHECK(rest->breaker_state() != BreakerState::closed);
  CHECK(srv.request_count() == 2);

  REQUIRE(wait_until([&] { return rest->breaker_state() == BreakerState::half_open; }));
  srv.push(test::Reply::json(200, data_reply(to_json(sample_order("1")))));
  auto probe = rest->order("1");
  REQUIRE_MESSAGE(probe.ok(), (probe.ok() ? "" : probe.error().message));
  CHECK(rest->breaker_state() == BreakerState::closed);
  CHECK(srv.request_count() == 3);
}

namespace {

// Collects tool results from the pack's worker thread.
class Sink final : public providers::ToolSink {
 public:
  void on_tool_result(providers::RequestId id, providers::ToolResult r) override {
    std::lock_guard lock(mu_);
    results_[id] = std::move(r);
    cv_.notify_all();
  }
  std::optional<providers::ToolResult> wait(providers::RequestId id) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, 20s, [&] { return results_.count(id) != 0; })) return std::nullopt;
    return results_[id];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<providers::RequestId, providers::ToolResult> results_;
};

std::string run_tool(const std::vector<std::shared_ptr<providers::Tool>> &pack, const std::string &name,
                     const std::string &args, providers::RequestId id) {
  auto sink = std::make_shared<Sink>();
  for (const auto &t : pack) {
    if (t->spec().name != name) continue;
    t->invoke(id, args, {"call-1", "+380501112233", ""}, sink);
    auto r = sink->wait(id);
    REQUIRE(r.has_value());
    return r->json;
  }
  FAIL("no tool " << name);
  return {};
}

}  // namespace

TEST_CASE("tyre_shop pack: store_url puts the tools on the REST API; they answer as over the embedded store") {
  test::TempDir dir;
  Served s(dir.file("shop.db"), "pack-token");
  auto over_rest = tools::make_tyre_tools_from_options(
      "test", json::Value().set("store_url", s.base()).set("store_token", "pack-token").set("store_timeout", 5));
  REQUIRE_MESSAGE(over_rest.ok(), (over_rest.ok() ? "" : over_rest.error().message));
  auto embedded = tools::make_tyre_tools(s.store);
  providers::RequestId id = 1;
  for (auto [name, args] : {std::pair{"get_fitting_stations", R"({"city":"Київ"})"},
                            std::pair{"search_tires", R"({"width":205,"profile":55,"diameter":16,"season":"winter"})"},
                            std::pair{"get_order_status", R"({"phone":"050 111 22 33"})"},
                            std::pair{"get_fitting_price", R"({"tire_diameter":17})"}}) {
    const std::string want = run_tool(embedded, name, args, id++);
    CHECK(want.find("error") == std::string::npos);
    CHECK(run_tool(*over_rest, name, args, id++) == want);
  }

  // A wrong token: the tools say the service is unavailable (and the log says why).
  auto denied =
      tools::make_tyre_tools_from_options("test", json::Value().set("store_url", s.base()).set("store_token", "x"));
  REQUIRE(denied.ok());
  CHECK(run_tool(*denied, "get_fitting_stations", R"({"city":"Київ"})", id++).find("error") != std::string::npos);

  CHECK_FALSE(tools::make_tyre_tools_from_options(
                  "test", json::Value().set("store_url", s.base()).set("store", dir.file("other.db")))
                  .ok());
  CHECK_FALSE(tools::make_tyre_tools_from_options("test", json::Value().set("store_url", "ftp://x")).ok());
  CHECK_FALSE(
      tools::make_tyre_tools_from_options("test", json::Value().set("store_url", s.base()).set("store_timeout", 0))
          .ok());
}
