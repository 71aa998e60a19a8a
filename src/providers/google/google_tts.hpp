// Speech synthesis through Google Cloud Text-to-Speech v1 REST:
//   POST {base}/v1/text:synthesize
//   {"input":{"text":..},"voice":{"languageCode":"uk-UA","name":..},
//    "audioConfig":{"audioEncoding":"LINEAR16","sampleRateHertz":<the request's rate>,..}}
// The answer is one JSON object whose audioContent is base64 of a WAV file (LINEAR16 carries a
// header): its RIFF chunks are walked (never a fixed 44 bytes) and the data chunk is delivered at
// the rate the fmt chunk states. REST has no streaming, so the audio arrives when the answer is
// complete. Credentials: google_auth.hpp. Behaviour as in providers/http_tts.hpp.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "providers/google/google_auth.hpp"
#include "providers/http_tts.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

class NetRuntime;

struct GoogleTtsOptions {
  std::string base_url = "https://texttospeech.googleapis.com";
  // Voice names by language ("uk-UA-Chirp3-HD-Kore"); empty: Google picks one for the locale.
  std::string voice_uk, voice_ru, voice_en;
  double speaking_rate = 0;      // 0.25..2.0; 0: not sent (1.0)
  double pitch = 0;              // -20..20 semitones; 0: not sent
  std::string effects_profile;   // e.g. "telephony-class-application"; empty: not sent
  HttpTtsLimits limits;
};

std::shared_ptr<HttpTts> make_google_tts(GoogleTtsOptions options, std::shared_ptr<google::GoogleAuth> auth,
                                         std::shared_ptr<NetRuntime> runtime);

std::string google_tts_fingerprint(const GoogleTtsOptions &options);

// [tts.NAME] type = "google": voice_uk, voice_ru, voice_en, speaking_rate, pitch,
// effects_profile, base_url, the credentials of google_auth.hpp (api_key_env, api_key,
// credentials_file, token_url), timeout_ms, idle_timeout_ms, cache_bytes, cache_dir.
Result<std::shared_ptr<TtsProvider>> make_google_tts_factory(const FactoryArgs &args);

}  // namespace ca::providers
