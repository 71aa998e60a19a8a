// HttpClient against the scripted test server on 127.0.0.1.
#include "net/http_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "support/http_test_server.hpp"

using namespace ca;
using namespace ca::net;
using ca::test::Gate;
using ca::test::HttpTestServer;
using ca::test::Reply;

namespace {

// Everything one request's callbacks saw, with waits for the tests.
struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  int responses = 0;
  int status = 0;
  Headers headers;
  std::string data;
  int data_calls = 0;
  int completes = 0;
  int data_after_complete = 0;
  HttpResult result;

  HttpCallbacks callbacks() {
    HttpCallbacks cb;
    cb.on_response = [this](int s, const Headers &h) {
      std::lock_guard lock(mu);
      ++responses;
      status = s;
      headers = h;
      cv.notify_all();
    };
    cb.on_data = [this](std::string_view chunk) {
      std::lock_guard lock(mu);
      if (completes) ++data_after_complete;
      data.append(chunk);
      ++data_calls;
      cv.notify_all();
    };
    cb.on_complete = [this](const HttpResult &r) {
      std::lock_guard lock(mu);
      ++completes;
      result = r;
      cv.notify_all();
    };
    return cb;
  }
  bool wait_complete(Nanos timeout = seconds(15)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::nanoseconds(timeout), [&] { return completes > 0; });
  }
  bool wait_data(size_t n, Nanos timeout = seconds(15)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::nanoseconds(timeout), [&] { return data.size() >= n || completes > 0; });
  }
};

std::string random_text(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (auto &c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

HttpRequest get(const std::string &url) {
  HttpRequest r;
  r.url = url;
  return r;
}

// The tests talk to 127.0.0.1 directly whatever proxy the environment names.
struct NoProxyEnv {
  NoProxyEnv() {
    for (const char *v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) ::unsetenv(v);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  }
};
const NoProxyEnv no_proxy_env;

}  // namespace

TEST_CASE("parse_retry_after: delta seconds and the HTTP-date forms") {
  const int64_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(parse_retry_after("1", now) == seconds(1));
  CHECK(parse_retry_after(" 120 ", now) == seconds(120));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now) == seconds(5));
  CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:03 GMT", now) == seconds(3));  // RFC 850
  CHECK(parse_retry_after("Wed Oct 21 07:28:02 2015", now) == seconds(2));           // asctime
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == 0);               // in the past
  CHECK_FALSE(parse_retry_after("soon", now).has_value());
  CHECK_FALSE(parse_retry_after("", now).has_value());
  CHECK_FALSE(parse_retry_after("-5", now).has_value());
}

TEST_CASE("a body streamed one byte per chunk arrives intact (chunked and Content-Length)") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  const std::string body = random_text(3000, 7);
  for (auto framing : {Reply::Framing::chunked, Reply::Framing::content_length}) {
    Reply r = Reply::text(200, body);
    r.framing = framing;
    r.chunk_size = 1;
    server.push(r);
    Seen seen;
    client.request(get(server.url("/stream")), seen.callbacks());
    REQUIRE(seen.wait_complete());
    CHECK(seen.result.outcome == HttpOutcome::ok);
    CHECK(seen.result.status == 200);
    CHECK(seen.responses == 1);
    CHECK(seen.status == 200);
    REQUIRE(find_header(seen.headers, "content-type"));
    CHECK(*find_header(seen.headers, "CONTENT-TYPE") == "text/plain");
    CHECK(seen.data == body);
    CHECK(seen.completes == 1);
  }
}

TEST_CASE("body data reaches on_data before the response is complete (SSE-style)") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  auto gate = std::make_shared<Gate>();
  Reply r = Reply::sse({"event: a\ndata: {\"x\":1}\n\n"});
  r.parts.push_back({"event: b\ndata: {\"x\":2}\n\n", 0, gate});
  server.push(r);
  Seen seen;
  client.request(get(server.url("/sse")), seen.callbacks());
  const std::string first = "event: a\ndata: {\"x\":1}\n\n";
  REQUIRE(seen.wait_data(first.size()));
  {
    std::lock_guard lock(seen.mu);
    CHECK(seen.completes == 0);  // the server is holding the second event back
    CHECK(seen.data == first);
  }
  gate->open();
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.ok());
  CHECK(seen.data == first + "event: b\ndata: {\"x\":2}\n\n");
}

TEST_CASE("first-byte timeout: a server that answers nothing") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  Reply r;
  r.stall = true;
  server.push(r);
  HttpRequest req = get(server.url("/slow"));
  req.timeouts.first_byte = millis(200);
  req.retry.max_attempts = 1;
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::timeout);
  CHECK(seen.result.timeout == TimeoutKind::first_byte);
  CHECK(seen.responses == 0);
  CHECK(seen.completes == 1);
  CHECK(server.wait_for_peer_closes(1));  // the client hung up
}

TEST_CASE("idle timeout: the body stops halfway") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  Reply r = Reply::text(200, random_text(100, 1));
  r.stall_after = 10;
  server.push(r);
  HttpRequest req = get(server.url("/stalls"));
  req.timeouts.idle = millis(200);
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::timeout);
  CHECK(seen.result.timeout == TimeoutKind::idle);
  CHECK(seen.responses == 1);
  CHECK(seen.data.size() == 10);
  CHECK(server.request_count() == 1);  // data was delivered: never retried
}

TEST_CASE("total timeout: a stream that keeps trickling") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  Reply r = Reply::text(200, random_text(10000, 2));
  r.chunk_size = 1;
  r.chunk_delay = millis(20);  // would take 200 s
  server.push(r);
  HttpRequest req = get(server.url("/trickle"));
  req.timeouts.total = millis(300);
  req.timeouts.idle = seconds(5);
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::timeout);
  CHECK(seen.result.timeout == TimeoutKind::total);
  CHECK(seen.data.size() > 0);
  CHECK(seen.data.size() < 10000);
  CHECK(server.wait_for_peer_closes(1));
}

TEST_CASE("cancel mid-stream from another thread closes the connection and completes once") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  Reply r = Reply::text(200, random_text(1000, 3));
  r.framing = Reply::Framing::chunked;
  r.stall_after = 100;
  server.push(r);
  Seen seen;
  const RequestId id = client.request(get(server.url("/cancel")), seen.callbacks());
  REQUIRE(id != 0);
  REQUIRE(seen.wait_data(100));
  client.cancel(id);
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::cancelled);
  CHECK(server.wait_for_peer_closes(1));
  client.cancel(id);  // after completion: nothing more happens
  // A round trip through the loop: anything the second cancel could have caused has happened.
  Seen after;
  client.request(get(server.url("/after")), after.callbacks());
  REQUIRE(after.wait_complete());
  CHECK(after.result.ok());
  std::lock_guard lock(seen.mu);
  CHECK(seen.completes == 1);
  CHECK(seen.data.size() == 100);
}

TEST_CASE("cancel from inside on_data: no further data, on_complete(cancelled) once") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  auto gate = std::make_shared<Gate>();
  Reply r = Reply::text(200, "");
  r.parts.push_back({random_text(5000, 4), 0, gate});  // held back until the id is known
  r.chunk_size = 1000;
  server.push(r);
  auto seen = std::make_shared<Seen>();
  auto id = std::make_shared<std::atomic<RequestId>>(0);
  HttpCallbacks cb = seen->callbacks();
  auto inner = cb.on_data;
  cb.on_data = [&client, inner, id](std::string_view chunk) {
    inner(chunk);
    client.cancel(id->load());
  };
  id->store(client.request(get(server.url("/cancel-inside")), cb));
  gate->open();
  REQUIRE(seen->wait_complete());
  CHECK(seen->result.outcome == HttpOutcome::cancelled);
  CHECK(seen->data_calls == 1);
  CHECK(seen->completes == 1);
}

TEST_CASE("429 with Retry-After: 1 is retried after that wait; the consumer sees only the success") {
  EventLoop loop;
  std::mutex mu;
  std::vector<RetryNotice> notices;
  HttpClientOptions opts;
  opts.seed = 42;
  opts.on_retry = [&](const RetryNotice &n) {
    std::lock_guard lock(mu);
    notices.push_back(n);
  };
  HttpClient client(loop, opts);
  HttpTestServer server;
  server.push(Reply::retry_after(429, "1", "slow down"));
  server.push(Reply::text(200, "done"));
  Seen seen;
  client.request(get(server.url("/limited")), seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.ok());
  CHECK(seen.result.attempts == 2);
  CHECK(seen.responses == 1);
  CHECK(seen.status == 200);
  CHECK(seen.data == "done");  // nothing of the 429's body
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  // Retry-After is a floor: the second request cannot arrive sooner (a small allowance for the
  // loop's millisecond clock).
  CHECK(reqs[1].received_at - reqs[0].received_at >= millis(950));
  std::lock_guard lock(mu);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].status == 429);
  CHECK(notices[0].delay == seconds(1));
  CHECK(notices[0].from_retry_after);
  CHECK(notices[0].attempt == 1);
}

TEST_CASE("retry-after-ms is honoured; a Retry-After beyond the cap is not waited for") {
  EventLoop loop;
  std::atomic<Nanos> delay{-1};
  HttpClientOptions opts;
  opts.on_retry = [&](const RetryNotice &n) { delay = n.delay; };
  HttpClient client(loop, opts);
  HttpTestServer server;
  Reply busy = Reply::text(503, "busy");
  busy.headers.push_back({"retry-after-ms", "30"});
  busy.headers.push_back({"Retry-After", "1"});
  server.push(busy);
  server.push(Reply::text(200, "ok"));
  Seen a;
  client.request(get(server.url("/ms")), a.callbacks());
  REQUIRE(a.wait_complete());
  CHECK(a.result.ok());
  CHECK(delay.load() == millis(30));

  server.push(Reply::retry_after(503, "3600", "come back in an hour"));
  HttpRequest req = get(server.url("/hour"));
  req.retry.max_retry_after = seconds(60);
  Seen b;
  client.request(req, b.callbacks());
  REQUIRE(b.wait_complete());
  CHECK(b.result.outcome == HttpOutcome::http_error);
  CHECK(b.result.status == 503);
  CHECK(b.result.body == "come back in an hour");
  CHECK(b.responses == 1);
  CHECK(b.status == 503);
  CHECK(server.request_count() == 3);
}

TEST_CASE("retries exhausted: the last error is reported with its body prefix") {
  EventLoop loop;
  std::vector<Nanos> delays;
  std::mutex mu;
  HttpClientOptions opts;
  opts.seed = 7;
  opts.on_retry = [&](const RetryNotice &n) {
    std::lock_guard lock(mu);
    delays.push_back(n.delay);
  };
  HttpClient client(loop, opts);
  HttpTestServer server;
  for (int i = 0; i < 3; ++i) server.push(Reply::json(529, R"({"type":"error","error":{"type":"overloaded_error"}})"));
  HttpRequest req = get(server.url("/overloaded"));
  req.retry.base_delay = millis(2);
  req.retry.max_delay = millis(5);
  req.error_body_limit = 16;
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::http_error);
  CHECK(seen.result.status == 529);
  CHECK(seen.result.attempts == 3);
  CHECK(seen.result.body == R"({"type":"error",)");
  CHECK(seen.responses == 1);
  CHECK(seen.data.empty());
  CHECK(server.request_count() == 3);
  std::lock_guard lock(mu);
  REQUIRE(delays.size() == 2);
  CHECK(delays[0] <= millis(2));  // full jitter: uniform(0, base)
  CHECK(delays[1] <= millis(4));  // then uniform(0, 2 * base)
}

TEST_CASE("no retry once body data was delivered") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  Reply r = Reply::text(200, random_text(100, 5));
  r.cut_after = 10;
  server.push(r);
  server.push(Reply::text(200, "second"));
  HttpRequest req = get(server.url("/cut"));
  req.retry.base_delay = millis(1);
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::transport);
  CHECK_FALSE(seen.result.message.empty());
  CHECK(seen.data.size() == 10);
  CHECK(server.request_count() == 1);
}

TEST_CASE("a POST is retried only with an Idempotency-Key") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  HttpRequest post;
  post.method = "POST";
  post.url = server.url("/v1/messages");
  post.headers = {{"Content-Type", "application/json"}};
  post.body = R"({"model":"m"})";
  post.retry.base_delay = millis(1);

  server.push(Reply::text(503, "unavailable"));
  server.push(Reply::text(200, "must not be reached"));
  Seen plain;
  client.request(post, plain.callbacks());
  REQUIRE(plain.wait_complete());
  CHECK(plain.result.outcome == HttpOutcome::http_error);
  CHECK(plain.result.status == 503);
  CHECK(plain.result.attempts == 1);
  CHECK(server.request_count() == 1);

  Seen drained;  // take the unused scripted 200
  client.request(get(server.url("/drain")), drained.callbacks());
  REQUIRE(drained.wait_complete());

  server.push(Reply::text(503, "unavailable"));
  server.push(Reply::text(200, "created"));
  post.headers.push_back({"Idempotency-Key", "key-123"});
  Seen keyed;
  client.request(post, keyed.callbacks());
  REQUIRE(keyed.wait_complete());
  CHECK(keyed.result.ok());
  CHECK(keyed.data == "created");
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 4);
  for (size_t i : {size_t(2), size_t(3)}) {
    CHECK(reqs[i].method == "POST");
    CHECK(reqs[i].body == R"({"model":"m"})");
    CHECK(reqs[i].header_value("idempotency-key") == "key-123");
    CHECK(reqs[i].header_value("content-type") == "application/json");
    CHECK(reqs[i].header("expect") == nullptr);  // no 100-continue round trip
  }
}

TEST_CASE("a connection dropped before any response is retried for a GET") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  Reply drop;
  drop.drop = true;
  server.push(drop);
  server.push(Reply::text(200, "second time lucky"));
  HttpRequest req = get(server.url("/flaky"));
  req.retry.base_delay = millis(1);
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.ok());
  CHECK(seen.result.attempts == 2);
  CHECK(seen.data == "second time lucky");
  CHECK(server.request_count() == 2);
}

TEST_CASE("connection refused is a transport error after the allowed attempts") {
  EventLoop loop;
  HttpClient client(loop);
  uint16_t port;
  {
    HttpTestServer gone;
    port = gone.port();
  }  // closed: nothing listens there now
  HttpRequest req = get("http://127.0.0.1:" + std::to_string(port) + "/");
  req.retry.base_delay = millis(1);
  Seen seen;
  client.request(req, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::transport);
  CHECK(seen.result.attempts == 3);
  CHECK(seen.responses == 0);
}

TEST_CASE("sequential requests reuse one keep-alive connection") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  for (int i = 0; i < 5; ++i) {
    Seen seen;
    client.request(get(server.url("/n/" + std::to_string(i))), seen.callbacks());
    REQUIRE(seen.wait_complete());
    CHECK(seen.result.ok());
  }
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 5);
  for (const auto &r : reqs) CHECK(r.connection == 1);
  CHECK(server.connections() == 1);
}

TEST_CASE("requests from several threads at once all complete with their own bodies") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server([](const ca::test::ReceivedRequest &r) { return Reply::text(200, "echo " + r.path); });
  constexpr int kThreads = 4, kEach = 15;
  std::vector<std::unique_ptr<Seen>> seen(kThreads * kEach);
  for (auto &s : seen) s = std::make_unique<Seen>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int k = t * kEach + i;
        CHECK(client.request(get(server.url("/t/" + std::to_string(k))), seen[static_cast<size_t>(k)]->callbacks()) != 0);
      }
    });
  for (auto &th : threads) th.join();
  for (int k = 0; k < kThreads * kEach; ++k) {
    Seen &s = *seen[static_cast<size_t>(k)];
    REQUIRE(s.wait_complete());
    CHECK(s.result.ok());
    CHECK(s.data == "echo /t/" + std::to_string(k));
    CHECK(s.completes == 1);
  }
  CHECK(server.request_count() == kThreads * kEach);
}

TEST_CASE("destroying the client cancels requests in flight, each exactly once") {
  HttpTestServer server;
  std::vector<std::unique_ptr<Seen>> seen(4);
  EventLoop loop;
  {
    HttpClient client(loop);
    for (size_t i = 0; i < seen.size(); ++i) {
      Reply r = Reply::text(200, random_text(100, 9));
      if (i % 2) r.stall = true;
      else r.stall_after = 20;
      server.push(r);
      seen[i] = std::make_unique<Seen>();
      client.request(get(server.url("/inflight")), seen[i]->callbacks());
    }
    REQUIRE(server.wait_for_requests(4));
  }
  for (auto &s : seen) {
    CHECK(s->completes == 1);
    CHECK(s->result.outcome == HttpOutcome::cancelled);
  }
  CHECK(server.wait_for_peer_closes(4));
}

TEST_CASE("an HTTP error's body goes to the result, not to on_data") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  server.push(Reply::json(400, R"({"error":{"message":"bad"}})"));
  Seen seen;
  client.request(get(server.url("/bad")), seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::http_error);
  CHECK(seen.result.status == 400);
  CHECK(seen.result.body == R"({"error":{"message":"bad"}})");
  CHECK(seen.result.to_result().error().code == Errc::protocol);
  CHECK(seen.responses == 1);
  CHECK(seen.data.empty());
  CHECK(server.request_count() == 1);  // 400 is not retried
}

TEST_CASE("methods, headers and bodies are sent as given; invalid requests are refused") {
  EventLoop loop;
  HttpClient client(loop);
  HttpTestServer server;
  for (const char *method : {"PUT", "PATCH", "DELETE", "HEAD"}) {
    HttpRequest r;
    r.method = method;
    r.url = server.url("/things/1?x=y");
    r.headers = {{"X-Api-Key", "secret"}, {"Accept", "application/json"}};
    if (std::string(method) != "DELETE" && std::string(method) != "HEAD") r.body = std::string("body of ") + method;
    Seen seen;
    client.request(r, seen.callbacks());
    REQUIRE(seen.wait_complete());
    CHECK(seen.result.ok());
    const auto got = server.requests().back();
    CHECK(got.method == method);
    CHECK(got.path == "/things/1");
    CHECK(got.query == "x=y");
    CHECK(got.body == r.body);
    CHECK(got.header_value("x-api-key") == "secret");
    CHECK(got.header_value("user-agent").rfind("libcallagent/", 0) == 0);
  }
  HttpRequest bad = get(server.url("/"));
  bad.headers = {{"X-Evil", "a\r\nInjected: yes"}};
  Seen seen;
  client.request(bad, seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::transport);
  CHECK(seen.result.message.find("invalid request") != std::string::npos);
}

TEST_CASE("http_proxy from the environment is used, and no_proxy bypasses it") {
  HttpTestServer origin([](const ca::test::ReceivedRequest &) { return Reply::text(200, "direct"); });
  HttpTestServer proxy([](const ca::test::ReceivedRequest &) { return Reply::text(200, "via proxy"); });
  const std::string target = origin.url("/through");
  // Set before the loop exists, so no thread reads the environment while we change it.
  ::setenv("http_proxy", proxy.url("").c_str(), 1);
  ::unsetenv("no_proxy");
  {
    EventLoop loop;
    HttpClient client(loop);
    Seen seen;
    client.request(get(target), seen.callbacks());
    REQUIRE(seen.wait_complete());
    CHECK(seen.result.ok());
    CHECK(seen.data == "via proxy");
    REQUIRE(proxy.request_count() == 1);
    CHECK(proxy.requests()[0].target == target);  // absolute form: it was asked as a proxy
    CHECK(origin.request_count() == 0);
  }
  ::setenv("no_proxy", "127.0.0.1", 1);
  {
    EventLoop loop;
    HttpClient client(loop);
    Seen seen;
    client.request(get(target), seen.callbacks());
    REQUIRE(seen.wait_complete());
    CHECK(seen.result.ok());
    CHECK(seen.data == "direct");
    CHECK(origin.request_count() == 1);
    CHECK(proxy.request_count() == 1);
  }
  ::unsetenv("http_proxy");
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
}

TEST_CASE("after the loop stops, request() refuses with id 0") {
  EventLoop loop;
  HttpClient client(loop);
  loop.stop();
  Seen seen;
  CHECK(client.request(get("http://127.0.0.1:1/"), seen.callbacks()) == 0);
  CHECK(seen.completes == 0);
}

TEST_CASE("cancel while waiting to retry ends the request without another attempt") {
  EventLoop loop;
  HttpClient *client_ptr = nullptr;
  HttpClientOptions opts;
  opts.on_retry = [&](const RetryNotice &n) { client_ptr->cancel(n.id); };
  HttpClient client(loop, opts);
  client_ptr = &client;
  HttpTestServer server;
  server.push(Reply::retry_after(503, "1"));
  server.push(Reply::text(200, "never"));
  Seen seen;
  client.request(get(server.url("/wait")), seen.callbacks());
  REQUIRE(seen.wait_complete());
  CHECK(seen.result.outcome == HttpOutcome::cancelled);
  CHECK(seen.result.attempts == 1);
  CHECK(seen.responses == 0);
  CHECK(server.request_count() == 1);
}

TEST_CASE("the backoff jitter is reproducible from the seed") {
  auto delays_for = [](uint64_t seed) {
    EventLoop loop;
    std::mutex mu;
    std::vector<Nanos> delays;
    HttpClientOptions opts;
    opts.seed = seed;
    opts.on_retry = [&](const RetryNotice &n) {
      std::lock_guard lock(mu);
      delays.push_back(n.delay);
    };
    HttpClient client(loop, opts);
    HttpTestServer server([](const ca::test::ReceivedRequest &) { return Reply::text(502, "bad gateway"); });
    HttpRequest req = get(server.url("/jitter"));
    req.retry.max_attempts = 4;
    req.retry.base_delay = millis(3);
    Seen seen;
    client.request(req, seen.callbacks());
    REQUIRE(seen.wait_complete());
    CHECK(seen.result.status == 502);
    CHECK(seen.result.attempts == 4);
    std::lock_guard lock(mu);
    return delays;
  };
  const auto a = delays_for(1234);
  const auto b = delays_for(1234);
  const auto c = delays_for(99);
  REQUIRE(a.size() == 3);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a[0] <= millis(3));
  CHECK(a[1] <= millis(6));
  CHECK(a[2] <= millis(12));
}
