#include "session/echo_gate.hpp"

#include <algorithm>
#include <cmath>

#include "session/vad.hpp"

namespace ca::session {

namespace {

// Bot audio quieter than this (-60 dBFS) is treated as silence: a comfort-noise or dithered
// "silent" bot must not make a quiet caller look like echo for ever.
constexpr double kSilentEnergy = 32768.0 * 32768.0 * 1e-6;

// Shortest frame the ring is sized for; shorter frames still work but the window then covers
// less than max_echo_delay.
constexpr Nanos kMinFrame = millis(5);

}  // namespace

EchoGate::EchoGate(const EchoGateConfig &c)
    : erl_ratio_(std::pow(10.0, -std::max(0.0, c.echo_return_loss_db) / 10.0)),
      window_samples_(static_cast<size_t>(std::max<Nanos>(0, c.max_echo_delay) * std::max(1, c.sample_rate) /
                                          kNanosPerSecond)) {
  // The caller frame being judged and the played frame straddling the delay add one frame each
  // to the window; one more absorbs whether the session reports the played frame before or after
  // judging the caller frame of the same tick.
  const auto slots = static_cast<size_t>((std::max<Nanos>(0, c.max_echo_delay) + kMinFrame - 1) / kMinFrame) + 3;
  ring_.resize(slots);
  reset();
}

void EchoGate::reset() {
  next_ = 0;
  count_ = 0;
  window_max_ = 0.0;
}

void EchoGate::on_played(std::span<const int16_t> frame) {
  ring_[next_] = Played{frame_mean_square(frame), frame.size()};
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());

  // Newest first, until the window plus the newest frame (standing in for the caller frame's own
  // length) plus one straddling frame are covered.
  const size_t need = window_samples_ + frame.size();
  double max = 0.0;
  size_t covered = 0;
  size_t i = next_;
  for (size_t k = 0; k < count_; ++k) {
    i = (i == 0 ? ring_.size() : i) - 1;
    max = std::max(max, ring_[i].energy);
    if (covered >= need) break;  // this was the straddling frame
    covered += ring_[i].samples;
  }
  window_max_ = max;
}

bool EchoGate::is_echo(std::span<const int16_t> caller_frame) const {
  if (window_max_ < kSilentEnergy) return false;
  return frame_mean_square(caller_frame) < window_max_ * erl_ratio_;
}

}  // namespace ca::session
