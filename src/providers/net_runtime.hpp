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
  // Stops the client, then the loop. The last reference may go anywhere — a provider released
  // from inside one of its own callbacks drops it on the loop thread, which cannot join itself
  // nor destroy the HTTP client under libcurl's feet — so there the teardown is handed to a
  // short-lived thread.
  ~NetRuntime();

  NetRuntime(const NetRuntime &) = delete;
  NetRuntime &operator=(const NetRuntime &) = delete;

  net::EventLoop &loop() { return parts_->loop; }
  net::HttpClient &http() { return parts_->http; }

  // The process's runtime, started on first use; it lives while any provider holds it.
  static std::shared_ptr<NetRuntime> shared();

 private:
  struct Parts {
    Parts(std::string name, net::HttpClientOptions options) : loop(std::move(name)), http(loop, std::move(options)) {}
    net::EventLoop loop;
    net::HttpClient http;  // destroyed before its loop (member order)
  };
  std::unique_ptr<Parts> parts_;
};

}  // namespace ca::providers
