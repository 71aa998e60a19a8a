// The rule-based agent: an LLM provider with no model behind it. Deterministic intent detection
// and slot filling in Ukrainian, Russian and English over the tyre shop's tools (search,
// availability, orders with confirmation, order status, fitting stations, slots and bookings,
// cancellations and moves, fitting prices, the knowledge base, operator transfer and callbacks).
// It is the offline default (no API keys) and the last resort of a fallback chain.
//
// Stateless: every request rebuilds the dialogue from its messages (see dialogue.hpp), so the
// same messages give the same answer and a recorded call replays exactly. It answers in the
// language of the caller's last message that shows one (і/ї/є/ґ → uk, ы/э/ъ/ё → ru, Latin → en),
// else the configured language. Only tools offered in the request are called.
//
// start() answers at once, on the caller's thread, through the sink: tool calls, or one text
// delta, then on_llm_done. cancel() has nothing to stop.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "agent/rule_agent/dialogue.hpp"
#include "providers/provider.hpp"
#include "text/lang.hpp"

namespace ca::agent {

struct RuleAgentOptions {
  text::Lang language = text::Lang::uk;  // when the caller's words do not tell
  // "Now", for what "завтра", "в п'ятницю" or "the 25th" mean. The registry passes the system
  // clock; tests a fixed one. Empty: 1970-01-01, which only tests that ignore dates may use.
  std::function<std::chrono::system_clock::time_point()> clock;
  std::string time_zone = "Europe/Kyiv";
};

class RuleAgent final : public providers::LlmProvider {
 public:
  explicit RuleAgent(RuleAgentOptions options = {});

  std::string_view name() const override { return "rule_based"; }
  void start(const providers::LlmRequest &request, std::shared_ptr<providers::LlmSink> sink) override;
  void cancel(providers::RequestId) override {}

  // What start() would do, for tests and tools.
  rule::Decision decide(const providers::LlmRequest &request) const;

 private:
  RuleAgentOptions opts_;
};

}  // namespace ca::agent
