#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "audio/resampler.hpp"

namespace {

constexpr int kRates[] = {8000, 12000, 16000, 22050, 24000, 48000};

std::vector<int16_t> sine(int rate, double freq, double amplitude, size_t n) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    v[i] = static_cast<int16_t>(std::lrint(amplitude * std::sin(2 * std::numbers::pi * freq * t)));
  }
  return v;
}

double rms(const int16_t *p, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(p[i]) * p[i];
  return std::sqrt(sum / static_cast<double>(n));
}

// Amplitude of the `freq` component over n samples (n a whole number of its periods).
double goertzel_amplitude(const int16_t *p, size_t n, int rate, double freq) {
  const double w = 2 * std::numbers::pi * freq / rate;
  const double coeff = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double s0 = p[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2 * std::sqrt(power) / static_cast<double>(n);
}

// Frequency from the span between the first and last upward zero crossing, interpolated.
double zero_crossing_frequency(const int16_t *p, size_t n, int rate) {
  double first = -1, last = -1;
  int crossings = 0;
  for (size_t i = 1; i < n; ++i) {
    if (p[i - 1] < 0 && p[i] >= 0) {
      const double t = static_cast<double>(i - 1) + static_cast<double>(-p[i - 1]) / (p[i] - p[i - 1]);
      if (first < 0) first = t;
      last = t;
      ++crossings;
    }
  }
  if (crossings < 2) return 0;
  return (crossings - 1) / ((last - first) / rate);
}

ca::audio::Resampler make(int in, int out, int quality = SRC_SINC_FASTEST) {
  auto r = ca::audio::Resampler::create(in, out, quality);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<int16_t> streamed(int in_rate, int out_rate, const std::vector<int16_t> &in, uint32_t seed) {
  auto r = make(in_rate, out_rate);
  std::mt19937 rng(seed);
  std::vector<int16_t> out;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t n = 0;
    switch (rng() % 5) {
      case 0: n = 0; break;
      case 1: n = 1; break;
      case 2: n = rng() % 17; break;
      default: n = rng() % 1200; break;
    }
    n = std::min(n, in.size() - pos);
    r.process(std::span<const int16_t>(in).subspan(pos, n), out);
    pos += n;
  }
  r.flush(out);
  return out;
}

}  // namespace

TEST_CASE("a -6 dBFS 1 kHz sine keeps its frequency and level between every pair of rates") {
  const double amplitude = 32767.0 * std::pow(10.0, -6.0 / 20);
  for (int in_rate : kRates) {
    for (int out_rate : kRates) {
      CAPTURE(in_rate);
      CAPTURE(out_rate);
      const auto in = sine(in_rate, 1000, amplitude, static_cast<size_t>(in_rate));  // 1 s
      const auto out = ca::audio::resample(in, in_rate, out_rate);

      const double expected_len = static_cast<double>(in.size()) * out_rate / in_rate;
      CHECK(std::abs(static_cast<double>(out.size()) - expected_len) <= 3);

      // Ignore the filter's edges: 100 ms at each end; analyse 500 ms (500 whole periods).
      const size_t skip = static_cast<size_t>(out_rate / 10);
      const size_t n = static_cast<size_t>(out_rate / 2);
      REQUIRE(out.size() >= skip + n);
      const int16_t *p = out.data() + skip;

      const double level_db = 20 * std::log10(rms(p, n) / rms(in.data() + in.size() / 10, static_cast<size_t>(in_rate / 2)));
      CHECK(std::abs(level_db) < 0.5);

      const double f = zero_crossing_frequency(p, n, out_rate);
      CHECK(f == doctest::Approx(1000).epsilon(0.002));

      // Nearly all the energy is still at 1 kHz: the 1 kHz amplitude accounts for the RMS.
      const double a1k = goertzel_amplitude(p, n, out_rate, 1000);
      CHECK(20 * std::log10(a1k / (std::sqrt(2.0) * rms(p, n))) > -0.2);
      // And nothing moved next to it.
      CHECK(goertzel_amplitude(p, n, out_rate, 1500) < a1k / 100);
    }
  }
}

TEST_CASE("streamed output equals one-shot output bit-exactly over random chunkings") {
  std::mt19937 noise_rng(1234);
  std::uniform_int_distribution<int> dist(-20000, 20000);
  std::vector<int16_t> noise(9000);
  for (auto &s : noise) s = static_cast<int16_t>(dist(noise_rng));
  uint32_t seed = 1;
  for (int in_rate : kRates) {
    for (int out_rate : kRates) {
      CAPTURE(in_rate);
      CAPTURE(out_rate);
      auto in = sine(in_rate, 440, 12000, static_cast<size_t>(in_rate) * 3 / 10 + 7);
      in.insert(in.end(), noise.begin(), noise.end());
      const auto one_shot = ca::audio::resample(in, in_rate, out_rate);
      REQUIRE(!one_shot.empty());
      for (int trial = 0; trial < 3; ++trial) {
        const auto s = streamed(in_rate, out_rate, in, seed++);
        REQUIRE(s.size() == one_shot.size());
        CHECK(s == one_shot);
      }
    }
  }
}

TEST_CASE("one sample at a time equals one-shot") {
  const auto in = sine(8000, 1000, 16000, 1601);
  const auto one_shot = ca::audio::resample(in, 8000, 22050);
  auto r = make(8000, 22050);
  std::vector<int16_t> out;
  for (int16_t s : in) r.process(std::span<const int16_t>(&s, 1), out);
  r.flush(out);
  CHECK(out == one_shot);
}

TEST_CASE("flush leaves the resampler ready for a new stream; reset drops history") {
  const auto a = sine(16000, 700, 9000, 3210);
  const auto b = sine(16000, 1300, 9000, 2345);
  const auto a_alone = ca::audio::resample(a, 16000, 8000);
  const auto b_alone = ca::audio::resample(b, 16000, 8000);

  auto r = make(16000, 8000);
  std::vector<int16_t> out;
  r.process(a, out);
  r.flush(out);
  CHECK(out == a_alone);
  out.clear();
  r.process(b, out);
  r.flush(out);
  CHECK(out == b_alone);

  out.clear();
  r.process(a, out);  // half-way through a stream...
  r.reset();          // ...abandon it
  CHECK(r.pending() == 0);
  out.clear();
  r.process(b, out);
  r.flush(out);
  CHECK(out == b_alone);
}

TEST_CASE("moved resampler keeps its stream") {
  const auto in = sine(8000, 1000, 9000, 800);
  const auto want = ca::audio::resample(in, 8000, 16000);
  auto r = make(8000, 16000);
  std::vector<int16_t> out;
  r.process(std::span<const int16_t>(in).first(333), out);
  ca::audio::Resampler moved = std::move(r);
  moved.process(std::span<const int16_t>(in).subspan(333), out);
  ca::audio::Resampler assigned = make(8000, 12000);
  assigned = std::move(moved);
  assigned.flush(out);
  CHECK(out == want);
  CHECK(assigned.in_rate() == 8000);
  CHECK(assigned.out_rate() == 16000);
}

TEST_CASE("equal rates pass through untouched") {
  const auto in = sine(16000, 1000, 9000, 1000);
  CHECK(ca::audio::resample(in, 16000, 16000) == in);
}

TEST_CASE("other converters stream exactly too") {
  for (int q : {SRC_LINEAR, SRC_ZERO_ORDER_HOLD, SRC_SINC_MEDIUM_QUALITY}) {
    CAPTURE(q);
    const auto in = sine(24000, 1000, 9000, 4801);
    const auto one_shot = ca::audio::resample(in, 24000, 8000, q);
    auto r = make(24000, 8000, q);
    std::vector<int16_t> out;
    for (size_t pos = 0; pos < in.size(); pos += 37) {
      r.process(std::span<const int16_t>(in).subspan(pos, std::min<size_t>(37, in.size() - pos)), out);
    }
    r.flush(out);
    CHECK(out == one_shot);
    CHECK(std::abs(static_cast<double>(out.size()) - 4801.0 / 3) <= 3);
  }
}

TEST_CASE("invalid arguments are errors") {
  CHECK_FALSE(ca::audio::Resampler::create(0, 8000).ok());
  CHECK_FALSE(ca::audio::Resampler::create(8000, -1).ok());
  CHECK_FALSE(ca::audio::Resampler::create(8000, 8000 * 300).ok());
  CHECK_FALSE(ca::audio::Resampler::create(8000, 16000, 99).ok());
  const auto r = ca::audio::Resampler::create(8000, 16000, 99);
  CHECK(r.error().code == ca::Errc::invalid_argument);
  CHECK(ca::audio::resample(std::vector<int16_t>(10), 0, 8000).empty());
}
