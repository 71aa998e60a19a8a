// A local stand-in for OpenAI-compatible chat completions streaming (protocols.md §D) on
// HttpTestServer: `data:` chunks without event names, the role chunk, content fragments, tool-call
// fragments gathered by index (id and name only in the first), optionally interleaved or whole in
// one chunk (Ollama), the finish chunk, the usage chunk with empty choices, `data: [DONE]`; vendor
// error bodies, an error object after HTTP 200, and every request recorded.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "support/llm_script.hpp"

namespace ca::test {

struct OpenAIStyle {
  bool whole_tool_calls = false;     // every call complete in one chunk (Ollama)
  bool interleave = false;           // fragments of parallel calls alternate
  bool shared_index = false;         // every call says index 0 (some proxies); ids tell them apart
  std::string finish_reason;         // "" = "tool_calls" when there are calls, else "stop"
  bool usage_chunk = true;
  bool done_marker = true;           // data: [DONE]
};

class OpenAIServer {
 public:
  HttpTestServer &http() { return server_; }
  std::string base_url() const { return server_.url("/v1"); }

  static std::string chunk(const json::Value &choices_or_null, const json::Value &usage, const std::string &eol) {
    json::Value c;
    c.set("id", "chatcmpl-1").set("object", "chat.completion.chunk").set("created", 1).set("model", "test-model");
    c.set("choices", choices_or_null);
    c.set("usage", usage);
    return "data: " + json::dump(c) + eol + eol;
  }
  static json::Value delta_choice(json::Value delta, json::Value finish = nullptr) {
    return json::Value::array().push(json::Value().set("index", 0).set("delta", std::move(delta)).set("finish_reason", std::move(finish)));
  }

  static std::vector<std::string> events(const LlmScript &s, const OpenAIStyle &st = {}, bool error_after_text = false) {
    const std::string &eol = s.line_end;
    std::vector<std::string> out;
    out.push_back(chunk(delta_choice(json::Value().set("role", "assistant").set("content", "")), nullptr, eol));
    for (const auto &t : s.text) out.push_back(chunk(delta_choice(json::Value().set("content", t)), nullptr, eol));
    if (error_after_text) {
      out.push_back("data: " +
                    json::dump(json::Value().set("error", json::Value()
                                                              .set("message", "The server had an error while processing your request.")
                                                              .set("type", "server_error")
                                                              .set("param", nullptr)
                                                              .set("code", nullptr))) +
                    eol + eol);
      return out;
    }
    auto call_index = [&](size_t k) { return st.shared_index ? 0 : static_cast<int64_t>(k); };
    if (st.whole_tool_calls) {
      json::Value calls = json::Value::array();
      for (size_t k = 0; k < s.tool_calls.size(); ++k) {
        const auto &c = s.tool_calls[k];
        calls.push(json::Value()
                       .set("index", call_index(k))
                       .set("id", c.id)
                       .set("type", "function")
                       .set("function", json::Value().set("name", c.name).set("arguments", c.arguments())));
      }
      if (!s.tool_calls.empty()) out.push_back(chunk(delta_choice(json::Value().set("tool_calls", std::move(calls))), nullptr, eol));
    } else {
      // The first fragment of each call: id, type, name, empty arguments.
      std::vector<std::vector<json::Value>> per_call;
      for (size_t k = 0; k < s.tool_calls.size(); ++k) {
        const auto &c = s.tool_calls[k];
        std::vector<json::Value> frags;
        frags.push_back(json::Value()
                            .set("index", call_index(k))
                            .set("id", c.id)
                            .set("type", "function")
                            .set("function", json::Value().set("name", c.name).set("arguments", "")));
        for (const auto &f : c.argument_fragments)
          frags.push_back(json::Value().set("index", call_index(k)).set("function", json::Value().set("arguments", f)));
        per_call.push_back(std::move(frags));
      }
      auto emit = [&](json::Value frag) {
        out.push_back(chunk(delta_choice(json::Value().set("tool_calls", json::Value::array().push(std::move(frag)))), nullptr, eol));
      };
      if (st.interleave && !st.shared_index) {
        for (size_t step = 0;; ++step) {
          bool any = false;
          for (auto &frags : per_call)
            if (step < frags.size()) {
              emit(frags[step]);
              any = true;
            }
          if (!any) break;
        }
      } else {
        for (auto &frags : per_call)
          for (auto &f : frags) emit(f);
      }
    }
    const std::string finish = !st.finish_reason.empty() ? st.finish_reason : s.tool_calls.empty() ? "stop" : "tool_calls";
    out.push_back(chunk(delta_choice(json::Value::object(), finish), nullptr, eol));
    if (st.usage_chunk) {
      out.push_back(chunk(json::Value::array(),
                          json::Value()
                              .set("prompt_tokens", s.input_tokens)
                              .set("completion_tokens", s.output_tokens)
                              .set("total_tokens", s.input_tokens + s.output_tokens),
                          eol));
    }
    if (st.done_marker) out.push_back("data: [DONE]" + eol + eol);
    return out;
  }

  void push_stream(const LlmScript &s, const Delivery &d = {}, const OpenAIStyle &st = {}) {
    server_.push(stream_reply(events(s, st), d));
  }

  static Reply error_reply(int status, const std::string &type, const std::string &message,
                           const std::string &retry_after = "") {
    Reply r = Reply::json(status, json::dump(json::Value().set(
                                      "error", json::Value()
                                                   .set("message", message)
                                                   .set("type", type)
                                                   .set("param", nullptr)
                                                   .set("code", nullptr))));
    if (!retry_after.empty()) r.headers.push_back({"retry-after", retry_after});
    return r;
  }
  void push_error(int status, const std::string &type, const std::string &message = "error",
                  const std::string &retry_after = "") {
    server_.push(error_reply(status, type, message, retry_after));
  }
  void push_error_after_200(const LlmScript &s, const Delivery &d = {}) {
    server_.push(stream_reply(events(s, {}, true), d));
  }

  std::vector<ReceivedRequest> requests() const { return server_.requests(); }
  json::Value request_json(size_t i) const { return json::parse(server_.requests().at(i).body).value(); }

 private:
  HttpTestServer server_;
};

}  // namespace ca::test
