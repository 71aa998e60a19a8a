#include "providers/anthropic/anthropic_llm.hpp"

#include <map>
#include <set>

#include "core/log.hpp"
#include "providers/credentials.hpp"

namespace ca::providers {

namespace {

// What the API is told when the conversation starts with the agent's greeting: the first message
// must be the user's.
constexpr std::string_view kCallStarted = "[the call is connected]";

// Tool arguments as the object the API wants; what the model produced is normally valid JSON,
// but a history must never make the request invalid.
json::Value arguments_object(const std::string &text) {
  if (auto v = json::parse(text.empty() ? "{}" : text); v && v->is_object()) return std::move(v).value();
  return json::Value::object();
}

struct Turn {
  std::string role;  // "user" | "assistant"
  json::Value blocks = json::Value::array();
};

bool is_tool_result(const json::Value &block) { return block["type"].str() == "tool_result"; }

}  // namespace

json::Value anthropic_request_body(const LlmRequest &request, const AnthropicOptions &options) {
  std::string system = request.system_prompt;
  std::vector<Turn> turns;
  auto turn_for = [&](const char *role) -> Turn & {
    if (turns.empty() || turns.back().role != role) turns.push_back(Turn{role, json::Value::array()});
    return turns.back();
  };
  for (const agent::Message &m : request.messages) {
    switch (m.role) {
      case agent::Role::system:
        if (!m.text.empty()) system += (system.empty() ? "" : "\n\n") + m.text;
        break;
      case agent::Role::user:
        if (!m.text.empty()) turn_for("user").blocks.push(json::Value().set("type", "text").set("text", m.text));
        break;
      case agent::Role::assistant: {
        json::Value blocks = json::Value::array();
        if (!m.text.empty()) blocks.push(json::Value().set("type", "text").set("text", m.text));
        for (const agent::ToolCall &c : m.tool_calls) {
          blocks.push(json::Value()
                          .set("type", "tool_use")
                          .set("id", c.id)
                          .set("name", c.name)
                          .set("input", arguments_object(c.arguments_json)));
        }
        if (blocks.size() == 0) break;  // an empty text block is a 400
        Turn &t = turn_for("assistant");
        for (const json::Value &b : blocks.items()) t.blocks.push(b);
        break;
      }
      case agent::Role::tool: {
        json::Value block = json::Value()
                                .set("type", "tool_result")
                                .set("tool_use_id", m.tool_call_id)
                                .set("content", m.text.empty() ? std::string("(no result)") : m.text);
        if (m.tool_error) block.set("is_error", true);
        // Results go before any text of the same user message.
        json::Array &blocks = turn_for("user").blocks.items_mut();
        auto at = blocks.begin();
        while (at != blocks.end() && is_tool_result(*at)) ++at;
        blocks.insert(at, std::move(block));
        break;
      }
    }
  }

  // Every tool_use needs its result in the very next user message, and a result needs its
  // tool_use in the message before: repair what a cut-short history left.
  for (size_t i = 0; i < turns.size(); ++i) {
    if (turns[i].role != "user") continue;
    std::set<std::string> asked;
    if (i > 0) {
      for (const json::Value &b : turns[i - 1].blocks.items())
        if (b["type"].str() == "tool_use") asked.insert(b["id"].as_string());
    }
    json::Array &blocks = turns[i].blocks.items_mut();
    std::erase_if(blocks, [&](const json::Value &b) {
      if (!is_tool_result(b) || asked.count(b["tool_use_id"].as_string()) != 0) return false;
      log::write(log::Level::warn, "", "anthropic: a tool result without its tool call is left out",
                 {{"tool_use_id", b["tool_use_id"].str()}});
      return true;
    });
  }
  for (size_t i = 0; i < turns.size(); ++i) {
    if (turns[i].role != "assistant") continue;
    std::vector<std::string> ids;
    for (const json::Value &b : turns[i].blocks.items())
      if (b["type"].str() == "tool_use") ids.push_back(b["id"].as_string());
    if (ids.empty()) continue;
    if (i + 1 == turns.size() || turns[i + 1].role != "user") turns.insert(turns.begin() + static_cast<std::ptrdiff_t>(i) + 1, Turn{"user", json::Value::array()});
    json::Array &blocks = turns[i + 1].blocks.items_mut();
    std::set<std::string> answered;
    for (const json::Value &b : blocks)
      if (is_tool_result(b)) answered.insert(b["tool_use_id"].as_string());
    size_t at = answered.size();
    for (const std::string &id : ids) {
      if (answered.count(id) != 0) continue;
      blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(at++), json::Value()
                                                                            .set("type", "tool_result")
                                                                            .set("tool_use_id", id)
                                                                            .set("content", "no result: the call was interrupted")
                                                                            .set("is_error", true));
    }
  }
  std::erase_if(turns, [](const Turn &t) { return t.blocks.size() == 0; });
  if (turns.empty() || turns.front().role != "user") {
    turns.insert(turns.begin(), Turn{"user", json::Value::array().push(json::Value().set("type", "text").set("text", kCallStarted))});
  }

  json::Value messages = json::Value::array();
  for (Turn &t : turns) {
    // A lone text block is sent as a plain string, the form the API's examples use.
    if (t.blocks.size() == 1 && t.blocks.items()[0]["type"].str() == "text") {
      messages.push(json::Value().set("role", t.role).set("content", t.blocks.items()[0]["text"]));
    } else {
      messages.push(json::Value().set("role", t.role).set("content", std::move(t.blocks)));
    }
  }

  json::Value body;
  body.set("model", options.model).set("max_tokens", options.max_tokens).set("stream", true);
  if (!system.empty()) body.set("system", system);
  if (options.temperature) body.set("temperature", *options.temperature);
  body.set("messages", std::move(messages));
  if (!request.tools.empty()) {
    json::Value tools = json::Value::array();
    for (const agent::ToolSchema &t : request.tools) {
      json::Value schema = arguments_object(t.parameters_json);
      if (!schema.contains("type")) schema.set("type", "object");
      json::Value tool;
      tool.set("name", t.name);
      if (!t.description.empty()) tool.set("description", t.description);
      tool.set("input_schema", std::move(schema));
      tools.push(std::move(tool));
    }
    body.set("tools", std::move(tools)).set("tool_choice", json::Value().set("type", "auto"));
  }
  return body;
}

namespace {

class AnthropicDecoder final : public LlmStreamDecoder {
 public:
  void on_event(const net::SseEvent &event, LlmStreamOut &out) override {
    if (event.type == "ping") return;
    auto parsed = json::parse(event.data);
    if (!parsed) {
      out.error("a malformed " + event.type + " event: " + parsed.error().message);
      return;
    }
    const json::Value &v = *parsed;
    // data.type == event name; a proxy that drops `event:` lines still leaves the type.
    const std::string type = event.type != "message" ? event.type : std::string(v["type"].str());
    if (type == "error") {
      const json::Value &e = v["error"];
      std::string kind(e["type"].str("error"));
      std::string message(e["message"].str());
      out.error("error event after HTTP 200: " + kind + (message.empty() ? "" : ": " + message));
    } else if (type == "message_start") {
      const json::Value &u = v["message"]["usage"];
      usage_.input_tokens = u["input_tokens"].as_int() + u["cache_creation_input_tokens"].as_int() +
                            u["cache_read_input_tokens"].as_int();
      usage_.output_tokens = u["output_tokens"].as_int();
      started_ = true;
    } else if (type == "content_block_start") {
      const json::Value &cb = v["content_block"];
      Block b;
      b.type = std::string(cb["type"].str());
      b.id = std::string(cb["id"].str());
      b.name = std::string(cb["name"].str());
      blocks_[v["index"].as_int()] = std::move(b);
    } else if (type == "content_block_delta") {
      const json::Value &d = v["delta"];
      const std::string_view kind = d["type"].str();
      if (kind == "text_delta") {
        out.text(d["text"].str());
      } else if (kind == "input_json_delta") {
        auto it = blocks_.find(v["index"].as_int());
        if (it == blocks_.end()) {
          out.error("input_json_delta for a block that was never started");
          return;
        }
        it->second.json.append(d["partial_json"].str());
      }
      // thinking_delta, signature_delta, citations_delta: nothing to say aloud.
    } else if (type == "content_block_stop") {
      auto it = blocks_.find(v["index"].as_int());
      if (it == blocks_.end()) return;
      Block b = std::move(it->second);
      blocks_.erase(it);
      if (b.type != "tool_use") return;
      // A tool without parameters streams no fragment at all (or one empty one).
      auto input = json::parse(b.json.empty() ? std::string("{}") : b.json);
      if (!input || !input->is_object()) {
        out.error("the input of tool " + b.name + " is not a JSON object");
        return;
      }
      if (b.id.empty() || b.name.empty()) {
        out.error("a tool_use block without id or name");
        return;
      }
      out.tool_call(agent::ToolCall{b.id, b.name, json::dump(*input)});
    } else if (type == "message_delta") {
      const json::Value &u = v["usage"];
      // Cumulative counts: they replace, never add.
      if (const json::Value *o = u.find("output_tokens"); o && o->is_integer()) usage_.output_tokens = o->as_int();
      if (const json::Value *i = u.find("input_tokens"); i && i->is_integer() && i->as_int() > 0)
        usage_.input_tokens = i->as_int() + u["cache_creation_input_tokens"].as_int() + u["cache_read_input_tokens"].as_int();
      stop_reason_ = std::string(v["delta"]["stop_reason"].str());
    } else if (type == "message_stop") {
      if (!started_) {
        out.error("message_stop without message_start");
        return;
      }
      if (stop_reason_ == "max_tokens") {
        log::write(log::Level::warn, "", "anthropic: the answer was cut at max_tokens",
                   {{"output_tokens", usage_.output_tokens}});
      }
      out.done(usage_);
    }
    // Anything else (new event types) is ignored, as the API asks.
  }

  void on_end(LlmStreamOut &out) override { out.error("the stream ended before message_stop"); }

 private:
  struct Block {
    std::string type, id, name, json;
  };
  std::map<int64_t, Block> blocks_;
  LlmUsage usage_;
  bool started_ = false;
  std::string stop_reason_;
};

}  // namespace

std::unique_ptr<LlmStreamDecoder> make_anthropic_decoder() { return std::make_unique<AnthropicDecoder>(); }

AnthropicLlm::AnthropicLlm(AnthropicOptions options, std::shared_ptr<NetRuntime> runtime)
    : opts_(std::move(options)), runner_(std::move(runtime), "anthropic (" + opts_.model + ")") {
  while (!opts_.base_url.empty() && opts_.base_url.back() == '/') opts_.base_url.pop_back();
}

void AnthropicLlm::start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) {
  net::HttpRequest http;
  http.method = "POST";
  http.url = opts_.base_url + "/v1/messages";
  http.headers = {{"x-api-key", opts_.api_key},
                  {"anthropic-version", "2023-06-01"},
                  {"content-type", "application/json"},
                  {"accept", "text/event-stream"},
                  {"Idempotency-Key", idempotency_key("llm-")}};
  if (opts_.api_key.empty()) http.headers.erase(http.headers.begin());
  http.body = json::dump(anthropic_request_body(request, opts_));
  http.timeouts.total = opts_.timeout;
  http.timeouts.first_byte = opts_.first_byte_timeout;
  http.timeouts.idle = opts_.first_byte_timeout;
  http.retry.max_attempts = opts_.retries + 1;
  http.retry.statuses = {408, 409, 429, 500, 502, 503, 504, 529};
  http.retry.max_retry_after = opts_.max_retry_after;
  runner_.start(request.id, std::move(http), make_anthropic_decoder(), std::move(sink));
}

void AnthropicLlm::cancel(RequestId id) { runner_.cancel(id); }

Result<std::shared_ptr<LlmProvider>> make_anthropic_llm(const FactoryArgs &args) {
  AnthropicOptions o;
  if (auto r = read_http_llm_options(args, o); !r) return r.error();
  auto key = resolve_api_key(args, "ANTHROPIC_API_KEY", true);
  if (!key) return key.error();
  o.api_key = *key;
  return std::shared_ptr<LlmProvider>(std::make_shared<AnthropicLlm>(std::move(o), NetRuntime::shared()));
}

}  // namespace ca::providers
