#include "audio/pacer.hpp"

namespace ca::audio {

Pacer::Pacer(Nanos start, Nanos period) : start_(start), period_(period < 1 ? 1 : period) {}

void Pacer::reset(Nanos start) {
  start_ = start;
  next_index_ = 0;
  frames_due_ = 0;
  deadlines_skipped_ = 0;
}

Pacer::Tick Pacer::poll(Nanos now) {
  if (now < next_deadline()) return {};
  // now >= next_deadline() >= start_, so the division is of non-negative numbers. Deadline
  // indices up to `last` have passed; the next one is the first strictly after now.
  const auto last = static_cast<uint64_t>((now - start_) / period_);
  const uint64_t skipped = last - next_index_;
  next_index_ = last + 1;
  ++frames_due_;
  deadlines_skipped_ += skipped;
  return Tick{true, skipped};
}

}  // namespace ca::audio
