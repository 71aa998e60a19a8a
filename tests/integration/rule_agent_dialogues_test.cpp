// The rule-based agent end to end: scripted calls in Ukrainian, Russian and English driven the way
// the session drives an LLM (caller turn → start() → tools through the Tool interface → start()
// again until a round ends with text), over the real tool pack on a seeded SQLite store in a temp
// directory and the knowledge base imported from examples/kb. Each dialogue checks the tools
// called (names and key arguments) and the facts spoken.
#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "agent/conversation.hpp"
#include "agent/rule_agent/rule_agent.hpp"
#include "core/json.hpp"
#include "kb/knowledge_base.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "tools/tyre_tools.hpp"

using namespace std::chrono_literals;
using ca::json::Value;
using ca::providers::RequestId;

namespace {

// Monday 9 March 2026, 10:00 in Kyiv.
ca::store::TimePoint monday_morning() { return std::chrono::sys_days{std::chrono::year(2026) / 3 / 9} + 8h; }

class ToolWaiter final : public ca::providers::ToolSink {
 public:
  void on_tool_result(RequestId id, ca::providers::ToolResult r) override {
    {
      std::lock_guard lock(mu_);
      results_[id] = std::move(r);
    }
    cv_.notify_all();
  }
  std::optional<ca::providers::ToolResult> wait(RequestId id) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, 20s, [&] { return results_.count(id) != 0; })) return std::nullopt;
    return results_[id];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<RequestId, ca::providers::ToolResult> results_;
};

class LlmCollector final : public ca::providers::LlmSink {
 public:
  void on_llm_text(RequestId, std::string_view delta) override { text += delta; }
  void on_llm_tool_call(RequestId, ca::agent::ToolCall call) override { calls.push_back(std::move(call)); }
  void on_llm_done(RequestId, ca::providers::LlmUsage) override { done = true; }
  void on_llm_error(RequestId, std::string message) override { error = std::move(message); }
  std::string text;
  std::vector<ca::agent::ToolCall> calls;
  bool done = false;
  std::string error;
};

struct Call {
  std::string name;
  Value args;
  Value result;
  bool ok = true;
};

struct Turn {
  std::string reply;
  std::vector<Call> calls;
  bool transferred = false;
  int rounds = 0;

  const Call *find(const std::string &name, size_t nth = 0) const {
    for (const auto &c : calls) {
      if (c.name == name && nth-- == 0) return &c;
    }
    return nullptr;
  }
  bool called(const std::string &name) const { return find(name) != nullptr; }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto &c : calls) n.push_back(c.name);
    return n;
  }
};

struct HarnessOptions {
  std::string caller = "+380501112233";
  ca::text::Lang language = ca::text::Lang::uk;
  bool after_hours = false;
  bool knowledge = true;
  std::vector<std::string> tools;  // empty: all
};

class Harness {
 public:
  explicit Harness(HarnessOptions o = {}) : opts_(std::move(o)) {
    auto s = ca::store::SqliteStore::open({.path = dir_.file("shop.db"), .clock = [] { return monday_morning(); }});
    REQUIRE(s.ok());
    store_ = s.value();
    ca::tools::ToolPackOptions po;
    po.clock = [] { return monday_morning(); };
    if (opts_.after_hours) {
      po.after_hours = [](ca::tools::TimePoint) -> std::optional<std::string> {
        return std::string("Ми працюємо: Пн–Пт 09:00–18:00. Відкриємося завтра з 09:00.");
      };
    }
    if (opts_.knowledge) {
      auto kb = ca::kb::KnowledgeBase::open(dir_.file("kb.db"));
      REQUIRE(kb.ok());
      std::shared_ptr<ca::kb::KnowledgeBase> base = std::move(kb).value();
      auto imported = base->import_directory(std::string(CALLAGENT_SOURCE_DIR) + "/examples/kb");
      REQUIRE(imported.ok());
      REQUIRE(imported->articles() > 20);
      po.knowledge = [base](std::string query, std::string category) -> ca::Result<Value> {
        auto hits = base->search(query, category, ca::kb::kToolSearchLimit);
        if (!hits) return hits.error();
        return ca::kb::tool_result(*hits);
      };
    }
    for (auto &t : ca::tools::make_tyre_tools(store_, std::move(po))) {
      if (opts_.tools.empty() ||
          std::find(opts_.tools.begin(), opts_.tools.end(), t->spec().name) != opts_.tools.end()) {
        tools_.push_back(std::move(t));
      }
    }
    ca::agent::RuleAgentOptions ao;
    ao.language = opts_.language;
    ao.clock = [] { return monday_morning(); };
    agent_ = std::make_shared<ca::agent::RuleAgent>(ao);
  }

  // One caller turn, as the session runs it: at most five rounds.
  Turn say(const std::string &text) {
    Turn turn;
    conv_.add_user(text);
    for (int round = 0; round < 5; ++round) {
      ++turn.rounds;
      ca::providers::LlmRequest req;
      req.id = next_id_++;
      req.messages = conv_.window(40).messages;
      for (const auto &t : tools_)
        req.tools.push_back({t->spec().name, t->spec().description, t->spec().parameters_json});
      auto sink = std::make_shared<LlmCollector>();
      agent_->start(req, sink);
      REQUIRE(sink->done);
      REQUIRE(sink->error.empty());
      if (sink->calls.empty()) {
        conv_.add_assistant(sink->text);
        turn.reply = sink->text;
        transcript_ += "caller: " + text + "\nbot: " + sink->text + "\n";
        return turn;
      }
      conv_.add_assistant(sink->text, sink->calls);
      for (const auto &c : sink->calls) {
        auto args = ca::json::parse(c.arguments_json);
        REQUIRE_MESSAGE(args.ok(), c.arguments_json);
        ca::providers::Tool *tool = nullptr;
        for (const auto &t : tools_) {
          if (t->spec().name == c.name) tool = t.get();
        }
        REQUIRE_MESSAGE(tool != nullptr, "the agent called a tool it was not offered: " << c.name);
        const RequestId id = next_id_++;
        ca::providers::ToolContext ctx{call_id_, opts_.caller, call_id_ + ":" + c.name + ":" + c.arguments_json};
        tool->invoke(id, c.arguments_json, ctx, waiter_);
        auto r = waiter_->wait(id);
        REQUIRE_MESSAGE(r.has_value(), "no result from " << c.name);
        conv_.add_tool_result(c, r->json, !r->ok);
        auto v = ca::json::parse(r->json);
        REQUIRE(v.ok());
        turn.calls.push_back({c.name, args.value(), v.value(), r->ok});
        transcript_ += "  tool " + c.name + " " + c.arguments_json + " -> " + r->json + "\n";
        if (r->action == ca::providers::ToolResult::Action::transfer) turn.transferred = true;
      }
      if (turn.transferred) {
        transcript_ += "caller: " + text + "\n  [transferred]\n";
        return turn;
      }
    }
    FAIL("five rounds without a reply");
    return turn;
  }

  const std::string &transcript() const { return transcript_; }
  ~Harness() {
    if (std::getenv("DUMP_TRANSCRIPTS")) std::fprintf(stderr, "%s\n----\n", transcript_.c_str());
  }
  ca::store::SqliteStore &store() { return *store_; }

 private:
  HarnessOptions opts_;
  ca::test::TempDir dir_;
  std::shared_ptr<ca::store::SqliteStore> store_;
  std::vector<std::shared_ptr<ca::providers::Tool>> tools_;
  std::shared_ptr<ca::agent::RuleAgent> agent_;
  std::shared_ptr<ToolWaiter> waiter_ = std::make_shared<ToolWaiter>();
  ca::agent::Conversation conv_;
  RequestId next_id_ = 1;
  std::string call_id_ = "call-1";
  std::string transcript_;
};

bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

std::string str(const Value &v, const char *key) { return std::string(v[key].str()); }
int num(const Value &v, const char *key) { return static_cast<int>(v[key].as_int()); }

// Sentences in a reply: end marks followed by a space or the end (not "вул." or "9:00").
int sentences(const std::string &text) {
  int n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '.' || c == '?' || c == '!') && (i + 1 == text.size() || text[i + 1] == ' ')) {
      size_t w = i;
      while (w > 0 && text[w - 1] != ' ') --w;
      if (c == '.' && i - w <= 5 && i + 1 < text.size()) continue;  // an abbreviation
      ++n;
    }
  }
  return n;
}

// A free and a taken hour of a station on a day, from the store itself.
struct DaySlots {
  std::vector<std::string> free;
  std::vector<std::string> taken;
};
DaySlots day_slots(ca::store::SqliteStore &store, const std::string &station, const std::string &date) {
  DaySlots d;
  auto slots = store.slots(station, date, date);
  REQUIRE(slots.ok());
  for (const auto &sl : slots.value()) (sl.free > 0 ? d.free : d.taken).push_back(sl.time);
  return d;
}

// A booking made earlier (another call), for cancellations and moves.
ca::store::Booking book_directly(ca::store::SqliteStore &store, const std::string &phone, const std::string &station,
                                 const std::string &date) {
  const DaySlots d = day_slots(store, station, date);
  REQUIRE_FALSE(d.free.empty());
  ca::store::BookingRequest req;
  req.station_id = station;
  req.date = date;
  req.time = d.free.front();
  req.customer_phone = phone;
  auto b = store.book_fitting(req, "earlier-call:" + station + date);
  REQUIRE(b.ok());
  return b.value();
}

}  // namespace

// ---------------------------------------------------------------- Ukrainian

TEST_CASE("uk: sizes in words, winter tyres, then an order with pickup and cash on delivery") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Добрий день, мені потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  const Call &search = t.calls[0];
  CHECK(num(search.args, "width") == 205);
  CHECK(num(search.args, "profile") == 55);
  CHECK(num(search.args, "diameter") == 16);
  CHECK(str(search.args, "season") == "winter");
  const auto &items = search.result["items"].items();
  REQUIRE(items.size() >= 2);
  const Value first = items[0];
  CHECK(has(t.reply, str(first, "name")));
  CHECK(has(t.reply, str(first, "name") + " за " + std::to_string(num(first, "price"))));
  CHECK(has(t.reply, std::to_string(num(items.back(), "price")) + " грн."));  // the currency once, last
  CHECK(has(t.reply, "205/55 R16"));
  CHECK(sentences(t.reply) <= 2);

  t = h.say("Давайте перший");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "Скільки шин " + str(first, "name")));

  t = h.say("Чотири");
  REQUIRE(t.names() == std::vector<std::string>{"create_order_draft"});
  CHECK(str(t.calls[0].args["items"].items()[0], "product_id") == str(first, "id"));
  CHECK(num(t.calls[0].args["items"].items()[0], "quantity") == 4);
  CHECK_FALSE(t.calls[0].args.contains("confirmed"));
  CHECK(t.calls[0].result["needs_confirmation"].as_bool());
  CHECK(has(t.reply, "разом " + std::to_string(4 * num(first, "price")) + " грн"));
  CHECK(has(t.reply, "Підтверджуєте?"));

  t = h.say("Так");
  REQUIRE(t.names() == std::vector<std::string>{"create_order_draft"});
  CHECK(t.calls[0].args["confirmed"].as_bool());
  const std::string order_id = str(t.calls[0].result, "order_id");
  REQUIRE_FALSE(order_id.empty());
  CHECK(has(t.reply, "Замовлення номер " + order_id + " створено"));
  CHECK(has(t.reply, "самовивіз"));

  t = h.say("Самовивіз у Києві");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_stations"});
  CHECK(str(t.calls[0].args, "city") == "Київ");
  for (const char *district : {"Позняки", "Оболонь", "Святошин"}) CHECK(has(t.reply, district));

  t = h.say("На Позняках");
  REQUIRE(t.names() == std::vector<std::string>{"update_order_delivery"});
  CHECK(str(t.calls[0].args, "delivery_type") == "pickup");
  CHECK(str(t.calls[0].args, "pickup_point_id") == "KV1");
  CHECK(str(t.calls[0].args, "order_id") == order_id);
  CHECK(has(t.reply, "разом " + std::to_string(num(t.calls[0].result, "total")) + " грн"));
  CHECK(has(t.reply, "оплатити"));

  t = h.say("Готівкою при отриманні");
  REQUIRE(t.names() == std::vector<std::string>{"confirm_order"});
  CHECK(str(t.calls[0].args, "payment_method") == "cod");
  CHECK_FALSE(t.calls[0].args.contains("confirmed"));
  CHECK(has(t.reply, "Підтверджуєте?"));

  t = h.say("Так, підтверджую");
  REQUIRE(t.names() == std::vector<std::string>{"confirm_order"});
  CHECK(t.calls[0].args["confirmed"].as_bool());
  CHECK(has(t.reply, order_id + " підтверджено"));
  auto order = h.store().order(order_id);
  REQUIRE(order.ok());
  CHECK(order->status == ca::store::OrderStatus::confirmed);
  CHECK(order->payment == ca::store::PaymentMethod::cod);
  CHECK(order->pickup_point_id == "KV1");

  t = h.say("Ні, дякую");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "До побачення"));
}

TEST_CASE("uk: an order delivered by Nova Poshta and paid online") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Хочу замовити літні шини 225/45 R17");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(num(t.calls[0].args, "width") == 225);
  CHECK(str(t.calls[0].args, "season") == "summer");
  const auto items = t.calls[0].result["items"].items();
  REQUIRE(items.size() >= 2);
  CHECK(has(t.reply, str(items[1], "name")));

  t = h.say("Другу, дві штуки");
  REQUIRE(t.names() == std::vector<std::string>{"create_order_draft"});
  CHECK(str(t.calls[0].args["items"].items()[0], "product_id") == str(items[1], "id"));
  CHECK(num(t.calls[0].args["items"].items()[0], "quantity") == 2);

  t = h.say("Так");
  const std::string order_id = str(t.calls.at(0).result, "order_id");
  REQUIRE_FALSE(order_id.empty());

  t = h.say("Доставка Новою поштою у Львів");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "адресу"));

  t = h.say("Відділення номер п'ять");
  REQUIRE(t.names() == std::vector<std::string>{"update_order_delivery"});
  CHECK(str(t.calls[0].args, "delivery_type") == "delivery");
  CHECK(str(t.calls[0].args, "city") == "Львів");
  CHECK(has(str(t.calls[0].args, "address"), "5"));
  const Value delivery = t.calls[0].result;
  CHECK(has(t.reply, "разом " + std::to_string(num(delivery, "total")) + " грн"));
  if (num(delivery, "delivery_cost") > 0) CHECK(has(t.reply, std::to_string(num(delivery, "delivery_cost")) + " грн"));

  t = h.say("Онлайн");
  REQUIRE(t.names() == std::vector<std::string>{"confirm_order"});
  CHECK(str(t.calls[0].args, "payment_method") == "online");

  t = h.say("Так");
  REQUIRE(t.names() == std::vector<std::string>{"confirm_order"});
  auto order = h.store().order(order_id);
  REQUIRE(order.ok());
  CHECK(order->status == ca::store::OrderStatus::confirmed);
  CHECK(order->delivery_type == ca::store::DeliveryType::delivery);
  CHECK(order->city == "Львів");
  CHECK(order->payment == ca::store::PaymentMethod::online);
}

TEST_CASE("uk: no to the order summary creates nothing") {
  Harness h;
  INFO(h.transcript());
  auto before = h.store().orders_by_phone("+380501112233");
  REQUIRE(before.ok());
  h.say("Потрібні всесезонні шини 195/65 R15");
  Turn t = h.say("Беру першу, чотири штуки");
  REQUIRE(t.names() == std::vector<std::string>{"create_order_draft"});
  t = h.say("Ні");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "не оформлюю"));
  auto after = h.store().orders_by_phone("+380501112233");
  REQUIRE(after.ok());
  CHECK(after->size() == before->size());
}

TEST_CASE("uk: tyres by car, make and model inflected") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Потрібні літні шини на Тойоту Камрі 2019 року");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "vehicle_make") == "Toyota");
  CHECK(str(t.calls[0].args, "vehicle_model") == "Camry");
  CHECK(num(t.calls[0].args, "vehicle_year") == 2019);
  CHECK(str(t.calls[0].args, "season") == "summer");
  CHECK_FALSE(t.calls[0].args.contains("brand"));
  CHECK(has(t.reply, "Toyota Camry"));
  CHECK(has(t.reply, "215/55 R17"));
  CHECK(has(t.reply, " за " + std::to_string(num(t.calls[0].result["items"].items()[0], "price"))));
}

TEST_CASE("uk: a car the catalogue does not know, then the size") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Підберіть зимові шини на Сузукі Вітару");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "vehicle_make") == "Suzuki");
  CHECK(t.calls[0].result["total"].as_int() == 0);
  CHECK(has(t.reply, "немає в моєму довіднику"));
  CHECK(has(t.reply, "боковині"));

  t = h.say("Двісті п'ять п'ятдесят п'ять р шістнадцять");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(num(t.calls[0].args, "width") == 205);
  CHECK(num(t.calls[0].args, "profile") == 55);
  CHECK(num(t.calls[0].args, "diameter") == 16);
  CHECK_FALSE(t.calls[0].args.contains("vehicle_make"));
  CHECK(str(t.calls[0].args, "season") == "winter");
}

TEST_CASE("uk: missing facts are asked one at a time") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Хочу купити шини");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "Який розмір ваших шин?"));
  CHECK(has(t.reply, "205/55 R16"));
  CHECK(sentences(t.reply) <= 2);

  t = h.say("225/45 R17");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "літні, зимові чи всесезонні"));

  t = h.say("Зимові");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(num(t.calls[0].args, "width") == 225);
  CHECK(str(t.calls[0].args, "season") == "winter");
}

TEST_CASE("uk: order status by the caller's own number") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Де моє замовлення?");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK_FALSE(t.calls[0].args.contains("phone"));  // the tool uses the line's number
  CHECK_FALSE(t.calls[0].args.contains("order_id"));
  const Value &o = t.calls[0].result["orders"].items()[0];
  CHECK(str(o, "order_id") == "100002");
  CHECK(has(t.reply, "100002"));
  CHECK(has(t.reply, "відправлене"));
  CHECK(has(t.reply, "10 березня"));
  CHECK(has(t.reply, std::to_string(num(o, "total")) + " грн"));
}

TEST_CASE("uk: order status by a number said in words") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Який статус замовлення номер сто тисяч три?");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK(str(t.calls[0].args, "order_id") == "100003");
  CHECK(has(t.reply, "100003 комплектується"));
  CHECK(has(t.reply, "12 березня"));
}

TEST_CASE("uk: an unknown order number is asked again") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Перевірте замовлення 123456");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK(str(t.calls[0].args, "order_id") == "123456");
  CHECK(has(t.reply, "не знайдено"));
  t = h.say("сто тисяч чотири");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK(str(t.calls[0].args, "order_id") == "100004");
  CHECK(has(t.reply, "готове до видачі"));
}

TEST_CASE("uk: no caller number: the phone is dictated") {
  Harness h({.caller = "", .tools = {}});
  INFO(h.transcript());
  Turn t = h.say("Де моє замовлення?");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK_FALSE(t.calls[0].ok);
  CHECK(has(t.reply, "номер замовлення або телефон"));
  t = h.say("нуль п'ятдесят, сто одинадцять, двадцять два, тридцять три");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK(str(t.calls[0].args, "phone") == "+380501112233");
  CHECK(has(t.reply, "100002"));
}

TEST_CASE("uk: fitting in Lviv on Friday at ten, confirmed") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Хочу записатися на шиномонтаж");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "місті"));

  t = h.say("У Львові");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_stations"});
  CHECK(str(t.calls[0].args, "city") == "Львів");
  CHECK(has(t.reply, "Сихів"));
  CHECK(has(t.reply, "Левандівка"));

  t = h.say("На Сихові");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_slots"});
  CHECK(str(t.calls[0].args, "station_id") == "LV1");
  const Value &day = t.calls[0].result["days"].items()[0];
  CHECK(has(t.reply, "10 березня"));
  CHECK(has(t.reply, std::string(day["times"].items()[0].str()).substr(1)));  // "8:00"

  t = h.say("в п'ятницю о десятій");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_slots", "book_fitting"});
  CHECK(str(t.calls[0].args, "date_from") == "2026-03-13");
  const auto free = day_slots(h.store(), "LV1", "2026-03-13").free;
  REQUIRE(std::find(free.begin(), free.end(), "10:00") != free.end());
  CHECK(str(t.calls[1].args, "station_id") == "LV1");
  CHECK(str(t.calls[1].args, "date") == "2026-03-13");
  CHECK(str(t.calls[1].args, "time") == "10:00");
  CHECK(has(t.reply, "п'ятницю, 13 березня о 10:00"));
  CHECK(has(t.reply, "Підтверджуєте?"));

  t = h.say("Так");
  REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
  CHECK(t.calls[0].args["confirmed"].as_bool());
  const std::string id = str(t.calls[0].result, "booking_id");
  CHECK(has(t.reply, "номер запису " + id));
  auto b = h.store().booking(id);
  REQUIRE(b.ok());
  CHECK(b->date == "2026-03-13");
  CHECK(b->time == "10:00");
  CHECK(b->customer_phone == "+380501112233");
}

TEST_CASE("uk: a taken time gets the free ones offered") {
  Harness h;
  INFO(h.transcript());
  const DaySlots d = day_slots(h.store(), "KV2", "2026-03-12");
  REQUIRE_FALSE(d.taken.empty());
  REQUIRE_FALSE(d.free.empty());
  const std::string taken = d.taken.front();
  Turn t = h.say("Запишіть мене на шиномонтаж у Києві на Оболоні на 12 березня о " + taken);
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_stations", "get_fitting_slots"});
  CHECK(str(t.calls[1].args, "station_id") == "KV2");
  CHECK(str(t.calls[1].args, "date_from") == "2026-03-12");
  CHECK(has(t.reply, "зайнято"));
  CHECK(has(t.reply, ca::agent::rule::Replies::time(d.free.front())));

  t = h.say("Давайте перший");
  REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
  CHECK(str(t.calls[0].args, "time") == d.free.front());
  CHECK(str(t.calls[0].args, "date") == "2026-03-12");
}

TEST_CASE("uk: tomorrow morning in Odesa; the summary declined, another time") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Запишіть на заміну шин в Одесі завтра зранку");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_stations", "get_fitting_slots", "book_fitting"});
  CHECK(str(t.calls[1].args, "station_id") == "OD1");  // the city's only station
  CHECK(str(t.calls[1].args, "date_from") == "2026-03-10");
  const DaySlots d = day_slots(h.store(), "OD1", "2026-03-10");
  REQUIRE_FALSE(d.free.empty());
  CHECK(str(t.calls[2].args, "time") == d.free.front());
  CHECK(std::atoi(d.free.front().c_str()) < 12);

  t = h.say("Ні");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "інший час"));

  const bool two_free = std::find(d.free.begin(), d.free.end(), "14:00") != d.free.end();
  t = h.say("О другій");
  if (two_free) {
    REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
    CHECK(str(t.calls[0].args, "time") == "14:00");
    CHECK(has(t.reply, "14:00"));
  } else {
    CHECK(t.calls.empty());
    CHECK(has(t.reply, "зайнято"));
  }
  CHECK(h.store().bookings_by_phone("+380501112233")->empty());  // nothing confirmed
}

TEST_CASE("uk: cancel a booking made earlier in the call") {
  Harness h;
  INFO(h.transcript());
  h.say("Запишіть на шиномонтаж у Харкові");
  Turn t = h.say("Перший");
  REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
  t = h.say("Так");
  const std::string id = str(t.calls.at(0).result, "booking_id");
  REQUIRE_FALSE(id.empty());

  t = h.say("Ой, скасуйте мій запис");
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK(str(t.calls[0].args, "booking_id") == id);
  CHECK(str(t.calls[0].args, "action") == "cancel");
  CHECK(has(t.reply, "Підтверджуєте?"));
  CHECK_FALSE(h.store().booking(id)->cancelled);

  t = h.say("Так");
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK(t.calls[0].args["confirmed"].as_bool());
  CHECK(has(t.reply, id + " скасовано"));
  CHECK(h.store().booking(id)->cancelled);
}

TEST_CASE("uk: cancel by a booking number from an earlier call") {
  Harness h;
  INFO(h.transcript());
  const auto b = book_directly(h.store(), "+380501112233", "KV1", "2026-03-11");
  Turn t = h.say("Хочу скасувати запис номер " + b.id);
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK(str(t.calls[0].args, "booking_id") == b.id);
  t = h.say("Так, скасовуйте");
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK(h.store().booking(b.id)->cancelled);
}

TEST_CASE("uk: a booking made from another number is left to an operator") {
  Harness h;
  INFO(h.transcript());
  const auto b = book_directly(h.store(), "+380671234567", "KV1", "2026-03-11");
  Turn t = h.say("Скасуйте запис " + b.id);
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK_FALSE(t.calls[0].ok);
  CHECK(has(t.reply, "інший номер"));
  CHECK(has(t.reply, "оператором?"));
  t = h.say("Так");
  REQUIRE(t.names() == std::vector<std::string>{"transfer_to_operator"});
  CHECK(t.transferred);
  CHECK_FALSE(h.store().booking(b.id)->cancelled);
}

TEST_CASE("uk: move a booking to Thursday") {
  Harness h;
  INFO(h.transcript());
  const auto b = book_directly(h.store(), "+380501112233", "KV1", "2026-03-11");
  Turn t = h.say("Перенесіть мій запис " + b.id + " на четвер");
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting", "get_fitting_slots"});
  CHECK(str(t.calls[0].args, "action") == "reschedule");
  CHECK_FALSE(t.calls[0].ok);  // asked without a new time: the tool names the station
  CHECK(str(t.calls[1].args, "station_id") == "KV1");
  CHECK(str(t.calls[1].args, "date_from") == "2026-03-12");
  const std::string first = std::string(t.calls[1].result["days"].items()[0]["times"].items()[0].str());
  CHECK(has(t.reply, "четвер, 12 березня"));

  t = h.say("Перший");
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK(str(t.calls[0].args, "new_date") == "2026-03-12");
  CHECK(str(t.calls[0].args, "new_time") == first);
  CHECK(has(t.reply, "Підтверджуєте?"));

  t = h.say("Так");
  REQUIRE(t.names() == std::vector<std::string>{"cancel_fitting"});
  CHECK(t.calls[0].args["confirmed"].as_bool());
  CHECK(has(t.reply, "перенесено"));
  auto moved = h.store().booking(b.id);
  REQUIRE(moved.ok());
  CHECK(moved->date == "2026-03-12");
  CHECK(moved->time == first);
}

TEST_CASE("uk: fitting price for a rim size, then a booking from the offer") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Скільки коштує шиномонтаж на шістнадцятий радіус?");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_price"});
  CHECK(num(t.calls[0].args, "tire_diameter") == 16);
  const Value &change = t.calls[0].result["prices"].items()[0];
  CHECK(str(change, "service") == "tire_change");
  CHECK(has(t.reply, std::to_string(num(change, "per_wheel")) + " грн за колесо"));
  CHECK(has(t.reply, std::to_string(num(change, "per_set")) + " грн за комплект"));
  t = h.say("Так, запишіть");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "місті"));
}

TEST_CASE("uk: the price of balancing asks the rim size first") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Скільки коштує балансування коліс?");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "радіус"));
  t = h.say("R17");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_price"});
  CHECK(num(t.calls[0].args, "tire_diameter") == 17);
  CHECK(str(t.calls[0].args, "service_type") == "balancing");
  const Value &p = t.calls[0].result["prices"].items()[0];
  CHECK(has(t.reply, "Балансування на R17"));
  CHECK(has(t.reply, std::to_string(num(p, "per_wheel")) + " грн"));
}

TEST_CASE("uk: a question answered from the first article of the knowledge base") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Який тиск має бути в шинах?");
  REQUIRE(t.names() == std::vector<std::string>{"search_knowledge_base"});
  CHECK(has(str(t.calls[0].args, "query"), "тиск"));
  const Value &article = t.calls[0].result["articles"].items()[0];
  CHECK(has(str(article, "title"), "тиск"));
  REQUIRE_FALSE(t.reply.empty());
  CHECK(has(str(article, "content"), t.reply.substr(0, 40)));
  CHECK(sentences(t.reply) <= 2);
}

TEST_CASE("uk: an operator on request") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("З'єднайте мене з оператором, будь ласка");
  REQUIRE(t.names() == std::vector<std::string>{"transfer_to_operator"});
  CHECK(str(t.calls[0].args, "reason") == "customer_request");
  CHECK_FALSE(str(t.calls[0].args, "summary").empty());
  CHECK(t.transferred);
}

TEST_CASE("uk: after hours the operator becomes a callback") {
  Harness h({.after_hours = true, .tools = {}});
  INFO(h.transcript());
  Turn t = h.say("Покличте оператора");
  REQUIRE(t.names() == std::vector<std::string>{"transfer_to_operator"});
  CHECK_FALSE(t.transferred);
  CHECK(has(t.reply, "не працюють"));
  CHECK(has(t.reply, "Пн–Пт 09:00–18:00"));  // the hours come from the tool
  t = h.say("Завтра після обіду");
  REQUIRE(t.names() == std::vector<std::string>{"create_callback_request"});
  CHECK(str(t.calls[0].args, "preferred_time") == "Завтра після обіду");
  CHECK_FALSE(t.calls[0].args.contains("phone"));
  CHECK(has(t.reply, str(t.calls[0].result, "phone")));
  CHECK(has(t.reply, "050 111 22 33"));
}

TEST_CASE("uk: two misunderstandings in a row offer an operator") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("е-е-е");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "не зрозуміла"));
  t = h.say("бла бла");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "З'єднати вас з оператором?"));
  t = h.say("так");
  REQUIRE(t.names() == std::vector<std::string>{"transfer_to_operator"});
  CHECK(str(t.calls[0].args, "reason") == "cannot_help");
}

TEST_CASE("uk: one misunderstanding repeats the question") {
  Harness h;
  INFO(h.transcript());
  h.say("Хочу купити шини");
  Turn t = h.say("ну таке");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "не зрозуміла"));
  CHECK(has(t.reply, "Який розмір ваших шин?"));
  t = h.say("205/55 R16 літні");
  CHECK(t.names() == std::vector<std::string>{"search_tires"});
}

TEST_CASE("uk: thanks and goodbye end the call politely") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Дякую, до побачення");
  CHECK(t.calls.empty());
  CHECK(t.reply == "Дякую за дзвінок! До побачення!");
}

TEST_CASE("uk: availability of a brand in a size") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Чи є в наявності Нокіан 205/55 R16 зимові?");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "brand") == "Nokian");
  CHECK(num(t.calls[0].args, "diameter") == 16);
  const auto items = t.calls[0].result["items"].items();
  REQUIRE_FALSE(items.empty());
  CHECK(has(t.reply, "є в наявності"));
  CHECK(has(t.reply, std::to_string(num(items[0], "price")) + " грн"));  // no offer read it
  t = h.say("Так, оформлюйте");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "Скільки шин " + str(items[0], "name")));
}

TEST_CASE("uk: availability of an offered tyre") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Потрібні літні шини 205/55 R16");
  const auto items = t.calls.at(0).result["items"].items();
  REQUIRE(items.size() >= 2);
  t = h.say("А друга є в наявності?");
  REQUIRE(t.names() == std::vector<std::string>{"check_availability"});
  CHECK(str(t.calls[0].args, "product_id") == str(items[1], "id"));
  const Value &r = t.calls[0].result;
  CHECK(has(t.reply, str(r, "name")));
  // The offer read the price; the count is said only when it is short of four.
  CHECK_FALSE(has(t.reply, std::to_string(num(r, "price")) + " грн"));
  if (num(r, "stock") < 4) {
    CHECK(has(t.reply, "лише " + std::to_string(num(r, "stock")) + " шт."));
  } else {
    CHECK_FALSE(has(t.reply, " шт."));
  }
  CHECK(has(t.reply, "доставка за " + std::to_string(num(r, "delivery_days"))));
}

TEST_CASE("uk: a brand we do not carry") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Потрібні літні шини Данлоп 205/55 R16");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "brand") == "Dunlop");
  CHECK(has(t.reply, "Dunlop у нас немає"));
  CHECK(has(t.reply, std::string(t.calls[0].result["brands"].items()[0].str())));
  t = h.say("Тоді Мішлен");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "brand") == "Michelin");
}

// ---------------------------------------------------------------- Russian

TEST_CASE("ru: search by size and season, answered in Russian") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Здравствуйте, нужны летние шины 195/65 R15");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "season") == "summer");
  CHECK(has(t.reply, "Нашла"));
  CHECK(has(t.reply, "летних шин 195/65 R15"));
  CHECK(has(t.reply, " за " + std::to_string(num(t.calls[0].result["items"].items()[0], "price"))));
}

TEST_CASE("ru: fitting in Kyiv, station by a Russian form of its district") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Хочу записаться на шиномонтаж в Киеве");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_stations"});
  CHECK(str(t.calls[0].args, "city") == "Київ");
  CHECK(has(t.reply, "В городе Київ 3 станции"));
  t = h.say("На Оболони");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_slots"});
  CHECK(str(t.calls[0].args, "station_id") == "KV2");
  CHECK(has(t.reply, "свободно в"));
  t = h.say("Первое");
  REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
  CHECK(has(t.reply, "Записываю на замену шин"));
  CHECK(has(t.reply, "Подтверждаете?"));
  t = h.say("Да");
  REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
  CHECK(has(t.reply, "Готово, номер записи"));
  CHECK(has(t.reply, str(t.calls[0].result, "booking_id")));
}

TEST_CASE("ru: order status") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Где мой заказ?");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK(has(t.reply, "Заказ номер 100002 отправлен"));
  CHECK(has(t.reply, "10 марта"));
}

TEST_CASE("ru: the knowledge base answers from the Russian article") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Когда менять летние шины на зимние?");
  REQUIRE(t.names() == std::vector<std::string>{"search_knowledge_base"});
  CHECK(has(t.reply, "+7"));
  CHECK(ca::agent::rule::detect_language(t.reply) == ca::text::Lang::ru);
}

TEST_CASE("ru: after hours, a callback at the time the caller names") {
  Harness h({.after_hours = true, .tools = {}});
  INFO(h.transcript());
  Turn t = h.say("Позовите оператора");
  REQUIRE(t.names() == std::vector<std::string>{"transfer_to_operator"});
  CHECK(has(t.reply, "Операторы сейчас не работают"));
  t = h.say("Завтра утром");
  REQUIRE(t.names() == std::vector<std::string>{"create_callback_request"});
  CHECK(str(t.calls[0].args, "preferred_time") == "Завтра утром");
  CHECK(has(t.reply, "перезвонит вам на номер 050 111 22 33, завтра утром"));
}

TEST_CASE("ru: an order summary composed in Russian") {
  Harness h;
  INFO(h.transcript());
  h.say("Хочу заказать зимние шины 205/55 R16");
  Turn t = h.say("Самые дешёвые, четыре штуки");
  REQUIRE(t.names() == std::vector<std::string>{"create_order_draft"});
  const std::string summary = str(t.calls[0].result, "summary");
  CHECK(has(t.reply, "Оформляю заказ: 4 шт."));
  CHECK(has(t.reply, "всего"));
  CHECK(has(summary, "разом"));
  // The total said is the tool's.
  const size_t at = summary.find("разом ") + std::string("разом ").size();
  const std::string total = summary.substr(at, summary.find(' ', at) - at);
  CHECK_FALSE(total.empty());
  CHECK(has(t.reply, "всего " + total + " грн"));
}

// ---------------------------------------------------------------- English

TEST_CASE("en: winter tyres for a car") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Hi, I need winter tyres for a 2021 Skoda Octavia");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  CHECK(str(t.calls[0].args, "vehicle_make") == "Skoda");
  CHECK(str(t.calls[0].args, "vehicle_model") == "Octavia");
  CHECK(num(t.calls[0].args, "vehicle_year") == 2021);
  CHECK(str(t.calls[0].args, "season") == "winter");
  CHECK(has(t.reply, "For the Skoda Octavia the sizes are 205/55 R16, 225/45 R17 and 225/40 R18"));
  CHECK(has(t.reply, " at " + std::to_string(num(t.calls[0].result["items"].items()[0], "price"))));
  CHECK(has(t.reply, std::to_string(num(t.calls[0].result["items"].items().back(), "price")) + " UAH."));
}

TEST_CASE("en: asking for an operator while an order is offered is no yes to the order") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("I need winter tyres, size 205/55 R16");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  t = h.say("Do you have the cheaper one in stock?");
  REQUIRE(t.names() == std::vector<std::string>{"check_availability"});
  CHECK(has(t.reply, "Shall I place an order?"));
  t = h.say("Can I speak to an operator, please?");
  REQUIRE(t.names() == std::vector<std::string>{"transfer_to_operator"});
  CHECK(t.transferred);
}

TEST_CASE("en: a tyre change in Kyiv tomorrow morning") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("I'd like to book a tyre change in Kyiv tomorrow morning");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_stations"});
  CHECK(has(t.reply, "In Kyiv we have 3 stations"));
  CHECK(has(t.reply, "Pozniaky"));  // shop data transliterated for an English voice
  t = h.say("Poznyaky please");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_slots", "book_fitting"});
  CHECK(str(t.calls[0].args, "station_id") == "KV1");
  CHECK(str(t.calls[0].args, "date_to") == "2026-03-10");
  CHECK(has(t.reply, "tomorrow, March 10"));
  CHECK(has(t.reply, "Do you confirm?"));
  t = h.say("yes");
  REQUIRE(t.names() == std::vector<std::string>{"book_fitting"});
  CHECK(has(t.reply, "your booking number is " + str(t.calls[0].result, "booking_id")));
}

TEST_CASE("en: next Monday in Dnipro") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Can I book a tyre fitting in Dnipro next Monday at 10?");
  REQUIRE(t.names().size() >= 2);
  CHECK(t.names()[0] == "get_fitting_stations");
  CHECK(t.names()[1] == "get_fitting_slots");
  CHECK(str(t.calls[1].args, "station_id") == "DP1");
  CHECK(str(t.calls[1].args, "date_from") == "2026-03-16");
  const auto free = day_slots(h.store(), "DP1", "2026-03-16").free;
  if (std::find(free.begin(), free.end(), "10:00") != free.end()) {
    CHECK(t.called("book_fitting"));
    CHECK(has(t.reply, "on Monday, March 16 at 10:00"));
  } else {
    CHECK(has(t.reply, "is taken"));
  }
}

TEST_CASE("en: fitting price") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("How much is a tyre change for R18?");
  REQUIRE(t.names() == std::vector<std::string>{"get_fitting_price"});
  CHECK(num(t.calls[0].args, "tire_diameter") == 18);
  CHECK(has(t.reply, std::to_string(num(t.calls[0].result["prices"].items()[0], "per_wheel")) + " UAH per wheel"));
}

TEST_CASE("en: returns policy from the English article") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("What is your returns policy?");
  REQUIRE(t.names() == std::vector<std::string>{"search_knowledge_base"});
  CHECK(has(t.reply, "14 days"));
  CHECK(ca::agent::rule::detect_language(t.reply) == ca::text::Lang::en);
}

TEST_CASE("en: order status by number") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Where is my order 100004?");
  REQUIRE(t.names() == std::vector<std::string>{"get_order_status"});
  CHECK(str(t.calls[0].args, "order_id") == "100004");
  CHECK(has(t.reply, "Order number 100004 is ready for pickup"));
}

TEST_CASE("en: a whole order with delivery, summaries in English") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("I want to order summer tyres 205/55 R16");
  REQUIRE(t.names() == std::vector<std::string>{"search_tires"});
  const Value cheapest = t.calls[0].result["items"].items()[0];
  t = h.say("The cheapest one, four please");
  REQUIRE(t.names() == std::vector<std::string>{"create_order_draft"});
  CHECK(str(t.calls[0].args["items"].items()[0], "product_id") == str(cheapest, "id"));
  CHECK(has(t.reply, "4 × " + str(cheapest, "name")));
  CHECK(has(t.reply, std::to_string(4 * num(cheapest, "price")) + " UAH in total"));
  t = h.say("yes");
  const std::string order_id = str(t.calls.at(0).result, "order_id");
  CHECK(has(t.reply, "Order number " + order_id + " is created"));
  t = h.say("Delivery to Kharkiv please");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "address"));
  t = h.say("Nova Poshta branch 12");
  REQUIRE(t.names() == std::vector<std::string>{"update_order_delivery"});
  CHECK(str(t.calls[0].args, "city") == "Харків");
  CHECK(str(t.calls[0].args, "address") == "Nova Poshta branch 12");
  t = h.say("By card on delivery");
  REQUIRE(t.names() == std::vector<std::string>{"confirm_order"});
  CHECK(str(t.calls[0].args, "payment_method") == "card_on_delivery");
  CHECK(has(t.reply, "Order number " + order_id + ": delivery to Kharkiv"));
  t = h.say("Yes, confirm");
  REQUIRE(t.names() == std::vector<std::string>{"confirm_order"});
  CHECK(has(t.reply, "is confirmed"));
  CHECK(h.store().order(order_id)->status == ca::store::OrderStatus::confirmed);
}

TEST_CASE("en: thanks and bye") {
  Harness h;
  INFO(h.transcript());
  h.say("Where is my order?");
  Turn t = h.say("Thanks, bye");
  CHECK(t.calls.empty());
  CHECK(t.reply == "Thank you for calling! Goodbye!");
}

// ---------------------------------------------------------------- across languages and tools

TEST_CASE("the reply follows the caller's language within a call") {
  Harness h;
  INFO(h.transcript());
  Turn t = h.say("Де моє замовлення?");
  CHECK(has(t.reply, "Замовлення номер"));
  t = h.say("Sorry, how much is a tyre change for R16?");
  CHECK(has(t.reply, "UAH per wheel"));
  t = h.say("А скільки коштує балансування?");
  CHECK(t.names() == std::vector<std::string>{"get_fitting_price"});
  CHECK(has(t.reply, "грн за колесо"));
}

TEST_CASE("only tools offered in the request are called") {
  Harness h({.tools = {"search_tires", "get_order_status"}});
  INFO(h.transcript());
  Turn t = h.say("З'єднайте з оператором");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "неможливо"));
  t = h.say("Запишіть мене на шиномонтаж у Києві");
  CHECK(t.calls.empty());
  CHECK(has(t.reply, "не можу"));
  CHECK_FALSE(has(t.reply, "оператор"));
  t = h.say("Потрібні зимові шини 205/55 R16");
  CHECK(t.names() == std::vector<std::string>{"search_tires"});
}

// ---------------------------------------------------------------- properties

TEST_CASE("random conversations: always an answer, no loops, no confirmation unheard") {
  const std::vector<std::string> pool = {"Добрий день",
                                         "Потрібні зимові шини 205/55 R16",
                                         "Давайте перший",
                                         "Чотири",
                                         "Так",
                                         "Ні",
                                         "Самовивіз у Києві",
                                         "На Позняках",
                                         "Готівкою",
                                         "Доставка Новою поштою у Львів",
                                         "Відділення номер п'ять",
                                         "Онлайн",
                                         "Де моє замовлення?",
                                         "Запишіть на шиномонтаж у Харкові",
                                         "в п'ятницю о десятій",
                                         "Перший",
                                         "Скасуйте мій запис",
                                         "Перенесіть запис на четвер",
                                         "Скільки коштує шиномонтаж на R16?",
                                         "Який тиск має бути в шинах?",
                                         "З'єднайте з оператором",
                                         "е-е-е",
                                         "угу",
                                         "Дякую",
                                         "До побачення",
                                         "Здравствуйте, нужны летние шины 195/65 R15",
                                         "Да",
                                         "Нет",
                                         "Где мой заказ?",
                                         "Запишите меня в Киеве на Оболони завтра утром",
                                         "I need tyres for a Skoda Octavia",
                                         "yes",
                                         "no",
                                         "How much is a tyre change for R18?",
                                         "Book a tyre change in Dnipro next Monday",
                                         "the cheapest one",
                                         "[PHONE_1]",
                                         "сто тисяч три",
                                         "R17",
                                         "балансування",
                                         "Завтра після обіду",
                                         "Тоді Мішлен",
                                         "літні"};
  uint64_t seed = 0x5EED;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(seed >> 33);
  };
  for (int conversation = 0; conversation < 24; ++conversation) {
    Harness h({.after_hours = conversation % 3 == 0, .tools = {}});
    INFO(h.transcript());
    std::string last_reply;
    for (int turn = 0; turn < 12; ++turn) {
      const Turn t = h.say(pool[next() % pool.size()]);
      if (t.transferred) break;
      CHECK_FALSE(t.reply.empty());
      CHECK(sentences(t.reply) <= 5);
      std::set<std::string> seen;
      for (const auto &c : t.calls) {
        CHECK(seen.insert(c.name + ca::json::dump(c.args, {.sort_keys = true})).second);  // never the same call twice
        if (c.args["confirmed"].as_bool()) {
          // Only after the caller heard a summary and was asked to confirm it.
          CHECK((has(last_reply, "Підтверджуєте?") || has(last_reply, "Подтверждаете?") ||
                 has(last_reply, "Do you confirm?")));
        }
      }
      last_reply = t.reply;
    }
  }
}
