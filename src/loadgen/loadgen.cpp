#include "loadgen/loadgen.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <queue>
#include <random>
#include <vector>

#include "core/clock.hpp"
#include "transport/audiosocket_codec.hpp"

namespace ca::loadgen {
namespace {

namespace as = ca::audiosocket;

constexpr Nanos kFramePeriod = millis(20);
constexpr double kMaxValidLatenessMs = 2.0;
constexpr Nanos kGrace = seconds(3);
// Even with nothing due, wake this often so the external stop flag is noticed.
constexpr Nanos kMaxSleep = millis(50);
// When the next send is this close, sleep through the quantum instead of waking for it or for
// each arrival: with 1000 calls there are 100k sends and arrivals a second, and waking for each
// costs more than the sends themselves (worse in a VM, where every timer and IPI is an exit).
// Sends go out up to one quantum late, well inside the 2 ms budget, and arrivals are timed by
// the kernel, so reading them a little later changes nothing measured.
constexpr Nanos kWakeQuantum = 250'000;
// Between two looks at the schedule, handle at most this many readable sockets, so a burst of
// arrivals cannot make a send late by more than a few tens of microseconds.
constexpr int kEventsBetweenTimerChecks = 16;
constexpr int kMaxEvents = 64;
constexpr size_t kRxBufferSize = 16 * 1024;

// Every frame we send starts with this stamp (the rest is a quiet tone), so its echo can be
// matched to the call and the frame, and timed without keeping per-frame state.
constexpr uint32_t kMagic = 0x474c4143;  // "CALG" as little-endian bytes
constexpr size_t kStampSize = 24;        // magic, call index, seq, reserved, send time (u64)

constexpr uint64_t kTimerFdTag = ~uint64_t{0};

void store_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void store_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t load_le32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{p[i]} << (8 * i);
  return v;
}
uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

bool all_zero(std::span<const uint8_t> bytes) {
  uint8_t acc = 0;
  for (uint8_t b : bytes) acc |= b;
  return acc == 0;
}

double to_ms(Nanos n) { return static_cast<double>(n) / 1e6; }
Nanos from_seconds(double s) { return static_cast<Nanos>(std::llround(s * 1e9)); }

// The kernel's CMSG_* macros are C casts; keep them in one place.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wsign-conversion"
bool find_rx_timestamp(msghdr *msg, timespec *out) {
  for (cmsghdr *c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      std::memcpy(out, CMSG_DATA(c), sizeof(timespec));
      return true;
    }
  }
  return false;
}
#pragma GCC diagnostic pop

// Fixed 10 us bins up to 2 s plus an exact max: constant memory, O(1) per sample, and fine
// enough to tell a 2 ms lateness budget apart.
class Histogram {
 public:
  static constexpr Nanos kBin = 10'000;
  static constexpr size_t kBins = 200'000;

  Histogram() : bins_(kBins + 1, 0) {}

  void add(Nanos v) {
    if (v < 0) v = 0;
    const auto b = std::min(static_cast<size_t>(v / kBin), kBins);
    ++bins_[b];
    ++count_;
    max_ = std::max(max_, v);
  }

  Distribution summary() const {
    Distribution d;
    d.count = count_;
    d.p50_ms = percentile_ms(0.50);
    d.p99_ms = percentile_ms(0.99);
    d.max_ms = to_ms(max_);
    return d;
  }

 private:
  // The upper edge of the bin holding the rank, never above the true max.
  double percentile_ms(double q) const {
    if (count_ == 0) return 0;
    const auto rank =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
    uint64_t seen = 0;
    for (size_t b = 0; b <= kBins; ++b) {
      seen += bins_[b];
      if (seen >= rank) {
        if (b == kBins) return to_ms(max_);
        return to_ms(std::min(static_cast<Nanos>(b + 1) * kBin, max_));
      }
    }
    return to_ms(max_);
  }

  std::vector<uint64_t> bins_;
  uint64_t count_ = 0;
  Nanos max_ = 0;
};

class Bitset {
 public:
  explicit Bitset(size_t n) : words_((n + 63) / 64, 0) {}
  bool test(size_t i) const { return (words_[i / 64] >> (i % 64)) & 1U; }
  void set(size_t i) { words_[i / 64] |= uint64_t{1} << (i % 64); }

 private:
  std::vector<uint64_t> words_;
};

enum class State : uint8_t { pending, connecting, streaming, draining, done };

struct Caller {
  explicit Caller(size_t frames) : sent(frames), echoed(frames) {}

  int fd = -1;
  State state = State::pending;
  uint32_t index = 0;
  Nanos start = 0;  // connect time; frame k is due at start + (k + 1) * 20 ms
  uint32_t next_frame = 0;
  Nanos last_rx = -1;
  int64_t max_echoed_seq = -1;
  bool completed = false;
  std::array<uint8_t, as::kUuidSize> uuid{};
  as::Parser parser;
  Bitset sent;
  Bitset echoed;
};

struct Timer {
  Nanos at;
  uint32_t caller;
  bool operator>(const Timer &o) const { return at > o.at; }
};

struct ProcCpu {
  uint64_t utime = 0;
  uint64_t stime = 0;
};

bool read_file(const char *path, char *buf, size_t cap, size_t *len) {
  FILE *f = std::fopen(path, "re");
  if (f == nullptr) return false;
  *len = std::fread(buf, 1, cap - 1, f);
  buf[*len] = '\0';
  std::fclose(f);
  return *len > 0;
}

// utime and stime are fields 14 and 15 of /proc/PID/stat; the command name (field 2) may hold
// spaces and parentheses, so count from the last ')'.
bool read_proc_cpu(int pid, ProcCpu *out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char buf[1024];
  size_t len = 0;
  if (!read_file(path, buf, sizeof buf, &len)) return false;
  const char *p = std::strrchr(buf, ')');
  if (p == nullptr) return false;
  ++p;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // Fields 3..13 are skipped: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
  // majflt, cmajflt.
  if (std::sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
      2) {
    return false;
  }
  out->utime = utime;
  out->stime = stime;
  return true;
}

int64_t read_vm_hwm_kb(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  char buf[8192];
  size_t len = 0;
  if (!read_file(path, buf, sizeof buf, &len)) return -1;
  const char *p = std::strstr(buf, "\nVmHWM:");
  if (p == nullptr) return -1;
  long long kb = -1;
  if (std::sscanf(p + 7, " %lld", &kb) != 1) return -1;
  return kb;
}

double thread_cpu_seconds() {
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) != 0) return 0;
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void append_note(std::string &to, const std::string &what) {
  if (!to.empty()) to += "; ";
  to += what;
}

__attribute__((format(printf, 2, 3))) void appendf(std::string &out, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, std::min(static_cast<size_t>(n), sizeof buf - 1));
}

class Runner {
 public:
  Runner(const Options &o, const sockaddr_storage &addr, socklen_t addr_len)
      : o_(o), addr_(addr), addr_len_(addr_len) {}

  ~Runner() {
    for (Caller &c : callers_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    if (timer_fd_ >= 0) ::close(timer_fd_);
    if (ep_ >= 0) ::close(ep_);
  }

  Result<Report> run();

 private:
  enum class ReadResult : uint8_t { again, more, closed };

  Result<void> setup();
  void schedule(uint32_t i, Nanos at) { timers_.push(Timer{at, i}); }
  void fire_due();
  void on_timer(Caller &c, Nanos at);
  void start_connect(Caller &c);
  void on_connected(Caller &c);
  void on_event(Caller &c, uint32_t events);
  void send_frame(Caller &c, Nanos deadline);
  ReadResult read_once(Caller &c);
  void on_audio(Caller &c, uint8_t k, std::span<const uint8_t> payload, Nanos rx);
  void hang_up(Caller &c);
  void finish(Caller &c);
  int wait(Nanos until, epoll_event *events);
  Nanos deadline_of(const Caller &c, uint32_t k) const {
    return c.start + static_cast<Nanos>(k + 1) * kFramePeriod;
  }

  const Options &o_;
  sockaddr_storage addr_;
  socklen_t addr_len_;
  Report r_;

  int ep_ = -1;
  int timer_fd_ = -1;  // only when epoll_pwait2 is missing
  Nanos timer_armed_ = -1;
  bool timestamps_ok_ = true;

  uint8_t kind_ = 0;
  size_t frame_bytes_ = 0;
  uint32_t frames_per_call_ = 0;
  Nanos drain_ = 0;
  Nanos connect_timeout_ = 0;
  std::vector<uint8_t> tx_;  // one frame, tone in place; the stamp is rewritten per send
  std::vector<uint8_t> rx_;
  std::array<uint64_t, 16> control_{};  // aligned cmsg space for one timestamp

  std::vector<Caller> callers_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  int active_ = 0;  // callers not yet done

  Histogram gap_;
  Histogram echo_;
  Histogram late_;
  Histogram rx_delay_;
  uint64_t reads_with_ts_ = 0;
  uint64_t reads_without_ts_ = 0;
  int send_failures_ = 0;
};

Result<void> Runner::setup() {
  kind_ = as::audio_kind_for_rate(o_.sample_rate);
  const auto samples = static_cast<size_t>(o_.sample_rate / 50);
  frame_bytes_ = as::kHeaderSize + samples * 2;
  frames_per_call_ = static_cast<uint32_t>(std::max<long long>(1, std::llround(o_.seconds * 50)));
  drain_ = from_seconds(std::max(0.0, o_.drain_seconds));
  connect_timeout_ = from_seconds(o_.connect_timeout_seconds);

  // A quiet 400 Hz tone: a whole number of cycles per 20 ms at both rates, so frames join up.
  std::vector<int16_t> tone(samples);
  for (size_t i = 0; i < samples; ++i) {
    const double t = static_cast<double>(i) / o_.sample_rate;
    tone[i] = static_cast<int16_t>(std::lround(300.0 * std::sin(2 * M_PI * 400.0 * t)));
  }
  tx_.resize(frame_bytes_);
  as::serialize_audio(kind_, tone, tx_.data());
  rx_.resize(kRxBufferSize);

  // Descriptors: one per call plus a few of our own and whatever the process already holds.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    const auto need = static_cast<rlim_t>(o_.calls) + 256;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
      if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        return make_error(Errc::limit, "RLIMIT_NOFILE hard limit " + std::to_string(rl.rlim_max) +
                                           " is too low for " + std::to_string(o_.calls) + " calls");
      }
      rl.rlim_cur = need;
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return make_error(Errc::limit, std::string("cannot raise RLIMIT_NOFILE: ") +
                                           std::strerror(errno));
      }
    }
  }

  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) return make_error(Errc::io, std::string("epoll_create1: ") + std::strerror(errno));
  // Probe for epoll_pwait2 (Linux 5.11); without it a timerfd gives the same nanosecond wakeups.
  timespec zero{};
  epoll_event ev{};
  if (epoll_pwait2(ep_, &ev, 1, &zero, nullptr) < 0 && errno == ENOSYS) {
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) return make_error(Errc::io, "neither epoll_pwait2 nor timerfd available");
    epoll_event tev{};
    tev.events = EPOLLIN;
    tev.data.u64 = kTimerFdTag;
    epoll_ctl(ep_, EPOLL_CTL_ADD, timer_fd_, &tev);
    append_note(r_.notes, "epoll_pwait2 unavailable: timerfd wakeups");
  }

  // Calls, their UUIDs and start phases all come from the seed, so a run can be repeated.
  // Starts are uniform over the ramp plus one frame period: phases spread over the 20 ms even
  // without a ramp, so callers do not all send on the same instant.
  std::mt19937_64 rng(o_.seed);
  std::uniform_int_distribution<Nanos> phase(0, from_seconds(std::max(0.0, o_.ramp_seconds)) +
                                                    kFramePeriod - 1);
  callers_.reserve(static_cast<size_t>(o_.calls));
  std::vector<Timer> heap;
  heap.reserve(static_cast<size_t>(o_.calls) + 1);
  timers_ = decltype(timers_)(std::greater<>(), std::move(heap));
  const Nanos t0 = monotonic_now() + millis(10);
  for (int i = 0; i < o_.calls; ++i) {
    Caller &c = callers_.emplace_back(frames_per_call_);
    c.index = static_cast<uint32_t>(i);
    c.start = t0 + phase(rng);
    for (size_t b = 0; b < c.uuid.size(); b += 8) store_le64(&c.uuid[b], rng());
    c.uuid[6] = static_cast<uint8_t>((c.uuid[6] & 0x0f) | 0x40);  // RFC 4122 version 4
    c.uuid[8] = static_cast<uint8_t>((c.uuid[8] & 0x3f) | 0x80);
    schedule(c.index, c.start);
  }
  active_ = o_.calls;
  return {};
}

void Runner::start_connect(Caller &c) {
  ++r_.calls_attempted;
  c.fd = ::socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (c.fd < 0) {
    ++r_.connect_failures;
    finish(c);
    return;
  }
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (timestamps_ok_ && setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
    timestamps_ok_ = false;
  }
  const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr *>(&addr_), addr_len_);
  if (rc != 0 && errno != EINPROGRESS) {
    ++r_.connect_failures;
    finish(c);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = c.index;
  if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
    ++r_.connect_failures;
    finish(c);
    return;
  }
  c.state = State::connecting;
  if (rc == 0) on_connected(c);
  schedule(c.index, deadline_of(c, 0));
}

void Runner::on_connected(Caller &c) {
  ++r_.calls_connected;
  c.state = State::streaming;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = c.index;
  epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  // Asterisk's first message, in one write like every other message.
  std::array<uint8_t, as::kHeaderSize + as::kUuidSize> msg{};
  as::serialize(as::kind::uuid, c.uuid, msg.data());
  const ssize_t w = ::send(c.fd, msg.data(), msg.size(), MSG_NOSIGNAL);
  if (w != static_cast<ssize_t>(msg.size())) {
    ++r_.calls_failed;
    finish(c);
  }
}

void Runner::send_frame(Caller &c, Nanos deadline) {
  const uint32_t seq = c.next_frame++;
  const Nanos now = monotonic_now();
  late_.add(now - deadline);
  uint8_t *stamp = tx_.data() + as::kHeaderSize;
  store_le32(stamp, kMagic);
  store_le32(stamp + 4, c.index);
  store_le32(stamp + 8, seq);
  store_le32(stamp + 12, 0);
  store_le64(stamp + 16, static_cast<uint64_t>(now));
  const ssize_t w = ::send(c.fd, tx_.data(), frame_bytes_, MSG_NOSIGNAL);
  if (w == static_cast<ssize_t>(frame_bytes_)) {
    ++r_.frames_sent;
    c.sent.set(seq);
    return;
  }
  if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
    ++r_.calls_ended_by_server;  // it closed before we saw the EOF
  } else {
    // A full send buffer or a short write: Asterisk drops the call then (write() != len), and
    // a torn message would desynchronise the stream anyway.
    ++r_.calls_failed;
    ++send_failures_;
  }
  finish(c);
}

void Runner::on_timer(Caller &c, Nanos at) {
  switch (c.state) {
    case State::pending:
      start_connect(c);
      return;
    case State::connecting:
      if (at - c.start >= connect_timeout_ || c.next_frame + 1 >= frames_per_call_) {
        ++r_.connect_failures;
        finish(c);
        return;
      }
      ++r_.frames_skipped;
      ++c.next_frame;
      schedule(c.index, deadline_of(c, c.next_frame));
      return;
    case State::streaming:
      send_frame(c, at);
      if (c.state != State::streaming) return;
      if (c.next_frame < frames_per_call_) {
        schedule(c.index, deadline_of(c, c.next_frame));
      } else {
        c.state = State::draining;
        schedule(c.index, at + drain_);
      }
      return;
    case State::draining:
      hang_up(c);
      return;
    case State::done:
      return;  // a timer left over from a call that already ended
  }
}

void Runner::fire_due() {
  Nanos now = monotonic_now();
  while (!timers_.empty()) {
    const Timer t = timers_.top();
    if (t.at > now) {
      now = monotonic_now();
      if (t.at > now) return;
    }
    timers_.pop();
    on_timer(callers_[t.caller], t.at);
  }
}

void Runner::on_event(Caller &c, uint32_t events) {
  if (c.state == State::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      ++r_.connect_failures;
      finish(c);
      return;
    }
    if ((events & (EPOLLOUT | EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
    on_connected(c);
    if (c.state == State::done) return;
  }
  if (c.state != State::streaming && c.state != State::draining) return;
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0) read_once(c);
}

// One recvmsg: with level-triggered epoll, whatever is left is reported again next round, so a
// message normally costs exactly one syscall.
Runner::ReadResult Runner::read_once(Caller &c) {
  iovec iov{rx_.data(), rx_.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_.data();
  msg.msg_controllen = sizeof control_;
  const ssize_t n = ::recvmsg(c.fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return ReadResult::again;
    ++r_.calls_ended_by_server;  // reset
    finish(c);
    return ReadResult::closed;
  }
  if (n == 0) {
    ++r_.calls_ended_by_server;
    finish(c);
    return ReadResult::closed;
  }
  // Arrival time on the monotonic clock. The kernel stamps CLOCK_REALTIME; convert through the
  // current offset between the clocks rather than one taken at start, so a clock step between
  // start and now cannot skew it. With TCP the stamp is that of the last segment read, which is
  // the arrival of the message that segment completes.
  const Nanos mono_now = monotonic_now();
  Nanos rx = mono_now;
  timespec kts{};
  if (find_rx_timestamp(&msg, &kts)) {
    timespec real{};
    clock_gettime(CLOCK_REALTIME, &real);
    const Nanos delay = (static_cast<Nanos>(real.tv_sec) - kts.tv_sec) * kNanosPerSecond +
                        (real.tv_nsec - kts.tv_nsec);
    rx = mono_now - std::max<Nanos>(0, delay);
    rx_delay_.add(delay);
    ++reads_with_ts_;
  } else {
    ++reads_without_ts_;
  }

  bool hung_up = false;
  bool rejected = false;
  const as::ParseError e = c.parser.feed(
      std::span<const uint8_t>(rx_.data(), static_cast<size_t>(n)),
      [&](const as::Message &m) {
        if (hung_up || rejected) return;
        if (as::is_audio_kind(m.kind)) {
          on_audio(c, m.kind, m.payload, rx);
        } else if (m.kind == as::kind::hangup) {
          ++r_.server_hangups;
          hung_up = true;
        } else {
          // Asterisk >= 20.14 ends the session on any other kind from the server.
          rejected = true;
        }
      });
  if (hung_up) {
    ++r_.calls_ended_by_server;
    finish(c);
    return ReadResult::closed;
  }
  if (rejected || e != as::ParseError::none) {
    ++r_.protocol_errors;
    ++r_.calls_failed;
    finish(c);
    return ReadResult::closed;
  }
  return ReadResult::more;
}

void Runner::on_audio(Caller &c, uint8_t k, std::span<const uint8_t> payload, Nanos rx) {
  ++r_.frames_received;
  if (k != kind_) ++r_.frames_wrong_rate;
  if (c.last_rx >= 0) gap_.add(rx - c.last_rx);
  c.last_rx = rx;

  if (payload.size() >= kStampSize && load_le32(payload.data()) == kMagic) {
    const uint32_t index = load_le32(payload.data() + 4);
    const uint32_t seq = load_le32(payload.data() + 8);
    if (index != c.index) {
      ++r_.frames_misrouted;
    } else if (seq >= frames_per_call_ || !c.sent.test(seq)) {
      ++r_.frames_other;  // carries our magic but was never sent: corrupted
    } else if (c.echoed.test(seq)) {
      ++r_.frames_duplicate;
    } else {
      c.echoed.set(seq);
      ++r_.frames_echoed;
      if (static_cast<int64_t>(seq) < c.max_echoed_seq) ++r_.frames_out_of_order;
      c.max_echoed_seq = std::max<int64_t>(c.max_echoed_seq, seq);
      echo_.add(rx - static_cast<Nanos>(load_le64(payload.data() + 16)));
    }
  } else if (all_zero(payload)) {
    ++r_.frames_silence;
  } else {
    ++r_.frames_other;
  }
}

// The end of the drain: take in what already arrived so the count is complete, then a plain
// close, as Asterisk does (no 00 00 00).
void Runner::hang_up(Caller &c) {
  for (int i = 0; i < 64; ++i) {
    const ReadResult rr = read_once(c);
    if (rr == ReadResult::closed) return;  // the server got there first
    if (rr == ReadResult::again) break;
  }
  ++r_.calls_completed;
  c.completed = true;
  finish(c);
}

void Runner::finish(Caller &c) {
  if (c.state == State::done) return;
  if (c.fd >= 0) {
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
  }
  c.state = State::done;
  --active_;
}

void sleep_until(Nanos t) {
  const timespec ts{static_cast<time_t>(t / kNanosPerSecond), static_cast<long>(t % kNanosPerSecond)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

int Runner::wait(Nanos until, epoll_event *events) {
  const Nanos now = monotonic_now();
  const Nanos d = std::max<Nanos>(0, until - now);
  if (timer_fd_ < 0) {
    timespec ts{static_cast<time_t>(d / kNanosPerSecond), static_cast<long>(d % kNanosPerSecond)};
    return epoll_pwait2(ep_, events, kMaxEvents, &ts, nullptr);
  }
  if (until != timer_armed_) {
    itimerspec its{};
    its.it_value.tv_sec = static_cast<time_t>(until / kNanosPerSecond);
    its.it_value.tv_nsec = static_cast<long>(until % kNanosPerSecond);
    timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr);
    timer_armed_ = until;
  }
  if (d == 0) return epoll_wait(ep_, events, kMaxEvents, 0);
  return epoll_wait(ep_, events, kMaxEvents, -1);
}

Result<Report> Runner::run() {
  r_.target = o_.host + ":" + std::to_string(o_.port);
  r_.sample_rate = o_.sample_rate;
  r_.seconds = o_.seconds;
  r_.ramp_seconds = o_.ramp_seconds;
  r_.drain_seconds = o_.drain_seconds;
  r_.seed = o_.seed;

  if (Result<void> s = setup(); !s) return s.error();

  ProcCpu cpu0{};
  const bool sample = o_.server_pid > 0 && read_proc_cpu(o_.server_pid, &cpu0);
  if (o_.server_pid > 0 && !sample) {
    append_note(r_.notes, "cannot read /proc/" + std::to_string(o_.server_pid) + "/stat");
  }
  // With the default 50 us slack every sleep could overshoot by that much on top of the quantum.
  const int old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const double gen_cpu0 = thread_cpu_seconds();

  const Nanos t0 = monotonic_now();
  const Nanos hard_end = t0 + millis(10) + from_seconds(std::max(0.0, o_.ramp_seconds)) +
                         kFramePeriod * (frames_per_call_ + 1) + drain_ + connect_timeout_ +
                         kGrace;
  std::array<epoll_event, kMaxEvents> events{};
  bool stopped = false;
  bool timed_out = false;
  Nanos woke = t0;
  while (active_ > 0) {
    if (o_.stop != nullptr && o_.stop->load(std::memory_order_relaxed)) {
      stopped = true;
      break;
    }
    fire_due();
    if (active_ == 0) break;
    const Nanos now = monotonic_now();
    if (now >= hard_end) {
      timed_out = true;
      break;
    }
    Nanos until = std::min(now + kMaxSleep, hard_end);
    if (!timers_.empty()) until = std::min(until, timers_.top().at);
    if (until < woke + kWakeQuantum) {
      if (now < woke + kWakeQuantum) sleep_until(woke + kWakeQuantum);
      until = 0;
    }
    const int n = wait(until, events.data());
    woke = monotonic_now();
    for (int i = 0; i < n; ++i) {
      if (i > 0 && i % kEventsBetweenTimerChecks == 0) fire_due();
      const uint64_t tag = events[static_cast<size_t>(i)].data.u64;
      if (tag == kTimerFdTag) {
        uint64_t expirations = 0;
        [[maybe_unused]] const ssize_t rd = ::read(timer_fd_, &expirations, sizeof expirations);
        timer_armed_ = -1;
        continue;
      }
      on_event(callers_[tag], events[static_cast<size_t>(i)].events);
    }
  }
  for (Caller &c : callers_) {
    if (c.state == State::done || c.state == State::pending) continue;
    if (c.state == State::connecting) {
      ++r_.connect_failures;
    } else {
      ++r_.calls_interrupted;
    }
    finish(c);
  }
  const Nanos t_end = monotonic_now();
  r_.gen_cpu_seconds = thread_cpu_seconds() - gen_cpu0;
  if (old_slack > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_slack), 0, 0, 0);

  r_.wall_seconds = static_cast<double>(t_end - t0) / 1e9;
  r_.call_seconds = static_cast<double>(r_.frames_sent) * 0.02;
  if (sample) {
    ProcCpu cpu1{};
    if (read_proc_cpu(o_.server_pid, &cpu1)) {
      const double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
      r_.server_sampled = true;
      r_.server_pid = o_.server_pid;
      r_.server_user_seconds = static_cast<double>(cpu1.utime - cpu0.utime) / tck;
      r_.server_system_seconds = static_cast<double>(cpu1.stime - cpu0.stime) / tck;
      if (r_.call_seconds > 0) {
        r_.server_user_ms_per_call_second = r_.server_user_seconds * 1000 / r_.call_seconds;
        r_.server_system_ms_per_call_second = r_.server_system_seconds * 1000 / r_.call_seconds;
      }
      r_.server_peak_rss_kb = read_vm_hwm_kb(o_.server_pid);
    } else {
      append_note(r_.notes, "server process gone before the end of the run");
    }
  }

  for (const Caller &c : callers_) {
    // Only calls that ran their drain: when the server ends a call, what it still held is cut
    // off, not lost, and the call is already counted as ended by the server.
    if (!c.completed) continue;
    for (uint32_t s = 0; s < c.next_frame && s < frames_per_call_; ++s) {
      if (c.sent.test(s) && !c.echoed.test(s)) ++r_.frames_lost;
    }
  }
  r_.outgoing_gap = gap_.summary();
  r_.echo_latency = echo_.summary();
  r_.gen_lateness = late_.summary();
  r_.rx_delay = rx_delay_.summary();
  r_.kernel_timestamps = reads_with_ts_ > 0 && reads_without_ts_ == 0;
  if (r_.kernel_timestamps) {
    r_.timestamp_source = "kernel (SO_TIMESTAMPNS)";
  } else if (reads_with_ts_ == 0) {
    r_.timestamp_source = "monotonic receipt time (no kernel timestamps)";
    if (r_.frames_received > 0) append_note(r_.notes, "gaps include the generator's read delay");
  } else {
    r_.timestamp_source = "mixed: kernel for " + std::to_string(reads_with_ts_) + " reads, " +
                          "receipt time for " + std::to_string(reads_without_ts_);
  }

  if (r_.gen_lateness.p99_ms > kMaxValidLatenessMs) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "generator send lateness p99 %.3f ms > %.1f ms: the generator could not keep "
                  "time (overloaded or shared core?)",
                  r_.gen_lateness.p99_ms, kMaxValidLatenessMs);
    r_.valid = false;
    append_note(r_.invalid_reason, buf);
  }
  if (stopped) {
    r_.valid = false;
    append_note(r_.invalid_reason, "stopped early by request");
  }
  if (timed_out) {
    r_.valid = false;
    append_note(r_.invalid_reason, "run exceeded its time bound");
  }
  if (send_failures_ > 0) {
    append_note(r_.notes, std::to_string(send_failures_) +
                              " calls failed on a full send buffer (the server stopped reading)");
  }
  return std::move(r_);
}

void json_string(std::string &out, const std::string &s) {
  out += '"';
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      appendf(out, "\\u%04x", u);
    } else {
      out += ch;
    }
  }
  out += '"';
}

void json_number(std::string &out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  appendf(out, "%.3f", v);
}

void json_distribution(std::string &out, const char *key, const Distribution &d) {
  appendf(out, "\"%s\":{\"count\":%llu,\"p50\":", key, static_cast<unsigned long long>(d.count));
  json_number(out, d.p50_ms);
  out += ",\"p99\":";
  json_number(out, d.p99_ms);
  out += ",\"max\":";
  json_number(out, d.max_ms);
  out += '}';
}

void table_distribution(std::string &out, const char *name, const Distribution &d) {
  appendf(out, "  %-22s p50 %8.3f  p99 %8.3f  max %8.3f ms  (n=%llu)\n", name, d.p50_ms, d.p99_ms,
          d.max_ms, static_cast<unsigned long long>(d.count));
}

}  // namespace

Result<Report> run(const Options &options) {
  if (options.calls < 1) return make_error(Errc::invalid_argument, "calls must be at least 1");
  if (!(options.seconds > 0) || options.seconds > 86400) {
    return make_error(Errc::invalid_argument, "seconds must be positive");
  }
  if (options.ramp_seconds < 0 || options.drain_seconds < 0 || !(options.ramp_seconds < 86400)) {
    return make_error(Errc::invalid_argument, "ramp and drain must not be negative");
  }
  if (!(options.connect_timeout_seconds > 0)) {
    return make_error(Errc::invalid_argument, "connect timeout must be positive");
  }
  if (options.sample_rate != 8000 && options.sample_rate != 16000) {
    return make_error(Errc::invalid_argument, "sample rate must be 8000 or 16000");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo *res = nullptr;
  const std::string port = std::to_string(options.port);
  if (const int rc = getaddrinfo(options.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return make_error(Errc::invalid_argument,
                      "cannot resolve " + options.host + ": " + gai_strerror(rc));
  }
  sockaddr_storage addr{};
  const auto addr_len = static_cast<socklen_t>(std::min<size_t>(res->ai_addrlen, sizeof addr));
  std::memcpy(&addr, res->ai_addr, addr_len);
  freeaddrinfo(res);
  Runner runner(options, addr, addr_len);
  return runner.run();
}

std::string format_table(const Report &r) {
  std::string out;
  appendf(out, "AudioSocket load: %s, %d calls x %.1f s (ramp %.1f s, drain %.2f s), %d Hz, seed %llu\n",
          r.target.c_str(), r.calls_attempted, r.seconds, r.ramp_seconds, r.drain_seconds,
          r.sample_rate, static_cast<unsigned long long>(r.seed));
  appendf(out, "  wall %.2f s, generator CPU %.2f s\n", r.wall_seconds, r.gen_cpu_seconds);
  out += "calls\n";
  appendf(out, "  attempted %d  connected %d  connect failures %d\n", r.calls_attempted,
          r.calls_connected, r.connect_failures);
  appendf(out, "  completed %d  ended by server %d  failed %d  interrupted %d\n",
          r.calls_completed, r.calls_ended_by_server, r.calls_failed, r.calls_interrupted);
  appendf(out, "  server hangups %llu  protocol errors %llu\n",
          static_cast<unsigned long long>(r.server_hangups),
          static_cast<unsigned long long>(r.protocol_errors));
  const auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  out += "frames\n";
  appendf(out, "  sent %llu  skipped %llu  received %llu\n", u(r.frames_sent), u(r.frames_skipped),
          u(r.frames_received));
  appendf(out, "  echoed %llu  silence %llu  other %llu  wrong rate %llu\n", u(r.frames_echoed),
          u(r.frames_silence), u(r.frames_other), u(r.frames_wrong_rate));
  appendf(out, "  lost %llu  duplicate %llu  out of order %llu  misrouted %llu\n",
          u(r.frames_lost), u(r.frames_duplicate), u(r.frames_out_of_order),
          u(r.frames_misrouted));
  out += "timing\n";
  table_distribution(out, "outgoing gap", r.outgoing_gap);
  table_distribution(out, "echo latency", r.echo_latency);
  table_distribution(out, "generator lateness", r.gen_lateness);
  table_distribution(out, "generator read delay", r.rx_delay);
  appendf(out, "  gap timestamps: %s\n", r.timestamp_source.c_str());
  out += "server\n";
  if (r.server_sampled) {
    appendf(out, "  pid %d  user %.2f s  system %.2f s  over %.1f call-seconds\n", r.server_pid,
            r.server_user_seconds, r.server_system_seconds, r.call_seconds);
    appendf(out, "  CPU per call-second: user %.3f ms  system %.3f ms\n",
            r.server_user_ms_per_call_second, r.server_system_ms_per_call_second);
    appendf(out, "  peak RSS %.1f MiB\n", static_cast<double>(r.server_peak_rss_kb) / 1024.0);
  } else {
    out += "  not sampled\n";
  }
  appendf(out, "result: %s%s%s\n", r.valid ? "VALID" : "INVALID", r.valid ? "" : ": ",
          r.invalid_reason.c_str());
  if (!r.notes.empty()) appendf(out, "notes: %s\n", r.notes.c_str());
  return out;
}

std::string format_json(const Report &r) {
  const auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::string out = "{\"target\":";
  json_string(out, r.target);
  appendf(out, ",\"sample_rate\":%d,\"seconds\":", r.sample_rate);
  json_number(out, r.seconds);
  out += ",\"ramp_seconds\":";
  json_number(out, r.ramp_seconds);
  out += ",\"drain_seconds\":";
  json_number(out, r.drain_seconds);
  appendf(out, ",\"seed\":%llu,\"wall_seconds\":", u(r.seed));
  json_number(out, r.wall_seconds);
  appendf(out,
          ",\"calls\":{\"attempted\":%d,\"connected\":%d,\"connect_failures\":%d,"
          "\"completed\":%d,\"ended_by_server\":%d,\"failed\":%d,\"interrupted\":%d}",
          r.calls_attempted, r.calls_connected, r.connect_failures, r.calls_completed,
          r.calls_ended_by_server, r.calls_failed, r.calls_interrupted);
  appendf(out, ",\"server_hangups\":%llu,\"protocol_errors\":%llu", u(r.server_hangups),
          u(r.protocol_errors));
  appendf(out,
          ",\"frames\":{\"sent\":%llu,\"skipped\":%llu,\"received\":%llu,\"echoed\":%llu,"
          "\"silence\":%llu,\"other\":%llu,\"wrong_rate\":%llu,\"lost\":%llu,\"duplicate\":%llu,"
          "\"out_of_order\":%llu,\"misrouted\":%llu}",
          u(r.frames_sent), u(r.frames_skipped), u(r.frames_received), u(r.frames_echoed),
          u(r.frames_silence), u(r.frames_other), u(r.frames_wrong_rate), u(r.frames_lost),
          u(r.frames_duplicate), u(r.frames_out_of_order), u(r.frames_misrouted));
  out += ',';
  json_distribution(out, "outgoing_gap_ms", r.outgoing_gap);
  out += ",\"kernel_timestamps\":";
  out += r.kernel_timestamps ? "true" : "false";
  out += ",\"timestamp_source\":";
  json_string(out, r.timestamp_source);
  out += ',';
  json_distribution(out, "echo_latency_ms", r.echo_latency);
  out += ',';
  json_distribution(out, "gen_lateness_ms", r.gen_lateness);
  out += ',';
  json_distribution(out, "rx_delay_ms", r.rx_delay);
  out += ",\"gen_cpu_seconds\":";
  json_number(out, r.gen_cpu_seconds);
  out += ",\"server\":";
  if (r.server_sampled) {
    appendf(out, "{\"pid\":%d,\"user_seconds\":", r.server_pid);
    json_number(out, r.server_user_seconds);
    out += ",\"system_seconds\":";
    json_number(out, r.server_system_seconds);
    out += ",\"call_seconds\":";
    json_number(out, r.call_seconds);
    out += ",\"user_ms_per_call_second\":";
    json_number(out, r.server_user_ms_per_call_second);
    out += ",\"system_ms_per_call_second\":";
    json_number(out, r.server_system_ms_per_call_second);
    appendf(out, ",\"peak_rss_kb\":%lld}", static_cast<long long>(r.server_peak_rss_kb));
  } else {
    out += "null";
  }
  out += ",\"valid\":";
  out += r.valid ? "true" : "false";
  out += ",\"invalid_reason\":";
  json_string(out, r.invalid_reason);
  out += ",\"notes\":";
  json_string(out, r.notes);
  out += '}';
  return out;
}

}  // namespace ca::loadgen
