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

// Scaled to an RMS of `dbfs` over the whole signal (0 dBFS: a full-scale square wave).
inline std::vector<double> at_level(std::vector<double> v, double dbfs) {
  double sum = 0.0;
  for (const double x : v) sum += x * x;
  const double gain = 32768.0 * std::pow(10.0, dbfs / 20.0) / std::sqrt(sum / static_cast<double>(v.size()));
  for (double &x : v) x *= gain;
  return v;
}

// Rounded and clipped to 16 bits.
inline std::vector<int16_t> pcm(const std::vector<double> &v) {
  std::vector<int16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    out[i] = static_cast<int16_t>(std::lround(std::clamp(v[i], -32768.0, 32767.0)));
  }
  return out;
}

}  // namespace ca::test
