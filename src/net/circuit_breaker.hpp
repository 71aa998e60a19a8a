// A circuit breaker for one backend: after `failures` consecutive failed requests it opens and
// requests fail at once, without touching the network, for `open_for`; then it is half-open and
// lets exactly one request through as a probe — success closes it, failure opens it again for
// another `open_for`. While the probe is out every other request fails fast too.
//
// What counts as a failure is the caller's choice (the store client counts transport errors,
// timeouts, 5xx and 429 — a 404 or a 400 means the backend is answering and counts as success).
//
// Threads: every method may be called from any thread.
#pragma once

#include <functional>
#include <mutex>

#include "core/clock.hpp"

namespace ca::net {

struct CircuitBreakerOptions {
  int failures = 5;  // consecutive failures that open the circuit; < 1: never opens
  Nanos open_for = seconds(30);
  std::function<Nanos()> clock;  // monotonic_now when empty; tests pass their own
};

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  // What admit() grants: go (closed), probe (the one request of half-open), or reject.
  enum class Ticket { go, probe, reject };

  explicit CircuitBreaker(CircuitBreakerOptions options = {});

  // Whether a request may go now. Every ticket but reject must be settled with record().
  Ticket admit();
  // The outcome of an admitted request. A go ticket's outcome that arrives after the circuit
  // opened (requests that were already in flight) changes nothing.
  void record(Ticket ticket, bool failed);

  // open past its period reads as half_open (the next admit() grants the probe).
  State state() const;
  int consecutive_failures() const;
  // Until the open circuit lets a probe through; 0 unless open.
  Nanos retry_in() const;

 private:
  Nanos now() const { return opts_.clock ? opts_.clock() : monotonic_now(); }

  CircuitBreakerOptions opts_;
  mutable std::mutex mu_;
  State state_ = State::closed;
  int failures_ = 0;
  Nanos open_until_ = 0;
  bool probe_out_ = false;
};

const char *breaker_state_name(CircuitBreaker::State s);

}  // namespace ca::net
