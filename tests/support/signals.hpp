// Synthetic test signals shared by the audio-analysis tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace ca::test {

// Voiced speech, roughly: harmonics of a wandering pitch with a falling spectrum, cut into
// syllables (`syllables_hz` per second) that fade to nothing between them, plus a little breath
// noise. Unscaled; deterministic for a seed.
inline std::vector<double> speechlike(size_t n, int rate, uint32_t seed, double f0 = 140.0, double syllables_hz = 4.3) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double offset = u(rng);
  std::vector<double> v(n);
  double phase = 0.0;
  const double top = std::min(3400.0, rate / 2.0 - 200.0);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f = f0 * (1.0 + 0.08 * std::sin(2 * std::numbers::pi * 0.7 * t + offset * 6));
    phase += 2 * std::numbers::pi * f / rate;
    double x = 0.0;
    for (int k = 1; k * f < top; ++k) x += std::sin(k * phase) / k;
    const double s = std::sin(std::numbers::pi * (syllables_hz * t + offset));
    v[i] = std::pow(std::abs(s), 0.7) * (x + 0.05 * g(rng));
  }
  return v;
}

}  // namespace ca::test
