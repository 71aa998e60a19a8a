// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash that is a pseudorandom
// function, used where a hash must not be invertible without its key (anonymised callers) or
// must spread callers evenly and stably (sticky A/B assignment).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ca::journal {

inline uint64_t siphash24(const std::array<uint64_t, 2> &key, std::string_view data) {
  auto rotl = [](uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
  uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
  auto round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  const size_t n = data.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t m = 0;
    for (size_t k = 0; k < 8; ++k) m |= uint64_t{static_cast<unsigned char>(data[i + k])} << (8 * k);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  uint64_t last = uint64_t{n & 0xff} << 56;
  for (size_t k = 0; i + k < n; ++k) last |= uint64_t{static_cast<unsigned char>(data[i + k])} << (8 * k);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// The digits of a phone number, so "+380 67 123-45-67" and "380671234567" are one caller. A
// number with no digits is kept as it is.
inline std::string_view phone_digits(std::string_view number, std::string &buffer) {
  buffer.clear();
  for (char c : number) {
    if (c >= '0' && c <= '9') buffer += c;
  }
  return buffer.empty() ? number : std::string_view(buffer);
}

}  // namespace ca::journal
