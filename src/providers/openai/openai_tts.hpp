// Speech synthesis through an OpenAI-compatible POST {base}/audio/speech (OpenAI, or a
// self-hosted server speaking the same API): response_format "pcm", which is raw 24 kHz signed
// 16-bit little-endian mono with no header, streamed to the sink as it arrives at 24000 Hz (the
// session resamples to the call's rate). Behaviour as in providers/http_tts.hpp.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "providers/http_tts.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

class NetRuntime;

struct OpenAiTtsOptions {
  std::string base_url = "https://api.openai.com/v1";  // without a trailing '/'
  std::string api_key;                                 // empty: no Authorization header
  std::string model = "gpt-4o-mini-tts";
  std::string voice = "alloy";  // when the request names none
  double speed = 0;             // 0.25..4.0; 0: not sent (the server's 1.0)
  std::string instructions;     // how to speak (gpt-4o-mini-tts; not for tts-1); empty: not sent
  HttpTtsLimits limits;
};

// The rate of response_format "pcm".
constexpr int kOpenAiPcmRate = 24000;

std::shared_ptr<HttpTts> make_openai_tts(OpenAiTtsOptions options, std::shared_ptr<NetRuntime> runtime);

// What shapes the audio besides the request (for the phrase cache's key): never the key.
std::string openai_tts_fingerprint(const OpenAiTtsOptions &options);

// [tts.NAME] type = "openai": base_url, model, voice, speed, instructions, api_key_env (default
// OPENAI_API_KEY; required only for api.openai.com), api_key, timeout_ms, idle_timeout_ms,
// cache_bytes, cache_dir.
Result<std::shared_ptr<TtsProvider>> make_openai_tts_factory(const FactoryArgs &args);

}  // namespace ca::providers
