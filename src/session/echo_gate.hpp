// Self barge-in guard. The bot's own audio comes back on the caller's channel (the line hybrid,
// a phone on speaker) and must not count as the caller speaking. The session knows exactly what
// it played, so it can test whether a caller frame is explainable as that audio coming back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/clock.hpp"

namespace ca::session {

struct EchoGateConfig {
  int sample_rate = 8000;
  Nanos max_echo_delay = millis(300);  // echo path delays up to this are covered
  double echo_return_loss_db = 6.0;    // near-end energy this far below the loudest recent far-end
                                       // energy is taken as echo (real echo arrives >= ~12 dB down)
};

// Geigel double-talk detection on per-frame energies: a caller frame is echo when it is quieter
// than the loudest frame the bot played within the echo delay window, less the echo return loss.
// It needs no delay estimate and cannot be fooled into calling real echo speech, at the price of
// missing a caller who talks over the bot much more quietly than the bot's peaks. When the bot
// was silent over the whole window, nothing is echo.
class EchoGate {
 public:
  explicit EchoGate(const EchoGateConfig &c = {});
  // Every outbound frame, silence included, in order. Frames may be any length; the window is
  // measured in samples.
  void on_played(std::span<const int16_t> frame);
  // True: the frame could be the bot's own audio coming back.
  bool is_echo(std::span<const int16_t> caller_frame) const;
  void reset();

 private:
  struct Played {
    double energy;  // mean square
    size_t samples;
  };

  double erl_ratio_;        // echo_return_loss_db as an energy ratio (< 1)
  size_t window_samples_;   // max_echo_delay in samples
  std::vector<Played> ring_;
  size_t next_ = 0;         // slot the next frame goes to
  size_t count_ = 0;        // frames in the ring
  double window_max_ = 0;   // loudest energy over the window
};

}  // namespace ca::session
