// espeak-ng synthesis through the provider (one engine thread for the process, at nice 10).
//
// BM_EspeakRealTimeFactor: audio seconds produced per CPU second, per language, one ten-word
// sentence at a time, at 8 kHz (espeak-ng's 22050 Hz resampled on the engine thread, as a call
// gets it) and at 22050 Hz (no resampling). Budget: >= 100, so a burst of 20 calls each starting
// a 4-second sentence at once is through the single thread in under a second.
//
// BM_EspeakQueueDelay: N calls each ask for one sentence at the same instant; the single thread
// serves them in order, so the k-th waits for the k-1 before it. Reported: time from the request
// to its first audio chunk (median, p95, max over 3 bursts) and until the whole burst is done.
// Budget: p95 first audio <= 400 ms (the seed's TTS alert threshold) for a lone request and for
// bursts of up to 20 when the engine thread gets its core (it runs at nice 10, so on a busy
// machine it waits, by design); the 50 and 200 rows show how far beyond that a larger burst goes.
// The phrase cache keeps fixed phrases off this queue altogether.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "providers/espeak/espeak_tts.hpp"

namespace {

using ca::providers::RequestId;
using Clock = std::chrono::steady_clock;

constexpr const char *kLanguages[] = {"uk", "ru", "en"};
constexpr const char *kSentences[] = {
    "Добрий день, я допоможу вам підібрати зимові шини для автомобіля.",
    "Добрый день, я помогу вам подобрать зимние шины для автомобиля.",
    "Hello, I will help you choose new winter tyres today.",
};

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Counts samples and remembers when each request first spoke and ended.
class Sink final : public ca::providers::TtsSink {
 public:
  explicit Sink(size_t n) : first_(n), done_(n) {}
  void on_tts_audio(RequestId id, std::span<const int16_t> pcm, int rate) override {
    std::lock_guard l(mu_);
    samples_ += pcm.size();
    rate_ = rate;
    if (first_[id] == Clock::time_point{}) first_[id] = Clock::now();
  }
  void on_tts_done(RequestId id) override { end(id); }
  void on_tts_error(RequestId id, std::string) override {
    end(id);
    std::lock_guard l(mu_);
    ++errors_;
  }
  void wait(size_t n) {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return ended_ >= n; });
  }
  void reset() {
    std::lock_guard l(mu_);
    std::fill(first_.begin(), first_.end(), Clock::time_point{});
    std::fill(done_.begin(), done_.end(), Clock::time_point{});
    ended_ = 0;
  }
  size_t samples() {
    std::lock_guard l(mu_);
    return samples_;
  }
  int rate() {
    std::lock_guard l(mu_);
    return rate_;
  }
  int errors() {
    std::lock_guard l(mu_);
    return errors_;
  }
  std::vector<Clock::time_point> first() {
    std::lock_guard l(mu_);
    return first_;
  }
  std::vector<Clock::time_point> done() {
    std::lock_guard l(mu_);
    return done_;
  }

 private:
  void end(RequestId id) {
    {
      std::lock_guard l(mu_);
      done_[id] = Clock::now();
      ++ended_;
    }
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> first_, done_;
  size_t ended_ = 0;
  size_t samples_ = 0;
  int rate_ = 0;
  int errors_ = 0;
};

std::shared_ptr<ca::providers::EspeakTts> engine() {
  static std::shared_ptr<ca::providers::EspeakTts> tts = [] {
    auto r = ca::providers::EspeakTts::create({});
    return r.ok() ? *r : nullptr;
  }();
  return tts;
}

void BM_EspeakRealTimeFactor(benchmark::State &state) {
  const auto lang = static_cast<size_t>(state.range(0));
  const int rate = static_cast<int>(state.range(1));
  auto tts = engine();
  if (!tts) {
    state.SkipWithError("espeak-ng did not start");
    return;
  }
  auto sink = std::make_shared<Sink>(1);
  ca::providers::TtsRequest r;
  r.id = 0;
  r.text = kSentences[lang];
  r.language = kLanguages[lang];
  r.sample_rate = rate;
  // The first request loads the language's dictionary; that is start-up, not synthesis.
  tts->synthesize(r, sink);
  sink->wait(1);
  const size_t samples0 = sink->samples();
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    sink->reset();
    tts->synthesize(r, sink);
    sink->wait(1);
  }
  const double cpu = process_cpu_seconds() - cpu0;
  const double audio = static_cast<double>(sink->samples() - samples0) / sink->rate();
  state.SetLabel(std::string(kLanguages[lang]) + (sink->errors() ? " ERRORS" : ""));
  state.counters["audio_s_per_cpu_s"] = audio / cpu;
  state.counters["audio_s_per_sentence"] = audio / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EspeakRealTimeFactor)
    ->ArgNames({"lang", "rate"})
    ->Args({0, 8000})
    ->Args({1, 8000})
    ->Args({2, 8000})
    ->Args({0, 22050})
    ->Args({1, 22050})
    ->Args({2, 22050})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

void BM_EspeakQueueDelay(benchmark::State &state) {
  const auto calls = static_cast<size_t>(state.range(0));
  auto tts = engine();
  if (!tts) {
    state.SkipWithError("espeak-ng did not start");
    return;
  }
  auto sink = std::make_shared<Sink>(calls);
  ca::providers::TtsRequest r;
  r.text = kSentences[0];
  r.language = "uk";
  r.sample_rate = 8000;
  r.id = 0;
  tts->synthesize(r, sink);  // warm: dictionary loaded
  sink->wait(1);
  std::vector<double> first_ms, done_ms;
  double makespan_ms = 0;
  for (auto _ : state) {
    sink->reset();
    const auto t0 = Clock::now();
    for (size_t i = 0; i < calls; ++i) {
      r.id = i;
      tts->synthesize(r, sink);
    }
    sink->wait(calls);
    const auto first = sink->first();
    const auto done = sink->done();
    for (size_t i = 0; i < calls; ++i) {
      first_ms.push_back(std::chrono::duration<double, std::milli>(first[i] - t0).count());
      done_ms.push_back(std::chrono::duration<double, std::milli>(done[i] - t0).count());
    }
    makespan_ms = std::max(makespan_ms, *std::max_element(done_ms.end() - static_cast<long>(calls), done_ms.end()));
  }
  state.counters["first_audio_p50_ms"] = percentile(first_ms, 0.5);
  state.counters["first_audio_p95_ms"] = percentile(first_ms, 0.95);
  state.counters["first_audio_max_ms"] = percentile(first_ms, 1.0);
  state.counters["all_done_ms"] = makespan_ms;
  state.counters["per_sentence_ms"] = makespan_ms / static_cast<double>(calls);
}
BENCHMARK(BM_EspeakQueueDelay)
    ->ArgName("calls")
    ->Arg(1)
    ->Arg(20)
    ->Arg(50)
    ->Arg(200)
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
