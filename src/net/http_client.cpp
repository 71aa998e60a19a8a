#include "net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <exception>
#include <future>
#include <mutex>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "core/log.hpp"

namespace ca::net {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool idempotent_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" || m == "TRACE";
}

// Failures that happen before the server could have acted on a response we saw; safe to try
// again for a request that may be repeated.
bool connection_failure(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:  // only the connect timeout is given to libcurl
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

long to_millis_ceil(Nanos n) { return static_cast<long>((n + kNanosPerMilli - 1) / kNanosPerMilli); }

struct SocketCtx {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  HttpClient::State *state = nullptr;
};

}  // namespace

const std::string *find_header(const Headers &headers, std::string_view name) {
  for (const auto &h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

const char *outcome_name(HttpOutcome o) {
  switch (o) {
    case HttpOutcome::ok: return "ok";
    case HttpOutcome::http_error: return "http_error";
    case HttpOutcome::timeout: return "timeout";
    case HttpOutcome::cancelled: return "cancelled";
    case HttpOutcome::transport: return "transport";
  }
  return "?";
}

const char *timeout_name(TimeoutKind t) {
  switch (t) {
    case TimeoutKind::none: return "none";
    case TimeoutKind::connect: return "connect";
    case TimeoutKind::first_byte: return "first_byte";
    case TimeoutKind::idle: return "idle";
    case TimeoutKind::total: return "total";
  }
  return "?";
}

Result<void> HttpResult::to_result() const {
  switch (outcome) {
    case HttpOutcome::ok: return {};
    case HttpOutcome::timeout: return make_error(Errc::timeout, message);
    case HttpOutcome::http_error: return make_error(Errc::protocol, message);
    default: return make_error(Errc::io, message);
  }
}

std::optional<Nanos> parse_retry_after(std::string_view value, int64_t now_unix) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t secs = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec != std::errc() || p != value.data() + value.size()) return seconds(1'000'000);  // absurdly long
    return seconds(std::min<int64_t>(secs, 1'000'000));
  }
  // curl_getdate understands the three HTTP-date forms (IMF-fixdate, RFC 850, asctime).
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const int64_t delta = static_cast<int64_t>(when) - now_unix;
  return seconds(std::max<int64_t>(delta, 0));
}

// ---- the client's state, touched only on the loop thread (except next_id) ----

namespace {

HttpResult result_of(HttpOutcome outcome, int status, TimeoutKind timeout, std::string message, std::string body, int attempts) {
  HttpResult r;
  r.outcome = outcome;
  r.status = status;
  r.timeout = timeout;
  r.message = std::move(message);
  r.body = std::move(body);
  r.attempts = attempts;
  return r;
}

struct Transfer {
  enum class Mode : uint8_t { undecided, stream, collect_error, swallow };

  RequestId id = 0;
  HttpRequest req;
  HttpCallbacks cb;
  HttpClient::State *state = nullptr;
  bool idempotent = false;
  curl_slist *header_list = nullptr;
  CURL *easy = nullptr;
  uv_timer_t *timer = nullptr;  // heap: freed by its close callback
  Nanos deadline = 0;           // total timeout, 0 = none

  // per attempt
  int attempt = 0;
  Nanos attempt_started = 0;
  Nanos last_byte = 0;  // 0 until the attempt's first response byte
  bool headers_done = false;
  Mode mode = Mode::undecided;
  int status = 0;
  Headers headers;
  std::string error_body;
  char errbuf[CURL_ERROR_SIZE] = {};

  bool waiting_retry = false;
  bool cancel_requested = false;
  bool committed = false;  // on_response was called: no more retries
  int http_version = 0;
};

}  // namespace

struct HttpClient::State {
  EventLoop &loop;
  HttpClientOptions options;
  std::atomic<RequestId> next_id{1};

  // loop thread only
  CURLM *multi = nullptr;
  uv_timer_t *timer = nullptr;
  std::unordered_map<RequestId, std::unique_ptr<Transfer>> transfers;
  std::unordered_set<SocketCtx *> sockets;
  std::mt19937_64 rng;
  bool closed = false;
  bool uv_gone = false;  // the loop stopped under us: its handles are already closed

  State(EventLoop &l, HttpClientOptions o) : loop(l), options(std::move(o)) {
    if (options.user_agent.empty()) options.user_agent = std::string("libcallagent/") + CALLAGENT_VERSION_STRING;
    rng.seed(options.seed != 0 ? options.seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}());
  }

  void init();
  void shutdown();
  void start(RequestId id, HttpRequest req, HttpCallbacks cb);
  void start_attempt(Transfer *t);
  void arm_timer(Transfer *t);
  void note_byte(Transfer *t);
  void on_transfer_timer(Transfer *t);
  void check_multi_info();
  void on_attempt_done(Transfer *t, CURLcode rc);
  bool try_retry(Transfer *t, std::optional<Nanos> retry_after, const std::string &reason);
  void on_headers_complete(Transfer *t, int code);
  void finish(Transfer *t, HttpResult result);
  void cancel_now(RequestId id);
  void close_socket(SocketCtx *ctx);
  std::optional<Nanos> retry_after_of(const Headers &headers) const;

  static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
  static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp);
  static size_t on_header(char *buf, size_t size, size_t n, void *userp);
  static size_t on_write(char *buf, size_t size, size_t n, void *userp);
};

namespace {

// Runs a user callback; one that throws cancels its request rather than unwinding through libcurl.
template <class F>
void guarded(Transfer *t, const char *what, F &&f) {
  try {
    f();
  } catch (const std::exception &e) {
    log::write(log::Level::error, "", "http: a callback threw; request cancelled", {{"callback", what}, {"what", e.what()}});
    t->cancel_requested = true;
  } catch (...) {
    log::write(log::Level::error, "", "http: a callback threw; request cancelled", {{"callback", what}});
    t->cancel_requested = true;
  }
}

void close_and_delete_timer(uv_timer_t *timer) {
  uv_timer_stop(timer);
  uv_close(reinterpret_cast<uv_handle_t *>(timer), [](uv_handle_t *h) { delete reinterpret_cast<uv_timer_t *>(h); });
}

}  // namespace

void HttpClient::State::init() {
  curl_global_once();
  multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &State::on_curl_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &State::on_curl_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  timer = new uv_timer_t;
  uv_timer_init(loop.loop(), timer);
  timer->data = this;
}

void HttpClient::State::shutdown() {
  if (closed) return;
  closed = true;
  std::vector<RequestId> ids;
  ids.reserve(transfers.size());
  for (auto &[id, t] : transfers) ids.push_back(id);
  for (RequestId id : ids) {
    auto it = transfers.find(id);
    if (it == transfers.end()) continue;  // a callback of an earlier one could not have removed it, but be safe
    finish(it->second.get(), result_of(HttpOutcome::cancelled, 0, TimeoutKind::none, "client destroyed", {}, 0));
  }
  if (multi) curl_multi_cleanup(multi);
  multi = nullptr;
  for (SocketCtx *ctx : std::vector<SocketCtx *>(sockets.begin(), sockets.end())) close_socket(ctx);
  if (timer) {
    if (uv_gone)
      delete timer;
    else
      close_and_delete_timer(timer);
    timer = nullptr;
  }
}

void HttpClient::State::close_socket(SocketCtx *ctx) {
  sockets.erase(ctx);
  if (uv_gone) {
    delete ctx;
    return;
  }
  uv_poll_stop(&ctx->poll);
  uv_close(reinterpret_cast<uv_handle_t *>(&ctx->poll), [](uv_handle_t *h) { delete static_cast<SocketCtx *>(h->data); });
}

int HttpClient::State::on_curl_socket(CURL *, curl_socket_t s, int what, void *userp, void *socketp) {
  auto *st = static_cast<State *>(userp);
  auto *ctx = static_cast<SocketCtx *>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (ctx) {
      curl_multi_assign(st->multi, s, nullptr);
      st->close_socket(ctx);
    }
    return 0;
  }
  if (st->uv_gone) return 0;
  if (!ctx) {
    ctx = new SocketCtx;
    ctx->fd = s;
    ctx->state = st;
    if (uv_poll_init_socket(st->loop.loop(), &ctx->poll, s) != 0) {
      delete ctx;
      return -1;
    }
    ctx->poll.data = ctx;
    st->sockets.insert(ctx);
    curl_multi_assign(st->multi, s, ctx);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  uv_poll_start(&ctx->poll, events, [](uv_poll_t *h, int status, int ev) {
    auto *c = static_cast<SocketCtx *>(h->data);
    State *state = c->state;
    int flags = 0;
    if (status < 0) flags |= CURL_CSELECT_ERR;
    if (ev & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (ev & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    int running = 0;
    curl_multi_socket_action(state->multi, c->fd, flags, &running);
    state->check_multi_info();
  });
  return 0;
}

int HttpClient::State::on_curl_timer(CURLM *, long timeout_ms, void *userp) {
  auto *st = static_cast<State *>(userp);
  if (st->uv_gone || !st->timer) return 0;
  if (timeout_ms < 0) {
    uv_timer_stop(st->timer);
    return 0;
  }
  // Never call back into libcurl from here: the timer fires on the next loop iteration at the
  // earliest, outside libcurl.
  uv_timer_start(
      st->timer,
      [](uv_timer_t *h) {
        auto *state = static_cast<State *>(h->data);
        int running = 0;
        curl_multi_socket_action(state->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        state->check_multi_info();
      },
      static_cast<uint64_t>(timeout_ms), 0);
  return 0;
}

void HttpClient::State::start(RequestId id, HttpRequest req, HttpCallbacks cb) {
  auto t = std::make_unique<Transfer>();
  t->id = id;
  t->req = std::move(req);
  t->cb = std::move(cb);
  t->state = this;
  Transfer *raw = t.get();
  if (closed || !multi) {
    if (raw->cb.on_complete)
      raw->cb.on_complete(result_of(HttpOutcome::cancelled, 0, TimeoutKind::none, "client destroyed", {}, 0));
    return;
  }

  std::string invalid;
  const auto &r = raw->req;
  if (!is_token(r.method))
    invalid = "bad method";
  else if (r.url.empty() || has_ctl(r.url))
    invalid = "bad url";
  for (const auto &h : r.headers)
    if (!is_token(h.name) || has_ctl(h.value)) invalid = "bad header " + h.name;
  if (!invalid.empty()) {
    if (raw->cb.on_complete)
      raw->cb.on_complete(result_of(HttpOutcome::transport, 0, TimeoutKind::none, "invalid request: " + invalid, {}, 0));
    return;
  }

  raw->idempotent = idempotent_method(r.method) || find_header(r.headers, "Idempotency-Key") != nullptr;
  bool has_expect = false;
  for (const auto &h : r.headers) {
    if (iequals(h.name, "Expect")) has_expect = true;
    // "Name;" is libcurl's way to send a header with an empty value ("Name:" would remove it).
    const std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    raw->header_list = curl_slist_append(raw->header_list, line.c_str());
  }
  if (!has_expect) raw->header_list = curl_slist_append(raw->header_list, "Expect:");

  raw->timer = new uv_timer_t;
  uv_timer_init(loop.loop(), raw->timer);
  raw->timer->data = raw;
  if (r.timeouts.total > 0) raw->deadline = monotonic_now() + r.timeouts.total;
  transfers.emplace(id, std::move(t));
  start_attempt(raw);
}

void HttpClient::State::start_attempt(Transfer *t) {
  t->attempt++;
  t->attempt_started = monotonic_now();
  t->last_byte = 0;
  t->headers_done = false;
  t->mode = Transfer::Mode::undecided;
  t->status = 0;
  t->http_version = 0;
  t->headers.clear();
  t->error_body.clear();
  t->errbuf[0] = 0;
  t->waiting_retry = false;

  const HttpRequest &r = t->req;
  CURL *e = curl_easy_init();
  t->easy = e;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Over TLS, ALPN tells at once whether a connection multiplexes, so waiting for it is cheap. Over
  // cleartext libcurl learns it only from a first response, and a slow one would hold every other
  // request to that host back.
  if (r.url.size() >= 8 && iequals(std::string_view(r.url).substr(0, 8), "https://"))
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // a proxy's CONNECT reply is not the response
  curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  if (!options.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &State::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &State::on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  Nanos connect = r.timeouts.connect;
  if (t->deadline > 0) {
    const Nanos left = std::max<Nanos>(t->deadline - t->attempt_started, millis(1));
    if (connect <= 0 || connect > left) connect = left;
  }
  if (connect > 0) curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, to_millis_ceil(connect));

  if (r.method == "GET" && r.body.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    }
    if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }

  const CURLMcode mc = curl_multi_add_handle(multi, e);
  if (mc != CURLM_OK) {
    curl_easy_cleanup(e);
    t->easy = nullptr;
    finish(t, result_of(HttpOutcome::transport, 0, TimeoutKind::none, curl_multi_strerror(mc), {}, t->attempt));
    return;
  }
  arm_timer(t);
}

// One timer per transfer covers total, first-byte and idle; it is re-armed lazily when it fires
// rather than on every byte.
void HttpClient::State::arm_timer(Transfer *t) {
  const HttpTimeouts &to = t->req.timeouts;
  Nanos next = 0;
  auto consider = [&](Nanos at) {
    if (at > 0 && (next == 0 || at < next)) next = at;
  };
  consider(t->deadline);
  if (t->last_byte == 0 && to.first_byte > 0) consider(t->attempt_started + to.first_byte);
  if (t->last_byte != 0 && to.idle > 0) consider(t->last_byte + to.idle);
  if (next == 0) {
    uv_timer_stop(t->timer);
    return;
  }
  const Nanos wait = std::max<Nanos>(next - monotonic_now(), 0);
  uv_timer_start(
      t->timer, [](uv_timer_t *h) { auto *tr = static_cast<Transfer *>(h->data); tr->state->on_transfer_timer(tr); },
      static_cast<uint64_t>(std::max<long>(to_millis_ceil(wait), 1)), 0);
}

void HttpClient::State::note_byte(Transfer *t) {
  const bool first = t->last_byte == 0;
  t->last_byte = monotonic_now();
  // The first byte ends the first-byte wait and starts the idle one: the timer's next deadline moves.
  if (first && t->req.timeouts.idle > 0) arm_timer(t);
}

void HttpClient::State::on_transfer_timer(Transfer *t) {
  if (t->waiting_retry) {
    if (t->cancel_requested)
      finish(t, result_of(HttpOutcome::cancelled, t->status, TimeoutKind::none, "cancelled", {}, t->attempt));
    else
      start_attempt(t);
    return;
  }
  const Nanos now = monotonic_now();
  const HttpTimeouts &to = t->req.timeouts;
  TimeoutKind kind = TimeoutKind::none;
  if (t->deadline > 0 && now >= t->deadline)
    kind = TimeoutKind::total;
  else if (t->last_byte == 0 && to.first_byte > 0 && now >= t->attempt_started + to.first_byte)
    kind = TimeoutKind::first_byte;
  else if (t->last_byte != 0 && to.idle > 0 && now >= t->last_byte + to.idle)
    kind = TimeoutKind::idle;
  if (kind == TimeoutKind::none) {
    arm_timer(t);
    return;
  }
  finish(t, result_of(HttpOutcome::timeout, t->status, kind, std::string(timeout_name(kind)) + " timeout", {}, t->attempt));
}

size_t HttpClient::State::on_header(char *buf, size_t size, size_t n, void *userp) {
  auto *t = static_cast<Transfer *>(userp);
  const size_t len = size * n;
  if (t->cancel_requested) return 0;
  t->state->note_byte(t);
  const std::string_view line(buf, len);
  if (line.starts_with("HTTP/")) {
    // A new status line: the start of a (possibly informational) header block.
    t->headers.clear();
    t->headers_done = false;
    return len;
  }
  if (t->headers_done) return len;  // trailers
  if (line == "\r\n" || line == "\n") {
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 100 && code < 200) return len;  // 100 Continue and friends: another block follows
    t->headers_done = true;
    long version = 0;
    curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
    switch (version) {
      case CURL_HTTP_VERSION_1_0: t->http_version = 10; break;
      case CURL_HTTP_VERSION_1_1: t->http_version = 11; break;
      case CURL_HTTP_VERSION_2_0: t->http_version = 20; break;
      case CURL_HTTP_VERSION_3: t->http_version = 30; break;
      default: t->http_version = 0;
    }
    t->state->on_headers_complete(t, static_cast<int>(code));
    return t->cancel_requested ? 0 : len;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    t->headers.push_back({std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  return len;
}

void HttpClient::State::on_headers_complete(Transfer *t, int code) {
  t->status = code;
  const auto &statuses = t->req.retry.statuses;
  const bool retryable = std::find(statuses.begin(), statuses.end(), code) != statuses.end() && t->idempotent &&
                         t->attempt < t->req.retry.max_attempts;
  if (retryable) {
    t->mode = Transfer::Mode::swallow;  // decided when the body is in: retried, or reported
    return;
  }
  t->mode = code >= 400 ? Transfer::Mode::collect_error : Transfer::Mode::stream;
  t->committed = true;
  if (t->cb.on_response) guarded(t, "on_response", [&] { t->cb.on_response(code, t->headers); });
}

size_t HttpClient::State::on_write(char *buf, size_t size, size_t n, void *userp) {
  auto *t = static_cast<Transfer *>(userp);
  const size_t len = size * n;
  if (t->cancel_requested) return 0;
  t->state->note_byte(t);
  if (t->mode == Transfer::Mode::stream) {
    if (t->cb.on_data) guarded(t, "on_data", [&] { t->cb.on_data(std::string_view(buf, len)); });
    return t->cancel_requested ? 0 : len;
  }
  const size_t room = t->req.error_body_limit > t->error_body.size() ? t->req.error_body_limit - t->error_body.size() : 0;
  t->error_body.append(buf, std::min(room, len));
  return len;
}

void HttpClient::State::check_multi_info() {
  CURLMsg *msg = nullptr;
  int pending = 0;
  while (multi && (msg = curl_multi_info_read(multi, &pending)) != nullptr) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *e = msg->easy_handle;
    const CURLcode rc = msg->data.result;
    Transfer *t = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, &t);
    if (t) on_attempt_done(t, rc);
  }
}

std::optional<Nanos> HttpClient::State::retry_after_of(const Headers &headers) const {
  if (const std::string *ms = find_header(headers, "retry-after-ms")) {
    double v = 0;
    auto s = trim(*ms);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && v >= 0 && std::isfinite(v) && v < 1e9)
      return static_cast<Nanos>(v * static_cast<double>(kNanosPerMilli));
  }
  if (const std::string *ra = find_header(headers, "retry-after"))
    return parse_retry_after(*ra, static_cast<int64_t>(std::time(nullptr)));
  return std::nullopt;
}

void HttpClient::State::on_attempt_done(Transfer *t, CURLcode rc) {
  curl_multi_remove_handle(multi, t->easy);
  curl_easy_cleanup(t->easy);
  t->easy = nullptr;
  if (t->cancel_requested) {
    finish(t, result_of(HttpOutcome::cancelled, t->status, TimeoutKind::none, "cancelled", {}, t->attempt));
    return;
  }
  const std::string curl_message = t->errbuf[0] ? std::string(t->errbuf) : std::string(curl_easy_strerror(rc));

  if (t->mode == Transfer::Mode::swallow) {
    // A retryable status: try again unless the wait is too long or past the deadline.
    const std::string reason = "HTTP " + std::to_string(t->status);
    if (try_retry(t, retry_after_of(t->headers), reason)) return;
    t->committed = true;
    if (t->cb.on_response) guarded(t, "on_response", [&] { t->cb.on_response(t->status, t->headers); });
    finish(t, result_of(HttpOutcome::http_error, t->status, TimeoutKind::none, reason, std::move(t->error_body), t->attempt));
    return;
  }
  if (rc == CURLE_OK) {
    if (t->mode == Transfer::Mode::collect_error) {
      finish(t, result_of(HttpOutcome::http_error, t->status, TimeoutKind::none, "HTTP " + std::to_string(t->status),
                           std::move(t->error_body), t->attempt));
    } else {
      finish(t, result_of(HttpOutcome::ok, t->status, TimeoutKind::none, {}, {}, t->attempt));
    }
    return;
  }
  if (!t->committed && t->req.retry.connection_failures && connection_failure(rc) && try_retry(t, std::nullopt, curl_message))
    return;
  if (t->mode == Transfer::Mode::collect_error) {
    finish(t, result_of(HttpOutcome::http_error, t->status, TimeoutKind::none,
                         "HTTP " + std::to_string(t->status) + " (body cut: " + curl_message + ")",
                         std::move(t->error_body), t->attempt));
    return;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    // libcurl only knows the connect timeout, which we shorten to what is left of the total.
    const bool past_deadline = t->deadline > 0 && monotonic_now() >= t->deadline - millis(1);
    const TimeoutKind kind = past_deadline ? TimeoutKind::total : TimeoutKind::connect;
    finish(t, result_of(HttpOutcome::timeout, t->status, kind, curl_message, {}, t->attempt));
    return;
  }
  finish(t, result_of(HttpOutcome::transport, t->status, TimeoutKind::none, curl_message, {}, t->attempt));
}

bool HttpClient::State::try_retry(Transfer *t, std::optional<Nanos> retry_after, const std::string &reason) {
  const RetryPolicy &p = t->req.retry;
  if (!t->idempotent || t->committed || t->attempt >= p.max_attempts) return false;
  Nanos delay = 0;
  if (retry_after) {
    if (*retry_after > p.max_retry_after) return false;
    delay = *retry_after;
  } else {
    const int shift = std::min(t->attempt - 1, 30);
    const double cap = std::min(static_cast<double>(p.max_delay), static_cast<double>(p.base_delay) * std::ldexp(1.0, shift));
    std::uniform_real_distribution<double> jitter(0.0, std::max(cap, 0.0));
    delay = static_cast<Nanos>(jitter(rng));
  }
  if (t->deadline > 0 && monotonic_now() + delay >= t->deadline) return false;
  if (options.on_retry)
    options.on_retry(RetryNotice{t->id, t->attempt, t->status, delay, retry_after.has_value(), reason});
  log::write(log::Level::debug, "", "http: retrying",
             {{"attempt", t->attempt}, {"status", t->status}, {"delay_ms", delay / kNanosPerMilli}, {"reason", reason}});
  t->waiting_retry = true;
  uv_timer_start(
      t->timer, [](uv_timer_t *h) { auto *tr = static_cast<Transfer *>(h->data); tr->state->on_transfer_timer(tr); },
      static_cast<uint64_t>(to_millis_ceil(delay)), 0);
  return true;
}

void HttpClient::State::finish(Transfer *t, HttpResult result) {
  if (t->easy) {
    if (multi) curl_multi_remove_handle(multi, t->easy);  // mid-transfer: libcurl closes the connection
    curl_easy_cleanup(t->easy);
    t->easy = nullptr;
  }
  if (t->timer) {
    if (uv_gone)
      delete t->timer;
    else
      close_and_delete_timer(t->timer);
    t->timer = nullptr;
  }
  if (t->header_list) curl_slist_free_all(t->header_list);
  t->header_list = nullptr;
  if (result.attempts == 0) result.attempts = t->attempt;
  if (result.status != 0) result.http_version = t->http_version;
  // Out of the table before the callback, so a cancel() from inside it is a no-op.
  auto node = transfers.extract(t->id);
  if (t->cb.on_complete) {
    try {
      t->cb.on_complete(result);
    } catch (const std::exception &e) {
      log::write(log::Level::error, "", "http: on_complete threw", {{"what", e.what()}});
    } catch (...) {
      log::write(log::Level::error, "", "http: on_complete threw");
    }
  }
}

void HttpClient::State::cancel_now(RequestId id) {
  auto it = transfers.find(id);
  if (it == transfers.end()) return;
  Transfer *t = it->second.get();
  finish(t, result_of(HttpOutcome::cancelled, t->status, TimeoutKind::none, "cancelled", {}, t->attempt));
}

// ---- public ----

HttpClient::HttpClient(EventLoop &loop, HttpClientOptions options)
    : loop_(loop), state_(std::make_shared<State>(loop, std::move(options))) {
  if (loop_.on_loop_thread()) {
    state_->init();
    return;
  }
  // Waiting keeps the rule simple: the client is usable from any thread once constructed.
  std::promise<void> ready;
  auto done = ready.get_future();
  if (loop_.post([st = state_, &ready] {
        st->init();
        ready.set_value();
      })) {
    done.wait();
    return;
  }
  state_->closed = true;
}

HttpClient::~HttpClient() {
  if (loop_.on_loop_thread()) {
    state_->shutdown();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  if (loop_.post([st = state_, &done] {
        st->shutdown();
        done.set_value();
      })) {
    fut.wait();
    return;
  }
  // The loop is stopping: once its thread has ended (it closes our handles itself), release the
  // rest here.
  loop_.stop();
  state_->uv_gone = true;
  state_->shutdown();
}

RequestId HttpClient::request(HttpRequest request, HttpCallbacks callbacks) {
  const RequestId id = state_->next_id.fetch_add(1);
  const bool posted = loop_.post([st = state_, id, req = std::move(request), cb = std::move(callbacks)]() mutable {
    st->start(id, std::move(req), std::move(cb));
  });
  return posted ? id : 0;
}

void HttpClient::cancel(RequestId id) {
  if (loop_.on_loop_thread()) {
    // Stop deliveries now; the removal itself waits until we are out of libcurl's callbacks.
    auto it = state_->transfers.find(id);
    if (it != state_->transfers.end()) it->second->cancel_requested = true;
  }
  loop_.post([st = state_, id] { st->cancel_now(id); });
}

}  // namespace ca::net
