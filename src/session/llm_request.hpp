// What an LLM round is given, the same in a call and in `callagent chat`: the latest messages of
// the conversation (a tool call never separated from its result), a summary of the older ones in
// the system prompt, the caller's words not yet committed to the conversation, personal data
// masked by the call's vault, and the tools' schemas.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "agent/conversation.hpp"
#include "agent/pii_vault.hpp"
#include "providers/provider.hpp"

namespace ca::session {

struct LlmRequestInput {
  const agent::Conversation *conversation = nullptr;
  size_t window = 40;              // messages at most, the pending words included
  std::string system_prompt;
  const std::string *pending_user = nullptr;  // an eager start: the caller's words so far
  agent::PiiVault *vault = nullptr;           // null: nothing masked
  const std::vector<std::shared_ptr<providers::Tool>> *tools = nullptr;
};

providers::LlmRequest build_llm_request(const LlmRequestInput &in);

}  // namespace ca::session
