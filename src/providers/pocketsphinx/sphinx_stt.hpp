// Embedded speech recognition: pocketsphinx with its US English acoustic model and a language
// model built from the tyre shop's vocabulary (domain_lm.hpp), never the 90 MB general one.
//
// Threads. Nothing is decoded on the caller's thread: open/push/finish/cancel only copy audio and
// queue work (a mutex held for a memcpy). A small pool of worker threads (`threads`, at nice 10)
// decodes; a pool of decoders (`decoders`, ~13 MB each), created on first need and reused across
// streams (ps_start_utt/ps_end_utt), bounds memory however many calls come and go. A stream takes
// a decoder when its first audio is decoded and keeps it until its final; a stream that finds
// none free waits, its audio queued, and is served in arrival order.
//
// Audio. The model is 16 kHz; other rates are resampled on the worker. 8 kHz telephone audio
// works but is recognised markedly worse (the model's upper band is empty): a warning is logged
// once per provider. Two things decide accuracy more than any decoder setting, both handled
// here: a low noise floor is added (digitally clean or silent audio wrecks the features), and the
// cepstral mean starts from the voices heard lately and adapts within the stream (see the .cpp).
//
// Results. An interim every `interim_interval_ms` of new audio when the hypothesis changed; at
// finish() one final with a confidence in 0..1, then done. A final below `min_confidence` is
// delivered with empty text (the confidence kept), so it fills no slot. cancel() drops the
// stream: queued audio, the decoder's utterance, and any event not yet being delivered.
//
// Out-of-domain speech. A domain model maps any speech onto domain words, so two defences: a
// garbage word (a loop over single phones) in the language model takes what fits no domain word
// sequence (it never appears in the text), and the confidence combines the best path's lattice
// posterior per word, how typical of the domain the word sequence is, how many of its word pairs
// the model never saw, and the share the garbage took. On development speech every out-of-domain
// sentence scored below 0.5 and every correctly recognised domain one above it.
//
// Languages: English only; a stream asked for another language is decoded as English (warned once).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/pocketsphinx/domain_lm.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

inline constexpr const char *kSphinxDefaultModelDir = "/usr/share/pocketsphinx/model/en-us";

struct SphinxSttOptions {
  // The en-us model directory: either the acoustic model itself (mdef, means, ...) or its parent
  // holding en-us/ and cmudict-en-us.dict, as Debian installs it.
  std::string model_dir = kSphinxDefaultModelDir;
  std::string dict;  // the CMU pronunciation dictionary; empty: the model's cmudict-en-us.dict
  int threads = 2;   // decoding workers
  int decoders = 2;  // pooled decoders (~13 MB each); more streams than this wait
  double min_confidence = 0.5;  // finals below it come with empty text
  int interim_interval_ms = 300;
  std::string vocabulary_file;  // JSON of DomainVocabulary fields extending the defaults (or replacing them)
  // The trigram model, or a JSGF grammar compiled from the same templates. Measured on
  // development speech, the grammar recognised far worse (over 50 % WER, it forces every
  // utterance onto a whole template) and decoded ~10x slower; it is there for closed menus.
  enum class Search : uint8_t { lm, jsgf } search = Search::lm;
};

class SphinxStt final : public SttProvider {
 public:
  // Checks the options and that the model files exist; decoders are built on first use (on a
  // worker) or by prepare().
  static Result<std::shared_ptr<SphinxStt>> create(SphinxSttOptions options);
  ~SphinxStt() override;
  SphinxStt(const SphinxStt &) = delete;
  SphinxStt &operator=(const SphinxStt &) = delete;

  std::string_view name() const override { return "pocketsphinx"; }

  // Replaces the vocabulary (the store's catalogue, say). Meant before first use; later, streams
  // already holding a decoder finish with the old model and each decoder is rebuilt when next
  // taken.
  void set_vocabulary(DomainVocabulary vocabulary);
  // Builds the domain model and one decoder now, on the calling thread, so the first caller does
  // not wait for it and a broken model shows up here. Optional.
  Result<void> prepare();

  void open(const SttParams &params, std::shared_ptr<SttSink> sink) override;
  void push(RequestId stream, std::span<const int16_t> pcm) override;
  void finish(RequestId stream) override;
  void cancel(RequestId stream) override;
  // The catalogue's words into the model (with_catalogue over the defaults, then the
  // vocabulary_file's on top), as set_vocabulary does.
  void use_vocabulary(const SpeechVocabulary &vocabulary) override;

  struct Stats {
    size_t decoders_created = 0;  // ever (a rebuild after set_vocabulary counts again)
    size_t decoders_alive = 0;    // now
    size_t decoders_idle = 0;
    size_t streams = 0;           // open, not yet done
    size_t streams_waiting = 0;   // for a decoder
    size_t model_words = 0;
    size_t model_builds = 0;
    double audio_seconds = 0;     // decoded
    double decode_seconds = 0;    // CPU time of the workers spent in pocketsphinx (thread CPU clock)
  };
  Stats stats() const;

  struct Impl;

 private:
  explicit SphinxStt(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The [stt.NAME] type = "pocketsphinx" factory: options model_dir, dict, threads, decoders,
// min_confidence, interim_interval_ms, vocabulary_file, search ("lm" or "jsgf").
Result<std::shared_ptr<SttProvider>> make_sphinx_stt(const FactoryArgs &args);

}  // namespace ca::providers
