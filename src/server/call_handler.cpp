#include "server/call_handler.hpp"

#include <algorithm>
#include <cstring>

namespace ca::server {

const char *end_reason_name(EndReason r) {
  switch (r) {
    case EndReason::caller_hangup: return "caller_hangup";
    case EndReason::agent_hangup: return "agent_hangup";
    case EndReason::protocol_error: return "protocol_error";
    case EndReason::io_error: return "io_error";
    case EndReason::drain_timeout: return "drain_timeout";
  }
  return "unknown";
}

void EchoHandler::on_audio(std::span<const int16_t> frame, int sample_rate, Nanos) {
  if (frame.size() != frame_samples_ || sample_rate != rate_) {
    // A new rate starts a new echo: frames of two sizes never share the ring.
    frame_samples_ = frame.size();
    rate_ = sample_rate;
    ring_.assign(max_frames_ * frame_samples_, 0);
    head_ = 0;
    count_ = 0;
  }
  if (count_ == max_frames_) {
    head_ = (head_ + 1) % max_frames_;
    --count_;
    ++dropped_;
  }
  const size_t slot = (head_ + count_) % max_frames_;
  std::memcpy(ring_.data() + slot * frame_samples_, frame.data(), frame_samples_ * sizeof(int16_t));
  ++count_;
}

bool EchoHandler::pull(std::span<int16_t> out, int sample_rate, Nanos) {
  if (count_ == 0 || sample_rate != rate_ || out.size() != frame_samples_) return false;
  std::memcpy(out.data(), ring_.data() + head_ * frame_samples_, frame_samples_ * sizeof(int16_t));
  head_ = (head_ + 1) % max_frames_;
  --count_;
  return true;
}

}  // namespace ca::server
