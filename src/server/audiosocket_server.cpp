#include "server/audiosocket_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "audio/frame.hpp"
#include "audio/pacer.hpp"
#include "audio/reframer.hpp"
#include "core/log.hpp"
#include "transport/audiosocket_codec.hpp"

namespace ca::server {

namespace as = ca::audiosocket;

namespace {

constexpr Nanos kFramePeriod = millis(20);
constexpr int kWheelSlots = 20;  // one slot per millisecond of the frame period
// The first service of a new connection comes this long after accept: Asterisk writes the UUID
// 0.4–1.4 ms after connecting (protocols.md §A.11.1), so it is usually there by then.
constexpr Nanos kFirstServiceDelay = millis(3);
constexpr size_t kReadChunk = 16 * 1024;
// A tick reads at most this much from one caller, so a flooding peer cannot starve the others.
constexpr size_t kMaxReadPerTick = 64 * 1024;
constexpr int kMaxFrameSamples = 192000 / 50;

// Written by one thread, read by any: no lock prefix on the hot path.
struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n = 1) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct WorkerCounters {
  Counter calls_started, calls_ended, uuid_timeouts, protocol_errors, frames_in, frames_out, frames_dropped,
      deadlines_late, dtmf, other_messages;
};

bool is_dtmf_digit(uint8_t c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

struct Worker;

struct Conn {
  enum class State : uint8_t { awaiting_uuid, active, closing };

  Conn(Worker *w, int fd_, Nanos now, const ServerOptions &o)
      : worker(w), fd(fd_), accepted_at(now), parser(o.max_audio_payload),
        reframer(audio::samples_per_frame(o.default_rate, 20)), log_limiter(o.log_rate, o.log_burst) {}

  Worker *worker;
  uint64_t id = 0;  // worker-local: what a wake-up names, since the Conn may be gone by then
  int fd;
  State state = State::awaiting_uuid;
  Nanos accepted_at;
  Nanos next_service = 0;  // fixed phase within the 20 ms period
  Nanos started_at = 0;
  Nanos closing_since = 0;
  int slot = 0;
  size_t slot_index = 0;
  int rate = 8000;
  uint8_t out_kind = as::kind::slin8;
  bool rate_known = false;
  std::string uuid;
  as::Parser parser;
  audio::Reframer reframer;
  audio::Pacer pacer;
  log::RateLimiter log_limiter;
  std::unique_ptr<CallHandler> handler;
  uint64_t frames_in = 0, frames_out = 0, frames_dropped = 0;
  // Sends that may go without asking the kernel for its queue length: only our own sends grow it,
  // so after a reading of q bytes there is room for (limit - q) / len more messages for sure.
  int unchecked_sends = 0;
  // Set while parsing when the message stream ends the call: a framing violation, or 00 00 00.
  enum class Stop : uint8_t { none, protocol, peer_hangup } stop = Stop::none;
};

struct Worker {
  Server::Impl *server = nullptr;
  int index = 0;
  uv_loop_t loop{};
  uv_timer_t timer{};
  uv_async_t async{};
  std::thread thread;

  std::mutex mu;
  std::vector<int> inbox;  // accepted sockets handed over by the acceptor
  std::vector<uint64_t> wakes;  // connections whose handler has work between ticks
  bool drain_requested = false;
  Nanos drain_deadline = 0;
  bool finished = false;  // the loop is gone: nothing may be sent to `async` any more

  bool draining = false;
  Nanos drain_at = 0;
  std::array<std::vector<Conn *>, kWheelSlots> wheel;
  size_t conn_count = 0;
  uint64_t next_conn_id = 1;
  std::unordered_map<uint64_t, Conn *> by_id;
  int64_t last_ms = -1;
  WorkerCounters counters;

  std::vector<uint8_t> read_buf = std::vector<uint8_t>(kReadChunk);
  std::vector<uint8_t> write_buf = std::vector<uint8_t>(as::kHeaderSize + kMaxFrameSamples * 2);
  std::vector<int16_t> frame_buf = std::vector<int16_t>(kMaxFrameSamples);
  std::vector<int16_t> decode_buf = std::vector<int16_t>(as::kMaxPayload / 2);
};

struct Server::Impl {
  ServerOptions options;
  HandlerFactory factory;
  int listen_fd = -1;
  uint16_t port = 0;

  uv_loop_t accept_loop{};
  uv_poll_t listen_poll{};
  uv_async_t accept_async{};
  std::thread accept_thread;
  std::atomic<bool> drain_requested{false};
  bool listening = true;
  std::mutex accept_mu;
  bool accept_open = true;  // accept_async may still be signalled

  std::vector<std::unique_ptr<Worker>> workers;
  size_t next_worker = 0;
  std::atomic<int64_t> active{0};
  Counter connections, refused;
  std::atomic<bool> joined{false};

  void accept_ready();
  void request_drain(Nanos deadline);
};

namespace {

// ---- wheel ----

int slot_of(Nanos t) { return static_cast<int>((t / kNanosPerMilli) % kWheelSlots); }

void wheel_insert(Worker &w, Conn *c) {
  c->slot = slot_of(c->next_service);
  auto &v = w.wheel[static_cast<size_t>(c->slot)];
  c->slot_index = v.size();
  v.push_back(c);
  ++w.conn_count;
}

void wheel_remove(Worker &w, Conn *c) {
  auto &v = w.wheel[static_cast<size_t>(c->slot)];
  Conn *last = v.back();
  v[c->slot_index] = last;
  last->slot_index = c->slot_index;
  v.pop_back();
  --w.conn_count;
}

// ---- logging ----

void conn_log(Conn &c, log::Level l, std::string_view msg, std::initializer_list<log::Field> fields = {}) {
  log::write_limited(c.log_limiter, l, c.uuid, msg, fields);
}

// Any thread: a handler has work between ticks. The loop looks the id up, so a wake-up for a
// call that has ended meanwhile finds nothing.
void post_wake(Worker &w, uint64_t id) {
  std::lock_guard lock(w.mu);
  if (w.finished) return;
  const bool first = w.wakes.empty();
  w.wakes.push_back(id);
  if (first) uv_async_send(&w.async);
}

// ---- lifecycle ----

void destroy_conn(Worker &w, Conn *c) {
  wheel_remove(w, c);
  w.by_id.erase(c->id);
  ::close(c->fd);
  w.server->active.fetch_sub(1, std::memory_order_relaxed);
  delete c;
}

void finish_call(Worker &w, Conn &c, EndReason reason, Nanos now) {
  if (c.handler) {
    c.handler->on_end(reason, now);
    c.handler.reset();
  }
  if (c.state == Conn::State::active || c.started_at != 0) w.counters.calls_ended.add();
  const auto level = (reason == EndReason::protocol_error || reason == EndReason::io_error) ? log::Level::warn
                                                                                              : log::Level::info;
  conn_log(c, level, "call ended",
           {{"reason", end_reason_name(reason)},
            {"seconds", c.started_at ? static_cast<double>(now - c.started_at) / 1e9 : 0.0},
            {"frames_in", c.frames_in},
            {"frames_out", c.frames_out},
            {"frames_dropped", c.frames_dropped}});
}

// Ends the call from our side: 00 00 00, then a half-close; the socket is closed when the peer
// closes or the linger time runs out.
void hang_up(Worker &w, Conn &c, EndReason reason, Nanos now) {
  uint8_t msg[as::kHeaderSize];
  as::serialize(as::kind::hangup, {}, msg);
  // A whole 3-byte message or nothing: a partial header is impossible for so small a write on a
  // socket whose queue we keep short, and the peer is going away either way.
  (void)::send(c.fd, msg, sizeof msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(c.fd, SHUT_WR);
  finish_call(w, c, reason, now);
  c.state = Conn::State::closing;
  c.closing_since = now;
}

void end_now(Worker &w, Conn *c, EndReason reason, Nanos now) {
  finish_call(w, *c, reason, now);
  destroy_conn(w, c);
}

// ---- inbound ----

void set_rate(Conn &c, uint8_t k, Nanos now) {
  const int rate = as::sample_rate_of_kind(k);
  if (c.rate_known && rate == c.rate) return;
  if (c.rate_known) conn_log(c, log::Level::info, "caller changed sample rate", {{"from", c.rate}, {"to", rate}});
  c.rate = rate;
  c.out_kind = k;
  c.rate_known = true;
  c.reframer.set_frame_samples(audio::samples_per_frame(rate, 20));
  (void)now;
}

void on_message(Worker &w, Conn &c, const as::Message &m, Nanos now) {
  if (c.stop != Conn::Stop::none) return;
  if (c.state == Conn::State::awaiting_uuid) {
    if (m.kind != as::kind::uuid) {
      w.counters.protocol_errors.add();
      conn_log(c, log::Level::warn, "protocol error: the first message is not the UUID",
               {{"kind", static_cast<int>(m.kind)}, {"kind_name", as::kind_name(m.kind)}});
      c.stop = Conn::Stop::protocol;
      return;
    }
    c.uuid = as::uuid_to_string(m.payload);
    c.state = Conn::State::active;
    c.started_at = now;
    c.handler = w.server->factory();
    c.handler->set_wake([worker = &w, id = c.id] { post_wake(*worker, id); });
    c.handler->on_start(c.uuid, c.rate, now);
    // Frames go out on this connection's own phase from the next period on.
    c.pacer.reset(c.next_service + kFramePeriod);
    w.counters.calls_started.add();
    conn_log(c, log::Level::info, "call started", {{"worker", w.index}});
    return;
  }
  if (c.state != Conn::State::active) return;

  if (as::is_audio_kind(m.kind)) {
    set_rate(c, m.kind, now);
    const size_t n = m.payload.size() / 2;
    as::decode_samples(m.payload, w.decode_buf.data());
    c.reframer.push(std::span<const int16_t>(w.decode_buf.data(), n), [&](std::span<const int16_t> frame) {
      ++c.frames_in;
      w.counters.frames_in.add();
      c.handler->on_audio(frame, c.rate, now);
    });
    return;
  }
  if (m.kind == as::kind::dtmf) {
    w.counters.dtmf.add();
    if (m.payload.size() == 1 && is_dtmf_digit(m.payload[0])) {
      const char digit = static_cast<char>(m.payload[0]);
      conn_log(c, log::Level::info, "dtmf", {{"digit", std::string_view(&digit, 1)}});
      c.handler->on_dtmf(digit, now);
    } else {
      conn_log(c, log::Level::warn, "malformed DTMF message ignored", {{"length", m.payload.size()}});
    }
    return;
  }
  // 0xff, a second UUID, 0x00 with a payload, unknown kinds: logged and passed on, never fatal.
  if (m.kind == as::kind::hangup && m.payload.empty()) {
    conn_log(c, log::Level::info, "caller sent hangup");
    c.stop = Conn::Stop::peer_hangup;
    return;
  }
  w.counters.other_messages.add();
  conn_log(c, log::Level::warn, "unexpected message kind passed on",
           {{"kind", static_cast<int>(m.kind)}, {"kind_name", as::kind_name(m.kind)}, {"length", m.payload.size()}});
  c.handler->on_other(m.kind, m.payload, now);
}

enum class ReadOutcome { open, eof, error, protocol };

ReadOutcome read_available(Worker &w, Conn &c, Nanos now, int &err) {
  size_t total = 0;
  while (total < kMaxReadPerTick) {
    const ssize_t n = ::recv(c.fd, w.read_buf.data(), w.read_buf.size(), MSG_DONTWAIT);
    if (n == 0) return ReadOutcome::eof;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadOutcome::open;
      err = errno;
      return ReadOutcome::error;
    }
    total += static_cast<size_t>(n);
    if (c.state == Conn::State::closing) continue;  // draining the peer's last bytes
    const auto e = c.parser.feed(std::span<const uint8_t>(w.read_buf.data(), static_cast<size_t>(n)),
                                 [&](const as::Message &m) { on_message(w, c, m, now); });
    if (e != as::ParseError::none) {
      w.counters.protocol_errors.add();
      conn_log(c, log::Level::warn, "protocol error", {{"error", as::parse_error_text(e)}});
      return ReadOutcome::protocol;
    }
    if (c.stop == Conn::Stop::protocol) return ReadOutcome::protocol;
    if (c.stop == Conn::Stop::peer_hangup) return ReadOutcome::eof;
    if (static_cast<size_t>(n) < w.read_buf.size()) return ReadOutcome::open;
  }
  return ReadOutcome::open;
}

// ---- outbound ----

// One message per due deadline, written whole or not at all.
bool write_frame(Worker &w, Conn &c, Nanos now) {
  const size_t samples = audio::samples_per_frame(c.rate, 20);
  std::span<int16_t> frame(w.frame_buf.data(), samples);
  if (!c.handler->pull(frame, c.rate, now)) std::fill(frame.begin(), frame.end(), int16_t{0});
  const size_t len = as::serialize_audio(c.out_kind, frame, w.write_buf.data());

  if (c.unchecked_sends > 0) {
    --c.unchecked_sends;
  } else {
    int queued = 0;
    const size_t limit = static_cast<size_t>(w.server->options.max_queued_frames) * len;
    if (::ioctl(c.fd, SIOCOUTQ, &queued) == 0) {
      const size_t after = static_cast<size_t>(queued) + len;
      if (after > limit) {
        ++c.frames_dropped;
        w.counters.frames_dropped.add();
        return true;
      }
      c.unchecked_sends = static_cast<int>((limit - after) / len);
    }
  }
  const ssize_t n = ::send(c.fd, w.write_buf.data(), len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n == static_cast<ssize_t>(len)) {
    ++c.frames_out;
    w.counters.frames_out.add();
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    ++c.frames_dropped;
    w.counters.frames_dropped.add();
    return true;
  }
  if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
    end_now(w, &c, EndReason::caller_hangup, now);
    return false;
  }
  // A partial write leaves the stream mid-message; Asterisk would hang up 5 ms later anyway.
  conn_log(c, log::Level::error, "outbound write failed",
           {{"written", static_cast<int64_t>(n)}, {"length", len}, {"error", n < 0 ? errno_text(errno) : "partial write"}});
  end_now(w, &c, EndReason::io_error, now);
  return false;
}

// ---- the tick ----

// Services one connection at its phase. Returns false when the connection is gone.
bool service(Worker &w, Conn *c, Nanos now) {
  const ServerOptions &o = w.server->options;
  int err = 0;
  const ReadOutcome r = read_available(w, *c, now, err);

  if (c->state == Conn::State::closing) {
    if (r != ReadOutcome::open || now - c->closing_since >= o.linger) {
      destroy_conn(w, c);
      return false;
    }
    return true;
  }
  switch (r) {
    case ReadOutcome::open: break;
    case ReadOutcome::eof:
      if (!c->parser.at_boundary()) conn_log(*c, log::Level::info, "caller closed mid-message");
      end_now(w, c, EndReason::caller_hangup, now);
      return false;
    case ReadOutcome::error:
      if (err == ECONNRESET) {
        end_now(w, c, EndReason::caller_hangup, now);
      } else {
        conn_log(*c, log::Level::warn, "read failed", {{"error", errno_text(err)}});
        end_now(w, c, EndReason::io_error, now);
      }
      return false;
    case ReadOutcome::protocol:
      hang_up(w, *c, EndReason::protocol_error, now);
      return true;
  }

  if (c->state == Conn::State::awaiting_uuid) {
    if (w.draining && now >= w.drain_at) {
      destroy_conn(w, c);
      return false;
    }
    if (now - c->accepted_at >= o.uuid_timeout) {
      w.counters.uuid_timeouts.add();
      conn_log(*c, log::Level::warn, "no UUID in time; closing",
               {{"timeout_ms", o.uuid_timeout / kNanosPerMilli}});
      destroy_conn(w, c);
      return false;
    }
    return true;
  }

  if (w.draining && now >= w.drain_at) {
    hang_up(w, *c, EndReason::drain_timeout, now);
    return true;
  }
  if (c->handler->wants_hangup()) {
    hang_up(w, *c, EndReason::agent_hangup, now);
    return true;
  }
  const audio::Pacer::Tick t = c->pacer.poll(now);
  if (t.skipped != 0) w.counters.deadlines_late.add(t.skipped);
  if (t.due) return write_frame(w, *c, now);
  return true;
}

void schedule_next(Worker &w, Nanos now);

void on_tick(uv_timer_t *timer) {
  Worker &w = *static_cast<Worker *>(timer->data);
  const Nanos now = monotonic_now();
  const int64_t now_ms = now / kNanosPerMilli;
  const int64_t from = (w.last_ms < 0 || now_ms - w.last_ms > kWheelSlots) ? now_ms - kWheelSlots + 1 : w.last_ms + 1;
  for (int64_t ms = from; ms <= now_ms; ++ms) {
    auto &bucket = w.wheel[static_cast<size_t>(ms % kWheelSlots)];
    for (size_t i = 0; i < bucket.size();) {
      Conn *c = bucket[i];
      if (c->next_service > now) {
        ++i;
        continue;
      }
      // Keep the phase: the next service is the first period boundary after now.
      const Nanos behind = now - c->next_service;
      c->next_service += (behind / kFramePeriod + 1) * kFramePeriod;
      if (service(w, c, now)) ++i;  // a destroyed connection was swapped out of slot i
    }
  }
  // The current millisecond is only partly past: its slot is looked at again on the next tick
  // (connections already served there are 20 ms ahead and are passed over).
  w.last_ms = now_ms - 1;
  if (w.draining && w.conn_count == 0) {
    uv_stop(&w.loop);
    return;
  }
  schedule_next(w, monotonic_now());
}

void schedule_next(Worker &w, Nanos now) {
  if (w.conn_count == 0) {
    // Idle: wake only for the drain deadline, if any; new connections arrive through the async.
    if (w.draining) uv_timer_start(&w.timer, on_tick, 1, 0);
    else uv_timer_stop(&w.timer);
    return;
  }
  const int64_t now_ms = now / kNanosPerMilli;
  int64_t target_ms = now_ms + kWheelSlots;
  // The current slot counts only if something in it is still due within this millisecond.
  for (const Conn *c : w.wheel[static_cast<size_t>(now_ms % kWheelSlots)]) {
    if (c->next_service < (now_ms + 1) * kNanosPerMilli) {
      target_ms = now_ms;
      break;
    }
  }
  for (int k = 1; k < kWheelSlots && target_ms != now_ms; ++k) {
    if (!w.wheel[static_cast<size_t>((now_ms + k) % kWheelSlots)].empty()) {
      target_ms = now_ms + k;
      break;
    }
  }
  // Deadlines in slot m lie in [m, m+1) ms: wake at the end of it. libuv counts whole milliseconds
  // from a floored clock, so one more millisecond keeps the wake from coming early.
  const Nanos wake = (target_ms + 1) * kNanosPerMilli;
  const auto timeout = static_cast<uint64_t>((wake - now + kNanosPerMilli - 1) / kNanosPerMilli);
  uv_update_time(&w.loop);
  uv_timer_start(&w.timer, on_tick, timeout + 1, 0);
}

void on_worker_async(uv_async_t *async) {
  Worker &w = *static_cast<Worker *>(async->data);
  std::vector<int> fds;
  std::vector<uint64_t> wakes;
  bool drain = false;
  Nanos deadline = 0;
  {
    std::lock_guard lock(w.mu);
    fds.swap(w.inbox);
    wakes.swap(w.wakes);
    drain = w.drain_requested;
    deadline = w.drain_deadline;
  }
  const Nanos now = monotonic_now();
  for (int fd : fds) {
    auto *c = new Conn(&w, fd, now, w.server->options);
    c->rate = w.server->options.default_rate;
    c->out_kind = as::audio_kind_for_rate(c->rate);
    c->next_service = now + kFirstServiceDelay;
    c->id = w.next_conn_id++;
    w.by_id.emplace(c->id, c);
    wheel_insert(w, c);
  }
  for (uint64_t id : wakes) {
    auto it = w.by_id.find(id);
    if (it == w.by_id.end()) continue;
    Conn *c = it->second;
    if (c->state == Conn::State::active && c->handler) c->handler->on_wake(now);
  }
  if (drain) {
    w.drain_at = w.draining ? std::min(w.drain_at, deadline) : deadline;
    w.draining = true;
  }
  if (w.draining && w.conn_count == 0) {
    uv_stop(&w.loop);
    return;
  }
  schedule_next(w, now);
}

void close_all_handles(uv_loop_t *loop) {
  uv_walk(
      loop,
      [](uv_handle_t *h, void *) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
}

void worker_main(Worker *w) {
  uv_run(&w->loop, UV_RUN_DEFAULT);
  {
    std::lock_guard lock(w->mu);
    w->finished = true;
    for (int fd : w->inbox) {
      ::close(fd);
      w->server->active.fetch_sub(1, std::memory_order_relaxed);
    }
    w->inbox.clear();
  }
  // Whatever is left (stop without drain): end it now.
  const Nanos now = monotonic_now();
  for (auto &bucket : w->wheel) {
    while (!bucket.empty()) {
      Conn *c = bucket.back();
      if (c->state == Conn::State::active) hang_up(*w, *c, EndReason::drain_timeout, now);
      destroy_conn(*w, c);
    }
  }
  close_all_handles(&w->loop);
  uv_loop_close(&w->loop);
}

// ---- accept ----

Result<int> open_listener(const ServerOptions &o, uint16_t &bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo *res = nullptr;
  const std::string port = std::to_string(o.port);
  if (int rc = ::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return make_error(Errc::invalid_argument, "cannot resolve listen address " + o.host + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo *ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error = errno_text(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 4096) != 0) {
      last_error = errno_text(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
    bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
                                                : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    ::freeaddrinfo(res);
    return fd;
  }
  ::freeaddrinfo(res);
  return make_error(Errc::io, "cannot listen on " + o.host + ":" + port + ": " + last_error);
}

}  // namespace

void Server::Impl::accept_ready() {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log::write(log::Level::error, {}, "accept failed", {{"error", errno_text(errno)}});
      }
      return;
    }
    connections.add();
    if (active.load(std::memory_order_relaxed) >= options.max_calls) {
      refused.add();
      log::write(log::Level::warn, {}, "refusing connection: too many calls", {{"max_calls", options.max_calls}});
      ::close(fd);
      continue;
    }
    active.fetch_add(1, std::memory_order_relaxed);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Worker &w = *workers[next_worker];
    next_worker = (next_worker + 1) % workers.size();
    std::lock_guard lock(w.mu);
    if (w.finished) {  // drained between accept and hand-over
      ::close(fd);
      active.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    w.inbox.push_back(fd);
    uv_async_send(&w.async);
  }
}

void Server::Impl::request_drain(Nanos deadline) {
  for (auto &w : workers) {
    std::lock_guard lock(w->mu);
    if (w->finished) continue;
    // A later request may only bring the deadline forward (a second SIGTERM: stop now).
    if (!w->drain_requested || deadline < w->drain_deadline) w->drain_deadline = deadline;
    w->drain_requested = true;
    uv_async_send(&w->async);
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::start(const ServerOptions &options, HandlerFactory factory) {
  if (!factory) return make_error(Errc::invalid_argument, "a handler factory is required");
  if (as::audio_kind_for_rate(options.default_rate) == 0) {
    return make_error(Errc::invalid_argument, "default_rate has no AudioSocket kind");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->factory = std::move(factory);
  auto fd = open_listener(options, impl->port);
  if (!fd) return fd.error();
  impl->listen_fd = *fd;

  int threads = options.threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->server = impl.get();
    w->index = i;
    uv_loop_init(&w->loop);
    uv_timer_init(&w->loop, &w->timer);
    w->timer.data = w.get();
    uv_async_init(&w->loop, &w->async, on_worker_async);
    w->async.data = w.get();
    impl->workers.push_back(std::move(w));
  }
  for (auto &w : impl->workers) w->thread = std::thread(worker_main, w.get());

  Impl *p = impl.get();
  uv_loop_init(&p->accept_loop);
  uv_poll_init(&p->accept_loop, &p->listen_poll, p->listen_fd);
  p->listen_poll.data = p;
  uv_poll_start(&p->listen_poll, UV_READABLE, [](uv_poll_t *h, int, int) {
    static_cast<Impl *>(h->data)->accept_ready();
  });
  uv_async_init(&p->accept_loop, &p->accept_async, [](uv_async_t *a) {
    Impl *s = static_cast<Impl *>(a->data);
    if (s->drain_requested.load() && s->listening) {
      s->listening = false;
      {
        std::lock_guard lock(s->accept_mu);
        s->accept_open = false;
      }
      uv_poll_stop(&s->listen_poll);
      uv_close(reinterpret_cast<uv_handle_t *>(&s->listen_poll), nullptr);
      ::close(s->listen_fd);
      s->listen_fd = -1;
      uv_close(reinterpret_cast<uv_handle_t *>(&s->accept_async), nullptr);
    }
  });
  p->accept_async.data = p;
  p->accept_thread = std::thread([p] {
    uv_run(&p->accept_loop, UV_RUN_DEFAULT);
    uv_loop_close(&p->accept_loop);
  });
  log::write(log::Level::info, {}, "listening",
             {{"host", options.host}, {"port", p->port}, {"threads", threads}, {"max_calls", options.max_calls}});
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() {
  stop();
  wait();
}

uint16_t Server::port() const { return impl_->port; }

void Server::drain(Nanos timeout) {
  impl_->drain_requested.store(true);
  const Nanos deadline = monotonic_now() + std::max<Nanos>(0, timeout);
  log::write(log::Level::info, {}, "draining", {{"timeout_s", static_cast<double>(timeout) / 1e9},
                                                {"active", impl_->active.load()}});
  {
    std::lock_guard lock(impl_->accept_mu);
    if (impl_->accept_open) uv_async_send(&impl_->accept_async);
  }
  impl_->request_drain(deadline);
}

void Server::stop() { drain(0); }

void Server::wait() {
  if (impl_->joined.exchange(true)) return;
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  for (auto &w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

ServerStats Server::stats() const {
  ServerStats s;
  s.connections = impl_->connections.get();
  s.calls_refused = impl_->refused.get();
  s.active = impl_->active.load(std::memory_order_relaxed);
  for (const auto &w : impl_->workers) {
    const WorkerCounters &c = w->counters;
    s.calls_started += c.calls_started.get();
    s.calls_ended += c.calls_ended.get();
    s.uuid_timeouts += c.uuid_timeouts.get();
    s.protocol_errors += c.protocol_errors.get();
    s.frames_in += c.frames_in.get();
    s.frames_out += c.frames_out.get();
    s.frames_dropped += c.frames_dropped.get();
    s.deadlines_late += c.deadlines_late.get();
    s.dtmf += c.dtmf.get();
    s.other_messages += c.other_messages.get();
  }
  return s;
}

}  // namespace ca::server
