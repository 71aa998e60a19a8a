// Re-cuts PCM16 chunks of any size (10 ms, 30 ms, odd counts from a TTS stream) into the
// fixed-size frames the telephone side needs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ca::audio {

class Reframer {
 public:
  // The reframer only ever holds the remainder of an incomplete frame, so it never buffers more
  // than frame_samples - 1 samples. `max_buffered_samples` is the storage reserved up front:
  // set_frame_samples(n) with n up to it never allocates. 0 means 4 frames, enough to move from
  // 20 ms to 80 ms frames without touching the heap. A frame size of 0 is taken as 1.
  explicit Reframer(size_t frame_samples, size_t max_buffered_samples = 0);

  // Changes the frame size and drops what is buffered (half a frame of the old size has no
  // meaning in the new one). Allocates only when n exceeds capacity().
  void set_frame_samples(size_t n);

  // Calls on_frame(std::span<const int16_t>) for every complete frame and keeps the remainder.
  // Whole frames inside `samples` are handed out without copying; the span is valid only during
  // the call, and on_frame must not call back into this reframer. Never allocates.
  template <class F>
  void push(std::span<const int16_t> samples, F &&on_frame);

  size_t buffered() const { return have_; }
  size_t frame_samples() const { return frame_; }
  size_t capacity() const { return buf_.size(); }
  void reset() { have_ = 0; }

 private:
  size_t frame_;
  size_t have_ = 0;
  std::vector<int16_t> buf_;  // sized once; only buf_[0, have_) is meaningful
};

template <class F>
void Reframer::push(std::span<const int16_t> samples, F &&on_frame) {
  size_t pos = 0;
  if (have_ > 0) {
    const size_t take = std::min(frame_ - have_, samples.size());
    std::copy_n(samples.begin(), take, buf_.begin() + static_cast<std::ptrdiff_t>(have_));
    have_ += take;
    pos = take;
    if (have_ < frame_) return;
    have_ = 0;
    on_frame(std::span<const int16_t>(buf_.data(), frame_));
  }
  while (samples.size() - pos >= frame_) {
    on_frame(samples.subspan(pos, frame_));
    pos += frame_;
  }
  have_ = samples.size() - pos;
  std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(pos), have_, buf_.begin());
}

}  // namespace ca::audio
