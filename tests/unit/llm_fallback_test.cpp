// The fallback chain with in-process providers: moving on before the first token, standing by
// what was said after it, first-token timeouts, circuit breakers, cancellation.
#include "providers/llm_fallback.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "agent/rule_agent/rule_agent.hpp"

using namespace ca;
using namespace ca::providers;

namespace {

// A provider the test drives by hand; `mode` answers at once for the simple cases.
class FakeLlm final : public LlmProvider {
 public:
  enum class Mode { answer, fail, silent, text_then_silent };
  FakeLlm(std::string name, Mode mode) : name_(std::move(name)), mode_(mode) {}
  std::string_view name() const override { return name_; }
  void start(const LlmRequest &r, std::shared_ptr<LlmSink> sink) override {
    {
      std::lock_guard lock(mu_);
      ++starts;
      last_id = r.id;
      sinks_[r.id] = sink;
    }
    switch (mode_) {
      case Mode::answer:
        sink->on_llm_text(r.id, "from " + name_);
        sink->on_llm_done(r.id, {1, 2});
        break;
      case Mode::fail:
        sink->on_llm_error(r.id, name_ + " is down");
        break;
      case Mode::text_then_silent:
        sink->on_llm_text(r.id, "partial from " + name_);
        break;
      case Mode::silent:
        break;
    }
  }
  void cancel(RequestId id) override {
    std::lock_guard lock(mu_);
    cancelled.push_back(id);
  }
  std::shared_ptr<LlmSink> sink_for(RequestId id) {
    std::lock_guard lock(mu_);
    return sinks_[id];
  }
  void set_mode(Mode m) { mode_ = m; }

  int starts = 0;
  RequestId last_id = 0;
  std::vector<RequestId> cancelled;

 private:
  std::mutex mu_;
  std::string name_;
  Mode mode_;
  std::map<RequestId, std::shared_ptr<LlmSink>> sinks_;
};

struct Sink final : LlmSink {
  std::mutex mu;
  std::condition_variable cv;
  std::string text;
  std::vector<agent::ToolCall> calls;
  int dones = 0, errors = 0;
  std::string error;
  void on_llm_text(RequestId, std::string_view d) override {
    std::lock_guard l(mu);
    text += d;
  }
  void on_llm_tool_call(RequestId, agent::ToolCall c) override {
    std::lock_guard l(mu);
    calls.push_back(std::move(c));
  }
  void on_llm_done(RequestId, LlmUsage) override {
    std::lock_guard l(mu);
    ++dones;
    cv.notify_all();
  }
  void on_llm_error(RequestId, std::string m) override {
    std::lock_guard l(mu);
    ++errors;
    error = std::move(m);
    cv.notify_all();
  }
  bool wait_end() {
    std::unique_lock l(mu);
    return cv.wait_for(l, std::chrono::seconds(10), [&] { return dones + errors > 0; });
  }
};

LlmRequest req(RequestId id) {
  LlmRequest r;
  r.id = id;
  r.messages = {agent::Message{agent::Role::user, "hello", {}, {}, {}, false}};
  return r;
}

}  // namespace

TEST_CASE("fallback: a failure before the first token moves on without the sink noticing") {
  auto rt = std::make_shared<NetRuntime>("t-fb");
  auto a = std::make_shared<FakeLlm>("a", FakeLlm::Mode::fail);
  auto b = std::make_shared<FakeLlm>("b", FakeLlm::Mode::answer);
  LlmFallback chain({{"a", a}, {"b", b}}, rt);
  auto sink = std::make_shared<Sink>();
  chain.start(req(7), sink);
  REQUIRE(sink->wait_end());
  CHECK(sink->text == "from b");
  CHECK(sink->dones == 1);
  CHECK(sink->errors == 0);
  CHECK(a->starts == 1);
  CHECK(b->starts == 1);
  CHECK(a->last_id >= (RequestId{1} << 62));  // the chain's own ids, never the session's
  CHECK(chain.active() == 0);
}

TEST_CASE("fallback: after the first token a failure is the caller's error and nobody repeats it") {
  auto rt = std::make_shared<NetRuntime>("t-fb");
  auto a = std::make_shared<FakeLlm>("a", FakeLlm::Mode::text_then_silent);
  auto b = std::make_shared<FakeLlm>("b", FakeLlm::Mode::answer);
  LlmFallback chain({{"a", a}, {"b", b}}, rt);
  auto sink = std::make_shared<Sink>();
  chain.start(req(1), sink);
  CHECK(sink->text == "partial from a");
  a->sink_for(a->last_id)->on_llm_error(a->last_id, "a broke mid-answer");
  REQUIRE(sink->wait_end());
  CHECK(sink->errors == 1);
  CHECK(sink->error == "a broke mid-answer");
  CHECK(sink->text == "partial from a");
  CHECK(b->starts == 0);
}

TEST_CASE("fallback: no first token in time cancels that provider and asks the next; late words are dropped") {
  auto rt = std::make_shared<NetRuntime>("t-fb");
  auto a = std::make_shared<FakeLlm>("a", FakeLlm::Mode::silent);
  auto b = std::make_shared<FakeLlm>("b", FakeLlm::Mode::answer);
  LlmFallbackOptions o;
  o.first_token_timeout = millis(30);
  LlmFallback chain({{"a", a}, {"b", b}}, rt, o);
  auto sink = std::make_shared<Sink>();
  chain.start(req(1), sink);
  REQUIRE(sink->wait_end());
  CHECK(sink->text == "from b");
  REQUIRE(a->cancelled.size() == 1);
  CHECK(a->cancelled[0] == a->last_id);
  // The abandoned provider speaks up after all: nobody hears it.
  a->sink_for(a->last_id)->on_llm_text(a->last_id, "too late");
  a->sink_for(a->last_id)->on_llm_done(a->last_id, {});
  CHECK(sink->text == "from b");
  CHECK(sink->dones == 1);
}

TEST_CASE("fallback: every provider failing is one error naming each; the rule agent closes a chain") {
  auto rt = std::make_shared<NetRuntime>("t-fb");
  auto a = std::make_shared<FakeLlm>("a", FakeLlm::Mode::fail);
  auto b = std::make_shared<FakeLlm>("b", FakeLlm::Mode::fail);
  {
    LlmFallback chain({{"a", a}, {"b", b}}, rt);
    auto sink = std::make_shared<Sink>();
    chain.start(req(1), sink);
    REQUIRE(sink->wait_end());
    CHECK(sink->errors == 1);
    CHECK(sink->error.find("a: a is down") != std::string::npos);
    CHECK(sink->error.find("b: b is down") != std::string::npos);
  }
  {
    LlmFallback chain({{"a", a}, {"offline", std::make_shared<agent::RuleAgent>()}}, rt);
    auto sink = std::make_shared<Sink>();
    chain.start(req(2), sink);
    REQUIRE(sink->wait_end());
    CHECK(sink->dones == 1);
    CHECK(sink->errors == 0);
    CHECK((!sink->text.empty() || !sink->calls.empty()));
  }
}

TEST_CASE("fallback: five failures open a provider's circuit; after 30 s one probe goes through") {
  auto rt = std::make_shared<NetRuntime>("t-fb");
  auto a = std::make_shared<FakeLlm>("a", FakeLlm::Mode::fail);
  auto b = std::make_shared<FakeLlm>("b", FakeLlm::Mode::answer);
  Nanos now = seconds(1000);
  LlmFallbackOptions o;
  o.clock = [&] { return now; };
  LlmFallback chain({{"a", a}, {"b", b}}, rt, o);
  for (RequestId i = 1; i <= 5; ++i) {
    auto sink = std::make_shared<Sink>();
    chain.start(req(i), sink);
    REQUIRE(sink->wait_end());
    CHECK(sink->dones == 1);
  }
  CHECK(a->starts == 5);
  CHECK(chain.breaker_state(0) == net::CircuitBreaker::State::open);
  CHECK(chain.breaker_state(1) == net::CircuitBreaker::State::closed);
  auto sink = std::make_shared<Sink>();
  chain.start(req(6), sink);
  REQUIRE(sink->wait_end());
  CHECK(a->starts == 5);  // skipped without a request
  CHECK(sink->text == "from b");
  now += seconds(30);
  a->set_mode(FakeLlm::Mode::answer);
  auto probe = std::make_shared<Sink>();
  chain.start(req(7), probe);
  REQUIRE(probe->wait_end());
  CHECK(a->starts == 6);
  CHECK(probe->text == "from a");
  CHECK(chain.breaker_state(0) == net::CircuitBreaker::State::closed);
}

TEST_CASE("fallback: cancel stops the provider in use and nothing reaches the sink after") {
  auto rt = std::make_shared<NetRuntime>("t-fb");
  auto a = std::make_shared<FakeLlm>("a", FakeLlm::Mode::text_then_silent);
  LlmFallback chain({{"a", a}}, rt);
  auto sink = std::make_shared<Sink>();
  chain.start(req(3), sink);
  CHECK(sink->text == "partial from a");
  chain.cancel(3);
  REQUIRE(a->cancelled.size() == 1);
  a->sink_for(a->last_id)->on_llm_text(a->last_id, " more");
  a->sink_for(a->last_id)->on_llm_done(a->last_id, {});
  CHECK(sink->text == "partial from a");
  CHECK(sink->dones + sink->errors == 0);
  CHECK(chain.active() == 0);
  chain.cancel(3);  // again: nothing
  chain.cancel(99);
}
