// G.711 companding (mu-law for North America and Japan, A-law elsewhere), bit-exact with the
// ITU-T G.191 reference implementation (g711.c: ulaw_compress/expand, alaw_compress/expand).
//
// Convention: inputs and outputs are full-scale 16-bit linear. The encoders look only at the top
// 14 bits (mu-law) or 13 bits (A-law) of the input, exactly as G.191 shifts right by 2 or 3, and
// take negative values by one's complement as G.191 (and spandsp) do. The old Sun g711.c
// linear2ulaw negates instead, so it differs by one step for some negative inputs; decoding is
// identical in every implementation.
#pragma once

#include <cstdint>
#include <span>

namespace ca::audio {

uint8_t linear_to_ulaw(int16_t sample);
int16_t ulaw_to_linear(uint8_t code);
uint8_t linear_to_alaw(int16_t sample);
int16_t alaw_to_linear(uint8_t code);

// Table-driven block converters. `out` must hold in.size() elements.
void encode_ulaw(std::span<const int16_t> in, uint8_t *out);
void decode_ulaw(std::span<const uint8_t> in, int16_t *out);
void encode_alaw(std::span<const int16_t> in, uint8_t *out);
void decode_alaw(std::span<const uint8_t> in, int16_t *out);

// The code a silent input encodes to (what to send when there is nothing to say).
constexpr uint8_t kUlawSilence = 0xff;
constexpr uint8_t kAlawSilence = 0xd5;

}  // namespace ca::audio
