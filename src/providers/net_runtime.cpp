#include "providers/net_runtime.hpp"

#include <mutex>
#include <thread>

namespace ca::providers {

NetRuntime::NetRuntime(std::string name, net::HttpClientOptions options)
    : parts_(std::make_unique<Parts>(std::move(name), std::move(options))) {}

NetRuntime::~NetRuntime() {
  if (parts_->loop.on_loop_thread()) {
    std::thread([parts = std::move(parts_)]() mutable { parts.reset(); }).detach();
  }
}

std::shared_ptr<NetRuntime> NetRuntime::shared() {
  // Weak: when the last provider goes, the thread and the connections go too (and a later
  // configuration starts a fresh one), instead of a static destroyed at an unknown point of exit.
  static std::mutex mu;
  static std::weak_ptr<NetRuntime> current;
  std::lock_guard lock(mu);
  if (auto rt = current.lock()) return rt;
  auto rt = std::make_shared<NetRuntime>();
  current = rt;
  return rt;
}

}  // namespace ca::providers
