#include "audio/wav.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "audio/g711.hpp"

namespace ca::audio {

namespace {

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatFloat = 3;
constexpr uint16_t kFormatAlaw = 6;
constexpr uint16_t kFormatMulaw = 7;
constexpr uint16_t kFormatExtensible = 0xfffe;
constexpr uint32_t kUnknownSize = 0xffffffff;

// Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID for a WAVE format tag; bytes 0..1 hold the tag.
constexpr uint8_t kSubformatSuffix[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                          0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};

uint16_t u16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint64_t u64(const uint8_t *p) { return uint64_t{u32(p)} | uint64_t{u32(p + 4)} << 32; }

bool is_id(const uint8_t *p, const char *id) { return std::memcmp(p, id, 4) == 0; }

std::string id_text(const uint8_t *p) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>(p[i]);
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s;
}

Error bad(std::string message) { return make_error(Errc::protocol, "wav: " + std::move(message)); }

struct Format {
  uint16_t tag = 0;  // resolved: the subformat for WAVE_FORMAT_EXTENSIBLE
  uint16_t channels = 0;
  uint32_t sample_rate = 0;
  uint16_t block_align = 0;
  uint16_t bits = 0;
};

Result<Format> parse_fmt(std::span<const uint8_t> c) {
  if (c.size() < 16) return bad("fmt chunk of " + std::to_string(c.size()) + " bytes, need 16");
  Format f;
  f.tag = u16(&c[0]);
  f.channels = u16(&c[2]);
  f.sample_rate = u32(&c[4]);
  f.block_align = u16(&c[12]);
  f.bits = u16(&c[14]);
  if (f.tag == kFormatExtensible) {
    if (c.size() < 40) return bad("WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes");
    if (std::memcmp(&c[26], kSubformatSuffix, sizeof kSubformatSuffix) != 0) {
      return bad("WAVE_FORMAT_EXTENSIBLE with a non-standard subformat GUID");
    }
    f.tag = u16(&c[24]);
  }
  if (f.channels == 0) return bad("zero channels");
  if (f.sample_rate == 0 || f.sample_rate > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
    return bad("unusable sample rate " + std::to_string(f.sample_rate));
  }
  // Some writers leave block_align at 0; the container size then follows from the bit depth.
  size_t container = f.block_align == 0 ? (f.bits + 7u) / 8u : f.block_align / f.channels;
  if (f.block_align != 0 && f.block_align % f.channels != 0) {
    return bad("block align " + std::to_string(f.block_align) + " is not a multiple of " +
               std::to_string(f.channels) + " channels");
  }
  bool ok = false;
  switch (f.tag) {
    case kFormatPcm:
      ok = container >= 1 && container <= 4 && f.bits >= 1 && f.bits <= container * 8;
      break;
    case kFormatFloat: ok = (container == 4 && f.bits == 32) || (container == 8 && f.bits == 64); break;
    case kFormatAlaw:
    case kFormatMulaw: ok = container == 1 && f.bits == 8; break;
    default:
      return bad("unsupported format tag " + std::to_string(f.tag) +
                 " (PCM, IEEE float, A-law and mu-law are supported)");
  }
  if (!ok) {
    return bad("unsupported sample layout: format " + std::to_string(f.tag) + ", " +
               std::to_string(f.bits) + " bits in " + std::to_string(container) + "-byte samples");
  }
  f.block_align = static_cast<uint16_t>(container * f.channels);
  return f;
}

template <class T>
int16_t float_to_s16(T v) {
  const T scaled = v * T{32768};
  if (!(scaled == scaled)) return 0;  // NaN
  if (scaled >= T{32767}) return 32767;
  if (scaled <= T{-32768}) return -32768;
  return static_cast<int16_t>(std::lrint(scaled));
}

void decode_samples(const Format &f, std::span<const uint8_t> data, std::vector<int16_t> &out) {
  const size_t container = f.block_align / f.channels;
  const size_t count = data.size() / f.block_align * f.channels;
  out.resize(count);
  const uint8_t *p = data.data();
  // Samples are little-endian and left-justified in their container, so the top two bytes are
  // the int16 value whatever the valid-bit count.
  switch (f.tag) {
    case kFormatPcm:
      if (container == 1) {
        for (size_t i = 0; i < count; ++i) out[i] = static_cast<int16_t>((p[i] - 128) * 256);
      } else {
        for (size_t i = 0; i < count; ++i) {
          const uint8_t *s = p + i * container + (container - 2);
          out[i] = static_cast<int16_t>(u16(s));
        }
      }
      break;
    case kFormatFloat:
      if (container == 4) {
        for (size_t i = 0; i < count; ++i) out[i] = float_to_s16(std::bit_cast<float>(u32(p + i * 4)));
      } else {
        for (size_t i = 0; i < count; ++i) out[i] = float_to_s16(std::bit_cast<double>(u64(p + i * 8)));
      }
      break;
    case kFormatAlaw: decode_alaw(data.first(count), out.data()); break;
    case kFormatMulaw: decode_ulaw(data.first(count), out.data()); break;
    default: break;  // parse_fmt admits nothing else
  }
}

}  // namespace

Result<WavAudio> read_wav(std::span<const uint8_t> bytes) {
  if (bytes.size() < 12) return bad("truncated: " + std::to_string(bytes.size()) + " bytes");
  const uint8_t *b = bytes.data();
  const bool rf64 = is_id(b, "RF64") || is_id(b, "BW64");
  if (is_id(b, "RIFX")) return bad("big-endian RIFX files are not supported");
  if (!is_id(b, "RIFF") && !rf64) return bad("not a RIFF file");
  if (!is_id(b + 8, "WAVE")) return bad("RIFF form type is '" + id_text(b + 8) + "', not WAVE");
  const uint32_t riff_size = u32(b + 4);
  const bool riff_size_unknown = riff_size == 0 || riff_size == kUnknownSize;

  std::optional<Format> fmt;
  std::optional<std::span<const uint8_t>> data;
  std::optional<uint64_t> ds64_data_size;
  size_t pos = 12;
  while (pos < bytes.size()) {
    const size_t avail = bytes.size() - pos;
    if (avail < 8) {
      if (fmt && data) break;  // trailing junk after a complete file
      return bad("truncated chunk header at offset " + std::to_string(pos));
    }
    const uint8_t *h = b + pos;
    const uint64_t declared = u32(h + 4);
    const size_t body = pos + 8;
    const size_t left = bytes.size() - body;
    if (is_id(h, "data")) {
      uint64_t size = declared;
      if (rf64 && declared == kUnknownSize && ds64_data_size) size = *ds64_data_size;
      // RF64 always writes 0xFFFFFFFF in the RIFF header; its real sizes live in ds64.
      const bool sizes_unknown = rf64 ? !ds64_data_size : riff_size_unknown;
      const bool to_end = declared == 0 || (declared == kUnknownSize && !(rf64 && ds64_data_size)) ||
                          (size > left && sizes_unknown);
      if (to_end) size = left;
      if (size > left) {
        return bad("truncated data chunk: " + std::to_string(size) + " bytes declared, " +
                   std::to_string(left) + " present");
      }
      data = bytes.subspan(body, static_cast<size_t>(size));
      if (to_end) break;
      pos = body + static_cast<size_t>(size) + static_cast<size_t>(size & 1);
      continue;
    }
    if (declared > left) {
      if (fmt && data) break;  // a cut-off chunk after the audio costs nothing
      return bad("truncated '" + id_text(h) + "' chunk: " + std::to_string(declared) +
                 " bytes declared, " + std::to_string(left) + " present");
    }
    const auto chunk = bytes.subspan(body, static_cast<size_t>(declared));
    if (is_id(h, "fmt ")) {
      if (fmt) return bad("more than one fmt chunk");
      auto f = parse_fmt(chunk);
      if (!f) return f.error();
      fmt = *f;
    } else if (rf64 && is_id(h, "ds64")) {
      if (chunk.size() < 16) return bad("ds64 chunk shorter than 16 bytes");
      ds64_data_size = u64(&chunk[8]);
    }
    pos = body + static_cast<size_t>(declared) + static_cast<size_t>(declared & 1);
  }
  if (!fmt) return bad("no fmt chunk");
  if (!data) return bad("no data chunk");

  WavAudio audio;
  audio.sample_rate = static_cast<int>(fmt->sample_rate);
  audio.channels = fmt->channels;
  decode_samples(*fmt, *data, audio.samples);
  return audio;
}

Result<WavAudio> read_wav_file(const std::string &path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE *)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    const int e = errno;
    return make_error(e == ENOENT ? Errc::not_found : Errc::io,
                      "wav: cannot open " + path + ": " + std::strerror(e));
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  for (;;) {
    const size_t n = std::fread(buf, 1, sizeof buf, f.get());
    bytes.insert(bytes.end(), buf, buf + n);
    if (n < sizeof buf) break;
  }
  if (std::ferror(f.get()) != 0) return make_error(Errc::io, "wav: read error on " + path);
  auto r = read_wav(bytes);
  if (!r) return make_error(r.error().code, r.error().message + " (" + path + ")");
  return r;
}

std::vector<int16_t> interleave_stereo(std::span<const int16_t> left, std::span<const int16_t> right) {
  const size_t n = std::max(left.size(), right.size());
  std::vector<int16_t> out(2 * n, 0);
  for (size_t k = 0; k < left.size(); ++k) out[2 * k] = left[k];
  for (size_t k = 0; k < right.size(); ++k) out[2 * k + 1] = right[k];
  return out;
}

std::vector<int16_t> to_mono(const WavAudio &audio) {
  if (audio.channels <= 1) return audio.samples;
  const auto ch = static_cast<size_t>(audio.channels);
  const size_t frames = audio.samples.size() / ch;
  std::vector<int16_t> mono(frames);
  for (size_t i = 0; i < frames; ++i) {
    int64_t sum = 0;
    for (size_t c = 0; c < ch; ++c) sum += audio.samples[i * ch + c];
    mono[i] = static_cast<int16_t>(sum / static_cast<int64_t>(ch));
  }
  return mono;
}

std::vector<uint8_t> write_wav(int sample_rate, int channels, std::span<const int16_t> interleaved) {
  const auto ch = static_cast<uint32_t>(channels < 1 ? 1 : channels);
  const auto rate = static_cast<uint32_t>(sample_rate);
  const uint64_t data_bytes = uint64_t{interleaved.size()} * 2;
  const bool fits = data_bytes <= uint64_t{kUnknownSize} - 36 - 1;
  std::vector<uint8_t> out(44 + interleaved.size() * 2);
  uint8_t *p = out.data();
  auto put_id = [&p](const char *id) { std::memcpy(p, id, 4); p += 4; };
  auto put16 = [&p](uint32_t v) { *p++ = static_cast<uint8_t>(v); *p++ = static_cast<uint8_t>(v >> 8); };
  auto put32 = [&put16](uint32_t v) { put16(v & 0xffff); put16(v >> 16); };
  put_id("RIFF");
  put32(fits ? static_cast<uint32_t>(36 + data_bytes) : kUnknownSize);
  put_id("WAVE");
  put_id("fmt ");
  put32(16);
  put16(kFormatPcm);
  put16(ch);
  put32(rate);
  put32(rate * ch * 2);
  put16(ch * 2);
  put16(16);
  put_id("data");
  put32(fits ? static_cast<uint32_t>(data_bytes) : kUnknownSize);
  for (int16_t s : interleaved) put16(static_cast<uint16_t>(s));
  return out;
}

Result<void> write_wav_file(const std::string &path, int sample_rate, int channels,
                            std::span<const int16_t> interleaved) {
  if (sample_rate <= 0) return make_error(Errc::invalid_argument, "wav: sample rate must be positive");
  if (channels < 1 || channels > 65535) {
    return make_error(Errc::invalid_argument, "wav: channel count must be 1..65535");
  }
  if (interleaved.size() % static_cast<size_t>(channels) != 0) {
    return make_error(Errc::invalid_argument, "wav: sample count is not a whole number of frames");
  }
  const auto bytes = write_wav(sample_rate, channels, interleaved);
  std::unique_ptr<std::FILE, int (*)(std::FILE *)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) {
    const int e = errno;
    return make_error(Errc::io, "wav: cannot create " + path + ": " + std::strerror(e));
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    return make_error(Errc::io, "wav: write error on " + path);
  }
  if (std::fclose(f.release()) != 0) return make_error(Errc::io, "wav: close error on " + path);
  return {};
}

}  // namespace ca::audio
