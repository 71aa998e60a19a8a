// What the rule-based agent says, in Ukrainian, Russian and English: short spoken sentences (at
// most about two) with the facts a tool returned. Numbers stay digits ("2150 грн", "205/55 R16",
// "10 березня", "9:00"): the session shapes them for speech. The persona is female in uk and ru.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/rule_agent/lexicon.hpp"
#include "store/calendar.hpp"
#include "store/store.hpp"

namespace ca::agent::rule {

struct Offer {
  std::string id;
  std::string name;  // "Michelin Alpin 6"
  std::string size;  // "205/55 R16 91H"
  std::string season;
  int price = 0;
  int stock = 0;
};

struct StationInfo {
  std::string id;
  std::string name;
  std::string district;
  std::string address;
  std::string hours;
};

struct PriceLine {
  std::string service;  // tire_change, balancing, full_service
  int per_wheel = 0;
  int per_set = 0;
};

struct OrderBrief {
  std::string id;
  std::string status;  // status name
  int total = 0;
  std::string estimated_delivery;  // YYYY-MM-DD or ""
};

class Replies {
 public:
  Replies(Lang lang, store::Day today) : lang_(lang), today_(today) {}
  Lang lang() const { return lang_; }

  // ---- formatting ----
  std::string price(int uah) const;                   // "2150 грн", "2150 UAH"
  std::string day(store::Day d) const;                // "вівторок, 10 березня" ("завтра, …")
  std::string day_month(store::Day d) const;          // "10 березня", "March 10"
  std::string iso_day(const std::string &iso) const;  // day() of "2026-03-10"; the text itself if not a date
  // For "on that day": uk "на п'ятницю, 13 березня", ru "на пятницу, 13 марта", en "on Friday,
  // March 13" ("tomorrow, March 10" without "on").
  std::string on_day(const std::string &iso) const;
  static std::string time(const std::string &hhmm);               // "09:00" → "9:00"
  std::string data(const std::string &s) const;                   // shop data (Ukrainian) made readable: Latin in en
  std::string list(const std::vector<std::string> &items) const;  // "a, b і c"
  std::string season_adj(store::Season s) const;                  // "зимових", "winter"
  std::string status_label(const std::string &status) const;
  std::string payment_label(store::PaymentMethod p) const;
  std::string service_label(const std::string &service) const;
  std::string service_acc(const std::string &service) const;  // after "на": "заміну шин"
  std::string confirm_q() const;                              // "Підтверджуєте?"

  // ---- general ----
  std::string greet_help() const;
  std::string how_can_help() const;
  std::string listening() const;
  std::string anything_else() const;
  std::string farewell() const;
  std::string you_are_welcome() const;
  std::string not_understood() const;
  std::string offer_operator_confused() const;
  std::string operator_declined() const;
  std::string too_many_rounds() const;
  std::string service_down() const;  // a tool failed: offers an operator
  std::string service_down_no_operator() const;
  std::string cannot_do() const;  // the tool is not available: offers an operator
  std::string cannot_do_no_operator() const;
  std::string no_operator() const;  // no transfer and no callback possible

  // ---- tyres ----
  std::string ask_size() const;
  std::string ask_model(const std::string &make) const;
  std::string ask_season() const;
  std::string ask_brand_again(const std::string &brand, const std::vector<std::string> &brands) const;
  std::string vehicle_unknown() const;
  std::string offers(int total, std::optional<store::Season> season, const std::string &size_text,
                     const std::string &vehicle, const std::vector<std::string> &vehicle_sizes,
                     const std::vector<Offer> &items) const;
  std::string none_found(std::optional<store::Season> season, const std::string &what) const;
  std::string which_offer(const std::vector<Offer> &items) const;
  // `price_heard`: the offer the caller chose from read its price.
  std::string in_stock(const Offer &o, std::optional<int> delivery_days, bool price_heard) const;
  std::string out_of_stock(const Offer &o, int delivery_days) const;
  std::string product_not_found() const;

  // ---- orders ----
  std::string ask_quantity(const std::string &name) const;
  std::string only_in_stock(int n) const;
  std::string ask_phone() const;
  std::string draft_summary(const std::string &tool_summary, const std::vector<std::pair<int, Offer>> &lines,
                            std::optional<int> total) const;
  std::string order_created(const std::string &order_id) const;  // + ask delivery type
  std::string ask_delivery_type() const;
  std::string ask_city_delivery() const;
  std::string ask_address() const;
  std::string ask_city_pickup() const;
  std::string delivery_set(bool pickup, int cost, int days, int total) const;  // + ask payment
  std::string ask_payment() const;
  std::string confirm_summary(const std::string &tool_summary, const std::string &order_id, bool pickup,
                              const std::string &where, int total, store::PaymentMethod pay) const;
  std::string order_confirmed(const std::string &order_id, const std::string &delivery_iso) const;
  std::string order_already(const std::string &order_id, const std::string &status) const;
  std::string order_declined() const;
  std::string order_change() const;
  std::string someone_elses(bool booking, bool offer_operator) const;

  // ---- order status ----
  std::string ask_order_number() const;
  std::string order_not_found(const std::string &id) const;
  std::string no_orders_for_phone() const;
  std::string order_status(const OrderBrief &o, int total_orders) const;

  // ---- fitting ----
  std::string ask_city_fitting() const;
  std::string no_stations(const std::string &city, const std::vector<std::string> &cities) const;
  std::string choose_station(const std::string &city, const std::vector<StationInfo> &stations) const;
  std::string ask_date() const;
  std::string slots_offer(const std::string &date_iso, const std::vector<std::string> &times, bool requested) const;
  std::string time_taken(const std::string &time, const std::string &date_iso,
                         const std::vector<std::string> &free) const;
  std::string no_slots(const std::string &date_iso) const;
  std::string booking_summary(const std::string &tool_summary, const StationInfo &station, const std::string &date_iso,
                              const std::string &time, const std::string &service, std::optional<int> price) const;
  std::string booked(const std::string &id) const;
  std::string booking_declined() const;
  std::string ask_booking_number() const;
  std::string booking_not_found(const std::string &id) const;
  std::string cancel_summary(const std::string &tool_summary, const std::string &id) const;
  std::string cancelled(const std::string &id) const;
  std::string cancel_declined() const;
  std::string ask_new_date() const;
  std::string reschedule_summary(const std::string &tool_summary, const std::string &id, const std::string &date_iso,
                                 const std::string &time) const;
  std::string rescheduled(const std::string &id, const std::string &date_iso, const std::string &time) const;
  std::string already_cancelled(const std::string &id) const;

  // ---- prices, knowledge, operator ----
  std::string ask_diameter() const;
  std::string fitting_prices(int diameter, const std::vector<PriceLine> &prices, const std::string &service) const;
  std::string kb_nothing(bool offer_operator) const;
  std::string after_hours(const std::string &tool_message) const;
  std::string callback_instead() const;
  std::string callback_done(const std::string &phone, const std::string &preferred_time) const;
  std::string callback_declined() const;

 private:
  const std::string &pick(const std::string &uk, const std::string &ru, const std::string &en) const;
  std::string pick(const char *uk, const char *ru, const char *en) const;

  Lang lang_;
  store::Day today_;
};

// First sentences of an article for the phone: Markdown (headings, bullets, emphasis) removed, at
// most `sentences` sentences and about `max_chars` characters, cut at a word.
std::string spoken_excerpt(const std::string &content, size_t sentences = 2, size_t max_chars = 240);

}  // namespace ca::agent::rule
