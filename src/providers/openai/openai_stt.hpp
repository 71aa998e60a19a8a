// Speech recognition through an OpenAI-compatible transcriptions endpoint: OpenAI itself
// (POST {base}/audio/transcriptions) or whisper.cpp's whisper-server (POST /inference; set `path`).
//
// After finish() the utterance goes as one multipart/form-data upload: `file` a 16-bit mono WAV at
// the call's rate with a filename (the service tells formats by the extension; raw PCM is refused
// by both), `model`, `language` (ISO-639-1: whisper-server otherwise assumes its -l flag,
// English), `response_format=json`. The answer {"text": "..."} becomes one final and `done`; an
// empty text means nothing was said: `done` alone. No interim results.
//
// Buffering, retries (429 and 5xx, Retry-After obeyed), cancellation and threads: batch_http_stt.hpp.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "providers/batch_http_stt.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

struct OpenAiSttOptions {
  std::string base_url = "https://api.openai.com/v1";  // without a trailing '/'
  std::string path = "/audio/transcriptions";          // whisper-server: "/inference"
  std::string model = "whisper-1";                     // whisper-server ignores it
  std::string api_key;                                 // empty: no Authorization header
  // Phrase hints as the `prompt` part (whisper biases its vocabulary towards a prompt). Off by
  // default: a prompt in another style than the speech can make whisper worse.
  bool hints_as_prompt = false;
  BatchSttOptions batch;
};

// The multipart/form-data body the provider sends (`boundary` without the leading dashes).
std::string openai_stt_body(const OpenAiSttOptions &options, const SttParams &params, std::span<const int16_t> pcm,
                            std::string_view boundary);

std::shared_ptr<SttProvider> make_openai_stt(std::shared_ptr<NetRuntime> runtime, OpenAiSttOptions options);

// [stt.NAME] type = "openai": options base_url (default https://api.openai.com/v1), path (default
// /audio/transcriptions), model (default whisper-1), api_key_env (default OPENAI_API_KEY; required
// only for api.openai.com), api_key, timeout_ms (default 30000), retries (default 2),
// hints_as_prompt (default false), max_seconds (default 120).
Result<std::shared_ptr<SttProvider>> make_openai_stt_from_args(const FactoryArgs &args);

}  // namespace ca::providers
