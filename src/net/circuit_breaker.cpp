#include "net/circuit_breaker.hpp"

#include <algorithm>

namespace ca::net {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options) : opts_(std::move(options)) {}

CircuitBreaker::Ticket CircuitBreaker::admit() {
  std::lock_guard lock(mu_);
  switch (state_) {
    case State::closed:
      return Ticket::go;
    case State::open:
      if (now() < open_until_) return Ticket::reject;
      state_ = State::half_open;
      probe_out_ = false;
      [[fallthrough]];
    case State::half_open:
      if (probe_out_) return Ticket::reject;
      probe_out_ = true;
      return Ticket::probe;
  }
  return Ticket::reject;
}

void CircuitBreaker::record(Ticket ticket, bool failed) {
  std::lock_guard lock(mu_);
  if (ticket == Ticket::probe) {
    probe_out_ = false;
    if (failed) {
      state_ = State::open;
      open_until_ = now() + opts_.open_for;
    } else {
      state_ = State::closed;
      failures_ = 0;
    }
    return;
  }
  if (ticket != Ticket::go || state_ != State::closed) return;
  if (!failed) {
    failures_ = 0;
    return;
  }
  ++failures_;
  if (opts_.failures >= 1 && failures_ >= opts_.failures) {
    state_ = State::open;
    open_until_ = now() + opts_.open_for;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  if (state_ == State::open && now() >= open_until_) return State::half_open;
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

Nanos CircuitBreaker::retry_in() const {
  std::lock_guard lock(mu_);
  if (state_ != State::open) return 0;
  return std::max<Nanos>(0, open_until_ - now());
}

const char *breaker_state_name(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half_open";
  }
  return "closed";
}

}  // namespace ca::net
