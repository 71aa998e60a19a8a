#include "audio/g711.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>

namespace ca::audio {

namespace {

// The encoders depend on the input only through x >> 2 (mu-law) or x >> 4 (A-law): for the
// negative side ~x >> k == ~(x >> k) with arithmetic shifts. So 14-bit and 12-bit indexed
// tables (16 KiB + 4 KiB, built at compile time) replace the segment search.
constexpr size_t kUlawIndexBits = 14;
constexpr size_t kAlawIndexBits = 12;

// The segment is found from the position of the leading one rather than by a search loop, so the
// tables are computed independently of the reference code the tests compare them with.
constexpr uint8_t ulaw_encode_reduced(int v) {  // v = x >> 2, in [-8192, 8191]
  const int magnitude = std::min((v >= 0 ? v : ~v) + 33, 0x1fff);  // 33 = the mu-law bias / 4
  const int seg = std::bit_width(static_cast<unsigned>(magnitude)) - 6;  // magnitude >= 33
  const int mantissa = (magnitude >> (seg + 1)) & 0x0f;
  const int code = 0x7f ^ ((seg << 4) | mantissa);
  return static_cast<uint8_t>(v >= 0 ? code | 0x80 : code);
}

constexpr uint8_t alaw_encode_reduced(int v) {  // v = x >> 4, in [-2048, 2047]
  const int magnitude = v >= 0 ? v : ~v;
  int code = magnitude;
  if (magnitude >= 16) {
    const int seg = std::bit_width(static_cast<unsigned>(magnitude)) - 4;
    code = (seg << 4) | ((magnitude >> (seg - 1)) & 0x0f);
  }
  if (v >= 0) code |= 0x80;
  return static_cast<uint8_t>(code ^ 0x55);
}

// Indexed by the reduced value's low bits as unsigned (uint16_t(x) >> k), so negative inputs land
// in the upper half and the lookup needs no offset.
template <size_t Bits, class F>
constexpr std::array<uint8_t, size_t{1} << Bits> make_encode_table(F reduced) {
  std::array<uint8_t, size_t{1} << Bits> t{};
  constexpr int half = 1 << (Bits - 1);
  for (int i = 0; i < (1 << Bits); ++i) {
    const int v = i < half ? i : i - (1 << Bits);
    t[static_cast<size_t>(i)] = reduced(v);
  }
  return t;
}

constexpr auto kUlawEncode = make_encode_table<kUlawIndexBits>(ulaw_encode_reduced);
constexpr auto kAlawEncode = make_encode_table<kAlawIndexBits>(alaw_encode_reduced);

constexpr std::array<int16_t, 256> make_ulaw_decode() {
  std::array<int16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const int inv = ~c & 0xff;
    const int seg = (inv >> 4) & 0x07;
    const int magnitude = ((((inv & 0x0f) << 3) + 0x84) << seg) - 0x84;
    t[static_cast<size_t>(c)] = static_cast<int16_t>(c & 0x80 ? magnitude : -magnitude);
  }
  return t;
}

constexpr std::array<int16_t, 256> make_alaw_decode() {
  std::array<int16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const int v = c ^ 0x55;
    const int seg = (v >> 4) & 0x07;
    const int mantissa = v & 0x0f;
    const int magnitude = seg == 0 ? (mantissa << 4) + 8 : (((mantissa + 16) << 4) + 8) << (seg - 1);
    t[static_cast<size_t>(c)] = static_cast<int16_t>(c & 0x80 ? magnitude : -magnitude);
  }
  return t;
}

constexpr auto kUlawDecode = make_ulaw_decode();
constexpr auto kAlawDecode = make_alaw_decode();

inline size_t ulaw_index(int16_t x) { return static_cast<uint16_t>(x) >> (16 - kUlawIndexBits); }
inline size_t alaw_index(int16_t x) { return static_cast<uint16_t>(x) >> (16 - kAlawIndexBits); }

}  // namespace

uint8_t linear_to_ulaw(int16_t sample) { return kUlawEncode[ulaw_index(sample)]; }
int16_t ulaw_to_linear(uint8_t code) { return kUlawDecode[code]; }
uint8_t linear_to_alaw(int16_t sample) { return kAlawEncode[alaw_index(sample)]; }
int16_t alaw_to_linear(uint8_t code) { return kAlawDecode[code]; }

void encode_ulaw(std::span<const int16_t> in, uint8_t *out) {
  for (size_t i = 0; i < in.size(); ++i) out[i] = kUlawEncode[ulaw_index(in[i])];
}

void decode_ulaw(std::span<const uint8_t> in, int16_t *out) {
  for (size_t i = 0; i < in.size(); ++i) out[i] = kUlawDecode[in[i]];
}

void encode_alaw(std::span<const int16_t> in, uint8_t *out) {
  for (size_t i = 0; i < in.size(); ++i) out[i] = kAlawEncode[alaw_index(in[i])];
}

void decode_alaw(std::span<const uint8_t> in, int16_t *out) {
  for (size_t i = 0; i < in.size(); ++i) out[i] = kAlawDecode[in[i]];
}

}  // namespace ca::audio
