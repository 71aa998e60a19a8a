#include "net/event_loop.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using ca::net::EventLoop;

TEST_CASE("EventLoop runs posted tasks in order on its own thread") {
  EventLoop loop;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> seen;
  bool all_on_loop = true;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(loop.post([&, i] {
      std::lock_guard lock(mu);
      all_on_loop = all_on_loop && loop.on_loop_thread();
      seen.push_back(i);
      cv.notify_all();
    }));
  }
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return seen.size() == 100; }));
  for (int i = 0; i < 100; ++i) CHECK(seen[static_cast<size_t>(i)] == i);
  CHECK(all_on_loop);
  CHECK_FALSE(loop.on_loop_thread());
}

TEST_CASE("EventLoop: stop() runs every task posted before it, then refuses new ones") {
  EventLoop loop;
  std::atomic<int> ran{0};
  std::atomic<bool> release{false};
  // The first task blocks the loop so the rest are still queued when stop() is called.
  loop.post([&] {
    while (!release) std::this_thread::yield();
    ++ran;
  });
  for (int i = 0; i < 50; ++i) loop.post([&] { ++ran; });
  std::thread stopper([&] { loop.stop(); });
  // stop() has begun once post() refuses; only then let the loop go on.
  while (loop.post([&] { ++ran; })) {
  }
  release = true;
  stopper.join();
  CHECK(loop.stopping());
  const int after_stop = ran.load();
  CHECK(after_stop >= 51);  // the 51 posted before, plus any accepted before stop() began
  CHECK_FALSE(loop.post([&] { ++ran; }));
  loop.stop();  // idempotent
  CHECK(ran.load() == after_stop);
}

TEST_CASE("EventLoop: posts from many threads all run; tasks may post more") {
  EventLoop loop;
  std::atomic<int> ran{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) loop.post([&] {
        ++ran;
        if (ran.load() % 100 == 0) loop.post([&] { ++ran; });
      });
    });
  for (auto &t : threads) t.join();
  loop.stop();
  CHECK(ran.load() >= 1000);
}

struct TimerProbe {
  std::mutex mu;
  std::condition_variable cv;
  bool fired = false;
  bool on_loop = false;
  EventLoop *loop = nullptr;
};

TEST_CASE("EventLoop: a libuv timer runs on loop(); a throwing task does not end the loop") {
  EventLoop loop;
  TimerProbe probe;
  probe.loop = &loop;
  uv_timer_t timer;
  loop.post([] { throw std::runtime_error("boom"); });
  loop.post([&] {
    uv_timer_init(loop.loop(), &timer);
    timer.data = &probe;
    uv_timer_start(
        &timer,
        [](uv_timer_t *h) {
          auto *p = static_cast<TimerProbe *>(h->data);
          uv_close(reinterpret_cast<uv_handle_t *>(h), nullptr);
          std::lock_guard lock(p->mu);
          p->fired = true;
          p->on_loop = p->loop->on_loop_thread();
          p->cv.notify_all();
        },
        1, 0);
  });
  std::unique_lock lock(probe.mu);
  CHECK(probe.cv.wait_for(lock, std::chrono::seconds(10), [&] { return probe.fired; }));
  CHECK(probe.on_loop);
  lock.unlock();
  loop.stop();
}
