// AudioSocket wire format (protocols.md §A): a 3-byte header — kind, then the payload length as a
// big-endian u16 — and the payload. Audio payloads are PCM16 little-endian.
//
// Pure: depends on nothing but core, so it can be fuzzed alone.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ca::audiosocket {

constexpr size_t kHeaderSize = 3;
constexpr size_t kMaxPayload = 65535;
constexpr size_t kUuidSize = 16;
constexpr size_t kDefaultMaxAudioPayload = 8192;

namespace kind {
constexpr uint8_t hangup = 0x00;
constexpr uint8_t uuid = 0x01;
constexpr uint8_t silence = 0x02;  // defined only by the Go library; never sent by Asterisk
constexpr uint8_t dtmf = 0x03;
constexpr uint8_t slin8 = 0x10;
constexpr uint8_t slin12 = 0x11;
constexpr uint8_t slin16 = 0x12;
constexpr uint8_t slin24 = 0x13;
constexpr uint8_t slin32 = 0x14;
constexpr uint8_t slin44 = 0x15;
constexpr uint8_t slin48 = 0x16;
constexpr uint8_t slin96 = 0x17;
constexpr uint8_t slin192 = 0x18;
constexpr uint8_t error = 0xff;
}  // namespace kind

constexpr bool is_audio_kind(uint8_t k) { return k >= kind::slin8 && k <= kind::slin192; }

// The sample rate an audio kind carries, or 0 for a kind that is not audio.
int sample_rate_of_kind(uint8_t k);

// The audio kind for a sample rate, or 0 when AudioSocket has none for it.
uint8_t audio_kind_for_rate(int sample_rate);

// A short lower-case name for logs: "audio", "uuid", "dtmf", "hangup", "error", "unknown".
const char *kind_name(uint8_t k);

// One parsed message. The payload view is valid only inside the callback that receives it.
struct Message {
  uint8_t kind = 0;
  std::span<const uint8_t> payload;
};

enum class ParseError : uint8_t {
  none = 0,
  zero_length_audio,
  odd_length_audio,
  oversized_audio,
  bad_uuid_length,
};

const char *parse_error_text(ParseError e);

// Incremental parser: accepts the byte stream split anywhere, one byte at a time included.
// Complete messages inside one fed buffer are handed out without copying; a message split
// across feeds is assembled in an internal buffer. Framing is validated per kind: audio must be
// even, at least 2 and at most `max_audio_payload` bytes; a UUID must be 16 bytes. Other kinds
// (DTMF, hangup, error, unknown) are handed out as they are: the caller decides what they mean.
// After an error the parser stays failed and consumes nothing more.
class Parser {
 public:
  explicit Parser(size_t max_audio_payload = kDefaultMaxAudioPayload);

  // Parses `data`, calling `on_message(const Message&)` for each complete message. Returns the
  // error that stopped parsing (ParseError::none when all of `data` was consumed).
  template <class OnMessage>
  ParseError feed(std::span<const uint8_t> data, OnMessage &&on_message);

  ParseError error() const { return error_; }
  // True when no partial message is buffered (a clean place for the stream to end).
  bool at_boundary() const { return have_ == 0; }
  size_t max_audio_payload() const { return max_audio_; }

 private:
  ParseError validate(uint8_t k, size_t length) const;

  size_t max_audio_;
  std::array<uint8_t, kHeaderSize> header_{};
  std::vector<uint8_t> payload_;
  size_t have_ = 0;  // bytes of the current message buffered so far (header included)
  size_t need_ = 0;  // total size of the current message once its header is known
  ParseError error_ = ParseError::none;
};

// Writes header and payload into `out` (at least kHeaderSize + payload.size() bytes) and returns
// the number of bytes written; 0, writing nothing, when the payload exceeds kMaxPayload (its
// length would not fit the 16-bit field and the stream would be corrupt).
size_t serialize(uint8_t k, std::span<const uint8_t> payload, uint8_t *out);

// Writes an audio message from samples (little-endian on the wire, whatever the host order).
// 0, writing nothing, above kMaxPayload / 2 samples.
size_t serialize_audio(uint8_t k, std::span<const int16_t> samples, uint8_t *out);

// Convenience: header and payload as one buffer.
std::vector<uint8_t> encode(uint8_t k, std::span<const uint8_t> payload);

// Formats 16 raw UUID bytes as the canonical 36-character lower-case string.
std::string uuid_to_string(std::span<const uint8_t> raw);
// Parses a canonical UUID string into 16 raw bytes; false when it is not one.
bool uuid_from_string(const std::string &text, std::array<uint8_t, kUuidSize> &out);

// Decodes little-endian PCM16 bytes (even length) into samples.
void decode_samples(std::span<const uint8_t> bytes, int16_t *out);

// ---- implementation of the template ----

template <class OnMessage>
ParseError Parser::feed(std::span<const uint8_t> data, OnMessage &&on_message) {
  if (error_ != ParseError::none) return error_;
  size_t pos = 0;
  const size_t n = data.size();
  while (pos < n) {
    if (have_ == 0) {
      // Fast path: a whole message inside this buffer is handed out without a copy.
      if (n - pos >= kHeaderSize) {
        const uint8_t k = data[pos];
        const size_t len = (size_t{data[pos + 1]} << 8) | data[pos + 2];
        if (ParseError e = validate(k, len); e != ParseError::none) return error_ = e;
        if (n - pos - kHeaderSize >= len) {
          on_message(Message{k, data.subspan(pos + kHeaderSize, len)});
          pos += kHeaderSize + len;
          continue;
        }
      }
    }
    // Slow path: assemble the header, then the payload, across feeds.
    if (have_ < kHeaderSize) {
      header_[have_++] = data[pos++];
      if (have_ == kHeaderSize) {
        const size_t len = (size_t{header_[1]} << 8) | header_[2];
        if (ParseError e = validate(header_[0], len); e != ParseError::none) return error_ = e;
        need_ = kHeaderSize + len;
        payload_.clear();
        payload_.reserve(len);
      }
    } else {
      const size_t take = std::min(need_ - have_, n - pos);
      payload_.insert(payload_.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                      data.begin() + static_cast<std::ptrdiff_t>(pos + take));
      have_ += take;
      pos += take;
    }
    if (have_ >= kHeaderSize && have_ == need_) {
      have_ = 0;
      need_ = 0;
      on_message(Message{header_[0], std::span<const uint8_t>(payload_)});
    }
  }
  return ParseError::none;
}

}  // namespace ca::audiosocket
