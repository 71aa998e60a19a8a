// The rule-based agent's parts: slot extraction (sizes, seasons, brands, cars, cities, dates,
// times, quantities, phones, yes/no) in Ukrainian, Russian and English with inflected forms;
// language detection; intents; reply shaping; and the provider itself (stateless, deterministic,
// only offered tools, no repeated calls, placeholders passed through, the registry factory).
#include "agent/rule_agent/rule_agent.hpp"

#include <doctest/doctest.h>

#include "agent/rule_agent/dialogue.hpp"
#include "agent/rule_agent/intents.hpp"
#include "agent/rule_agent/lexicon.hpp"
#include "agent/rule_agent/replies.hpp"
#include "agent/rule_agent/slots.hpp"
#include "core/json.hpp"
#include "providers/registry.hpp"
#include "text/translit.hpp"
#include "tools/tyre_tools.hpp"

using namespace std::chrono_literals;
using ca::agent::rule::Answer;
using ca::agent::rule::Expect;
using ca::agent::rule::make_utterance;
using ca::text::Lang;
namespace rule = ca::agent::rule;

namespace {

// Monday 9 March 2026.
const ca::store::Day kMonday = std::chrono::sys_days{std::chrono::year(2026) / 3 / 9};

std::string iso(ca::store::Day d) { return ca::store::format_date(d); }

rule::Slots slots(const std::string &text, Lang lang, Expect expect = Expect::none) {
  const auto u = make_utterance(text, lang, rule::context_for(expect));
  return rule::extract_slots(u, {lang, kMonday, expect});
}

std::optional<std::string> date_of(const std::string &text, Lang lang, Expect expect = Expect::none) {
  auto d = slots(text, lang, expect).date;
  if (!d) return std::nullopt;
  return iso(*d);
}

std::optional<std::string> time_of(const std::string &text, Lang lang, Expect expect = Expect::none) {
  return slots(text, lang, expect).time;
}

std::vector<ca::agent::ToolSchema> all_tools() {
  std::vector<ca::agent::ToolSchema> out;
  for (const auto &n : ca::tools::tyre_tool_names()) out.push_back({n, "", "{}"});
  return out;
}

ca::agent::Message user(std::string text) {
  ca::agent::Message m;
  m.role = ca::agent::Role::user;
  m.text = std::move(text);
  return m;
}

ca::agent::Message assistant(std::string text, std::vector<ca::agent::ToolCall> calls = {}) {
  ca::agent::Message m;
  m.role = ca::agent::Role::assistant;
  m.text = std::move(text);
  m.tool_calls = std::move(calls);
  return m;
}

ca::agent::Message tool(const ca::agent::ToolCall &c, std::string json, bool error = false) {
  ca::agent::Message m;
  m.role = ca::agent::Role::tool;
  m.text = std::move(json);
  m.tool_call_id = c.id;
  m.tool_name = c.name;
  m.tool_error = error;
  return m;
}

ca::providers::LlmRequest request(std::vector<ca::agent::Message> messages,
                                  std::vector<ca::agent::ToolSchema> tools = all_tools()) {
  ca::providers::LlmRequest r;
  r.id = 7;
  r.messages = std::move(messages);
  r.tools = std::move(tools);
  return r;
}

ca::agent::RuleAgent agent(Lang lang = Lang::uk) {
  ca::agent::RuleAgentOptions o;
  o.language = lang;
  o.clock = [] { return std::chrono::sys_days{std::chrono::year(2026) / 3 / 9} + 8h; };
  return ca::agent::RuleAgent(o);
}

class Collect final : public ca::providers::LlmSink {
 public:
  void on_llm_text(ca::providers::RequestId id, std::string_view d) override {
    ids.push_back(id);
    text += d;
  }
  void on_llm_tool_call(ca::providers::RequestId id, ca::agent::ToolCall c) override {
    ids.push_back(id);
    calls.push_back(std::move(c));
  }
  void on_llm_done(ca::providers::RequestId id, ca::providers::LlmUsage u) override {
    ids.push_back(id);
    done = true;
    usage = u;
  }
  void on_llm_error(ca::providers::RequestId, std::string) override { errors++; }
  std::string text;
  std::vector<ca::agent::ToolCall> calls;
  std::vector<ca::providers::RequestId> ids;
  bool done = false;
  int errors = 0;
  ca::providers::LlmUsage usage;
};

}  // namespace

// ---------------------------------------------------------------- slots

TEST_CASE("rule agent slots: tyre sizes written and spoken") {
  auto s = slots("двісті п'ять п'ятдесят п'ять ер шістнадцять", Lang::uk);
  REQUIRE(s.size);
  CHECK(s.size->str() == "205/55 R16");
  CHECK(s.diameter == 16);
  s = slots("двести пять шестьдесят пять р пятнадцать", Lang::ru);
  REQUIRE(s.size);
  CHECK(s.size->str() == "205/65 R15");
  s = slots("two twenty five forty five R seventeen", Lang::en);
  REQUIRE(s.size);
  CHECK(s.size->str() == "225/45 R17");
  s = slots("205/55r16", Lang::uk);
  REQUIRE(s.size);
  CHECK(s.size->rim == 16);
  // Only the rim.
  CHECK(slots("на шістнадцятий радіус", Lang::uk).diameter == 16);
  CHECK(slots("диски R17", Lang::uk).diameter == 17);
  CHECK(slots("18 радиус", Lang::ru).diameter == 18);
  CHECK(slots("sixteen inch wheels", Lang::en).diameter == 16);
  CHECK_FALSE(slots("16", Lang::uk).diameter);                    // a lone number is not a rim
  CHECK(slots("16", Lang::uk, Expect::diameter).diameter == 16);  // unless the rim was asked
}

TEST_CASE("rule agent slots: seasons") {
  CHECK(slots("зимові шини", Lang::uk).season == ca::store::Season::winter);
  CHECK(slots("на зиму", Lang::uk).season == ca::store::Season::winter);
  CHECK(slots("летнюю резину", Lang::ru).season == ca::store::Season::summer);
  CHECK(slots("всесезонку", Lang::uk).season == ca::store::Season::all_season);
  CHECK(slots("all season tyres", Lang::en).season == ca::store::Season::all_season);
  CHECK(slots("summer", Lang::en).season == ca::store::Season::summer);
  CHECK_FALSE(slots("шини 205/55 R16", Lang::uk).season);
  CHECK(slots("не важливо", Lang::uk, Expect::season).any_season);
  CHECK_FALSE(slots("не важливо", Lang::uk, Expect::none).any_season);
}

TEST_CASE("rule agent slots: tyre brands in any spelling") {
  CHECK(slots("мішлен", Lang::uk).brand == "Michelin");
  CHECK(slots("хочу континенталь", Lang::uk).brand == "Continental");
  CHECK(slots("есть бриджстоун?", Lang::ru).brand == "Bridgestone");
  CHECK(slots("do you have Nokian", Lang::en).brand == "Nokian");
  CHECK(slots("шини нокіан зимові", Lang::uk).brand == "Nokian");
  CHECK(slots("шини на тойоту", Lang::uk).brand.empty());  // a car, not Toyo
}

TEST_CASE("rule agent slots: cars, inflected, with the year") {
  auto v = slots("потрібні шини на фольксваген гольф", Lang::uk).vehicle;
  CHECK(v.make == "Volkswagen");
  CHECK(v.model == "Golf");
  v = slots("для гольфа", Lang::uk).vehicle;  // the model alone names the make
  CHECK(v.make == "Volkswagen");
  CHECK(v.model == "Golf");
  v = slots("на Тойоту Камрі дві тисячі вісімнадцятого року", Lang::uk).vehicle;
  CHECK(v.make == "Toyota");
  CHECK(v.model == "Camry");
  CHECK(v.year == 2018);
  v = slots("у меня октавия 2015 года", Lang::ru).vehicle;
  CHECK(v.make == "Skoda");
  CHECK(v.model == "Octavia");
  CHECK(v.year == 2015);
  v = slots("a 2021 Kia Sportage", Lang::en).vehicle;
  CHECK(v.make == "Kia");
  CHECK(v.model == "Sportage");
  CHECK(v.year == 2021);
  v = slots("мазда 6", Lang::uk).vehicle;  // a number is a model only after its make
  CHECK(v.make == "Mazda");
  CHECK(v.model == "6");
  CHECK(slots("шкода, що так вийшло", Lang::uk).vehicle.make.empty());  // "a pity", not the car
  v = slots("сузукі вітара", Lang::uk).vehicle;                         // a make we know, a model as said
  CHECK(v.make == "Suzuki");
  CHECK(v.model == "вітара");
}

TEST_CASE("rule agent slots: cities in their inflected forms") {
  CHECK(slots("у Львові", Lang::uk).city == "Львів");
  CHECK(slots("в Киеве", Lang::ru).city == "Київ");
  CHECK(slots("у Києві", Lang::uk).city == "Київ");
  CHECK(slots("in Kyiv", Lang::en).city == "Київ");
  CHECK(slots("в Одесі", Lang::uk).city == "Одеса");
  CHECK(slots("в Одессе", Lang::ru).city == "Одеса");
  CHECK(slots("у Харкові", Lang::uk).city == "Харків");
  CHECK(slots("в Харькове", Lang::ru).city == "Харків");
  CHECK(slots("в Днепре", Lang::ru).city == "Дніпро");
  CHECK(slots("Dnipro", Lang::en).city == "Дніпро");
  CHECK(slots("у Запоріжжі", Lang::uk).city == "Запоріжжя");
  CHECK(slots("рівно о десятій", Lang::uk).city.empty());  // "exactly", not Рівне
  CHECK(slots("суми замовлень", Lang::uk).city.empty());   // "sums", not Суми
}

TEST_CASE("rule agent slots: dates — tomorrow, weekdays, next Monday, the 25th") {
  CHECK(date_of("завтра", Lang::uk) == "2026-03-10");
  CHECK(date_of("tomorrow morning", Lang::en) == "2026-03-10");
  CHECK(date_of("післязавтра", Lang::uk) == "2026-03-11");  // not "завтра"
  CHECK(date_of("послезавтра", Lang::ru) == "2026-03-11");
  CHECK(date_of("сьогодні", Lang::uk) == "2026-03-09");
  CHECK(date_of("в п'ятницю", Lang::uk) == "2026-03-13");
  CHECK(date_of("в пятницу", Lang::ru) == "2026-03-13");
  CHECK(date_of("у середу", Lang::uk) == "2026-03-11");
  CHECK(date_of("на Thursday", Lang::en) == "2026-03-12");
  CHECK(date_of("в понеділок", Lang::uk) == "2026-03-16");  // today is Monday: the next one
  CHECK(date_of("next Monday", Lang::en) == "2026-03-16");
  CHECK(date_of("next Friday", Lang::en) == "2026-03-20");  // of next week, not this one
  CHECK(date_of("в следующий вторник", Lang::ru) == "2026-03-17");
  CHECK(date_of("наступної середи", Lang::uk) == "2026-03-18");
  CHECK(date_of("on the 25th", Lang::en) == "2026-03-25");
  CHECK(date_of("March 25th", Lang::en) == "2026-03-25");
  CHECK(date_of("двадцять п'ятого березня", Lang::uk) == "2026-03-25");
  CHECK(date_of("на 25 листопада", Lang::uk) == "2026-11-25");
  CHECK(date_of("5 января", Lang::ru) == "2027-01-05");  // passed this year: next year's
  CHECK(date_of("на 5-го", Lang::uk) == "2026-04-05");   // the 5th has passed: next month's
  CHECK(date_of("12.03", Lang::uk) == "2026-03-12");
  CHECK(date_of("двадцятого", Lang::uk, Expect::date) == "2026-03-20");  // a bare day when a date was asked
  CHECK_FALSE(date_of("двадцятого", Lang::uk, Expect::none));
  CHECK(date_of("через тиждень", Lang::uk) == "2026-03-16");
  CHECK_FALSE(date_of("205/55 R16", Lang::uk));
}

TEST_CASE("rule agent slots: times of day") {
  CHECK(time_of("о десятій", Lang::uk) == "10:00");
  CHECK(time_of("о десятій тридцять", Lang::uk) == "10:30");
  CHECK(time_of("о 10:30", Lang::uk) == "10:30");
  CHECK(time_of("пів на третю", Lang::uk) == "14:30");  // the shop is open by day: 2:30 is in the afternoon
  CHECK(time_of("о першій", Lang::uk) == "13:00");
  CHECK(time_of("в девять утра", Lang::ru) == "09:00");
  CHECK(time_of("в 5 вечера", Lang::ru) == "17:00");
  CHECK(time_of("at ten", Lang::en) == "10:00");
  CHECK(time_of("at 3 pm", Lang::en) == "15:00");
  CHECK(time_of("10am", Lang::en) == "10:00");
  CHECK(time_of("десять", Lang::uk, Expect::time) == "10:00");  // a bare hour when a time was asked
  CHECK_FALSE(time_of("десять", Lang::uk, Expect::none));
  CHECK_FALSE(time_of("на 25 листопада", Lang::uk));       // a date
  CHECK_FALSE(time_of("4 шини", Lang::uk));                // a quantity
  CHECK_FALSE(time_of("на 16 радіус", Lang::uk));          // a rim
  CHECK_FALSE(time_of("Перший", Lang::uk, Expect::time));  // the first of the list, not one o'clock
  rule::DayPart part = rule::DayPart::none;
  CHECK_FALSE(rule::find_time(make_utterance("завтра зранку", Lang::uk), Expect::none, &part));
  CHECK(part == rule::DayPart::morning);
  rule::find_time(make_utterance("after lunch, in the afternoon", Lang::en), Expect::none, &part);
  CHECK(part == rule::DayPart::afternoon);
}

TEST_CASE("rule agent slots: quantities, numbers, phones") {
  CHECK(slots("чотири шини", Lang::uk).quantity == 4);
  CHECK(slots("дві штуки", Lang::uk).quantity == 2);
  CHECK(slots("комплект", Lang::uk).quantity == 4);
  CHECK(slots("пару", Lang::ru).quantity == 2);
  CHECK(slots("one tyre", Lang::en).quantity == 1);
  CHECK(slots("вісім", Lang::uk, Expect::quantity).quantity == 8);
  CHECK(slots("the cheapest one, four please", Lang::en, Expect::product).quantity == 4);
  CHECK_FALSE(slots("вісім", Lang::uk).quantity);
  CHECK(slots("замовлення номер сто тисяч два", Lang::uk).number == "100002");
  CHECK(slots("запис 70001", Lang::uk).number == "70001");
  CHECK(slots("мій номер [PHONE_1]", Lang::uk).phone == "[PHONE_1]");  // opaque, as the session masked it
  CHECK(slots("нуль п'ятдесят, сто двадцять три, сорок п'ять, шістдесят сім", Lang::uk, Expect::phone).phone ==
        "+380501234567");
  CHECK(slots("050 123 45 67", Lang::uk).phone == "+380501234567");
  CHECK(slots("050 123 45 67", Lang::uk).number.empty());  // a phone is not an order number
}

TEST_CASE("rule agent slots: yes, no and choices") {
  CHECK(slots("так", Lang::uk).answer == Answer::yes);
  CHECK(slots("Так, підтверджую", Lang::uk).answer == Answer::yes);
  CHECK(slots("да, конечно", Lang::ru).answer == Answer::yes);
  CHECK(slots("yes please", Lang::en).answer == Answer::yes);
  CHECK(slots("ні", Lang::uk).answer == Answer::no);
  CHECK(slots("ні, не треба", Lang::uk).answer == Answer::no);
  CHECK(slots("нет", Lang::ru).answer == Answer::no);
  CHECK(slots("no thanks", Lang::en).answer == Answer::no);
  CHECK(slots("не треба", Lang::uk).answer == Answer::no);
  CHECK(slots("205/55 R16", Lang::uk).answer == Answer::none);
  CHECK(slots("угу", Lang::uk).backchannel);
  CHECK_FALSE(slots("угу, а скільки коштує?", Lang::uk).backchannel);
  CHECK(slots("перший", Lang::uk).choice == 0);
  CHECK(slots("давайте другу", Lang::uk).choice == 1);
  CHECK(slots("второе", Lang::ru).choice == 1);
  CHECK(slots("найдешевші", Lang::uk).choice == 0);
  CHECK(slots("the most expensive", Lang::en).choice == -1);
  CHECK(slots("the last one", Lang::en).choice == -1);
  CHECK_FALSE(slots("другой день", Lang::ru).choice);  // "another", not "second"
}

TEST_CASE("rule agent slots: payment, delivery and service") {
  CHECK(slots("накладеним платежем", Lang::uk).payment == ca::store::PaymentMethod::cod);
  CHECK(slots("готівкою", Lang::uk).payment == ca::store::PaymentMethod::cod);
  CHECK(slots("оплачу онлайн", Lang::uk).payment == ca::store::PaymentMethod::online);
  CHECK(slots("картой при получении", Lang::ru).payment == ca::store::PaymentMethod::card_on_delivery);
  CHECK(slots("by card on delivery", Lang::en).payment == ca::store::PaymentMethod::card_on_delivery);
  CHECK(slots("Новою поштою", Lang::uk).delivery == ca::store::DeliveryType::delivery);
  CHECK(slots("самовивіз", Lang::uk).delivery == ca::store::DeliveryType::pickup);
  CHECK(slots("I'll pick it up", Lang::en).delivery == ca::store::DeliveryType::pickup);
  CHECK(slots("балансування", Lang::uk).service == ca::store::Service::balancing);
  CHECK(slots("заміна шин з балансуванням", Lang::uk).service == ca::store::Service::full_service);
  CHECK(slots("вул. Сумська, 72", Lang::uk, Expect::address).address == "вул. Сумська, 72");
  CHECK(slots("вул. Сумська, 72", Lang::uk, Expect::none).address.empty());
}

// ---------------------------------------------------------------- language and intents

TEST_CASE("rule agent: the caller's language from their words") {
  CHECK(rule::detect_language("Добрий день, мені потрібні шини") == Lang::uk);
  CHECK(rule::detect_language("дякую") == Lang::uk);
  CHECK(rule::detect_language("Здравствуйте, нужны шины") == Lang::ru);
  CHECK(rule::detect_language("спасибо") == Lang::ru);
  CHECK(rule::detect_language("нет") == Lang::ru);
  CHECK(rule::detect_language("I need winter tyres") == Lang::en);
  CHECK(rule::detect_language("Хочу записаться в Киеве") == Lang::ru);
  CHECK_FALSE(rule::detect_language("так"));
  CHECK_FALSE(rule::detect_language("205/55 R16"));
  CHECK_FALSE(rule::detect_language("Michelin"));
  CHECK_FALSE(rule::detect_language("[PHONE_1]"));
  CHECK_FALSE(rule::detect_language("ok"));
}

TEST_CASE("rule agent intents") {
  using rule::Intent;
  auto in = [](const char *t, Lang l = Lang::uk) { return rule::detect_intents(make_utterance(t, l)); };
  CHECK(in("де моє замовлення").has(Intent::order_status));
  CHECK(in("where is my order", Lang::en).has(Intent::order_status));
  CHECK(in("замовлення 100002").has(Intent::order_status));
  CHECK_FALSE(in("хочу замовити шини").has(Intent::order_status));
  CHECK(in("хочу замовити шини").has(Intent::buy));
  CHECK(in("запишіть мене на шиномонтаж").has(Intent::fitting));
  CHECK(in("book a tyre change", Lang::en).has(Intent::fitting));
  CHECK(in("скільки коштує шиномонтаж").has(Intent::fitting_price));
  CHECK_FALSE(in("скільки коштує шиномонтаж").has(Intent::fitting));
  CHECK(in("скасуйте запис").has(Intent::cancel_booking));
  CHECK(in("перенесіть запис на четвер").has(Intent::reschedule));
  CHECK(in("з'єднайте з оператором").has(Intent::operator_));
  CHECK(in("позовите живого человека", Lang::ru).has(Intent::operator_));
  CHECK(in("передзвоніть мені завтра").has(Intent::callback));
  CHECK(in("до побачення").has(Intent::goodbye));
  CHECK(in("дякую").has(Intent::thanks));
  CHECK_FALSE(in("дякую").substantive());
  CHECK(in("яка різниця між зимовими і всесезонними?").has(Intent::knowledge));
  CHECK(in("чи є в наявності").has(Intent::availability));
  CHECK(in("потрібні шини").has(Intent::search));
  CHECK_FALSE(in("шиномонтаж").has(Intent::search));  // the shop, not tyres
}

// ---------------------------------------------------------------- replies

TEST_CASE("rule agent replies: prices, dates and times as the session expects them") {
  const rule::Replies uk(Lang::uk, kMonday), ru(Lang::ru, kMonday), en(Lang::en, kMonday);
  CHECK(uk.price(2150) == "2150 грн");
  CHECK(en.price(2150) == "2150 UAH");
  const auto nov25 = std::chrono::sys_days{std::chrono::year(2026) / 11 / 25};
  CHECK(uk.day_month(nov25) == "25 листопада");
  CHECK(ru.day_month(nov25) == "25 ноября");
  CHECK(en.day_month(nov25) == "November 25");
  CHECK(uk.day(kMonday + std::chrono::days(1)) == "завтра, 10 березня");
  CHECK(uk.day(kMonday + std::chrono::days(4)) == "п'ятниця, 13 березня");
  CHECK(uk.on_day("2026-03-13") == "на п'ятницю, 13 березня");
  CHECK(ru.on_day("2026-03-11") == "на среду, 11 марта");
  CHECK(en.on_day("2026-03-13") == "on Friday, March 13");
  CHECK(en.on_day("2026-03-10") == "tomorrow, March 10");
  CHECK(rule::Replies::time("09:00") == "9:00");
  CHECK(rule::Replies::time("14:30") == "14:30");
  CHECK(en.data("вул. Драгоманова, 17") == "vul. Drahomanova, 17");
  CHECK(uk.data("вул. Драгоманова, 17") == "вул. Драгоманова, 17");
  CHECK(ca::text::transliterate("Київ, Львів, Одеса, Харків, Дніпро") == "Kyiv, Lviv, Odesa, Kharkiv, Dnipro");
  CHECK(ca::text::transliterate("Позняки") == "Pozniaky");
}

TEST_CASE("rule agent replies: an article cut to one or two spoken sentences") {
  const std::string md =
      "# Тиск\n\nПравильний тиск — це **безпека**. Його встановлює виробник авто, напр. на "
      "стійці. Третє речення не потрібне.\n\n- пункт списку";
  const std::string s = rule::spoken_excerpt(md);
  CHECK(s == "Правильний тиск — це безпека. Його встановлює виробник авто, напр. на стійці.");
  // Headings flattened into the text end the excerpt before them.
  CHECK(rule::spoken_excerpt("Главное — температура +7 °C. Осенью Когда холодно, ставьте зимние.") ==
        "Главное — температура +7 °C.");
  // No sentence end: cut at a word, closed with a full stop.
  const std::string cut = rule::spoken_excerpt(std::string(300, 'a') + " bbb ccc", 2, 100);
  CHECK(cut.back() == '.');
  CHECK(rule::spoken_excerpt("").empty());
}

// ---------------------------------------------------------------- the provider

TEST_CASE("rule agent: a missing size is asked for, nothing is called") {
  auto a = agent();
  auto d = a.decide(request({user("Хочу купити шини")}));
  CHECK(d.calls.empty());
  CHECK(d.expect == Expect::size);
  CHECK(d.text.find("205/55 R16") != std::string::npos);
}

TEST_CASE("rule agent: the same messages give the same answer, whichever instance") {
  const auto req = request({user("Потрібні зимові шини 205/55 R16")});
  auto a = agent(), b = agent();
  const auto d1 = a.decide(req), d2 = b.decide(req), d3 = a.decide(req);
  REQUIRE(d1.calls.size() == 1);
  CHECK(d1.calls[0].name == "search_tires");
  CHECK(ca::json::dump(d1.calls[0].args, {.sort_keys = true}) ==
        R"({"diameter":16,"profile":55,"season":"winter","width":205})");
  CHECK(ca::json::dump(d2.calls[0].args) == ca::json::dump(d1.calls[0].args));
  CHECK(ca::json::dump(d3.calls[0].args) == ca::json::dump(d1.calls[0].args));
}

TEST_CASE("rule agent: through the sink, tool calls then done, ids unique per request") {
  auto a = agent();
  auto sink = std::make_shared<Collect>();
  auto req = request({user("Де моє замовлення?")});
  req.id = 41;
  a.start(req, sink);
  CHECK(sink->done);
  CHECK(sink->errors == 0);
  REQUIRE(sink->calls.size() == 1);
  CHECK(sink->calls[0].name == "get_order_status");
  CHECK(sink->calls[0].id == "rb-41-0");
  CHECK(sink->calls[0].arguments_json == "{}");  // the tool uses the caller's number
  CHECK(sink->text.empty());
  for (auto id : sink->ids) CHECK(id == 41);
  CHECK(sink->usage.input_tokens > 0);

  // The result comes back: one text delta, then done.
  auto sink2 = std::make_shared<Collect>();
  auto req2 = request(
      {user("Де моє замовлення?"), assistant("", sink->calls),
       tool(
           sink->calls[0],
           R"({"found":true,"total":1,"orders":[{"order_id":"100002","status":"shipped","total":19760,"estimated_delivery":"2026-03-10"}]})")});
  req2.id = 42;
  a.start(req2, sink2);
  CHECK(sink2->calls.empty());
  CHECK(sink2->text == "Замовлення номер 100002 відправлене, орієнтовна доставка — 10 березня, сума 19760 грн.");
  CHECK(sink2->done);
}

TEST_CASE("rule agent: never repeats a call of this turn whose result went missing") {
  auto a = agent();
  ca::agent::ToolCall c{"rb-1-0", "get_order_status", "{}"};
  // The call was made this turn, but no result came back (lost): it is not asked again.
  auto d = a.decide(request({user("Де моє замовлення?"), assistant("", {c})}));
  CHECK(d.calls.empty());
  CHECK_FALSE(d.text.empty());
  // A transient failure in this turn is reported, not retried in a loop.
  d = a.decide(request({user("Де моє замовлення?"), assistant("", {c}),
                        tool(c, R"({"error":"Сервіс тимчасово недоступний. Спробуйте пізніше."})", true)}));
  CHECK(d.calls.empty());
  CHECK(d.text.find("не відповідає") != std::string::npos);
  CHECK(d.expect == Expect::operator_offer);
}

TEST_CASE("rule agent: placeholders for personal data pass through to the tools unchanged") {
  auto a = agent();
  ca::agent::ToolCall c{"rb-1-0", "get_order_status", "{}"};
  auto d =
      a.decide(request({user("Де моє замовлення?"), assistant("", {c}),
                        tool(c, R"({"error":"Запитайте номер замовлення або телефон, на який його оформлено."})", true),
                        assistant("Назвіть, будь ласка, номер замовлення або телефон, на який його оформлено."),
                        user("Мій номер [PHONE_1]")}));
  REQUIRE(d.calls.size() == 1);
  CHECK(d.calls[0].name == "get_order_status");
  CHECK(ca::json::dump(d.calls[0].args) == R"({"phone":"[PHONE_1]"})");
}

TEST_CASE("rule agent: only offered tools are called") {
  auto a = agent();
  auto d = a.decide(request({user("Потрібні зимові шини 205/55 R16")}, {{"get_order_status", "", "{}"}}));
  CHECK(d.calls.empty());
  CHECK(d.text.find("не можу") != std::string::npos);
  d = a.decide(request({user("З'єднайте з оператором")}, {{"create_callback_request", "", "{}"}}));
  CHECK(d.calls.empty());
  CHECK(d.expect == Expect::callback_time);  // no transfer: a callback instead
  d = a.decide(request({user("З'єднайте з оператором")}, {}));
  CHECK(d.calls.empty());
  CHECK(d.text.find("неможливо") != std::string::npos);
}

TEST_CASE("rule agent: a confirmation is sent only for a summary the caller heard") {
  auto a = agent();
  const std::string draft = R"({"items":[{"product_id":"T1156","quantity":4}]})";
  ca::agent::ToolCall search{"rb-1-0", "search_tires", R"({"width":205,"profile":55,"diameter":16,"season":"winter"})"};
  const std::string found =
      R"({"total":2,"items":[{"id":"T1156","name":"Nexen Winguard Ice Plus","size":"205/55 R16 91T","season":"winter","price":3200,"stock":63},{"id":"T1155","name":"Nokian Snowproof 2","size":"205/55 R16 91H","season":"winter","price":5010,"stock":16}]})";
  ca::agent::ToolCall make{"rb-2-0", "create_order_draft", draft};
  const std::string summary =
      R"({"needs_confirmation":true,"summary":"Оформити замовлення: 4 шт. Nexen Winguard Ice Plus 205/55 R16 91T по 3200 грн; разом 12800 грн."})";
  std::vector<ca::agent::Message> m = {
      user("Потрібні зимові шини 205/55 R16"), assistant("", {search}), tool(search, found), assistant("Знайшла ..."),
      user("Давайте перший, чотири штуки"),    assistant("", {make}),   tool(make, summary)};
  // The summary just came back: it is read, not confirmed, even though "давайте" sounds like yes.
  auto d = a.decide(request(m));
  CHECK(d.calls.empty());
  CHECK(d.expect == Expect::confirm_draft);
  CHECK(d.text.find("разом 12800 грн") != std::string::npos);
  // The caller heard it and agreed: the same request with confirmed=true.
  m.push_back(assistant(d.text));
  m.push_back(user("Так"));
  d = a.decide(request(m));
  REQUIRE(d.calls.size() == 1);
  CHECK(d.calls[0].name == "create_order_draft");
  CHECK(ca::json::dump(d.calls[0].args, {.sort_keys = true}) ==
        R"({"confirmed":true,"items":[{"product_id":"T1156","quantity":4}]})");
  // A different answer to the question: nothing is confirmed.
  m.back() = user("Ні");
  d = a.decide(request(m));
  CHECK(d.calls.empty());
  CHECK(d.text.find("не оформлюю") != std::string::npos);
}

TEST_CASE("rule agent: the reply language follows the caller, else the configured one") {
  auto uk = agent(Lang::uk), en = agent(Lang::en);
  CHECK(en.decide(request({user("так")})).text == "How can I help you?");  // "так" tells nothing
  CHECK(uk.decide(request({user("так")})).text == "Чим можу допомогти?");
  CHECK(en.decide(request({user("Добрий день")})).text.find("Чим можу допомогти") != std::string::npos);
  // An earlier turn's language holds for a turn that does not tell.
  auto d = uk.decide(request({user("Hello"), assistant("Hello! How can I help?"), user("205/55 R16")}));
  CHECK(d.text.find("summer") != std::string::npos);
}

TEST_CASE("rule agent: registry builds it from configuration") {
  const auto &reg = ca::providers::builtin_factories();
  auto it = reg.llm.find("rule_based");
  REQUIRE(it != reg.llm.end());
  ca::providers::FactoryArgs args{"offline", ca::json::Value::object().set("language", "ru"), "test.toml:3"};
  auto p = it->second(args);
  REQUIRE(p.ok());
  CHECK(p.value()->name() == "rule_based");
  auto sink = std::make_shared<Collect>();
  p.value()->start(request({user("алло")}), sink);
  CHECK(sink->done);
  CHECK(sink->text.find("Чем могу помочь") != std::string::npos);  // the configured language when the words do not tell

  args.options = ca::json::Value::object().set("languag", "uk");
  auto bad = it->second(args);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("languag") != std::string::npos);
  args.options = ca::json::Value::object().set("language", "de");
  CHECK_FALSE(it->second(args).ok());
  args.options = ca::json::Value::object().set("time_zone", "Europe/Kyiv");
  CHECK(it->second(args).ok());
}
