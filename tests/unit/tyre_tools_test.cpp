#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "core/json.hpp"
#include "store/calendar.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "tools/tyre_tools.hpp"

using namespace std::chrono_literals;
using ca::json::Value;
using ca::providers::RequestId;
using ca::providers::ToolContext;
using ca::providers::ToolResult;

namespace {

// Monday 9 March 2026, 10:00 in Kyiv.
ca::store::TimePoint monday_morning() { return std::chrono::sys_days{std::chrono::year(2026) / 3 / 9} + 8h; }

// Collects results from the worker thread; waits are bounded so a lost result fails the test.
class Sink final : public ca::providers::ToolSink {
 public:
  void on_tool_result(RequestId id, ToolResult r) override {
    {
      std::lock_guard lock(mu_);
      results_[id] = std::move(r);
    }
    cv_.notify_all();
  }
  std::optional<ToolResult> wait(RequestId id) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, 20s, [&] { return results_.count(id) != 0; })) return std::nullopt;
    return results_[id];
  }
  bool has(RequestId id) {
    std::lock_guard lock(mu_);
    return results_.count(id) != 0;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<RequestId, ToolResult> results_;
};

struct Reply {
  ToolResult result;
  Value v;
};

// A store whose catalogue search waits until the test opens the gate: keeps the worker busy.
class GatedStore final : public ca::store::TyreStore {
 public:
  explicit GatedStore(std::shared_ptr<ca::store::TyreStore> s) : s_(std::move(s)) {}
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool wait_entered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 20s, [&] { return entered_; });
  }

  ca::Result<ca::store::TyreSearch> search_tyres(const ca::store::TyreQuery &q) override {
    {
      std::unique_lock lock(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
    }
    return s_->search_tyres(q);
  }
  ca::Result<ca::store::Availability> availability(std::string_view id) override { return s_->availability(id); }
  ca::Result<ca::store::Order> order(std::string_view id) override { return s_->order(id); }
  ca::Result<std::vector<ca::store::Order>> orders_by_phone(std::string_view p) override {
    return s_->orders_by_phone(p);
  }
  ca::Result<ca::store::Order> create_order_draft(const std::vector<ca::store::OrderItemRequest> &i, std::string_view p,
                                                  std::string_view k) override {
    return s_->create_order_draft(i, p, k);
  }
  ca::Result<ca::store::Order> update_order_delivery(std::string_view id, const ca::store::DeliveryRequest &d,
                                                     std::string_view k) override {
    return s_->update_order_delivery(id, d, k);
  }
  ca::Result<ca::store::Order> confirm_order(std::string_view id, ca::store::PaymentMethod p, std::string_view n,
                                             std::string_view k) override {
    return s_->confirm_order(id, p, n, k);
  }
  ca::Result<std::vector<ca::store::Station>> stations(std::string_view c) override { return s_->stations(c); }
  ca::Result<ca::store::Station> station(std::string_view id) override { return s_->station(id); }
  ca::Result<std::vector<ca::store::Slot>> slots(std::string_view id, std::string_view f, std::string_view t) override {
    return s_->slots(id, f, t);
  }
  ca::Result<ca::store::Booking> book_fitting(const ca::store::BookingRequest &r, std::string_view k) override {
    return s_->book_fitting(r, k);
  }
  ca::Result<ca::store::Booking> booking(std::string_view id) override { return s_->booking(id); }
  ca::Result<std::vector<ca::store::Booking>> bookings_by_phone(std::string_view p) override {
    return s_->bookings_by_phone(p);
  }
  ca::Result<ca::store::Booking> cancel_booking(std::string_view id, std::string_view k) override {
    return s_->cancel_booking(id, k);
  }
  ca::Result<ca::store::Booking> reschedule_booking(std::string_view id, std::string_view d, std::string_view t,
                                                    std::string_view k) override {
    return s_->reschedule_booking(id, d, t, k);
  }
  ca::Result<std::vector<ca::store::FittingPrice>> fitting_prices(int d, std::string_view s,
                                                                  std::optional<ca::store::Service> v) override {
    return s_->fitting_prices(d, s, v);
  }
  ca::Result<ca::store::Callback> create_callback(const ca::store::CallbackRequest &r, std::string_view k) override {
    return s_->create_callback(r, k);
  }
  ca::Result<ca::store::Vocabulary> vocabulary() override { return s_->vocabulary(); }

 private:
  std::shared_ptr<ca::store::TyreStore> s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  bool entered_ = false;
};

struct Fixture {
  ca::test::TempDir dir;
  std::shared_ptr<ca::store::SqliteStore> store;
  std::vector<std::shared_ptr<ca::providers::Tool>> tools;
  std::shared_ptr<Sink> sink = std::make_shared<Sink>();
  RequestId next_id = 1;
  std::string call_id = "call-1";
  std::string caller = "+380501112233";

  explicit Fixture(ca::tools::ToolPackOptions opts = {}) {
    auto s = ca::store::SqliteStore::open({.path = dir.file("shop.db"), .clock = [] { return monday_morning(); }});
    REQUIRE(s.ok());
    store = s.value();
    opts.clock = [] { return monday_morning(); };
    tools = ca::tools::make_tyre_tools(store, std::move(opts));
  }

  ca::providers::Tool &tool(const std::string &name) {
    for (auto &t : tools) {
      if (t->spec().name == name) return *t;
    }
    FAIL("no tool " << name);
    throw std::logic_error("unreachable");
  }

  // Through the Tool interface, as the session calls it: the key is (call, tool, arguments).
  Reply call(const std::string &name, const std::string &args) {
    ToolContext ctx{call_id, caller, call_id + ":" + name + ":" + args};
    const RequestId id = next_id++;
    tool(name).invoke(id, args, ctx, sink);
    auto r = sink->wait(id);
    const std::string what = "no result from " + name;
    REQUIRE_MESSAGE(r.has_value(), what);
    auto v = ca::json::parse(r->json);
    REQUIRE_MESSAGE(v.ok(), r->json);
    return {*r, std::move(v).value()};
  }
};

bool compact(const std::string &json) {
  // No whitespace between tokens: every space is inside a string.
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      return false;
    }
  }
  return true;
}

std::set<std::string> strings(const Value &array) {
  std::set<std::string> out;
  for (const auto &v : array.items()) out.insert(v.as_string());
  return out;
}

}  // namespace

TEST_CASE("tyre tools: specs match the seed's 13 tools plus create_callback_request") {
  struct Param {
    const char *name;
    const char *type;
    std::set<std::string> values;  // enum
  };
  struct Expected {
    const char *name;
    std::vector<Param> params;
    std::set<std::string> required;
    bool side_effecting;
  };
  const std::set<std::string> services = {"tire_change", "balancing", "full_service"};
  const std::vector<Expected> expected = {
      {"search_tires",
       {{"vehicle_make", "string", {}},
        {"vehicle_model", "string", {}},
        {"vehicle_year", "integer", {}},
        {"width", "integer", {}},
        {"profile", "integer", {}},
        {"diameter", "integer", {}},
        {"season", "string", {"summer", "winter", "all_season"}},
        {"brand", "string", {}}},
       {},
       false},
      {"check_availability", {{"product_id", "string", {}}, {"query", "string", {}}}, {}, false},
      {"transfer_to_operator",
       {{"reason", "string", {"customer_request", "cannot_help", "complex_question", "negative_emotion"}},
        {"summary", "string", {}}},
       {"reason", "summary"},
       true},
      {"get_order_status", {{"phone", "string", {}}, {"order_id", "string", {}}}, {}, false},
      {"create_order_draft",
       {{"items", "array", {}}, {"customer_phone", "string", {}}, {"confirmed", "boolean", {}}},
       {"items", "customer_phone"},
       true},
      {"update_order_delivery",
       {{"order_id", "string", {}},
        {"delivery_type", "string", {"delivery", "pickup"}},
        {"city", "string", {}},
        {"address", "string", {}},
        {"pickup_point_id", "string", {}}},
       {"order_id", "delivery_type"},
       true},
      {"confirm_order",
       {{"order_id", "string", {}},
        {"payment_method", "string", {"cod", "online", "card_on_delivery"}},
        {"customer_name", "string", {}},
        {"confirmed", "boolean", {}}},
       {"order_id", "payment_method"},
       true},
      {"get_fitting_stations", {{"city", "string", {}}}, {"city"}, false},
      {"get_fitting_slots",
       {{"station_id", "string", {}},
        {"date_from", "string", {}},
        {"date_to", "string", {}},
        {"service_type", "string", services}},
       {"station_id"},
       false},
      {"book_fitting",
       {{"station_id", "string", {}},
        {"date", "string", {}},
        {"time", "string", {}},
        {"customer_phone", "string", {}},
        {"vehicle_info", "string", {}},
        {"service_type", "string", services},
        {"tire_diameter", "integer", {}},
        {"linked_order_id", "string", {}},
        {"confirmed", "boolean", {}}},
       {"station_id", "date", "time", "customer_phone"},
       true},
      {"cancel_fitting",
       {{"booking_id", "string", {}},
        {"action", "string", {"cancel", "reschedule"}},
        {"new_date", "string", {}},
        {"new_time", "string", {}},
        {"confirmed", "boolean", {}}},
       {"booking_id", "action"},
       true},
      {"get_fitting_price",
       {{"tire_diameter", "integer", {}}, {"station_id", "string", {}}, {"service_type", "string", services}},
       {"tire_diameter"},
       false},
      {"search_knowledge_base",
       {{"query", "string", {}}, {"category", "string", {"brands", "guides", "faq", "comparisons"}}},
       {"query"},
       false},
      {"create_callback_request",
       {{"phone", "string", {}}, {"preferred_time", "string", {}}, {"note", "string", {}}},
       {"phone"},
       true},
  };

  Fixture f;
  REQUIRE(f.tools.size() == expected.size());
  REQUIRE(ca::tools::tyre_tool_names().size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto &e = expected[i];
    const auto &spec = f.tools[i]->spec();
    CAPTURE(spec.name);
    CHECK(spec.name == e.name);
    CHECK(ca::tools::tyre_tool_names()[i] == e.name);
    CHECK(spec.side_effecting == e.side_effecting);
    CHECK_FALSE(spec.wait_phrase.empty());
    CHECK(spec.description.size() > 40);
    auto schema = ca::json::parse(spec.parameters_json);
    REQUIRE_MESSAGE(schema.ok(), spec.parameters_json);
    const Value &s = schema.value();
    CHECK(s["type"].str() == "object");
    std::set<std::string> names;
    for (const auto &[k, v] : s["properties"].members()) names.insert(k);
    std::set<std::string> want;
    for (const auto &p : e.params) {
      want.insert(p.name);
      CAPTURE(p.name);
      const Value &prop = s["properties"][p.name];
      CHECK(prop["type"].str() == p.type);
      CHECK(strings(prop["enum"]) == p.values);
    }
    CHECK(names == want);
    CHECK(strings(s["required"]) == e.required);
  }
  // Order items: product_id and quantity, both required.
  auto order_schema = ca::json::parse(f.tool("create_order_draft").spec().parameters_json);
  const Value &item = order_schema.value()["properties"]["items"]["items"];
  CHECK(item["properties"]["product_id"]["type"].str() == "string");
  CHECK(item["properties"]["quantity"]["type"].str() == "integer");
  CHECK(strings(item["required"]) == std::set<std::string>{"product_id", "quantity"});
}

TEST_CASE("tyre tools: search and availability return small compact results with ids") {
  Fixture f;
  auto r = f.call("search_tires", R"({"width":205,"profile":55,"diameter":16,"season":"winter"})");
  CHECK(r.result.ok);
  CHECK(compact(r.result.json));
  CHECK(r.result.json.size() < 700);
  CHECK(r.v["total"].as_int() > 0);
  const Value &items = r.v["items"];
  REQUIRE(items.size() > 0);
  CHECK(items.size() <= 3);
  for (const auto &it : items.items()) {
    CHECK(it["id"].str().starts_with("T"));
    CHECK(it["size"].str().starts_with("205/55 R16"));
    CHECK(it["season"].str() == "winter");
    CHECK(it["price"].as_int() >= 1800);
    CHECK(it["stock"].as_int() > 0);
  }
  // Offers span the prices: the first is the cheapest in stock.
  CHECK(items.items().front()["price"].as_int() <= items.items().back()["price"].as_int());

  auto car = f.call("search_tires", R"({"vehicle_make":"Skoda","vehicle_model":"Octavia","vehicle_year":2021})");
  CHECK(car.result.ok);
  CHECK(car.v["vehicle"].str() == "Skoda Octavia");
  CHECK(strings(car.v["sizes"]).count("225/40 R18") == 1);
  CHECK(car.v["items"].size() > 0);
  auto unknown_car = f.call("search_tires", R"({"vehicle_make":"Zaporozhets","vehicle_model":"968"})");
  CHECK(unknown_car.v["total"].as_int() == 0);
  CHECK(unknown_car.v["message"].str().find("розмір") != std::string::npos);
  auto nothing = f.call("search_tires", R"({})");
  CHECK_FALSE(nothing.result.ok);
  CHECK(nothing.v.contains("error"));
  auto no_brand = f.call("search_tires", R"({"brand":"Acme","diameter":16})");
  CHECK(no_brand.v["total"].as_int() == 0);
  CHECK(strings(no_brand.v["brands"]).count("Michelin") == 1);

  const std::string id = items.items().front()["id"].as_string();
  auto a = f.call("check_availability", R"({"product_id":")" + id + R"("})");
  CHECK(a.result.ok);
  CHECK(compact(a.result.json));
  CHECK(a.v["id"].str() == id);
  CHECK(a.v["available"].as_bool());
  CHECK(a.v["stock"].as_int() > 0);
  CHECK(a.v["delivery_days"].as_int() >= 1);
  CHECK(a.v["warehouses"].size() <= 3);
  auto by_query = f.call("check_availability", R"({"query":"205/55 R16"})");
  CHECK(by_query.v["size"].str().starts_with("205/55 R16"));
  auto missing = f.call("check_availability", R"({"product_id":"T0"})");
  CHECK(missing.result.ok);
  CHECK_FALSE(missing.v["available"].as_bool());
  auto bad_json = f.call("check_availability", R"({"product_id":)");
  CHECK_FALSE(bad_json.result.ok);
}

TEST_CASE("tyre tools: the caller's own number overrides the phone the LLM gives") {
  Fixture f;
  auto own = f.call("get_order_status", R"({"phone":"0671234567"})");
  CHECK(own.result.ok);
  CHECK(own.v["found"].as_bool());
  CHECK(own.v["total"].as_int() == 2);  // +380501112233's two orders, not +380671234567's one
  CHECK(compact(own.result.json));
  CHECK(own.v["orders"].items().front()["status"].str() == "shipped");
  CHECK_FALSE(own.v["orders"].items().front()["status_label"].str().empty());

  f.caller = "anonymous";  // no usable number on the line: the argument counts
  auto given = f.call("get_order_status", R"({"phone":"0671234567"})");
  CHECK(given.v["total"].as_int() == 1);
  auto by_id = f.call("get_order_status", R"({"order_id":"100003"})");
  CHECK(by_id.v["orders"].items().front()["order_id"].str() == "100003");
  auto none = f.call("get_order_status", R"({"order_id":"999999"})");
  CHECK_FALSE(none.v["found"].as_bool());
  auto nothing = f.call("get_order_status", R"({})");
  CHECK_FALSE(nothing.result.ok);

  f.caller = "+380501112233";
  auto cb =
      f.call("create_callback_request", R"({"phone":"0939998877","preferred_time":"завтра зранку","note":"шини"})");
  CHECK(cb.result.ok);
  CHECK(cb.v["phone"].str() == "050 111 22 33");
  CHECK(cb.v["status"].str() == "created");
}

TEST_CASE("tyre tools: orders need a confirmation step and are created once") {
  Fixture f;
  ca::store::TyreQuery q;
  q.width = 205;
  q.profile = 55;
  q.diameter = 16;
  q.in_stock_only = true;
  auto found = f.store->search_tyres(q);
  REQUIRE(found.ok());
  const std::string id = found->items.front().id;
  const std::string args = R"({"items":[{"product_id":")" + id + R"(","quantity":1}],"customer_phone":"0990000000")";
  auto drafts = [&] {
    auto o = f.store->orders_by_phone(f.caller);
    REQUIRE(o.ok());
    return std::count_if(o->begin(), o->end(), [](const auto &x) { return x.status == ca::store::OrderStatus::draft; });
  };
  const auto before = drafts();

  // Straight to confirmed=true without a summary first: still only the summary.
  auto eager = f.call("create_order_draft", args + R"(,"confirmed":true})");
  CHECK(eager.result.ok);
  CHECK(eager.v["needs_confirmation"].as_bool());
  CHECK(eager.v.contains("note"));
  CHECK(drafts() == before);

  f.call_id = "call-2";
  auto ask = f.call("create_order_draft", args + "}");
  CHECK(ask.result.ok);
  CHECK(ask.v["needs_confirmation"].as_bool());
  const std::string summary = ask.v["summary"].as_string();
  CHECK(summary.find("050 111 22 33") != std::string::npos);  // the caller's number, not the argument
  CHECK(summary.find(id) == std::string::npos);               // no ids to read aloud
  CHECK(summary.find("грн") != std::string::npos);
  CHECK(drafts() == before);

  auto made = f.call("create_order_draft", args + R"(,"confirmed":true})");
  CHECK(made.result.ok);
  CHECK(compact(made.result.json));
  const std::string order_id = made.v["order_id"].as_string();
  CHECK(order_id.size() == 6);
  CHECK(made.v["status"].str() == "draft");
  CHECK(made.v["total"].as_int() > 0);
  auto again = f.call("create_order_draft", args + R"(,"confirmed":true})");
  CHECK(again.v["order_id"].str() == order_id);
  CHECK(drafts() == before + 1);

  // Delivery, then confirmation with its own summary.
  auto early = f.call("confirm_order", R"({"order_id":")" + order_id + R"(","payment_method":"cod"})");
  CHECK_FALSE(early.result.ok);
  auto no_point =
      f.call("update_order_delivery", R"({"order_id":")" + order_id + R"(","delivery_type":"pickup","city":"Київ"})");
  CHECK_FALSE(no_point.result.ok);
  CHECK(no_point.v["points"].size() == 3);
  auto del = f.call("update_order_delivery",
                    R"({"order_id":")" + order_id + R"(","delivery_type":"pickup","pickup_point_id":"KV1"})");
  CHECK(del.result.ok);
  CHECK(del.v["delivery_cost"].as_int() == 0);
  const std::string confirm =
      R"({"order_id":")" + order_id + R"(","payment_method":"card_on_delivery","customer_name":"Олена")";
  auto c1 = f.call("confirm_order", confirm + "}");
  CHECK(c1.v["needs_confirmation"].as_bool());
  CHECK(c1.v["summary"].str().find("Драгоманова") != std::string::npos);
  CHECK(f.store->order(order_id).value().status == ca::store::OrderStatus::draft);
  auto c2 = f.call("confirm_order", confirm + R"(,"confirmed":true})");
  CHECK(c2.result.ok);
  CHECK(c2.v["status"].str() == "confirmed");
  CHECK_FALSE(c2.v["estimated_delivery"].str().empty());
  CHECK(f.store->order(order_id).value().status == ca::store::OrderStatus::confirmed);

  // Someone else's order cannot be changed from this line.
  f.caller = "+380671234567";
  auto other =
      f.call("update_order_delivery", R"({"order_id":"100010","delivery_type":"pickup","pickup_point_id":"KV1"})");
  CHECK_FALSE(other.result.ok);
  CHECK(other.v["error"].str().find("оператор") != std::string::npos);
}

TEST_CASE("tyre tools: the search and the stations report the store's words for recognisers") {
  Fixture f;
  auto v = f.store->vocabulary();
  REQUIRE(v.ok());
  const auto search = f.tool("search_tires").speech_vocabulary();
  CHECK(search.brands == v->brands);
  CHECK(search.models == v->models);
  CHECK(search.sizes == v->sizes);
  CHECK(std::find(search.vehicles.begin(), search.vehicles.end(), "Toyota") != search.vehicles.end());
  CHECK(std::find(search.vehicles.begin(), search.vehicles.end(), "Toyota Camry") != search.vehicles.end());
  CHECK(search.cities.empty());
  const auto stations = f.tool("get_fitting_stations").speech_vocabulary();
  CHECK(stations.cities == v->cities);
  CHECK(std::find(stations.places.begin(), stations.places.end(), "ШинСервіс Оболонь") != stations.places.end());
  CHECK(std::find(stations.places.begin(), stations.places.end(), "Оболонський район") != stations.places.end());
  CHECK(stations.brands.empty());
  // The rest have none; merged, the pack's words are the store's.
  ca::providers::SpeechVocabulary all;
  for (auto &t : f.tools) {
    if (t->spec().name != "search_tires" && t->spec().name != "get_fitting_stations") {
      CHECK(t->speech_vocabulary().empty());
    }
    all.merge(t->speech_vocabulary());
  }
  CHECK(all.brands.size() >= 10);
  CHECK(all.phrases().size() == all.brands.size() + all.models.size() + all.sizes.size() + all.cities.size() +
                                    all.places.size() + all.vehicles.size());
}

TEST_CASE("tyre tools: stations, slots in the window, bookings only at offered times, then cancel") {
  Fixture f;
  auto st = f.call("get_fitting_stations", R"({"city":"Києві"})");
  CHECK(st.result.ok);
  CHECK(st.v["total"].as_int() == 3);
  CHECK(compact(st.result.json));
  for (const auto &s : st.v["stations"].items()) {
    CHECK_FALSE(s["id"].str().empty());
    CHECK_FALSE(s["address"].str().empty());
    CHECK_FALSE(s["hours"].str().empty());
  }
  auto nowhere = f.call("get_fitting_stations", R"({"city":"Житомир"})");
  CHECK(nowhere.v["total"].as_int() == 0);
  CHECK(strings(nowhere.v["cities"]).count("Львів") == 1);

  // Booking before any slots were offered in this call: refused.
  auto blind = f.call("book_fitting",
                      R"({"station_id":"KV1","date":"2026-03-11","time":"10:00","customer_phone":"0501112233"})");
  CHECK_FALSE(blind.result.ok);
  CHECK(blind.v["error"].str().find("get_fitting_slots") != std::string::npos);

  auto today = f.call("get_fitting_slots", R"({"station_id":"KV1","date_from":"today"})");
  CHECK(today.result.ok);
  CHECK(compact(today.result.json));
  CHECK(today.v.contains("note"));
  const Value &days = today.v["days"];
  REQUIRE(days.size() > 0);
  CHECK(days.size() <= 3);
  CHECK(days.items().front()["date"].str() >= "2026-03-10");
  CHECK(days.items().front()["weekday"].str() ==
        ca::store::weekday_uk(*ca::store::parse_iso_date(days.items().front()["date"].str())));
  auto too_far = f.call("get_fitting_slots", R"({"station_id":"KV1","date_from":"2026-04-01"})");
  CHECK_FALSE(too_far.result.ok);
  auto unknown = f.call("get_fitting_slots", R"({"station_id":"ZZ1"})");
  CHECK_FALSE(unknown.result.ok);

  const std::string date = days.items().front()["date"].as_string();
  const std::set<std::string> offered = strings(days.items().front()["times"]);
  std::string not_offered = "07:00";
  for (int h = 8; h < 20; ++h) {
    char t[8];
    std::snprintf(t, sizeof t, "%02d:00", h);
    if (offered.count(t) == 0) {
      not_offered = t;
      break;
    }
  }
  const std::string time = *offered.begin();
  auto slot_free = [&] {
    auto slots = f.store->slots("KV1", date, date);
    REQUIRE(slots.ok());
    for (const auto &s : slots.value()) {
      if (s.time == time) return s.free;
    }
    return -1;
  };
  const int free_before = slot_free();
  REQUIRE(free_before > 0);

  auto bad_time = f.call("book_fitting", R"({"station_id":"KV1","date":")" + date + R"(","time":")" + not_offered +
                                             R"(","customer_phone":"0501112233"})");
  CHECK_FALSE(bad_time.result.ok);
  CHECK(bad_time.v["error"].str().find(time) != std::string::npos);  // the free times are listed
  for (const char *d : {"today", "2026-03-09", "2026-03-31", "2026-02-28"}) {
    auto outside = f.call("book_fitting", R"({"station_id":"KV1","date":")" + std::string(d) + R"(","time":")" + time +
                                              R"(","customer_phone":"0501112233"})");
    CAPTURE(d);
    CHECK_FALSE(outside.result.ok);
    CHECK(outside.v["error"].str().find("2026-03-30") != std::string::npos);  // says where the window ends
  }

  const std::string book = R"({"station_id":"KV1","date":")" + date + R"(","time":")" + time +
                           R"(","customer_phone":"0677777777","vehicle_info":"Skoda Octavia","tire_diameter":16)";
  auto ask = f.call("book_fitting", book + "}");
  CHECK(ask.v["needs_confirmation"].as_bool());
  CHECK(ask.v["summary"].str().find("ШинСервіс Позняки") != std::string::npos);
  CHECK(ask.v["summary"].str().find("050 111 22 33") != std::string::npos);
  CHECK(slot_free() == free_before);
  auto done = f.call("book_fitting", book + R"(,"confirmed":true})");
  CHECK(done.result.ok);
  CHECK(compact(done.result.json));
  const std::string booking_id = done.v["booking_id"].as_string();
  CHECK(booking_id.size() == 5);
  CHECK(done.v["date"].str() == date);
  CHECK(done.v["time"].str() == time);
  CHECK(done.v["price"].as_int() > 0);
  CHECK(slot_free() == free_before - 1);
  auto replay = f.call("book_fitting", book + R"(,"confirmed":true})");
  CHECK(replay.v["booking_id"].str() == booking_id);
  CHECK(slot_free() == free_before - 1);
  auto stored = f.store->booking(booking_id);
  REQUIRE(stored.ok());
  CHECK(stored->customer_phone == "+380501112233");

  // 'tomorrow' is a date too, when tomorrow's slots were offered.
  auto tomorrow_slots =
      f.call("get_fitting_slots", R"({"station_id":"KV2","date_from":"tomorrow","date_to":"tomorrow"})");
  CHECK(tomorrow_slots.result.ok);
  if (tomorrow_slots.v["days"].size() > 0) {
    const std::string t = tomorrow_slots.v["days"].items().front()["times"].items().front().as_string();
    auto ask2 =
        f.call("book_fitting", R"({"station_id":"KV2","date":"tomorrow","time":")" + t + R"(","customer_phone":"x"})");
    CHECK(ask2.v["needs_confirmation"].as_bool());
    CHECK(ask2.v["summary"].str().find("10 березня") != std::string::npos);
  }

  // Reschedule to another offered time, then cancel; each with its summary first.
  std::string other_date, other_time;
  for (const auto &d : days.items()) {
    for (const auto &t : d["times"].items()) {
      if (!(d["date"].str() == date && t.str() == time)) {
        other_date = d["date"].as_string();
        other_time = t.as_string();
      }
    }
  }
  REQUIRE_FALSE(other_date.empty());
  const std::string move = R"({"booking_id":")" + booking_id + R"(","action":"reschedule","new_date":")" + other_date +
                           R"(","new_time":")" + other_time + R"(")";
  auto m1 = f.call("cancel_fitting", move + "}");
  CHECK(m1.v["needs_confirmation"].as_bool());
  CHECK(f.store->booking(booking_id).value().time == time);
  auto m2 = f.call("cancel_fitting", move + R"(,"confirmed":true})");
  CHECK(m2.result.ok);
  CHECK(m2.v["action"].str() == "rescheduled");
  CHECK(f.store->booking(booking_id).value().date == other_date);
  CHECK(f.store->booking(booking_id).value().time == other_time);
  CHECK(slot_free() == free_before);

  auto bad_move =
      f.call("cancel_fitting", R"({"booking_id":")" + booking_id +
                                   R"(","action":"reschedule","new_date":"2026-04-15","new_time":"10:00"})");
  CHECK_FALSE(bad_move.result.ok);

  const std::string cancel = R"({"booking_id":")" + booking_id + R"(","action":"cancel")";
  auto c1 = f.call("cancel_fitting", cancel + "}");
  CHECK(c1.v["needs_confirmation"].as_bool());
  CHECK_FALSE(f.store->booking(booking_id).value().cancelled);
  auto c2 = f.call("cancel_fitting", cancel + R"(,"confirmed":true})");
  CHECK(c2.v["action"].str() == "cancelled");
  CHECK(f.store->booking(booking_id).value().cancelled);

  // The same booking asked for again after it was cancelled is a new booking, itself done once.
  auto rebook = f.call("book_fitting", book + R"(,"confirmed":true})");
  CHECK(rebook.result.ok);
  const std::string rebooked = rebook.v["booking_id"].as_string();
  CHECK(rebooked != booking_id);
  CHECK_FALSE(f.store->booking(rebooked).value().cancelled);
  CHECK(slot_free() == free_before - 1);
  auto rebook_again = f.call("book_fitting", book + R"(,"confirmed":true})");
  CHECK(rebook_again.v["booking_id"].str() == rebooked);
  CHECK(slot_free() == free_before - 1);

  // Another line cannot touch this booking.
  f.caller = "+380671234567";
  auto other = f.call("cancel_fitting", cancel + R"(,"confirmed":true})");
  CHECK_FALSE(other.result.ok);
}

TEST_CASE("tyre tools: prices, knowledge base hook, transfer and after hours") {
  SUBCASE("prices and an empty knowledge base") {
    Fixture f;
    auto p = f.call("get_fitting_price", R"({"tire_diameter":16})");
    CHECK(p.result.ok);
    CHECK(compact(p.result.json));
    CHECK(p.v["prices"].size() == 3);
    for (const auto &x : p.v["prices"].items()) CHECK(x["per_set"].as_int() == 4 * x["per_wheel"].as_int());
    auto one = f.call("get_fitting_price", R"({"tire_diameter":"R18","station_id":"LV1","service_type":"balancing"})");
    CHECK(one.v["prices"].size() == 1);
    CHECK(one.v["prices"].items().front()["service"].str() == "balancing");
    CHECK_FALSE(f.call("get_fitting_price", R"({"tire_diameter":30})").result.ok);
    CHECK_FALSE(f.call("get_fitting_price", R"({})").result.ok);

    auto kb = f.call("search_knowledge_base", R"({"query":"шипи"})");
    CHECK(kb.result.json == R"({"total":0,"articles":[]})");

    auto t = f.call("transfer_to_operator", R"({"reason":"customer_request","summary":"Хоче поговорити з людиною"})");
    CHECK(t.result.ok);
    CHECK(t.result.action == ToolResult::Action::transfer);
    CHECK(t.result.action_reason == "customer_request");
    CHECK(t.v["status"].str() == "transferring");
  }
  SUBCASE("hooks") {
    ca::tools::ToolPackOptions o;
    std::string seen_query, seen_category;
    std::mutex mu;
    o.knowledge = [&](std::string q, std::string c) -> ca::Result<Value> {
      std::lock_guard lock(mu);
      seen_query = q;
      seen_category = c;
      Value arts = Value::array();
      for (int i = 0; i < 5; ++i) {
        std::string body;
        for (int k = 0; k < 100; ++k) body += "шина ";  // 500 code points
        arts.push(Value()
                      .set("title", "Стаття " + std::to_string(i))
                      .set("category", "faq")
                      .set("content", body)
                      .set("relevance", 0.9));
      }
      return Value().set("total", 5).set("articles", std::move(arts));
    };
    o.after_hours = [](ca::tools::TimePoint t) -> std::optional<std::string> {
      if (t == monday_morning()) return std::string("Наразі кол-центр не працює.");
      return std::nullopt;
    };
    Fixture f(std::move(o));
    auto kb = f.call("search_knowledge_base", R"({"query":"шипи","category":"faq"})");
    CHECK(kb.result.ok);
    {
      std::lock_guard lock(mu);
      CHECK(seen_query == "шипи");
      CHECK(seen_category == "faq");
    }
    CHECK(kb.v["total"].as_int() == 5);
    CHECK(kb.v["articles"].size() == 3);
    const std::string content = kb.v["articles"].items().front()["content"].as_string();
    CHECK(content.size() < 600);  // the whole body is 900 bytes
    CHECK(content.ends_with("…"));
    CHECK_FALSE(kb.v["articles"].items().front().contains("relevance"));

    auto t = f.call("transfer_to_operator", R"({"reason":"cannot_help","summary":"Питання про гарантію"})");
    CHECK(t.result.ok);
    CHECK(t.result.action == ToolResult::Action::none);
    CHECK(t.v["after_hours"].as_bool());
    CHECK(t.v["message"].str() == "Наразі кол-центр не працює.");
    CHECK(t.v["next"].str().find("create_callback_request") != std::string::npos);
  }
}

TEST_CASE("tyre tools: invoke never blocks; cancel drops a read-only result, never a side-effecting one") {
  ca::test::TempDir dir;
  auto s = ca::store::SqliteStore::open({.path = dir.file("shop.db"), .clock = [] { return monday_morning(); }});
  REQUIRE(s.ok());
  auto gated = std::make_shared<GatedStore>(s.value());
  ca::tools::ToolPackOptions o;
  o.clock = [] { return monday_morning(); };
  auto tools = ca::tools::make_tyre_tools(gated, o);
  auto find = [&](const std::string &n) -> ca::providers::Tool & {
    for (auto &t : tools) {
      if (t->spec().name == n) return *t;
    }
    throw std::logic_error("no tool");
  };
  auto sink = std::make_shared<Sink>();
  const ToolContext ctx{"call-c", "+380501112233", "k"};

  // The worker sits in the store; every invoke below still returns at once.
  find("search_tires").invoke(1, R"({"diameter":16})", ctx, sink);
  REQUIRE(gated->wait_entered());
  find("get_fitting_stations").invoke(2, R"({"city":"Львів"})", ctx, sink);
  find("create_callback_request").invoke(3, R"({"phone":"0501112233"})", {"call-c", "+380501112233", "cb-1"}, sink);
  find("get_fitting_price").invoke(4, R"({"tire_diameter":15})", ctx, sink);
  find("search_tires").cancel(1);             // running: its result is dropped
  find("get_fitting_stations").cancel(2);     // queued: never runs
  find("create_callback_request").cancel(3);  // side-effecting: ignored
  find("get_fitting_price").cancel(999);      // unknown: no-op
  CHECK_FALSE(sink->has(1));
  gated->open_gate();
  find("get_fitting_price").invoke(5, R"({"tire_diameter":17})", ctx, sink);
  REQUIRE(sink->wait(5));  // one worker, in order: everything before it is settled
  CHECK(sink->wait(3));
  CHECK(sink->wait(4));
  CHECK_FALSE(sink->has(1));
  CHECK_FALSE(sink->has(2));
  auto cbs = gated->create_callback({"0501112233", "", "", ""}, "cb-1");  // the same key: the one created above
  REQUIRE(cbs.ok());
  CHECK(cbs->phone == "+380501112233");
}

TEST_CASE("tyre tools: a pack released from inside its own result callback shuts down cleanly") {
  // A host may drop the call's tools when the last result arrives, on the pack's own thread.
  struct Dropper final : ca::providers::ToolSink {
    std::vector<std::shared_ptr<ca::providers::Tool>> tools;
    std::mutex mu;
    std::condition_variable cv;
    std::string json;
    void on_tool_result(RequestId, ToolResult r) override {
      std::vector<std::shared_ptr<ca::providers::Tool>> last;
      {
        std::lock_guard lock(mu);
        last.swap(tools);
      }
      last.clear();  // the pack goes here, on its worker thread
      {
        std::lock_guard lock(mu);
        json = r.json;
      }
      cv.notify_all();
    }
  };
  ca::test::TempDir dir;
  auto s = ca::store::SqliteStore::open({.path = dir.file("shop.db"), .clock = [] { return monday_morning(); }});
  REQUIRE(s.ok());
  auto sink = std::make_shared<Dropper>();
  ca::tools::ToolPackOptions o;
  o.clock = [] { return monday_morning(); };
  {
    std::lock_guard lock(sink->mu);
    sink->tools = ca::tools::make_tyre_tools(s.value(), o);
    sink->tools.front()->invoke(1, R"({"diameter":15})", {"call-d", "", "k"}, sink);
  }
  std::unique_lock lock(sink->mu);
  REQUIRE(sink->cv.wait_for(lock, 20s, [&] { return !sink->json.empty(); }));
  CHECK(sink->tools.empty());
  CHECK(sink->json.find("\"items\"") != std::string::npos);
}

TEST_CASE("wait phrases are in the pack's language") {
  auto has_cyrillic = [](const std::string &s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
      const auto b = static_cast<unsigned char>(c);
      return b == 0xd0 || b == 0xd1;
    });
  };
  for (const char *lang : {"uk", "ru", "en"}) {
    ca::tools::ToolPackOptions opts;
    opts.language = lang;
    Fixture f(opts);
    std::set<std::string> phrases;
    for (const auto &t : f.tools) {
      CAPTURE(t->spec().name);
      CHECK(has_cyrillic(t->spec().wait_phrase) == (std::string(lang) != "en"));
      phrases.insert(t->spec().wait_phrase);
    }
    CHECK(phrases.size() >= 10);  // each tool says what it is doing
  }
  ca::tools::ToolPackOptions uk;
  ca::tools::ToolPackOptions ru;
  ru.language = "ru";
  Fixture fu(uk), fr(ru);
  CHECK(fu.tool("search_tires").spec().wait_phrase != fr.tool("search_tires").spec().wait_phrase);
}
