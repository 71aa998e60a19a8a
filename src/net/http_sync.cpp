#include "net/http_sync.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace ca::net {

SyncResponse perform(HttpClient &client, EventLoop &loop, HttpRequest request) {
  SyncResponse out;
  if (loop.on_loop_thread()) {
    out.result.outcome = HttpOutcome::transport;
    out.result.message = "a blocking request on the client's own loop thread would never complete";
    return out;
  }
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    SyncResponse r;
  };
  // Shared, not on this stack: the callbacks only touch it until `done`, but ownership keeps that
  // obviously safe.
  auto sh = std::make_shared<Shared>();
  HttpCallbacks cb;
  cb.on_response = [sh](int, const Headers &headers) { sh->r.headers = headers; };
  cb.on_data = [sh](std::string_view chunk) { sh->r.body.append(chunk); };
  cb.on_complete = [sh](const HttpResult &result) {
    std::lock_guard lock(sh->mu);
    sh->r.result = result;
    sh->done = true;
    sh->cv.notify_all();
  };
  if (client.request(std::move(request), std::move(cb)) == 0) {
    out.result.outcome = HttpOutcome::cancelled;
    out.result.message = "the event loop has stopped";
    return out;
  }
  std::unique_lock lock(sh->mu);
  sh->cv.wait(lock, [&] { return sh->done; });
  return std::move(sh->r);
}

}  // namespace ca::net
