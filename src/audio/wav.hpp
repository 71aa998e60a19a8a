// WAV files: for prompts, golden test audio and call recordings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ca::audio {

struct WavAudio {
  int sample_rate = 0;
  int channels = 0;
  std::vector<int16_t> samples;  // interleaved

  size_t frames() const { return channels > 0 ? samples.size() / static_cast<size_t>(channels) : 0; }
};

// Walks the RIFF chunks rather than assuming a 44-byte header: LIST, fact, bext, JUNK and any
// other chunk is skipped, odd-sized ones with their pad byte. Accepts PCM 8/16/24/32-bit (any
// valid-bit count inside those containers), IEEE float 32/64, G.711 A-law (format 6) and mu-law
// (7), WAVE_FORMAT_EXTENSIBLE with those subformats, RF64/BW64 with a ds64 chunk, and any channel
// count; everything is converted to int16 (wider PCM is truncated to its top 16 bits, float is
// scaled by 32768, rounded and clipped).
//
// Streaming writers cannot seek back to patch sizes, so a data chunk size of 0 or 0xFFFFFFFF, or
// one that runs past the end when the RIFF size is also unknown (0 or 0xFFFFFFFF), means "to the
// end of the file". Otherwise a chunk that runs past the end is an error (Errc::protocol), as is
// anything unsupported; a trailing partial sample frame is dropped.
Result<WavAudio> read_wav(std::span<const uint8_t> bytes);
Result<WavAudio> read_wav_file(const std::string &path);

// Averages the channels of each frame (rounding toward zero). A mono input is returned as is.
std::vector<int16_t> to_mono(const WavAudio &audio);

// Two mono signals as one stereo stream (left, right), as long as the longer; the shorter is
// padded with silence. A call written as caller left, bot right.
std::vector<int16_t> interleave_stereo(std::span<const int16_t> left, std::span<const int16_t> right);

// A canonical 44-byte-header PCM16 file. `interleaved` should hold whole frames of `channels`
// samples (channels < 1 is written as 1). Audio too long for 32-bit sizes gets 0xFFFFFFFF sizes,
// the streaming convention read_wav understands.
std::vector<uint8_t> write_wav(int sample_rate, int channels, std::span<const int16_t> interleaved);
// Checks the arguments (positive rate, 1..65535 channels, whole frames) before writing.
Result<void> write_wav_file(const std::string &path, int sample_rate, int channels,
                            std::span<const int16_t> interleaved);

}  // namespace ca::audio
