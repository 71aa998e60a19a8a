// Speech synthesis through ElevenLabs' HTTP streaming endpoint:
//   POST {base}/v1/text-to-speech/{voice_id}/stream?output_format=pcm_16000
// with the key in `xi-api-key` and output_format as a QUERY parameter (in the body it is ignored
// and the answer is MP3). pcm_* is raw s16le mono at the rate in its name; ulaw_8000 and
// alaw_8000 are raw G.711, decoded to 8 kHz PCM. Audio is handed on as it arrives. Behaviour as
// in providers/http_tts.hpp.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "providers/http_tts.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

class NetRuntime;

struct ElevenLabsVoiceSettings {
  std::optional<double> stability;         // 0..1
  std::optional<double> similarity_boost;  // 0..1
  std::optional<double> style;             // 0..1
  std::optional<double> speed;             // 0.7..1.2
  std::optional<bool> use_speaker_boost;
  bool empty() const { return !stability && !similarity_boost && !style && !speed && !use_speaker_boost; }
};

struct ElevenLabsOptions {
  std::string base_url = "https://api.elevenlabs.io";
  std::string api_key;
  // Voice ids by language; `voice` serves the languages without one of their own.
  std::string voice_uk, voice_ru, voice_en, voice;
  std::string model_id = "eleven_multilingual_v2";
  std::string output_format = "pcm_16000";  // pcm_8000..pcm_48000, ulaw_8000, alaw_8000
  ElevenLabsVoiceSettings voice_settings;   // sent only when something is set
  HttpTtsLimits limits;
};

// The sample rate of an output_format we can decode, or 0.
int elevenlabs_format_rate(std::string_view output_format);

// The options must have been checked: elevenlabs_format_rate(output_format) != 0.
std::shared_ptr<HttpTts> make_elevenlabs_tts(ElevenLabsOptions options, std::shared_ptr<NetRuntime> runtime);

std::string elevenlabs_tts_fingerprint(const ElevenLabsOptions &options);

// [tts.NAME] type = "elevenlabs": voice_uk, voice_ru, voice_en, voice, model_id, output_format,
// stability, similarity_boost, style, speed, use_speaker_boost, base_url, api_key_env (default
// ELEVENLABS_API_KEY), api_key, timeout_ms, idle_timeout_ms, cache_bytes, cache_dir.
Result<std::shared_ptr<TtsProvider>> make_elevenlabs_tts_factory(const FactoryArgs &args);

}  // namespace ca::providers
