// A local stand-in for the Anthropic Messages API (protocols.md §C) on HttpTestServer: scripted
// streams in the exact event sequence (message_start, content blocks with text_delta and
// input_json_delta fragments, ping, message_delta with cumulative usage, message_stop), vendor
// error bodies for any status, an `error` event after HTTP 200, and every request recorded.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "support/llm_script.hpp"

namespace ca::test {

class AnthropicServer {
 public:
  HttpTestServer &http() { return server_; }
  std::string base_url() const { return server_.url(""); }

  static std::string event(const std::string &name, const json::Value &data, const std::string &eol = "\n") {
    return "event: " + name + eol + "data: " + json::dump(data) + eol + eol;
  }

  // The events of `s`; with `error_type` set the stream stops after the text with an error event.
  static std::vector<std::string> events(const LlmScript &s, const std::string &error_type = "") {
    const std::string &eol = s.line_end;
    std::vector<std::string> out;
    out.push_back(event("message_start",
                        json::parse(R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-test","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)" +
                                    std::to_string(s.input_tokens) + R"(,"output_tokens":1}}})")
                            .value(),
                        eol));
    int64_t index = 0;
    if (!s.text.empty()) {
      out.push_back(event("content_block_start", json::parse(R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})").value(), eol));
      out.push_back(event("ping", json::parse(R"({"type":"ping"})").value(), eol));
      for (const auto &t : s.text) {
        out.push_back(event("content_block_delta",
                            json::Value()
                                .set("type", "content_block_delta")
                                .set("index", index)
                                .set("delta", json::Value().set("type", "text_delta").set("text", t)),
                            eol));
      }
      if (!error_type.empty()) {
        out.push_back(event("error",
                            json::Value().set("type", "error").set(
                                "error", json::Value().set("type", error_type).set("message", "Overloaded")),
                            eol));
        return out;
      }
      out.push_back(event("content_block_stop", json::Value().set("type", "content_block_stop").set("index", index), eol));
      ++index;
    } else if (!error_type.empty()) {
      out.push_back(event("error",
                          json::Value().set("type", "error").set(
                              "error", json::Value().set("type", error_type).set("message", "Overloaded")),
                          eol));
      return out;
    }
    for (const auto &c : s.tool_calls) {
      out.push_back(event("content_block_start",
                          json::Value()
                              .set("type", "content_block_start")
                              .set("index", index)
                              .set("content_block", json::Value()
                                                        .set("type", "tool_use")
                                                        .set("id", c.id)
                                                        .set("name", c.name)
                                                        .set("input", json::Value::object())),
                          eol));
      // The API's first fragment is often empty.
      std::vector<std::string> fragments = {""};
      for (const auto &f : c.argument_fragments) fragments.push_back(f);
      for (const auto &f : fragments) {
        out.push_back(event("content_block_delta",
                            json::Value()
                                .set("type", "content_block_delta")
                                .set("index", index)
                                .set("delta", json::Value().set("type", "input_json_delta").set("partial_json", f)),
                            eol));
      }
      out.push_back(event("content_block_stop", json::Value().set("type", "content_block_stop").set("index", index), eol));
      ++index;
    }
    out.push_back(event("message_delta",
                        json::Value()
                            .set("type", "message_delta")
                            .set("delta", json::Value()
                                              .set("stop_reason", s.tool_calls.empty() ? "end_turn" : "tool_use")
                                              .set("stop_sequence", nullptr))
                            .set("usage", json::Value().set("output_tokens", s.output_tokens)),
                        eol));
    out.push_back(event("message_stop", json::Value().set("type", "message_stop"), eol));
    return out;
  }

  void push_stream(const LlmScript &s, const Delivery &d = {}) { server_.push(stream_reply(events(s), d)); }

  // HTTP `status` with the vendor's error body; `retry_after` adds the header.
  static Reply error_reply(int status, const std::string &type, const std::string &message,
                           const std::string &retry_after = "") {
    Reply r = Reply::json(status, json::dump(json::Value()
                                                 .set("type", "error")
                                                 .set("error", json::Value().set("type", type).set("message", message))
                                                 .set("request_id", "req_test")));
    if (!retry_after.empty()) r.headers.push_back({"retry-after", retry_after});
    r.headers.push_back({"request-id", "req_test"});
    return r;
  }
  void push_error(int status, const std::string &type, const std::string &message = "error",
                  const std::string &retry_after = "") {
    server_.push(error_reply(status, type, message, retry_after));
  }
  // HTTP 200, the text of `s`, then an `error` event (overloaded_error).
  void push_error_after_200(const LlmScript &s, const Delivery &d = {}) {
    server_.push(stream_reply(events(s, "overloaded_error"), d));
  }

  std::vector<ReceivedRequest> requests() const { return server_.requests(); }
  json::Value request_json(size_t i) const { return json::parse(server_.requests().at(i).body).value(); }

 private:
  HttpTestServer server_;
};

}  // namespace ca::test
