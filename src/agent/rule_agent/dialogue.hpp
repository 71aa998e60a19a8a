// The rule-based agent's dialogue: the state of the call folded from the messages (what the caller
// said, which tools ran and what they returned), and the next action — a tool call or a reply.
//
// Nothing is kept between requests: every round the state is rebuilt from the messages, so the
// agent is deterministic and a recorded call replays exactly. What the bot asked last (it settles
// what a bare "так" or "десять" means) is recomputed the same way: the decision the agent would
// have taken at the end of the previous turn.
//
// Facts the agent says come only from tool results found in the messages; slots come only from
// what the caller said.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/message.hpp"
#include "agent/rule_agent/intents.hpp"
#include "agent/rule_agent/replies.hpp"
#include "agent/rule_agent/slots.hpp"
#include "core/json.hpp"

namespace ca::agent::rule {

enum class Goal : uint8_t {
  none,
  search,
  availability,
  order,
  status,
  fitting,
  cancel,
  reschedule,
  price,
  knowledge,
  operator_,
  callback,
  farewell,
};

// What a reply acknowledges before it goes on: the caller's "no" to a summary, and the like.
enum class Ack : uint8_t {
  none,
  order_declined,
  order_change,
  booking_declined,
  cancel_declined,
  operator_declined,
  callback_declined,
  listening,
  offer_declined,
};

// One tool call of the conversation and its result.
struct CallRecord {
  std::string id;
  std::string name;
  json::Value args;
  std::string key;  // name + canonical arguments
  bool done = false;
  bool error = false;
  json::Value result;
  int turn = 0;  // the caller's turn it was made in
};

struct PlannedCall {
  std::string name;
  json::Value args;
};

struct Decision {
  std::string text;
  std::vector<PlannedCall> calls;
  Expect expect = Expect::none;
  bool misunderstood = false;
  std::string operator_reason;  // when the reply offers an operator: why
};

struct State {
  Lang lang = Lang::uk;
  store::Day today{};
  std::set<std::string, std::less<>> tools;  // what the request offers
  int turn = 0;                              // the caller's turns so far
  Goal goal = Goal::none;
  Expect expect = Expect::none;  // what the previous reply asked
  int misunderstood = 0;         // replies in a row that said "did not understand"
  std::string offer_reason;      // why the previous reply offered an operator

  // Slots: what the caller said, the latest value wins.
  std::optional<text::TyreSize> size;
  std::optional<int> diameter;
  std::optional<store::Season> season;
  bool any_season = false;
  std::string brand;
  Vehicle vehicle;
  std::string city;
  std::optional<store::Day> date;
  std::optional<std::string> time;
  DayPart day_part = DayPart::none;
  std::optional<int> quantity;
  std::string order_number;
  std::string booking_number;
  std::string phone;
  std::optional<store::PaymentMethod> payment;
  std::optional<store::DeliveryType> delivery;
  std::optional<store::Service> service;
  std::string address;
  std::string preferred_time;
  std::string product_id;
  std::string station_id;
  std::string knowledge_query;

  // The current turn.
  struct Now {
    std::string text;
    Utterance utterance;
    Intents intents;
    Slots slots;
    bool understood = false;
    Ack ack = Ack::none;
  } now;

  std::vector<CallRecord> calls;

  bool can(std::string_view tool) const { return tools.count(tool) != 0; }
  // The latest finished call with these arguments (an error only from this turn: a failure is
  // worth retrying later).
  const CallRecord *find(std::string_view name, const json::Value &args) const;
  // The latest finished call with this key, failed or not, from any turn.
  const CallRecord *find(const std::string &key) const;
  // The latest finished, successful call of a tool.
  const CallRecord *latest(std::string_view name) const;
  bool made_this_turn(const PlannedCall &c) const;
  Replies replies() const { return Replies(lang, today); }
};

std::string call_key(std::string_view name, const json::Value &args);

class Dialogue {
 public:
  Dialogue(Lang language, store::Day today, std::set<std::string, std::less<>> tools);

  // The messages in order: caller turns, the agent's tool calls, their results. The agent's own
  // text needs no reading: it is what this dialogue decided.
  void add(const Message &m);
  // What to do now: a reply, or tools to call first.
  Decision next() const;
  const State &state() const { return s_; }

 private:
  void user_turn(const std::string &text);

  State s_;
};

}  // namespace ca::agent::rule
