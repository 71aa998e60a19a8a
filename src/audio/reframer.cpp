#include "audio/reframer.hpp"

namespace ca::audio {

Reframer::Reframer(size_t frame_samples, size_t max_buffered_samples)
    : frame_(std::max<size_t>(frame_samples, 1)) {
  const size_t reserve = max_buffered_samples == 0 ? 4 * frame_ : max_buffered_samples;
  buf_.resize(std::max(reserve, frame_));
}

void Reframer::set_frame_samples(size_t n) {
  frame_ = std::max<size_t>(n, 1);
  have_ = 0;
  if (buf_.size() < frame_) buf_.resize(frame_);
}

}  // namespace ca::audio
