// What the streaming LLM providers (Anthropic, OpenAI-compatible) share: one HTTP request per
// LlmRequest on the NetRuntime's loop, its body fed through the SSE parser into a vendor decoder,
// and the rules every such provider keeps towards its sink:
//   - exactly one of on_llm_done / on_llm_error ends a request, and nothing follows it;
//   - after cancel() returns nothing more reaches the sink for that id (cancel from another
//     thread waits for a delivery in progress; from the loop thread — e.g. from inside the sink —
//     it takes effect at once), and the HTTP transfer is stopped (the connection is closed);
//   - an error after HTTP 200 (an `error` event, a malformed event) stops the transfer too;
//   - every error text goes through secrets::redact (a vendor may echo what it was sent).
// Sinks are called on the loop thread, except an error for a request that could not be started,
// which arrives on the caller's thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.hpp"
#include "net/sse.hpp"
#include "providers/net_runtime.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

// Where a decoder's results go. Each call is a no-op once the request has ended or was cancelled.
class LlmStreamOut {
 public:
  virtual ~LlmStreamOut() = default;
  virtual void text(std::string_view delta) = 0;
  virtual void tool_call(agent::ToolCall call) = 0;
  virtual void done(LlmUsage usage) = 0;
  virtual void error(std::string message) = 0;
  virtual bool ended() const = 0;
};

// A vendor's reading of its event stream; one per request, used on the loop thread only.
class LlmStreamDecoder {
 public:
  virtual ~LlmStreamDecoder() = default;
  virtual void on_event(const net::SseEvent &event, LlmStreamOut &out) = 0;
  // The body ended cleanly and the decoder has not ended the request: finish it or say why not.
  virtual void on_end(LlmStreamOut &out) = 0;
};

// Reads the vendor's error body ({"error": {"type", "message"}} in both dialects, or a string)
// into "HTTP 529 overloaded_error: Overloaded". Not redacted (the caller does it).
std::string describe_http_error(int status, std::string_view body);

class LlmStreamRunner {
 public:
  // `label` starts every error text ("anthropic (claude-haiku-4-5)").
  LlmStreamRunner(std::shared_ptr<NetRuntime> runtime, std::string label);
  // Cancels every request still running; their sinks hear nothing more.
  ~LlmStreamRunner();
  LlmStreamRunner(const LlmStreamRunner &) = delete;
  LlmStreamRunner &operator=(const LlmStreamRunner &) = delete;

  void start(RequestId id, net::HttpRequest request, std::unique_ptr<LlmStreamDecoder> decoder,
             std::shared_ptr<LlmSink> sink);
  void cancel(RequestId id);
  // Requests started and not yet ended (for tests).
  size_t active() const;
  const std::string &label() const { return label_; }

  struct Stream;

 private:
  struct Table {
    mutable std::mutex mu;
    std::map<RequestId, std::shared_ptr<Stream>> streams;
  };
  std::shared_ptr<NetRuntime> runtime_;
  std::string label_;
  std::shared_ptr<Table> table_;
};

// A random token for the Idempotency-Key header: an LLM request has no side effects, so the HTTP
// client may send it again after a 429/5xx that came before any of the answer.
std::string idempotency_key(std::string_view prefix);

}  // namespace ca::providers

namespace ca::providers {

// What both streaming providers are configured with; each vendor's options type sets its own base
// URL and model as defaults.
struct HttpLlmOptions {
  std::string base_url;
  std::string api_key;  // empty: none sent
  std::string model;
  int max_tokens = 1024;
  std::optional<double> temperature;
  Nanos timeout = seconds(60);             // the whole request, retries included
  Nanos first_byte_timeout = seconds(15);  // per attempt; also the longest silence mid-stream
  int retries = 2;
  Nanos max_retry_after = seconds(10);     // a longer Retry-After is not waited for
};

// The options both take from [llm.NAME] (unknown keys refused): model, max_tokens, temperature,
// timeout_ms, first_byte_timeout_ms, retries and base_url, into `o` (which holds the defaults).
// The key is the vendor's to resolve: its variable and whether one is required differ.
Result<void> read_http_llm_options(const FactoryArgs &args, HttpLlmOptions &o);

}  // namespace ca::providers
