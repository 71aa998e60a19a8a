#include "agent/rule_agent/dialogue.hpp"

#include <algorithm>

#include "text/translit.hpp"

namespace ca::agent::rule {

namespace {

using json::Value;
using store::Day;

// ---- small helpers ----

int num(const Value &v, std::string_view key) { return static_cast<int>(v[key].as_int()); }

std::string str(const Value &v, std::string_view key) {
  const Value &x = v[key];
  if (x.is_integer()) return std::to_string(x.as_int());
  return std::string(x.str());
}

std::string iso(Day d) { return store::format_date(d); }

Decision say(std::string text, Expect expect = Expect::none) {
  Decision d;
  d.text = std::move(text);
  d.expect = expect;
  return d;
}

Decision call(std::string name, Value args) {
  Decision d;
  d.calls.push_back({std::move(name), std::move(args)});
  return d;
}

Decision offer_operator(std::string text, std::string reason) {
  Decision d = say(std::move(text), Expect::operator_offer);
  d.operator_reason = std::move(reason);
  return d;
}

// A failure: with an operator to hand over to, the reply offers one; without, it says what failed
// and asks what else.
enum class Failure : uint8_t { service_down, cannot_do, someone_elses_order, someone_elses_booking, kb_nothing };

Decision fail(const State &s, Failure f, const char *reason = "cannot_help") {
  const Replies r = s.replies();
  const bool can = s.can("transfer_to_operator");
  std::string text;
  switch (f) {
    case Failure::service_down:
      text = can ? r.service_down() : r.service_down_no_operator();
      break;
    case Failure::cannot_do:
      text = can ? r.cannot_do() : r.cannot_do_no_operator();
      break;
    case Failure::someone_elses_order:
      text = r.someone_elses(false, can);
      break;
    case Failure::someone_elses_booking:
      text = r.someone_elses(true, can);
      break;
    case Failure::kb_nothing:
      text = r.kb_nothing(can);
      break;
  }
  if (!can) return say(std::move(text), Expect::anything_else);
  return offer_operator(std::move(text), reason);
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// The first number after `marker` in a tool's text ("разом 20800 грн" → 20800).
std::optional<int> number_after(std::string_view text, std::string_view marker) {
  size_t at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  at += marker.size();
  while (at < text.size() && (text[at] < '0' || text[at] > '9')) {
    if (text[at] != ' ') return std::nullopt;
    ++at;
  }
  int v = 0;
  size_t n = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9' && n < 9) {
    v = v * 10 + (text[at] - '0');
    ++at;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return v;
}

// The word after `marker` ("для станції KV1." → "KV1").
std::string word_after(std::string_view text, std::string_view marker) {
  size_t at = text.find(marker);
  if (at == std::string_view::npos) return {};
  at += marker.size();
  size_t end = at;
  while (end < text.size() && ((text[end] >= 'A' && text[end] <= 'Z') || (text[end] >= '0' && text[end] <= '9') ||
                               (text[end] >= 'a' && text[end] <= 'z'))) {
    ++end;
  }
  return std::string(text.substr(at, end - at));
}

// ---- what the tools returned ----

Offer offer_of(const Value &item) {
  Offer o;
  o.id = str(item, "id");
  o.name = str(item, "name");
  o.size = str(item, "size");
  o.season = str(item, "season");
  o.price = num(item, "price");
  o.stock = num(item, "stock");
  return o;
}

std::vector<Offer> offers_of(const CallRecord &r) {
  std::vector<Offer> out;
  for (const auto &it : r.result["items"].items()) out.push_back(offer_of(it));
  return out;
}

const CallRecord *latest_search(const State &s) {
  for (auto it = s.calls.rbegin(); it != s.calls.rend(); ++it) {
    if (it->name == "search_tires" && it->done && !it->error && it->result["items"].size() > 0) return &*it;
  }
  return nullptr;
}

std::vector<Offer> latest_offers(const State &s) {
  const CallRecord *r = latest_search(s);
  return r != nullptr ? offers_of(*r) : std::vector<Offer>{};
}

std::optional<Offer> product_info(const State &s, const std::string &id) {
  for (auto it = s.calls.rbegin(); it != s.calls.rend(); ++it) {
    if (!it->done || it->error) continue;
    if (it->name == "search_tires") {
      for (const auto &o : offers_of(*it)) {
        if (o.id == id) return o;
      }
    } else if (it->name == "check_availability" && str(it->result, "id") == id) {
      return offer_of(it->result);
    }
  }
  return std::nullopt;
}

// Whether a search in this call listed the product, so that its price was read in the offer.
bool offered(const State &s, const std::string &id) {
  for (const auto &c : s.calls) {
    if (c.name != "search_tires" || !c.done || c.error) continue;
    for (const auto &it : c.result["items"].items()) {
      if (str(it, "id") == id) return true;
    }
  }
  return false;
}

std::vector<StationInfo> stations_of(const CallRecord &r) {
  std::vector<StationInfo> out;
  for (const auto &st : r.result["stations"].items()) {
    out.push_back({str(st, "id"), str(st, "name"), str(st, "district"), str(st, "address"), str(st, "hours")});
  }
  return out;
}

Value stations_args(const State &s) { return Value::object().set("city", s.city); }

const CallRecord *stations_record(const State &s) {
  if (s.city.empty()) return nullptr;
  return s.find("get_fitting_stations", stations_args(s));
}

struct SlotDay {
  std::string date;
  std::vector<std::string> times;
};

std::vector<SlotDay> days_of(const CallRecord &r) {
  std::vector<SlotDay> out;
  for (const auto &d : r.result["days"].items()) {
    SlotDay day{str(d, "date"), {}};
    for (const auto &t : d["times"].items()) day.times.emplace_back(t.str());
    out.push_back(std::move(day));
  }
  return out;
}

Value slots_args(const std::string &station_id, const std::optional<Day> &date) {
  Value a = Value::object();
  a.set("station_id", station_id);
  if (date) a.set("date_from", iso(*date)).set("date_to", iso(*date));
  return a;
}

// The day the caller means among the offered ones: the one asked for, else the first shown.
const SlotDay *chosen_day(const std::vector<SlotDay> &days, const std::optional<Day> &date) {
  if (days.empty()) return nullptr;
  if (date) {
    for (const auto &d : days) {
      if (d.date == iso(*date)) return &d;
    }
    return nullptr;
  }
  return &days.front();
}

std::optional<std::string> time_in_part(const std::vector<std::string> &times, DayPart part) {
  for (const auto &t : times) {
    const int h = std::atoi(t.c_str());
    if ((part == DayPart::morning && h < 12) || (part == DayPart::afternoon && h >= 12 && h < 17) ||
        (part == DayPart::evening && h >= 17)) {
      return t;
    }
  }
  return std::nullopt;
}

// The caller agreed to the summary they heard: it was returned in an earlier turn (and so read to
// them), the last reply asked for the confirmation, and the answer is yes.
bool heard_yes(const State &s, const CallRecord &summary, Expect asked) {
  return summary.turn < s.turn && s.expect == asked && s.now.slots.answer == Answer::yes;
}

bool is_confirm(Expect e) {
  return e == Expect::confirm_draft || e == Expect::confirm_order || e == Expect::confirm_booking ||
         e == Expect::confirm_cancel || e == Expect::confirm_reschedule;
}

// Words that say which of several listed things (stations, tyres) the caller means.
bool similar_word(const std::string &a, const std::string &b) {
  if (utf8_length(a) < 4 || utf8_length(b) < 4) return false;
  if (stem_match(a, b) || stem_match(b, a)) return true;
  const std::string sa = skeleton(a), sb = skeleton(b);
  if (utf8_length(sa) < 3 || utf8_length(sb) < 3) return false;
  const std::string &shorter = sa.size() < sb.size() ? sa : sb;
  const std::string &longer = sa.size() < sb.size() ? sb : sa;
  return longer.starts_with(shorter) && utf8_length(shorter) >= 3 && utf8_length(a) >= 5 && utf8_length(b) >= 5;
}

bool generic_place_word(std::string_view w) {
  for (const char *g : {"район", "вул", "вулиця", "просп", "проспект", "шинсервіс", "шинсервис", "селище", "академіка",
                        "володимира", "пров", "бульвар", "київський", "street", "vulytsia", "prospekt"}) {
    if (w == g) return true;
  }
  return false;
}

std::optional<std::string> match_station(const Utterance &u, const std::vector<StationInfo> &stations, Choice choice,
                                         bool by_choice) {
  if (by_choice && choice) {
    const int n = static_cast<int>(stations.size());
    const int i = *choice < 0 ? n + *choice : *choice;
    if (i >= 0 && i < n) return stations[static_cast<size_t>(i)].id;
  }
  std::optional<std::string> hit;
  int hits = 0;
  for (const auto &st : stations) {
    std::vector<std::string> cand;
    for (const std::string &field : {st.name, st.district, st.address}) {
      for (auto &w : split_words(fold(field))) {
        if (!generic_place_word(w)) cand.push_back(w);
      }
      for (auto &w : split_words(fold(text::transliterate(field)))) {
        if (!generic_place_word(w)) cand.push_back(w);
      }
    }
    bool match = false;
    for (const auto &w : u.words) {
      for (const auto &c : cand) match = match || similar_word(w, c);
    }
    if (match) {
      hit = st.id;
      ++hits;
    }
  }
  if (hits == 1) return hit;
  return std::nullopt;
}

std::optional<size_t> match_offer(const Utterance &u, const std::vector<Offer> &offers, Choice choice,
                                  const std::string &brand) {
  const int n = static_cast<int>(offers.size());
  if (choice) {
    const int i = *choice < 0 ? n + *choice : *choice;
    if (i >= 0 && i < n) return static_cast<size_t>(i);
  }
  if (!brand.empty()) {
    for (size_t i = 0; i < offers.size(); ++i) {
      if (offers[i].name.starts_with(brand)) return i;
    }
  }
  // A model word: "Alpin", "Snowproof".
  for (size_t i = 0; i < offers.size(); ++i) {
    for (const auto &mw : split_words(fold(offers[i].name))) {
      if (utf8_length(mw) < 4) continue;
      for (const auto &w : u.words) {
        if (w == mw) return i;
      }
    }
  }
  return std::nullopt;
}

// The station the caller chose: named earlier, the city's only one, or named in this very turn
// before the list was fetched ("у Києві на Оболоні").
std::string chosen_station(const State &s, const std::vector<StationInfo> &stations) {
  if (!s.station_id.empty()) return s.station_id;
  if (stations.size() == 1) return stations.front().id;
  if (auto id = match_station(s.now.utterance, stations, std::nullopt, false)) return *id;
  return {};
}

std::string vehicle_text(const Vehicle &v) {
  if (v.make.empty()) return {};
  return v.model.empty() ? v.make : v.make + " " + v.model;
}

// ---- decisions per goal ----

Decision decide_goal(const State &s);

Value search_args(const State &s) {
  Value a = Value::object();
  if (s.size) {
    a.set("width", s.size->width).set("profile", s.size->profile).set("diameter", s.size->rim);
  } else if (!s.vehicle.make.empty() && !s.vehicle.model.empty()) {
    a.set("vehicle_make", s.vehicle.make).set("vehicle_model", s.vehicle.model);
    if (s.vehicle.year) a.set("vehicle_year", *s.vehicle.year);
    if (s.diameter) a.set("diameter", *s.diameter);
  } else if (s.diameter) {
    a.set("diameter", *s.diameter);
  }
  if (s.season) a.set("season", std::string(store::season_name(*s.season)));
  if (!s.brand.empty()) a.set("brand", s.brand);
  return a;
}

bool searchable(const State &s) {
  return s.size || s.diameter || (!s.vehicle.make.empty() && !s.vehicle.model.empty()) || !s.brand.empty();
}

Decision ask_for_size(const State &s) {
  const Replies r = s.replies();
  if (!s.vehicle.make.empty() && s.vehicle.model.empty())
    return say(r.ask_model(s.vehicle.make), Expect::vehicle_model);
  return say(r.ask_size(), Expect::size);
}

// Runs the search the slots describe; `present` says what to do with offers.
Decision step_search(const State &s, bool ask_season) {
  const Replies r = s.replies();
  if (!s.can("search_tires")) return fail(s, Failure::cannot_do);
  if (!searchable(s) || (!s.size && !s.diameter && s.vehicle.model.empty() && s.brand.empty())) return ask_for_size(s);
  if (ask_season && !s.season && !s.any_season && (s.size || !s.vehicle.model.empty() || s.diameter)) {
    return say(r.ask_season(), Expect::season);
  }
  const Value args = search_args(s);
  const CallRecord *rec = s.find("search_tires", args);
  if (rec == nullptr) return call("search_tires", args);
  if (rec->error) {
    if (contains(str(rec->result, "error"), "розмір")) return ask_for_size(s);
    return fail(s, Failure::service_down);
  }
  const Value &res = rec->result;
  const auto items = offers_of(*rec);
  if (items.empty()) {
    if (res["brands"].is_array()) {
      std::vector<std::string> brands;
      for (const auto &b : res["brands"].items()) brands.emplace_back(b.str());
      return say(r.ask_brand_again(s.brand, brands), Expect::brand);
    }
    if (!s.vehicle.model.empty() && !s.size && res.contains("message")) return say(r.vehicle_unknown(), Expect::size);
    std::string what = s.size ? s.size->str() : s.diameter ? "R" + std::to_string(*s.diameter) : std::string();
    if (!s.brand.empty()) what = s.brand + (what.empty() ? "" : " " + what);
    return say(r.none_found(s.season, what), Expect::size);
  }
  std::vector<std::string> sizes;
  for (const auto &v : res["sizes"].items()) sizes.emplace_back(v.str());
  const std::string size_text = s.size ? s.size->str() : std::string();
  const Expect e = items.size() == 1 ? Expect::order_offer : Expect::product;
  return say(r.offers(num(res, "total"), s.season, size_text, str(res, "vehicle"), sizes, items), e);
}

Decision step_availability(const State &s) {
  const Replies r = s.replies();
  if (!s.product_id.empty() && s.can("check_availability")) {
    const Value args = Value::object().set("product_id", s.product_id);
    const CallRecord *rec = s.find("check_availability", args);
    if (rec == nullptr) return call("check_availability", args);
    if (rec->error) return fail(s, Failure::service_down);
    if (rec->result.contains("id")) {
      const Offer o = offer_of(rec->result);
      if (rec->result["available"].as_bool())
        return say(r.in_stock(o, num(rec->result, "delivery_days"), offered(s, o.id)), Expect::order_offer);
      return say(r.out_of_stock(o, num(rec->result, "delivery_days")), Expect::anything_else);
    }
    return say(r.product_not_found(), Expect::size);
  }
  if (!searchable(s)) return ask_for_size(s);
  // A size (and maybe a brand): the search gives stock and price of what fits.
  Decision d = step_search(s, false);
  if (!d.calls.empty()) return d;
  const CallRecord *rec = s.find("search_tires", search_args(s));
  if (rec != nullptr && !rec->error) {
    const auto items = offers_of(*rec);
    if (!items.empty() && (!s.brand.empty() || items.size() == 1)) {
      return say(r.in_stock(items.front(), std::nullopt, false), Expect::order_offer);
    }
  }
  return d;
}

Decision step_delivery(const State &s, const std::string &order_id, bool order_new);

Decision step_order(const State &s) {
  const Replies r = s.replies();
  if (!s.can("create_order_draft")) return fail(s, Failure::cannot_do);
  if (s.product_id.empty()) {
    // Offers found in this turn are read out; older ones are asked about by name.
    const CallRecord *found = latest_search(s);
    if (found != nullptr && found->turn < s.turn && found->result["items"].size() > 1) {
      return say(r.which_offer(offers_of(*found)), Expect::product);
    }
    return step_search(s, true);
  }
  const Offer offer = product_info(s, s.product_id).value_or(Offer{s.product_id, s.product_id, "", "", 0, 0});
  if (!s.quantity) return say(r.ask_quantity(offer.name), Expect::quantity);
  Value draft = Value::object();
  draft.set("items", Value::array().push(Value::object().set("product_id", s.product_id).set("quantity", *s.quantity)));
  if (!s.phone.empty()) draft.set("customer_phone", s.phone);
  const CallRecord *rec = s.find("create_order_draft", draft);
  if (rec == nullptr) return call("create_order_draft", draft);
  auto failed = [&](const CallRecord &x) -> std::optional<Decision> {
    if (!x.error) return std::nullopt;
    const std::string e = str(x.result, "error");
    if (contains(e, "телефон")) return say(r.ask_phone(), Expect::phone);
    if (auto n = number_after(e, "лише")) return say(r.only_in_stock(*n), Expect::quantity);
    return fail(s, Failure::service_down);
  };
  if (auto f = failed(*rec)) return *f;
  if (rec->result["needs_confirmation"].as_bool()) {
    Value confirmed = draft;
    confirmed.set("confirmed", true);
    const CallRecord *done = s.find("create_order_draft", confirmed);
    if (done == nullptr) {
      if (heard_yes(s, *rec, Expect::confirm_draft)) return call("create_order_draft", confirmed);
      const std::string summary = str(rec->result, "summary");
      return say(r.draft_summary(summary, {{*s.quantity, offer}}, number_after(summary, "разом")),
                 Expect::confirm_draft);
    }
    rec = done;
    if (auto f = failed(*rec)) return *f;
  }
  const std::string order_id = str(rec->result, "order_id");
  if (order_id.empty()) return fail(s, Failure::service_down);
  return step_delivery(s, order_id, rec->turn == s.turn);
}

Decision step_delivery(const State &s, const std::string &order_id, bool order_new) {
  const Replies r = s.replies();
  auto with_news = [&](Decision d) {
    if (order_new && !d.text.empty() && d.calls.empty()) {
      d.text = r.order_created(order_id);
      d.expect = Expect::delivery_type;
    }
    return d;
  };
  if (!s.delivery) return with_news(say(r.ask_delivery_type(), Expect::delivery_type));
  if (!s.can("update_order_delivery")) return fail(s, Failure::cannot_do);
  const bool pickup = *s.delivery == store::DeliveryType::pickup;
  Value args = Value::object();
  args.set("order_id", order_id).set("delivery_type", pickup ? "pickup" : "delivery");
  std::string where;
  if (pickup) {
    if (s.city.empty()) return with_news(say(r.ask_city_pickup(), Expect::city));
    if (!s.can("get_fitting_stations")) return fail(s, Failure::cannot_do);
    const CallRecord *st = stations_record(s);
    if (st == nullptr) return call("get_fitting_stations", stations_args(s));
    if (st->error) return fail(s, Failure::service_down);
    const auto stations = stations_of(*st);
    if (stations.empty()) {
      std::vector<std::string> cities;
      for (const auto &c : st->result["cities"].items()) cities.emplace_back(c.str());
      return say(r.no_stations(s.city, cities), Expect::city);
    }
    const std::string station = chosen_station(s, stations);
    const auto known =
        std::find_if(stations.begin(), stations.end(), [&](const StationInfo &x) { return x.id == station; });
    if (known == stations.end()) return say(r.choose_station(s.city, stations), Expect::station);
    args.set("pickup_point_id", station);
    where = known->name + ", " + known->address;
  } else {
    if (s.city.empty()) return with_news(say(r.ask_city_delivery(), Expect::city));
    if (s.address.empty()) return say(r.ask_address(), Expect::address);
    args.set("city", s.city).set("address", s.address);
    where = s.city + ", " + s.address;
  }
  const CallRecord *rec = s.find("update_order_delivery", args);
  if (rec == nullptr) return call("update_order_delivery", args);
  if (rec->error) {
    const std::string e = str(rec->result, "error");
    if (contains(e, "інший номер")) return fail(s, Failure::someone_elses_order);
    if (contains(e, "адрес")) return say(r.ask_address(), Expect::address);
    return fail(s, Failure::service_down);
  }
  const int total = num(rec->result, "total");
  if (!s.payment) {
    return say(r.delivery_set(pickup, num(rec->result, "delivery_cost"), num(rec->result, "estimated_days"), total),
               Expect::payment);
  }
  if (!s.can("confirm_order")) return fail(s, Failure::cannot_do);
  const Value confirm = Value::object()
                            .set("order_id", order_id)
                            .set("payment_method", std::string(store::payment_method_name(*s.payment)));
  const CallRecord *c1 = s.find("confirm_order", confirm);
  if (c1 == nullptr) return call("confirm_order", confirm);
  if (c1->error) return fail(s, Failure::service_down);
  if (c1->result["needs_confirmation"].as_bool()) {
    Value confirmed = confirm;
    confirmed.set("confirmed", true);
    const CallRecord *c2 = s.find("confirm_order", confirmed);
    if (c2 == nullptr) {
      if (heard_yes(s, *c1, Expect::confirm_order)) return call("confirm_order", confirmed);
      return say(r.confirm_summary(str(c1->result, "summary"), order_id, pickup, where, total, *s.payment),
                 Expect::confirm_order);
    }
    c1 = c2;
    if (c1->error) return fail(s, Failure::service_down);
  }
  const std::string status = str(c1->result, "status");
  if (c1->result.contains("message") && status != "confirmed") {
    return say(r.order_already(order_id, status) + " " + r.anything_else(), Expect::anything_else);
  }
  return say(r.order_confirmed(order_id, str(c1->result, "estimated_delivery")), Expect::anything_else);
}

Decision step_status(const State &s) {
  const Replies r = s.replies();
  if (!s.can("get_order_status")) return fail(s, Failure::cannot_do);
  Value args = Value::object();
  if (!s.order_number.empty()) {
    args.set("order_id", s.order_number);
  } else if (!s.phone.empty()) {
    args.set("phone", s.phone);
  }
  const CallRecord *rec = s.find("get_order_status", args);
  if (rec == nullptr) return call("get_order_status", args);
  if (rec->error) {
    if (contains(str(rec->result, "error"), "номер")) return say(r.ask_order_number(), Expect::order_number);
    return fail(s, Failure::service_down);
  }
  const Value &res = rec->result;
  if (!res["found"].as_bool()) {
    if (!s.order_number.empty()) return say(r.order_not_found(s.order_number), Expect::order_number);
    return say(r.no_orders_for_phone(), Expect::order_number);
  }
  const auto &orders = res["orders"].items();
  if (orders.empty()) return say(r.no_orders_for_phone(), Expect::order_number);
  // The newest order still on its way, else the newest.
  const Value *pick = &orders.front();
  for (const auto &o : orders) {
    const std::string st = str(o, "status");
    if (st != "delivered" && st != "cancelled") {
      pick = &o;
      break;
    }
  }
  OrderBrief b{str(*pick, "order_id"), str(*pick, "status"), num(*pick, "total"), str(*pick, "estimated_delivery")};
  return say(r.order_status(b, num(res, "total")), Expect::none);
}

// Station → slots → time → book (with confirmation). Shared by booking and rescheduling.
struct SlotPick {
  std::optional<Decision> decision;  // a question or a call still needed
  std::string date;
  std::string time;
};

SlotPick pick_slot(const State &s, const std::string &station_id, bool reschedule) {
  const Replies r = s.replies();
  if (!s.can("get_fitting_slots")) return {fail(s, Failure::cannot_do), {}, {}};
  if (reschedule && !s.date) return {say(r.ask_new_date(), Expect::date), {}, {}};
  const Value args = slots_args(station_id, s.date);
  const CallRecord *rec = s.find("get_fitting_slots", args);
  if (rec == nullptr) return {call("get_fitting_slots", args), {}, {}};
  if (rec->error) {
    const std::string e = str(rec->result, "error");
    if (contains(e, "Запис відкрито") || contains(e, "date")) return {say(r.ask_date(), Expect::date), {}, {}};
    return {fail(s, Failure::service_down), {}, {}};
  }
  const auto days = days_of(*rec);
  const SlotDay *day = chosen_day(days, s.date);
  if (day == nullptr || day->times.empty()) {
    return {say(r.no_slots(s.date ? iso(*s.date) : std::string()), Expect::date), {}, {}};
  }
  if (!s.time) {
    if (s.day_part != DayPart::none) {
      if (auto t = time_in_part(day->times, s.day_part)) return {std::nullopt, day->date, *t};
    }
    return {say(r.slots_offer(day->date, day->times, s.date.has_value()), Expect::time), {}, {}};
  }
  // The time asked for on the day shown, else on another day shown.
  if (std::find(day->times.begin(), day->times.end(), *s.time) != day->times.end())
    return {std::nullopt, day->date, *s.time};
  return {say(r.time_taken(*s.time, day->date, day->times), Expect::time), {}, {}};
}

Decision step_fitting(const State &s) {
  const Replies r = s.replies();
  if (!s.can("book_fitting") || !s.can("get_fitting_stations")) return fail(s, Failure::cannot_do);
  if (s.city.empty()) return say(r.ask_city_fitting(), Expect::city);
  const CallRecord *st = stations_record(s);
  if (st == nullptr) return call("get_fitting_stations", stations_args(s));
  if (st->error) return fail(s, Failure::service_down);
  const auto stations = stations_of(*st);
  if (stations.empty()) {
    std::vector<std::string> cities;
    for (const auto &c : st->result["cities"].items()) cities.emplace_back(c.str());
    return say(r.no_stations(s.city, cities), Expect::city);
  }
  const std::string station = chosen_station(s, stations);
  const auto known =
      std::find_if(stations.begin(), stations.end(), [&](const StationInfo &x) { return x.id == station; });
  if (known == stations.end()) return say(r.choose_station(s.city, stations), Expect::station);
  SlotPick p = pick_slot(s, station, false);
  if (p.decision) return *p.decision;
  Value args = Value::object();
  args.set("station_id", station).set("date", p.date).set("time", p.time);
  if (!s.phone.empty()) args.set("customer_phone", s.phone);
  if (s.service) args.set("service_type", std::string(store::service_name(*s.service)));
  if (s.diameter && *s.diameter >= 13 && *s.diameter <= 22) args.set("tire_diameter", *s.diameter);
  if (!s.vehicle.make.empty() && !s.vehicle.model.empty()) args.set("vehicle_info", vehicle_text(s.vehicle));
  const CallRecord *b1 = s.find("book_fitting", args);
  if (b1 == nullptr) return call("book_fitting", args);
  auto failed = [&](const CallRecord &x) -> std::optional<Decision> {
    if (!x.error) return std::nullopt;
    const std::string e = str(x.result, "error");
    if (contains(e, "телефон")) return say(r.ask_phone(), Expect::phone);
    if (contains(e, "зайняли") || contains(e, "Не вдалося записати") || contains(e, "не серед")) {
      return say(r.booking_declined(), Expect::time);
    }
    return fail(s, Failure::service_down);
  };
  if (auto f = failed(*b1)) return *f;
  if (b1->result["needs_confirmation"].as_bool()) {
    Value confirmed = args;
    confirmed.set("confirmed", true);
    const CallRecord *b2 = s.find("book_fitting", confirmed);
    if (b2 == nullptr) {
      if (heard_yes(s, *b1, Expect::confirm_booking)) return call("book_fitting", confirmed);
      const std::string summary = str(b1->result, "summary");
      return say(r.booking_summary(summary, *known, p.date, p.time,
                                   s.service ? std::string(store::service_name(*s.service)) : "tire_change",
                                   number_after(summary, "вартість")),
                 Expect::confirm_booking);
    }
    b1 = b2;
    if (auto f = failed(*b1)) return *f;
  }
  const Value &res = b1->result;
  return say(r.booked(str(res, "booking_id")) + " " + r.anything_else(),
             Expect::anything_else);
}

// The booking the caller means: the number they said, else one made in this call.
std::string booking_id(const State &s) {
  if (!s.booking_number.empty()) return s.booking_number;
  for (auto it = s.calls.rbegin(); it != s.calls.rend(); ++it) {
    if (it->name == "book_fitting" && it->done && !it->error && it->result.contains("booking_id")) {
      return str(it->result, "booking_id");
    }
  }
  return {};
}

std::optional<Decision> booking_error(const State &s, const CallRecord &rec, const std::string &id) {
  if (!rec.error) return std::nullopt;
  const Replies r = s.replies();
  const std::string e = str(rec.result, "error");
  if (contains(e, "не знайдено")) return say(r.booking_not_found(id), Expect::booking_number);
  if (contains(e, "інший номер")) return fail(s, Failure::someone_elses_booking);
  if (contains(e, "уже скасовано")) return say(r.already_cancelled(id), Expect::fitting_offer);
  return std::nullopt;
}

Decision step_cancel(const State &s) {
  const Replies r = s.replies();
  if (!s.can("cancel_fitting")) return fail(s, Failure::cannot_do);
  const std::string id = booking_id(s);
  if (id.empty()) return say(r.ask_booking_number(), Expect::booking_number);
  const Value args = Value::object().set("booking_id", id).set("action", "cancel");
  const CallRecord *c1 = s.find("cancel_fitting", args);
  if (c1 == nullptr) return call("cancel_fitting", args);
  if (auto e = booking_error(s, *c1, id)) return *e;
  if (c1->error) return fail(s, Failure::service_down);
  if (c1->result["needs_confirmation"].as_bool()) {
    Value confirmed = args;
    confirmed.set("confirmed", true);
    const CallRecord *c2 = s.find("cancel_fitting", confirmed);
    if (c2 == nullptr) {
      if (heard_yes(s, *c1, Expect::confirm_cancel)) return call("cancel_fitting", confirmed);
      return say(r.cancel_summary(str(c1->result, "summary"), id), Expect::confirm_cancel);
    }
    c1 = c2;
    if (c1->error) return fail(s, Failure::service_down);
  }
  return say(r.cancelled(id), Expect::anything_else);
}

Decision step_reschedule(const State &s) {
  const Replies r = s.replies();
  if (!s.can("cancel_fitting")) return fail(s, Failure::cannot_do);
  const std::string id = booking_id(s);
  if (id.empty()) return say(r.ask_booking_number(), Expect::booking_number);
  // The booking's station: from our own booking in this call, else the tool names it when asked
  // to move a booking without a new time.
  std::string station;
  for (auto it = s.calls.rbegin(); it != s.calls.rend() && station.empty(); ++it) {
    if (it->name == "book_fitting" && it->done && !it->error && str(it->result, "booking_id") == id) {
      station = str(it->args, "station_id");
    }
  }
  if (station.empty()) {
    const Value probe = Value::object().set("booking_id", id).set("action", "reschedule");
    const CallRecord *p = s.find(call_key("cancel_fitting", probe));
    if (p == nullptr) return call("cancel_fitting", probe);
    if (auto e = booking_error(s, *p, id)) return *e;
    station = word_after(str(p->result, "error"), "станції ");
    if (station.empty()) return fail(s, Failure::service_down);
  }
  SlotPick pk = pick_slot(s, station, true);
  if (pk.decision) return *pk.decision;
  Value args = Value::object();
  args.set("booking_id", id).set("action", "reschedule").set("new_date", pk.date).set("new_time", pk.time);
  const CallRecord *c1 = s.find("cancel_fitting", args);
  if (c1 == nullptr) return call("cancel_fitting", args);
  if (auto e = booking_error(s, *c1, id)) return *e;
  if (c1->error) return say(r.booking_declined(), Expect::time);
  if (c1->result["needs_confirmation"].as_bool()) {
    Value confirmed = args;
    confirmed.set("confirmed", true);
    const CallRecord *c2 = s.find("cancel_fitting", confirmed);
    if (c2 == nullptr) {
      if (heard_yes(s, *c1, Expect::confirm_reschedule)) return call("cancel_fitting", confirmed);
      return say(r.reschedule_summary(str(c1->result, "summary"), id, pk.date, pk.time), Expect::confirm_reschedule);
    }
    c1 = c2;
    if (c1->error) return say(r.booking_declined(), Expect::time);
  }
  return say(r.rescheduled(id, str(c1->result, "date"), str(c1->result, "time")) + " " + r.anything_else(),
             Expect::anything_else);
}

Decision step_price(const State &s) {
  const Replies r = s.replies();
  if (!s.can("get_fitting_price")) return fail(s, Failure::cannot_do);
  if (!s.diameter) return say(r.ask_diameter(), Expect::diameter);
  Value args = Value::object().set("tire_diameter", *s.diameter);
  // A plain tyre change is quoted with the bundle next to it; other services alone.
  if (s.service && *s.service != store::Service::tire_change) {
    args.set("service_type", std::string(store::service_name(*s.service)));
  }
  const CallRecord *rec = s.find("get_fitting_price", args);
  if (rec == nullptr) return call("get_fitting_price", args);
  if (rec->error) {
    if (contains(str(rec->result, "error"), "R13")) return say(r.ask_diameter(), Expect::diameter);
    return fail(s, Failure::service_down);
  }
  std::vector<PriceLine> prices;
  for (const auto &p : rec->result["prices"].items())
    prices.push_back({str(p, "service"), num(p, "per_wheel"), num(p, "per_set")});
  const std::string service = s.service && *s.service != store::Service::tire_change
                                  ? std::string(store::service_name(*s.service))
                                  : std::string();
  return say(r.fitting_prices(*s.diameter, prices, service), Expect::fitting_offer);
}

Decision step_knowledge(const State &s) {
  if (!s.can("search_knowledge_base") || s.knowledge_query.empty())
    return fail(s, Failure::kb_nothing, "complex_question");
  const Value args = Value::object().set("query", s.knowledge_query);
  const CallRecord *rec = s.find("search_knowledge_base", args);
  if (rec == nullptr) return call("search_knowledge_base", args);
  if (rec->error) return fail(s, Failure::service_down);
  const auto &articles = rec->result["articles"].items();
  // The first article in the caller's language, else the first.
  const Value *best = nullptr;
  for (const auto &a : articles) {
    if (detect_language(a["content"].str()) == s.lang) {
      best = &a;
      break;
    }
  }
  if (best == nullptr && !articles.empty()) best = &articles.front();
  const std::string text = best != nullptr ? spoken_excerpt(std::string((*best)["content"].str())) : std::string();
  if (text.empty()) return fail(s, Failure::kb_nothing, "complex_question");
  return say(text, Expect::none);
}

std::string operator_summary(const State &s) {
  std::string out = s.offer_reason == "cannot_help" ? "Агент не зміг допомогти; клієнт погодився на оператора."
                                                    : "Клієнт просить з'єднати з оператором.";
  std::string said = s.now.text;
  if (utf8_length(said) > 160)
    said = said.substr(0, said.find(' ', 300) == std::string::npos ? said.size() : said.find(' ', 300));
  if (!said.empty()) out += " Останні слова клієнта: \"" + said + "\"";
  return out;
}

Decision step_operator(const State &s) {
  const Replies r = s.replies();
  if (!s.can("transfer_to_operator")) {
    if (s.can("create_callback_request")) return say(r.callback_instead(), Expect::callback_time);
    return say(r.no_operator(), Expect::anything_else);
  }
  // A transfer asked for earlier in the call and refused after hours stands: offer the callback.
  for (auto it = s.calls.rbegin(); it != s.calls.rend(); ++it) {
    if (it->name == "transfer_to_operator" && it->done && it->turn == s.turn) {
      if (it->result["after_hours"].as_bool()) {
        if (!s.can("create_callback_request")) return say(r.no_operator(), Expect::anything_else);
        const std::string msg = str(it->result, "message");
        return say(r.after_hours(detect_language(msg).value_or(Lang::uk) == s.lang ? msg : std::string()),
                   Expect::callback_time);
      }
      if (str(it->result, "status") == "transferring") return say("", Expect::none);
      return fail(s, Failure::service_down);
    }
  }
  Value args = Value::object();
  args.set("reason", s.offer_reason.empty() ? std::string("customer_request") : s.offer_reason)
      .set("summary", operator_summary(s));
  return call("transfer_to_operator", args);
}

Decision step_callback(const State &s) {
  const Replies r = s.replies();
  if (!s.can("create_callback_request")) return fail(s, Failure::cannot_do);
  if (s.preferred_time.empty() && s.expect != Expect::callback_time)
    return say(r.callback_instead(), Expect::callback_time);
  Value args = Value::object();
  if (!s.phone.empty()) args.set("phone", s.phone);
  if (!s.preferred_time.empty()) args.set("preferred_time", s.preferred_time);
  args.set("note", "Клієнт просить передзвонити (розмовляв з автоматичним агентом).");
  const CallRecord *rec = s.find("create_callback_request", args);
  if (rec == nullptr) return call("create_callback_request", args);
  if (rec->error) {
    if (contains(str(rec->result, "error"), "телефон")) return say(r.ask_phone(), Expect::phone);
    return fail(s, Failure::service_down);
  }
  return say(r.callback_done(str(rec->result, "phone"), str(rec->result, "preferred_time")), Expect::anything_else);
}

Decision decide_goal(const State &s) {
  const Replies r = s.replies();
  switch (s.now.ack) {
    case Ack::order_declined:
      return say(r.order_declined(), Expect::anything_else);
    case Ack::order_change:
      return say(r.order_change(), Expect::delivery_type);
    case Ack::booking_declined:
      return say(r.booking_declined(), Expect::time);
    case Ack::cancel_declined:
      return say(r.cancel_declined(), Expect::anything_else);
    case Ack::operator_declined:
      return say(r.operator_declined(), Expect::none);
    case Ack::callback_declined:
      return say(r.callback_declined(), Expect::anything_else);
    case Ack::listening:
      return say(r.listening(), Expect::none);
    case Ack::offer_declined:
      return say(r.anything_else(), Expect::anything_else);
    case Ack::none:
      break;
  }
  switch (s.goal) {
    case Goal::none:
      if (s.now.intents.has(Intent::greeting)) return say(r.greet_help(), Expect::none);
      return say(r.how_can_help(), Expect::none);
    case Goal::farewell:
      return say(r.farewell(), Expect::none);
    case Goal::search:
      return step_search(s, true);
    case Goal::availability:
      return step_availability(s);
    case Goal::order:
      return step_order(s);
    case Goal::status:
      return step_status(s);
    case Goal::fitting:
      return step_fitting(s);
    case Goal::cancel:
      return step_cancel(s);
    case Goal::reschedule:
      return step_reschedule(s);
    case Goal::price:
      return step_price(s);
    case Goal::knowledge:
      return step_knowledge(s);
    case Goal::operator_:
      return step_operator(s);
    case Goal::callback:
      return step_callback(s);
  }
  return say(r.how_can_help());
}

Decision decide(const State &s) {
  const Replies r = s.replies();
  if (s.turn == 0) return say(r.how_can_help());
  const auto calls_this_turn =
      std::count_if(s.calls.begin(), s.calls.end(), [&](const CallRecord &c) { return c.turn == s.turn; });
  if (!s.now.understood) {
    if (s.misunderstood >= 1 && s.can("transfer_to_operator")) {
      Decision d = offer_operator(r.offer_operator_confused(), "cannot_help");
      d.misunderstood = true;
      return d;
    }
    Decision base = decide_goal(s);
    // Repeat the question asked; after a plain answer there was none.
    const bool question = base.calls.empty() && !base.text.empty() && base.expect != Expect::none;
    Decision d = say(r.not_understood() + " " + (question ? base.text : r.how_can_help()),
                     question ? base.expect : Expect::none);
    d.operator_reason = base.operator_reason;
    d.misunderstood = true;
    return d;
  }
  // No flow needs more than three calls in a turn (the session allows five rounds): more means
  // something went wrong, and the caller hears so rather than waiting.
  if (calls_this_turn >= 6) return say(r.too_many_rounds());
  Decision d = decide_goal(s);
  for (const auto &c : d.calls) {
    if (s.made_this_turn(c)) return fail(s, Failure::service_down);
  }
  return d;
}

}  // namespace

std::string call_key(std::string_view name, const Value &args) {
  return std::string(name) + "|" + json::dump(args, {.sort_keys = true});
}

const CallRecord *State::find(std::string_view name, const Value &args) const {
  const std::string key = call_key(name, args);
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    if (it->key == key && it->done && (!it->error || it->turn == turn)) return &*it;
  }
  return nullptr;
}

const CallRecord *State::find(const std::string &key) const {
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    if (it->key == key && it->done) return &*it;
  }
  return nullptr;
}

const CallRecord *State::latest(std::string_view name) const {
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    if (it->name == name && it->done && !it->error) return &*it;
  }
  return nullptr;
}

bool State::made_this_turn(const PlannedCall &c) const {
  const std::string key = call_key(c.name, c.args);
  return std::any_of(calls.begin(), calls.end(), [&](const CallRecord &r) { return r.turn == turn && r.key == key; });
}

Dialogue::Dialogue(Lang language, store::Day today, std::set<std::string, std::less<>> tools) {
  s_.lang = language;
  s_.today = today;
  s_.tools = std::move(tools);
}

void Dialogue::add(const Message &m) {
  switch (m.role) {
    case Role::user:
      user_turn(m.text);
      break;
    case Role::assistant:
      for (const auto &c : m.tool_calls) {
        CallRecord rec;
        rec.id = c.id;
        rec.name = c.name;
        auto parsed = json::parse(c.arguments_json);
        rec.args = parsed.ok() && parsed->is_object() ? std::move(parsed).value() : Value::object();
        rec.key = call_key(rec.name, rec.args);
        rec.turn = s_.turn;
        s_.calls.push_back(std::move(rec));
      }
      break;
    case Role::tool: {
      // The call it answers: by id, else the oldest call of that tool still waiting.
      CallRecord *target = nullptr;
      for (auto &c : s_.calls) {
        if (!c.done && !m.tool_call_id.empty() && c.id == m.tool_call_id) target = &c;
      }
      if (target == nullptr) {
        for (auto &c : s_.calls) {
          if (!c.done && c.name == m.tool_name) {
            target = &c;
            break;
          }
        }
      }
      if (target == nullptr) break;
      target->done = true;
      auto parsed = json::parse(m.text);
      target->result = parsed.ok() ? std::move(parsed).value() : Value::object().set("error", m.text);
      target->error = m.tool_error || target->result.contains("error");
      break;
    }
    case Role::system:
      break;
  }
}

Decision Dialogue::next() const { return decide(s_); }

void Dialogue::user_turn(const std::string &text) {
  State &s = s_;
  if (s.turn > 0) {
    // What the previous reply asked: the decision this dialogue took then.
    const Decision d = decide(s);
    s.expect = d.calls.empty() ? d.expect : Expect::none;
    s.misunderstood = d.misunderstood ? s.misunderstood + 1 : 0;
    s.offer_reason = d.operator_reason;
    // A request answered with nothing more to ask is done: a "так" or "ні" that follows is not
    // about it.
    const bool finished = d.calls.empty() && (d.expect == Expect::none || d.expect == Expect::anything_else);
    if (s.goal == Goal::farewell || (finished && s.goal != Goal::none)) s.goal = Goal::none;
    // A station named in the same breath as the city ("у Києві на Оболоні") was matched once the
    // list came: keep it.
    if (s.station_id.empty() && (s.goal == Goal::fitting || s.goal == Goal::order)) {
      if (const CallRecord *st = stations_record(s)) {
        if (auto id = match_station(s.now.utterance, stations_of(*st), std::nullopt, false)) s.station_id = *id;
      }
    }
  }
  ++s.turn;
  s.now = State::Now{};
  s.now.text = text;
  if (auto l = detect_language(text)) s.lang = *l;
  const Expect e = s.expect;
  const Utterance u = make_utterance(text, s.lang, context_for(e));
  const Slots sl = extract_slots(u, {s.lang, s.today, e});
  const Intents in = detect_intents(u);
  s.now.intents = in;
  s.now.slots = sl;
  s.now.utterance = u;
  bool understood = false;

  // ---- what the utterance answers of the question asked ----
  const auto offers = latest_offers(s);
  std::optional<size_t> offer_pick;
  if (e == Expect::product || e == Expect::order_offer || in.has(Intent::buy) ||
      ((s.goal == Goal::search || s.goal == Goal::order) && sl.choice)) {
    offer_pick = match_offer(u, offers, sl.choice, sl.brand);
  }
  bool answers = false;
  switch (e) {
    case Expect::size:
      answers = sl.size || sl.diameter || !sl.vehicle.make.empty();
      break;
    case Expect::vehicle_model:
      answers = !sl.vehicle.model.empty() || sl.size.has_value() || (u.words.size() <= 3 && !in.substantive());
      break;
    case Expect::season:
      answers = sl.season || sl.any_season;
      break;
    case Expect::brand:
      answers = !sl.brand.empty() || sl.any_season || u.phrase_any({"будь-як*", "любой", "any", "будь як*"});
      break;
    case Expect::product:
      answers = offer_pick.has_value();
      break;
    case Expect::quantity:
      answers = sl.quantity || sl.answer == Answer::yes;
      break;
    case Expect::phone:
      answers = !sl.phone.empty();
      break;
    case Expect::delivery_type:
      answers = sl.delivery.has_value();
      break;
    case Expect::city:
      answers = !sl.city.empty();
      break;
    case Expect::address:
      answers = !sl.address.empty();
      break;
    case Expect::station:
      answers = !sl.city.empty() || sl.choice.has_value();
      if (const CallRecord *st = stations_record(s); st != nullptr && !answers) {
        answers = match_station(u, stations_of(*st), std::nullopt, false).has_value();
      }
      break;
    case Expect::payment:
      answers = sl.payment.has_value();
      break;
    case Expect::date:
      answers = sl.date.has_value();
      break;
    case Expect::time:
      answers = sl.time || sl.choice || sl.day_part != DayPart::none || sl.date;
      break;
    case Expect::booking_number:
    case Expect::order_number:
      answers = !sl.number.empty() || !sl.phone.empty();
      break;
    case Expect::diameter:
      answers = sl.diameter.has_value();
      break;
    case Expect::callback_time:
      answers = !u.words.empty() && !in.has(Intent::operator_);
      break;
    default:
      answers = sl.answer != Answer::none || sl.backchannel;
      break;
  }

  // ---- the goal ----
  Goal lead = Goal::none;
  bool strong = true;
  if (in.has(Intent::operator_)) {
    lead = Goal::operator_;
  } else if (in.has(Intent::callback)) {
    lead = Goal::callback;
  } else if (in.has(Intent::cancel_booking)) {
    lead = Goal::cancel;
  } else if (in.has(Intent::reschedule)) {
    lead = Goal::reschedule;
  } else if (in.has(Intent::order_status)) {
    lead = Goal::status;
  } else {
    strong = false;
    const bool flow =
        in.has(Intent::fitting) || in.has(Intent::buy) || in.has(Intent::availability) || in.has(Intent::fitting_price);
    if (in.has(Intent::fitting_price)) {
      lead = Goal::price;
    } else if (in.has(Intent::knowledge) && (in.has(Intent::question) || !flow)) {
      lead = Goal::knowledge;
    } else if (in.has(Intent::fitting)) {
      lead = Goal::fitting;
    } else if (in.has(Intent::buy)) {
      lead = Goal::order;
    } else if (in.has(Intent::availability)) {
      lead = Goal::availability;
    } else if (in.has(Intent::search)) {
      lead = Goal::search;
    } else if (in.has(Intent::price) && in.has(Intent::question) && !answers && s.goal == Goal::none) {
      lead = Goal::search;
    }
  }
  // Answering the question asked keeps the flow, unless the caller clearly asks for something else.
  if (answers && !strong && e != Expect::none && e != Expect::anything_else && !is_confirm(e) &&
      e != Expect::order_offer && e != Expect::fitting_offer &&
      !(e == Expect::product && (lead == Goal::availability || lead == Goal::order))) {
    lead = Goal::none;
  }
  if (is_confirm(e) && !strong && sl.answer != Answer::none) lead = Goal::none;
  if (lead != Goal::none && lead != s.goal) {
    // A new request: what was picked for the old one no longer applies.
    if (lead == Goal::search || lead == Goal::availability) s.product_id.clear();
    if (lead == Goal::fitting || lead == Goal::reschedule) s.time.reset();
    if (lead == Goal::knowledge) s.knowledge_query = u.norm;
    s.goal = lead;
    understood = true;
  } else if (lead != Goal::none) {
    understood = true;
    if (lead == Goal::knowledge) s.knowledge_query = u.norm;
  }

  // ---- a callback time: whatever the caller says is their preferred time ----
  if (e == Expect::callback_time && !strong && sl.answer != Answer::no && !u.words.empty() &&
      (lead == Goal::none || lead == Goal::knowledge || lead == Goal::search)) {
    lead = Goal::none;
    s.goal = Goal::callback;
    const bool bare_yes =
        sl.answer == Answer::yes && !sl.date && !sl.time && sl.day_part == DayPart::none && u.words.size() <= 2;
    s.preferred_time = bare_yes ? std::string() : sl.preferred_time;
    understood = true;
  }

  // ---- yes / no to what was asked ----
  // Not when the caller clearly asks for something else: the "please" of "can I speak to an
  // operator, please" after "Shall I place an order?" is no yes.
  if ((sl.answer != Answer::none || sl.backchannel) && !strong) {
    const bool yes = sl.answer == Answer::yes || (sl.answer == Answer::none && sl.backchannel);
    // No to what was offered: the goal is dropped, and the reply says so.
    auto decline = [&](Ack ack) {
      s.goal = Goal::none;
      s.now.ack = ack;
    };
    switch (e) {
      case Expect::order_offer:
        if (yes) {
          s.goal = Goal::order;
          if (s.product_id.empty()) {
            if (const CallRecord *a = s.latest("check_availability"); a != nullptr && a->turn == s.turn - 1) {
              s.product_id = str(a->result, "id");
            } else if (offers.size() == 1) {
              s.product_id = offers.front().id;
            } else if (const CallRecord *sr = latest_search(s); sr != nullptr && !s.brand.empty()) {
              s.product_id = offers_of(*sr).front().id;
            }
          }
        } else if (lead == Goal::none) {
          decline(Ack::offer_declined);
        }
        understood = true;
        break;
      case Expect::fitting_offer:
        if (yes) {
          s.goal = Goal::fitting;
        } else if (lead == Goal::none) {
          decline(Ack::offer_declined);
        }
        understood = true;
        break;
      case Expect::operator_offer:
        if (yes) {
          s.goal = Goal::operator_;
        } else if (lead == Goal::none) {
          decline(Ack::operator_declined);
        }
        understood = true;
        break;
      case Expect::callback_offer:
      case Expect::callback_time:
        if (sl.answer == Answer::no && lead == Goal::none) {
          decline(Ack::callback_declined);
        } else if (lead == Goal::none || lead == Goal::callback) {
          s.goal = Goal::callback;
        }
        understood = true;
        break;
      case Expect::anything_else:
        if (lead == Goal::none) {
          if (sl.answer == Answer::no) {
            s.goal = Goal::farewell;
          } else {
            s.goal = Goal::none;
            s.now.ack = Ack::listening;
          }
        }
        understood = true;
        break;
      case Expect::quantity:
        if (yes && !sl.quantity) s.quantity = 4;
        understood = true;
        break;
      case Expect::confirm_draft:
        if (sl.answer == Answer::no && lead == Goal::none) {
          s.product_id.clear();
          s.quantity.reset();
          decline(Ack::order_declined);
        }
        understood = true;
        break;
      case Expect::confirm_order:
        if (sl.answer == Answer::no && lead == Goal::none && !sl.payment && !sl.delivery) {
          s.payment.reset();
          s.delivery.reset();
          s.station_id.clear();
          s.address.clear();
          s.now.ack = Ack::order_change;
        }
        understood = true;
        break;
      case Expect::confirm_booking:
      case Expect::confirm_reschedule:
        if (sl.answer == Answer::no && lead == Goal::none && !sl.time && !sl.date) {
          s.time.reset();
          s.now.ack = Ack::booking_declined;
        }
        understood = true;
        break;
      case Expect::confirm_cancel:
        if (sl.answer == Answer::no && lead == Goal::none) {
          decline(Ack::cancel_declined);
        }
        understood = true;
        break;
      default:
        if (sl.backchannel && s.goal == Goal::none && lead == Goal::none) {
          s.now.ack = Ack::listening;
          understood = true;
        }
        break;
    }
  }

  // ---- courtesy ----
  if (!in.substantive() && lead == Goal::none && s.now.ack == Ack::none) {
    const bool done_with_question =
        e == Expect::none || e == Expect::anything_else || e == Expect::order_offer || e == Expect::fitting_offer;
    if (in.has(Intent::goodbye) || (in.has(Intent::thanks) && done_with_question && sl.answer != Answer::yes)) {
      s.goal = Goal::farewell;
      understood = true;
    } else if (in.has(Intent::greeting)) {
      understood = true;
    }
  }

  // ---- slots ----
  if (sl.size) {
    if (!s.size ||
        !(s.size->width == sl.size->width && s.size->profile == sl.size->profile && s.size->rim == sl.size->rim)) {
      s.product_id.clear();
    }
    s.size = sl.size;
    s.diameter = sl.size->rim;
    understood = true;
  } else if (sl.diameter) {
    s.diameter = sl.diameter;
    if (s.size && s.size->rim != *sl.diameter) s.size.reset();
    understood = true;
  }
  if (sl.season) {
    if (s.season != sl.season) s.product_id.clear();
    s.season = sl.season;
    s.any_season = false;
    understood = true;
  } else if (sl.any_season) {
    s.any_season = true;
    understood = true;
  }
  if (!sl.brand.empty() && !offer_pick) {
    s.brand = sl.brand;
    understood = true;
  } else if (e == Expect::brand && answers && sl.brand.empty()) {
    s.brand.clear();
    understood = true;
  }
  if (!sl.vehicle.make.empty()) {
    s.vehicle = sl.vehicle;
    if (!sl.size) s.size.reset();
    s.product_id.clear();
    understood = true;
  } else if (e == Expect::vehicle_model && !s.vehicle.make.empty() && !u.words.empty()) {
    s.vehicle.model = sl.vehicle.model.empty() ? u.words.front() : sl.vehicle.model;
    if (sl.vehicle.year) s.vehicle.year = sl.vehicle.year;
    understood = true;
  } else if (sl.vehicle.year && !s.vehicle.make.empty()) {
    s.vehicle.year = sl.vehicle.year;
    understood = true;
  }
  if (!sl.city.empty()) {
    if (sl.city != s.city) s.station_id.clear();
    s.city = sl.city;
    understood = true;
  }
  if (sl.date) {
    if (s.date != sl.date && !sl.time) s.time.reset();
    s.date = sl.date;
    understood = true;
  }
  if (sl.time) {
    s.time = sl.time;
    understood = true;
  }
  if (sl.day_part != DayPart::none) {
    s.day_part = sl.day_part;
    understood = true;
  }
  if (sl.quantity && (e == Expect::quantity || s.goal == Goal::order || offer_pick || in.has(Intent::buy))) {
    s.quantity = sl.quantity;
    understood = true;
  }
  if (!sl.phone.empty()) {
    s.phone = sl.phone;
    understood = true;
  }
  if (sl.payment && (e == Expect::payment || e == Expect::confirm_order || s.goal == Goal::order)) {
    s.payment = sl.payment;
    understood = true;
  }
  if (sl.delivery && (e == Expect::delivery_type || e == Expect::confirm_order || s.goal == Goal::order)) {
    if (s.delivery != sl.delivery) {
      s.station_id.clear();
      s.address.clear();
    }
    s.delivery = sl.delivery;
    understood = true;
  }
  if (sl.service) {
    s.service = sl.service;
    understood = true;
  }
  if (!sl.address.empty() && e == Expect::address) {
    s.address = sl.address;
    understood = true;
  }
  if (lead == Goal::callback && (sl.date || sl.time || sl.day_part != DayPart::none)) {
    s.preferred_time = u.norm;
  }
  if (!sl.number.empty()) {
    const bool booking = s.goal == Goal::cancel || s.goal == Goal::reschedule || e == Expect::booking_number;
    const bool order = s.goal == Goal::status || e == Expect::order_number || in.has(Intent::order_status);
    if (booking) {
      s.booking_number = sl.number;
      understood = true;
    } else if (order) {
      s.order_number = sl.number;
      understood = true;
    }
  }
  if (offer_pick && offer_pick < offers.size()) {
    s.product_id = offers[*offer_pick].id;
    if (s.goal != Goal::availability) s.goal = Goal::order;
    understood = true;
  }
  // Which station: by its name, district or street, or by order when a list was read.
  if ((s.goal == Goal::fitting || s.goal == Goal::order) && !s.city.empty()) {
    if (const CallRecord *st = stations_record(s)) {
      const auto stations = stations_of(*st);
      if (auto id = match_station(u, stations, sl.choice, e == Expect::station)) {
        s.station_id = *id;
        understood = true;
      }
    }
  }
  // Which time: "the first one", "in the morning", among the times offered.
  if (e == Expect::time && !sl.time && (sl.choice || sl.day_part != DayPart::none)) {
    for (auto it = s.calls.rbegin(); it != s.calls.rend(); ++it) {
      if (it->name != "get_fitting_slots" || !it->done || it->error) continue;
      const auto days = days_of(*it);
      const SlotDay *day = chosen_day(days, s.date);
      if (day == nullptr || day->times.empty()) break;
      if (sl.choice) {
        const int n = static_cast<int>(day->times.size());
        const int i = *sl.choice < 0 ? n + *sl.choice : *sl.choice;
        if (i >= 0 && i < n) s.time = day->times[static_cast<size_t>(i)];
      } else if (auto t = time_in_part(day->times, sl.day_part)) {
        s.time = *t;
      }
      understood = true;
      break;
    }
  }
  if (sl.answer != Answer::none && (is_confirm(e) || e == Expect::none)) understood = true;
  if (in.substantive()) understood = true;
  if (e == Expect::station && !understood && s.station_id.empty()) understood = false;
  // With nothing else to go on, a question is for the knowledge base.
  if (!understood && in.has(Intent::question) && utf8_length(u.norm) > 12 && s.can("search_knowledge_base")) {
    s.goal = Goal::knowledge;
    s.knowledge_query = u.norm;
    understood = true;
  }
  // A goal that needs a slot given without one yet: sizes and cars start a search.
  if (s.goal == Goal::none && s.now.ack == Ack::none &&
      (sl.size || (sl.diameter && e != Expect::diameter) || !sl.vehicle.make.empty() || sl.season ||
       !sl.brand.empty())) {
    s.goal = Goal::search;
  }
  s.now.understood = understood;
}

}  // namespace ca::agent::rule
