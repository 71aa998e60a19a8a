// Per-frame cost of the speexdsp echo canceller: one tick is one played 20 ms frame in and one
// caller frame filtered, as the session runs it on every frame of a call with the canceller on.
// Arguments: sample rate, tail in ms, preprocessor (residual echo suppression) on or off. The
// line carries a converged-on echo of the bot's voice plus the caller, so both the filter update
// and the suppressor do their full work.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "session/echo_canceller.hpp"

namespace {

// Seconds of a voice-like signal with syllables and noise, at `level` (peak, roughly).
std::vector<int16_t> voice(size_t n, int rate, double f0, double level, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 30);
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    double x = 0;
    for (int k = 1; k * f0 < 3400; ++k) x += std::sin(2 * std::numbers::pi * f0 * k * t) / k;
    x *= level * std::abs(std::sin(std::numbers::pi * 4.3 * t));
    v[i] = static_cast<int16_t>(std::clamp(x + noise(rng), -32768.0, 32767.0));
  }
  return v;
}

void BM_SpeexAecTick(benchmark::State &state) {
  const int rate = static_cast<int>(state.range(0));
  ca::session::SpeexAecConfig config;
  config.sample_rate = rate;
  config.tail = ca::millis(state.range(1));
  config.preprocess = state.range(2) != 0;
  auto made = ca::session::make_speex_echo_canceller(config);
  if (!made.ok()) {
    state.SkipWithError(made.error().message.c_str());
    return;
  }
  auto &aec = *made.value();

  const size_t frame = static_cast<size_t>(rate / 50);
  const size_t n = static_cast<size_t>(rate) * 4;
  const auto bot = voice(n, rate, 210, 6000, 1);
  const auto caller = voice(n, rate, 120, 3000, 2);
  // Echo 100 ms late, 12 dB down, plus the caller talking over it.
  const size_t d = static_cast<size_t>(rate / 10);
  std::vector<int16_t> line(n);
  for (size_t i = 0; i < n; ++i) line[i] = static_cast<int16_t>((i >= d ? bot[i - d] / 4 : 0) + caller[i] / 2);

  std::vector<int16_t> buf(frame);
  size_t at = 0;
  auto tick = [&] {
    aec.on_played(std::span<const int16_t>(bot).subspan(at, frame));
    std::copy_n(line.begin() + static_cast<std::ptrdiff_t>(at), frame, buf.begin());
    aec.process(buf);
    at += frame;
    if (at + frame > n) at = 0;
  };
  for (size_t i = 0; i < 100; ++i) tick();  // past the first, cheaper frames

  for (auto _ : state) {
    tick();
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());  // items = 20 ms ticks
  // Calls one core could carry with nothing else to do: 20 ms of call per tick over the CPU time.
  state.counters["calls_per_core"] = benchmark::Counter(static_cast<double>(state.iterations()) * 0.02, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SpeexAecTick)
    ->ArgNames({"rate", "tail_ms", "pp"})
    ->Args({8000, 256, 1})
    ->Args({8000, 256, 0})
    ->Args({8000, 128, 1})
    ->Args({16000, 256, 1})
    ->Args({16000, 256, 0})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
