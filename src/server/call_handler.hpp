// What drives one AudioSocket call. The server calls a handler only from the loop thread that owns
// the connection, once per 20 ms tick at most; a handler must never block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace ca::server {

enum class EndReason : uint8_t {
  caller_hangup,   // EOF or ECONNRESET from the peer (Asterisk never sends 0x00)
  agent_hangup,    // the handler asked to end the call; 00 00 00 was sent
  protocol_error,  // the peer broke the framing
  io_error,        // a socket error other than a hangup
  drain_timeout,   // still running when the drain timeout ran out
};

const char *end_reason_name(EndReason r);

class CallHandler {
 public:
  virtual ~CallHandler() = default;

  // The UUID arrived; `sample_rate` is the server's default until the caller's audio says more.
  virtual void on_start(std::string_view uuid, int sample_rate, Nanos now) = 0;
  // One 20 ms frame of caller audio at `sample_rate` (frames of other durations are re-cut first).
  virtual void on_audio(std::span<const int16_t> frame, int sample_rate, Nanos now) = 0;
  // A DTMF digit: 0-9 * # A-D.
  virtual void on_dtmf(char digit, Nanos now) = 0;
  // Any other message kind (0xff, unknown kinds): informational, never ends the call.
  virtual void on_other(uint8_t kind, std::span<const uint8_t> payload, Nanos now) = 0;
  // Fills `out` (20 ms at `sample_rate`) with the next outbound frame. False: nothing to say, the
  // server sends silence.
  virtual bool pull(std::span<int16_t> out, int sample_rate, Nanos now) = 0;
  // True once the agent wants the call over; the server sends 00 00 00 and closes.
  virtual bool wants_hangup() const = 0;
  // The call is over, for whatever reason. The handler is destroyed right after.
  virtual void on_end(EndReason reason, Nanos now) = 0;

  // Work arrived for the handler between ticks (e.g. a provider result): the server calls
  // on_wake() on the loop thread soon after `wake` is called, from any thread. `wake` stays
  // valid for the life of the call (a call after it ended is ignored).
  virtual void set_wake(std::function<void()> wake) { (void)wake; }
  virtual void on_wake(Nanos now) { (void)now; }
};

using HandlerFactory = std::function<std::unique_ptr<CallHandler>()>;

// Returns the caller's audio, paced like any other agent: the diagnostic mode of the host.
// Keeps at most `max_frames` frames; older ones are dropped so the echo never lags behind.
class EchoHandler final : public CallHandler {
 public:
  explicit EchoHandler(size_t max_frames = 8) : max_frames_(max_frames) {}

  void on_start(std::string_view, int, Nanos) override {}
  void on_audio(std::span<const int16_t> frame, int sample_rate, Nanos now) override;
  void on_dtmf(char, Nanos) override {}
  void on_other(uint8_t, std::span<const uint8_t>, Nanos) override {}
  bool pull(std::span<int16_t> out, int sample_rate, Nanos now) override;
  bool wants_hangup() const override { return false; }
  void on_end(EndReason, Nanos) override {}

  uint64_t frames_dropped() const { return dropped_; }

 private:
  size_t max_frames_;
  size_t frame_samples_ = 0;
  int rate_ = 0;
  std::vector<int16_t> ring_;  // max_frames_ frames of frame_samples_
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace ca::server
