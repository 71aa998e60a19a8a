// What the network speech-synthesis providers (OpenAI-compatible, Google, ElevenLabs) share: one
// HTTP request per TtsRequest on the NetRuntime's client, the body turned into PCM as it arrives
// and handed to the sink at once, cancellation, retries and errors.
//
// A vendor says only how to build its request and how to decode its body (HttpTtsVendor); the
// rest is HttpTts. Threads: synthesize() and cancel() may be called from any thread and only post
// to the loop; the sink is called from the loop thread (or from the caller's, when the loop has
// stopped). Once cancel() has returned, the request gets no callback at all, and its transfer is
// stopped (the connection is closed mid-body). Every other request ends with exactly one
// on_tts_done or on_tts_error. Error texts are masked with core/secrets (no key or token in them).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http_client.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

class NetRuntime;

// Called with PCM as a decoder produces it, at the rate given.
using PcmEmit = std::function<void(std::span<const int16_t> pcm, int sample_rate)>;

// Turns a response body into PCM. Fed on the loop thread only, in order.
class TtsBodyDecoder {
 public:
  virtual ~TtsBodyDecoder() = default;
  // A piece of the body, any size (a single byte too).
  virtual Result<void> feed(std::string_view bytes, const PcmEmit &emit) = 0;
  // The body is complete.
  virtual Result<void> finish(const PcmEmit &emit) = 0;
};

// Raw signed 16-bit little-endian mono: a sample split across two pieces is joined (the odd byte
// is kept until the next piece). A dangling byte at the end is dropped.
class PcmS16Decoder final : public TtsBodyDecoder {
 public:
  explicit PcmS16Decoder(int sample_rate) : rate_(sample_rate) {}
  Result<void> feed(std::string_view bytes, const PcmEmit &emit) override;
  Result<void> finish(const PcmEmit &emit) override;

 private:
  int rate_;
  bool have_odd_ = false;
  uint8_t odd_ = 0;
  std::vector<int16_t> buf_;
};

// Raw G.711 (one byte per sample), mu-law or A-law.
class G711Decoder final : public TtsBodyDecoder {
 public:
  G711Decoder(bool alaw, int sample_rate) : alaw_(alaw), rate_(sample_rate) {}
  Result<void> feed(std::string_view bytes, const PcmEmit &emit) override;
  Result<void> finish(const PcmEmit &) override { return {}; }

 private:
  bool alaw_;
  int rate_;
  std::vector<int16_t> buf_;
};

// One request as a vendor builds it.
struct HttpTtsCall {
  net::HttpRequest request;  // method, url, headers, body; HttpTts adds timeouts and retries
  std::unique_ptr<TtsBodyDecoder> decoder;
};

class HttpTtsVendor {
 public:
  virtual ~HttpTtsVendor() = default;
  virtual std::string_view name() const = 0;
  // Builds the call for `request`, on the loop thread; calls `done` exactly once, on the loop
  // thread (at once, or after fetching a credential). An error is the request's on_tts_error.
  virtual void prepare(const TtsRequest &request, std::function<void(Result<HttpTtsCall>)> done) const = 0;
  // The human part of an error answer ("error.message" and the like), or empty.
  virtual std::string error_detail(std::string_view body) const;
};

struct HttpTtsLimits {
  Nanos timeout = seconds(30);       // the whole request, retries included
  Nanos idle_timeout = seconds(10);  // the longest silence inside a response
  int max_attempts = 3;              // 429, 502, 503, 504 and refused connections are tried again
  Nanos max_retry_after = seconds(5);  // a longer Retry-After fails at once (better a quick fallback)
};

class HttpTts final : public TtsProvider {
 public:
  HttpTts(std::shared_ptr<NetRuntime> runtime, std::shared_ptr<const HttpTtsVendor> vendor, HttpTtsLimits limits = {});
  // Cancels every request in flight; none gets a callback afterwards.
  ~HttpTts() override;
  HttpTts(const HttpTts &) = delete;
  HttpTts &operator=(const HttpTts &) = delete;

  std::string_view name() const override;
  void synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) override;
  // Every live request with this id.
  void cancel(RequestId id) override;

  // Requests in flight (tests).
  size_t active() const;

  struct Core;

 private:
  std::shared_ptr<NetRuntime> runtime_;  // first: released after the core has been closed
  std::shared_ptr<Core> core_;
};

// timeout_ms (the whole request, default 30000) and idle_timeout_ms (default 10000).
Result<HttpTtsLimits> http_tts_limits(const FactoryArgs &args);

// "uk" → "uk-UA", "ru" → "ru-RU", "en" → "en-US"; a tag with a region is kept as is.
std::string bcp47_locale(std::string_view language);
// The primary subtag: "ru-RU" → "ru".
std::string primary_language(std::string_view language);
// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view text);

}  // namespace ca::providers
