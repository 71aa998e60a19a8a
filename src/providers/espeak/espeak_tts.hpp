// Speech synthesis with espeak-ng, offline: Ukrainian, Russian and English.
//
// espeak-ng keeps all its state in globals, so the process has exactly one synthesis thread
// (nice 10: speech is CPU work that must never starve an event loop) behind one FIFO queue. Every
// EspeakTts instance shares it: the thread starts with the first instance and stops with the
// last (espeak-ng itself is initialised once and kept: its espeak_Terminate can hang).
// synthesize() and cancel() only touch the queue; nothing is synthesised on the caller's thread.
//
// Audio is handed on as espeak-ng produces it (one chunk per 50 ms of speech), resampled from
// espeak-ng's 22050 Hz to the request's rate. cancel() removes a queued request, or stops the
// running one at its next chunk; once cancel() returns the request gets no callback at all. Every
// other request ends with exactly one on_tts_done or on_tts_error.
//
// Request ids are scoped to the instance: cancel(id) on one instance never touches another's, and
// on this instance it cancels every live request with that id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

struct EspeakOptions {
  // espeak-ng voice names, with an optional "+variant" (the persona is female: "+f3").
  std::string voice_uk = "uk+f3";
  std::string voice_ru = "ru+f3";
  std::string voice_en = "en-us+f3";
  int rate = 160;    // words per minute, 80..450 (espeak-ng's default is 175; a phone line wants slower)
  int pitch = 50;    // 0..100, 50 normal
  int volume = 100;  // 0..200, 100 normal (about -21 dBFS RMS, peaks below full scale)
};

class EspeakEngine;

class EspeakTts final : public TtsProvider {
 public:
  // Starts the shared engine if needed, checks the options and that espeak-ng knows each voice.
  // This waits for the engine thread (briefly: checks go ahead of queued speech), so call it
  // where blocking is fine, as factories are: never on an event loop.
  static Result<std::shared_ptr<EspeakTts>> create(EspeakOptions options);

  EspeakTts(std::shared_ptr<EspeakEngine> engine, EspeakOptions options);
  ~EspeakTts() override;
  EspeakTts(const EspeakTts &) = delete;
  EspeakTts &operator=(const EspeakTts &) = delete;

  std::string_view name() const override { return "espeak"; }
  // The language ("uk", "ru", "en", or a locale such as "ru-RU") picks the voice unless the
  // request names one. A language with no voice is an on_tts_error (from the engine thread).
  void synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) override;
  void cancel(RequestId id) override;

  const EspeakOptions &options() const { return options_; }
  // The voice a language maps to; empty when there is none.
  std::string voice_for(std::string_view language) const;
  // What shapes this instance's audio besides the request, for cache keys: the options and
  // espeak-ng's version.
  std::string settings_fingerprint() const;

 private:
  std::shared_ptr<EspeakEngine> engine_;
  EspeakOptions options_;
  uint64_t owner_;  // scopes request ids to this instance
};

// What espeak-ng reads badly, cleaned away: markdown markers (* # ` ~ ^ and HTML-like tags) that
// it would spell out, combining stress marks, zero-width and bidi marks, control characters
// (as spaces), the modifier-letter apostrophe U+02BC (read as a separate sound; becomes '),
// no-break spaces (become spaces), and invalid UTF-8. Runs of spaces collapse.
std::string espeak_clean_text(std::string_view text);

// Engine facts for tests and benchmarks.
struct EspeakEngineInfo {
  bool running = false;
  int instances = 0;          // EspeakTts objects alive
  uint64_t threads_started = 0;  // over the process's life
};
EspeakEngineInfo espeak_engine_info();

// [tts.NAME] type = "espeak": voice_uk, voice_ru, voice_en, rate, pitch, volume, and the phrase
// cache's cache_bytes (default 16 MiB; 0 with no cache_dir: no cache) and cache_dir.
Result<std::shared_ptr<TtsProvider>> make_espeak_tts(const FactoryArgs &args);

}  // namespace ca::providers
