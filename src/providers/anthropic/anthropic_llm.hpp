// Claude through the Anthropic Messages API, streamed (protocols.md §C): POST {base}/v1/messages
// with x-api-key and anthropic-version, `stream: true`; text deltas go to the sink as they come,
// a tool_use block's input_json_delta fragments are joined and parsed at its content_block_stop,
// usage is taken from message_start and message_delta (cumulative counts), and the request ends
// at message_stop. An `error` event after HTTP 200 (overloaded), a stream without message_stop, a
// malformed event and an HTTP error status all end the request as an error naming the vendor's
// error type. 429, 5xx and 529 are retried by the HTTP client (Retry-After obeyed) while nothing
// of the answer has arrived.
//
// The conversation is mapped to the API's rules: the system prompt at top level; roles alternate
// (consecutive messages of one role are merged); the first message is the user's; an assistant
// turn carries its text and tool_use blocks; tool results become tool_result blocks placed FIRST
// in the following user message (consecutive results in one message); a tool_use whose result is
// missing gets an error result, and a result without its tool_use is dropped — both would be an
// HTTP 400 that ends the call.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "providers/llm_stream.hpp"
#include "providers/net_runtime.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

struct AnthropicOptions : HttpLlmOptions {
  AnthropicOptions() {
    base_url = "https://api.anthropic.com";
    model = "claude-haiku-4-5-20251001";
  }
};

class AnthropicLlm final : public LlmProvider {
 public:
  AnthropicLlm(AnthropicOptions options, std::shared_ptr<NetRuntime> runtime);
  std::string_view name() const override { return "anthropic"; }
  void start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) override;
  void cancel(RequestId id) override;

  size_t active() const { return runner_.active(); }

 private:
  AnthropicOptions opts_;
  LlmStreamRunner runner_;
};

// The request body for `request` (exposed for tests).
json::Value anthropic_request_body(const LlmRequest &request, const AnthropicOptions &options);

// The stream decoder (exposed for tests).
std::unique_ptr<LlmStreamDecoder> make_anthropic_decoder();

// [llm.NAME] type = "anthropic": model, max_tokens, temperature, base_url, api_key_env (default
// ANTHROPIC_API_KEY), api_key, timeout_ms, first_byte_timeout_ms, retries.
Result<std::shared_ptr<LlmProvider>> make_anthropic_llm(const FactoryArgs &args);

}  // namespace ca::providers
