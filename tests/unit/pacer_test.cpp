// The pacer on a fake clock: `now` is just an integer.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include "audio/pacer.hpp"

using ca::millis;
using ca::Nanos;
using ca::audio::Pacer;

TEST_CASE("on-time ticks: one frame per deadline, none before it") {
  const Nanos start = ca::seconds(5);
  Pacer p(start);
  CHECK(p.next_deadline() == start);
  CHECK_FALSE(p.poll(start - 1).due);
  for (int k = 0; k < 10; ++k) {
    const Nanos d = start + k * millis(20);
    CHECK(p.next_deadline() == d);
    CHECK_FALSE(p.poll(d - 1).due);
    const auto t = p.poll(d);
    CHECK(t.due);
    CHECK(t.skipped == 0);
    CHECK_FALSE(p.poll(d).due);  // the same instant never yields a second frame
    CHECK_FALSE(p.poll(d + millis(19)).due);
  }
  CHECK(p.frames_due() == 10);
  CHECK(p.deadlines_skipped() == 0);
}

TEST_CASE("late by 5 ms is still one frame, and the schedule does not move") {
  Pacer p(0);
  REQUIRE(p.poll(0).due);
  const auto t = p.poll(millis(25));
  CHECK(t.due);
  CHECK(t.skipped == 0);
  CHECK(p.next_deadline() == millis(40));  // not 45: lateness is not carried forward
  CHECK_FALSE(p.poll(millis(39)).due);
  CHECK(p.poll(millis(40)).due);
}

TEST_CASE("three deadlines passed: one frame, two skipped, no burst") {
  Pacer p(0);
  REQUIRE(p.poll(0).due);
  // Deadlines at 20, 40 and 60 ms have passed by 65 ms.
  const auto t = p.poll(millis(65));
  CHECK(t.due);
  CHECK(t.skipped == 2);
  CHECK(p.next_deadline() == millis(80));
  CHECK_FALSE(p.poll(millis(65)).due);
  CHECK_FALSE(p.poll(millis(79)).due);
  CHECK(p.frames_due() == 2);
  CHECK(p.deadlines_skipped() == 2);

  // A deadline exactly at `now` has passed too.
  const auto u = p.poll(millis(140));
  CHECK(u.due);
  CHECK(u.skipped == 3);  // 80, 100, 120 and 140 passed; one frame for them
  CHECK(p.next_deadline() == millis(160));
}

TEST_CASE("an hour with jitter: deadlines stay exactly on start + k * 20 ms") {
  const Nanos start = 123'456'789;
  Pacer p(start);
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<Nanos> jitter(0, millis(3));  // the loop wakes up to 3 ms late
  uint64_t frames = 0;
  for (int64_t k = 0; k < 180000; ++k) {
    const Nanos deadline = start + k * millis(20);
    REQUIRE(p.next_deadline() == deadline);
    const auto t = p.poll(deadline + jitter(rng));
    REQUIRE(t.due);
    REQUIRE(t.skipped == 0);
    ++frames;
  }
  CHECK(frames == 180000);
  CHECK(p.frames_due() == 180000);
  CHECK(p.deadlines_skipped() == 0);
  CHECK(p.next_deadline() == start + ca::seconds(3600));
}

TEST_CASE("an hour with an odd period and stalls: frames + skipped account for every deadline") {
  // 20 ms at 44.1 kHz is not an integer number of samples, so periods like 22'675'737 ns happen.
  const Nanos period = 22'675'737;
  Pacer p(0, period);
  std::mt19937_64 rng(7);
  Nanos now = 0;
  const Nanos end = ca::seconds(3600);
  while (now < end) {
    if (rng() % 1000 == 0) now += period * static_cast<Nanos>(1 + rng() % 10);  // a stall
    const auto t = p.poll(now);
    if (t.due) CHECK(p.next_deadline() > now);
    REQUIRE(p.next_deadline() % period == 0);  // always on the grid
    REQUIRE(p.next_deadline() - now <= period);
    now += static_cast<Nanos>(rng() % static_cast<uint64_t>(period / 3));
  }
  const auto deadlines_passed = static_cast<uint64_t>(p.next_deadline() / period);
  CHECK(p.frames_due() + p.deadlines_skipped() == deadlines_passed);
  CHECK(p.deadlines_skipped() > 0);
}

TEST_CASE("reset starts a new schedule") {
  Pacer p(0);
  (void)p.poll(millis(100));
  p.reset(millis(1000));
  CHECK(p.next_deadline() == millis(1000));
  CHECK(p.frames_due() == 0);
  CHECK(p.deadlines_skipped() == 0);
  CHECK_FALSE(p.poll(millis(999)).due);
  CHECK(p.poll(millis(1000)).due);
  CHECK(p.next_deadline() == millis(1020));
}
