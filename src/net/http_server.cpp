#include "net/http_server.hpp"

#include <libwebsockets.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "core/log.hpp"

namespace ca::net {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.push_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}

void lws_log_to_ours(int level, const char *line) {
  std::string_view text(line ? line : "");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  log::write(level & LLL_ERR ? log::Level::error : log::Level::warn, "", "lws", {{"line", text}});
}

// The request methods lws records as URI tokens.
struct MethodToken {
  lws_token_indexes token;
  const char *name;
};
constexpr MethodToken kMethods[] = {
    {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},     {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},   {WSI_TOKEN_DELETE_URI, "DELETE"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},     {WSI_TOKEN_CONNECT, "CONNECT"},
};

bool is_uri_or_pseudo_token(int t) {
  for (const auto &m : kMethods)
    if (m.token == t) return true;
  return t == WSI_TOKEN_HTTP_URI_ARGS || t == WSI_TOKEN_HTTP_COLON_AUTHORITY || t == WSI_TOKEN_HTTP_COLON_METHOD ||
         t == WSI_TOKEN_HTTP_COLON_PATH || t == WSI_TOKEN_HTTP_COLON_SCHEME || t == WSI_TOKEN_HTTP_COLON_STATUS ||
         t == WSI_TOKEN_HTTP1_0 || t == WSI_TOKEN_HTTP;
}

std::string copy_token(struct lws *wsi, lws_token_indexes t) {
  const int len = lws_hdr_total_length(wsi, t);
  if (len <= 0) return {};
  std::string out(static_cast<size_t>(len) + 1, '\0');
  const int n = lws_hdr_copy(wsi, out.data(), len + 1, t);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// lws 4.1.6 hands a chunked request body to us still framed (and waits for 100 MB of it), so we
// take the framing off ourselves.
class ChunkDecoder {
 public:
  enum class State { size, data, data_end, trailer, done, error };

  // Appends the payload in `in` to `out`; returns the state after it.
  State feed(std::string_view in, std::string &out) {
    while (!in.empty() && state_ != State::done && state_ != State::error) {
      if (state_ == State::data) {
        const size_t n = std::min(remaining_, in.size());
        out.append(in.substr(0, n));
        in.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::data_end;
        continue;
      }
      const char c = in.front();
      in.remove_prefix(1);
      if (c != '\n') {
        if (line_.size() > 1024) state_ = State::error;
        line_.push_back(c);
        continue;
      }
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      on_line();
      line_.clear();
    }
    return state_;
  }

 private:
  void on_line() {
    switch (state_) {
      case State::size: {
        const std::string_view hex = std::string_view(line_).substr(0, line_.find(';'));
        size_t n = 0;
        auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), n, 16);
        if (ec != std::errc() || p == hex.data()) {
          state_ = State::error;
          return;
        }
        remaining_ = n;
        state_ = n == 0 ? State::trailer : State::data;
        return;
      }
      case State::data_end:
        state_ = line_.empty() ? State::size : State::error;
        return;
      case State::trailer:
        if (line_.empty()) state_ = State::done;
        return;
      default:
        return;
    }
  }

  State state_ = State::size;
  std::string line_;
  size_t remaining_ = 0;
};

// One HTTP transaction; lws's per-session data holds a pointer to it.
struct Transaction {
  ServerRequest req;
  bool chunked = false;
  ChunkDecoder dechunk;
  bool expect_body = false;
  bool too_large = false;
  bool responded = false;
  bool close_after = false;
  std::string out;  // LWS_PRE bytes, then the body
  size_t out_pos = LWS_PRE;
};

struct Pss {
  Transaction *tx;
};

struct Route {
  std::string method;
  std::vector<std::string> segments;
  RouteHandler handler;
};

}  // namespace

std::string ServerRequest::param(std::string_view name) const {
  for (const auto &[k, v] : params)
    if (k == name) return v;
  return {};
}

const std::string *ServerRequest::query_value(std::string_view name) const {
  for (const auto &[k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

ServerResponse ServerResponse::text(int status, std::string body, std::string content_type) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.push_back({"Content-Type", std::move(content_type)});
  return r;
}

ServerResponse ServerResponse::json(int status, std::string body) {
  return text(status, std::move(body), "application/json");
}

struct HttpServer::Impl {
  HttpServerOptions options;
  std::vector<Route> routes;
  lws_context *context = nullptr;
  lws_protocols protocols[2] = {};
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};
  uint16_t port = 0;
  std::mutex mu;

  static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
  int on_http(struct lws *wsi, Pss *pss, std::string_view uri);
  void dispatch(struct lws *wsi, Transaction *tx);
  void respond(struct lws *wsi, Transaction *tx, ServerResponse resp);
  int on_writeable(struct lws *wsi, Pss *pss);
};

int HttpServer::Impl::callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  auto *self = static_cast<Impl *>(lws_context_user(lws_get_context(wsi)));
  auto *pss = static_cast<Pss *>(user);
  switch (reason) {
    case LWS_CALLBACK_HTTP: {
      if (!pss) return -1;
      const char *uri = static_cast<const char *>(in);
      return self->on_http(wsi, pss, uri ? std::string_view(uri) : std::string_view());
    }

    case LWS_CALLBACK_HTTP_BODY: {
      Transaction *tx = pss ? pss->tx : nullptr;
      if (!tx || tx->responded) return 0;
      const std::string_view data(static_cast<const char *>(in), len);
      if (tx->too_large) return 0;  // drained, then answered with 413 at the end
      if (!tx->chunked) {
        tx->req.body.append(data);
        if (tx->req.body.size() > self->options.max_body) {  // more than its Content-Length said
          tx->close_after = true;
          self->respond(wsi, tx, ServerResponse::text(413, "request body too large\n"));
        }
        return 0;
      }
      // lws believes a chunked body never ends: answer once ours does, and close afterwards.
      tx->close_after = true;
      const auto st = tx->dechunk.feed(data, tx->req.body);
      if (tx->req.body.size() > self->options.max_body)
        self->respond(wsi, tx, ServerResponse::text(413, "request body too large\n"));
      else if (st == ChunkDecoder::State::error)
        self->respond(wsi, tx, ServerResponse::text(400, "bad chunked body\n"));
      else if (st == ChunkDecoder::State::done)
        self->dispatch(wsi, tx);
      return 0;
    }

    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      Transaction *tx = pss ? pss->tx : nullptr;
      if (!tx || tx->responded) return 0;
      if (tx->too_large)
        self->respond(wsi, tx, ServerResponse::text(413, "request body too large\n"));
      else
        self->dispatch(wsi, tx);
      return 0;
    }

    case LWS_CALLBACK_HTTP_WRITEABLE: {
      Transaction *tx = pss ? pss->tx : nullptr;
      if (!tx || !tx->responded) return 0;
      return self->on_writeable(wsi, pss);
    }

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      if (pss && pss->tx) {
        delete pss->tx;
        pss->tx = nullptr;
      }
      return 0;

    default:
      break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int HttpServer::Impl::on_http(struct lws *wsi, Pss *pss, std::string_view uri) {
  delete pss->tx;
  pss->tx = new Transaction;
  Transaction *tx = pss->tx;
  ServerRequest &req = tx->req;

  for (const auto &m : kMethods)
    if (lws_hdr_total_length(wsi, m.token) > 0) {
      req.method = m.name;
      break;
    }
  if (req.method.empty()) req.method = copy_token(wsi, WSI_TOKEN_HTTP_COLON_METHOD);  // HTTP/2
  req.path = std::string(uri);
  if (req.path.empty()) req.path = "/";

  char frag[4096];
  for (int i = 0;; ++i) {
    const int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n <= 0) break;
    const std::string_view arg(frag, static_cast<size_t>(n));
    const size_t eq = arg.find('=');
    if (eq == std::string_view::npos)
      req.query.emplace_back(std::string(arg), std::string());
    else
      req.query.emplace_back(std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1)));
  }

  for (int t = 0; t < WSI_TOKEN_COUNT; ++t) {
    const auto token = static_cast<lws_token_indexes>(t);
    if (is_uri_or_pseudo_token(t)) continue;
    const char *name = reinterpret_cast<const char *>(lws_token_to_string(token));
    if (!name || lws_hdr_total_length(wsi, token) <= 0) continue;
    std::string n = lower(name);
    while (!n.empty() && (n.back() == ':' || n.back() == ' ')) n.pop_back();
    if (n.empty()) continue;
    req.headers.push_back({std::move(n), copy_token(wsi, token)});
  }
#if defined(LWS_WITH_CUSTOM_HEADERS)
  for (const auto &extra : options.extra_headers) {
    const std::string key = lower(extra) + ":";
    const int vlen = lws_hdr_custom_length(wsi, key.c_str(), static_cast<int>(key.size()));
    if (vlen < 0) continue;
    std::string value(static_cast<size_t>(vlen) + 1, '\0');
    const int n = lws_hdr_custom_copy(wsi, value.data(), vlen + 1, key.c_str(), static_cast<int>(key.size()));
    value.resize(n > 0 ? static_cast<size_t>(n) : 0);
    req.headers.push_back({lower(extra), std::move(value)});
  }
#endif

  const std::string *cl = req.header("content-length");
  const std::string *te = req.header("transfer-encoding");
  const std::string *expect = req.header("expect");
  const bool wants_continue = expect && lower(*expect) == "100-continue";
  if (cl) {
    const unsigned long long n = std::strtoull(cl->c_str(), nullptr, 10);
    if (n > options.max_body) {
      tx->too_large = true;
      // Reading a moderately large body to its end keeps the connection usable and lets the
      // client read our answer (closing with unread input would reset it). A client that waits
      // for 100-continue, or a huge body, gets the answer at once and the connection closes.
      if (wants_continue || n > 4 * static_cast<unsigned long long>(options.max_body) + 64 * 1024) {
        tx->close_after = true;
        respond(wsi, tx, ServerResponse::text(413, "request body too large\n"));
        return 0;
      }
    }
    tx->expect_body = n > 0;
  } else if (te && lower(*te).find("chunked") != std::string::npos) {
    tx->expect_body = true;
    tx->chunked = true;
  }
  if (tx->expect_body && wants_continue) {
    // lws 4.1.6 never sends the interim response; without it a client waits (curl: 1 s) first.
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    unsigned char buf[LWS_PRE + sizeof kContinue];
    std::memcpy(buf + LWS_PRE, kContinue, sizeof kContinue - 1);
    if (lws_write(wsi, buf + LWS_PRE, sizeof kContinue - 1, LWS_WRITE_RAW) < 0) return -1;
  }
  if (!tx->expect_body) dispatch(wsi, tx);
  return 0;
}

void HttpServer::Impl::dispatch(struct lws *wsi, Transaction *tx) {
  ServerRequest &req = tx->req;
  const auto path = split_path(req.path);
  const Route *chosen = nullptr;
  const Route *get_route = nullptr;
  std::vector<std::string> allowed;
  for (const auto &r : routes) {
    if (r.segments.size() != path.size()) continue;
    bool match = true;
    for (size_t i = 0; i < path.size() && match; ++i) {
      const std::string &seg = r.segments[i];
      const bool is_param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
      match = is_param ? !path[i].empty() : seg == path[i];
    }
    if (!match) continue;
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) allowed.push_back(r.method);
    if (!chosen && r.method == req.method) chosen = &r;
    if (!get_route && r.method == "GET") get_route = &r;
  }
  if (!chosen && req.method == "HEAD") chosen = get_route;
  if (!chosen) {
    if (allowed.empty()) {
      respond(wsi, tx, ServerResponse::text(404, "not found\n"));
      return;
    }
    std::string allow;
    for (const auto &m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    if (get_route && std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) allow += ", HEAD";
    ServerResponse resp = ServerResponse::text(405, "method not allowed\n");
    resp.headers.push_back({"Allow", allow});
    respond(wsi, tx, std::move(resp));
    return;
  }
  const auto segs = split_path(req.path);
  for (size_t i = 0; i < chosen->segments.size(); ++i) {
    const std::string &seg = chosen->segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}')
      req.params.emplace_back(seg.substr(1, seg.size() - 2), std::string(segs[i]));
  }
  ServerResponse resp;
  try {
    resp = chosen->handler(req);
  } catch (const std::exception &e) {
    log::write(log::Level::error, "", "http server: handler threw", {{"path", req.path}, {"what", e.what()}});
    resp = ServerResponse::text(500, "internal error\n");
  } catch (...) {
    log::write(log::Level::error, "", "http server: handler threw", {{"path", req.path}});
    resp = ServerResponse::text(500, "internal error\n");
  }
  respond(wsi, tx, std::move(resp));
}

void HttpServer::Impl::respond(struct lws *wsi, Transaction *tx, ServerResponse resp) {
  tx->responded = true;
  const bool head = tx->req.method == "HEAD";
  size_t need = 512;
  for (const auto &h : resp.headers) need += h.name.size() + h.value.size() + 8;
  std::vector<unsigned char> buf(LWS_PRE + need);
  unsigned char *start = buf.data() + LWS_PRE;
  unsigned char *p = start;
  unsigned char *end = buf.data() + buf.size() - 1;
  bool ok = lws_add_http_header_status(wsi, static_cast<unsigned int>(resp.status), &p, end) == 0;
  for (const auto &h : resp.headers) {
    const std::string name = lower(h.name);
    if (name == "content-length" || name == "connection" || name == "transfer-encoding") continue;
    if (name.find_first_of(":\r\n ") != std::string::npos || h.value.find_first_of("\r\n") != std::string::npos) {
      log::write(log::Level::warn, "", "http server: response header with a line break dropped", {{"name", h.name}});
      continue;
    }
    const std::string key = name + ":";
    ok = ok && lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char *>(key.c_str()),
                                           reinterpret_cast<const unsigned char *>(h.value.data()),
                                           static_cast<int>(h.value.size()), &p, end) == 0;
  }
  if (tx->close_after)
    ok = ok && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, reinterpret_cast<const unsigned char *>("close"), 5,
                                            &p, end) == 0;
  ok = ok && lws_add_http_header_content_length(wsi, resp.body.size(), &p, end) == 0;
  ok = ok && lws_finalize_write_http_header(wsi, start, &p, end) == 0;
  if (!ok) {
    log::write(log::Level::error, "", "http server: could not write the response headers", {{"path", tx->req.path}});
    tx->close_after = true;
    tx->out.assign(LWS_PRE, '\0');
  } else {
    tx->out.assign(LWS_PRE, '\0');
    if (!head) tx->out += resp.body;
  }
  tx->out_pos = LWS_PRE;
  lws_callback_on_writable(wsi);
}

int HttpServer::Impl::on_writeable(struct lws *wsi, Pss *pss) {
  constexpr size_t kSlice = 16 * 1024;
  Transaction *tx = pss->tx;
  const size_t left = tx->out.size() - tx->out_pos;
  if (left == 0 && lws_get_network_wsi(wsi) != wsi) {
    // An HTTP/2 stream ends with a DATA frame flagged END_STREAM, even when there is no body.
    if (lws_write(wsi, reinterpret_cast<unsigned char *>(tx->out.data() + tx->out_pos), 0, LWS_WRITE_HTTP_FINAL) < 0) return -1;
  }
  if (left > 0) {
    const size_t n = std::min(left, kSlice);
    const bool last = n == left;
    auto *data = reinterpret_cast<unsigned char *>(tx->out.data() + tx->out_pos);
    if (lws_write(wsi, data, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(n)) return -1;
    tx->out_pos += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  if (tx->close_after) return -1;
  // Done with this one: a later writeable callback must not complete it twice.
  delete pss->tx;
  pss->tx = nullptr;
  // Keep-alive: lws waits for the next request on this connection, or closes it.
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(std::string method, std::string pattern, RouteHandler handler) {
  if (impl_->started) {
    log::write(log::Level::error, "", "http server: route() after start() ignored", {{"pattern", pattern}});
    return;
  }
  Route r;
  for (char &c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.method = std::move(method);
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  r.handler = std::move(handler);
  impl_->routes.push_back(std::move(r));
}

Result<uint16_t> HttpServer::start() {
  Impl &im = *impl_;
  std::lock_guard lock(im.mu);
  if (im.started) return im.port;
  static std::once_flag log_once;
  std::call_once(log_once, [] { lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours); });

  im.protocols[0].name = "http";
  im.protocols[0].callback = &Impl::callback;
  im.protocols[0].per_session_data_size = sizeof(Pss);
  im.protocols[1] = {};  // terminator

  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = im.options.port;
  info.iface = im.options.bind_address.empty() ? nullptr : im.options.bind_address.c_str();
  info.protocols = im.protocols;
  info.user = &im;
  info.gid = -1;
  info.uid = -1;
  info.fd_limit_per_thread = 1024;  // lws would otherwise size its tables by `ulimit -n`
  info.max_http_header_data = static_cast<unsigned short>(std::min<size_t>(im.options.max_header_bytes, 65535));
  info.max_http_header_pool = 32;
  info.keepalive_timeout = 30;
  info.timeout_secs = 30;
  info.server_string = "libcallagent";
  if (im.options.bind_address.find(':') == std::string::npos) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  const bool tls = !im.options.tls_cert_file.empty() && !im.options.tls_key_file.empty();
  if (tls) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = im.options.tls_cert_file.c_str();
    info.ssl_private_key_filepath = im.options.tls_key_file.c_str();
  }

  im.context = lws_create_context(&info);
  if (!im.context)
    return make_error(Errc::io,
                      "http server: cannot listen on " + im.options.bind_address + ":" + std::to_string(im.options.port));
  lws_vhost *vh = lws_get_vhost_by_name(im.context, "default");
  const int port = vh ? lws_get_vhost_listen_port(vh) : -1;
  if (port <= 0) {
    lws_context_destroy(im.context);
    im.context = nullptr;
    return make_error(Errc::io, "http server: no listening port");
  }
  im.port = static_cast<uint16_t>(port);
  im.stopping = false;
  im.started = true;
  im.thread = std::thread([&im] {
    pthread_setname_np(pthread_self(), "ca-http-server");
    while (!im.stopping.load()) {
      if (lws_service(im.context, 0) < 0) break;
    }
  });
  return im.port;
}

void HttpServer::stop() {
  Impl &im = *impl_;
  std::lock_guard lock(im.mu);
  if (!im.started) return;
  im.stopping = true;
  lws_cancel_service(im.context);  // wakes lws_service()
  if (im.thread.joinable()) im.thread.join();
  lws_context_destroy(im.context);  // closes every connection (their CLOSED_HTTP frees our state)
  im.context = nullptr;
  im.started = false;
}

uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace ca::net
