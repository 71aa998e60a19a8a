// Per-frame voice activity: is there a voice on the caller's line in this frame? The session turns
// these decisions into onsets and offsets with its own timing; nothing here knows about time
// beyond the sample rate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ca::session {

// RMS of the frame in dB relative to a full-scale square wave (32768), -120 for digital silence or
// an empty frame. A full-scale sine is -3 dBFS.
double frame_level_dbfs(std::span<const int16_t> frame);

// Mean square of the samples (0 for an empty frame): the level in the linear domain, for
// comparisons that need no logarithm.
double frame_mean_square(std::span<const int16_t> frame);

struct VadConfig {
  int sample_rate = 8000;         // any positive rate
  double min_level_dbfs = -45.0;  // frames quieter than this are never speech
  double margin_db = 9.0;         // speech must exceed the tracked noise floor by this much
};

// The interface, so that a model-based VAD can replace the energy one later.
class Vad {
 public:
  virtual ~Vad() = default;
  virtual bool is_speech(std::span<const int16_t> frame) = 0;  // one frame (20 ms; any length works)
  virtual void reset() = 0;
};

// Energy against an adaptive noise floor, tracked by minimum statistics: the floor is at most the
// quietest 40 ms (two frames) of the last 1.5-1.75 s, taken in 250 ms blocks.
//  - It falls as soon as the line is quieter for two frames. One lost packet played as digital
//    silence is not the line going quiet.
//  - It rises to that minimum at once when the whole window was steady (its loudest frame within
//    margin_db of its quietest): a hiss, a hum or a fan, which stops counting within ~1.75 s.
//  - Otherwise something varied in the window, most likely speech, and it rises by at most
//    1 dB/s, so speech without a pause long enough to show the floor keeps counting.
// It never goes below min_level_dbfs - margin_db, where it stops mattering.
//
// Deterministic and cheap: one integer sum of squares and a few comparisons per frame; levels are
// compared as energies and converted to dB only when asked.
class EnergyVad final : public Vad {
 public:
  explicit EnergyVad(const VadConfig &c = {});
  bool is_speech(std::span<const int16_t> frame) override;
  void reset() override;
  double last_level_dbfs() const;   // of the last frame given to is_speech
  double noise_floor_dbfs() const;  // as used for the last decision

 private:
  static constexpr size_t kBlocks = 6;         // complete blocks in the window, plus the current one
  static constexpr double kRiseDbPerSecond = 1.0;  // while the window is not steady

  void close_block();

  VadConfig config_;
  double min_energy_;    // min_level_dbfs as a mean square
  double margin_ratio_;  // margin_db as an energy ratio
  double floor_clamp_;   // lowest floor that can matter: min_energy_ / margin_ratio_
  size_t block_len_;     // samples per block

  // Complete blocks: the quietest pair of frames and the loudest frame of each.
  std::array<double, kBlocks> block_mins_{};
  std::array<double, kBlocks> block_maxes_{};
  size_t next_block_ = 0;
  size_t blocks_seen_ = 0;  // up to kBlocks: the window is steady only if it was all observed
  double window_min_ = 0;   // over the complete blocks
  double window_max_ = 0;
  double block_min_ = 0;  // of the block being filled
  double block_max_ = 0;
  size_t block_filled_ = 0;

  double floor_ = 0;
  double last_energy_ = 0;
  double prev_energy_ = 0;  // of the frame before the last
  size_t rise_frame_len_ = 0;  // frame length rise_factor_ was computed for
  double rise_factor_ = 1;     // per frame of that length
};

}  // namespace ca::session
