// HttpServer (libwebsockets) driven by HttpClient and by a raw socket.
#include "net/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include <doctest/doctest.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>

#include "net/http_client.hpp"

using namespace ca;
using namespace ca::net;

namespace {

struct NoProxyEnv {
  NoProxyEnv() {
    for (const char *v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) ::unsetenv(v);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  }
};
const NoProxyEnv no_proxy_env;

struct Reply {
  int status = 0;
  Headers headers;
  std::string body;
  HttpResult result;
};

// A blocking request through HttpClient (the test thread waits on a condition variable).
Reply call(HttpClient &client, HttpRequest req) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Reply out;
  HttpCallbacks cb;
  cb.on_response = [&](int s, const Headers &h) {
    out.status = s;
    out.headers = h;
  };
  cb.on_data = [&](std::string_view d) { out.body.append(d); };
  cb.on_complete = [&](const HttpResult &r) {
    std::lock_guard lock(mu);
    out.result = r;
    if (!r.ok()) out.body = r.body;
    done = true;
    cv.notify_all();
  };
  req.retry.max_attempts = 1;
  client.request(std::move(req), cb);
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(15), [&] { return done; }));
  return out;
}

HttpRequest make(const std::string &method, const std::string &url, std::string body = {}) {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.body = std::move(body);
  return r;
}

// One exchange over a raw socket, for what HttpClient will not send. Reads until the peer closes.
std::string raw_exchange(uint16_t port, const std::string &request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("routes, {params}, query, headers and bodies reach the handler; 404 and 405") {
  HttpServerOptions opts;
  opts.extra_headers = {"X-Api-Key"};
  HttpServer server(opts);
  std::mutex mu;
  ServerRequest last;
  server.route("GET", "/health", [](const ServerRequest &) { return ServerResponse::text(200, "ok\n"); });
  server.route("GET", "/calls/{id}/events/{n}", [&](const ServerRequest &r) {
    std::lock_guard lock(mu);
    last = r;
    return ServerResponse::json(200, R"({"id":")" + r.param("id") + R"(","n":")" + r.param("n") + "\"}");
  });
  server.route("POST", "/calls/{id}", [&](const ServerRequest &r) {
    std::lock_guard lock(mu);
    last = r;
    ServerResponse resp = ServerResponse::json(201, r.body);
    resp.headers.push_back({"Location", "/calls/" + r.param("id")});
    return resp;
  });
  server.route("DELETE", "/calls/{id}", [](const ServerRequest &) { return ServerResponse::text(204, ""); });
  auto port = server.start();
  REQUIRE(port.ok());
  REQUIRE(*port != 0);
  CHECK(server.port() == *port);
  const std::string base = "http://127.0.0.1:" + std::to_string(*port);

  EventLoop loop;
  HttpClient client(loop);

  auto health = call(client, make("GET", base + "/health"));
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  REQUIRE(find_header(health.headers, "content-type"));
  CHECK(*find_header(health.headers, "content-type") == "text/plain; charset=utf-8");

  HttpRequest ev = make("GET", base + "/calls/abc-123/events/7?since=5&kind=tool%20call&flag");
  ev.headers = {{"X-Api-Key", "k1"}, {"Accept", "application/json"}};
  auto events = call(client, ev);
  CHECK(events.status == 200);
  CHECK(events.body == R"({"id":"abc-123","n":"7"})");
  {
    std::lock_guard lock(mu);
    CHECK(last.method == "GET");
    CHECK(last.path == "/calls/abc-123/events/7");
    REQUIRE(last.query_value("since"));
    CHECK(*last.query_value("since") == "5");
    REQUIRE(last.query_value("kind"));
    CHECK(*last.query_value("kind") == "tool call");
    CHECK(last.query_value("flag") != nullptr);
    CHECK(last.query_value("absent") == nullptr);
    REQUIRE(last.header("x-api-key"));
    CHECK(*last.header("x-api-key") == "k1");
    REQUIRE(last.header("accept"));
    CHECK(*last.header("Accept") == "application/json");
    CHECK(last.header("host") != nullptr);
  }

  HttpRequest post = make("POST", base + "/calls/42", R"({"caller":"+380441234567","did":"100"})");
  post.headers = {{"Content-Type", "application/json"}};
  auto created = call(client, post);
  CHECK(created.status == 201);
  CHECK(created.body == R"({"caller":"+380441234567","did":"100"})");
  REQUIRE(find_header(created.headers, "location"));
  CHECK(*find_header(created.headers, "location") == "/calls/42");
  {
    std::lock_guard lock(mu);
    CHECK(last.method == "POST");
    CHECK(last.param("id") == "42");
    REQUIRE(last.header("content-type"));
    CHECK(*last.header("content-type") == "application/json");
  }

  auto deleted = call(client, make("DELETE", base + "/calls/42"));
  CHECK(deleted.status == 204);

  auto missing = call(client, make("GET", base + "/nope"));
  CHECK(missing.status == 404);
  CHECK(missing.result.outcome == HttpOutcome::http_error);
  auto too_deep = call(client, make("GET", base + "/calls/1/events"));
  CHECK(too_deep.status == 404);

  auto wrong = call(client, make("PUT", base + "/calls/42", "x"));
  CHECK(wrong.status == 405);
  REQUIRE(find_header(wrong.headers, "allow"));
  const std::string allow = *find_header(wrong.headers, "allow");
  CHECK(allow.find("POST") != std::string::npos);
  CHECK(allow.find("DELETE") != std::string::npos);

  auto head = call(client, make("HEAD", base + "/health"));
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  server.stop();
  server.stop();  // idempotent
}

TEST_CASE("a body over max_body gets 413 and never reaches the handler; the limit itself is fine") {
  HttpServerOptions opts;
  opts.max_body = 1000;
  HttpServer server(opts);
  std::atomic<int> calls{0};
  server.route("POST", "/upload", [&](const ServerRequest &r) {
    ++calls;
    return ServerResponse::text(200, std::to_string(r.body.size()));
  });
  auto port = server.start();
  REQUIRE(port.ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/upload";
  EventLoop loop;
  HttpClient client(loop);

  auto fits = call(client, make("POST", url, std::string(1000, 'a')));
  CHECK(fits.status == 200);
  CHECK(fits.body == "1000");

  auto big = call(client, make("POST", url, std::string(5000, 'b')));
  CHECK(big.status == 413);
  CHECK(calls.load() == 1);

  // The connection stays usable (or is replaced) for the next request.
  auto again = call(client, make("POST", url, "small"));
  CHECK(again.status == 200);
  CHECK(again.body == "5");
  CHECK(calls.load() == 2);
}

TEST_CASE("a chunked request body is collected; one over the limit gets 413") {
  HttpServerOptions opts;
  opts.max_body = 64;
  HttpServer server(opts);
  server.route("POST", "/echo", [](const ServerRequest &r) { return ServerResponse::text(200, "got:" + r.body); });
  auto port = server.start();
  REQUIRE(port.ok());
  const std::string ok = raw_exchange(*port,
                                      "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  CHECK(ok.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(ok.find("got:hello world") != std::string::npos);

  std::string body;
  for (int i = 0; i < 10; ++i) body += "10\r\n" + std::string(16, 'z') + "\r\n";
  const std::string big = raw_exchange(
      *port, "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "0\r\n\r\n");
  CHECK(big.rfind("HTTP/1.1 413", 0) == 0);
}

TEST_CASE("large responses arrive whole; a throwing handler gives 500; two servers coexist") {
  HttpServer a, b;
  const std::string big(300 * 1024 + 17, 'q');
  a.route("GET", "/big", [&](const ServerRequest &) { return ServerResponse::text(200, big, "application/octet-stream"); });
  a.route("GET", "/throw", [](const ServerRequest &) -> ServerResponse { throw std::runtime_error("handler failed"); });
  b.route("GET", "/who", [](const ServerRequest &) { return ServerResponse::text(200, "b"); });
  auto pa = a.start();
  auto pb = b.start();
  REQUIRE(pa.ok());
  REQUIRE(pb.ok());
  CHECK(*pa != *pb);
  EventLoop loop;
  HttpClient client(loop);
  auto got = call(client, make("GET", "http://127.0.0.1:" + std::to_string(*pa) + "/big"));
  CHECK(got.status == 200);
  CHECK(got.body.size() == big.size());
  CHECK(got.body == big);
  auto thrown = call(client, make("GET", "http://127.0.0.1:" + std::to_string(*pa) + "/throw"));
  CHECK(thrown.status == 500);
  auto who = call(client, make("GET", "http://127.0.0.1:" + std::to_string(*pb) + "/who"));
  CHECK(who.body == "b");
}

TEST_CASE("start() on a port in use fails with a message") {
  HttpServer first;
  auto p = first.start();
  REQUIRE(p.ok());
  HttpServerOptions opts;
  opts.port = *p;
  HttpServer second(opts);
  auto r = second.start();
  CHECK_FALSE(r.ok());
  if (!r.ok()) CHECK(r.error().code == Errc::io);
}

namespace {

// A throwaway self-signed certificate for 127.0.0.1 (openssl CLI); empty when that is unavailable.
std::string make_cert(const std::string &dir) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "/key.pem -out " + dir + "/cert.pem >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? dir : std::string();
}

}  // namespace

TEST_CASE("HTTPS: HTTP/2 with a trusted CA; an untrusted certificate is refused") {
  char tmpl[] = "/tmp/ca_tls_XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  if (make_cert(dir).empty()) {
    MESSAGE("openssl CLI not available: HTTPS test skipped");
    return;
  }
  HttpServerOptions opts;
  opts.tls_cert_file = dir + "/cert.pem";
  opts.tls_key_file = dir + "/key.pem";
  HttpServer server(opts);
  auto echo = [](const ServerRequest &r) { return ServerResponse::text(200, r.method + " " + r.param("n") + " " + r.body); };
  server.route("GET", "/v/{n}", echo);
  server.route("POST", "/v/{n}", echo);
  server.route("DELETE", "/v/{n}", [](const ServerRequest &) { return ServerResponse::text(204, ""); });
  auto port = server.start();
  REQUIRE(port.ok());
  const std::string base = "https://127.0.0.1:" + std::to_string(*port);

  EventLoop loop;
  {
    HttpClientOptions trusting;
    trusting.ca_file = dir + "/cert.pem";
    HttpClient client(loop, trusting);
    auto got = call(client, make("GET", base + "/v/1?q=2"));
    CHECK(got.result.ok());
    CHECK(got.result.http_version == 20);
    CHECK(got.body == "GET 1 ");
    HttpRequest post = make("POST", base + "/v/2", "payload");
    post.headers = {{"Content-Type", "text/plain"}};
    auto posted = call(client, post);
    CHECK(posted.result.ok());
    CHECK(posted.body == "POST 2 payload");
    // Empty bodies must still end their HTTP/2 stream.
    auto deleted = call(client, make("DELETE", base + "/v/2"));
    CHECK(deleted.result.ok());
    CHECK(deleted.status == 204);
    auto head = call(client, make("HEAD", base + "/v/5"));
    CHECK(head.result.ok());
    CHECK(head.status == 200);
    // Several at once over the one connection.
    std::mutex mu;
    std::condition_variable cv;
    int done = 0, ok = 0;
    for (int i = 0; i < 8; ++i) {
      HttpCallbacks cb;
      cb.on_complete = [&](const HttpResult &r) {
        std::lock_guard lock(mu);
        ++done;
        ok += r.ok() && r.http_version == 20;
        cv.notify_all();
      };
      client.request(make("GET", base + "/v/" + std::to_string(i)), cb);
    }
    std::unique_lock lock(mu);
    CHECK(cv.wait_for(lock, std::chrono::seconds(15), [&] { return done == 8; }));
    CHECK(ok == 8);
  }
  {
    HttpClient client(loop);  // the system store does not know our certificate
    auto refused = call(client, make("GET", base + "/v/3"));
    CHECK(refused.result.outcome == HttpOutcome::transport);
    CHECK(refused.result.attempts == 1);  // a verification failure is not retried
    CHECK(refused.status == 0);
  }
  std::system(("rm -rf " + dir).c_str());
}

namespace {

// A keep-alive connection over a raw socket, reading one Content-Length response at a time.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConn() { ::close(fd_); }
  bool ok() const { return ok_; }
  bool send(const std::string &s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // Reads until the head is complete and then the Content-Length body (none for HEAD); "" on EOF
  // or timeout.
  std::string read_response(bool head_only = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return {};
    std::string head = buf_.substr(0, end + 4);
    size_t length = 0;
    std::string lower_head = head;
    for (char &c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const size_t cl = lower_head.find("content-length:"); cl != std::string::npos && !head_only)
      length = std::stoul(head.substr(cl + 15));
    while (buf_.size() < end + 4 + length)
      if (!fill()) return {};
    std::string out = buf_.substr(0, end + 4 + length);
    buf_.erase(0, end + 4 + length);
    return out;
  }

 private:
  bool fill() {
    char tmp[4096];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

}  // namespace

TEST_CASE("keep-alive across a 413, and 100-continue answered for clients that wait for it") {
  HttpServerOptions opts;
  opts.max_body = 50;
  HttpServer server(opts);
  server.route("POST", "/echo", [](const ServerRequest &r) { return ServerResponse::text(200, "got:" + r.body); });
  server.route("GET", "/page", [](const ServerRequest &) { return ServerResponse::text(200, "content"); });
  auto port = server.start();
  REQUIRE(port.ok());
  RawConn c(*port);
  REQUIRE(c.ok());

  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  const std::string interim = c.read_response();
  CHECK(interim.rfind("HTTP/1.1 100", 0) == 0);  // before we send the body
  REQUIRE(c.send("hello"));
  const std::string first = c.read_response();
  CHECK(first.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(first.find("got:hello") != std::string::npos);

  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')));
  const std::string too_big = c.read_response();
  CHECK(too_big.rfind("HTTP/1.1 413", 0) == 0);

  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"));
  const std::string third = c.read_response();
  CHECK(third.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(third.find("got:ok") != std::string::npos);

  REQUIRE(c.send("HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string head = c.read_response(true);
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.find("content-length: 7") != std::string::npos);
  REQUIRE(c.send("GET /page HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string page = c.read_response();
  CHECK(page.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(page.find("\r\n\r\ncontent") != std::string::npos);

  // Asking for 100-continue with a body over the limit: 413 at once, and the connection closes.
  RawConn d(*port);
  REQUIRE(d.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n"));
  const std::string refused = d.read_response();
  CHECK(refused.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(d.read_response().empty());
}
