// The conversation of one call, as the LLM sees it: what the caller said, what the caller heard
// the bot say, the tools it called and their results, in call order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "agent/message.hpp"

namespace ca::agent {

class Conversation {
 public:
  size_t add_user(std::string text);
  size_t add_assistant(std::string text, std::vector<ToolCall> calls = {});
  size_t add_tool_result(const ToolCall &call, std::string result_json, bool error);
  // Appends to the last user message (a later final that arrived before the bot spoke).
  void extend_last_user(const std::string &more);
  // What the caller actually heard of an assistant message (barge-in truncation).
  void set_assistant_text(size_t index, std::string heard);
  void remove_from(size_t index);

  const std::vector<Message> &messages() const { return messages_; }
  size_t size() const { return messages_.size(); }
  const Message *last_user() const;
  const Message *last_assistant() const;

 private:
  std::vector<Message> messages_;
};

}  // namespace ca::agent
