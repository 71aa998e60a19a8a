// Intent detection for the rule-based agent: keyword and stem lists in Ukrainian, Russian and
// English (one list each, matched together: callers mix languages and recognisers mishear).
// An utterance may carry several intents ("дякую, а скільки коштує шиномонтаж?"); the dialogue
// decides which one leads.
#pragma once

#include <cstdint>

#include "agent/rule_agent/lexicon.hpp"

namespace ca::agent::rule {

enum class Intent : uint8_t {
  search,          // tyres: "потрібні зимові шини", "what tyres do you have"
  availability,    // "чи є в наявності", "in stock"
  buy,             // "хочу замовити", "беру", "I'll take"
  order_status,    // "де моє замовлення", "статус заказа"
  fitting,         // "записатися на шиномонтаж", "book a tyre change"
  fitting_price,   // "скільки коштує шиномонтаж"
  cancel_booking,  // "скасувати запис"
  reschedule,      // "перенести запис"
  knowledge,       // a question about tyres, the shop, policies
  operator_,       // "з'єднайте з оператором"
  callback,        // "передзвоніть мені"
  goodbye,         // "до побачення"
  thanks,          // "дякую"
  greeting,        // "добрий день"
  question,        // looks like a question ("?", "як", "what")
  price,           // asks for a price of something
};

class Intents {
 public:
  void add(Intent i) { bits_ |= 1u << static_cast<unsigned>(i); }
  void remove(Intent i) { bits_ &= ~(1u << static_cast<unsigned>(i)); }
  bool has(Intent i) const { return (bits_ & (1u << static_cast<unsigned>(i))) != 0; }
  bool empty() const { return bits_ == 0; }
  // Anything beyond courtesy (greeting, thanks, goodbye).
  bool substantive() const;

 private:
  uint32_t bits_ = 0;
};

Intents detect_intents(const Utterance &u);

}  // namespace ca::agent::rule
