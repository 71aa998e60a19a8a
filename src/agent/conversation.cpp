#include "agent/conversation.hpp"

namespace ca::agent {

const char *role_name(Role r) {
  switch (r) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
  }
  return "unknown";
}

size_t Conversation::add_user(std::string text) {
  Message m;
  m.role = Role::user;
  m.text = std::move(text);
  messages_.push_back(std::move(m));
  return messages_.size() - 1;
}

size_t Conversation::add_assistant(std::string text, std::vector<ToolCall> calls) {
  Message m;
  m.role = Role::assistant;
  m.text = std::move(text);
  m.tool_calls = std::move(calls);
  messages_.push_back(std::move(m));
  return messages_.size() - 1;
}

size_t Conversation::add_tool_result(const ToolCall &call, std::string result_json, bool error) {
  Message m;
  m.role = Role::tool;
  m.text = std::move(result_json);
  m.tool_call_id = call.id;
  m.tool_name = call.name;
  m.tool_error = error;
  messages_.push_back(std::move(m));
  return messages_.size() - 1;
}

void Conversation::extend_last_user(const std::string &more) {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->role == Role::user) {
      if (!it->text.empty()) it->text.push_back(' ');
      it->text += more;
      return;
    }
  }
  add_user(more);
}

void Conversation::set_assistant_text(size_t index, std::string heard) {
  if (index < messages_.size() && messages_[index].role == Role::assistant) messages_[index].text = std::move(heard);
}

void Conversation::remove_from(size_t index) {
  if (index < messages_.size()) messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(index), messages_.end());
}

const Message *Conversation::last_user() const {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->role == Role::user) return &*it;
  }
  return nullptr;
}

const Message *Conversation::last_assistant() const {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->role == Role::assistant) return &*it;
  }
  return nullptr;
}

}  // namespace ca::agent
