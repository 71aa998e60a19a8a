// AudioSocket load generator: N Asterisk-like callers against one server, for
// `callagent bench audiosocket`. It measures what a real Asterisk would suffer: how evenly the
// server paces the audio it sends, whether our audio comes back, and what the server spent doing it.
//
// One thread, raw epoll, no allocation once the calls are up, so a single core can drive 1000
// calls; the run reports its own send lateness and declares itself invalid when it could not keep
// time, because an overloaded generator would otherwise be blamed on the server.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace ca::loadgen {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
  int calls = 50;
  double seconds = 10;       // audio each call sends
  double ramp_seconds = 0;   // call starts are spread uniformly over this
  int sample_rate = 8000;    // 8000 -> kind 0x10, 320-byte frames; 16000 -> 0x12, 640 bytes
  int server_pid = 0;        // 0 = do not sample the server's CPU and memory
  uint64_t seed = 1;         // UUIDs and start phases
  double drain_seconds = 0.5;  // after the last frame, wait this long for echoes before hanging up
  double connect_timeout_seconds = 2;  // Asterisk's MAX_CONNECT_TIMEOUT_MSEC
  std::atomic<bool> *stop = nullptr;   // optional: set to end the run early (it is then invalid)
};

// Percentiles of one measured quantity, in milliseconds. Resolution is 10 us; max is exact.
struct Distribution {
  uint64_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

struct Report {
  // What ran.
  std::string target;
  int sample_rate = 0;
  double seconds = 0;
  double ramp_seconds = 0;
  double drain_seconds = 0;
  uint64_t seed = 0;
  double wall_seconds = 0;  // start of the run to the last hangup

  // Calls. attempted = connected + connect_failures; every connected call ends exactly one of
  // completed (we hung up after the drain), ended_by_server (0x00, EOF or reset before that) or
  // failed (a short write or a message Asterisk would reject; Asterisk drops the call then too)
  // or, when the run is stopped early, interrupted.
  int calls_attempted = 0;
  int calls_connected = 0;
  int connect_failures = 0;
  int calls_completed = 0;
  int calls_ended_by_server = 0;
  int calls_failed = 0;
  int calls_interrupted = 0;
  uint64_t server_hangups = 0;   // 00 00 00 messages received
  uint64_t protocol_errors = 0;  // unparseable stream, or a kind other than audio or hangup

  // Frames. received = echoed + silence + other. lost = frames of completed calls never echoed
  // by the end of the drain (a call the server ended is counted as such, not as losses).
  // skipped = deadlines that passed while the call was still connecting.
  uint64_t frames_sent = 0;
  uint64_t frames_skipped = 0;
  uint64_t frames_received = 0;
  uint64_t frames_echoed = 0;    // our own frames back (unique)
  uint64_t frames_silence = 0;   // all-zero payloads
  uint64_t frames_other = 0;     // audio that is neither ours nor silence
  uint64_t frames_lost = 0;
  uint64_t frames_duplicate = 0;
  uint64_t frames_out_of_order = 0;
  uint64_t frames_misrouted = 0;  // another call's frame echoed on this one
  uint64_t frames_wrong_rate = 0; // audio kind other than the one the call sends

  // Time between consecutive audio frames from the server at one caller (first frame of each call
  // excluded): 20 ms is perfect pacing. Taken from kernel receive timestamps when the kernel
  // provides them (see timestamp_source).
  Distribution outgoing_gap;
  bool kernel_timestamps = false;
  std::string timestamp_source;
  Distribution echo_latency;  // our send to its echo's arrival, server queueing included
  // Our send time minus its deadline: the generator's own health. Includes up to 0.25 ms of
  // deliberate batching (it wakes at most every 0.25 ms, which is what lets one core drive 1000
  // calls). p99 above 2 ms makes the run invalid.
  Distribution gen_lateness;
  Distribution rx_delay;      // kernel arrival to our read (kernel timestamps only)
  double gen_cpu_seconds = 0; // this thread's user + system CPU during the run

  // The server, when Options::server_pid was given and /proc could be read.
  bool server_sampled = false;
  int server_pid = 0;
  double server_user_seconds = 0;
  double server_system_seconds = 0;
  double call_seconds = 0;  // frames_sent * 20 ms: the audio actually streamed
  double server_user_ms_per_call_second = 0;
  double server_system_ms_per_call_second = 0;
  int64_t server_peak_rss_kb = 0;  // VmHWM

  bool valid = true;
  std::string invalid_reason;
  std::string notes;  // caveats that do not invalidate the run
};

// Runs the load to completion (ramp + seconds + drain, bounded by a few seconds of grace).
// Fails only when the run cannot start (bad options, unresolvable host, not enough descriptors);
// connect failures and misbehaving servers are measured, not errors.
Result<Report> run(const Options &options);

// A human-readable table of every figure.
std::string format_table(const Report &report);

// One JSON object (no trailing newline) with the same figures.
std::string format_json(const Report &report);

}  // namespace ca::loadgen
