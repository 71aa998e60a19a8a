// Audio inside the library is mono PCM16 at a known rate, cut into short frames (20 ms on the
// telephone side). These helpers keep the sample-count arithmetic in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"

namespace ca::audio {

// Samples in a frame of `ms` milliseconds at `sample_rate` (e.g. 160 for 20 ms at 8 kHz; 441 at
// 44.1 kHz for 10 ms). Truncates when the product is not a whole number of samples.
constexpr size_t samples_per_frame(int sample_rate, int ms) {
  return static_cast<size_t>(sample_rate) * static_cast<size_t>(ms) / 1000;
}

// Duration of `samples` samples at `sample_rate`, rounded down to the nanosecond; 0 for a rate
// that is not positive.
constexpr Nanos samples_duration(int sample_rate, size_t samples) {
  if (sample_rate <= 0) return 0;
  return static_cast<Nanos>(samples) * kNanosPerSecond / sample_rate;
}

// A mono PCM16 frame with its sample rate (owning).
struct Frame {
  int sample_rate = 8000;
  std::vector<int16_t> samples;

  Nanos duration() const { return samples_duration(sample_rate, samples.size()); }
};

}  // namespace ca::audio
