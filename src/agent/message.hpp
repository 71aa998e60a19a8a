// The conversation as providers see it: roles, text, tool calls and their results.
#pragma once

#include <string>
#include <vector>

namespace ca::agent {

enum class Role { system, user, assistant, tool };

const char *role_name(Role r);

struct ToolCall {
  std::string id;              // the provider's id (or one the agent assigns)
  std::string name;
  std::string arguments_json;  // a JSON object, as the LLM produced it
};

struct Message {
  Role role = Role::user;
  std::string text;                  // user and assistant text (assistant: as the caller heard it)
  std::vector<ToolCall> tool_calls;  // assistant: the tools it asked for
  std::string tool_call_id;          // tool: the call this result answers
  std::string tool_name;             // tool
  bool tool_error = false;           // tool: the result is an error
};

// What an LLM is told about a tool.
struct ToolSchema {
  std::string name;
  std::string description;
  std::string parameters_json;  // a JSON Schema object
};

}  // namespace ca::agent
