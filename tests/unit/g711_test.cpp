// G.711 against a reference written from the ITU-T G.191 g711.c algorithm (ulaw_compress,
// ulaw_expand, alaw_compress, alaw_expand): plain segment-search code, sharing nothing with the
// table-driven implementation. Convention (as in G.191 and spandsp): 16-bit input, of which
// mu-law keeps the top 14 bits (>> 2) and A-law the top 13 (>> 3, applied as >> 4 on the
// magnitude); negative inputs by one's complement.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "audio/g711.hpp"

namespace {

uint8_t ref_linear2ulaw(int16_t linear) {
  int absno = linear < 0 ? ((~linear) >> 2) + 33 : (linear >> 2) + 33;
  if (absno > 0x1FFF) absno = 0x1FFF;
  int i = absno >> 6;
  int segno = 1;
  while (i != 0) {
    segno++;
    i >>= 1;
  }
  const int high_nibble = 0x0008 - segno;
  int low_nibble = (absno >> segno) & 0x000F;
  low_nibble = 0x000F - low_nibble;
  int code = (high_nibble << 4) | low_nibble;
  if (linear >= 0) code |= 0x0080;
  return static_cast<uint8_t>(code);
}

int16_t ref_ulaw2linear(uint8_t code) {
  const int sign = code < 0x80 ? -1 : 1;
  int mantissa = ~code;
  const int exponent = (mantissa >> 4) & 0x0007;
  const int segment = exponent + 1;
  mantissa &= 0x000F;
  const int step = 4 << segment;
  return static_cast<int16_t>(sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33));
}

uint8_t ref_linear2alaw(int16_t linear) {
  int ix = linear < 0 ? (~linear) >> 4 : linear >> 4;
  if (ix > 15) {
    int iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (linear >= 0) ix |= 0x0080;
  return static_cast<uint8_t>(ix ^ 0x0055);
}

int16_t ref_alaw2linear(uint8_t code) {
  int ix = code ^ 0x0055;
  ix &= 0x007F;
  const int iexp = ix >> 4;
  int mant = ix & 0x000F;
  if (iexp > 0) mant = mant + 16;
  mant = (mant << 4) + 0x0008;
  if (iexp > 1) mant = mant << (iexp - 1);
  return static_cast<int16_t>(code > 127 ? mant : -mant);
}

std::vector<int16_t> all_inputs() {
  std::vector<int16_t> v;
  v.reserve(65536);
  for (int x = -32768; x <= 32767; ++x) v.push_back(static_cast<int16_t>(x));
  return v;
}

}  // namespace

TEST_CASE("reference sanity: known G.711 code points") {
  // Values from the G.711 tables, so a bug shared by reference and implementation still shows.
  CHECK(ref_linear2ulaw(0) == 0xFF);
  CHECK(ref_linear2ulaw(-1) == 0x7F);
  CHECK(ref_linear2ulaw(32767) == 0x80);
  CHECK(ref_linear2ulaw(-32768) == 0x00);
  CHECK(ref_ulaw2linear(0x80) == 32124);
  CHECK(ref_ulaw2linear(0x00) == -32124);
  CHECK(ref_ulaw2linear(0xFF) == 0);
  CHECK(ref_linear2alaw(0) == 0xD5);
  CHECK(ref_linear2alaw(-1) == 0x55);
  CHECK(ref_linear2alaw(32767) == 0xAA);
  CHECK(ref_linear2alaw(-32768) == 0x2A);
  CHECK(ref_alaw2linear(0xAA) == 32256);
  CHECK(ref_alaw2linear(0xD5) == 8);
  CHECK(ref_alaw2linear(0x55) == -8);
  CHECK(ca::audio::kUlawSilence == ref_linear2ulaw(0));
  CHECK(ca::audio::kAlawSilence == ref_linear2alaw(0));
}

TEST_CASE("mu-law encode matches G.191 for all 65536 inputs") {
  const auto in = all_inputs();
  std::vector<uint8_t> block(in.size());
  ca::audio::encode_ulaw(in, block.data());
  int mismatches = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint8_t want = ref_linear2ulaw(in[i]);
    if (ca::audio::linear_to_ulaw(in[i]) != want || block[i] != want) {
      if (++mismatches <= 5) FAIL_CHECK("input " << in[i] << " want " << int{want});
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("A-law encode matches G.191 for all 65536 inputs") {
  const auto in = all_inputs();
  std::vector<uint8_t> block(in.size());
  ca::audio::encode_alaw(in, block.data());
  int mismatches = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint8_t want = ref_linear2alaw(in[i]);
    if (ca::audio::linear_to_alaw(in[i]) != want || block[i] != want) {
      if (++mismatches <= 5) FAIL_CHECK("input " << in[i] << " want " << int{want});
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("decode matches G.191 for all 256 codes, both laws") {
  std::array<uint8_t, 256> codes{};
  for (int c = 0; c < 256; ++c) codes[static_cast<size_t>(c)] = static_cast<uint8_t>(c);
  std::array<int16_t, 256> mu{};
  std::array<int16_t, 256> a{};
  ca::audio::decode_ulaw(codes, mu.data());
  ca::audio::decode_alaw(codes, a.data());
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    CAPTURE(c);
    CHECK(ca::audio::ulaw_to_linear(code) == ref_ulaw2linear(code));
    CHECK(mu[code] == ref_ulaw2linear(code));
    CHECK(ca::audio::alaw_to_linear(code) == ref_alaw2linear(code));
    CHECK(a[code] == ref_alaw2linear(code));
  }
}

TEST_CASE("round trip: decode(encode(decode(c))) == decode(c) for every code") {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    CAPTURE(c);
    const int16_t mu = ca::audio::ulaw_to_linear(code);
    CHECK(ca::audio::ulaw_to_linear(ca::audio::linear_to_ulaw(mu)) == mu);
    const int16_t a = ca::audio::alaw_to_linear(code);
    CHECK(ca::audio::alaw_to_linear(ca::audio::linear_to_alaw(a)) == a);
    // Every code but mu-law's negative zero (0x7F, which decodes like 0xFF) is its own image.
    if (code != 0x7F) CHECK(ca::audio::linear_to_ulaw(mu) == code);
    CHECK(ca::audio::linear_to_alaw(a) == code);
  }
}

TEST_CASE("quantisation error stays within half a step") {
  // Independent of any reference: decoding the encoded value lands within the segment's step.
  for (int x = -32768; x <= 32767; x += 7) {
    const auto s = static_cast<int16_t>(x);
    const int mu_err = ca::audio::ulaw_to_linear(ca::audio::linear_to_ulaw(s)) - x;
    const int a_err = ca::audio::alaw_to_linear(ca::audio::linear_to_alaw(s)) - x;
    const int mag = x < 0 ? -x : x;
    CAPTURE(x);
    if (mag < 32000) {  // beyond the top decision level both laws clip
      CHECK(std::abs(mu_err) <= 1024);
      CHECK(std::abs(a_err) <= 1024);
      CHECK(std::abs(mu_err) <= mag / 16 + 8);
      CHECK(std::abs(a_err) <= mag / 16 + 16);
    }
  }
}
