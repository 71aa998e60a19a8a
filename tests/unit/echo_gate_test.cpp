// The echo gate against a simulated echo path: the bot's speech comes back attenuated and
// delayed; the caller may talk over it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "support/signals.hpp"
#include "session/echo_gate.hpp"

namespace {

using ca::session::EchoGate;
using ca::session::EchoGateConfig;

using ca::test::speechlike;

using ca::test::at_level;
using ca::test::pcm;

// The echo path: `loss_db` down, `delay_ms` late, slightly low-passed as a line hybrid would.
std::vector<double> echo_of(const std::vector<double> &bot, int rate, int delay_ms, double loss_db) {
  const size_t d = static_cast<size_t>(rate) * static_cast<size_t>(delay_ms) / 1000;
  const double g = std::pow(10.0, -loss_db / 20.0);
  std::vector<double> out(bot.size() + d, 0.0);
  for (size_t i = 0; i < bot.size(); ++i) out[i + d] = g * 0.5 * (bot[i] + (i > 0 ? bot[i - 1] : 0.0));
  return out;
}

struct Played {
  size_t frames = 0;  // caller frames judged while the bot's audio (or its echo) could be present
  size_t echo = 0;
};

// One 20 ms tick after another: the bot's frame is played, the caller's frame of the same tick is
// judged (or the other way round, `judge_first`). `bot` is followed by silence to `caller`'s end.
std::vector<bool> simulate(EchoGate &gate, const std::vector<int16_t> &bot, const std::vector<int16_t> &caller,
                           int rate, bool judge_first = false) {
  const size_t n = static_cast<size_t>(rate / 50);
  std::vector<bool> echo;
  const std::vector<int16_t> silence(n, 0);
  for (size_t i = 0; i + n <= caller.size(); i += n) {
    const auto out = i + n <= bot.size() ? std::span<const int16_t>(bot).subspan(i, n) : std::span<const int16_t>(silence);
    const auto in = std::span<const int16_t>(caller).subspan(i, n);
    if (judge_first) {
      echo.push_back(gate.is_echo(in));
      gate.on_played(out);
    } else {
      gate.on_played(out);
      echo.push_back(gate.is_echo(in));
    }
  }
  return echo;
}

double fraction(const std::vector<bool> &v, size_t from, size_t to) {
  size_t yes = 0;
  for (size_t i = from; i < to; ++i) yes += v[i];
  return static_cast<double>(yes) / static_cast<double>(to - from);
}

std::vector<double> add(std::vector<double> a, const std::vector<double> &b) {
  a.resize(std::max(a.size(), b.size()), 0.0);
  for (size_t i = 0; i < b.size(); ++i) a[i] += b[i];
  return a;
}

}  // namespace

TEST_CASE("the bot's own speech coming back is echo, at every covered delay") {
  for (const int rate : {8000, 16000}) {
    for (const int delay_ms : {20, 120, 250, 290}) {
      for (const bool judge_first : {false, true}) {
        CAPTURE(rate);
        CAPTURE(delay_ms);
        CAPTURE(judge_first);
        EchoGateConfig config;
        config.sample_rate = rate;
        EchoGate gate(config);
        const auto bot = at_level(speechlike(static_cast<size_t>(rate) * 4, rate, 1, 210.0, 4.3), -15);
        auto caller = echo_of(bot, rate, delay_ms, 12.0);
        caller.resize(static_cast<size_t>(rate) * 5, 0.0);
        const auto d = simulate(gate, pcm(bot), pcm(caller), rate, judge_first);
        const double while_playing = fraction(d, 0, 200);
        INFO("echo frames while the bot plays: " << while_playing);
        CHECK(while_playing >= 0.99);
      }
    }
  }
}

TEST_CASE("a caller talking over the bot is not echo") {
  for (const int delay_ms : {20, 120, 250}) {
    CAPTURE(delay_ms);
    constexpr int rate = 8000;
    EchoGate gate;
    const auto bot = at_level(speechlike(rate * 4, rate, 1, 210.0, 4.3), -15);
    const auto voice = at_level(speechlike(rate * 4, rate, 2, 120.0, 3.7), -18);
    const auto caller = add(echo_of(bot, rate, delay_ms, 12.0), voice);
    const auto d = simulate(gate, pcm(bot), pcm(caller), rate);

    // Judged over the frames in which the caller's own voice is within 6 dB of its average: the
    // quiet ends of its syllables cannot be told from echo by level, and do not need to be.
    const auto v = pcm(voice);
    size_t voiced = 0, not_echo = 0, all_not_echo = 0;
    for (size_t f = 0; f < d.size() && (f + 1) * 160 <= v.size(); ++f) {
      double sum = 0.0;
      for (size_t i = f * 160; i < (f + 1) * 160; ++i) sum += static_cast<double>(v[i]) * v[i];
      const double dbfs = 10.0 * std::log10(sum / 160.0 / (32768.0 * 32768.0) + 1e-12);
      all_not_echo += !d[f];
      if (dbfs < -24.0) continue;
      ++voiced;
      not_echo += !d[f];
    }
    const double share = static_cast<double>(not_echo) / static_cast<double>(voiced);
    INFO("caller frames not echo: " << share << " of " << voiced << " voiced frames; "
                                       << static_cast<double>(all_not_echo) / static_cast<double>(d.size())
                                       << " of all frames");
    CHECK(share > 0.7);
    // Geigel's price: over all frames, the caller's quieter moments pass as echo.
    CHECK(static_cast<double>(all_not_echo) / static_cast<double>(d.size()) > 0.5);
  }
}

TEST_CASE("when the bot has been silent for longer than the window, nothing is echo") {
  constexpr int rate = 8000;
  EchoGate gate;
  const auto bot = pcm(at_level(speechlike(rate * 2, rate, 1, 210.0, 4.3), -15));
  // 2 s of bot speech, then silence; the caller side carries a quiet -40 dBFS voice throughout.
  const auto caller = pcm(at_level(speechlike(rate * 4, rate, 3, 120.0, 3.7), -40));
  const auto d = simulate(gate, bot, caller, rate);
  CHECK(fraction(d, 10, 100) > 0.9);  // while the bot talks, a voice that quiet is taken as echo
  CHECK(fraction(d, 100 + 17, d.size()) == 0.0);

  // And with nothing played at all.
  EchoGate fresh;
  const std::vector<int16_t> quiet(160, 3);
  CHECK_FALSE(fresh.is_echo(quiet));
}

TEST_CASE("echo gate reset forgets what was played") {
  EchoGate gate;
  const auto bot = pcm(at_level(speechlike(1600, 8000, 1, 210.0, 4.3), -15));
  for (size_t i = 0; i + 160 <= bot.size(); i += 160) gate.on_played(std::span<const int16_t>(bot).subspan(i, 160));
  const std::vector<int16_t> quiet(160, 30);
  CHECK(gate.is_echo(quiet));
  gate.reset();
  CHECK_FALSE(gate.is_echo(quiet));
}

TEST_CASE("a longer configured delay covers a longer echo path") {
  constexpr int rate = 8000;
  EchoGateConfig config;
  config.max_echo_delay = ca::millis(600);
  EchoGate gate(config);
  const auto bot = at_level(speechlike(rate * 4, rate, 1, 210.0, 4.3), -15);
  auto caller = echo_of(bot, rate, 550, 12.0);
  caller.resize(rate * 4, 0.0);
  const auto d = simulate(gate, pcm(bot), pcm(caller), rate);
  CHECK(fraction(d, 0, 200) >= 0.99);
}
