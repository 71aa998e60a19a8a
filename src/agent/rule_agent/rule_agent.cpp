#include "agent/rule_agent/rule_agent.hpp"

#include "core/json.hpp"
#include "store/calendar.hpp"

namespace ca::agent {

RuleAgent::RuleAgent(RuleAgentOptions options) : opts_(std::move(options)) {}

rule::Decision RuleAgent::decide(const providers::LlmRequest &request) const {
  const auto now = opts_.clock ? opts_.clock() : std::chrono::system_clock::time_point{};
  std::set<std::string, std::less<>> tools;
  for (const auto &t : request.tools) tools.insert(t.name);
  rule::Dialogue dialogue(opts_.language, store::local_day(now, opts_.time_zone), std::move(tools));
  for (const auto &m : request.messages) dialogue.add(m);
  return dialogue.next();
}

void RuleAgent::start(const providers::LlmRequest &request, std::shared_ptr<providers::LlmSink> sink) {
  const rule::Decision d = decide(request);
  // Tokens as the cloud providers would roughly count them (four characters a token), so usage
  // figures stay comparable in the journal.
  providers::LlmUsage usage;
  for (const auto &m : request.messages) usage.input_tokens += static_cast<int64_t>(m.text.size() / 4 + 1);
  if (!d.calls.empty()) {
    for (size_t i = 0; i < d.calls.size(); ++i) {
      ToolCall c;
      c.id = "rb-" + std::to_string(request.id) + "-" + std::to_string(i);
      c.name = d.calls[i].name;
      c.arguments_json = json::dump(d.calls[i].args);
      usage.output_tokens += static_cast<int64_t>(c.arguments_json.size() / 4 + 1);
      sink->on_llm_tool_call(request.id, std::move(c));
    }
  } else if (!d.text.empty()) {
    usage.output_tokens += static_cast<int64_t>(d.text.size() / 4 + 1);
    sink->on_llm_text(request.id, d.text);
  }
  sink->on_llm_done(request.id, usage);
}

}  // namespace ca::agent
