// One conformance suite for every streaming LLM provider — Anthropic, OpenAI-compatible, and the
// fallback chain in front of each — against local servers that speak the vendors' wire formats
// (tests/support/anthropic_server.hpp, openai_server.hpp). Then the chain's own behaviour across
// real providers: it moves on before the first token and not after it.
#include <doctest/doctest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>

#include "agent/rule_agent/rule_agent.hpp"
#include "callagent/callagent.h"
#include "capi/capi_internal.hpp"
#include "core/json.hpp"
#include "core/secrets.hpp"
#include "providers/anthropic/anthropic_llm.hpp"
#include "providers/llm_fallback.hpp"
#include "providers/openai/openai_llm.hpp"
#include "providers/registry.hpp"
#include "support/anthropic_server.hpp"
#include "support/openai_server.hpp"
#include "support/temp_dir.hpp"

using namespace ca;
using namespace ca::providers;
using ca::test::Delivery;
using ca::test::Gate;
using ca::test::LlmScript;
using ca::test::Reply;

namespace {

constexpr RequestId kId = 42;

// Everything a request's sink saw; `late` counts calls after the test cancelled.
struct RecordingSink final : LlmSink {
  std::mutex mu;
  std::condition_variable cv;
  std::string text;
  std::vector<agent::ToolCall> calls;
  int dones = 0, errors = 0, late = 0, wrong_id = 0;
  LlmUsage usage;
  std::string error;
  bool cancelled = false;
  std::function<void()> on_first_text;  // runs inside the first on_llm_text (the loop thread)

  void note(RequestId id) {
    if (cancelled) ++late;
    if (id != kId) ++wrong_id;
  }
  void on_llm_text(RequestId id, std::string_view d) override {
    std::function<void()> hook;
    {
      std::lock_guard l(mu);
      note(id);
      text += d;
      if (on_first_text) hook = std::exchange(on_first_text, nullptr);
      cv.notify_all();
    }
    if (hook) hook();
  }
  void on_llm_tool_call(RequestId id, agent::ToolCall c) override {
    std::lock_guard l(mu);
    note(id);
    calls.push_back(std::move(c));
  }
  void on_llm_done(RequestId id, LlmUsage u) override {
    std::lock_guard l(mu);
    note(id);
    ++dones;
    usage = u;
    cv.notify_all();
  }
  void on_llm_error(RequestId id, std::string m) override {
    std::lock_guard l(mu);
    note(id);
    ++errors;
    error = std::move(m);
    cv.notify_all();
  }
  bool wait_end() {
    std::unique_lock l(mu);
    return cv.wait_for(l, std::chrono::seconds(20), [&] { return dones + errors > 0; });
  }
  bool wait_text() {
    std::unique_lock l(mu);
    return cv.wait_for(l, std::chrono::seconds(20), [&] { return !text.empty() || dones + errors > 0; });
  }
  void mark_cancelled() {
    std::lock_guard l(mu);
    cancelled = true;
  }
};

void drain(NetRuntime &rt) {
  std::mutex mu;
  std::condition_variable cv;
  bool ran = false;
  rt.loop().post([&] {
    std::lock_guard l(mu);
    ran = true;
    cv.notify_all();
  });
  std::unique_lock l(mu);
  cv.wait_for(l, std::chrono::seconds(10), [&] { return ran; });
}

struct Knobs {
  int retries = 0;
  Nanos first_byte_timeout = seconds(15);
  std::string api_key = "test-key-0123456789";
};

LlmRequest booking_request() {
  LlmRequest r;
  r.id = kId;
  r.system_prompt = "Ти — оператор шиномонтажу.";
  r.messages = {
      {agent::Role::user, "Запишіть мене на завтра", {}, {}, {}, false},
      {agent::Role::assistant, "Хвилинку.", {{"call_1", "find_slots", R"({"date":"2025-05-01"})"}, {"call_2", "get_price", "{}"}}, {}, {}, false},
      {agent::Role::tool, R"({"slots":["10:00"]})", {}, "call_1", "find_slots", false},
      {agent::Role::tool, R"({"error":"timeout"})", {}, "call_2", "get_price", true},
      {agent::Role::user, "О десятій", {}, {}, {}, false},
  };
  r.tools = {{"find_slots", "Free slots", R"({"type":"object","properties":{"date":{"type":"string"}}})"}};
  return r;
}

LlmScript script(const std::string &eol = "\n") {
  LlmScript s;
  s.text = {"Добрий ", "день! ", "Є вільне вікно о 10:00."};
  s.tool_calls = {{"call_a", "book_slot", {R"({"date": "2025-)", R"(05-01", "ti)", R"(me": "10:00"})"}},
                  {"call_b", "get_price", {R"({"size":)", R"("205/55R16"})"}}};
  s.input_tokens = 120;
  s.output_tokens = 45;
  s.line_end = eol;
  return s;
}

bool same_json(const std::string &a, const std::string &b) {
  auto x = json::parse(a);
  auto y = json::parse(b);
  return x && y && json::dump(*x, {.sort_keys = true}) == json::dump(*y, {.sort_keys = true});
}

// ---- the vendors ----

struct Anthropic {
  using Server = test::AnthropicServer;
  static constexpr const char *name = "anthropic";
  static constexpr size_t first_text_events = 4;  // message_start, block start, ping, first delta
  static constexpr const char *server_error_type = "api_error";
  static constexpr const char *after_200_type = "overloaded_error";
  static std::shared_ptr<LlmProvider> make(Server &s, std::shared_ptr<NetRuntime> rt, const Knobs &k) {
    AnthropicOptions o;
    o.base_url = s.base_url();
    o.api_key = k.api_key;
    o.model = "claude-test";
    o.retries = k.retries;
    o.first_byte_timeout = k.first_byte_timeout;
    o.max_retry_after = seconds(5);
    return std::make_shared<AnthropicLlm>(o, std::move(rt));
  }
  static void check_request(const test::ReceivedRequest &r, const Knobs &k) {
    CHECK(r.method == "POST");
    CHECK(r.path == "/v1/messages");
    CHECK(r.header_value("x-api-key") == k.api_key);
    CHECK(r.header_value("anthropic-version") == "2023-06-01");
    CHECK(r.header_value("content-type") == "application/json");
    CHECK(r.header("authorization") == nullptr);
    const json::Value b = json::parse(r.body).value();
    CHECK(b["stream"].as_bool());
    CHECK(b["model"].str() == "claude-test");
    CHECK(b["max_tokens"].as_int() > 0);
    CHECK(b["system"].str() == "Ти — оператор шиномонтажу.");
    const auto &m = b["messages"].items();
    REQUIRE(m.size() == 3);
    CHECK(m[0]["role"].str() == "user");
    // The assistant's tool_use ids are answered, in the next user message, by tool_result blocks
    // that come before its text.
    const auto &a = m[1]["content"].items();
    REQUIRE(a.size() == 3);
    CHECK(a[1]["type"].str() == "tool_use");
    CHECK(a[1]["id"].str() == "call_1");
    CHECK(a[1]["input"]["date"].str() == "2025-05-01");
    CHECK(a[2]["id"].str() == "call_2");
    const auto &u = m[2]["content"].items();
    REQUIRE(u.size() == 3);
    CHECK(u[0]["type"].str() == "tool_result");
    CHECK(u[0]["tool_use_id"].str() == "call_1");
    CHECK(u[1]["tool_use_id"].str() == "call_2");
    CHECK(u[1]["is_error"].as_bool());
    CHECK(u[2]["type"].str() == "text");
    CHECK(b["tools"].items()[0]["input_schema"]["type"].str() == "object");
  }
};

struct OpenAI {
  using Server = test::OpenAIServer;
  static constexpr const char *name = "openai";
  static constexpr size_t first_text_events = 2;  // the role chunk, the first content
  static constexpr const char *server_error_type = "server_error";
  static constexpr const char *after_200_type = "server_error";
  static std::shared_ptr<LlmProvider> make(Server &s, std::shared_ptr<NetRuntime> rt, const Knobs &k) {
    OpenAIOptions o;
    o.base_url = s.base_url();
    o.api_key = k.api_key;
    o.model = "test-model";
    o.retries = k.retries;
    o.first_byte_timeout = k.first_byte_timeout;
    o.max_retry_after = seconds(5);
    return std::make_shared<OpenAILlm>(o, std::move(rt));
  }
  static void check_request(const test::ReceivedRequest &r, const Knobs &k) {
    CHECK(r.method == "POST");
    CHECK(r.path == "/v1/chat/completions");
    CHECK(r.header_value("authorization") == "Bearer " + k.api_key);
    CHECK(r.header_value("content-type") == "application/json");
    const json::Value b = json::parse(r.body).value();
    CHECK(b["stream"].as_bool());
    CHECK(b["stream_options"]["include_usage"].as_bool());
    const auto &m = b["messages"].items();
    REQUIRE(m.size() == 6);
    CHECK(m[0]["role"].str() == "system");
    CHECK(m[2]["role"].str() == "assistant");
    const auto &calls = m[2]["tool_calls"].items();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0]["id"].str() == "call_1");
    CHECK(calls[0]["type"].str() == "function");
    CHECK(same_json(std::string(calls[0]["function"]["arguments"].str()), R"({"date":"2025-05-01"})"));
    CHECK(m[3]["role"].str() == "tool");
    CHECK(m[3]["tool_call_id"].str() == "call_1");
    CHECK(m[4]["tool_call_id"].str() == "call_2");
    CHECK(m[5]["role"].str() == "user");
    CHECK(b["tools"].items()[0]["type"].str() == "function");
    CHECK(b["tools"].items()[0]["function"]["parameters"]["type"].str() == "object");
  }
};

// The vendor behind a one-element fallback chain: every rule must hold through it too.
template <typename V>
struct Chained : V {
  static std::shared_ptr<LlmProvider> make(typename V::Server &s, std::shared_ptr<NetRuntime> rt, const Knobs &k) {
    auto inner = V::make(s, rt, k);
    LlmFallbackOptions o;
    o.first_token_timeout = seconds(30);  // the member's own timeouts decide here
    return std::make_shared<LlmFallback>(std::vector<FallbackMember>{{V::name, inner}}, std::move(rt), o);
  }
};

template <typename V>
struct Fixture {
  typename V::Server server;
  std::mutex mu;
  std::vector<net::RetryNotice> retries;
  std::shared_ptr<NetRuntime> rt;
  Knobs knobs;
  std::shared_ptr<LlmProvider> provider;

  explicit Fixture(Knobs k = {}) : knobs(std::move(k)) {
    net::HttpClientOptions ho;
    ho.on_retry = [this](const net::RetryNotice &n) {
      std::lock_guard l(mu);
      retries.push_back(n);
    };
    rt = std::make_shared<NetRuntime>("t-llm", ho);
    provider = V::make(server, rt, knobs);
  }
  ~Fixture() { provider.reset(); }

  std::shared_ptr<RecordingSink> run(LlmRequest r = booking_request()) {
    auto sink = std::make_shared<RecordingSink>();
    provider->start(r, sink);
    REQUIRE(sink->wait_end());
    return sink;
  }
};

void check_answer(const RecordingSink &s, const LlmScript &sc) {
  CHECK(s.errors == 0);
  CHECK(s.error == "");
  CHECK(s.dones == 1);
  CHECK(s.wrong_id == 0);
  CHECK(s.text == sc.full_text());
  REQUIRE(s.calls.size() == sc.tool_calls.size());
  for (size_t i = 0; i < sc.tool_calls.size(); ++i) {
    CHECK(s.calls[i].id == sc.tool_calls[i].id);
    CHECK(s.calls[i].name == sc.tool_calls[i].name);
    CHECK(same_json(s.calls[i].arguments_json, sc.tool_calls[i].arguments()));
  }
  CHECK(s.usage.input_tokens == sc.input_tokens);
  CHECK(s.usage.output_tokens == sc.output_tokens);
}

}  // namespace

#define LLM_PROVIDERS Anthropic, OpenAI, Chained<Anthropic>, Chained<OpenAI>

TEST_CASE_TEMPLATE("llm conformance: text and tool calls arrive intact under any chunking", V, LLM_PROVIDERS) {
  Fixture<V> f;
  for (const char *eol : {"\n", "\r\n"}) {
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{0}}) {
      CAPTURE(chunk);
      CAPTURE(std::string(eol).size());
      const LlmScript sc = script(eol);
      Delivery d;
      d.chunk_size = chunk;
      f.server.push_stream(sc, d);
      auto sink = f.run();
      check_answer(*sink, sc);
    }
  }
}

TEST_CASE_TEMPLATE("llm conformance: the request is in the vendor's format, tool results paired with their calls", V,
                   LLM_PROVIDERS) {
  Fixture<V> f;
  f.server.push_stream(script());
  f.run();
  REQUIRE(f.server.requests().size() == 1);
  V::check_request(f.server.requests()[0], f.knobs);
}

TEST_CASE_TEMPLATE("llm conformance: cancel stops the transfer and nothing reaches the sink after", V, LLM_PROVIDERS) {
  Fixture<V> f;
  auto gate = std::make_shared<Gate>();
  Delivery d;
  d.gate = gate;
  d.gate_after = V::first_text_events;
  f.server.push_stream(script(), d);
  auto sink = std::make_shared<RecordingSink>();
  f.provider->start(booking_request(), sink);
  REQUIRE(sink->wait_text());
  CHECK(sink->text == "Добрий ");
  f.provider->cancel(kId);
  sink->mark_cancelled();
  // Once a task posted now has run on the loop, so has the transfer's cancellation; only then may
  // the server send the rest (else the whole answer could arrive first and the connection stay).
  drain(*f.rt);
  gate->open();
  CHECK(f.server.http().wait_for_peer_closes(1));
  f.provider->cancel(kId);  // again: a no-op
  std::lock_guard l(sink->mu);
  CHECK(sink->late == 0);
  CHECK(sink->dones + sink->errors == 0);
  CHECK(sink->text == "Добрий ");
}

TEST_CASE_TEMPLATE("llm conformance: cancel from inside the sink (the loop thread) takes effect at once", V,
                   LLM_PROVIDERS) {
  Fixture<V> f;
  f.server.push_stream(script());  // the whole answer at once: the rest is already in the buffer
  auto sink = std::make_shared<RecordingSink>();
  LlmProvider *p = f.provider.get();
  sink->on_first_text = [p, sink] {
    p->cancel(kId);
    sink->mark_cancelled();
  };
  f.provider->start(booking_request(), sink);
  REQUIRE(sink->wait_text());
  CHECK(f.server.http().wait_for_peer_closes(1));
  std::lock_guard l(sink->mu);
  CHECK(sink->late == 0);
  CHECK(sink->text == "Добрий ");
  CHECK(sink->calls.empty());
  CHECK(sink->dones + sink->errors == 0);
}

TEST_CASE_TEMPLATE("llm conformance: 429 is retried honouring Retry-After, then the answer streams", V, LLM_PROVIDERS) {
  Knobs k;
  k.retries = 2;
  Fixture<V> f(k);
  f.server.push_error(429, "rate_limit_error", "slow down", "1");
  f.server.push_stream(script());
  auto sink = f.run();
  check_answer(*sink, script());
  CHECK(f.server.requests().size() == 2);
  std::lock_guard l(f.mu);
  REQUIRE(f.retries.size() == 1);
  CHECK(f.retries[0].status == 429);
  CHECK(f.retries[0].from_retry_after);
  CHECK(f.retries[0].delay == seconds(1));
}

TEST_CASE_TEMPLATE("llm conformance: HTTP errors become errors naming the vendor's error type", V, LLM_PROVIDERS) {
  Fixture<V> f;
  SUBCASE("500") {
    f.server.push_error(500, V::server_error_type, "Internal server error");
    auto sink = f.run();
    CHECK(sink->errors == 1);
    CHECK(sink->error.find("HTTP 500") != std::string::npos);
    CHECK(sink->error.find(V::server_error_type) != std::string::npos);
  }
  SUBCASE("529 overloaded") {
    f.server.push_error(529, "overloaded_error", "Overloaded");
    auto sink = f.run();
    CHECK(sink->errors == 1);
    CHECK(sink->error.find("HTTP 529") != std::string::npos);
    CHECK(sink->error.find("overloaded_error") != std::string::npos);
  }
  SUBCASE("400 is not retried even when retries are allowed") {
    f.server.push_error(400, "invalid_request_error", "messages: roles must alternate");
    auto sink = f.run();
    CHECK(sink->error.find("invalid_request_error") != std::string::npos);
    CHECK(sink->error.find("roles must alternate") != std::string::npos);
    CHECK(f.server.requests().size() == 1);
  }
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE_TEMPLATE("llm conformance: an error after HTTP 200 ends the answer as an error", V, LLM_PROVIDERS) {
  Fixture<V> f;
  f.server.push_error_after_200(script());
  auto sink = f.run();
  CHECK(sink->text == script().full_text());
  CHECK(sink->errors == 1);
  CHECK(sink->dones == 0);
  CHECK(sink->error.find(V::after_200_type) != std::string::npos);
}

TEST_CASE_TEMPLATE("llm conformance: a stream cut mid-event is an error, never a done", V, LLM_PROVIDERS) {
  Fixture<V> f;
  const auto events = V::Server::events(script());
  for (auto framing : {Reply::Framing::chunked, Reply::Framing::until_close}) {
    for (size_t cut : {test::stream_size(events) / 2, test::stream_size(events) - 3, size_t{10}}) {
      CAPTURE(cut);
      Delivery d;
      d.cut_after = cut;
      d.framing = framing;
      d.chunk_size = 5;
      f.server.push_stream(script(), d);
      auto sink = f.run();
      CHECK(sink->errors == 1);
      CHECK(sink->dones == 0);
    }
  }
}

TEST_CASE_TEMPLATE("llm conformance: a stall past the first-byte timeout is an error", V, LLM_PROVIDERS) {
  Knobs k;
  k.first_byte_timeout = millis(200);
  Fixture<V> f(k);
  SUBCASE("no answer at all") {
    Reply r;
    r.stall = true;
    f.server.http().push(r);
  }
  SUBCASE("silence in the middle of the stream") {
    Delivery d;
    d.stall_after = 40;
    f.server.push_stream(script(), d);
  }
  auto sink = f.run();
  CHECK(sink->errors == 1);
  CHECK(sink->dones == 0);
  CHECK(sink->error.find("timeout") != std::string::npos);
  CHECK(f.server.http().wait_for_peer_closes(1));
}

TEST_CASE_TEMPLATE("llm conformance: the key never appears in an error text", V, LLM_PROVIDERS) {
  Knobs k;
  k.api_key = "sk-conformance-SECRET-0123456789abcdef";
  secrets::add(k.api_key);  // what resolve_api_key does for configured keys
  Fixture<V> f(k);
  f.server.push_error(401, "authentication_error", "invalid x-api-key: " + k.api_key);
  auto sink = f.run();
  CHECK(sink->errors == 1);
  CHECK(sink->error.find("authentication_error") != std::string::npos);
  CHECK(sink->error.find(k.api_key) == std::string::npos);
  CHECK(sink->error.find("[SECRET]") != std::string::npos);
}

TEST_CASE("openai: Ollama's whole tool calls, finish_reason stop, shared index 0, no usage chunk") {
  Fixture<OpenAI> f;
  test::OpenAIStyle st;
  st.whole_tool_calls = true;
  st.finish_reason = "stop";
  st.shared_index = true;
  st.usage_chunk = false;
  LlmScript sc = script();
  f.server.push_stream(sc, {}, st);
  auto sink = f.run();
  REQUIRE(sink->calls.size() == 2);
  CHECK(sink->calls[0].id == "call_a");
  CHECK(same_json(sink->calls[0].arguments_json, sc.tool_calls[0].arguments()));
  CHECK(sink->calls[1].id == "call_b");
  CHECK(sink->dones == 1);
  // Interleaved fragments of parallel calls, one byte at a time.
  st = {};
  st.interleave = true;
  Delivery d;
  d.chunk_size = 1;
  f.server.push_stream(sc, d, st);
  check_answer(*f.run(), sc);
}

TEST_CASE("openai: no Authorization header without a key (local servers)") {
  Knobs k;
  k.api_key = "";
  Fixture<OpenAI> f(k);
  f.server.push_stream(script());
  f.run();
  CHECK(f.server.requests().at(0).header("authorization") == nullptr);
}

// ---- the fallback chain across real providers ----

namespace {
struct TwoVendors {
  test::AnthropicServer a;
  test::OpenAIServer b;
  std::shared_ptr<NetRuntime> rt = std::make_shared<NetRuntime>("t-chain");
  std::shared_ptr<LlmFallback> chain;
  explicit TwoVendors(Nanos first_token_timeout = seconds(30), bool rule_agent_last = false) {
    std::vector<FallbackMember> m = {{"claude", Anthropic::make(a, rt, {})}, {"local", OpenAI::make(b, rt, {})}};
    if (rule_agent_last) m.push_back({"offline", std::make_shared<agent::RuleAgent>()});
    LlmFallbackOptions o;
    o.first_token_timeout = first_token_timeout;
    chain = std::make_shared<LlmFallback>(std::move(m), rt, o);
  }
  std::shared_ptr<RecordingSink> run() {
    auto sink = std::make_shared<RecordingSink>();
    chain->start(booking_request(), sink);
    REQUIRE(sink->wait_end());
    return sink;
  }
};
}  // namespace

TEST_CASE("fallback chain: a failure before the first token moves to the next vendor unnoticed") {
  TwoVendors t;
  SUBCASE("HTTP 529") { t.a.push_error(529, "overloaded_error", "Overloaded"); }
  SUBCASE("error event after 200, before any text") { t.a.push_error_after_200(LlmScript{}); }
  SUBCASE("cut before the first text") {
    Delivery d;
    d.cut_after = 30;
    t.a.push_stream(script(), d);
  }
  t.b.push_stream(script());
  auto sink = t.run();
  check_answer(*sink, script());
  CHECK(t.a.requests().size() == 1);
  CHECK(t.b.requests().size() == 1);
}

TEST_CASE("fallback chain: no first token in time: the stalled vendor's connection is closed, the next answers") {
  TwoVendors t(millis(200));
  Reply stall;
  stall.stall = true;
  t.a.http().push(stall);
  t.b.push_stream(script());
  auto sink = t.run();
  check_answer(*sink, script());
  CHECK(t.a.http().wait_for_peer_closes(1));
}

TEST_CASE("fallback chain: after the first token a failure is reported, not repeated by the next vendor") {
  TwoVendors t;
  t.a.push_error_after_200(script());
  t.b.push_stream(script());
  auto sink = t.run();
  CHECK(sink->text == script().full_text());
  CHECK(sink->errors == 1);
  CHECK(sink->error.find("overloaded_error") != std::string::npos);
  CHECK(t.b.requests().empty());
}

TEST_CASE("fallback chain: both vendors down, the rule agent answers") {
  TwoVendors t(seconds(30), true);
  t.a.push_error(500, "api_error");
  t.b.push_error(503, "server_error");
  auto sink = t.run();
  CHECK(sink->errors == 0);
  CHECK(sink->dones == 1);
  CHECK((!sink->text.empty() || !sink->calls.empty()));
}

TEST_CASE("factories: anthropic, openai and fallback from configuration options") {
  const auto &llm = builtin_factories().llm;
  test::AnthropicServer a;
  test::OpenAIServer b;
  FactoryArgs ant{"claude", json::Value()
                                .set("base_url", a.base_url())
                                .set("api_key_env", "CALLAGENT_TEST_NO_SUCH_VARIABLE")
                                .set("model", "claude-x"),
                  "test.toml:1"};
  auto missing = llm.at("anthropic")(ant);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("CALLAGENT_TEST_NO_SUCH_VARIABLE") != std::string::npos);
  ant.options.set("api_key", "factory-key-0123456789").set("max_tokens", 300).set("temperature", 0.2).set("timeout_ms", 20000);
  auto claude = llm.at("anthropic")(ant);
  REQUIRE(claude);
  FactoryArgs typo{"claude", json::Value().set("api_key", "k").set("max_token", 3), "test.toml:1"};
  CHECK_FALSE(llm.at("anthropic")(typo));

  FactoryArgs oa{"local", json::Value().set("base_url", b.base_url()).set("model", "qwen").set("api_key_env", "CALLAGENT_TEST_NO_SUCH_VARIABLE"), "test.toml:5"};
  auto local = llm.at("openai")(oa);
  REQUIRE(local);  // no key needed for a local server
  FactoryArgs official{"gpt", json::Value().set("api_key_env", "CALLAGENT_TEST_NO_SUCH_VARIABLE"), "test.toml:9"};
  CHECK_FALSE(llm.at("openai")(official));  // api.openai.com needs one

  FactoryArgs fb{"chain", json::Value().set("chain", json::Value::array().push("claude").push("local")).set("first_token_timeout_ms", 5000), "test.toml:12"};
  fb.find_llm = [&](std::string_view n) -> std::shared_ptr<LlmProvider> {
    if (n == "claude") return *claude;
    if (n == "local") return *local;
    return nullptr;
  };
  auto chain = llm.at("fallback")(fb);
  REQUIRE(chain);
  a.push_error(500, "api_error");
  b.push_stream(script());
  auto sink = std::make_shared<RecordingSink>();
  (*chain)->start(booking_request(), sink);
  REQUIRE(sink->wait_end());
  check_answer(*sink, script());
  CHECK(a.requests().at(0).header_value("x-api-key") == "factory-key-0123456789");
  CHECK(same_json(a.requests().at(0).body, a.requests().at(0).body));
  CHECK(json::parse(a.requests().at(0).body).value()["model"].str() == "claude-x");
  CHECK(json::parse(b.requests().at(0).body).value()["model"].str() == "qwen");

  fb.options.set("chain", json::Value::array().push("claude").push("nowhere"));
  auto bad = llm.at("fallback")(fb);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("nowhere") != std::string::npos);
}

TEST_CASE("configuration: [llm.*] anthropic, openai and a fallback chain over them load through the engine") {
  test::AnthropicServer a;
  test::OpenAIServer b;
  test::TempDir dir;
  const std::string path = dir.file("llm.toml");
  auto write = [&](const std::string &chain) {
    std::ofstream f(path);
    f << "[llm.claude]\ntype = \"anthropic\"\nbase_url = \"" << a.base_url()
      << "\"\napi_key = \"config-key-0123456789\"\nmodel = \"claude-cfg\"\nretries = 0\n"
      << "[llm.local]\ntype = \"openai\"\nbase_url = \"" << b.base_url() << "\"\nmodel = \"llama\"\n"
      << "[llm.offline]\ntype = \"rule_based\"\n"
      << "[llm.chain]\ntype = \"fallback\"\nchain = " << chain << "\nfirst_token_timeout_ms = 5000\n";
  };
  write(R"(["claude", "local", "offline"])");
  ca_engine_t *engine = nullptr;
  REQUIRE(ca_engine_create(nullptr, &engine) == CA_OK);
  const ca_status loaded = ca_engine_load_config(engine, path.c_str());
  INFO(std::string(ca_last_error()));
  REQUIRE(loaded == CA_OK);
  std::shared_ptr<LlmProvider> chain = capi::from(engine)->llm.at("chain");
  CHECK(chain->name() == "fallback");
  a.push_error(529, "overloaded_error", "Overloaded");
  b.push_stream(script());
  auto sink = std::make_shared<RecordingSink>();
  chain->start(booking_request(), sink);
  REQUIRE(sink->wait_end());
  check_answer(*sink, script());
  CHECK(json::parse(a.requests().at(0).body).value()["model"].str() == "claude-cfg");
  chain.reset();

  write(R"(["claude", "nowhere"])");
  CHECK(ca_engine_load_config(engine, path.c_str()) == CA_ERR_CONFIG);
  CHECK(std::string(ca_last_error()).find("nowhere") != std::string::npos);
  ca_engine_destroy(engine);
}
