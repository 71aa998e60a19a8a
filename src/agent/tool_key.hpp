// Identity of a tool call: identical calls (same tool, same arguments up to whitespace outside
// strings) run once per turn, and a mutation is sent with an Idempotency-Key derived from (call,
// tool, canonical arguments), so an LLM that asks twice changes the store once.
#pragma once

#include <string>
#include <string_view>

#include "agent/message.hpp"

namespace ca::agent {

// The tool's name and its arguments without insignificant whitespace.
std::string tool_call_key(const ToolCall &call);

// "<call_id>:<tool>:<16 hex digits of the key's hash>".
std::string idempotency_key(std::string_view call_id, const ToolCall &call);

}  // namespace ca::agent
