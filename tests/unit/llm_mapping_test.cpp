// The Anthropic and OpenAI request bodies built from a conversation, and the stream decoders fed
// events directly (no network).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/json.hpp"
#include "providers/anthropic/anthropic_llm.hpp"
#include "providers/openai/openai_llm.hpp"

using namespace ca;
using namespace ca::providers;
using agent::Message;
using agent::Role;

namespace {

Message user(std::string t) { return Message{Role::user, std::move(t), {}, {}, {}, false}; }
Message assistant(std::string t, std::vector<agent::ToolCall> calls = {}) {
  return Message{Role::assistant, std::move(t), std::move(calls), {}, {}, false};
}
Message tool(std::string id, std::string name, std::string result, bool error = false) {
  return Message{Role::tool, std::move(result), {}, std::move(id), std::move(name), error};
}

LlmRequest booking_request() {
  LlmRequest r;
  r.id = 1;
  r.system_prompt = "You are a phone agent.";
  r.messages = {user("Запишіть мене на шиномонтаж"),
                assistant("Хвилинку.", {{"toolu_1", "find_slots", R"({"date":"2025-05-01"})"},
                                        {"toolu_2", "get_price", R"({"size":"205/55R16"})"}}),
                tool("toolu_1", "find_slots", R"({"slots":["10:00"]})"),
                tool("toolu_2", "get_price", R"({"error":"unknown size"})", true),
                user("О десятій")};
  r.tools = {{"find_slots", "Free fitting slots", R"({"type":"object","properties":{"date":{"type":"string"}}})"}};
  return r;
}

// A stream sink for the decoders.
struct Out final : LlmStreamOut {
  std::string text_;
  std::vector<agent::ToolCall> calls;
  int dones = 0;
  LlmUsage usage;
  std::string err;
  bool end = false;
  void text(std::string_view d) override {
    if (!end) text_ += d;
  }
  void tool_call(agent::ToolCall c) override {
    if (!end) calls.push_back(std::move(c));
  }
  void done(LlmUsage u) override {
    if (end) return;
    end = true;
    ++dones;
    usage = u;
  }
  void error(std::string m) override {
    if (end) return;
    end = true;
    err = std::move(m);
  }
  bool ended() const override { return end; }
};

void feed(LlmStreamDecoder &d, Out &out, const std::string &type, const std::string &data) {
  net::SseEvent e;
  e.type = type;
  e.data = data;
  d.on_event(e, out);
}

}  // namespace

TEST_CASE("anthropic body: system on top, tool_use blocks, tool results first and merged, user text after") {
  AnthropicOptions o;
  o.model = "claude-test";
  o.max_tokens = 300;
  o.temperature = 0.5;
  const json::Value body = anthropic_request_body(booking_request(), o);
  const json::Value want = json::parse(R"({
    "model":"claude-test","max_tokens":300,"stream":true,"system":"You are a phone agent.","temperature":0.5,
    "messages":[
      {"role":"user","content":"Запишіть мене на шиномонтаж"},
      {"role":"assistant","content":[
        {"type":"text","text":"Хвилинку."},
        {"type":"tool_use","id":"toolu_1","name":"find_slots","input":{"date":"2025-05-01"}},
        {"type":"tool_use","id":"toolu_2","name":"get_price","input":{"size":"205/55R16"}}]},
      {"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_1","content":"{\"slots\":[\"10:00\"]}"},
        {"type":"tool_result","tool_use_id":"toolu_2","content":"{\"error\":\"unknown size\"}","is_error":true},
        {"type":"text","text":"О десятій"}]}],
    "tools":[{"name":"find_slots","description":"Free fitting slots",
              "input_schema":{"type":"object","properties":{"date":{"type":"string"}}}}],
    "tool_choice":{"type":"auto"}})").value();
  CHECK(json::dump(body, {.sort_keys = true}) == json::dump(want, {.sort_keys = true}));
}

TEST_CASE("anthropic body: greeting first gets a user turn before it; missing results are filled, orphans dropped") {
  LlmRequest r;
  r.messages = {assistant("Добрий день!"), user("Привіт"), assistant("", {{"toolu_9", "book", "{}"}}),
                tool("toolu_404", "book", "stray"), user("Ну що?")};
  const json::Value body = anthropic_request_body(r, {});
  const auto &m = body["messages"].items();
  REQUIRE(m.size() == 5);
  CHECK(m[0]["role"].str() == "user");
  CHECK(m[1]["role"].str() == "assistant");
  CHECK(m[1]["content"].str() == "Добрий день!");
  CHECK(m[2]["role"].str() == "user");
  CHECK(m[3]["content"].items()[0]["type"].str() == "tool_use");
  const auto &last = m[4]["content"].items();
  REQUIRE(last.size() == 2);
  CHECK(last[0]["type"].str() == "tool_result");
  CHECK(last[0]["tool_use_id"].str() == "toolu_9");
  CHECK(last[0]["is_error"].as_bool());
  CHECK(last[1]["text"].str() == "Ну що?");
  CHECK_FALSE(body.contains("system"));
  CHECK_FALSE(body.contains("tools"));
}

TEST_CASE("openai body: system message, assistant tool_calls, role tool, usage requested") {
  OpenAIOptions o;
  o.base_url = "http://127.0.0.1:8080/v1";
  o.model = "qwen";
  const json::Value body = openai_request_body(booking_request(), o);
  const json::Value want = json::parse(R"({
    "model":"qwen","stream":true,"stream_options":{"include_usage":true},"max_tokens":1024,
    "messages":[
      {"role":"system","content":"You are a phone agent."},
      {"role":"user","content":"Запишіть мене на шиномонтаж"},
      {"role":"assistant","content":"Хвилинку.","tool_calls":[
        {"id":"toolu_1","type":"function","function":{"name":"find_slots","arguments":"{\"date\":\"2025-05-01\"}"}},
        {"id":"toolu_2","type":"function","function":{"name":"get_price","arguments":"{\"size\":\"205/55R16\"}"}}]},
      {"role":"tool","tool_call_id":"toolu_1","content":"{\"slots\":[\"10:00\"]}"},
      {"role":"tool","tool_call_id":"toolu_2","content":"{\"error\":\"unknown size\"}"},
      {"role":"user","content":"О десятій"}],
    "tools":[{"type":"function","function":{"name":"find_slots","description":"Free fitting slots",
              "parameters":{"type":"object","properties":{"date":{"type":"string"}}}}}],
    "tool_choice":"auto"})").value();
  CHECK(json::dump(body, {.sort_keys = true}) == json::dump(want, {.sort_keys = true}));
  o.base_url = "https://api.openai.com/v1";
  const json::Value official = openai_request_body(booking_request(), o);
  CHECK(official["max_completion_tokens"].as_int() == 1024);
  CHECK_FALSE(official.contains("max_tokens"));
  // An assistant turn with only tool calls has content null.
  LlmRequest r;
  r.messages = {user("x"), assistant("", {{"c1", "f", ""}}), tool("c1", "f", "ok")};
  const json::Value b = openai_request_body(r, o);
  CHECK(b["messages"].items()[1]["content"].is_null());
  CHECK(b["messages"].items()[1]["tool_calls"].items()[0]["function"]["arguments"].str() == "{}");
}

TEST_CASE("openai: the chat completions URL from a base URL") {
  CHECK(chat_completions_url("https://api.openai.com/v1") == "https://api.openai.com/v1/chat/completions");
  CHECK(chat_completions_url("https://api.openai.com") == "https://api.openai.com/v1/chat/completions");
  CHECK(chat_completions_url("http://localhost:11434/v1/") == "http://localhost:11434/v1/chat/completions");
  CHECK(chat_completions_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1/chat/completions");
  CHECK(chat_completions_url("http://h/v1/chat/completions") == "http://h/v1/chat/completions");
  CHECK(chat_completions_url("https://generativelanguage.googleapis.com/v1beta/openai") ==
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");
}

TEST_CASE("anthropic decoder: text, tool input joined and parsed at block stop, cumulative usage") {
  auto d = make_anthropic_decoder();
  Out out;
  feed(*d, out, "message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":40,"output_tokens":1}}})");
  feed(*d, out, "content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
  feed(*d, out, "ping", R"({"type":"ping"})");
  feed(*d, out, "content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"One "}})");
  feed(*d, out, "content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"moment."}})");
  feed(*d, out, "content_block_stop", R"({"type":"content_block_stop","index":0})");
  feed(*d, out, "content_block_start", R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"book","input":{}}})");
  feed(*d, out, "content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})");
  feed(*d, out, "content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"time\": \"19"}})");
  CHECK(out.calls.empty());  // not before content_block_stop
  feed(*d, out, "content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":":00\"}"}})");
  feed(*d, out, "some_future_event", R"({"type":"some_future_event"})");
  feed(*d, out, "content_block_stop", R"({"type":"content_block_stop","index":1})");
  feed(*d, out, "content_block_start", R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_10","name":"hangup","input":{}}})");
  feed(*d, out, "content_block_stop", R"({"type":"content_block_stop","index":2})");
  feed(*d, out, "message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":20}})");
  feed(*d, out, "message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":31}})");
  CHECK(out.dones == 0);
  feed(*d, out, "message_stop", R"({"type":"message_stop"})");
  CHECK(out.text_ == "One moment.");
  REQUIRE(out.calls.size() == 2);
  CHECK(out.calls[0].id == "toolu_9");
  CHECK(out.calls[0].name == "book");
  CHECK(out.calls[0].arguments_json == R"({"time":"19:00"})");
  CHECK(out.calls[1].arguments_json == "{}");
  CHECK(out.dones == 1);
  CHECK(out.usage.input_tokens == 40);
  CHECK(out.usage.output_tokens == 31);  // replaced, not 1 + 20 + 31
}

TEST_CASE("anthropic decoder: error event, broken tool input, end without message_stop") {
  {
    auto d = make_anthropic_decoder();
    Out out;
    feed(*d, out, "message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":1}}})");
    feed(*d, out, "error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
    CHECK(out.err.find("overloaded_error") != std::string::npos);
  }
  {
    auto d = make_anthropic_decoder();
    Out out;
    feed(*d, out, "content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"book","input":{}}})");
    feed(*d, out, "content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"ti"}})");
    feed(*d, out, "content_block_stop", R"({"type":"content_block_stop","index":0})");
    CHECK(out.err.find("not a JSON object") != std::string::npos);
  }
  {
    auto d = make_anthropic_decoder();
    Out out;
    feed(*d, out, "message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":1}}})");
    d->on_end(out);
    CHECK(out.err.find("message_stop") != std::string::npos);
  }
  {
    // No event: lines (a proxy dropped them): data.type still says what it is.
    auto d = make_anthropic_decoder();
    Out out;
    feed(*d, out, "message", R"({"type":"message_start","message":{"usage":{"input_tokens":1}}})");
    feed(*d, out, "message", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}})");
    feed(*d, out, "message", R"({"type":"message_stop"})");
    CHECK(out.text_ == "hi");
    CHECK(out.dones == 1);
  }
}

TEST_CASE("openai decoder: fragments by index, interleaved; finish_reason stop with tool calls; usage chunk") {
  auto d = make_openai_decoder();
  Out out;
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"content":"Зараз "},"finish_reason":null}]})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"content":"подивлюсь."},"finish_reason":null}]})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"book","arguments":""}}]}}]})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"price","arguments":"{\"si"}}]}}]})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"time\":"}}]}}]})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"ze\":\"R16\"}"}}]}}]})");
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"19:00\"}"}}]}}]})");
  CHECK(out.calls.empty());
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  REQUIRE(out.calls.size() == 2);
  CHECK(out.calls[0].id == "call_a");
  CHECK(out.calls[0].arguments_json == R"({"time":"19:00"})");
  CHECK(out.calls[1].name == "price");
  CHECK(out.calls[1].arguments_json == R"({"size":"R16"})");
  CHECK(out.dones == 0);
  feed(*d, out, "message", R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}})");
  feed(*d, out, "message", "[DONE]");
  CHECK(out.text_ == "Зараз подивлюсь.");
  CHECK(out.dones == 1);
  CHECK(out.usage.input_tokens == 12);
  CHECK(out.usage.output_tokens == 7);
}

TEST_CASE("openai decoder: whole calls in one chunk (Ollama), shared index 0 with distinct ids, no finish_reason") {
  auto d = make_openai_decoder();
  Out out;
  feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[
      {"index":0,"id":"call_1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}},
      {"index":0,"id":"call_2","type":"function","function":{"name":"b","arguments":"{}"}}]}}]})");
  feed(*d, out, "message", "[DONE]");
  REQUIRE(out.calls.size() == 2);
  CHECK(out.calls[0].name == "a");
  CHECK(out.calls[0].arguments_json == R"({"x":1})");
  CHECK(out.calls[1].id == "call_2");
  CHECK(out.dones == 1);
}

TEST_CASE("openai decoder: error object after 200; end without [DONE]") {
  {
    auto d = make_openai_decoder();
    Out out;
    feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})");
    feed(*d, out, "message", R"({"error":{"message":"boom","type":"server_error","code":null}})");
    CHECK(out.err.find("server_error") != std::string::npos);
    CHECK(out.err.find("boom") != std::string::npos);
  }
  {
    auto d = make_openai_decoder();
    Out out;
    feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})");
    d->on_end(out);
    CHECK(out.err.find("[DONE]") != std::string::npos);
  }
  {
    // A finished choice and a clean end without [DONE] (some servers): a complete answer.
    auto d = make_openai_decoder();
    Out out;
    feed(*d, out, "message", R"({"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]})");
    d->on_end(out);
    CHECK(out.dones == 1);
  }
}
