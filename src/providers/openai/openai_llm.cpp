#include "providers/openai/openai_llm.hpp"

#include <map>
#include <vector>

#include "core/log.hpp"
#include "providers/credentials.hpp"

namespace ca::providers {

namespace {

bool is_openai_host(std::string_view url) {
  return url.starts_with("https://api.openai.com/") || url == "https://api.openai.com";
}

// "/v1", "/v2", "/v1beta/openai" ...: the base already names the API version.
bool ends_in_version(std::string_view url) {
  if (url.ends_with("/openai")) return true;
  const size_t slash = url.rfind('/');
  if (slash == std::string_view::npos || slash + 2 > url.size()) return false;
  const std::string_view last = url.substr(slash + 1);
  return last.size() >= 2 && last[0] == 'v' && last[1] >= '0' && last[1] <= '9';
}

}  // namespace

std::string chat_completions_url(std::string_view base_url) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/chat/completions")) return url;
  // Only the path counts: "http://host:8080" has no version.
  const size_t scheme = url.find("://");
  const size_t path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  if (path != std::string::npos && ends_in_version(url)) return url + "/chat/completions";
  return url + "/v1/chat/completions";
}

json::Value openai_request_body(const LlmRequest &request, const OpenAIOptions &options) {
  json::Value messages = json::Value::array();
  std::string system = request.system_prompt;
  for (const agent::Message &m : request.messages)
    if (m.role == agent::Role::system && !m.text.empty()) system += (system.empty() ? "" : "\n\n") + m.text;
  if (!system.empty()) messages.push(json::Value().set("role", "system").set("content", system));
  for (const agent::Message &m : request.messages) {
    switch (m.role) {
      case agent::Role::system:
        break;
      case agent::Role::user:
        messages.push(json::Value().set("role", "user").set("content", m.text));
        break;
      case agent::Role::assistant: {
        if (m.text.empty() && m.tool_calls.empty()) break;
        json::Value msg;
        msg.set("role", "assistant").set("content", m.text.empty() ? json::Value() : json::Value(m.text));
        if (!m.tool_calls.empty()) {
          json::Value calls = json::Value::array();
          for (const agent::ToolCall &c : m.tool_calls) {
            calls.push(json::Value()
                           .set("id", c.id)
                           .set("type", "function")
                           .set("function", json::Value()
                                                .set("name", c.name)
                                                .set("arguments", c.arguments_json.empty() ? "{}" : c.arguments_json)));
          }
          msg.set("tool_calls", std::move(calls));
        }
        messages.push(std::move(msg));
        break;
      }
      case agent::Role::tool:
        messages.push(json::Value()
                          .set("role", "tool")
                          .set("tool_call_id", m.tool_call_id)
                          .set("content", m.text.empty() ? std::string("(no result)") : m.text));
        break;
    }
  }

  json::Value body;
  body.set("model", options.model)
      .set("stream", true)
      .set("stream_options", json::Value().set("include_usage", true))
      .set("messages", std::move(messages));
  body.set(is_openai_host(options.base_url) ? "max_completion_tokens" : "max_tokens", options.max_tokens);
  if (options.temperature) body.set("temperature", *options.temperature);
  if (!request.tools.empty()) {
    json::Value tools = json::Value::array();
    for (const agent::ToolSchema &t : request.tools) {
      auto schema = json::parse(t.parameters_json.empty() ? "{}" : t.parameters_json);
      json::Value params = schema && schema->is_object() ? std::move(schema).value() : json::Value::object();
      if (!params.contains("type")) params.set("type", "object");
      json::Value fn;
      fn.set("name", t.name);
      if (!t.description.empty()) fn.set("description", t.description);
      fn.set("parameters", std::move(params));
      tools.push(json::Value().set("type", "function").set("function", std::move(fn)));
    }
    body.set("tools", std::move(tools)).set("tool_choice", "auto");
  }
  return body;
}

namespace {

class OpenAIDecoder final : public LlmStreamDecoder {
 public:
  void on_event(const net::SseEvent &event, LlmStreamOut &out) override {
    if (event.data == "[DONE]") {
      finish(out);
      if (!out.ended()) out.done(usage_);
      return;
    }
    auto parsed = json::parse(event.data);
    if (!parsed) {
      out.error("a malformed chunk: " + parsed.error().message);
      return;
    }
    const json::Value &v = *parsed;
    if (const json::Value *e = v.find("error"); e != nullptr && !e->is_null()) {
      std::string kind(e->is_object() ? (*e)["type"].str() : std::string_view());
      if (kind.empty() && e->is_object() && (*e)["code"].is_string()) kind = (*e)["code"].as_string();
      const std::string message(e->is_object() ? (*e)["message"].str() : e->str());
      out.error("error after HTTP 200: " + (kind.empty() ? std::string("error") : kind) +
                (message.empty() ? "" : ": " + message));
      return;
    }
    if (const json::Value &u = v["usage"]; u.is_object()) {
      usage_.input_tokens = u["prompt_tokens"].as_int();
      usage_.output_tokens = u["completion_tokens"].as_int();
    }
    for (const json::Value &choice : v["choices"].items()) {
      if (choice["index"].as_int() != 0) continue;  // n = 1: only the first choice is ours
      const json::Value &delta = choice["delta"];
      if (delta["content"].is_string()) out.text(delta["content"].str());
      for (const json::Value &tc : delta["tool_calls"].items()) {
        gather(tc, out);
        if (out.ended()) return;
      }
      if (choice["finish_reason"].is_string()) {
        finished_ = true;
        finish(out);
        if (out.ended()) return;
      }
    }
  }

  void on_end(LlmStreamOut &out) override {
    // Some servers close the stream without [DONE]; a finished choice is a complete answer.
    if (!finished_) {
      out.error("the stream ended before [DONE]");
      return;
    }
    finish(out);
    if (!out.ended()) out.done(usage_);
  }

 private:
  struct Call {
    std::string id, name, arguments;
  };

  void gather(const json::Value &tc, LlmStreamOut &out) {
    const int64_t index = tc.find("index") ? tc["index"].as_int() : -1;
    const std::string id(tc["id"].str());
    const json::Value &fn = tc["function"];
    size_t slot;
    auto at = by_index_.find(index);
    const bool new_call = at == by_index_.end() ||
                          (!id.empty() && !calls_[at->second].id.empty() && calls_[at->second].id != id);
    if (new_call) {
      slot = calls_.size();
      calls_.push_back({});
      by_index_[index] = slot;
    } else {
      slot = at->second;
    }
    Call &c = calls_[slot];
    if (c.id.empty()) c.id = id;
    if (c.name.empty()) c.name = std::string(fn["name"].str());
    const json::Value &args = fn["arguments"];
    if (args.is_string()) {
      c.arguments.append(args.str());
    } else if (args.is_object()) {
      c.arguments.append(json::dump(args));  // servers that send the object itself
    }
    (void)out;
  }

  // Hands every gathered call to the sink, once.
  void finish(LlmStreamOut &out) {
    for (size_t i = 0; i < calls_.size(); ++i) {
      Call &c = calls_[i];
      if (c.name.empty()) {
        out.error("a tool call without a function name");
        return;
      }
      auto args = json::parse(c.arguments.empty() ? std::string("{}") : c.arguments);
      if (!args || !args->is_object()) {
        out.error("the arguments of tool " + c.name + " are not a JSON object");
        return;
      }
      if (c.id.empty()) c.id = "call_" + std::to_string(++generated_);
      out.tool_call(agent::ToolCall{c.id, c.name, json::dump(*args)});
    }
    calls_.clear();
    by_index_.clear();
  }

  std::vector<Call> calls_;
  std::map<int64_t, size_t> by_index_;
  LlmUsage usage_;
  bool finished_ = false;
  int generated_ = 0;
};

}  // namespace

std::unique_ptr<LlmStreamDecoder> make_openai_decoder() { return std::make_unique<OpenAIDecoder>(); }

OpenAILlm::OpenAILlm(OpenAIOptions options, std::shared_ptr<NetRuntime> runtime)
    : opts_(std::move(options)), url_(chat_completions_url(opts_.base_url)),
      runner_(std::move(runtime), "openai (" + opts_.model + ")") {}

void OpenAILlm::start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) {
  net::HttpRequest http;
  http.method = "POST";
  http.url = url_;
  http.headers = {{"Content-Type", "application/json"},
                  {"Accept", "text/event-stream"},
                  {"Idempotency-Key", idempotency_key("llm-")}};
  if (!opts_.api_key.empty()) http.headers.push_back({"Authorization", "Bearer " + opts_.api_key});
  http.body = json::dump(openai_request_body(request, opts_));
  http.timeouts.total = opts_.timeout;
  http.timeouts.first_byte = opts_.first_byte_timeout;
  http.timeouts.idle = opts_.first_byte_timeout;
  http.retry.max_attempts = opts_.retries + 1;
  http.retry.statuses = {408, 409, 429, 500, 502, 503, 504};
  http.retry.max_retry_after = opts_.max_retry_after;
  runner_.start(request.id, std::move(http), make_openai_decoder(), std::move(sink));
}

void OpenAILlm::cancel(RequestId id) { runner_.cancel(id); }

Result<std::shared_ptr<LlmProvider>> make_openai_llm(const FactoryArgs &args) {
  OpenAIOptions o;
  if (auto r = read_http_llm_options(args, o); !r) return r.error();
  auto key = resolve_api_key(args, "OPENAI_API_KEY", is_openai_host(o.base_url));
  if (!key) return key.error();
  o.api_key = *key;
  return std::shared_ptr<LlmProvider>(std::make_shared<OpenAILlm>(std::move(o), NetRuntime::shared()));
}

}  // namespace ca::providers
