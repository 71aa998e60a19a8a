// Replay: a session records every input it receives — caller audio, DTMF, hangups, playout
// reports, transfer results and each provider or tool result, with the session time at which
// process() took it — and the configuration it ran with. Fed back to a fresh session with inert
// providers, the recording reproduces the same actions (events, provider requests) and the same
// outbound audio, which a hash over both proves. The session core reads no clock, so this holds
// bit for bit.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ca::session {

constexpr uint32_t kReplayVersion = 3;  // 2: session.history_window, session.pii_masking, request ids; 3: LLM usage

struct ReplayReport {
  uint32_t version = 0;
  uint64_t recorded_hash = 0;  // hash of the live session's actions and audio
  uint64_t replayed_hash = 0;  // the same, from the replay
  uint64_t process_calls = 0;
  uint64_t frames_pulled = 0;
  uint64_t events = 0;
  int64_t duration_ns = 0;     // session time of the last process()
  std::string final_state;
  bool identical() const { return recorded_hash == replayed_hash; }
};

// Replays a recording made by Session::stop_recording().
Result<ReplayReport> replay(std::span<const uint8_t> recording);
Result<ReplayReport> replay_file(const std::string &path);

}  // namespace ca::session
