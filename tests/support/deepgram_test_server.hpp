// A local Deepgram live server (WebSocket, /v1/listen) for client tests: raw POSIX sockets on
// 127.0.0.1 port 0, an acceptor thread and a thread per connection, a minimal RFC 6455 server
// (handshake, masked client frames, fragmentation, ping, close).
//
// It records what the client sent — the upgrade request (path, query, headers), binary audio
// bytes, text frames, whether a close frame came — and sends what the test scripts: text
// messages split into continuation frames of `fragment_size` bytes and written to the socket
// `write_chunk` bytes at a time, a close frame with a code and reason, a cut (TCP close with no
// close frame), or a refused upgrade (401, 429 with Retry-After ...). On {"type":"CloseStream"}
// it sends the messages given to on_close_stream() and closes normally, as Deepgram does.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "support/http_test_server.hpp"

namespace ca::test {

namespace ws_detail {

inline std::array<uint8_t, 20> sha1(std::string_view data) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m(data);
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  m += static_cast<char>(0x80);
  while (m.size() % 64 != 56) m += '\0';
  for (int i = 7; i >= 0; --i) m += static_cast<char>(bits >> (i * 8) & 0xFF);
  auto rol = [](uint32_t x, int n) { return x << n | x >> (32 - n); };
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      const auto *p = reinterpret_cast<const uint8_t *>(m.data() + off + static_cast<size_t>(i) * 4);
      w[i] = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    }
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      const uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  std::array<uint8_t, 20> out{};
  for (int i = 0; i < 20; ++i) out[static_cast<size_t>(i)] = static_cast<uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

inline std::string base64(const uint8_t *p, size_t n) {
  static constexpr char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += kA[v >> 18 & 63];
    out += kA[v >> 12 & 63];
    out += i + 1 < n ? kA[v >> 6 & 63] : '=';
    out += i + 2 < n ? kA[v & 63] : '=';
  }
  return out;
}

}  // namespace ws_detail

class DeepgramTestServer {
 public:
  struct Refusal {
    int status = 401;
    std::vector<HttpHeader> headers;
    std::string body;
  };

  // What one connection brought.
  struct Connection {
    ReceivedRequest upgrade;            // path, query, headers
    bool upgraded = false;
    std::string audio;                  // binary payloads, concatenated
    std::vector<std::string> texts;     // text messages, whole
    bool close_frame = false;           // the client sent a close frame
    bool unmasked_frame = false;        // a protocol violation by the client
    bool ended = false;                 // the TCP connection is over
  };

  DeepgramTestServer() {
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
      std::perror("DeepgramTestServer bind/listen");
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~DeepgramTestServer() { stop(); }
  DeepgramTestServer(const DeepgramTestServer &) = delete;
  DeepgramTestServer &operator=(const DeepgramTestServer &) = delete;

  std::string base_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

  // Knobs for what the server writes (set before the client connects).
  void set_fragment_size(size_t n) { fragment_size_ = n; }
  void set_write_chunk(size_t n) { write_chunk_ = n; }
  // The next connection's upgrade is refused with this.
  void refuse_next(Refusal r) {
    std::lock_guard lock(mu_);
    refusal_ = std::move(r);
  }
  // Sent in reply to CloseStream, then a normal close (1000). close = false: only the messages.
  void on_close_stream(std::vector<std::string> messages, bool close = true) {
    std::lock_guard lock(mu_);
    close_stream_reply_ = std::move(messages);
    close_on_close_stream_ = close;
  }

  // ---- actions on connection `index` (0 = the first) ----
  bool send_text(size_t index, std::string_view message) {
    auto c = conn(index);
    return c && send_message(*c, 0x1, message);
  }
  bool send_close(size_t index, int code, std::string_view reason) {
    auto c = conn(index);
    return c && send_close_frame(*c, code, reason);
  }
  // Ends the TCP connection without a close frame.
  void cut(size_t index) {
    if (auto c = conn(index)) ::shutdown(c->fd, SHUT_RDWR);
  }

  // ---- observations ----
  Connection connection(size_t index) const {
    std::lock_guard lock(mu_);
    return index < conns_.size() ? conns_[index]->seen : Connection{};
  }
  size_t connection_count() const {
    std::lock_guard lock(mu_);
    return conns_.size();
  }
  // Waits until `pred` holds for the recorded state (or 10 s pass); the test then asserts.
  bool wait(const std::function<bool()> &pred, Nanos timeout = seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::nanoseconds(timeout), [&] {
      lock.unlock();
      const bool ok = pred();
      lock.lock();
      return ok;
    });
  }
  bool wait_for_connection(size_t n) {
    return wait([&] { return connection_count() >= n && connection(n - 1).upgraded; });
  }
  bool wait_for_audio(size_t index, size_t bytes) {
    return wait([&] { return connection(index).audio.size() >= bytes; });
  }
  // Until some text message of connection `index` contains `needle`.
  bool wait_for_text(size_t index, std::string_view needle) {
    return wait([&] {
      for (const auto &t : connection(index).texts)
        if (t.find(needle) != std::string::npos) return true;
      return false;
    });
  }
  bool wait_for_end(size_t index) {
    return wait([&] { return connection(index).ended; });
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    const uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto &t : threads) t.join();
    std::lock_guard lock(mu_);
    for (auto &c : conns_) ::close(c->fd);
    ::close(listen_fd_);
    ::close(stop_fd_);
  }

 private:
  struct Conn {
    int fd = -1;
    std::mutex write_mu;
    bool close_sent = false;
    Connection seen;  // guarded by the server's mu_
  };

  std::shared_ptr<Conn> conn(size_t index) const {
    std::lock_guard lock(mu_);
    return index < conns_.size() ? conns_[index] : nullptr;
  }

  bool readable(int fd) const {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    for (;;) {
      const int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      return n > 0 && fds[1].revents == 0;
    }
  }

  bool write_raw(Conn &c, std::string_view data) {
    const size_t chunk = write_chunk_.load();
    const size_t piece = chunk > 0 ? chunk : data.size();
    while (!data.empty()) {
      const ssize_t n = ::send(c.fd, data.data(), std::min(piece, data.size()), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  static std::string frame(bool fin, uint8_t opcode, std::string_view payload) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | opcode);
    if (payload.size() < 126) {
      f += static_cast<char>(payload.size());
    } else if (payload.size() <= 0xFFFF) {
      f += static_cast<char>(126);
      f += static_cast<char>(payload.size() >> 8 & 0xFF);
      f += static_cast<char>(payload.size() & 0xFF);
    } else {
      f += static_cast<char>(127);
      for (int i = 7; i >= 0; --i) f += static_cast<char>(static_cast<uint64_t>(payload.size()) >> (i * 8) & 0xFF);
    }
    f += payload;
    return f;
  }

  bool send_message(Conn &c, uint8_t opcode, std::string_view message) {
    std::lock_guard lock(c.write_mu);
    if (c.close_sent) return false;
    const size_t fragment = fragment_size_.load();
    const size_t piece = fragment > 0 ? fragment : std::max<size_t>(message.size(), 1);
    bool first = true;
    do {
      const std::string_view part = message.substr(0, std::min(piece, message.size()));
      message.remove_prefix(part.size());
      if (!write_raw(c, frame(message.empty(), first ? opcode : 0x0, part))) return false;
      first = false;
    } while (!message.empty());
    return true;
  }

  bool send_close_frame(Conn &c, int code, std::string_view reason) {
    std::lock_guard lock(c.write_mu);
    if (c.close_sent) return false;
    c.close_sent = true;
    std::string payload;
    payload += static_cast<char>(code >> 8 & 0xFF);
    payload += static_cast<char>(code & 0xFF);
    payload += reason;
    return write_raw(c, frame(true, 0x8, payload));
  }

  void accept_loop() {
    for (;;) {
      if (!readable(listen_fd_)) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_shared<Conn>();
      c->fd = fd;
      std::lock_guard lock(mu_);
      conns_.push_back(c);
      threads_.emplace_back([this, c] {
        serve(*c);
        ::shutdown(c->fd, SHUT_RDWR);
        std::lock_guard l(mu_);
        c->seen.ended = true;
        cv_.notify_all();
      });
    }
  }

  // Reads at least `n` bytes into `buf`; false at EOF or stop.
  bool fill(Conn &c, std::string &buf, size_t n) {
    char tmp[16384];
    while (buf.size() < n) {
      if (!readable(c.fd)) return false;
      const ssize_t got = ::recv(c.fd, tmp, sizeof tmp, 0);
      if (got <= 0) return false;
      buf.append(tmp, static_cast<size_t>(got));
    }
    return true;
  }

  void serve(Conn &c) {
    std::string buf;
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!fill(c, buf, buf.size() + 1)) return;
    ReceivedRequest req;
    const std::string head = buf.substr(0, end);
    buf.erase(0, end + 4);
    const size_t line_end = head.find("\r\n");
    const std::string line = head.substr(0, line_end);
    const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string h = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      const size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::string value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      req.headers.push_back({h.substr(0, colon), value});
    }
    std::optional<Refusal> refusal;
    {
      std::lock_guard lock(mu_);
      c.seen.upgrade = req;
      refusal.swap(refusal_);
      cv_.notify_all();
    }
    if (refusal) {
      std::string answer = "HTTP/1.1 " + std::to_string(refusal->status) + " Refused\r\n";
      for (const auto &h : refusal->headers) answer += h.name + ": " + h.value + "\r\n";
      answer += "Content-Length: " + std::to_string(refusal->body.size()) + "\r\nConnection: close\r\n\r\n" + refusal->body;
      std::lock_guard lock(c.write_mu);
      write_raw(c, answer);
      return;
    }
    const std::string key = req.header_value("Sec-WebSocket-Key");
    const auto digest = ws_detail::sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    {
      std::lock_guard lock(c.write_mu);
      if (!write_raw(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: " + ws_detail::base64(digest.data(), digest.size()) + "\r\n\r\n"))
        return;
    }
    {
      std::lock_guard lock(mu_);
      c.seen.upgraded = true;
      cv_.notify_all();
    }
    std::string message;
    uint8_t message_opcode = 0;
    for (;;) {
      if (!fill(c, buf, 2)) return;
      const auto b0 = static_cast<uint8_t>(buf[0]), b1 = static_cast<uint8_t>(buf[1]);
      const bool fin = b0 & 0x80;
      const uint8_t opcode = b0 & 0x0F;
      const bool masked = b1 & 0x80;
      uint64_t len = b1 & 0x7F;
      size_t at = 2;
      if (len == 126) {
        if (!fill(c, buf, 4)) return;
        len = uint64_t{static_cast<uint8_t>(buf[2])} << 8 | static_cast<uint8_t>(buf[3]);
        at = 4;
      } else if (len == 127) {
        if (!fill(c, buf, 10)) return;
        len = 0;
        for (int i = 0; i < 8; ++i) len = len << 8 | static_cast<uint8_t>(buf[2 + static_cast<size_t>(i)]);
        at = 10;
      }
      uint8_t mask[4] = {0, 0, 0, 0};
      if (masked) {
        if (!fill(c, buf, at + 4)) return;
        for (size_t i = 0; i < 4; ++i) mask[i] = static_cast<uint8_t>(buf[at + i]);
        at += 4;
      }
      if (!fill(c, buf, at + len)) return;
      std::string payload = buf.substr(at, len);
      buf.erase(0, at + len);
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
      if (!masked) {
        std::lock_guard lock(mu_);
        c.seen.unmasked_frame = true;
      }
      if (opcode == 0x8) {
        {
          std::lock_guard lock(mu_);
          c.seen.close_frame = true;
          cv_.notify_all();
        }
        send_close_frame(c, 1000, "");
        return;
      }
      if (opcode == 0x9) {
        std::lock_guard lock(c.write_mu);
        write_raw(c, frame(true, 0xA, payload));
        continue;
      }
      if (opcode == 0xA) continue;
      if (opcode != 0x0) message_opcode = opcode;
      message += payload;
      if (!fin) continue;
      bool close_stream = false;
      {
        std::lock_guard lock(mu_);
        if (message_opcode == 0x2) {
          c.seen.audio += message;
        } else {
          c.seen.texts.push_back(message);
          if (auto v = json::parse(message)) close_stream = (*v)["type"].str() == "CloseStream";
        }
        cv_.notify_all();
      }
      message.clear();
      if (close_stream) {
        std::vector<std::string> reply;
        bool close = false;
        {
          std::lock_guard lock(mu_);
          reply = close_stream_reply_;
          close = close_on_close_stream_;
        }
        for (const auto &m : reply) send_message(c, 0x1, m);
        if (close) send_close_frame(c, 1000, "");
      }
    }
  }

  int listen_fd_ = -1;
  int stop_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<size_t> fragment_size_{0};
  std::atomic<size_t> write_chunk_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Conn>> conns_;
  std::vector<std::thread> threads_;
  std::optional<Refusal> refusal_;
  std::vector<std::string> close_stream_reply_;
  bool close_on_close_stream_ = true;
};

}  // namespace ca::test
