// Paces outgoing audio to the wall clock: one frame per period, with deadlines computed as
// start + k * period so that rounding never accumulates, however long the call lasts.
//
// The pacer never reads a clock; the caller passes `now` (see core/clock.hpp), so tests run on
// integers.
#pragma once

#include <cstdint>

#include "core/clock.hpp"

namespace ca::audio {

class Pacer {
 public:
  // The first deadline is `start` itself. A period below 1 ns is taken as 1 ns.
  explicit Pacer(Nanos start = 0, Nanos period = millis(20));

  // Starts a new schedule at `start` and zeroes the counters, as if newly constructed.
  void reset(Nanos start);

  Nanos next_deadline() const { return start_ + static_cast<Nanos>(next_index_) * period_; }
  Nanos period() const { return period_; }
  Nanos start() const { return start_; }

  struct Tick {
    bool due = false;
    uint64_t skipped = 0;
  };

  // At `now`: due=false if now < next_deadline(). Otherwise one frame is due: `skipped` counts the
  // deadlines missed beyond this one, and the next deadline becomes the first start + k*period
  // strictly after now. A late sender skips ahead instead of bursting, because a burst would
  // only pile up in the far end's jitter buffer. A deadline equal to `now` counts as passed.
  Tick poll(Nanos now);

  uint64_t frames_due() const { return frames_due_; }  // total ticks that returned due
  uint64_t deadlines_skipped() const { return deadlines_skipped_; }

 private:
  Nanos start_;
  Nanos period_;
  uint64_t next_index_ = 0;  // k of the next deadline
  uint64_t frames_due_ = 0;
  uint64_t deadlines_skipped_ = 0;
};

}  // namespace ca::audio
