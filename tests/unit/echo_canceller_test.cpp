// The speexdsp echo canceller against a simulated echo path: the bot's speech comes back
// attenuated, low-passed and delayed; the caller may talk over it. Deterministic: the signals are
// seeded and speexdsp is pure arithmetic. The figures are printed (MESSAGE) for the record.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "session/echo_canceller.hpp"
#include "support/signals.hpp"

namespace {

using ca::session::EchoCanceller;
using ca::session::make_speex_echo_canceller;
using ca::session::SpeexAecConfig;
using ca::test::speechlike;

using ca::test::at_level;
using ca::test::pcm;

// The echo path: `loss_db` down, `delay_ms` late, slightly low-passed as a line hybrid would
// (a 3-tap [1 2 1]/4 smoother, -3 dB at a quarter of the sample rate). Same length as `bot`.
std::vector<double> echo_of(const std::vector<double> &bot, int rate, int delay_ms, double loss_db) {
  const size_t d = static_cast<size_t>(rate) * static_cast<size_t>(delay_ms) / 1000;
  const double g = std::pow(10.0, -loss_db / 20.0);
  std::vector<double> out(bot.size(), 0.0);
  for (size_t i = d; i < bot.size(); ++i) {
    const size_t j = i - d;
    out[i] = g * (0.5 * bot[j] + 0.25 * (j > 0 ? bot[j - 1] : 0.0) + 0.25 * (j > 1 ? bot[j - 2] : 0.0));
  }
  return out;
}

std::vector<double> add(std::vector<double> a, const std::vector<double> &b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

// Faint white line noise (-70 dBFS), as no real line is digitally silent.
std::vector<double> line_noise(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 32768.0 * std::pow(10.0, -70.0 / 20.0));
  std::vector<double> v(n);
  for (double &x : v) x = g(rng);
  return v;
}

// One 20 ms tick after another: the bot's frame is played, then the caller's frame of the same
// tick is filtered (or the other way round, `caller_first`). Returns the filtered line.
std::vector<int16_t> run(EchoCanceller &aec, const std::vector<int16_t> &bot, const std::vector<int16_t> &line,
                         int rate, bool caller_first = false) {
  const size_t n = static_cast<size_t>(rate / 50);
  std::vector<int16_t> out = line;
  for (size_t i = 0; i + n <= out.size(); i += n) {
    const auto played = std::span<const int16_t>(bot).subspan(i, n);
    const auto caller = std::span<int16_t>(out).subspan(i, n);
    if (caller_first) {
      aec.process(caller);
      aec.on_played(played);
    } else {
      aec.on_played(played);
      aec.process(caller);
    }
  }
  return out;
}

// Sums over the samples [from, to) seconds.
struct Span {
  size_t from;
  size_t to;
};
Span seconds(int rate, double from, double to) {
  return {static_cast<size_t>(from * rate), static_cast<size_t>(to * rate)};
}

template <class A, class B>
double dot(const A &a, const B &b, Span s) {
  double sum = 0.0;
  for (size_t i = s.from; i < s.to; ++i) sum += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return sum;
}

double db(double ratio) { return 10.0 * std::log10(ratio); }

// Echo return loss enhancement: the echo's energy over what is left of it.
double erle_db(const std::vector<int16_t> &echo, const std::vector<int16_t> &out, Span s) {
  return db(dot(echo, echo, s) / std::max(1.0, dot(out, out, s)));
}

double correlation(const std::vector<int16_t> &a, const std::vector<int16_t> &b, Span s) {
  return dot(a, b, s) / std::sqrt(dot(a, a, s) * dot(b, b, s));
}

// speexdsp's MDF removes DC from the line before anything else with a second-order notch whose
// radius depends on the rate; this is its floating-point filter, for the reference.
std::vector<int16_t> dc_notch(const std::vector<int16_t> &in, int rate) {
  const double r = rate < 12000 ? 0.9 : rate < 24000 ? 0.982 : 0.992;
  const double den2 = r * r + 0.7 * (1 - r) * (1 - r);
  double m0 = 0.0, m1 = 0.0;
  std::vector<int16_t> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const double vin = in[i];
    const double vout = m0 + vin;
    m0 = m1 + 2 * (-vin + r * vout);
    m1 = vin - den2 * vout;
    out[i] = static_cast<int16_t>(std::lround(std::clamp(r * vout, -32768.0, 32767.0)));
  }
  return out;
}

std::vector<int16_t> delayed(const std::vector<int16_t> &v, size_t d) {
  std::vector<int16_t> out(v.size(), 0);
  std::copy(v.begin(), v.end() - static_cast<std::ptrdiff_t>(d), out.begin() + static_cast<std::ptrdiff_t>(d));
  return out;
}

std::unique_ptr<EchoCanceller> make(int rate, bool preprocess = true) {
  SpeexAecConfig config;
  config.sample_rate = rate;
  config.preprocess = preprocess;
  auto aec = make_speex_echo_canceller(config);
  REQUIRE(aec.ok());
  return std::move(aec).value();
}

// The bot at -15 dBFS, the caller's voice at -18 dBFS: different seeds, pitch and syllable rate.
std::vector<double> bot_voice(size_t n, int rate) { return at_level(speechlike(n, rate, 1, 210.0, 4.3), -15); }
std::vector<double> caller_voice(size_t n, int rate) { return at_level(speechlike(n, rate, 2, 120.0, 3.7), -18); }

// The caller's voice as the canceller is meant to pass it: through speexdsp's DC notch and, with
// the preprocessor, one frame (20 ms) late, its analysis window's latency.
std::vector<int16_t> as_passed(const std::vector<int16_t> &voice, int rate, bool preprocess) {
  return delayed(dc_notch(voice, rate), preprocess ? static_cast<size_t>(rate / 50) : 0);
}

// ERLE over each second of `out`, for the record.
std::string erle_curve(const std::vector<int16_t> &echo, const std::vector<int16_t> &out, int rate) {
  std::string s;
  for (size_t t = 0; t + 1 <= out.size() / static_cast<size_t>(rate); ++t)
    s += std::to_string(std::lround(erle_db(echo, out, seconds(rate, static_cast<double>(t), static_cast<double>(t + 1))))) + " ";
  return s;
}

}  // namespace

// Echo alone. The filter is given 3 s to converge, then judged over the next 3 s; the linear
// filter alone (no preprocessor) converges more slowly on long delays and is judged over 5-8 s.
TEST_CASE("echo alone is cancelled at 20, 120 and 250 ms of delay, 8 and 16 kHz") {
  for (const int rate : {8000, 16000}) {
    for (const int delay_ms : {20, 120, 250}) {
      for (const bool preprocess : {true, false}) {
        CAPTURE(rate);
        CAPTURE(delay_ms);
        CAPTURE(preprocess);
        const size_t n = static_cast<size_t>(rate) * 8;
        const auto bot = bot_voice(n, rate);
        const auto echo_d = echo_of(bot, rate, delay_ms, 12.0);
        const auto echo = pcm(echo_d);
        auto aec = make(rate, preprocess);
        const auto out = run(*aec, pcm(bot), pcm(add(echo_d, line_noise(n, 7))), rate);
        const double erle = erle_db(echo, out, seconds(rate, 3, 6));
        const double late = erle_db(echo, out, seconds(rate, 5, 8));
        MESSAGE(rate << " Hz, echo " << delay_ms << " ms, preprocess " << preprocess << ": ERLE " << erle
                     << " dB over 3-6 s, " << late << " dB over 5-8 s; per second: " << erle_curve(echo, out, rate));
        if (preprocess) CHECK(erle >= 10.0);
        CHECK(late >= 10.0);
      }
    }
  }
}

// Echo alone for 3 s, then the caller talks over the bot for 4 s, then echo alone again.
TEST_CASE("a caller talking over the bot survives the canceller, which keeps cancelling") {
  for (const int rate : {8000, 16000}) {
    for (const int delay_ms : {20, 120, 250}) {
      for (const bool preprocess : {true, false}) {
        CAPTURE(rate);
        CAPTURE(delay_ms);
        CAPTURE(preprocess);
        const size_t n = static_cast<size_t>(rate) * 10;
        const auto bot = bot_voice(n, rate);
        auto voice = caller_voice(n, rate);
        const auto talk = seconds(rate, 3, 7);
        for (size_t i = 0; i < n; ++i)
          if (i < talk.from || i >= talk.to) voice[i] = 0.0;
        const auto echo_d = echo_of(bot, rate, delay_ms, 12.0);
        const auto echo = pcm(echo_d);
        const auto near = pcm(voice);
        const auto ref = as_passed(near, rate, preprocess);
        const auto line = pcm(add(add(echo_d, voice), line_noise(n, 7)));
        auto aec = make(rate, preprocess);
        const auto out = run(*aec, pcm(bot), line, rate);

        // Over the talk, once the caller has been talking for half a second.
        const auto judged = seconds(rate, 3.5, 7);
        const double corr = correlation(out, ref, judged);
        const double level = db(dot(out, out, judged) / dot(ref, ref, judged));
        const double corr_raw = correlation(out, near, judged);
        const double level_raw = db(dot(out, out, judged) / dot(near, near, judged));
        const double corr_line = correlation(line, near, judged);
        // What is not the caller's voice (at the gain the output carries it with) is echo left over.
        const double gain = dot(out, ref, judged) / dot(ref, ref, judged);
        std::vector<double> residual(n);
        for (size_t i = 0; i < n; ++i) residual[i] = out[i] - gain * ref[i];
        const double dt_erle = db(dot(echo, echo, judged) / dot(residual, residual, judged));
        const double after = erle_db(echo, out, seconds(rate, 8, 10));
        MESSAGE(rate << " Hz, echo " << delay_ms << " ms, preprocess " << preprocess << ": corr(out, caller as passed) "
                     << corr << ", energy " << level << " dB; against the raw caller: corr " << corr_raw << ", energy "
                     << level_raw << " dB (the line itself: corr " << corr_line << "); ERLE in double talk " << dt_erle
                     << " dB; ERLE after it " << after << " dB");
        CHECK(corr >= 0.85);
        CHECK(level >= -4.0);
        CHECK(level <= 1.0);
        CHECK(after >= 10.0);
      }
    }
  }
}

TEST_CASE("a caller alone, the bot silent, passes unchanged but for the DC notch") {
  for (const int rate : {8000, 16000}) {
    for (const bool preprocess : {true, false}) {
      CAPTURE(rate);
      CAPTURE(preprocess);
      const size_t n = static_cast<size_t>(rate) * 4;
      const auto near = pcm(caller_voice(n, rate));
      const auto ref = as_passed(near, rate, preprocess);
      const std::vector<int16_t> silence(n, 0);
      auto aec = make(rate, preprocess);
      const auto out = run(*aec, silence, pcm(add(caller_voice(n, rate), line_noise(n, 7))), rate);
      const auto judged = seconds(rate, 0.5, 4);
      const double corr = correlation(out, ref, judged);
      const double level = db(dot(out, out, judged) / dot(ref, ref, judged));
      MESSAGE(rate << " Hz, preprocess " << preprocess << ": corr " << corr << ", energy " << level << " dB");
      CHECK(corr >= 0.99);
      CHECK(std::abs(level) <= 0.5);
    }
  }
}

TEST_CASE("silence in, silence out") {
  for (const int rate : {8000, 16000}) {
    CAPTURE(rate);
    const size_t n = static_cast<size_t>(rate) * 3;
    const std::vector<int16_t> silence(n, 0);
    auto max_abs = [](const std::vector<int16_t> &v) {
      int m = 0;
      for (const int16_t s : v) m = std::max(m, std::abs(int{s}));
      return m;
    };
    {  // nothing played, nothing heard
      auto aec = make(rate);
      CHECK(max_abs(run(*aec, silence, silence, rate)) == 0);
    }
    {  // the bot talks but nothing comes back (no echo path)
      auto aec = make(rate);
      CHECK(max_abs(run(*aec, pcm(bot_voice(n, rate)), silence, rate)) <= 1);
    }
    {  // after converging on an echo, the bot stops: the line's silence stays silence
      const auto bot = pcm(bot_voice(n, rate));
      std::vector<int16_t> played = bot;
      std::fill(played.begin() + static_cast<std::ptrdiff_t>(n / 2), played.end(), int16_t{0});
      auto line = pcm(echo_of(bot_voice(n, rate), rate, 120, 12.0));
      std::fill(line.begin() + static_cast<std::ptrdiff_t>(n / 2 + static_cast<size_t>(rate) / 5), line.end(), int16_t{0});
      auto aec = make(rate);
      const auto out = run(*aec, played, line, rate);
      const std::vector<int16_t> tail(out.begin() + static_cast<std::ptrdiff_t>(n / 2 + static_cast<size_t>(rate) / 2), out.end());
      CHECK(max_abs(tail) <= 1);
    }
  }
}

TEST_CASE("reset starts over exactly as a new canceller") {
  constexpr int rate = 8000;
  const size_t n = rate * 3;
  const auto bot = bot_voice(n, rate);
  const auto line_a = pcm(echo_of(bot, rate, 120, 12.0));
  const auto line_b = pcm(add(echo_of(bot, rate, 20, 6.0), line_noise(n, 9)));
  for (const bool preprocess : {true, false}) {
    CAPTURE(preprocess);
    auto used = make(rate, preprocess);
    (void)run(*used, pcm(bot), line_a, rate);
    used->on_played(std::span<const int16_t>(pcm(bot)).subspan(0, 480));  // pending played audio is forgotten too
    used->reset();
    auto fresh = make(rate, preprocess);
    CHECK(run(*used, pcm(bot), line_b, rate) == run(*fresh, pcm(bot), line_b, rate));
  }
}

TEST_CASE("the caller frame may come before the played frame of its tick") {
  for (const int rate : {8000, 16000}) {
    CAPTURE(rate);
    const size_t n = static_cast<size_t>(rate) * 6;
    const auto bot = bot_voice(n, rate);
    const auto echo = pcm(echo_of(bot, rate, 120, 12.0));
    auto aec = make(rate);
    const auto out = run(*aec, pcm(bot), echo, rate, true);
    const double erle = erle_db(echo, out, seconds(rate, 3, 6));
    MESSAGE(rate << " Hz, caller frame first, echo 120 ms: ERLE " << erle << " dB over 3-6 s");
    CHECK(erle >= 10.0);
  }
}

TEST_CASE("frames: several at once are filtered as one by one, a partial frame is left alone") {
  constexpr int rate = 8000;
  const size_t n = rate * 2;
  const auto bot = pcm(bot_voice(n, rate));
  const auto line = pcm(echo_of(bot_voice(n, rate), rate, 20, 12.0));
  auto one_by_one = make(rate);
  const auto expected = run(*one_by_one, bot, line, rate);

  auto batched = make(rate);
  std::vector<int16_t> out = line;
  for (size_t i = 0; i + 480 <= n; i += 480) {  // 60 ms at a time, played and heard
    batched->on_played(std::span<const int16_t>(bot).subspan(i, 480));
    batched->process(std::span<int16_t>(out).subspan(i, 480));
  }
  const size_t whole = n / 480 * 480;
  CHECK(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(whole), expected.begin()));

  std::vector<int16_t> partial(100, 1234);
  batched->process(partial);
  CHECK(std::all_of(partial.begin(), partial.end(), [](int16_t s) { return s == 1234; }));
}

TEST_CASE("invalid settings are rejected") {
  auto rejected = [](int rate, ca::Nanos tail) {
    SpeexAecConfig c;
    c.sample_rate = rate;
    c.tail = tail;
    const auto r = make_speex_echo_canceller(c);
    return !r.ok() && r.error().code == ca::Errc::invalid_argument;
  };
  CHECK(rejected(0, ca::millis(256)));
  CHECK(rejected(11025, ca::millis(256)));
  CHECK(rejected(96000, ca::millis(256)));
  CHECK(rejected(8000, 0));
  CHECK(rejected(8000, ca::millis(10)));
  CHECK(rejected(8000, ca::seconds(2)));
  CHECK_FALSE(rejected(48000, ca::millis(20)));
  CHECK_FALSE(rejected(44100, ca::seconds(1)));
}
