// Optional echo canceller: removes the bot's own audio from the caller's line before the VAD sees
// it. Where the echo gate (echo_gate.hpp) only decides whether a frame could be echo, this
// subtracts an adaptive estimate of the echo, so a caller talking over the bot is heard with the
// bot taken out of the signal.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace ca::session {

// Removes the bot's own audio from the caller's line, given what was played.
//
// Frames are 20 ms (sample_rate / 50 samples). One played frame and one caller frame per tick, in
// the order of the call; within a tick either order works (played first is best, see below).
class EchoCanceller {
 public:
  virtual ~EchoCanceller() = default;
  // Every frame the bot played (pulled), silence included. Any length; what has not been matched
  // to a caller frame yet waits, up to a bound, for process().
  virtual void on_played(std::span<const int16_t> frame) = 0;
  // Filters the caller frame in place, against the played audio of the same tick. A frame that is
  // not a whole number of 20 ms frames is left untouched past its last whole frame.
  virtual void process(std::span<int16_t> caller_frame) = 0;
  // Forgets the echo path and everything played: a fresh start, as after construction.
  virtual void reset() = 0;
};

struct SpeexAecConfig {
  int sample_rate = 8000;  // 8000 to 48000, a multiple of 50 (whole 20 ms frames)
  // Longest echo path covered: the echo's delay plus its own length must fit. 20 ms to 1 s; the
  // cost per frame and the convergence time grow with it.
  Nanos tail = millis(256);
  // Speex preprocessor after the canceller, as a residual echo suppressor only: it attenuates
  // what the linear filter left of the echo (by up to 40 dB, 15 dB while the caller talks) and
  // leaves noise, level and everything else alone: a caller alone passes at unity gain, a caller
  // talking over the bot loses 1-2 dB. It delays the output by one frame (20 ms, its analysis
  // window) and costs 20-50 % more CPU.
  bool preprocess = true;
};

// speexdsp's MDF canceller (multidelay block frequency-domain adaptive filter, two-path).
//  - It learns the echo path from the bot's speech: on speech at -15 dBFS with echo 12 dB down,
//    ERLE passes 10 dB within about 2 s of it for short delays and 3-5 s for delays near the tail
//    (the MDF adapts its late blocks more slowly until it has found the echo), and goes on to
//    15-30 dB. Until then much of the bot's echo is left on the line.
//  - While the caller talks over the bot it holds its filter rather than adapting to the caller.
//  - The MDF high-passes the line first (a DC notch: second order, ~120 Hz at 8 kHz, ~40 Hz at
//    16 kHz): harmless on a telephone band, but a voice fundamental below ~150 Hz comes out
//    attenuated and phase-shifted.
//  - About 50-60 us per 20 ms frame at 8 kHz with a 256 ms tail, 100-150 us at 16 kHz
//    (bench/bench_echo_canceller.cpp): hundreds of times the energy VAD's cost.
// Invalid settings are Errc::invalid_argument; speexdsp failing to allocate its state is
// Errc::internal.
Result<std::unique_ptr<EchoCanceller>> make_speex_echo_canceller(const SpeexAecConfig &c = {});

}  // namespace ca::session
