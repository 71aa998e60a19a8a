// Speech recognition by one HTTP request per utterance (OpenAI-compatible transcriptions,
// whisper.cpp's server, Google speech:recognize): the audio is buffered until finish(), then sent
// whole, and the answer becomes one final (none when nothing was said) and `done`.
//
// The vendor-specific part is a BatchSttBackend: how the request is built and how the answer is
// read. This class does the rest the same way for every vendor: buffering, the request on the
// runtime's loop, retries, cancellation, and error texts with every secret masked.
//
// Threads. open/push/finish/cancel may be called from any thread and return at once (push copies
// under a mutex). Events reach the sink on the runtime's loop thread. After cancel() returns
// nothing more reaches the sink for that stream (an event being delivered at that moment completes
// first: delivery and cancel take the same lock, so a sink must not call cancel() on the provider
// from another thread while blocking the loop — sinks only enqueue).
//
// Lifetime. Destroy the provider from any thread but its loop thread: the destructor cancels every
// request and waits for the loop to pass that point, so nothing it owns is touched afterwards.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http_client.hpp"
#include "providers/net_runtime.hpp"
#include "providers/registry.hpp"
#include "providers/provider.hpp"
#include "providers/speech_vocabulary.hpp"

namespace ca::providers {

class BatchSttBackend {
 public:
  virtual ~BatchSttBackend() = default;
  virtual std::string_view name() const = 0;
  // Loop thread. Builds the request for a whole utterance and hands it to `send` — at once, or
  // later (a credential may have to be fetched first) — or hands it an error. Method, URL,
  // headers and body only: timeouts and retries are set by the caller.
  virtual void build(const SttParams &params, std::vector<int16_t> pcm,
                     std::function<void(Result<net::HttpRequest>)> send) = 0;
  // The body of a successful answer: the final, or nullopt when nothing was recognised.
  virtual Result<std::optional<SttEvent>> parse(const SttParams &params, std::string_view body) const = 0;
  // What an error answer says (the vendor's message), for the error text; "" when nothing useful.
  virtual std::string error_detail(std::string_view body) const;
};

struct BatchSttOptions {
  Nanos timeout = seconds(30);  // per utterance, retries included
  // 429 and 5xx are retried (the request carries an Idempotency-Key: recognition has no side
  // effects), Retry-After obeyed; max_attempts 1 turns that off.
  net::RetryPolicy retry = [] {
    net::RetryPolicy p;
    p.max_attempts = 3;
    p.statuses = {429, 500, 502, 503, 504};
    p.max_retry_after = seconds(10);
    return p;
  }();
  size_t max_seconds = 120;  // audio beyond this is dropped (vendors refuse long uploads)
  std::string api_key;       // masked in error texts even when too short for core/secrets
};

// The options every batch provider takes: timeout_ms (default 30000), retries (default 2) and
// max_seconds (default `default_max_seconds`, at most `max_max_seconds`).
Result<BatchSttOptions> batch_stt_options(const FactoryArgs &args, int64_t default_max_seconds,
                                          int64_t max_max_seconds);

class BatchHttpStt final : public SttProvider {
 public:
  // `keep` is held until the provider is gone and nothing of it runs on the loop any more (the
  // backend's credentials object, say: the backend may point into it).
  BatchHttpStt(std::shared_ptr<NetRuntime> runtime, std::shared_ptr<BatchSttBackend> backend,
               BatchSttOptions options, std::shared_ptr<void> keep = nullptr);
  ~BatchHttpStt() override;
  BatchHttpStt(const BatchHttpStt &) = delete;
  BatchHttpStt &operator=(const BatchHttpStt &) = delete;

  std::string_view name() const override;
  void open(const SttParams &params, std::shared_ptr<SttSink> sink) override;
  void push(RequestId stream, std::span<const int16_t> pcm) override;
  void finish(RequestId stream) override;
  void cancel(RequestId stream) override;
  // Sent as the backend sends a stream's hints (Google's phrases, whisper's prompt).
  void use_vocabulary(const SpeechVocabulary &vocabulary) override { hints_.set(vocabulary); }

  struct Core;

 private:
  std::shared_ptr<NetRuntime> runtime_;
  PhraseHints hints_;
  std::shared_ptr<Core> core_;
  std::shared_ptr<void> keep_;
};

// For backends: a random multipart boundary / idempotency key.
std::string random_token(std::string_view prefix);

}  // namespace ca::providers
