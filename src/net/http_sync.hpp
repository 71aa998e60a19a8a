// A blocking call on top of the asynchronous HttpClient, for code that runs on a worker thread and
// has nothing else to do while it waits (a tool's store call, a knowledge-base import). Never on
// the audio path and never on the client's loop thread, whose callbacks it waits for.
#pragma once

#include <string>

#include "net/event_loop.hpp"
#include "net/http_client.hpp"

namespace ca::net {

struct SyncResponse {
  HttpResult result;  // outcome, final status, attempts; for HTTP errors the (capped) body
  Headers headers;    // of the final response
  std::string body;   // the whole body when the status is below 400; else result.body
};

// Starts `request` on `client` and waits for it to complete (timeouts and retries as the request
// says). `loop` is the client's loop: called on its thread this fails at once instead of
// deadlocking, as it does when the loop has stopped.
SyncResponse perform(HttpClient &client, EventLoop &loop, HttpRequest request);

}  // namespace ca::net
