// An asynchronous HTTP client on libcurl's multi-socket interface, driven by an EventLoop: one
// multi handle (shared connection cache, keep-alive, HTTP/2 multiplexing over TLS), one uv_poll
// per socket and one uv_timer — no thread per request and no blocking call.
//
// Threads: request() and cancel() may be called from any thread; they only post to the loop.
// Every callback runs on the loop thread. Callbacks may call request() and cancel() (which then
// take effect after the callback returns) but must not destroy the client.
//
// Security: TLS peers are always verified (libcurl's defaults are never relaxed); proxies come from
// the environment as libcurl reads them (`http_proxy`, `https_proxy`, `no_proxy`, ...); only
// http and https URLs are accepted; redirects are not followed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/event_loop.hpp"

namespace ca::net {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The first value of header `name` (compared case-insensitively), or nullptr.
const std::string *find_header(const Headers &headers, std::string_view name);

// Which failures are tried again. A request is retried only when its method is idempotent (GET,
// HEAD, PUT, DELETE, OPTIONS) or it carries an Idempotency-Key header, and never once the
// response of an attempt has been handed to on_response (so never after body data reached
// on_data).
struct RetryPolicy {
  int max_attempts = 3;  // attempts in all; 1 = never retry
  std::vector<int> statuses = {429, 502, 503, 504, 529};
  // Failures before a response arrived: refused, reset, connect timeout, TLS handshake, HTTP/2
  // stream refused, empty reply. A DNS failure, a certificate failure and a first-byte, idle or
  // total timeout are not retried.
  bool connection_failures = true;
  // Without Retry-After the n-th retry waits uniform(0, min(max_delay, base_delay * 2^(n-1)))
  // ("full jitter").
  Nanos base_delay = millis(500);
  Nanos max_delay = seconds(8);
  // Retry-After / retry-after-ms is obeyed exactly up to this; a longer wait is not retried and
  // the response is reported as the error it is (better a quick fallback than a silent minute).
  Nanos max_retry_after = seconds(60);
};

// 0 disables a timeout.
struct HttpTimeouts {
  Nanos total = 0;           // the whole request: every attempt and the waits between them
  Nanos connect = seconds(10);  // per attempt: DNS, TCP and TLS
  Nanos first_byte = 0;      // per attempt: from its start to the first response byte
  Nanos idle = 0;            // per attempt: the longest silence after the first response byte
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  // "Expect:" is sent empty unless given, so bodies go without a 100-continue wait. Give a
  // Content-Type with a body (libcurl would say application/x-www-form-urlencoded).
  Headers headers;
  std::string body;
  HttpTimeouts timeouts;
  RetryPolicy retry;
  size_t error_body_limit = 16 * 1024;  // bytes of an error response kept in HttpResult::body
};

enum class HttpOutcome : uint8_t {
  ok,          // a final status below 400 and the whole body delivered
  http_error,  // a final status of 400 or more; the body is in HttpResult::body, not in on_data
  timeout,     // HttpResult::timeout says which
  cancelled,   // cancel(), or the client was destroyed
  transport,   // connection, TLS, protocol or invalid-request failure; message from libcurl
};

enum class TimeoutKind : uint8_t { none, connect, first_byte, idle, total };

const char *outcome_name(HttpOutcome o);
const char *timeout_name(TimeoutKind t);

struct HttpResult {
  HttpOutcome outcome = HttpOutcome::ok;
  int status = 0;  // the final attempt's HTTP status, 0 when none arrived
  TimeoutKind timeout = TimeoutKind::none;
  std::string message;  // empty when ok
  std::string body;     // http_error: the first error_body_limit bytes of the response body
  int attempts = 0;     // attempts started
  int http_version = 0; // of the final response: 10, 11, 20 or 30; 0 when none arrived

  bool ok() const { return outcome == HttpOutcome::ok; }
  // As a library Result: timeout → Errc::timeout, http_error → Errc::protocol, others → Errc::io.
  Result<void> to_result() const;
};

struct HttpCallbacks {
  // Once, for the attempt whose response is final (not for attempts that are retried), when its
  // headers are complete; from then on the request is never retried. Headers keep the server's
  // spelling and order.
  std::function<void(int status, const Headers &headers)> on_response;
  // Body bytes as they arrive (status below 400 only). The view lives only during the call.
  std::function<void(std::string_view chunk)> on_data;
  // Exactly once per accepted request, last.
  std::function<void(const HttpResult &result)> on_complete;
};

using RequestId = uint64_t;  // 0 is never a request

// What the client reports before waiting to retry (loop thread): for logs, metrics and tests.
struct RetryNotice {
  RequestId id = 0;
  int attempt = 0;   // the attempt that failed, from 1
  int status = 0;    // its status, 0 for a connection failure
  Nanos delay = 0;   // the wait before the next attempt
  bool from_retry_after = false;
  std::string reason;
};

struct HttpClientOptions {
  uint64_t seed = 0;  // seeds the backoff jitter; 0 = from std::random_device
  std::string user_agent;  // empty: "libcallagent/<version>"; a User-Agent request header wins
  // CA certificates (PEM file) to trust instead of the system store, for a private CA. Peers are
  // verified either way.
  std::string ca_file;
  std::function<void(const RetryNotice &)> on_retry;
};

class HttpClient {
 public:
  // `loop` must outlive the client.
  explicit HttpClient(EventLoop &loop, HttpClientOptions options = {});
  // Cancels every request (each gets on_complete(cancelled)) and releases the connections; waits
  // for the loop thread to do so. Must not be called from one of this client's callbacks.
  ~HttpClient();

  HttpClient(const HttpClient &) = delete;
  HttpClient &operator=(const HttpClient &) = delete;

  // Starts a request. Any thread. Returns its id, or 0 when the loop has stopped (no callback is
  // then called). An invalid request completes with HttpOutcome::transport.
  RequestId request(HttpRequest request, HttpCallbacks callbacks);

  // Stops a request at once — a connection in mid-body is closed — and calls its
  // on_complete(cancelled), unless it had already completed. Any thread. From the loop thread no
  // further on_data or on_response arrives for it after cancel() returns.
  void cancel(RequestId id);

  struct State;

 private:
  EventLoop &loop_;
  std::shared_ptr<State> state_;
};

// Retry-After: delta-seconds or an HTTP-date, as a wait from `now_unix` (seconds since the epoch).
// nullopt when the value is neither. A date in the past is a wait of 0.
std::optional<Nanos> parse_retry_after(std::string_view value, int64_t now_unix);

}  // namespace ca::net
