// An Asterisk-like AudioSocket peer for tests: a blocking TCP client on 127.0.0.1 with a receive
// timeout, writing each message with one send() as Asterisk does.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "transport/audiosocket_codec.hpp"

namespace ca::test {

struct Received {
  uint8_t kind = 0;
  std::vector<uint8_t> payload;
  Nanos at = 0;  // monotonic time of receipt
};

class Client {
 public:
  // `rcvbuf` > 0 sets SO_RCVBUF before connecting (a small window: a peer that reads slowly).
  explicit Client(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
      connect_errno_ = errno;
      ::close(fd_);
      fd_ = -1;
      return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { close(); }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  int fd() const { return fd_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send_raw(std::span<const uint8_t> bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  bool send_msg(uint8_t kind, std::span<const uint8_t> payload) {
    return send_raw(audiosocket::encode(kind, payload));
  }
  bool send_uuid(const std::string &uuid = "0f8e1c4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b") {
    std::array<uint8_t, audiosocket::kUuidSize> raw{};
    if (!audiosocket::uuid_from_string(uuid, raw)) throw std::runtime_error("bad uuid");
    return send_msg(audiosocket::kind::uuid, raw);
  }
  bool send_audio(uint8_t kind, std::span<const int16_t> samples) {
    std::vector<uint8_t> buf(audiosocket::kHeaderSize + samples.size() * 2);
    audiosocket::serialize_audio(kind, samples, buf.data());
    return send_raw(buf);
  }

  // The next whole message, or nullopt on EOF, reset or when nothing arrives within `timeout`.
  // eof() tells which.
  std::optional<Received> next(Nanos timeout = seconds(2)) {
    const Nanos deadline = monotonic_now() + timeout;
    for (;;) {
      if (!pending_.empty()) {
        Received r = std::move(pending_.front());
        pending_.erase(pending_.begin());
        return r;
      }
      if (fd_ < 0 || eof_) return std::nullopt;
      const Nanos left = deadline - monotonic_now();
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left / kNanosPerMilli) + 1) <= 0) continue;
      uint8_t buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        reset_ = n < 0 && errno == ECONNRESET;
        continue;
      }
      const Nanos at = monotonic_now();
      const auto e = parser_.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)),
                                  [&](const audiosocket::Message &m) {
                                    pending_.push_back(Received{m.kind, {m.payload.begin(), m.payload.end()}, at});
                                  });
      if (e != audiosocket::ParseError::none) throw std::runtime_error("server sent a malformed stream");
    }
  }

  // Reads until EOF (or the timeout); returns everything received.
  std::vector<Received> drain_until_eof(Nanos timeout = seconds(3)) {
    std::vector<Received> all;
    const Nanos deadline = monotonic_now() + timeout;
    while (monotonic_now() < deadline) {
      auto m = next(deadline - monotonic_now());
      if (!m) break;
      all.push_back(std::move(*m));
    }
    return all;
  }

  bool eof() const { return eof_ && pending_.empty(); }
  bool reset() const { return reset_; }

 private:
  int fd_ = -1;
  int connect_errno_ = 0;
  bool eof_ = false;
  bool reset_ = false;
  audiosocket::Parser parser_{audiosocket::kMaxPayload};
  std::vector<Received> pending_;
};

}  // namespace ca::test
