// A scripted HTTP/1.1 server for client tests and for the vendors' test servers (SSE streams):
// raw POSIX sockets on 127.0.0.1, port 0, an acceptor thread and one thread per connection, so a
// stalled reply never holds up another connection.
//
// Each request gets the next scripted Reply (push()), or the handler's when the script is empty.
// A Reply can stream its body in N-byte pieces (1 byte too) with delays, wait on a Gate the test
// opens, stall, cut the connection mid-body, or drop it without answering; bodies go with
// Content-Length, chunked, or until close. Every request is recorded (method, target, headers,
// body, which connection, when) so tests can assert what the client sent.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"

namespace ca::test {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct ReceivedRequest {
  std::string method;
  std::string target;  // as sent: "/p?q", or "http://host:port/p?q" when we are someone's proxy
  std::string path;    // the target's path
  std::string query;   // after '?', without it
  std::vector<HttpHeader> headers;
  std::string body;      // de-chunked
  int connection = 0;    // which TCP connection (1 = the first accepted)
  Nanos received_at = 0; // monotonic, when the request was complete

  const std::string *header(std::string_view name) const {
    for (const auto &h : headers) {
      if (h.name.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < name.size() && same; ++i)
        same = std::tolower(static_cast<unsigned char>(h.name[i])) == std::tolower(static_cast<unsigned char>(name[i]));
      if (same) return &h.value;
    }
    return nullptr;
  }
  // The header's value, or "" when absent.
  std::string header_value(std::string_view name) const {
    const std::string *v = header(name);
    return v ? *v : std::string();
  }
};

// A latch the test opens to let a waiting reply continue.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool is_open() const {
    std::lock_guard lock(mu_);
    return open_;
  }
  // Waits up to `slice`; true once open.
  bool wait_for(Nanos slice) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::nanoseconds(slice), [&] { return open_; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

struct Reply {
  enum class Framing { content_length, chunked, until_close };

  // One piece of the body: after `delay`, and after `gate` (if any) opens, `data` is written
  // (split by chunk_size).
  struct Part {
    std::string data;
    Nanos delay = 0;
    std::shared_ptr<Gate> gate;
  };

  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;         // used when `parts` is empty
  std::vector<Part> parts;  // the body as timed pieces
  Framing framing = Framing::content_length;
  size_t chunk_size = 0;    // write the body this many bytes at a time (0 = a part per write)
  Nanos chunk_delay = 0;    // pause between those writes
  Nanos delay = 0;          // pause before the status line
  bool drop = false;        // close the connection without answering
  bool stall = false;       // answer nothing; hold the connection until the client leaves
  size_t stall_after = std::string::npos;  // send headers and this many body bytes, then hold
  size_t cut_after = std::string::npos;    // send headers and this many body bytes, then close
  bool close = false;       // "Connection: close" and close after this reply

  static Reply text(int status, std::string body, std::string content_type = "text/plain") {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    r.headers.push_back({"Content-Type", std::move(content_type)});
    return r;
  }
  static Reply json(int status, std::string body) { return text(status, std::move(body), "application/json"); }
  // e.g. retry_after(429, "1") or retry_after(503, "Wed, 21 Oct 2015 07:28:00 GMT").
  static Reply retry_after(int status, std::string value, std::string body = "busy") {
    Reply r = text(status, std::move(body));
    r.headers.push_back({"Retry-After", std::move(value)});
    return r;
  }
  // A server-sent-events stream, chunked: each element is written as one part (give whole events,
  // "data: ...\n\n", or split them to test a parser).
  static Reply sse(std::vector<std::string> events, Nanos gap = 0) {
    Reply r;
    r.headers.push_back({"Content-Type", "text/event-stream"});
    r.headers.push_back({"Cache-Control", "no-cache"});
    r.framing = Framing::chunked;
    for (auto &e : events) r.parts.push_back({std::move(e), gap, nullptr});
    return r;
  }
};

class HttpTestServer {
 public:
  using Handler = std::function<Reply(const ReceivedRequest &)>;

  // Listens on 127.0.0.1, port 0. Without a handler, an unscripted request gets 200 "ok".
  explicit HttpTestServer(Handler handler = {}) : handler_(std::move(handler)) {
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
      std::perror("HttpTestServer bind/listen");
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~HttpTestServer() { stop(); }

  HttpTestServer(const HttpTestServer &) = delete;
  HttpTestServer &operator=(const HttpTestServer &) = delete;

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  // Queues a reply for the next request that arrives (in order).
  void push(Reply r) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(r));
  }
  void set_handler(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  int connections() const {
    std::lock_guard lock(mu_);
    return connections_;
  }
  // Connections the client closed (EOF or reset seen while reading or stalling).
  int peer_closes() const {
    std::lock_guard lock(mu_);
    return peer_closes_;
  }

  bool wait_for_requests(size_t n, Nanos timeout = seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::nanoseconds(timeout), [&] { return requests_.size() >= n; });
  }
  bool wait_for_peer_closes(int n, Nanos timeout = seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::nanoseconds(timeout), [&] { return peer_closes_ >= n; });
  }

  // Closes the listener and every connection, and joins the threads. Idempotent.
  void stop() {
    if (stopped_.exchange(true)) return;
    const uint64_t one = 1;
    if (stop_fd_ >= 0) (void)!::write(stop_fd_, &one, sizeof one);
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto &t : threads) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
    listen_fd_ = stop_fd_ = -1;
  }

 private:
  enum class Wait { ready, stopped, timeout };

  // Waits for `fd` to be readable, the server to stop, or `timeout` (< 0: forever).
  Wait wait_readable(int fd, Nanos timeout) const {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int ms = timeout < 0 ? -1 : static_cast<int>((timeout + kNanosPerMilli - 1) / kNanosPerMilli);
    for (;;) {
      const int n = ::poll(fds, 2, ms);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Wait::timeout;
      if (fds[1].revents) return Wait::stopped;
      return Wait::ready;
    }
  }

  // A pause that ends early when the server stops. False if it stopped.
  bool pause(Nanos d) const {
    if (d <= 0) return !stopped_;
    pollfd p{stop_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d / kNanosPerMilli));
    return !stopped_;
  }

  void accept_loop() {
    for (;;) {
      if (wait_readable(listen_fd_, -1) != Wait::ready) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mu_);
      const int index = ++connections_;
      threads_.emplace_back([this, fd, index] {
        serve(fd, index);
        ::close(fd);
      });
    }
  }

  void note_peer_close() {
    std::lock_guard lock(mu_);
    ++peer_closes_;
    cv_.notify_all();
  }

  // Reads more into `buf`. False at EOF, on error, or when stopping (peer_closed says which).
  bool fill(int fd, std::string &buf, bool &peer_closed) {
    peer_closed = false;
    if (wait_readable(fd, -1) != Wait::ready) return false;
    char tmp[16384];
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      peer_closed = true;
      return false;
    }
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  }

  static bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Holds the connection, discarding input, until the client closes it or the server stops.
  void hold(int fd) {
    char tmp[4096];
    for (;;) {
      if (wait_readable(fd, -1) != Wait::ready) return;
      if (::recv(fd, tmp, sizeof tmp, 0) <= 0) {
        note_peer_close();
        return;
      }
    }
  }

  static std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  // Parses one request out of `buf` (reading more as needed). False when the connection ended.
  bool read_request(int fd, std::string &buf, ReceivedRequest &req, bool &peer_closed) {
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!fill(fd, buf, peer_closed)) return false;
    const std::string head = buf.substr(0, end);
    buf.erase(0, end + 4);
    size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return false;
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string rest = req.target;
    if (const size_t scheme = rest.find("://"); scheme != std::string::npos) {
      const size_t slash = rest.find('/', scheme + 3);
      rest = slash == std::string::npos ? "/" : rest.substr(slash);
    }
    const size_t q = rest.find('?');
    req.path = rest.substr(0, q);
    req.query = q == std::string::npos ? "" : rest.substr(q + 1);
    while (pos != std::string::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string h = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      const size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::string value = h.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      req.headers.push_back({h.substr(0, colon), value});
    }
    if (const auto *expect = req.header("Expect"); expect && lower(*expect) == "100-continue")
      send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    const auto *te = req.header("Transfer-Encoding");
    if (te && lower(*te).find("chunked") != std::string::npos) {
      for (;;) {
        size_t eol;
        while ((eol = buf.find("\r\n")) == std::string::npos)
          if (!fill(fd, buf, peer_closed)) return false;
        const size_t size = std::stoul(buf.substr(0, eol), nullptr, 16);
        buf.erase(0, eol + 2);
        if (size == 0) {
          // Trailers (none expected) end with an empty line.
          while ((eol = buf.find("\r\n")) == std::string::npos)
            if (!fill(fd, buf, peer_closed)) return false;
          buf.erase(0, eol + 2);
          break;
        }
        while (buf.size() < size + 2)
          if (!fill(fd, buf, peer_closed)) return false;
        req.body.append(buf, 0, size);
        buf.erase(0, size + 2);
      }
    } else if (const auto *cl = req.header("Content-Length")) {
      const size_t size = std::stoul(*cl);
      while (buf.size() < size)
        if (!fill(fd, buf, peer_closed)) return false;
      req.body = buf.substr(0, size);
      buf.erase(0, size);
    }
    return true;
  }

  static const char *reason(int status) {
    switch (status) {
      case 100: return "Continue";
      case 200: return "OK";
      case 201: return "Created";
      case 204: return "No Content";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 404: return "Not Found";
      case 413: return "Payload Too Large";
      case 429: return "Too Many Requests";
      case 500: return "Internal Server Error";
      case 502: return "Bad Gateway";
      case 503: return "Service Unavailable";
      case 504: return "Gateway Timeout";
      case 529: return "Overloaded";
      default: return "Status";
    }
  }

  // Writes `data` of the body, honouring chunking, pacing and the stall/cut points; anything but
  // Sent::ok ends the reply and the connection.
  enum class Sent { ok, stopped, held, cut, peer_closed };
  Sent write_body(int fd, const Reply &r, std::string_view data, size_t &sent) {
    const size_t piece = r.chunk_size > 0 ? r.chunk_size : std::max<size_t>(data.size(), 1);
    bool first = true;
    while (!data.empty()) {
      size_t n = std::min(piece, data.size());
      const size_t limit = std::min(r.stall_after, r.cut_after);
      if (limit != std::string::npos) {
        if (sent >= limit) return r.stall_after <= r.cut_after ? Sent::held : Sent::cut;
        n = std::min(n, limit - sent);
      }
      if (!first && r.chunk_delay > 0 && !pause(r.chunk_delay)) return Sent::stopped;
      first = false;
      const std::string_view out = data.substr(0, n);
      bool ok;
      if (r.framing == Reply::Framing::chunked) {
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
        ok = send_all(fd, std::string(size_line) + std::string(out) + "\r\n");
      } else {
        ok = send_all(fd, out);
      }
      if (!ok) return Sent::peer_closed;
      sent += n;
      data.remove_prefix(n);
    }
    const size_t limit = std::min(r.stall_after, r.cut_after);
    if (limit != std::string::npos && sent >= limit) return r.stall_after <= r.cut_after ? Sent::held : Sent::cut;
    return Sent::ok;
  }

  // Sends `r`; false when the connection must close afterwards.
  bool answer(int fd, const Reply &r, const ReceivedRequest &req) {
    if (r.delay > 0 && !pause(r.delay)) return false;
    if (r.drop) return false;
    if (r.stall) {
      hold(fd);
      return false;
    }
    std::string total_body;
    if (r.parts.empty()) total_body = r.body;
    else
      for (const auto &p : r.parts) total_body += p.data;
    const bool close = r.close || r.framing == Reply::Framing::until_close;
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
    for (const auto &h : r.headers) head += h.name + ": " + h.value + "\r\n";
    if (r.framing == Reply::Framing::content_length)
      head += "Content-Length: " + std::to_string(total_body.size()) + "\r\n";
    else if (r.framing == Reply::Framing::chunked)
      head += "Transfer-Encoding: chunked\r\n";
    if (close) head += "Connection: close\r\n";
    head += "\r\n";
    if (!send_all(fd, head)) {
      note_peer_close();
      return false;
    }
    if (req.method == "HEAD") return !close;

    size_t sent = 0;
    Sent result = Sent::ok;
    if (r.parts.empty()) {
      result = write_body(fd, r, r.body, sent);
    } else {
      for (const auto &p : r.parts) {
        if (p.delay > 0 && !pause(p.delay)) return false;
        if (p.gate) {
          while (!p.gate->wait_for(millis(20)))
            if (stopped_) return false;
        }
        result = write_body(fd, r, p.data, sent);
        if (result != Sent::ok) break;
      }
    }
    if (result == Sent::held) {
      hold(fd);
      return false;
    }
    if (result == Sent::peer_closed) note_peer_close();
    if (result != Sent::ok) return false;
    if (r.framing == Reply::Framing::chunked && !send_all(fd, "0\r\n\r\n")) return false;
    return !close;
  }

  void serve(int fd, int index) {
    std::string buf;
    for (;;) {
      ReceivedRequest req;
      bool peer_closed = false;
      if (!read_request(fd, buf, req, peer_closed)) {
        if (peer_closed) note_peer_close();
        return;
      }
      req.connection = index;
      req.received_at = monotonic_now();
      Reply reply;
      {
        std::unique_lock lock(mu_);
        requests_.push_back(req);
        cv_.notify_all();
        if (!script_.empty()) {
          reply = std::move(script_.front());
          script_.pop_front();
        } else if (handler_) {
          Handler h = handler_;
          lock.unlock();
          reply = h(req);
        } else {
          reply = Reply::text(200, "ok");
        }
      }
      if (!answer(fd, reply, req)) return;
      const auto *conn = req.header("Connection");
      if (conn && lower(*conn) == "close") return;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread acceptor_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Reply> script_;
  std::vector<ReceivedRequest> requests_;
  std::vector<std::thread> threads_;
  int connections_ = 0;
  int peer_closes_ = 0;
};

}  // namespace ca::test
