// Audio core per 20 ms frame. Budget: a frame is 20 ms of real time and a server carries
// hundreds of calls per core, so each step here must cost at most a few microseconds.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "audio/frame.hpp"
#include "audio/g711.hpp"
#include "audio/resampler.hpp"

namespace {

std::vector<int16_t> speechlike(size_t n, int rate, uint32_t seed = 1) {
  // A tone plus noise: exercises every G.711 segment, unlike silence or a constant.
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 3000);
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    const double x = 12000 * std::sin(2 * std::numbers::pi * 440 * static_cast<double>(i) / rate) + noise(rng);
    v[i] = static_cast<int16_t>(std::clamp(x, -32768.0, 32767.0));
  }
  return v;
}

constexpr size_t kFrame = ca::audio::samples_per_frame(8000, 20);  // 160

void BM_UlawEncode(benchmark::State &state) {
  const auto in = speechlike(kFrame, 8000);
  std::vector<uint8_t> out(kFrame);
  for (auto _ : state) {
    ca::audio::encode_ulaw(in, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());  // items = 20 ms frames
}
BENCHMARK(BM_UlawEncode);

void BM_UlawDecode(benchmark::State &state) {
  std::vector<uint8_t> in(kFrame);
  ca::audio::encode_ulaw(speechlike(kFrame, 8000), in.data());
  std::vector<int16_t> out(kFrame);
  for (auto _ : state) {
    ca::audio::decode_ulaw(in, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UlawDecode);

void BM_AlawEncode(benchmark::State &state) {
  const auto in = speechlike(kFrame, 8000);
  std::vector<uint8_t> out(kFrame);
  for (auto _ : state) {
    ca::audio::encode_alaw(in, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AlawEncode);

void BM_AlawDecode(benchmark::State &state) {
  std::vector<uint8_t> in(kFrame);
  ca::audio::encode_alaw(speechlike(kFrame, 8000), in.data());
  std::vector<int16_t> out(kFrame);
  for (auto _ : state) {
    ca::audio::decode_alaw(in, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AlawDecode);

// One 20 ms frame through a streaming resampler, as a call would feed it. Args: in, out rate,
// libsamplerate converter.
void BM_ResampleFrame(benchmark::State &state) {
  const int in_rate = static_cast<int>(state.range(0));
  const int out_rate = static_cast<int>(state.range(1));
  const int quality = static_cast<int>(state.range(2));
  auto r = ca::audio::Resampler::create(in_rate, out_rate, quality);
  if (!r) {
    state.SkipWithError(r.error().message.c_str());
    return;
  }
  // Different frames each time, so the filter history is realistic.
  const size_t frame = ca::audio::samples_per_frame(in_rate, 20);
  const auto signal = speechlike(frame * 50, in_rate);
  std::vector<int16_t> out;
  out.reserve(ca::audio::samples_per_frame(out_rate, 20) + 64);
  size_t i = 0;
  for (auto _ : state) {
    out.clear();
    r->process(std::span<const int16_t>(signal).subspan(i * frame, frame), out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % 50;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["out_samples_per_frame"] =
      static_cast<double>(ca::audio::samples_per_frame(out_rate, 20));
}
BENCHMARK(BM_ResampleFrame)
    ->ArgNames({"in", "out", "q"})
    ->Args({8000, 16000, SRC_SINC_FASTEST})
    ->Args({16000, 8000, SRC_SINC_FASTEST})
    ->Args({24000, 8000, SRC_SINC_FASTEST})
    ->Args({8000, 24000, SRC_SINC_FASTEST})
    ->Args({22050, 8000, SRC_SINC_FASTEST})
    ->Args({48000, 16000, SRC_SINC_FASTEST})
    ->Args({24000, 8000, SRC_SINC_MEDIUM_QUALITY})
    ->Args({24000, 8000, SRC_LINEAR});

}  // namespace
