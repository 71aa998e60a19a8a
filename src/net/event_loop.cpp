#include "net/event_loop.hpp"

#include <pthread.h>

#include <exception>

#include "core/log.hpp"

namespace ca::net {

EventLoop::EventLoop(std::string name) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, &EventLoop::on_async);
  async_.data = this;
  thread_ = std::thread([this, name = std::move(name)] {
    thread_id_ = std::this_thread::get_id();
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
  thread_id_ = thread_.get_id();
}

EventLoop::~EventLoop() {
  if (on_loop_thread()) {
    // Joining ourselves is impossible; the owner broke the rule in the header.
    log::write(log::Level::error, "", "net: EventLoop destroyed on its own thread");
    stop();
    thread_.detach();
    return;
  }
  stop();
}

bool EventLoop::post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  tasks_.push_back(std::move(fn));
  // Sent under the lock so the loop cannot close the handle between our check and the send.
  uv_async_send(&async_);
  return true;
}

bool EventLoop::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      uv_async_send(&async_);
    }
  }
  if (on_loop_thread()) return;
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) {
    thread_.join();
    uv_loop_close(&loop_);
  }
}

void EventLoop::on_async(uv_async_t *handle) { static_cast<EventLoop *>(handle->data)->drain(); }

void EventLoop::drain() {
  for (;;) {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(tasks_);
      if (batch.empty()) {
        if (!stopping_ || closed_) return;
        closed_ = true;
        break;
      }
    }
    for (auto &task : batch) {
      try {
        task();
      } catch (const std::exception &e) {
        log::write(log::Level::error, "", "net: a loop task threw", {{"what", e.what()}});
      } catch (...) {
        log::write(log::Level::error, "", "net: a loop task threw");
      }
    }
  }
  // Stopping and nothing left to run: close our handle and any an owner forgot, so uv_run returns.
  uv_close(reinterpret_cast<uv_handle_t *>(&async_), nullptr);
  int leftover = 0;
  uv_walk(
      &loop_,
      [](uv_handle_t *h, void *arg) {
        if (uv_is_closing(h)) return;
        ++*static_cast<int *>(arg);
        uv_close(h, nullptr);
      },
      &leftover);
  if (leftover > 0)
    log::write(log::Level::warn, "", "net: EventLoop stopped with handles still open", {{"handles", leftover}});
}

}  // namespace ca::net
