// Speech recognition through Google Cloud Speech-to-Text v1 REST, `POST {base}/v1/speech:recognize`
// (streaming recognition is gRPC-only, so an utterance is recognised after finish()).
//
// The request: LINEAR16 at the call's rate (no resampling: the telephone band is what there is),
// languageCode from SttParams::language as a BCP-47 region tag (uk → uk-UA), up to three
// alternativeLanguageCodes from SttParams::alternatives (ru → ru-RU), speechContexts phrases from
// the hints (at most 5000, each at most 100 characters, as Google allows), maxAlternatives 1,
// automatic punctuation, the audio base64 in audio.content. Credentials: google_auth.hpp.
//
// The answer: `results` absent or empty (Google omits it, even sending `{}`, when nothing was
// recognised) means silence: `done` without a final. Otherwise the transcripts of all results are
// joined into one final; its confidence is the first result's (0 = not reported), its language
// the first result's languageCode as a primary tag ("uk-ua" → "uk").
//
// Buffering, retries, cancellation and threads: batch_http_stt.hpp.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "providers/batch_http_stt.hpp"
#include "providers/google/google_auth.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

struct GoogleSttOptions {
  std::string base_url = "https://speech.googleapis.com";
  std::string model;          // "" = Google's default for the language; e.g. "telephony", "latest_short"
  double boost = 0;           // speechContexts boost (0: not sent)
  bool punctuation = true;    // enableAutomaticPunctuation
  BatchSttOptions batch;
};

// "uk" → "uk-UA", "ru" → "ru-RU", "en" → "en-US", ...; a tag with a region is kept as it is.
std::string google_language_code(std::string_view language);

// The JSON body of a recognize request.
std::string google_stt_body(const GoogleSttOptions &options, const SttParams &params, std::span<const int16_t> pcm);

std::shared_ptr<SttProvider> make_google_stt(std::shared_ptr<NetRuntime> runtime,
                                             std::shared_ptr<google::GoogleAuth> auth, GoogleSttOptions options);

// [stt.NAME] type = "google": options base_url (default https://speech.googleapis.com), model,
// boost, punctuation, timeout_ms (default 30000), retries (default 2), max_seconds (default 60:
// the synchronous API takes about a minute), and the credentials of google_auth.hpp (api_key_env,
// api_key, credentials_file, token_url).
Result<std::shared_ptr<SttProvider>> make_google_stt_from_args(const FactoryArgs &args);

}  // namespace ca::providers
