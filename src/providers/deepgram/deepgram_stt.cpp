#include "providers/deepgram/deepgram_stt.hpp"

#include <libwebsockets.h>

#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <vector>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "providers/credentials.hpp"
#include "providers/http_tts.hpp"  // url_encode

namespace ca::providers {

namespace {

constexpr const char *kProtocolName = "callagent-deepgram";
constexpr size_t kMaxFrame = 16 * 1024;      // audio bytes per binary frame
constexpr size_t kMaxMessage = 1 << 20;      // a Results message is a few kB
constexpr size_t kMaxHints = 50;             // each is a query parameter: keep the URL sane
constexpr size_t kMaxDetail = 300;

// What any thread may touch: whether events may still reach the sink.
struct Gate {
  std::recursive_mutex mu;  // held while an event is delivered; recursive: a sink may cancel
  bool closed = false;
  std::shared_ptr<SttSink> sink;
};

// One stream = one connection. Loop thread only.
struct Conn {
  RequestId id = 0;
  SttParams params;
  std::shared_ptr<Gate> gate;
  lws *wsi = nullptr;
  bool established = false;
  bool ended = false;           // terminal event given (or cancelled): close and forget
  std::string audio;            // queued s16le bytes, sent in order
  size_t max_queued = 0;
  bool dropped_audio = false;
  bool audio_since_tick = false;
  bool keepalive_due = false;
  bool no_more_audio = false;   // finish() or the end of the utterance
  bool close_wanted = false;    // CloseStream to send
  bool close_sent = false;
  std::string rx;               // a message being assembled from fragments
  bool peer_closed = false;
  int peer_code = 0;
  std::string peer_reason;
};

void lws_log_to_ours(int level, const char *line) {
  std::string_view text(line ? line : "");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  log::write(level == LLL_ERR ? log::Level::warn : log::Level::debug, "", "libwebsockets",
             {{"line", secrets::redact(text)}});
}

struct Endpoint {
  bool tls = true;
  std::string host;
  int port = 443;
  std::string prefix;  // a path before /v1/listen, without a trailing '/'
};

Result<Endpoint> parse_endpoint(std::string_view url) {
  Endpoint e;
  if (url.starts_with("wss://") || url.starts_with("https://")) {
    e.tls = true;
    e.port = 443;
  } else if (url.starts_with("ws://") || url.starts_with("http://")) {
    e.tls = false;
    e.port = 80;
  } else {
    return make_error(Errc::config, "the base URL must start with wss:// or ws://");
  }
  url.remove_prefix(url.find("://") + 3);
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) e.prefix = std::string(url.substr(slash));
  while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();
  if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    const std::string port(authority.substr(colon + 1));
    char *end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p <= 0 || p > 65535) return make_error(Errc::config, "the base URL has a bad port");
    e.port = static_cast<int>(p);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return make_error(Errc::config, "the base URL has no host");
  e.host = std::string(authority);
  return e;
}

}  // namespace

std::string deepgram_listen_target(const DeepgramSttOptions &o, const SttParams &p) {
  auto endpoint = parse_endpoint(o.base_url);
  std::string t = endpoint ? endpoint->prefix : std::string();
  t += "/v1/listen?encoding=linear16&sample_rate=" + std::to_string(p.sample_rate > 0 ? p.sample_rate : 8000);
  t += "&channels=1";
  if (!p.language.empty()) t += "&language=" + url_encode(p.language);
  t += "&interim_results=true";
  t += "&endpointing=" + std::to_string(o.endpointing_ms);
  t += "&utterance_end_ms=" + std::to_string(o.utterance_end_ms);
  t += "&model=" + url_encode(o.model);
  if (o.punctuate) t += "&punctuate=true";
  if (o.smart_format) t += "&smart_format=true";
  if (o.hints) {
    const char *param = o.model.starts_with("nova-3") ? "&keyterm=" : "&keywords=";
    size_t n = 0;
    for (const auto &h : p.hints) {
      if (h.empty() || n++ >= kMaxHints) continue;
      t += param + url_encode(h);
    }
  }
  return t;
}

struct DeepgramStt::Impl {
  NetRuntime *rt = nullptr;
  DeepgramSttOptions opts;
  Endpoint endpoint;
  lws_protocols protocols[2]{};
  lws_context *ctx = nullptr;  // created on first use; set to null by libwebsockets when destroyed
  std::map<RequestId, std::unique_ptr<Conn>> conns;

  std::mutex gates_mu;  // any thread
  std::map<RequestId, std::shared_ptr<Gate>> gates;

  std::string scrub(std::string text) const {
    if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail) + "...";
    text = secrets::redact(text);
    const std::string &key = opts.api_key;
    if (key.size() >= 4)
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) text.replace(at, key.size(), "[SECRET]");
    return text;
  }

  // ---- loop thread ----

  bool ensure_context() {
    if (ctx) return true;
    static std::once_flag log_once;
    std::call_once(log_once, [] { lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours); });
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    // libuv on the runtime's own loop; no spinning on SIGSEGV (lws's debugging default).
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
    void *loops[1] = {rt->loop().loop()};
    info.foreign_loops = loops;
    info.pcontext = &ctx;
    info.user = this;
    const auto secs = static_cast<unsigned>(std::max<Nanos>(1, opts.connect_timeout / kNanosPerSecond));
    info.timeout_secs = secs;
    info.connect_timeout_secs = secs;
    if (!opts.ca_file.empty()) info.client_ssl_ca_filepath = opts.ca_file.c_str();
    ctx = lws_create_context(&info);
    if (!ctx) log::write(log::Level::error, "", "deepgram: cannot create the libwebsockets context");
    return ctx != nullptr;
  }

  // Drops finished connections libwebsockets has let go of.
  void sweep() {
    for (auto it = conns.begin(); it != conns.end();) {
      if (it->second->ended && it->second->wsi == nullptr) it = conns.erase(it);
      else ++it;
    }
  }

  Conn *find(RequestId id) {
    auto it = conns.find(id);
    return it == conns.end() || it->second->ended ? nullptr : it->second.get();
  }

  void kill(Conn &c) {
    if (c.wsi) lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }

  void deliver(Conn &c, SttEvent e) {
    if (c.ended) return;
    const bool terminal = e.type == SttEvent::Type::done || e.type == SttEvent::Type::error;
    if (terminal) {
      c.ended = true;
      kill(c);
      std::lock_guard lock(gates_mu);
      gates.erase(c.id);
    }
    std::lock_guard lock(c.gate->mu);
    if (c.gate->closed) return;
    if (terminal) c.gate->closed = true;
    if (e.type == SttEvent::Type::error) {
      e.text = scrub("deepgram: " + e.text);
      log::write(log::Level::warn, "", "stt: stream failed", {{"provider", "deepgram"}, {"error", e.text}});
    }
    if (c.gate->sink) c.gate->sink->on_stt(c.id, std::move(e));
  }

  void fail(Conn &c, std::string message) {
    SttEvent e;
    e.type = SttEvent::Type::error;
    e.text = std::move(message);
    deliver(c, std::move(e));
  }

  void done(Conn &c) {
    SttEvent e;
    e.type = SttEvent::Type::done;
    deliver(c, std::move(e));
  }

  void want_write(Conn &c) {
    if (c.wsi && c.established) lws_callback_on_writable(c.wsi);
  }

  // The utterance is over (finish(), speech_final or UtteranceEnd): no more audio after what is
  // queued, then CloseStream.
  void end_audio(Conn &c, bool drop_queued) {
    if (drop_queued) c.audio.clear();
    c.no_more_audio = true;
    c.close_wanted = true;
    want_write(c);
  }

  void on_message(Conn &c, std::string_view text) {
    auto v = json::parse(text);
    if (!v || !v->is_object()) {
      log::write(log::Level::debug, "", "deepgram: a message that is not JSON ignored");
      return;
    }
    const std::string_view type = (*v)["type"].str();
    if (type == "Results") {
      const json::Value &alternatives = (*v)["channel"]["alternatives"];
      if (!alternatives.is_array() || alternatives.size() == 0) return;
      const json::Value &best = alternatives.items().front();
      SttEvent e;
      e.text = std::string(best["transcript"].str());
      e.confidence = best["confidence"].as_double(0);
      e.language = c.params.language;
      const bool is_final = (*v)["is_final"].as_bool(false);
      const bool speech_final = (*v)["speech_final"].as_bool(false);
      if (!e.text.empty()) {
        e.type = is_final ? SttEvent::Type::final : SttEvent::Type::interim;
        deliver(c, std::move(e));
      }
      if (is_final && speech_final && !c.no_more_audio) end_audio(c, true);
    } else if (type == "UtteranceEnd") {
      // Only reached when no speech_final ended the utterance first (that stops the stream).
      if (!c.no_more_audio) end_audio(c, true);
    }
    // Metadata, SpeechStarted and anything newer: nothing to do.
  }

  int on_writeable(Conn &c) {
    if (c.ended) return -1;
    unsigned char *buf = nullptr;
    std::vector<unsigned char> storage;
    auto frame = [&](std::string_view payload, lws_write_protocol kind) {
      storage.resize(LWS_PRE + payload.size());
      std::memcpy(storage.data() + LWS_PRE, payload.data(), payload.size());
      buf = storage.data() + LWS_PRE;
      return lws_write(c.wsi, buf, payload.size(), kind) < static_cast<int>(payload.size()) ? -1 : 0;
    };
    if (!c.audio.empty()) {
      const size_t n = std::min(c.audio.size(), kMaxFrame);
      if (frame(std::string_view(c.audio).substr(0, n), LWS_WRITE_BINARY) != 0) return -1;
      c.audio.erase(0, n);
      c.audio_since_tick = true;
      c.keepalive_due = false;
    } else if (c.keepalive_due && !c.close_sent) {
      // As text: Deepgram mishandles a KeepAlive sent as binary.
      if (frame(R"({"type":"KeepAlive"})", LWS_WRITE_TEXT) != 0) return -1;
      c.keepalive_due = false;
    } else if (c.close_wanted && !c.close_sent) {
      if (frame(R"({"type":"CloseStream"})", LWS_WRITE_TEXT) != 0) return -1;
      c.close_sent = true;
      lws_set_timer_usecs(c.wsi, static_cast<lws_usec_t>(opts.close_timeout / 1000));
    }
    if (!c.audio.empty() || c.keepalive_due || (c.close_wanted && !c.close_sent)) lws_callback_on_writable(c.wsi);
    return 0;
  }

  void on_closed(Conn &c, const char *why) {
    if (c.ended) return;
    if (c.peer_closed && (c.peer_code == 1000 || (c.peer_code == 0 && c.close_sent))) {
      done(c);
    } else if (c.peer_closed) {
      fail(c, "closed by the server: " + std::to_string(c.peer_code) + (c.peer_reason.empty() ? "" : " " + c.peer_reason));
    } else {
      fail(c, std::string("connection lost") + (why && *why ? std::string(": ") + why : std::string()));
    }
  }

  static int callback(lws *wsi, lws_callback_reasons reason, void *, void *in, size_t len) {
    auto *self = static_cast<Impl *>(lws_context_user(lws_get_context(wsi)));
    auto *c = static_cast<Conn *>(lws_get_opaque_user_data(wsi));
    if (self == nullptr || c == nullptr) return 0;
    switch (reason) {
      case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        if (self->opts.api_key.empty()) break;
        auto **p = static_cast<unsigned char **>(in);
        unsigned char *end = *p + len;
        const std::string value = "Token " + self->opts.api_key;
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                         reinterpret_cast<const unsigned char *>(value.data()),
                                         static_cast<int>(value.size()), p, end) != 0)
          return -1;
        break;
      }
      case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->established = true;
        if (c->ended) return -1;
        lws_set_timer_usecs(wsi, static_cast<lws_usec_t>(self->opts.keepalive_interval / 1000));
        lws_callback_on_writable(wsi);
        break;
      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        const unsigned status = lws_http_client_http_response(wsi);
        std::string why = in ? std::string(static_cast<const char *>(in), strnlen(static_cast<const char *>(in), 200)) : "";
        c->wsi = nullptr;
        lws_set_opaque_user_data(wsi, nullptr);
        self->fail(*c, (status >= 300 ? "the server refused the stream: HTTP " + std::to_string(status)
                                      : std::string("cannot connect")) +
                           (why.empty() ? "" : " (" + why + ")"));
        break;
      }
      case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c->ended) break;
        if (c->rx.size() + len <= kMaxMessage) c->rx.append(static_cast<const char *>(in), len);
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
          if (!lws_frame_is_binary(wsi)) self->on_message(*c, c->rx);
          c->rx.clear();
        }
        break;
      case LWS_CALLBACK_CLIENT_WRITEABLE:
        return self->on_writeable(*c);
      case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        const auto *b = static_cast<const unsigned char *>(in);
        c->peer_closed = true;
        if (len >= 2) {
          c->peer_code = b[0] << 8 | b[1];
          c->peer_reason.assign(reinterpret_cast<const char *>(b + 2), std::min<size_t>(len - 2, 123));
        }
        break;  // 0: libwebsockets answers the close
      }
      case LWS_CALLBACK_TIMER:
        if (c->ended) return -1;
        if (c->close_sent) {
          // Deepgram should have closed by now; what it sent is all there is.
          log::write(log::Level::warn, "", "deepgram: no close after CloseStream; ending the stream");
          self->done(*c);
          return -1;
        }
        if (!c->audio_since_tick && !c->no_more_audio) {
          c->keepalive_due = true;
          lws_callback_on_writable(wsi);
        }
        c->audio_since_tick = false;
        lws_set_timer_usecs(wsi, static_cast<lws_usec_t>(self->opts.keepalive_interval / 1000));
        break;
      case LWS_CALLBACK_CLIENT_CLOSED:
      case LWS_CALLBACK_WSI_DESTROY:  // the backstop: every connection ends here
        c->wsi = nullptr;
        lws_set_opaque_user_data(wsi, nullptr);
        self->on_closed(*c, nullptr);
        break;
      default:
        break;
    }
    return 0;
  }

  void open(const SttParams &params, const std::shared_ptr<Gate> &gate) {
    sweep();
    if (gate->closed) return;
    auto conn = std::make_unique<Conn>();
    Conn &c = *conn;
    c.id = params.id;
    c.params = params;
    c.gate = gate;
    const size_t rate = static_cast<size_t>(params.sample_rate > 0 ? params.sample_rate : 8000);
    c.max_queued = rate * 2 * opts.max_queued_seconds;
    if (auto old = conns.find(params.id); old != conns.end()) {
      old->second->ended = true;
      kill(*old->second);
      if (old->second->wsi) lws_set_opaque_user_data(old->second->wsi, nullptr);
      conns.erase(old);
    }
    conns[params.id] = std::move(conn);
    if (!ensure_context()) {
      fail(c, "cannot start libwebsockets (is libwebsockets-evlib-uv installed?)");
      return;
    }
    const std::string target = deepgram_listen_target(opts, params);
    const bool default_port = endpoint.port == (endpoint.tls ? 443 : 80);
    const std::string host_header = default_port ? endpoint.host : endpoint.host + ":" + std::to_string(endpoint.port);
    lws_client_connect_info ci;
    std::memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = endpoint.host.c_str();
    ci.port = endpoint.port;
    ci.path = target.c_str();
    ci.host = host_header.c_str();
    ci.origin = host_header.c_str();
    ci.ssl_connection = endpoint.tls ? LCCSCF_USE_SSL : 0;
    ci.protocol = nullptr;
    ci.local_protocol_name = kProtocolName;
    ci.opaque_user_data = &c;
    // Not ci.pwsi: libwebsockets may write through it after we forgot the connection.
    lws *wsi = lws_client_connect_via_info(&ci);
    if (c.ended) return;  // failed inside the call (CLIENT_CONNECTION_ERROR came already)
    if (wsi == nullptr) {
      fail(c, "cannot connect");
      return;
    }
    c.wsi = wsi;
  }

  void push(RequestId id, std::string bytes) {
    Conn *c = find(id);
    if (c == nullptr || c->no_more_audio) return;
    const size_t room = c->max_queued > c->audio.size() ? c->max_queued - c->audio.size() : 0;
    if (bytes.size() > room) {
      if (!c->dropped_audio) log::write(log::Level::warn, "", "deepgram: audio queue full, dropping audio");
      c->dropped_audio = true;
      bytes.resize(room & ~size_t{1});
    }
    c->audio += bytes;
    want_write(*c);
  }

  void finish(RequestId id) {
    Conn *c = find(id);
    if (c == nullptr || c->close_wanted) return;
    end_audio(*c, false);
  }

  void cancel(RequestId id) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    Conn &c = *it->second;
    c.ended = true;
    kill(c);
    sweep();
  }

  // Tears everything down; `this` is deleted once libwebsockets has closed its handles.
  void shutdown(std::shared_ptr<std::promise<void>> gone) {
    for (auto &[id, c] : conns) c->ended = true;
    if (ctx == nullptr) {
      delete this;
      gone->set_value();
      return;
    }
    lws_context_destroy(ctx);
    if (ctx == nullptr) {
      delete this;
      gone->set_value();
      return;
    }
    // libwebsockets 4.1 with a foreign libuv loop closes its handles over the next loop turns,
    // then needs lws_context_destroy() once more to free the context (which clears `ctx`
    // through info.pcontext). An idle handle watches for the closes to be over: no handle on
    // the loop still closing, two turns on at least.
    struct Waiter {
      uv_idle_t idle{};
      Impl *impl = nullptr;
      int turns = 0;
      bool finalised = false;
      std::shared_ptr<std::promise<void>> gone;
    };
    auto *w = new Waiter;
    w->impl = this;
    w->gone = std::move(gone);
    w->idle.data = w;
    uv_idle_init(rt->loop().loop(), &w->idle);
    uv_idle_start(&w->idle, [](uv_idle_t *h) {
      auto *waiter = static_cast<Waiter *>(h->data);
      Impl *impl = waiter->impl;
      if (impl->ctx != nullptr) {
        ++waiter->turns;
        if (!waiter->finalised && waiter->turns >= 2) {
          int closing = 0;
          uv_walk(
              h->loop,
              [](uv_handle_t *handle, void *arg) {
                if (uv_is_closing(handle)) ++*static_cast<int *>(arg);
              },
              &closing);
          if (closing == 0) {
            waiter->finalised = true;
            lws_context_destroy(impl->ctx);
          }
        }
        if (impl->ctx != nullptr && waiter->turns < 100000) return;
        if (impl->ctx != nullptr) {
          // Never seen; better a leaked context than a loop spinning for ever.
          log::write(log::Level::error, "", "deepgram: the libwebsockets context did not finish closing");
          waiter->impl = nullptr;
        }
      }
      uv_idle_stop(h);
      uv_close(reinterpret_cast<uv_handle_t *>(h), [](uv_handle_t *closed) {
        auto *done_waiter = static_cast<Waiter *>(closed->data);
        delete done_waiter->impl;
        done_waiter->gone->set_value();
        delete done_waiter;
      });
    });
  }
};

DeepgramStt::DeepgramStt(std::shared_ptr<NetRuntime> runtime, DeepgramSttOptions options)
    : runtime_(std::move(runtime)), impl_(new Impl) {
  impl_->rt = runtime_.get();
  impl_->opts = std::move(options);
  secrets::add(impl_->opts.api_key);
  if (auto e = parse_endpoint(impl_->opts.base_url)) impl_->endpoint = *e;
  impl_->protocols[0].name = kProtocolName;
  impl_->protocols[0].callback = &Impl::callback;
  impl_->protocols[0].rx_buffer_size = 0;
}

DeepgramStt::~DeepgramStt() {
  {
    std::lock_guard lock(impl_->gates_mu);
    for (auto &[id, gate] : impl_->gates) {
      std::lock_guard gate_lock(gate->mu);
      gate->closed = true;
    }
    impl_->gates.clear();
  }
  auto gone = std::make_shared<std::promise<void>>();
  auto future = gone->get_future();
  Impl *impl = impl_;
  if (!runtime_->loop().post([impl, gone] { impl->shutdown(gone); })) {
    // The loop is gone, and with it every handle libwebsockets had; the context cannot be
    // destroyed safely any more, so it is left (this only happens at process exit).
    log::write(log::Level::warn, "", "deepgram: provider outlived its loop");
    return;
  }
  if (!runtime_->loop().on_loop_thread()) future.wait();
}

void DeepgramStt::open(const SttParams &params, std::shared_ptr<SttSink> sink) {
  auto gate = std::make_shared<Gate>();
  gate->sink = std::move(sink);
  {
    std::lock_guard lock(impl_->gates_mu);
    impl_->gates[params.id] = gate;
  }
  Impl *impl = impl_;
  runtime_->loop().post([impl, params = hints_.add_to(params), gate] { impl->open(params, gate); });
}

void DeepgramStt::push(RequestId stream, std::span<const int16_t> pcm) {
  // linear16 is little-endian, as int16_t is here.
  std::string bytes(reinterpret_cast<const char *>(pcm.data()), pcm.size_bytes());
  Impl *impl = impl_;
  runtime_->loop().post([impl, stream, bytes = std::move(bytes)]() mutable { impl->push(stream, std::move(bytes)); });
}

void DeepgramStt::finish(RequestId stream) {
  Impl *impl = impl_;
  runtime_->loop().post([impl, stream] { impl->finish(stream); });
}

void DeepgramStt::cancel(RequestId stream) {
  std::shared_ptr<Gate> gate;
  {
    std::lock_guard lock(impl_->gates_mu);
    auto it = impl_->gates.find(stream);
    if (it == impl_->gates.end()) return;
    gate = it->second;
    impl_->gates.erase(it);
  }
  {
    // Waits for a delivery in progress; none follows.
    std::lock_guard gate_lock(gate->mu);
    gate->closed = true;
  }
  Impl *impl = impl_;
  runtime_->loop().post([impl, stream] { impl->cancel(stream); });
}

Result<std::shared_ptr<SttProvider>> make_deepgram_stt(const FactoryArgs &args) {
  if (auto ok = check_option_keys(args, {"base_url", "api_key_env", "api_key", "model", "endpointing_ms",
                                         "utterance_end_ms", "punctuate", "smart_format", "hints", "keepalive_ms",
                                         "connect_timeout_ms", "close_timeout_ms", "ca_file"});
      !ok)
    return ok.error();
  const std::string where = args.where + ": " + args.name + ": ";
  DeepgramSttOptions o;
  if (const json::Value *b = args.options.find("base_url")) {
    if (!b->is_string()) return make_error(Errc::config, where + "base_url must be a string");
    o.base_url = b->as_string();
    while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
  }
  if (auto e = parse_endpoint(o.base_url); !e) return make_error(Errc::config, where + e.error().message);
  auto key = resolve_api_key(args, "DEEPGRAM_API_KEY", true);
  if (!key) return key.error();
  o.api_key = *key;
  for (char ch : o.api_key)
    if (static_cast<unsigned char>(ch) < 0x21 || static_cast<unsigned char>(ch) > 0x7E)
      return make_error(Errc::config, where + "the API key has invalid characters");
  if (const json::Value *m = args.options.find("model")) {
    if (!m->is_string() || m->as_string().empty()) return make_error(Errc::config, where + "model must be a non-empty string");
    o.model = m->as_string();
  }
  auto int_opt = [&](std::string_view k, int64_t lo, int64_t hi, auto &&set) -> Result<void> {
    const json::Value *v = args.options.find(k);
    if (v == nullptr) return {};
    if (!v->is_integer() || v->as_int() < lo || v->as_int() > hi)
      return make_error(Errc::config, where + std::string(k) + " must be an integer from " + std::to_string(lo) +
                                          " to " + std::to_string(hi));
    set(v->as_int());
    return {};
  };
  auto bool_opt = [&](std::string_view k, bool &out) -> Result<void> {
    const json::Value *v = args.options.find(k);
    if (v == nullptr) return {};
    if (!v->is_bool()) return make_error(Errc::config, where + std::string(k) + " must be true or false");
    out = v->as_bool();
    return {};
  };
  for (auto r : {int_opt("endpointing_ms", 10, 10000, [&](int64_t x) { o.endpointing_ms = static_cast<int>(x); }),
                 int_opt("utterance_end_ms", 1000, 5000, [&](int64_t x) { o.utterance_end_ms = static_cast<int>(x); }),
                 int_opt("keepalive_ms", 10, 9000, [&](int64_t x) { o.keepalive_interval = millis(x); }),
                 int_opt("connect_timeout_ms", 100, 120000, [&](int64_t x) { o.connect_timeout = millis(x); }),
                 int_opt("close_timeout_ms", 100, 60000, [&](int64_t x) { o.close_timeout = millis(x); }),
                 bool_opt("punctuate", o.punctuate), bool_opt("smart_format", o.smart_format),
                 bool_opt("hints", o.hints)})
    if (!r) return r.error();
  if (const json::Value *f = args.options.find("ca_file")) {
    if (!f->is_string()) return make_error(Errc::config, where + "ca_file must be a string");
    o.ca_file = f->as_string();
  }
  return std::shared_ptr<SttProvider>(std::make_shared<DeepgramStt>(NetRuntime::shared(), std::move(o)));
}

}  // namespace ca::providers
