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

namespace {

// At most `n` bytes of `s`, cut at a UTF-8 boundary, with "…" when cut.
std::string clip(const std::string &s, size_t n) {
  if (s.size() <= n) return s;
  size_t end = n;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "…";
}

std::string summary_line(const Message &m) {
  switch (m.role) {
    case Role::user: return "Caller: " + clip(m.text, 200);
    case Role::assistant: {
      std::string line = m.text.empty() ? std::string() : "Agent: " + clip(m.text, 200);
      for (const ToolCall &c : m.tool_calls) {
        if (!line.empty()) line += "\n";
        line += "Agent called " + c.name + " " + clip(c.arguments_json, 160);
      }
      return line;
    }
    case Role::tool: return "Result of " + m.tool_name + (m.tool_error ? " (error): " : ": ") + clip(m.text, 240);
    case Role::system: return clip(m.text, 200);
  }
  return {};
}

}  // namespace

Conversation::Window Conversation::window(size_t max_messages, size_t summary_chars) const {
  Window w;
  const size_t n = messages_.size();
  size_t start = n > max_messages ? n - max_messages : 0;
  if (start > 0) {
    // Forward to a caller's message: the window never opens on a tool result or on an assistant
    // whose tool results would follow without their call. With none ahead, back to the previous.
    size_t s = start;
    while (s < n && messages_[s].role != Role::user) ++s;
    if (s == n) {
      s = start;
      while (s > 0 && messages_[s].role != Role::user) --s;
    }
    start = s;
  }
  if (start > 0) {
    // The most recent lines of what is left out, within the budget, oldest first.
    std::vector<std::string> lines;
    size_t used = 0;
    size_t omitted = 0;
    for (size_t i = start; i-- > 0;) {
      std::string line = summary_line(messages_[i]);
      if (line.empty()) continue;
      if (used + line.size() + 1 > summary_chars) {
        omitted = i + 1;
        break;
      }
      used += line.size() + 1;
      lines.push_back(std::move(line));
    }
    if (omitted > 0) w.summary = "(" + std::to_string(omitted) + " earlier messages not shown)\n";
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) w.summary += *it + "\n";
    if (!w.summary.empty()) w.summary.pop_back();
  }
  w.messages.assign(messages_.begin() + static_cast<std::ptrdiff_t>(start), messages_.end());
  return w;
}

void ensure_user_first(std::vector<Message> &messages) {
  if (!messages.empty() && messages.front().role == Role::user) return;
  Message m;
  m.role = Role::user;
  m.text = "(The call has connected.)";
  messages.insert(messages.begin(), std::move(m));
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
