// A thread running a libuv loop. Network providers and their HTTP client live on such a loop;
// sessions live elsewhere and talk to it only through post().
#pragma once

#include <uv.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace ca::net {

class EventLoop {
 public:
  // Starts the loop thread. `name` labels the thread (at most 15 characters are kept).
  explicit EventLoop(std::string name = "ca-net");
  // stop(), then joins.
  ~EventLoop();

  EventLoop(const EventLoop &) = delete;
  EventLoop &operator=(const EventLoop &) = delete;

  // Queues `fn` to run on the loop thread; tasks run in the order they were posted. Any thread,
  // the loop's own included (the task then runs after the current one returns). Returns false,
  // and drops `fn`, once stop() has begun.
  bool post(std::function<void()> fn);

  // Orderly end: refuses new tasks, runs every task posted before, closes any handle still open
  // (its owner should have closed it first — a warning is logged), and joins the thread.
  // Idempotent. Called on the loop thread itself it only requests the stop; the join happens in
  // the next stop() or the destructor from another thread.
  void stop();

  // The libuv loop, for code running on the loop thread only.
  uv_loop_t *loop() { return &loop_; }
  bool on_loop_thread() const { return std::this_thread::get_id() == thread_id_.load(); }
  // True once stop() has begun: post() refuses tasks.
  bool stopping() const;

 private:
  static void on_async(uv_async_t *handle);
  void drain();

  uv_loop_t loop_{};
  uv_async_t async_{};
  mutable std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  bool closed_ = false;  // the loop thread has closed its handles
  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;
  std::mutex join_mu_;
};

}  // namespace ca::net
