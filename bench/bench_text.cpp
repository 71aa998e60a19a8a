// Text shaping costs. Budget: normalize_transcript runs on every final transcript and speakable
// on every bot clause, so each must cost a few microseconds per sentence (well under 1 % of the
// 20 ms frame budget of one call), not milliseconds; plain text without numbers must be cheaper
// still.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "text/normalize.hpp"
#include "text/numbers.hpp"
#include "text/speech.hpp"

namespace {

constexpr std::string_view kTranscript =
    "добрий день мені потрібно чотири шини двісті п'ять п'ятдесят п'ять ер шістнадцять мішлен або "
    "континенталь на двадцять п'яте листопада о дев'ятій тридцять";
constexpr std::string_view kPlain =
    "Добрий день, скажіть будь ласка а у вас є зимові шини в наявності чи тільки під замовлення";
constexpr std::string_view kClause =
    "Маємо 4 шини 205/55 R16 Michelin Primacy 4 по 2 150 грн, запис на 2026-11-25 о 09:30 за адресою вул. Шевченка, "
    "72б.";

void BM_NormalizeTranscript(benchmark::State &state) {
  for (auto _ : state) benchmark::DoNotOptimize(ca::text::normalize_transcript(kTranscript, ca::text::Lang::uk));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kTranscript.size()));
}
BENCHMARK(BM_NormalizeTranscript);

void BM_NormalizePlainText(benchmark::State &state) {
  for (auto _ : state) benchmark::DoNotOptimize(ca::text::normalize_transcript(kPlain, ca::text::Lang::uk));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kPlain.size()));
}
BENCHMARK(BM_NormalizePlainText);

void BM_Speakable(benchmark::State &state) {
  ca::text::SpeakOptions o;
  o.today = {2026, 5, 10};
  for (auto _ : state) benchmark::DoNotOptimize(ca::text::speakable(kClause, ca::text::Lang::uk, o));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kClause.size()));
}
BENCHMARK(BM_Speakable);

void BM_SpeakablePlainText(benchmark::State &state) {
  for (auto _ : state) benchmark::DoNotOptimize(ca::text::speakable(kPlain, ca::text::Lang::uk, {}));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kPlain.size()));
}
BENCHMARK(BM_SpeakablePlainText);

void BM_NumberToWords(benchmark::State &state) {
  int64_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ca::text::number_to_words(n, ca::text::Lang::uk, ca::text::Gender::feminine));
    n = (n + 7919) % 10000;
  }
}
BENCHMARK(BM_NumberToWords);

}  // namespace
