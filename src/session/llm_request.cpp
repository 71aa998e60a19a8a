#include "session/llm_request.hpp"

namespace ca::session {

providers::LlmRequest build_llm_request(const LlmRequestInput &in) {
  providers::LlmRequest r;
  // Pending words take a place in the window.
  const size_t room = in.pending_user != nullptr && in.window > 1 ? in.window - 1 : in.window;
  agent::Conversation::Window window = in.conversation->window(room);
  r.system_prompt = in.system_prompt;
  if (!window.summary.empty()) {
    r.system_prompt += (r.system_prompt.empty() ? "" : "\n\n");
    r.system_prompt += "Earlier in this call (summary):\n" + window.summary;
  }
  r.messages = std::move(window.messages);
  if (in.pending_user != nullptr) {
    agent::Message m;
    m.role = agent::Role::user;
    m.text = *in.pending_user;
    r.messages.push_back(std::move(m));
  }
  if (in.vault != nullptr) {
    for (agent::Message &m : r.messages) {
      m.text = in.vault->mask(m.text);
      for (agent::ToolCall &c : m.tool_calls) c.arguments_json = in.vault->mask(c.arguments_json);
    }
  }
  if (in.tools != nullptr) {
    for (const auto &t : *in.tools) {
      const auto &s = t->spec();
      r.tools.push_back({s.name, s.description, s.parameters_json});
    }
  }
  return r;
}

}  // namespace ca::session
