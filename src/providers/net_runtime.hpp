// The event loop and HTTP client network providers share: one loop thread and one connection cache
// for the process (connections to a vendor are reused across calls), created on first use. Sessions
// never run on it; providers post to it and deliver results through their sinks.
//
// Tests and integrators that want their own loop construct a NetRuntime and hand it to a
// provider's constructor instead of using shared().
#pragma once

#include <memory>
#include <string>

#include "net/event_loop.hpp"
#include "net/http_client.hpp"

namespace ca::providers {

class NetRuntime {
 public:
  explicit NetRuntime(std::string name = "ca-net", net::HttpClientOptions options = {});
  // The client is destroyed before its loop (member order).
  ~NetRuntime() = default;

  NetRuntime(const NetRuntime &) = delete;
  NetRuntime &operator=(const NetRuntime &) = delete;

  net::EventLoop &loop() { return loop_; }
  net::HttpClient &http() { return http_; }

  // The process's runtime, started on first use; it lives while any provider holds it.
  static std::shared_ptr<NetRuntime> shared();

 private:
  net::EventLoop loop_;
  net::HttpClient http_;
};

}  // namespace ca::providers
