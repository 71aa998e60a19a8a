// The AudioSocket host against Asterisk-like peers over real sockets on 127.0.0.1.
#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/log.hpp"
#include "server/audiosocket_server.hpp"
#include "support/audiosocket_client.hpp"

using namespace ca;
namespace as = ca::audiosocket;
using server::EndReason;

namespace {

// What the handlers of one test saw, shared across calls (handlers run on loop threads).
struct Journal {
  std::mutex mu;
  std::condition_variable cv;
  int starts = 0;
  std::vector<std::string> uuids;
  std::vector<char> dtmf;
  std::vector<uint8_t> other_kinds;
  std::vector<EndReason> ends;
  std::vector<int> rates;

  template <class Pred>
  bool wait_for(Pred pred, Nanos timeout = seconds(3)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::nanoseconds(timeout), [&] { return pred(*this); });
  }
};

// The echo agent, recording what happens, and optionally hanging up after `hangup_after` frames.
class RecordingHandler final : public server::CallHandler {
 public:
  RecordingHandler(Journal &j, int hangup_after) : j_(j), hangup_after_(hangup_after) {}
  void on_start(std::string_view uuid, int rate, Nanos now) override {
    echo_.on_start(uuid, rate, now);
    std::lock_guard lock(j_.mu);
    ++j_.starts;
    j_.uuids.emplace_back(uuid);
    j_.cv.notify_all();
  }
  void on_audio(std::span<const int16_t> f, int rate, Nanos now) override {
    echo_.on_audio(f, rate, now);
    if (rate != last_rate_) {
      last_rate_ = rate;
      std::lock_guard lock(j_.mu);
      j_.rates.push_back(rate);
    }
  }
  void on_dtmf(char d, Nanos) override {
    std::lock_guard lock(j_.mu);
    j_.dtmf.push_back(d);
    j_.cv.notify_all();
  }
  void on_other(uint8_t k, std::span<const uint8_t>, Nanos) override {
    std::lock_guard lock(j_.mu);
    j_.other_kinds.push_back(k);
    j_.cv.notify_all();
  }
  bool pull(std::span<int16_t> out, int rate, Nanos now) override {
    ++pulled_;
    return echo_.pull(out, rate, now);
  }
  bool wants_hangup() const override { return hangup_after_ > 0 && pulled_ >= hangup_after_; }
  void on_end(EndReason r, Nanos) override {
    std::lock_guard lock(j_.mu);
    j_.ends.push_back(r);
    j_.cv.notify_all();
  }

 private:
  Journal &j_;
  int hangup_after_;
  int pulled_ = 0;
  int last_rate_ = 0;
  server::EchoHandler echo_;
};

struct Fixture {
  Journal journal;
  std::unique_ptr<server::Server> srv;

  explicit Fixture(server::ServerOptions o = {}, int hangup_after = 0) {
    log::set_level(log::Level::error);
    o.host = "127.0.0.1";
    o.port = 0;
    if (o.threads == 0) o.threads = 2;
    auto s = server::Server::start(o, [this, hangup_after] {
      return std::make_unique<RecordingHandler>(journal, hangup_after);
    });
    REQUIRE(s.ok());
    srv = std::move(*s);
  }
  uint16_t port() const { return srv->port(); }
};

// Samples that count up from `first`: a stream whose order and continuity can be checked.
std::vector<int16_t> ramp(int first, size_t n) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>(first + static_cast<int>(i));
  return v;
}

std::vector<int16_t> samples_of(const test::Received &m) {
  std::vector<int16_t> s(m.payload.size() / 2);
  as::decode_samples(m.payload, s.data());
  return s;
}

bool is_silence(const test::Received &m) {
  return std::all_of(m.payload.begin(), m.payload.end(), [](uint8_t b) { return b == 0; });
}

// Sends `frames` frames of `frame_samples` samples of a counting ramp, one per `period`, on
// absolute deadlines, while collecting what the server sends. Returns everything received
// until `tail` after the last frame.
std::vector<test::Received> talk(test::Client &c, uint8_t kind, size_t frame_samples, int frames, Nanos period,
                                 Nanos tail = millis(200)) {
  std::vector<test::Received> got;
  const Nanos start = monotonic_now();
  int counter = 1;
  for (int i = 0; i < frames; ++i) {
    auto f = ramp(counter, frame_samples);
    counter += static_cast<int>(frame_samples);
    REQUIRE(c.send_audio(kind, f));
    const Nanos next = start + (i + 1) * period;
    while (monotonic_now() < next) {
      auto m = c.next(std::max<Nanos>(next - monotonic_now(), 0));
      if (m) got.push_back(std::move(*m));
    }
  }
  const Nanos end = monotonic_now() + tail;
  while (monotonic_now() < end) {
    auto m = c.next(end - monotonic_now());
    if (!m) break;
    got.push_back(std::move(*m));
  }
  return got;
}

// The echoed (non-silent) samples, in arrival order.
std::vector<int16_t> echoed(const std::vector<test::Received> &got) {
  std::vector<int16_t> out;
  for (const auto &m : got) {
    if (is_silence(m)) continue;
    auto s = samples_of(m);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

}  // namespace

TEST_CASE("UUID, then paced echo at 8 kHz") {
  Fixture f;
  test::Client c(f.port());
  REQUIRE(c.connected());
  REQUIRE(c.send_uuid("0f8e1c4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"));
  const Nanos t0 = monotonic_now();
  auto got = talk(c, as::kind::slin8, 160, 50, millis(20));
  const Nanos elapsed = monotonic_now() - t0;

  REQUIRE(f.journal.wait_for([](Journal &j) { return j.starts == 1; }));
  CHECK(f.journal.uuids[0] == "0f8e1c4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
  for (const auto &m : got) {
    CHECK(m.kind == as::kind::slin8);
    CHECK(m.payload.size() == 320);
  }
  // Paced: about one frame per 20 ms of the call, not a burst and not a stall. Late wake-ups on a
  // loaded machine are not made up for (by design), so the lower bound has room for them.
  const auto expected = static_cast<double>(elapsed) / static_cast<double>(millis(20));
  CHECK(static_cast<double>(got.size()) >= 0.8 * expected - 2);
  CHECK(static_cast<double>(got.size()) <= expected + 2);
  // The echo is the caller's audio, whole and in order.
  auto e = echoed(got);
  REQUIRE(e.size() == 50u * 160u);
  CHECK(e == ramp(1, 50 * 160));
}

TEST_CASE("a 16 kHz caller (kind 0x12) is answered in 0x12 at 640 bytes") {
  Fixture f;
  test::Client c(f.port());
  REQUIRE(c.send_uuid());
  auto f16 = ramp(1, 320);
  REQUIRE(c.send_audio(as::kind::slin16, f16));  // sent at once, as Dial(...c(slin16)) does
  auto got = talk(c, as::kind::slin16, 320, 20, millis(20));
  size_t echoed_frames = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    // Only a frame sent before the caller's first audio could be at the default rate.
    if (i > 0) CHECK(got[i].kind == as::kind::slin16);
    if (got[i].kind == as::kind::slin16) CHECK(got[i].payload.size() == 640);
    if (!is_silence(got[i])) ++echoed_frames;
  }
  CHECK(echoed_frames == 21);
  REQUIRE(f.journal.wait_for([](Journal &j) { return !j.rates.empty(); }));
  CHECK(f.journal.rates.front() == 16000);
}

TEST_CASE("inbound frames of 10 and 30 ms are re-cut to 20 ms") {
  for (size_t in_samples : {80u, 240u}) {
    CAPTURE(in_samples);
    Fixture f;
    test::Client c(f.port());
    REQUIRE(c.send_uuid());
    const Nanos period = in_samples == 80 ? millis(10) : millis(30);
    const int frames = in_samples == 80 ? 60 : 20;  // 600 ms either way
    auto got = talk(c, as::kind::slin8, in_samples, frames, period);
    for (const auto &m : got) CHECK(m.payload.size() == 320);
    auto e = echoed(got);
    CHECK(e == ramp(1, in_samples * static_cast<size_t>(frames)));
  }
}

TEST_CASE("frames keep coming while the caller is silent") {
  Fixture f;
  test::Client c(f.port());
  REQUIRE(c.send_uuid());
  std::vector<test::Received> got;
  const Nanos end = monotonic_now() + millis(400);
  while (monotonic_now() < end) {
    auto m = c.next(end - monotonic_now());
    if (m) got.push_back(std::move(*m));
  }
  CHECK(got.size() >= 15);
  CHECK(got.size() <= 21);
  for (const auto &m : got) {
    CHECK(m.kind == as::kind::slin8);  // the default rate: no caller audio said otherwise
    CHECK(m.payload.size() == 320);
    CHECK(is_silence(m));
  }
}

TEST_CASE("DTMF, 0xff and unknown kinds mid-call are passed on and never end the call") {
  Fixture f;
  test::Client c(f.port());
  REQUIRE(c.send_uuid());
  talk(c, as::kind::slin8, 160, 5, millis(20), 0);
  const uint8_t five = '5', hash = '#', code = 0x02, junk[4] = {1, 2, 3, 4}, two[2] = {'1', '2'};
  REQUIRE(c.send_msg(as::kind::dtmf, {&five, 1}));
  REQUIRE(c.send_msg(as::kind::error, {&code, 1}));
  REQUIRE(c.send_msg(0x20, junk));
  REQUIRE(c.send_msg(as::kind::dtmf, two));  // malformed: logged, ignored
  REQUIRE(c.send_msg(as::kind::silence, {}));
  REQUIRE(c.send_msg(as::kind::dtmf, {&hash, 1}));
  auto got = talk(c, as::kind::slin8, 160, 10, millis(20));
  CHECK(got.size() >= 8);
  CHECK_FALSE(c.eof());
  REQUIRE(f.journal.wait_for([](Journal &j) { return j.dtmf.size() == 2 && j.other_kinds.size() == 3; }));
  CHECK(f.journal.dtmf == std::vector<char>{'5', '#'});
  CHECK(f.journal.other_kinds == std::vector<uint8_t>{as::kind::error, 0x20, as::kind::silence});
  CHECK(f.journal.ends.empty());
  const auto s = f.srv->stats();
  CHECK(s.dtmf == 3);
  CHECK(s.other_messages == 3);
  CHECK(s.protocol_errors == 0);
}

TEST_CASE("a connection that never sends its UUID is closed after the timeout") {
  server::ServerOptions o;
  o.uuid_timeout = millis(150);
  Fixture f(o);
  test::Client c(f.port());
  REQUIRE(c.connected());
  auto got = c.drain_until_eof(seconds(3));
  CHECK(got.empty());  // nothing is sent before the UUID
  CHECK(c.eof());
  CHECK(f.srv->stats().uuid_timeouts == 1);
  CHECK(f.journal.starts == 0);
}

TEST_CASE("a first message other than the UUID is a protocol error") {
  Fixture f;
  test::Client c(f.port());
  auto frame = ramp(1, 160);
  REQUIRE(c.send_audio(as::kind::slin8, frame));
  auto got = c.drain_until_eof();
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == as::kind::hangup);
  CHECK(got[0].payload.empty());
  CHECK(c.eof());
  CHECK(f.srv->stats().protocol_errors == 1);
}

TEST_CASE("broken audio framing ends only its own call") {
  struct Case {
    const char *name;
    std::vector<uint8_t> bytes;
  };
  std::vector<uint8_t> oversized = {as::kind::slin8, 0x20, 0x02};  // 8194 bytes > 8192
  oversized.resize(3 + 8194, 0);
  const Case cases[] = {
      {"zero length", {as::kind::slin8, 0x00, 0x00}},
      {"odd length", {as::kind::slin8, 0x00, 0x03, 1, 2, 3}},
      {"oversized", oversized},
      {"UUID of the wrong length, mid-call", {as::kind::uuid, 0x00, 0x02, 1, 2}},
  };
  for (const Case &k : cases) {
    CAPTURE(k.name);
    Fixture f;
    test::Client good(f.port()), bad(f.port());
    REQUIRE(good.send_uuid("11111111-1111-4111-8111-111111111111"));
    REQUIRE(bad.send_uuid("22222222-2222-4222-8222-222222222222"));
    talk(bad, as::kind::slin8, 160, 3, millis(20), 0);
    REQUIRE(bad.send_raw(k.bytes));
    auto bad_got = bad.drain_until_eof();
    REQUIRE_FALSE(bad_got.empty());
    CHECK(bad_got.back().kind == as::kind::hangup);
    CHECK(bad.eof());
    REQUIRE(f.journal.wait_for([](Journal &j) { return j.ends.size() == 1; }));
    CHECK(f.journal.ends[0] == EndReason::protocol_error);
    // The other call did not notice.
    auto good_got = talk(good, as::kind::slin8, 160, 10, millis(20));
    CHECK(good_got.size() >= 9);
    CHECK_FALSE(good.eof());
    CHECK(echoed(good_got) == ramp(1, 1600));
    CHECK(f.srv->stats().protocol_errors == 1);
  }
}

TEST_CASE("peer EOF mid-frame is the caller hanging up") {
  Fixture f;
  test::Client c(f.port());
  REQUIRE(c.send_uuid());
  talk(c, as::kind::slin8, 160, 3, millis(20), 0);
  const uint8_t partial[] = {as::kind::slin8, 0x01, 0x40, 1, 2, 3, 4};  // 320 announced, 4 sent
  REQUIRE(c.send_raw(partial));
  c.close();
  REQUIRE(f.journal.wait_for([](Journal &j) { return j.ends.size() == 1; }));
  CHECK(f.journal.ends[0] == EndReason::caller_hangup);
  REQUIRE(f.journal.wait_for([&](Journal &) { return f.srv->stats().active == 0; }));
}

TEST_CASE("the agent hanging up sends 00 00 00 and closes") {
  Fixture f({}, /*hangup_after=*/10);
  test::Client c(f.port());
  REQUIRE(c.send_uuid());
  auto got = c.drain_until_eof(seconds(3));
  REQUIRE(got.size() >= 2);
  CHECK(got.back().kind == as::kind::hangup);
  CHECK(got.back().payload.empty());
  for (size_t i = 0; i + 1 < got.size(); ++i) CHECK(got[i].kind == as::kind::slin8);
  CHECK(c.eof());
  REQUIRE(f.journal.wait_for([](Journal &j) { return j.ends.size() == 1; }));
  CHECK(f.journal.ends[0] == EndReason::agent_hangup);
}

TEST_CASE("connections beyond max_calls are closed at once") {
  server::ServerOptions o;
  o.max_calls = 2;
  Fixture f(o);
  test::Client a(f.port()), b(f.port());
  REQUIRE(a.send_uuid());
  REQUIRE(b.send_uuid());
  REQUIRE(f.journal.wait_for([](Journal &j) { return j.starts == 2; }));
  test::Client extra(f.port());
  REQUIRE(extra.connected());
  auto got = extra.drain_until_eof(seconds(2));
  CHECK(got.empty());
  CHECK(extra.eof());
  CHECK(f.srv->stats().calls_refused == 1);
  // The admitted calls go on.
  CHECK(a.next().has_value());
  CHECK(b.next().has_value());
}

TEST_CASE("drain: no new calls, running calls finish, the rest get 00 00 00 at the deadline") {
  Fixture f;
  test::Client c(f.port());
  REQUIRE(c.send_uuid());
  REQUIRE(f.journal.wait_for([](Journal &j) { return j.starts == 1; }));
  const Nanos t0 = monotonic_now();
  f.srv->drain(millis(300));
  // Frames keep coming until the deadline, then the hangup.
  auto got = c.drain_until_eof(seconds(3));
  const Nanos took = monotonic_now() - t0;
  REQUIRE(got.size() >= 5);
  CHECK(got.back().kind == as::kind::hangup);
  CHECK(took >= millis(280));
  test::Client late(f.port());
  CHECK_FALSE(late.connected());
  c.close();  // as Asterisk does within a millisecond of 00 00 00
  f.srv->wait();
  CHECK(f.journal.ends == std::vector<EndReason>{EndReason::drain_timeout});
}

TEST_CASE("a caller hanging up during drain lets the server finish early") {
  Fixture f;
  {
    test::Client c(f.port());
    REQUIRE(c.send_uuid());
    REQUIRE(f.journal.wait_for([](Journal &j) { return j.starts == 1; }));
    f.srv->drain(seconds(30));
    CHECK(c.next().has_value());
  }  // the caller hangs up
  f.srv->wait();  // returns long before the 30 s deadline
  CHECK(f.journal.ends == std::vector<EndReason>{EndReason::caller_hangup});
}

TEST_CASE("many calls on several threads each get their own echo") {
  server::ServerOptions o;
  o.threads = 3;
  Fixture f(o);
  constexpr int kCalls = 24;
  std::vector<std::unique_ptr<test::Client>> clients;
  for (int i = 0; i < kCalls; ++i) {
    clients.push_back(std::make_unique<test::Client>(f.port()));
    REQUIRE(clients.back()->send_uuid());
  }
  // Each call sends a constant of its own; every non-silent frame it gets back must carry it.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < kCalls; ++i) {
      std::vector<int16_t> frame(160, static_cast<int16_t>(100 + i));
      REQUIRE(clients[static_cast<size_t>(i)]->send_audio(as::kind::slin8, frame));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int i = 0; i < kCalls; ++i) {
    size_t mine = 0;
    const Nanos deadline = monotonic_now() + seconds(2);
    while (mine < 10 && monotonic_now() < deadline) {
      auto m = clients[static_cast<size_t>(i)]->next(deadline - monotonic_now());
      if (!m) break;
      if (is_silence(*m)) continue;
      auto s = samples_of(*m);
      CHECK(std::all_of(s.begin(), s.end(), [&](int16_t v) { return v == 100 + i; }));
      ++mine;
    }
    CHECK(mine == 10);
  }
  CHECK(f.srv->stats().calls_started == kCalls);
}

TEST_CASE("a caller that stops reading gets at most 3 frames queued by the kernel; the rest are dropped whole") {
  Fixture f;
  test::Client c(f.port(), /*rcvbuf=*/1);  // the kernel's minimum window: a handful of frames
  REQUIRE(c.send_uuid());
  REQUIRE(f.journal.wait_for([](Journal &j) { return j.starts == 1; }));
  // Not reading while 50 frame deadlines pass (about a second; longer on a loaded machine, so the
  // test waits for the count rather than for the clock).
  const Nanos deadline = monotonic_now() + seconds(10);
  auto s = f.srv->stats();
  while (s.frames_out + s.frames_dropped < 50 && monotonic_now() < deadline) {
    ::poll(nullptr, 0, 20);
    s = f.srv->stats();
  }
  REQUIRE(s.frames_out + s.frames_dropped >= 50);
  // What the window holds plus at most 3 in the send queue; without the bound the send buffer
  // would have taken all 50.
  CHECK(s.frames_out <= 20);
  CHECK(s.frames_dropped >= 25);
  // Everything that was sent arrives as whole messages once the caller reads again.
  size_t got = 0;
  while (got < s.frames_out + 5) {
    auto m = c.next(millis(500));
    if (!m) break;
    ++got;
    CHECK(m->kind == as::kind::slin8);
    CHECK(m->payload.size() == 320);
  }
  CHECK(got == s.frames_out + 5);  // the backlog, then paced frames again
  CHECK_FALSE(c.eof());
}
