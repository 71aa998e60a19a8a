#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "audio/g711.hpp"
#include "audio/wav.hpp"

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes &b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(Bytes &b, uint32_t v) {
  put16(b, v & 0xffff);
  put16(b, v >> 16);
}
void put_id(Bytes &b, const char *id) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(id[i]));  // not insert: GCC 12 -Wstringop-overflow false positive
}

void chunk(Bytes &b, const char *id, const Bytes &body, bool pad = true) {
  put_id(b, id);
  put32(b, static_cast<uint32_t>(body.size()));
  b.insert(b.end(), body.begin(), body.end());
  if (pad && body.size() % 2 != 0) b.push_back(0);
}

Bytes fmt_body(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits, uint16_t block_align = 0) {
  if (block_align == 0) block_align = static_cast<uint16_t>(channels * ((bits + 7) / 8));
  Bytes f;
  put16(f, tag);
  put16(f, channels);
  put32(f, rate);
  put32(f, rate * block_align);
  put16(f, block_align);
  put16(f, bits);
  return f;
}

Bytes extensible_body(uint16_t subformat, uint16_t channels, uint32_t rate, uint16_t bits, uint16_t valid_bits) {
  Bytes f = fmt_body(0xfffe, channels, rate, bits);
  put16(f, 22);  // cbSize
  put16(f, valid_bits);
  put32(f, channels == 2 ? 3 : 4);  // channel mask
  put16(f, subformat);
  const uint8_t suffix[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
  f.insert(f.end(), suffix, suffix + 14);
  return f;
}

// RIFF header with a correct size, around the given chunks.
Bytes riff(const Bytes &chunks, const char *form = "WAVE", const char *magic = "RIFF") {
  Bytes b;
  put_id(b, magic);
  put32(b, static_cast<uint32_t>(chunks.size() + 4));
  put_id(b, form);
  b.insert(b.end(), chunks.begin(), chunks.end());
  return b;
}

Bytes pcm16_bytes(const std::vector<int16_t> &s) {
  Bytes b;
  for (int16_t v : s) put16(b, static_cast<uint16_t>(v));
  return b;
}

const std::vector<int16_t> kSamples = {0, 1, -1, 32767, -32768, 12345, -12345, 256, -256, 7};

}  // namespace

TEST_CASE("round trip through write_wav and read_wav") {
  std::mt19937 rng(7);
  std::vector<int16_t> s(2 * 999);
  for (auto &v : s) v = static_cast<int16_t>(rng());
  const auto bytes = ca::audio::write_wav(16000, 2, s);
  CHECK(bytes.size() == 44 + s.size() * 2);
  CHECK(std::memcmp(bytes.data(), "RIFF", 4) == 0);
  CHECK(std::memcmp(bytes.data() + 36, "data", 4) == 0);
  auto w = ca::audio::read_wav(bytes);
  REQUIRE(w.ok());
  CHECK(w->sample_rate == 16000);
  CHECK(w->channels == 2);
  CHECK(w->frames() == 999);
  CHECK(w->samples == s);

  auto empty = ca::audio::read_wav(ca::audio::write_wav(8000, 1, {}));
  REQUIRE(empty.ok());
  CHECK(empty->samples.empty());
}

TEST_CASE("round trip through a file") {
  const std::string path = "wav_test_roundtrip.wav";
  REQUIRE(ca::audio::write_wav_file(path, 8000, 1, kSamples).ok());
  auto w = ca::audio::read_wav_file(path);
  REQUIRE(w.ok());
  CHECK(w->samples == kSamples);
  std::remove(path.c_str());

  auto missing = ca::audio::read_wav_file("no/such/dir/file.wav");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ca::Errc::not_found);
  CHECK_FALSE(ca::audio::write_wav_file("no/such/dir/file.wav", 8000, 1, kSamples).ok());
  CHECK(ca::audio::write_wav_file(path, 8000, 3, kSamples).error().code == ca::Errc::invalid_argument);
  CHECK_FALSE(ca::audio::write_wav_file(path, 0, 1, kSamples).ok());
}

TEST_CASE("extra chunks are walked past, odd sizes with their pad byte") {
  Bytes chunks;
  chunk(chunks, "LIST", Bytes{'I', 'N', 'F', 'O', 'I', 'S', 'F', 'T', 3, 0, 0, 0, 'a', 'b', 0, 0});
  chunk(chunks, "fmt ", fmt_body(1, 1, 8000, 16));
  chunk(chunks, "LIST", Bytes(10, 0x55));
  chunk(chunks, "fact", Bytes{10, 0, 0, 0});
  chunk(chunks, "odd!", Bytes{1, 2, 3, 4, 5});  // 5 bytes + pad
  chunk(chunks, "bext", Bytes(602, 0));
  chunk(chunks, "data", pcm16_bytes(kSamples));
  chunk(chunks, "LIST", Bytes(7, 1));  // after the audio, odd, padded
  auto w = ca::audio::read_wav(riff(chunks));
  REQUIRE(w.ok());
  CHECK(w->sample_rate == 8000);
  CHECK(w->channels == 1);
  CHECK(w->samples == kSamples);
}

TEST_CASE("an odd-sized data chunk keeps its pad byte out of the audio") {
  Bytes chunks;
  chunk(chunks, "fmt ", fmt_body(1, 1, 8000, 8));
  chunk(chunks, "data", Bytes{128, 129, 127});  // odd: pad follows
  chunk(chunks, "LIST", Bytes(4, 0));
  auto w = ca::audio::read_wav(riff(chunks));
  REQUIRE(w.ok());
  CHECK(w->samples == std::vector<int16_t>{0, 256, -256});
}

TEST_CASE("data size 0xFFFFFFFF or 0 means to the end of the file") {
  for (uint32_t size : {0xFFFFFFFFu, 0u}) {
    CAPTURE(size);
    Bytes b;
    put_id(b, "RIFF");
    put32(b, size);  // a streaming writer cannot patch this either
    put_id(b, "WAVE");
    chunk(b, "fmt ", fmt_body(1, 1, 16000, 16));
    put_id(b, "data");
    put32(b, size);
    const auto body = pcm16_bytes(kSamples);
    b.insert(b.end(), body.begin(), body.end());
    b.push_back(0x42);  // a partial trailing sample is dropped
    auto w = ca::audio::read_wav(b);
    REQUIRE(w.ok());
    CHECK(w->sample_rate == 16000);
    CHECK(w->samples == kSamples);
  }
}

TEST_CASE("a data chunk past the end is the streaming case only when the RIFF size is unknown") {
  Bytes b;
  put_id(b, "RIFF");
  put32(b, 0xFFFFFFFF);
  put_id(b, "WAVE");
  chunk(b, "fmt ", fmt_body(1, 1, 8000, 16));
  put_id(b, "data");
  put32(b, 0x7FFFF000);  // a guess at "large"
  const auto body = pcm16_bytes(kSamples);
  b.insert(b.end(), body.begin(), body.end());
  auto w = ca::audio::read_wav(b);
  REQUIRE(w.ok());
  CHECK(w->samples == kSamples);

  Bytes chunks;
  chunk(chunks, "fmt ", fmt_body(1, 1, 8000, 16));
  put_id(chunks, "data");
  put32(chunks, 100);
  chunks.insert(chunks.end(), body.begin(), body.end());  // 20 of the declared 100 bytes
  auto t = ca::audio::read_wav(riff(chunks));
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().code == ca::Errc::protocol);
  CHECK(t.error().message.find("truncated data chunk") != std::string::npos);
}

TEST_CASE("sample formats convert to int16") {
  SUBCASE("8-bit unsigned") {
    Bytes chunks;
    chunk(chunks, "fmt ", fmt_body(1, 1, 8000, 8));
    chunk(chunks, "data", Bytes{0, 128, 255, 64});
    auto w = ca::audio::read_wav(riff(chunks));
    REQUIRE(w.ok());
    CHECK(w->samples == std::vector<int16_t>{-32768, 0, 32512, -16384});
  }
  SUBCASE("24-bit keeps the top 16 bits") {
    Bytes chunks;
    chunk(chunks, "fmt ", fmt_body(1, 1, 48000, 24));
    chunk(chunks, "data", Bytes{0xff, 0x34, 0x12, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff});
    auto w = ca::audio::read_wav(riff(chunks));
    REQUIRE(w.ok());
    CHECK(w->sample_rate == 48000);
    CHECK(w->samples == std::vector<int16_t>{0x1234, -32768, -1});
  }
  SUBCASE("32-bit integer") {
    Bytes chunks;
    chunk(chunks, "fmt ", fmt_body(1, 1, 8000, 32));
    Bytes d;
    put32(d, 0x7fffffff);
    put32(d, 0x80000000);
    put32(d, 0x00010000);
    chunk(chunks, "data", d);
    auto w = ca::audio::read_wav(riff(chunks));
    REQUIRE(w.ok());
    CHECK(w->samples == std::vector<int16_t>{32767, -32768, 1});
  }
  SUBCASE("float32, clipped and rounded") {
    Bytes chunks;
    chunk(chunks, "fmt ", fmt_body(3, 1, 24000, 32));
    Bytes d;
    for (float f : {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 2.0f, -3.0f, 1.0f / 65536.0f * 3.0f, std::bit_cast<float>(0x7fc00000u)}) {
      put32(d, std::bit_cast<uint32_t>(f));
    }
    chunk(chunks, "data", d);
    auto w = ca::audio::read_wav(riff(chunks));
    REQUIRE(w.ok());
    CHECK(w->samples == std::vector<int16_t>{0, 16384, -16384, 32767, -32768, 32767, -32768, 2, 0});
  }
  SUBCASE("float64") {
    Bytes chunks;
    chunk(chunks, "fmt ", fmt_body(3, 1, 8000, 64));
    Bytes d;
    for (double v : {0.25, -0.25, -1.0}) {
      const auto u = std::bit_cast<uint64_t>(v);
      put32(d, static_cast<uint32_t>(u));
      put32(d, static_cast<uint32_t>(u >> 32));
    }
    chunk(chunks, "data", d);
    auto w = ca::audio::read_wav(riff(chunks));
    REQUIRE(w.ok());
    CHECK(w->samples == std::vector<int16_t>{8192, -8192, -32768});
  }
  SUBCASE("A-law and mu-law") {
    const Bytes codes = {0x00, 0x55, 0xd5, 0xaa, 0x7f, 0xff, 0x80, 0x13};
    for (uint16_t tag : {uint16_t{6}, uint16_t{7}}) {
      CAPTURE(tag);
      Bytes chunks;
      chunk(chunks, "fmt ", fmt_body(tag, 1, 8000, 8));
      chunk(chunks, "data", codes);
      auto w = ca::audio::read_wav(riff(chunks));
      REQUIRE(w.ok());
      REQUIRE(w->samples.size() == codes.size());
      for (size_t i = 0; i < codes.size(); ++i) {
        CHECK(w->samples[i] == (tag == 6 ? ca::audio::alaw_to_linear(codes[i]) : ca::audio::ulaw_to_linear(codes[i])));
      }
    }
  }
  SUBCASE("WAVE_FORMAT_EXTENSIBLE: 24-bit in 32-bit containers, float, mu-law") {
    Bytes chunks;
    chunk(chunks, "fmt ", extensible_body(1, 2, 44100, 32, 24));
    Bytes d;
    put32(d, 0x12345600);
    put32(d, 0xfedcba00);
    chunk(chunks, "data", d);
    auto w = ca::audio::read_wav(riff(chunks));
    REQUIRE(w.ok());
    CHECK(w->channels == 2);
    CHECK(w->sample_rate == 44100);
    CHECK(w->samples == std::vector<int16_t>{0x1234, static_cast<int16_t>(0xfedc)});

    Bytes fc;
    chunk(fc, "fmt ", extensible_body(3, 1, 8000, 32, 32));
    Bytes fd;
    put32(fd, std::bit_cast<uint32_t>(0.25f));
    chunk(fc, "data", fd);
    auto wf = ca::audio::read_wav(riff(fc));
    REQUIRE(wf.ok());
    CHECK(wf->samples == std::vector<int16_t>{8192});

    Bytes mc;
    chunk(mc, "fmt ", extensible_body(7, 1, 8000, 8, 8));
    chunk(mc, "data", Bytes{0x80});
    auto wm = ca::audio::read_wav(riff(mc));
    REQUIRE(wm.ok());
    CHECK(wm->samples == std::vector<int16_t>{32124});
  }
  SUBCASE("RF64 with a ds64 chunk") {
    Bytes b;
    put_id(b, "RF64");
    put32(b, 0xFFFFFFFF);
    put_id(b, "WAVE");
    Bytes ds;
    put32(ds, 0);
    put32(ds, 0);  // riff size (unused)
    put32(ds, static_cast<uint32_t>(kSamples.size() * 2));
    put32(ds, 0);  // data size
    put32(ds, 0);
    put32(ds, 0);  // sample count
    put32(ds, 0);  // table length
    chunk(b, "ds64", ds);
    chunk(b, "fmt ", fmt_body(1, 1, 8000, 16));
    put_id(b, "data");
    put32(b, 0xFFFFFFFF);
    const auto body = pcm16_bytes(kSamples);
    b.insert(b.end(), body.begin(), body.end());
    chunk(b, "LIST", Bytes(4, 9));  // must not be read as audio
    auto w = ca::audio::read_wav(b);
    REQUIRE(w.ok());
    CHECK(w->samples == kSamples);
  }
}

TEST_CASE("stereo and multichannel to mono average the channels") {
  ca::audio::WavAudio w;
  w.sample_rate = 8000;
  w.channels = 2;
  w.samples = {100, 200, -100, -300, 32767, 32767, -32768, -32768, 1, 0};
  CHECK(ca::audio::to_mono(w) == std::vector<int16_t>{150, -200, 32767, -32768, 0});

  auto stereo = ca::audio::read_wav(ca::audio::write_wav(8000, 2, w.samples));
  REQUIRE(stereo.ok());
  CHECK(ca::audio::to_mono(*stereo) == std::vector<int16_t>{150, -200, 32767, -32768, 0});

  w.channels = 3;
  w.samples = {3, 6, 9, -3, -6, -9};
  CHECK(ca::audio::to_mono(w) == std::vector<int16_t>{6, -6});
  w.channels = 1;
  CHECK(ca::audio::to_mono(w) == w.samples);
}

TEST_CASE("unsupported formats are clear errors") {
  auto with_fmt = [](const Bytes &fmt) {
    Bytes chunks;
    chunk(chunks, "fmt ", fmt);
    chunk(chunks, "data", Bytes(8, 0));
    return ca::audio::read_wav(riff(chunks));
  };
  auto adpcm = with_fmt(fmt_body(2, 1, 8000, 4, 256));
  REQUIRE_FALSE(adpcm.ok());
  CHECK(adpcm.error().message.find("format tag 2") != std::string::npos);
  CHECK_FALSE(with_fmt(fmt_body(1, 0, 8000, 16)).ok());     // no channels
  CHECK_FALSE(with_fmt(fmt_body(1, 1, 0, 16)).ok());        // no rate
  CHECK_FALSE(with_fmt(fmt_body(1, 1, 8000, 40)).ok());     // 40-bit PCM
  CHECK_FALSE(with_fmt(fmt_body(3, 1, 8000, 16)).ok());     // 16-bit float
  CHECK_FALSE(with_fmt(fmt_body(1, 2, 8000, 16, 3)).ok());  // block align not per channel
  auto ext = extensible_body(1, 1, 8000, 16, 16);
  ext.back() ^= 1;  // not the standard GUID
  CHECK_FALSE(with_fmt(ext).ok());
  CHECK_FALSE(ca::audio::read_wav(riff({}, "AVI ")).ok());
  CHECK_FALSE(ca::audio::read_wav(riff({}, "WAVE", "RIFX")).ok());

  Bytes no_data;
  chunk(no_data, "fmt ", fmt_body(1, 1, 8000, 16));
  CHECK(ca::audio::read_wav(riff(no_data)).error().message.find("no data") != std::string::npos);
  Bytes no_fmt;
  chunk(no_fmt, "data", Bytes(8, 0));
  CHECK(ca::audio::read_wav(riff(no_fmt)).error().message.find("no fmt") != std::string::npos);
}

TEST_CASE("every truncation of a file with a declared size is an error, never a crash") {
  Bytes chunks;
  chunk(chunks, "fmt ", fmt_body(1, 2, 8000, 16));
  chunk(chunks, "LIST", Bytes(9, 1));
  chunk(chunks, "data", pcm16_bytes(kSamples));
  const Bytes full = riff(chunks);
  REQUIRE(ca::audio::read_wav(full).ok());
  for (size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(ca::audio::read_wav(std::span<const uint8_t>(full).first(n)).ok());
  }
}

TEST_CASE("garbage never crashes") {
  std::mt19937 rng(99);
  Bytes base;
  {
    Bytes chunks;
    chunk(chunks, "fmt ", extensible_body(3, 2, 8000, 32, 32));
    chunk(chunks, "data", Bytes(64, 0x3c));
    base = riff(chunks);
  }
  int parsed = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    Bytes b;
    if (trial % 2 == 0) {
      b.resize(rng() % 128);
      for (auto &x : b) x = static_cast<uint8_t>(rng());
      if (b.size() >= 12 && trial % 4 == 0) {
        std::memcpy(b.data(), "RIFF", 4);
        std::memcpy(b.data() + 8, "WAVE", 4);
      }
    } else {
      b = base;  // mutate a valid file: flipped bytes, then maybe a cut
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
      if (rng() % 3 == 0) b.resize(rng() % b.size());
    }
    auto w = ca::audio::read_wav(b);
    if (w.ok()) {
      ++parsed;
      CHECK(w->channels > 0);
      CHECK(w->sample_rate > 0);
      CHECK(w->samples.size() % static_cast<size_t>(w->channels) == 0);
    } else {
      CHECK_FALSE(w.error().message.empty());
    }
  }
  CHECK(parsed > 0);  // the mutations do not all break the file
}

TEST_CASE("two mono signals interleave into stereo, the shorter padded with silence") {
  const std::vector<int16_t> left{1, 2, 3}, right{-1};
  const auto s = ca::audio::interleave_stereo(left, right);
  CHECK(s == std::vector<int16_t>{1, -1, 2, 0, 3, 0});
  CHECK(ca::audio::interleave_stereo({}, {}).empty());
}
