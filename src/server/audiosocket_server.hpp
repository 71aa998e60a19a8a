// The AudioSocket host: accepts Asterisk's connections and drives one CallHandler per call.
//
// Threads: one acceptor thread, and N loop threads (libuv) that each own a shard of connections.
// A loop thread wakes on a 1 ms timing wheel: each connection has a fixed phase within the 20 ms
// frame period and is serviced once per period — it reads what the caller sent (recv, non-blocking),
// hands whole 20 ms frames to its handler, and writes exactly one outbound message — so an
// established call costs two system calls per frame and no readiness events at all. Inbound audio
// waits at most one period in the kernel, which is the granularity the session works at anyway.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "server/call_handler.hpp"

namespace ca::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;                 // 0: an ephemeral port (see Server::port())
  int threads = 0;                      // 0: one loop thread per core
  int max_calls = 1000;                 // further connections are closed at once
  Nanos uuid_timeout = seconds(5);      // the UUID must arrive within this time
  size_t max_audio_payload = 8192;      // larger audio messages are a protocol error
  int max_queued_frames = 3;            // outbound frames allowed in the kernel send queue
  int default_rate = 8000;              // until the caller's first audio sets the call's rate
  Nanos linger = seconds(1);            // after sending 00 00 00, wait this long for the peer to close
  double log_rate = 20;                 // log lines per second per call after the burst
  int log_burst = 40;
};

struct ServerStats {
  uint64_t connections = 0;      // accepted TCP connections
  uint64_t calls_started = 0;    // connections that sent their UUID
  uint64_t calls_ended = 0;
  uint64_t calls_refused = 0;    // over max_calls
  uint64_t uuid_timeouts = 0;
  uint64_t protocol_errors = 0;
  uint64_t frames_in = 0;        // 20 ms frames handed to handlers
  uint64_t frames_out = 0;       // messages written whole
  uint64_t frames_dropped = 0;   // outbound frames not written (queue full, or EAGAIN)
  uint64_t deadlines_late = 0;   // frame deadlines skipped because a tick came late
  uint64_t dtmf = 0;
  uint64_t other_messages = 0;   // 0xff, unknown kinds, a second UUID
  int64_t active = 0;            // connections open now
};

class Server {
 public:
  // Binds, listens and starts the threads. The factory is called on a loop thread once per call.
  static Result<std::unique_ptr<Server>> start(const ServerOptions &options, HandlerFactory factory);
  ~Server();  // stops as stop() does and joins

  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  uint16_t port() const;
  // Stops accepting; calls may finish within `timeout`, then the rest get 00 00 00 and are closed.
  // Any thread; a second call may bring the deadline forward, never back. wait() returns once the
  // last call is gone.
  void drain(Nanos timeout);
  // drain(0).
  void stop();
  // Blocks until every thread has finished (after drain or stop).
  void wait();
  ServerStats stats() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ca::server
