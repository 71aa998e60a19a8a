// OpenAI-compatible chat completions, streamed (protocols.md §D): OpenAI itself, llama.cpp's
// llama-server, vLLM, Ollama's /v1 and gateways that copy the API.
//
// The URL: base_url without trailing slashes, then
//   ends in "/chat/completions" → used as it is;
//   ends in "/v1" (or "/v1beta/openai", any path ending in a version) → + "/chat/completions";
//   anything else               → + "/v1/chat/completions".
// `Authorization: Bearer` only when a key is set (local servers need none). `stream: true` and
// `stream_options.include_usage`; the token limit goes as `max_completion_tokens` to
// api.openai.com (where `max_tokens` is deprecated) and as `max_tokens` elsewhere (local servers).
//
// The stream: `delta.content` fragments go to the sink as they come; tool-call fragments are
// gathered by `index` (id and name come only in the first one; a new id at a used index is a new
// call, for proxies that number every call 0) and their arguments are parsed when the choice
// finishes — whether finish_reason says "tool_calls", "stop" (Ollama, some models) or nothing
// before [DONE]. Whole calls in one chunk (Ollama) are the same path. The usage chunk with empty
// `choices` comes before `data: [DONE]`, which ends the request. An `error` object in a data
// line after HTTP 200 is an error; so is a stream that ends without [DONE] or a finish_reason.
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

struct OpenAIOptions : HttpLlmOptions {  // api_key empty: no Authorization header
  OpenAIOptions() {
    base_url = "https://api.openai.com/v1";
    model = "gpt-4.1-mini";
  }
};

class OpenAILlm final : public LlmProvider {
 public:
  OpenAILlm(OpenAIOptions options, std::shared_ptr<NetRuntime> runtime);
  std::string_view name() const override { return "openai"; }
  void start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) override;
  void cancel(RequestId id) override;

  const std::string &url() const { return url_; }
  size_t active() const { return runner_.active(); }

 private:
  OpenAIOptions opts_;
  std::string url_;
  LlmStreamRunner runner_;
};

std::string chat_completions_url(std::string_view base_url);
json::Value openai_request_body(const LlmRequest &request, const OpenAIOptions &options);
std::unique_ptr<LlmStreamDecoder> make_openai_decoder();

// [llm.NAME] type = "openai": model, max_tokens, temperature, base_url (default
// https://api.openai.com/v1), api_key_env (default OPENAI_API_KEY), api_key, timeout_ms,
// first_byte_timeout_ms, retries. The key is required only for api.openai.com.
Result<std::shared_ptr<LlmProvider>> make_openai_llm(const FactoryArgs &args);

}  // namespace ca::providers
