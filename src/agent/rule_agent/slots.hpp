// Slot extraction for the rule-based agent: what a caller's utterance says about tyre sizes,
// seasons, brands, cars, cities, dates, times, quantities, numbers, phones, payment, delivery and
// yes/no — in Ukrainian, Russian and English, inflected forms included ("у Львові", "в Киеве",
// "на гольфі", "в п'ятницю", "next Monday", "at ten", "пів на третю").
//
// Pure functions of (utterance, what the bot asked, today): no state, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/rule_agent/lexicon.hpp"
#include "store/calendar.hpp"
#include "store/store.hpp"

namespace ca::agent::rule {

// What the bot's last reply asked for: it settles what a bare "так", "16" or "десять" means.
enum class Expect : uint8_t {
  none,
  size,           // tyre size (or the car)
  vehicle_model,  // the make is known, the model is not
  season,
  brand,
  product,      // which of the offers
  order_offer,  // "shall I order it?"
  quantity,
  phone,
  confirm_draft,  // the order summary was read
  delivery_type,
  city,
  address,
  station,  // which station (fitting or pickup)
  payment,
  confirm_order,
  date,
  time,
  confirm_booking,
  booking_number,
  confirm_cancel,
  confirm_reschedule,
  order_number,  // order number or phone
  diameter,
  fitting_offer,   // "shall I book a fitting?"
  operator_offer,  // "shall I connect you to an operator?"
  callback_offer,  // "shall an operator call you back?"
  callback_time,
  anything_else,  // "anything else?"
};

// The slot kinds that depend on Expect to be read at all.
text::Context context_for(Expect e);

enum class Answer : uint8_t { none, yes, no };
enum class DayPart : uint8_t { none, morning, afternoon, evening };
// A choice among listed things: an index from the start, or from the end when negative
// (-1 = the last, the dearest).
using Choice = std::optional<int>;

struct Vehicle {
  std::string make;   // "Volkswagen"
  std::string model;  // "Golf" (canonical when known, else as said)
  std::optional<int> year;
};

struct Slots {
  std::optional<text::TyreSize> size;  // a full size
  std::optional<int> diameter;         // from the size, or "R16", "16 радіус"
  std::optional<store::Season> season;
  bool any_season = false;  // "не важливо" when the season was asked
  std::string brand;        // catalogue name ("Michelin")
  Vehicle vehicle;          // make and/or model
  std::string city;         // canonical Ukrainian name ("Київ")
  std::optional<store::Day> date;
  std::optional<std::string> time;  // "HH:MM"
  DayPart day_part = DayPart::none;
  std::optional<int> quantity;
  std::string number;  // a 5–7 digit number: an order or a booking
  std::string phone;   // a placeholder ("[PHONE_1]") or E.164
  std::optional<store::PaymentMethod> payment;
  std::optional<store::DeliveryType> delivery;
  std::optional<store::Service> service;
  std::string address;  // only when the address was asked
  Choice choice;        // "перший", "the cheapest", "останній"
  Answer answer = Answer::none;
  bool backchannel = false;    // "ага", "угу", "ok" alone
  std::string preferred_time;  // for a callback: the caller's own words
};

struct SlotContext {
  Lang lang = Lang::uk;
  store::Day today{};
  Expect expect = Expect::none;
};

Slots extract_slots(const Utterance &u, const SlotContext &ctx);

// Each extractor alone, for tests and for rules that need one thing.
std::optional<int> find_diameter(const Utterance &u, Expect expect);
std::optional<store::Season> find_season(const Utterance &u);
std::string find_brand(const Utterance &u);
Vehicle find_vehicle(const Utterance &u, Expect expect);
std::string find_city(const Utterance &u);
std::optional<store::Day> find_date(const Utterance &u, store::Day today, Expect expect);
std::optional<std::string> find_time(const Utterance &u, Expect expect, DayPart *part = nullptr);
std::optional<int> find_quantity(const Utterance &u, Expect expect);
std::string find_phone(const Utterance &u);
Answer find_answer(const Utterance &u, bool *backchannel = nullptr);
Choice find_choice(const Utterance &u);

// The canonical Ukrainian city for a word ("києві" → "Київ"), "" when unknown.
std::string city_of_word(std::string_view folded_word);

}  // namespace ca::agent::rule
