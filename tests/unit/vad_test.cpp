// The energy VAD against synthetic signals: silence, noise below the absolute threshold, a
// speech-like signal, steady loud noise that must stop counting, and speech on top of it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "support/signals.hpp"
#include "session/vad.hpp"

namespace {

using ca::session::EnergyVad;
using ca::session::VadConfig;

double amplitude_for(double dbfs) { return 32768.0 * std::pow(10.0, dbfs / 20.0); }

std::vector<double> white_noise(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<double> v(n);
  for (double &x : v) x = g(rng);
  return v;
}

using ca::test::speechlike;

// Scales a signal to an RMS of `dbfs` (over all of it) and rounds it to 16 bits.
std::vector<int16_t> at_level(const std::vector<double> &v, double dbfs) {
  double sum = 0.0;
  for (const double x : v) sum += x * x;
  const double rms = std::sqrt(sum / static_cast<double>(v.size()));
  const double gain = rms > 0 ? amplitude_for(dbfs) / rms : 0.0;
  std::vector<int16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<int16_t>(std::lround(std::clamp(v[i] * gain, -32768.0, 32767.0)));
  return out;
}

std::vector<int16_t> mix(const std::vector<int16_t> &a, const std::vector<int16_t> &b) {
  std::vector<int16_t> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const int s = int{a[i]} + (i < b.size() ? int{b[i]} : 0);
    out[i] = static_cast<int16_t>(std::clamp(s, -32768, 32767));
  }
  return out;
}

size_t frame_len(int rate) { return static_cast<size_t>(rate / 50); }

// Per-frame decisions over a whole signal.
std::vector<bool> run(EnergyVad &vad, const std::vector<int16_t> &signal, int rate) {
  const size_t n = frame_len(rate);
  std::vector<bool> out;
  for (size_t i = 0; i + n <= signal.size(); i += n)
    out.push_back(vad.is_speech(std::span<const int16_t>(signal).subspan(i, n)));
  return out;
}

double fraction(const std::vector<bool> &v, size_t from, size_t to) {
  size_t yes = 0;
  for (size_t i = from; i < to; ++i) yes += v[i];
  return static_cast<double>(yes) / static_cast<double>(to - from);
}

size_t frames_in(double seconds) { return static_cast<size_t>(std::lround(seconds * 50)); }

constexpr int kRates[] = {8000, 16000};

VadConfig config_for(int rate) {
  VadConfig c;
  c.sample_rate = rate;
  return c;
}

}  // namespace

TEST_CASE("frame level in dBFS") {
  std::vector<int16_t> square(160);
  for (size_t i = 0; i < square.size(); ++i) square[i] = (i / 4) % 2 ? int16_t{-32767} : int16_t{32767};
  CHECK(ca::session::frame_level_dbfs(square) == doctest::Approx(0.0).epsilon(0.001));

  std::vector<int16_t> sine(160);
  for (size_t i = 0; i < sine.size(); ++i)
    sine[i] = static_cast<int16_t>(std::lround(16384 * std::sin(2 * std::numbers::pi * 1000 * static_cast<double>(i) / 8000)));
  CHECK(ca::session::frame_level_dbfs(sine) == doctest::Approx(-9.03).epsilon(0.01));  // -6 dB peak, -3 dB for a sine

  const std::vector<int16_t> zeros(160, 0);
  CHECK(ca::session::frame_level_dbfs(zeros) == -120.0);
  CHECK(ca::session::frame_level_dbfs({}) == -120.0);
}

TEST_CASE("digital silence is never speech") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    const auto d = run(vad, std::vector<int16_t>(static_cast<size_t>(rate) * 5, 0), rate);
    CHECK(fraction(d, 0, d.size()) == 0.0);
    CHECK(vad.last_level_dbfs() == -120.0);
  }
}

TEST_CASE("white noise at -50 dBFS is below the absolute threshold") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    const auto d = run(vad, at_level(white_noise(static_cast<size_t>(rate) * 5, 7), -50), rate);
    CHECK(fraction(d, 0, d.size()) == 0.0);
    CHECK(vad.last_level_dbfs() == doctest::Approx(-50.0).epsilon(0.02));
  }
}

TEST_CASE("a speech-like signal at -20 dBFS is speech on most frames, for as long as it lasts") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    // 12 s of syllables without a single pause: far longer than anyone talks without breathing.
    const auto d = run(vad, at_level(speechlike(static_cast<size_t>(rate) * 12, rate, 3), -20), rate);
    const double first = fraction(d, 0, frames_in(2));
    const double last = fraction(d, frames_in(8), d.size());
    INFO("speech frames: first 2 s " << first << ", last 4 s " << last);
    CHECK(first > 0.8);
    CHECK(last > 0.8);  // the floor has not crept up into the speech
  }
}

TEST_CASE("steady noise at -30 dBFS stops counting; a -15 dBFS burst over it still counts") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    const auto noise = at_level(white_noise(static_cast<size_t>(rate) * 5, 11), -30);
    auto burst = at_level(speechlike(static_cast<size_t>(rate) / 2, rate, 5, 180.0, 5.0), -15);
    burst.insert(burst.begin(), static_cast<size_t>(rate) * 7 / 2, int16_t{0});  // at 3.5 s, for 0.5 s
    const auto d = run(vad, mix(noise, burst), rate);

    INFO("noise counted as speech during the first second: " << fraction(d, 0, frames_in(1)));
    CHECK(fraction(d, frames_in(2), frames_in(3.5)) == 0.0);
    const double during = fraction(d, frames_in(3.5), frames_in(4.0));
    INFO("burst frames counted as speech: " << during);
    CHECK(during > 0.7);
    CHECK(fraction(d, frames_in(4.1), d.size()) == 0.0);  // the burst did not lift the floor
    CHECK(vad.noise_floor_dbfs() == doctest::Approx(-31.0).epsilon(0.05));
  }
}

TEST_CASE("speech over steady noise is still speech once the noise is learnt") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    const auto noise = at_level(white_noise(static_cast<size_t>(rate) * 10, 13), -40);
    auto speech = at_level(speechlike(static_cast<size_t>(rate) * 6, rate, 17), -20);
    speech.insert(speech.begin(), static_cast<size_t>(rate) * 4, int16_t{0});
    const auto d = run(vad, mix(noise, speech), rate);
    CHECK(fraction(d, frames_in(3), frames_in(4)) == 0.0);
    const double speaking = fraction(d, frames_in(4), d.size());
    INFO("speech frames over noise: " << speaking);
    CHECK(speaking > 0.8);
  }
}

TEST_CASE("one lost packet in steady noise does not undo what was learnt") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    auto noise = at_level(white_noise(static_cast<size_t>(rate) * 6, 19), -30);
    std::fill_n(noise.begin() + rate * 3, frame_len(rate), int16_t{0});
    const auto d = run(vad, noise, rate);
    CHECK(fraction(d, frames_in(2.5), d.size()) == 0.0);
  }
}

TEST_CASE("reset forgets the noise") {
  for (const int rate : kRates) {
    CAPTURE(rate);
    EnergyVad vad(config_for(rate));
    const auto noise = at_level(white_noise(static_cast<size_t>(rate) * 3, 23), -30);
    const auto learnt = run(vad, noise, rate);
    CHECK(learnt.back() == false);
    vad.reset();
    CHECK(vad.noise_floor_dbfs() == doctest::Approx(-54.0));
    CHECK(vad.is_speech(std::span<const int16_t>(noise).first(frame_len(rate))));
  }
}

TEST_CASE("energy VAD is deterministic and takes any frame length") {
  const auto signal = at_level(speechlike(8000 * 3, 8000, 29), -20);
  EnergyVad a, b;
  CHECK(run(a, signal, 8000) == run(b, signal, 8000));

  // 10 ms frames at 8 kHz: the window is measured in samples, so noise is still learnt in time.
  EnergyVad c;
  const auto noise = at_level(white_noise(8000 * 4, 31), -30);
  bool any_late = false;
  for (size_t i = 0; i + 80 <= noise.size(); i += 80) {
    const bool s = c.is_speech(std::span<const int16_t>(noise).subspan(i, 80));
    if (i >= 8000 * 5 / 2) any_late = any_late || s;
  }
  CHECK_FALSE(any_late);
  CHECK_FALSE(c.is_speech({}));
}
