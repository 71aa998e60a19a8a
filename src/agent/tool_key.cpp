#include "agent/tool_key.hpp"

#include <cstdio>

#include "core/fnv.hpp"

namespace ca::agent {

std::string tool_call_key(const ToolCall &call) {
  std::string k = call.name;
  k.push_back('\0');
  bool in_string = false, escaped = false;
  for (char ch : call.arguments_json) {
    if (in_string) {
      k.push_back(ch);
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
      k.push_back(ch);
    } else if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
      k.push_back(ch);
    }
  }
  return k;
}

std::string idempotency_key(std::string_view call_id, const ToolCall &call) {
  Fnv h;
  h.add(tool_call_key(call));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h.h));
  std::string key(call_id);
  key += ':';
  key += call.name;
  key += ':';
  key += hex;
  return key;
}

}  // namespace ca::agent
