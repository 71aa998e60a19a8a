#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "providers/net_runtime.hpp"

using namespace ca;

TEST_CASE("the last reference to a runtime may be dropped on its own loop thread") {
  auto rt = std::make_shared<providers::NetRuntime>("t-rt");
  std::weak_ptr<providers::NetRuntime> watch = rt;
  std::promise<bool> dropped;
  auto done = dropped.get_future();
  net::EventLoop &loop = rt->loop();
  // The task holds the only reference once `rt` is reset here: it goes inside the loop's own
  // callback, as when a provider is released during one of its deliveries.
  REQUIRE(loop.post([held = std::move(rt), &dropped]() mutable {
    held.reset();
    dropped.set_value(true);
  }));
  REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(done.get());
  CHECK(watch.expired());
}

TEST_CASE("the shared runtime lives while someone holds it and is made anew after") {
  auto a = providers::NetRuntime::shared();
  auto b = providers::NetRuntime::shared();
  CHECK(a == b);
  std::weak_ptr<providers::NetRuntime> old = a;
  a.reset();
  b.reset();
  CHECK(old.expired());
  auto c = providers::NetRuntime::shared();
  CHECK(c != nullptr);
}
