// Time inside the library is a count of nanoseconds on a monotonic clock. Only hosts read the
// real clock; everything below them takes `now` as an argument.
#pragma once

#include <cstdint>
#include <ctime>

namespace ca {

using Nanos = int64_t;

constexpr Nanos kNanosPerMilli = 1'000'000;
constexpr Nanos kNanosPerSecond = 1'000'000'000;

constexpr Nanos millis(int64_t ms) { return ms * kNanosPerMilli; }
constexpr Nanos seconds(int64_t s) { return s * kNanosPerSecond; }

// CLOCK_MONOTONIC in nanoseconds. For hosts and load tools, never for the session core.
inline Nanos monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

// Wall-clock milliseconds since the epoch, for log stamps only.
inline int64_t wall_millis() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace ca
