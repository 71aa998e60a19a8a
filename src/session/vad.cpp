#include "session/vad.hpp"

#include <algorithm>
#include <cmath>

namespace ca::session {

namespace {

constexpr double kFullScaleEnergy = 32768.0 * 32768.0;
constexpr double kSilenceDbfs = -120.0;

double energy_to_dbfs(double energy) {
  if (energy <= 0.0) return kSilenceDbfs;
  return std::max(kSilenceDbfs, 10.0 * std::log10(energy / kFullScaleEnergy));
}

double dbfs_to_energy(double dbfs) { return kFullScaleEnergy * std::pow(10.0, dbfs / 10.0); }

}  // namespace

// Exact in 64-bit integers for any frame shorter than 2^33 samples. About 0.1 µs per 20 ms frame
// at -O2 (scalar), 0.04 µs at -O3 (vectorised): hand-written SIMD would not be worth its keep.
double frame_mean_square(std::span<const int16_t> frame) {
  if (frame.empty()) return 0.0;
  int64_t sum = 0;
  for (const int16_t s : frame) sum += int32_t{s} * int32_t{s};
  return static_cast<double>(sum) / static_cast<double>(frame.size());
}

double frame_level_dbfs(std::span<const int16_t> frame) { return energy_to_dbfs(frame_mean_square(frame)); }

EnergyVad::EnergyVad(const VadConfig &c)
    : config_(c),
      min_energy_(dbfs_to_energy(c.min_level_dbfs)),
      margin_ratio_(std::pow(10.0, std::max(0.0, c.margin_db) / 10.0)),
      floor_clamp_(min_energy_ / margin_ratio_),
      block_len_(static_cast<size_t>(std::max(1, c.sample_rate / 4))) {
  reset();
}

void EnergyVad::reset() {
  // A new call starts from the quietest floor that matters: until the window has seen the line,
  // anything above min_level_dbfs counts, so a caller who speaks at once is not missed.
  block_mins_.fill(floor_clamp_);
  block_maxes_.fill(floor_clamp_);
  next_block_ = 0;
  blocks_seen_ = 0;
  window_min_ = floor_clamp_;
  window_max_ = floor_clamp_;
  block_min_ = HUGE_VAL;
  block_max_ = 0.0;
  block_filled_ = 0;
  floor_ = floor_clamp_;
  last_energy_ = 0.0;
  prev_energy_ = 0.0;
}

void EnergyVad::close_block() {
  block_mins_[next_block_] = std::max(floor_clamp_, block_min_);
  block_maxes_[next_block_] = block_max_;
  next_block_ = (next_block_ + 1) % kBlocks;
  blocks_seen_ = std::min(blocks_seen_ + 1, kBlocks);
  window_min_ = *std::min_element(block_mins_.begin(), block_mins_.end());
  window_max_ = *std::max_element(block_maxes_.begin(), block_maxes_.end());
  block_min_ = HUGE_VAL;
  block_max_ = 0.0;
  block_filled_ = 0;
}

bool EnergyVad::is_speech(std::span<const int16_t> frame) {
  const double e = frame_mean_square(frame);
  last_energy_ = e;

  // A quiet observation must last two frames: one lost packet played as digital silence is not
  // the line going quiet, and would otherwise drop the floor and make steady noise count again.
  block_min_ = std::min(block_min_, std::max(e, prev_energy_));
  block_max_ = std::max(block_max_, e);
  prev_energy_ = e;

  // The block being filled takes part at once, so the floor drops on the first quiet pair.
  const double target = std::max(floor_clamp_, std::min(window_min_, block_min_));
  if (target <= floor_) {
    floor_ = target;
  } else if (blocks_seen_ == kBlocks && std::max(window_max_, block_max_) <= target * margin_ratio_) {
    floor_ = target;  // the whole window was steady: noise, however loud
  } else {
    if (frame.size() != rise_frame_len_) {
      rise_frame_len_ = frame.size();
      const double frame_seconds = static_cast<double>(frame.size()) / std::max(1, config_.sample_rate);
      rise_factor_ = std::pow(10.0, kRiseDbPerSecond * frame_seconds / 10.0);
    }
    floor_ = std::min(target, floor_ * rise_factor_);
  }

  block_filled_ += frame.size();
  if (block_filled_ >= block_len_) close_block();
  return e >= min_energy_ && e > floor_ * margin_ratio_;
}

double EnergyVad::last_level_dbfs() const { return energy_to_dbfs(last_energy_); }

double EnergyVad::noise_floor_dbfs() const { return energy_to_dbfs(floor_); }

}  // namespace ca::session
