// A fallback chain of LLM providers, itself an LlmProvider: each request goes to the first
// provider whose circuit breaker admits it; a failure (an error, or no first token — a text delta
// or a tool call — within first_token_timeout) before the first token cancels that provider's
// request and moves on to the next one, and the caller's sink sees nothing of it. Once a token
// has reached the sink the answer is that provider's: a later failure is reported as the error it
// is (what was said stands, and is not said again by another provider). When every provider has
// failed or is open, the error names each one's reason. The rule-based agent, which never fails,
// makes a good last element.
//
// Every provider has its own breaker (5 consecutive failures open it for 30 s by default): an
// error or a first-token timeout is a failure, on_llm_done a success. A request the caller
// cancels before the first token settles nothing (a half-open probe counts as failed).
//
// The members are called with request ids of the chain's own (from 2^62 up, so they never meet
// a session's ids when a member is also used directly). Timers run on the NetRuntime's loop;
// sinks are called from whichever thread the member delivers on. After cancel() returns nothing
// more reaches the sink for that id.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "net/circuit_breaker.hpp"
#include "providers/net_runtime.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

struct LlmFallbackOptions {
  Nanos first_token_timeout = seconds(6);  // 0: wait for each provider's own timeouts
  int breaker_failures = 5;
  Nanos breaker_open_for = seconds(30);
  std::function<Nanos()> clock;  // for the breakers; monotonic when empty (tests pass their own)
};

struct FallbackMember {
  std::string name;  // for error texts and logs
  std::shared_ptr<LlmProvider> provider;
};

class LlmFallback final : public LlmProvider {
 public:
  LlmFallback(std::vector<FallbackMember> chain, std::shared_ptr<NetRuntime> runtime, LlmFallbackOptions options = {});
  // Cancels every request in flight (their sinks hear nothing more).
  ~LlmFallback() override;
  LlmFallback(const LlmFallback &) = delete;
  LlmFallback &operator=(const LlmFallback &) = delete;

  std::string_view name() const override { return "fallback"; }
  void start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) override;
  void cancel(RequestId id) override;

  net::CircuitBreaker::State breaker_state(size_t member) const;
  size_t active() const;

  struct Core;
  struct Run;

 private:
  std::shared_ptr<Core> core_;
};

// [llm.NAME] type = "fallback": chain = ["a", "b", ...] naming other [llm.*] sections,
// first_token_timeout_ms. `lookup` finds an already built provider by name (the engine builds
// fallback sections after every other section).
using LlmLookup = std::function<std::shared_ptr<LlmProvider>(std::string_view name)>;
Result<std::shared_ptr<LlmProvider>> make_llm_fallback(const FactoryArgs &args, const LlmLookup &lookup);

}  // namespace ca::providers
