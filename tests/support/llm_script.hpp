// A scripted LLM answer for the vendor test servers (anthropic_server.hpp, openai_server.hpp):
// text said in fragments, then tool calls whose arguments arrive in fragments, then usage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/http_test_server.hpp"

namespace ca::test {

struct ScriptedToolCall {
  std::string id;
  std::string name;
  std::vector<std::string> argument_fragments;  // joined they are the arguments' JSON
  std::string arguments() const {
    std::string s;
    for (const auto &f : argument_fragments) s += f;
    return s;
  }
};

struct LlmScript {
  std::vector<std::string> text;  // text fragments, in order
  std::vector<ScriptedToolCall> tool_calls;
  int64_t input_tokens = 40;
  int64_t output_tokens = 31;
  std::string line_end = "\n";  // "\r\n" or "\r" to exercise the SSE parser

  std::string full_text() const {
    std::string s;
    for (const auto &t : text) s += t;
    return s;
  }
};

// Options for how a scripted stream goes out.
struct Delivery {
  size_t chunk_size = 0;   // body written this many bytes at a time (0: an event per write)
  size_t cut_after = std::string::npos;    // close the connection after this many body bytes
  size_t stall_after = std::string::npos;  // send this many body bytes, then hold the connection
  Reply::Framing framing = Reply::Framing::chunked;
  std::shared_ptr<Gate> gate;  // when set, everything after the first `gate_after` events waits for it
  size_t gate_after = 1;
};

inline Reply stream_reply(std::vector<std::string> events, const Delivery &d) {
  Reply r = Reply::sse({}, 0);
  r.framing = d.framing;
  for (size_t i = 0; i < events.size(); ++i) {
    Reply::Part p{std::move(events[i]), 0, nullptr};
    if (d.gate && i == d.gate_after) p.gate = d.gate;
    r.parts.push_back(std::move(p));
  }
  r.chunk_size = d.chunk_size;
  r.cut_after = d.cut_after;
  r.stall_after = d.stall_after;
  return r;
}

// The total size of a stream's events (to cut it in the middle).
inline size_t stream_size(const std::vector<std::string> &events) {
  size_t n = 0;
  for (const auto &e : events) n += e.size();
  return n;
}

}  // namespace ca::test
