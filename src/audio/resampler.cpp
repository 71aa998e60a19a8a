#include "audio/resampler.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace ca::audio {

Result<Resampler> Resampler::create(int in_rate, int out_rate, int quality) {
  if (in_rate <= 0 || out_rate <= 0) {
    return make_error(Errc::invalid_argument, "resampler: rates must be positive, got " +
                                                  std::to_string(in_rate) + " -> " +
                                                  std::to_string(out_rate));
  }
  if (in_rate == out_rate) return Resampler(nullptr, in_rate, out_rate, quality);
  const double ratio = static_cast<double>(out_rate) / in_rate;
  if (src_is_valid_ratio(ratio) == 0) {
    return make_error(Errc::invalid_argument, "resampler: ratio " + std::to_string(in_rate) +
                                                  " -> " + std::to_string(out_rate) +
                                                  " is outside libsamplerate's 1/256..256");
  }
  int err = 0;
  SRC_STATE *state = src_new(quality, 1, &err);
  if (state == nullptr) {
    return make_error(Errc::invalid_argument,
                      std::string("resampler: src_new failed: ") + src_strerror(err));
  }
  return Resampler(state, in_rate, out_rate, quality);
}

Resampler::Resampler(SRC_STATE *state, int in_rate, int out_rate, int quality)
    : state_(state),
      in_rate_(in_rate),
      out_rate_(out_rate),
      quality_(quality),
      ratio_(static_cast<double>(out_rate) / in_rate),
      block_(std::max<size_t>(static_cast<size_t>(in_rate) / 1000, 1)) {
  pending_.reserve(block_);
  in_f_.resize(block_);
  // Room for one block's worth of output plus what the filter may release from earlier blocks;
  // if it is ever short, run_block just calls libsamplerate again.
  out_f_.resize(static_cast<size_t>(std::ceil(static_cast<double>(block_) * ratio_)) + 64);
  out_s_.resize(out_f_.size());
}

Resampler::Resampler(Resampler &&other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      in_rate_(other.in_rate_),
      out_rate_(other.out_rate_),
      quality_(other.quality_),
      ratio_(other.ratio_),
      block_(other.block_),
      pending_(std::move(other.pending_)),
      in_f_(std::move(other.in_f_)),
      out_f_(std::move(other.out_f_)),
      out_s_(std::move(other.out_s_)) {}

Resampler &Resampler::operator=(Resampler &&other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) src_delete(state_);
    state_ = std::exchange(other.state_, nullptr);
    in_rate_ = other.in_rate_;
    out_rate_ = other.out_rate_;
    quality_ = other.quality_;
    ratio_ = other.ratio_;
    block_ = other.block_;
    pending_ = std::move(other.pending_);
    in_f_ = std::move(other.in_f_);
    out_f_ = std::move(other.out_f_);
    out_s_ = std::move(other.out_s_);
  }
  return *this;
}

Resampler::~Resampler() {
  if (state_ != nullptr) src_delete(state_);
}

void Resampler::process(std::span<const int16_t> in, std::vector<int16_t> &out) {
  if (in_rate_ == out_rate_) {
    out.insert(out.end(), in.begin(), in.end());
    return;
  }
  if (state_ == nullptr) return;  // moved from
  size_t pos = 0;
  if (!pending_.empty()) {
    const size_t take = std::min(block_ - pending_.size(), in.size());
    pending_.insert(pending_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    pos = take;
    if (pending_.size() < block_) return;
    run_block(pending_.data(), block_, false, out);
    pending_.clear();
  }
  for (; in.size() - pos >= block_; pos += block_) run_block(in.data() + pos, block_, false, out);
  pending_.insert(pending_.end(), in.begin() + static_cast<std::ptrdiff_t>(pos), in.end());
}

void Resampler::flush(std::vector<int16_t> &out) {
  if (state_ == nullptr) return;  // passthrough holds nothing back
  run_block(pending_.data(), pending_.size(), true, out);
  reset();
}

void Resampler::reset() {
  pending_.clear();
  if (state_ != nullptr) src_reset(state_);
}

void Resampler::run_block(const int16_t *in, size_t n, bool end_of_input,
                          std::vector<int16_t> &out) {
  src_short_to_float_array(in, in_f_.data(), static_cast<int>(n));
  SRC_DATA d{};
  d.data_in = in_f_.data();
  d.input_frames = static_cast<long>(n);
  d.src_ratio = ratio_;
  d.end_of_input = end_of_input ? 1 : 0;
  // Loop until libsamplerate has taken the whole block and, at end of input, has nothing more to
  // give. An error can only come from misuse that create() rules out, so it just stops the block.
  for (;;) {
    d.data_out = out_f_.data();
    d.output_frames = static_cast<long>(out_f_.size());
    if (src_process(state_, &d) != 0) return;
    const auto gen = static_cast<size_t>(d.output_frames_gen);
    if (gen > 0) {
      src_float_to_short_array(out_f_.data(), out_s_.data(), static_cast<int>(gen));
      out.insert(out.end(), out_s_.begin(), out_s_.begin() + static_cast<std::ptrdiff_t>(gen));
    }
    d.data_in += d.input_frames_used;
    d.input_frames -= d.input_frames_used;
    if (d.input_frames == 0 && (!end_of_input || gen == 0)) return;
    if (d.input_frames_used == 0 && gen == 0) return;  // no progress possible
  }
}

std::vector<int16_t> resample(std::span<const int16_t> in, int in_rate, int out_rate,
                              int quality) {
  std::vector<int16_t> out;
  auto r = Resampler::create(in_rate, out_rate, quality);
  if (!r) return out;
  out.reserve(static_cast<size_t>(static_cast<double>(in.size()) * out_rate / in_rate) + 16);
  r->process(in, out);
  r->flush(out);
  return out;
}

}  // namespace ca::audio
