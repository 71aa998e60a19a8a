#include "transport/audiosocket_codec.hpp"

#include <bit>
#include <cstring>

namespace ca::audiosocket {

namespace {
constexpr int kRates[] = {8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000};
}

int sample_rate_of_kind(uint8_t k) { return is_audio_kind(k) ? kRates[k - kind::slin8] : 0; }

uint8_t audio_kind_for_rate(int sample_rate) {
  for (size_t i = 0; i < std::size(kRates); ++i) {
    if (kRates[i] == sample_rate) return static_cast<uint8_t>(kind::slin8 + i);
  }
  return 0;
}

const char *kind_name(uint8_t k) {
  if (is_audio_kind(k)) return "audio";
  switch (k) {
    case kind::hangup: return "hangup";
    case kind::uuid: return "uuid";
    case kind::silence: return "silence";
    case kind::dtmf: return "dtmf";
    case kind::error: return "error";
    default: return "unknown";
  }
}

const char *parse_error_text(ParseError e) {
  switch (e) {
    case ParseError::none: return "no error";
    case ParseError::zero_length_audio: return "audio message with zero length";
    case ParseError::odd_length_audio: return "audio message with an odd length";
    case ParseError::oversized_audio: return "audio message longer than the configured maximum";
    case ParseError::bad_uuid_length: return "UUID message whose length is not 16";
  }
  return "unknown parse error";
}

Parser::Parser(size_t max_audio_payload)
    : max_audio_(max_audio_payload > kMaxPayload ? kMaxPayload : max_audio_payload) {}

ParseError Parser::validate(uint8_t k, size_t length) const {
  if (is_audio_kind(k)) {
    if (length == 0) return ParseError::zero_length_audio;
    if (length % 2 != 0) return ParseError::odd_length_audio;
    if (length > max_audio_) return ParseError::oversized_audio;
  } else if (k == kind::uuid && length != kUuidSize) {
    return ParseError::bad_uuid_length;
  }
  return ParseError::none;
}

size_t serialize(uint8_t k, std::span<const uint8_t> payload, uint8_t *out) {
  const size_t len = payload.size();
  if (len > kMaxPayload) return 0;
  out[0] = k;
  out[1] = static_cast<uint8_t>(len >> 8);
  out[2] = static_cast<uint8_t>(len & 0xff);
  if (len != 0) std::memcpy(out + kHeaderSize, payload.data(), len);
  return kHeaderSize + len;
}

size_t serialize_audio(uint8_t k, std::span<const int16_t> samples, uint8_t *out) {
  const size_t len = samples.size() * 2;
  if (len > kMaxPayload) return 0;
  out[0] = k;
  out[1] = static_cast<uint8_t>(len >> 8);
  out[2] = static_cast<uint8_t>(len & 0xff);
  uint8_t *p = out + kHeaderSize;
  if constexpr (std::endian::native == std::endian::little) {
    if (len != 0) std::memcpy(p, samples.data(), len);
  } else {
    for (int16_t s : samples) {
      const auto u = static_cast<uint16_t>(s);
      *p++ = static_cast<uint8_t>(u & 0xff);
      *p++ = static_cast<uint8_t>(u >> 8);
    }
  }
  return kHeaderSize + len;
}

std::vector<uint8_t> encode(uint8_t k, std::span<const uint8_t> payload) {
  std::vector<uint8_t> out(kHeaderSize + payload.size());
  out.resize(serialize(k, payload, out.data()));
  return out;
}

void decode_samples(std::span<const uint8_t> bytes, int16_t *out) {
  const size_t n = bytes.size() / 2;
  if constexpr (std::endian::native == std::endian::little) {
    if (n != 0) std::memcpy(out, bytes.data(), n * 2);
  } else {
    for (size_t i = 0; i < n; ++i) {
      out[i] = static_cast<int16_t>(uint16_t{bytes[2 * i]} | uint16_t(bytes[2 * i + 1] << 8));
    }
  }
}

std::string uuid_to_string(std::span<const uint8_t> raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < raw.size() && i < kUuidSize; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[raw[i] >> 4]);
    s.push_back(kHex[raw[i] & 0xf]);
  }
  return s;
}

bool uuid_from_string(const std::string &text, std::array<uint8_t, kUuidSize> &out) {
  if (text.size() != 36) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  size_t b = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      ++i;
      continue;
    }
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[b++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return b == kUuidSize;
}

}  // namespace ca::audiosocket
