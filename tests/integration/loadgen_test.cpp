// The load generator against a small paced echo server living in this file: real sockets on
// 127.0.0.1, real 20 ms pacing. Assertions on timing are deliberately loose; the outcome (calls
// completed, nothing lost, who ended the call) is what must hold on a busy machine.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "loadgen/loadgen.hpp"
#include "transport/audiosocket_codec.hpp"

namespace {

namespace as = ca::audiosocket;
using ca::Nanos;

// A paced echo agent as the production server should behave: each connection has its own
// absolute 20 ms clock; at each tick it sends back the oldest frame it received, or a silence
// frame when it has none. Optionally it ends every call with 00 00 00 after `hangup_after`.
class EchoServer {
 public:
  explicit EchoServer(Nanos hangup_after = 0) : hangup_after_(hangup_after) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(listen_fd_ >= 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 1024) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    REQUIRE(ep_ >= 0);
    add(listen_fd_);
    thread_ = std::thread([this] { loop(); });
  }

  ~EchoServer() {
    stop_.store(true);
    thread_.join();
    for (auto &[fd, c] : conns_) ::close(fd);
    ::close(listen_fd_);
    ::close(ep_);
  }

  uint16_t port() const { return port_; }

 private:
  struct Conn {
    as::Parser parser;
    std::deque<std::vector<uint8_t>> queue;
    bool uuid_seen = false;
    bool hung_up = false;
    Nanos accepted = 0;
    Nanos next_tick = 0;
    uint8_t kind = 0;  // of the last audio received; nothing is sent before the first
    size_t payload = 0;
  };
  using Tick = std::pair<Nanos, int>;

  void add(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }

  void drop(int fd) {
    ::close(fd);
    conns_.erase(fd);
  }

  void send_message(int fd, uint8_t k, std::span<const uint8_t> payload) {
    std::vector<uint8_t> buf(as::kHeaderSize + payload.size());
    as::serialize(k, payload, buf.data());
    [[maybe_unused]] const ssize_t w = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
  }

  void on_tick(int fd, Conn &c, Nanos now) {
    if (c.hung_up || !c.uuid_seen) return;
    if (hangup_after_ > 0 && now - c.accepted >= hangup_after_) {
      send_message(fd, as::kind::hangup, {});
      ::shutdown(fd, SHUT_WR);  // then wait for the caller's close, so nothing is reset
      c.hung_up = true;
      return;
    }
    if (c.kind == 0) return;
    if (!c.queue.empty()) {
      send_message(fd, c.kind, c.queue.front());
      c.queue.pop_front();
    } else {
      const std::vector<uint8_t> silence(c.payload, 0);
      send_message(fd, c.kind, silence);
    }
  }

  void on_readable(int fd, Nanos now) {
    if (fd == listen_fd_) {
      for (;;) {
        const int cfd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) return;
        // Without it, Nagle holds a frame until our delayed ACK once we stop sending: a 40 ms
        // gap in the drain that a real server must not have either.
        int one = 1;
        ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto c = std::make_unique<Conn>();
        c->accepted = now;
        c->next_tick = now + ca::millis(20);
        ticks_.push({c->next_tick, cfd});
        conns_[cfd] = std::move(c);
        add(cfd);
      }
    }
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    Conn &c = *it->second;
    uint8_t buf[16384];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        drop(fd);
        return;
      }
      if (n < 0) return;
      const auto e = c.parser.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)),
                                   [&](const as::Message &m) {
                                     if (m.kind == as::kind::uuid) c.uuid_seen = true;
                                     if (!as::is_audio_kind(m.kind)) return;
                                     c.kind = m.kind;
                                     c.payload = m.payload.size();
                                     c.queue.emplace_back(m.payload.begin(), m.payload.end());
                                   });
      if (e != as::ParseError::none) {
        drop(fd);
        return;
      }
    }
  }

  void loop() {
    epoll_event events[64];
    while (!stop_.load()) {
      Nanos now = ca::monotonic_now();
      while (!ticks_.empty() && ticks_.top().first <= now) {
        const auto [at, fd] = ticks_.top();
        ticks_.pop();
        auto it = conns_.find(fd);
        if (it == conns_.end() || it->second->next_tick != at) continue;  // closed, fd reused
        on_tick(fd, *it->second, now);
        it->second->next_tick = at + ca::millis(20);  // absolute deadlines: no drift
        ticks_.push({it->second->next_tick, fd});
        now = ca::monotonic_now();
      }
      Nanos wait = ca::millis(20);
      if (!ticks_.empty()) wait = std::min(wait, std::max<Nanos>(0, ticks_.top().first - now));
      const timespec ts{0, static_cast<long>(wait)};
      const int n = ::epoll_pwait2(ep_, events, 64, &ts, nullptr);
      now = ca::monotonic_now();
      for (int i = 0; i < n; ++i) on_readable(events[i].data.fd, now);
    }
  }

  Nanos hangup_after_;
  int listen_fd_ = -1;
  int ep_ = -1;
  uint16_t port_ = 0;
  std::map<int, std::unique_ptr<Conn>> conns_;
  std::priority_queue<Tick, std::vector<Tick>, std::greater<>> ticks_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

bool contains(const std::string &s, const std::string &what) {
  return s.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("loadgen: echo server, every call completes and nothing is lost") {
  EchoServer server;
  ca::loadgen::Options o;
  o.port = server.port();
  o.calls = 5;
  o.seconds = 1.5;
  o.ramp_seconds = 0.1;
  o.drain_seconds = 0.5;
  o.server_pid = static_cast<int>(::getpid());
  auto res = ca::loadgen::run(o);
  REQUIRE(res.ok());
  const ca::loadgen::Report &r = *res;
  INFO(ca::loadgen::format_table(r));

  CHECK(r.calls_attempted == 5);
  CHECK(r.calls_connected == 5);
  CHECK(r.connect_failures == 0);
  CHECK(r.calls_completed == 5);
  CHECK(r.calls_ended_by_server == 0);
  CHECK(r.calls_failed == 0);
  CHECK(r.protocol_errors == 0);

  CHECK(r.frames_sent + r.frames_skipped == 5 * 75);
  CHECK(r.frames_sent >= 5 * 75 - 5);
  CHECK(r.frames_lost == 0);
  CHECK(r.frames_echoed == r.frames_sent);
  CHECK(r.frames_duplicate == 0);
  CHECK(r.frames_misrouted == 0);
  CHECK(r.frames_other == 0);
  CHECK(r.frames_wrong_rate == 0);
  CHECK(r.frames_silence > 0);  // the server fills the drain with silence
  CHECK(r.frames_received == r.frames_echoed + r.frames_silence + r.frames_other);

  CHECK(r.outgoing_gap.count > 0);
  CHECK(r.outgoing_gap.p50_ms > 15.0);
  CHECK(r.outgoing_gap.p50_ms < 25.0);
  CHECK(r.outgoing_gap.max_ms >= r.outgoing_gap.p99_ms);
  CHECK(!r.timestamp_source.empty());
  CHECK(r.echo_latency.count == r.frames_echoed);
  CHECK(r.echo_latency.p50_ms > 0.0);
  CHECK(r.echo_latency.p50_ms < 200.0);
  CHECK(r.gen_lateness.count == r.frames_sent);
  CHECK(r.gen_lateness.p50_ms >= 0.0);
  CHECK(r.gen_lateness.p99_ms < 50.0);
  CHECK(r.wall_seconds > 1.5);
  CHECK(r.wall_seconds < 6.0);

  CHECK(r.server_sampled);
  CHECK(r.server_pid == o.server_pid);
  CHECK(r.server_user_seconds >= 0.0);
  CHECK(r.server_system_seconds >= 0.0);
  CHECK(r.call_seconds == doctest::Approx(static_cast<double>(r.frames_sent) * 0.02));
  CHECK(r.server_peak_rss_kb > 0);

  const std::string json = ca::loadgen::format_json(r);
  CHECK(json.front() == '{');
  CHECK(json.back() == '}');
  for (const char *key :
       {"\"target\":\"127.0.0.1:", "\"calls\":{", "\"attempted\":5", "\"completed\":5",
        "\"frames\":{", "\"lost\":0", "\"outgoing_gap_ms\":{", "\"p50\":", "\"p99\":",
        "\"echo_latency_ms\":", "\"gen_lateness_ms\":", "\"server\":{", "\"peak_rss_kb\":",
        "\"user_ms_per_call_second\":", "\"valid\":", "\"invalid_reason\":"}) {
    CHECK_MESSAGE(contains(json, key), key);
  }
  // Balanced braces and quotes: cheap evidence it parses.
  int depth = 0;
  int min_depth = 0;
  size_t quotes = 0;
  for (char ch : json) {
    if (ch == '{') ++depth;
    if (ch == '}') --depth;
    if (ch == '"') ++quotes;
    min_depth = std::min(min_depth, depth);
  }
  CHECK(min_depth == 0);
  CHECK(depth == 0);
  CHECK(quotes % 2 == 0);

  const std::string table = ca::loadgen::format_table(r);
  CHECK(contains(table, "completed 5"));
  CHECK(contains(table, "sent " + std::to_string(r.frames_sent)));
  CHECK(contains(table, "lost 0"));
  CHECK(contains(table, "outgoing gap"));
  CHECK(contains(table, "generator lateness"));
  CHECK(contains(table, "CPU per call-second"));
  CHECK(contains(table, r.valid ? "VALID" : "INVALID"));
}

TEST_CASE("loadgen: 16 kHz frames are 640 bytes and come back") {
  EchoServer server;
  ca::loadgen::Options o;
  o.port = server.port();
  o.calls = 2;
  o.seconds = 0.5;
  o.drain_seconds = 0.3;
  o.sample_rate = 16000;
  auto res = ca::loadgen::run(o);
  REQUIRE(res.ok());
  INFO(ca::loadgen::format_table(*res));
  CHECK(res->calls_completed == 2);
  CHECK(res->frames_sent + res->frames_skipped == 2 * 25);
  CHECK(res->frames_lost == 0);
  CHECK(res->frames_wrong_rate == 0);
  CHECK(!res->server_sampled);
  CHECK(contains(ca::loadgen::format_json(*res), "\"server\":null"));
}

TEST_CASE("loadgen: a server hanging up with 00 00 00 ends the calls") {
  EchoServer server(ca::millis(300));
  ca::loadgen::Options o;
  o.port = server.port();
  o.calls = 4;
  o.seconds = 2;
  auto res = ca::loadgen::run(o);
  REQUIRE(res.ok());
  INFO(ca::loadgen::format_table(*res));
  CHECK(res->calls_connected == 4);
  CHECK(res->calls_ended_by_server == 4);
  CHECK(res->server_hangups == 4);
  CHECK(res->calls_completed == 0);
  CHECK(res->calls_failed == 0);
  CHECK(res->frames_sent > 0);
  CHECK(res->frames_sent < 4 * 100);
  CHECK(res->frames_lost == 0);  // cut off by the server's hangup, not lost
  CHECK(res->wall_seconds < 1.5);  // the run ends with its calls, not at the scheduled end
}

TEST_CASE("loadgen: nothing listening counts connect failures and does not hang") {
  // A bound socket that never listens: its port refuses connections and cannot be taken by
  // anyone else during the test.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0);

  ca::loadgen::Options o;
  o.port = ntohs(a.sin_port);
  o.calls = 3;
  o.seconds = 1;
  auto res = ca::loadgen::run(o);
  ::close(fd);
  REQUIRE(res.ok());
  CHECK(res->calls_attempted == 3);
  CHECK(res->connect_failures == 3);
  CHECK(res->calls_connected == 0);
  CHECK(res->frames_sent == 0);
  CHECK(res->wall_seconds < 2.0);
}

TEST_CASE("loadgen: bad options are errors, an external stop ends the run as invalid") {
  ca::loadgen::Options o;
  o.calls = 0;
  CHECK(!ca::loadgen::run(o).ok());
  o.calls = 1;
  o.sample_rate = 11025;
  CHECK(!ca::loadgen::run(o).ok());

  EchoServer server;
  std::atomic<bool> stop{false};
  o.sample_rate = 8000;
  o.port = server.port();
  o.calls = 3;
  o.seconds = 30;
  o.stop = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.store(true);
  });
  auto res = ca::loadgen::run(o);
  stopper.join();
  REQUIRE(res.ok());
  CHECK(!res->valid);
  CHECK(contains(res->invalid_reason, "stopped"));
  CHECK(res->calls_interrupted == 3);
  CHECK(res->wall_seconds < 5.0);
}
