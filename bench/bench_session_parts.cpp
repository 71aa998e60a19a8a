// Per-frame and per-reply costs of the session's parts. Budget: the VAD and the echo gate run on
// every 20 ms frame of every call (hundreds of calls per core), so each must stay well under 1 µs
// per 160-sample frame; the clause splitter runs on every LLM delta and must cost microseconds
// per reply, not milliseconds.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session/clause_splitter.hpp"
#include "session/echo_gate.hpp"
#include "session/vad.hpp"

namespace {

constexpr size_t kFrame = 160;  // 20 ms at 8 kHz

// A few seconds of a voice-like signal with syllables and noise, so decisions go both ways.
std::vector<int16_t> voice(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 300);
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / 8000;
    double x = 0;
    for (int k = 1; k < 20; ++k) x += std::sin(2 * std::numbers::pi * 140 * k * t) / k;
    x *= 4000 * std::abs(std::sin(std::numbers::pi * 4.3 * t));
    v[i] = static_cast<int16_t>(std::clamp(x + noise(rng), -32768.0, 32767.0));
  }
  return v;
}

void BM_EnergyVadIsSpeech(benchmark::State &state) {
  const auto signal = voice(8000 * 4, 1);
  ca::session::EnergyVad vad;
  size_t at = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(vad.is_speech(std::span<const int16_t>(signal).subspan(at, kFrame)));
    at = (at + kFrame) % (signal.size() - kFrame);
  }
  state.SetItemsProcessed(state.iterations());  // items = 20 ms frames
}
BENCHMARK(BM_EnergyVadIsSpeech);

void BM_EchoGateIsEcho(benchmark::State &state) {
  const auto bot = voice(8000 * 4, 2);
  const auto caller = voice(8000 * 4, 3);
  ca::session::EchoGate gate;
  for (size_t i = 0; i + kFrame <= 8000; i += kFrame) gate.on_played(std::span<const int16_t>(bot).subspan(i, kFrame));
  size_t at = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gate.is_echo(std::span<const int16_t>(caller).subspan(at, kFrame)));
    at = (at + kFrame) % (caller.size() - kFrame);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EchoGateIsEcho);

// What the session does per tick: one played frame in, one caller frame judged.
void BM_EchoGateTick(benchmark::State &state) {
  const auto bot = voice(8000 * 4, 2);
  const auto caller = voice(8000 * 4, 3);
  ca::session::EchoGate gate;
  size_t at = 0;
  for (auto _ : state) {
    gate.on_played(std::span<const int16_t>(bot).subspan(at, kFrame));
    benchmark::DoNotOptimize(gate.is_echo(std::span<const int16_t>(caller).subspan(at, kFrame)));
    at = (at + kFrame) % (caller.size() - kFrame);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EchoGateTick);

// A typical ~300-character reply, fed as the LLM streams it (5-byte deltas).
void BM_ClauseSplitterReply(benchmark::State &state) {
  const std::string_view reply =
      "Так, у нас є шини Michelin Primacy 4 розміру 205/55 R16, ціна 3.5 тисячі гривень за штуку. Доставка "
      "на вул. Шевченка займе два дні; монтаж можна записати на завтра. Вам підходить? Якщо ні, є ще "
      "Continental та Nokian! Також можу підібрати диски й записати вас на шиномонтаж у зручний час.";
  ca::session::ClauseSplitter splitter;
  size_t clauses = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < reply.size(); i += 5)
      splitter.push(reply.substr(i, 5), [&](std::string c) { clauses += c.size() > 0; });
    benchmark::DoNotOptimize(splitter.flush());
  }
  benchmark::DoNotOptimize(clauses);
  state.SetItemsProcessed(state.iterations());  // items = replies
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(reply.size()));
  state.counters["bytes"] = static_cast<double>(reply.size());
}
BENCHMARK(BM_ClauseSplitterReply);

}  // namespace
