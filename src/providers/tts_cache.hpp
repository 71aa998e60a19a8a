// A phrase cache in front of any TTS provider. The bot says the same things again and again
// (greeting, fillers, silence prompts, transfer, farewell), and a cached phrase costs no
// synthesis time, no queueing behind other calls and no network.
//
// Memory: an LRU bounded in bytes. Disk (optional): one WAV file per phrase in a directory, named
// by the key, written atomically (a temporary file, then rename) by the cache's own I/O thread,
// so a crash leaves whole files or none. A new cache over the same directory loads the newest
// files into memory up to its bound at construction and reads the others on demand, on the I/O
// thread, never on the caller's.
//
// The key is a SHA-256 of (provider name, settings, voice, language, sample rate, text): the
// settings string says what else shapes the audio (the factory passes the provider's options).
//
// A hit replays the audio at once, in 100 ms chunks, from inside synthesize(): the interface lets
// a sink be called on the caller's thread, and sinks only enqueue. A miss goes to the provider,
// and the audio is recorded as it passes; it is stored only when the synthesis completes (done,
// not cancelled, no error, one sample rate throughout). Texts longer than max_text_chars pass
// through uncached. Every request, hit or miss, gets no callback once cancel() has returned.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

struct TtsCacheOptions {
  size_t max_bytes = size_t{16} << 20;  // memory bound (audio plus a small per-entry overhead); 0: no memory tier
  std::string dir;                      // on-disk store; empty: none
  size_t max_text_chars = 200;          // longer texts (in code points) are not cached
  std::string settings;                 // part of the key: what else shapes the provider's audio
};

struct TtsCacheStats {
  uint64_t hits = 0;         // requests answered from the cache (memory or disk)
  uint64_t disk_hits = 0;    // of those, read from disk
  uint64_t misses = 0;       // cacheable requests sent to the provider
  uint64_t uncacheable = 0;  // requests passed through (text too long, or empty)
  uint64_t stored = 0;       // completed syntheses recorded (including prewarm)
  uint64_t evicted = 0;      // memory entries dropped for room
  uint64_t disk_written = 0;
  uint64_t disk_errors = 0;  // files that could not be written or read back
  size_t entries = 0;        // in memory
  size_t bytes = 0;          // in memory, as counted against max_bytes
  size_t disk_entries = 0;   // files in the directory that the cache knows of
};

struct PrewarmPhrase {
  std::string text;
  std::string language = "uk";
  std::string voice;  // empty: the provider's default for the language
};

// Progress of one prewarm() call.
class TtsPrewarm {
 public:
  explicit TtsPrewarm(size_t total) : total_(total) {}
  // True once every phrase has ended (cached, failed or skipped); false on timeout.
  bool wait_for(std::chrono::milliseconds timeout);
  size_t total() const { return total_; }
  size_t cached() const;   // in the cache now: found there, or synthesised and stored
  size_t failed() const;   // the provider failed, or the audio could not be kept
  size_t skipped() const;  // not cacheable (too long, empty, or a duplicate)

  // For the cache.
  enum class Outcome : uint8_t { cached, failed, skipped };
  void end(Outcome outcome);

 private:
  const size_t total_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t cached_ = 0, failed_ = 0, skipped_ = 0;
};

class CachedTts final : public TtsProvider {
 public:
  // Creates the directory when it is missing; an error when it cannot be created or written.
  static Result<std::shared_ptr<CachedTts>> create(std::shared_ptr<TtsProvider> inner, TtsCacheOptions options);
  // As create(), but a directory that cannot be used is logged and the disk tier left out.
  CachedTts(std::shared_ptr<TtsProvider> inner, TtsCacheOptions options);
  // Waits for pending disk writes, so a new cache over the same directory sees them.
  ~CachedTts() override;
  CachedTts(const CachedTts &) = delete;
  CachedTts &operator=(const CachedTts &) = delete;

  std::string_view name() const override;  // the provider's
  void synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) override;
  void cancel(RequestId id) override;

  // Synthesises the phrases that are not cached yet (at start-up: greeting, fillers, silence
  // prompts, transfer, farewell) through the provider, with request ids of their own. Returns at
  // once; wait on the result if the first call must find them. Not counted as hits or misses.
  std::shared_ptr<TtsPrewarm> prewarm(const std::vector<PrewarmPhrase> &phrases, int sample_rate);

  TtsCacheStats stats() const;
  // The key of a request, as 64 hex digits (also the file's name without ".wav").
  std::string key_for(const TtsRequest &request) const;
  const std::shared_ptr<TtsProvider> &inner() const { return inner_; }
  const TtsCacheOptions &options() const;

  struct Store;

 private:
  std::shared_ptr<TtsProvider> inner_;
  std::shared_ptr<Store> store_;
};

// cache_bytes (an integer >= 0, default 16 MiB) and cache_dir (a string) from a [tts.NAME]
// section; the factory lists both among its keys. `settings` is left for the factory to fill.
Result<TtsCacheOptions> tts_cache_options(const FactoryArgs &args);

// `inner` behind a cache, or `inner` itself when the options ask for neither tier.
Result<std::shared_ptr<TtsProvider>> with_tts_cache(std::shared_ptr<TtsProvider> inner, TtsCacheOptions options);

}  // namespace ca::providers
