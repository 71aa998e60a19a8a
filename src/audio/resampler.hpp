// Streaming sample-rate conversion for mono PCM16, on libsamplerate.
//
// Streaming is exact: the concatenated output of process() calls over any chunking of the input,
// followed by flush(), is bit-identical to one process(all) + flush(). This holds by
// construction: the input is cut into fixed blocks of block_samples() (1 ms) before it reaches
// libsamplerate, so libsamplerate sees the same sequence of calls whatever the caller's chunking.
// The price is up to one block (1 ms) of extra latency when chunks are not whole blocks; 10 ms
// multiples at the usual telephony rates are.
#pragma once

#include <samplerate.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace ca::audio {

class Resampler {
 public:
  // `quality` is a libsamplerate converter (SRC_SINC_FASTEST is plenty for telephony; SRC_LINEAR
  // and SRC_ZERO_ORDER_HOLD are cheaper and alias). Any positive rates whose ratio libsamplerate
  // accepts (1/256 to 256) work. Equal rates pass samples through untouched.
  static Result<Resampler> create(int in_rate, int out_rate, int quality = SRC_SINC_FASTEST);

  Resampler(Resampler &&other) noexcept;
  Resampler &operator=(Resampler &&other) noexcept;
  Resampler(const Resampler &) = delete;
  Resampler &operator=(const Resampler &) = delete;
  ~Resampler();

  // Appends resampled samples to `out`. Allocates only when `out` must grow.
  void process(std::span<const int16_t> in, std::vector<int16_t> &out);
  // End of input: drains the filter's tail into `out`, then resets, ready for a new stream.
  void flush(std::vector<int16_t> &out);
  // Drops buffered input and filter history.
  void reset();

  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }
  int quality() const { return quality_; }
  size_t block_samples() const { return block_; }
  // Input samples held back waiting for a whole block (always < block_samples()).
  size_t pending() const { return pending_.size(); }

 private:
  Resampler(SRC_STATE *state, int in_rate, int out_rate, int quality);
  void run_block(const int16_t *in, size_t n, bool end_of_input, std::vector<int16_t> &out);

  SRC_STATE *state_ = nullptr;  // null when the rates are equal (passthrough) or moved from
  int in_rate_ = 0;
  int out_rate_ = 0;
  int quality_ = SRC_SINC_FASTEST;
  double ratio_ = 1.0;
  size_t block_ = 1;
  std::vector<int16_t> pending_;  // capacity block_, reserved once
  std::vector<float> in_f_;       // one block as float
  std::vector<float> out_f_;      // libsamplerate's output for (part of) one block
  std::vector<int16_t> out_s_;    // out_f_ converted back
};

// One-shot conversion of a whole signal (process + flush). Empty when the rates are invalid.
std::vector<int16_t> resample(std::span<const int16_t> in, int in_rate, int out_rate,
                              int quality = SRC_SINC_FASTEST);

}  // namespace ca::audio
