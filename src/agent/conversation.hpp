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

  // What an LLM round is given: at most `max_messages` of the latest messages, starting at a
  // caller's message so that a tool call is never separated from its result, and a deterministic
  // summary of everything before them ("" when nothing was left out). The summary is plain text
  // for the system prompt, bounded to about `summary_chars`, keeping the most recent lines.
  struct Window {
    std::string summary;
    std::vector<Message> messages;
  };
  Window window(size_t max_messages, size_t summary_chars = 1500) const;
  size_t size() const { return messages_.size(); }
  const Message *last_user() const;
  const Message *last_assistant() const;

 private:
  std::vector<Message> messages_;
};

// For providers whose API wants the first message from the user (Anthropic, and some local
// servers): when `messages` starts otherwise (the greeting), a short user message saying the call
// connected goes first.
void ensure_user_first(std::vector<Message> &messages);

}  // namespace ca::agent
