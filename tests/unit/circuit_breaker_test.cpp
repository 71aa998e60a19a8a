// The circuit breaker's states on a clock the test moves.
#include "net/circuit_breaker.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>

using namespace ca;
using net::CircuitBreaker;
using Ticket = CircuitBreaker::Ticket;
using State = CircuitBreaker::State;

namespace {

struct FakeClock {
  std::shared_ptr<std::atomic<Nanos>> t = std::make_shared<std::atomic<Nanos>>(seconds(1000));
  std::function<Nanos()> fn() const {
    auto p = t;
    return [p] { return p->load(); };
  }
  void advance(Nanos d) { *t += d; }
};

void fail(CircuitBreaker &b, int n) {
  for (int i = 0; i < n; ++i) {
    const Ticket t = b.admit();
    REQUIRE(t == Ticket::go);
    b.record(t, true);
  }
}

}  // namespace

TEST_CASE("circuit breaker: opens after N consecutive failures; a success in between resets the count") {
  FakeClock clock;
  CircuitBreaker b({5, seconds(30), clock.fn()});
  fail(b, 4);
  CHECK(b.consecutive_failures() == 4);
  Ticket t = b.admit();
  b.record(t, false);
  CHECK(b.consecutive_failures() == 0);
  fail(b, 4);
  CHECK(b.state() == State::closed);
  fail(b, 1);
  CHECK(b.state() == State::open);
  CHECK(b.admit() == Ticket::reject);
  CHECK(b.retry_in() == seconds(30));
  clock.advance(seconds(29));
  CHECK(b.admit() == Ticket::reject);
  CHECK(b.retry_in() == seconds(1));
}

TEST_CASE("circuit breaker: half-open lets exactly one probe through; its outcome closes or re-opens") {
  FakeClock clock;
  CircuitBreaker b({3, seconds(30), clock.fn()});
  fail(b, 3);
  REQUIRE(b.state() == State::open);
  clock.advance(seconds(30));
  CHECK(b.state() == State::half_open);
  const Ticket probe = b.admit();
  CHECK(probe == Ticket::probe);
  CHECK(b.admit() == Ticket::reject);  // one probe at a time
  b.record(probe, true);
  CHECK(b.state() == State::open);
  CHECK(b.admit() == Ticket::reject);
  clock.advance(seconds(30));
  const Ticket probe2 = b.admit();
  REQUIRE(probe2 == Ticket::probe);
  b.record(probe2, false);
  CHECK(b.state() == State::closed);
  CHECK(b.consecutive_failures() == 0);
  CHECK(b.admit() == Ticket::go);
  CHECK(b.admit() == Ticket::go);
}

TEST_CASE("circuit breaker: outcomes of requests already in flight when it opened change nothing") {
  FakeClock clock;
  CircuitBreaker b({2, seconds(10), clock.fn()});
  const Ticket late = b.admit();
  fail(b, 2);
  REQUIRE(b.state() == State::open);
  b.record(late, false);  // a slow success from before: still open
  CHECK(b.state() == State::open);
  CHECK(b.admit() == Ticket::reject);
}

TEST_CASE("circuit breaker: a threshold below 1 never opens") {
  CircuitBreaker b({0, seconds(10), {}});
  fail(b, 50);
  CHECK(b.state() == State::closed);
}
