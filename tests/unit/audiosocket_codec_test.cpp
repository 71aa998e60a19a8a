#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "transport/audiosocket_codec.hpp"

using namespace ca::audiosocket;

namespace {

struct Parsed {
  uint8_t kind;
  std::vector<uint8_t> payload;
  bool operator==(const Parsed &) const = default;
};

// Feeds `stream` cut at the given chunk sizes (cycled) and returns every message.
std::vector<Parsed> parse_chunked(const std::vector<uint8_t> &stream, const std::vector<size_t> &chunks,
                                  ParseError *error = nullptr, size_t max_audio = kDefaultMaxAudioPayload) {
  Parser p(max_audio);
  std::vector<Parsed> out;
  size_t pos = 0, c = 0;
  ParseError e = ParseError::none;
  while (pos < stream.size() && e == ParseError::none) {
    const size_t n = std::min(chunks[c++ % chunks.size()], stream.size() - pos);
    e = p.feed(std::span<const uint8_t>(stream.data() + pos, n),
               [&](const Message &m) { out.push_back({m.kind, {m.payload.begin(), m.payload.end()}}); });
    pos += n;
  }
  if (error) *error = e;
  return out;
}

std::vector<uint8_t> bytes_of(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int x : v) out.push_back(static_cast<uint8_t>(x));
  return out;
}

// A stream with every kind of protocols.md §A.2, as Asterisk and odd peers would send them.
std::vector<Parsed> mixed_messages() {
  std::vector<Parsed> m;
  std::array<uint8_t, kUuidSize> uuid{};
  REQUIRE(uuid_from_string("0f8e1c4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b", uuid));
  m.push_back({kind::uuid, {uuid.begin(), uuid.end()}});
  std::mt19937 rng(7);
  for (uint8_t k = kind::slin8; k <= kind::slin192; ++k) {
    std::vector<uint8_t> audio(2 * (10 + rng() % 200));
    for (auto &b : audio) b = static_cast<uint8_t>(rng());
    m.push_back({k, audio});
  }
  m.push_back({kind::dtmf, {'7'}});
  m.push_back({kind::error, {0x02}});
  m.push_back({kind::silence, {}});
  m.push_back({0x42, {1, 2, 3}});
  m.push_back({kind::slin8, std::vector<uint8_t>(320, 0x55)});
  m.push_back({kind::hangup, {}});
  return m;
}

std::vector<uint8_t> serialize_all(const std::vector<Parsed> &msgs) {
  std::vector<uint8_t> s;
  for (const auto &m : msgs) {
    auto e = encode(m.kind, m.payload);
    s.insert(s.end(), e.begin(), e.end());
  }
  return s;
}

}  // namespace

TEST_CASE("every kind round-trips through serialize and the parser") {
  for (const Parsed &m : mixed_messages()) {
    CAPTURE(static_cast<int>(m.kind));
    auto bytes = encode(m.kind, m.payload);
    REQUIRE(bytes.size() == kHeaderSize + m.payload.size());
    CHECK(bytes[0] == m.kind);
    CHECK((size_t{bytes[1]} << 8 | bytes[2]) == m.payload.size());  // big-endian length
    auto parsed = parse_chunked(bytes, {bytes.size()});
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0] == m);
  }
}

TEST_CASE("audio samples are little-endian on the wire, the length big-endian") {
  const int16_t samples[] = {0x0102, -2};
  uint8_t out[7];
  REQUIRE(serialize_audio(kind::slin8, samples, out) == 7);
  CHECK(out[0] == 0x10);
  CHECK(out[1] == 0x00);
  CHECK(out[2] == 0x04);
  CHECK(out[3] == 0x02);
  CHECK(out[4] == 0x01);
  CHECK(out[5] == 0xfe);
  CHECK(out[6] == 0xff);
  int16_t back[2];
  decode_samples(std::span<const uint8_t>(out + 3, 4), back);
  CHECK(back[0] == 0x0102);
  CHECK(back[1] == -2);
}

TEST_CASE("a mixed stream parses identically under every split") {
  const auto msgs = mixed_messages();
  const auto stream = serialize_all(msgs);
  REQUIRE(parse_chunked(stream, {stream.size()}) == msgs);
  SUBCASE("one byte at a time") { CHECK(parse_chunked(stream, {1}) == msgs); }
  SUBCASE("every single split point") {
    for (size_t cut = 1; cut < stream.size(); ++cut) {
      CAPTURE(cut);
      REQUIRE(parse_chunked(stream, {cut, stream.size()}) == msgs);
    }
  }
  SUBCASE("every pair of split points in the first 64 bytes") {
    for (size_t a = 1; a < 64; ++a) {
      for (size_t b = 1; b < 64; ++b) REQUIRE(parse_chunked(stream, {a, b, stream.size()}) == msgs);
    }
  }
  SUBCASE("random chunkings") {
    std::mt19937 rng(42);
    for (int i = 0; i < 300; ++i) {
      std::vector<size_t> chunks;
      for (int k = 0; k < 16; ++k) chunks.push_back(1 + rng() % 700);
      REQUIRE(parse_chunked(stream, chunks) == msgs);
    }
  }
}

TEST_CASE("audio framing errors") {
  ParseError e;
  SUBCASE("zero length") {
    parse_chunked(bytes_of({0x10, 0, 0}), {1}, &e);
    CHECK(e == ParseError::zero_length_audio);
  }
  SUBCASE("odd length") {
    parse_chunked(bytes_of({0x12, 0, 3, 1, 2, 3}), {6}, &e);
    CHECK(e == ParseError::odd_length_audio);
  }
  SUBCASE("over the configured maximum, whatever the chunking") {
    auto big = encode(kind::slin8, std::vector<uint8_t>(1002, 0));
    for (size_t chunk : {size_t{1}, size_t{2}, big.size()}) {
      parse_chunked(big, {chunk}, &e, 1000);
      CHECK(e == ParseError::oversized_audio);
    }
    parse_chunked(big, {big.size()}, &e, 1002);
    CHECK(e == ParseError::none);
  }
  SUBCASE("a UUID that is not 16 bytes") {
    parse_chunked(bytes_of({0x01, 0, 15}), {3}, &e);
    CHECK(e == ParseError::bad_uuid_length);
  }
  SUBCASE("the error is sticky and the messages before it were delivered") {
    auto stream = encode(kind::dtmf, bytes_of({'1'}));
    auto bad = bytes_of({0x10, 0, 1, 9});
    stream.insert(stream.end(), bad.begin(), bad.end());
    auto good = encode(kind::dtmf, bytes_of({'2'}));
    stream.insert(stream.end(), good.begin(), good.end());
    auto got = parse_chunked(stream, {1}, &e);
    CHECK(e == ParseError::odd_length_audio);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == bytes_of({'1'}));
  }
}

TEST_CASE("non-audio kinds are not length-checked: the host decides") {
  ParseError e;
  auto got = parse_chunked(encode(0x77, std::vector<uint8_t>(9000, 1)), {100}, &e);
  CHECK(e == ParseError::none);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload.size() == 9000);
  got = parse_chunked(encode(kind::dtmf, {}), {1}, &e);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload.empty());
}

TEST_CASE("at_boundary tells whether a message is half-read") {
  Parser p;
  auto noop = [](const Message &) {};
  CHECK(p.at_boundary());
  const auto m = bytes_of({0x10, 0, 2, 1, 2});
  CHECK(p.feed(std::span<const uint8_t>(m.data(), 4), noop) == ParseError::none);
  CHECK_FALSE(p.at_boundary());
  CHECK(p.feed(std::span<const uint8_t>(m.data() + 4, 1), noop) == ParseError::none);
  CHECK(p.at_boundary());
}

TEST_CASE("a payload too long for the 16-bit length is refused, not truncated") {
  std::vector<uint8_t> out(kHeaderSize + 70000);
  CHECK(serialize(kind::slin8, std::vector<uint8_t>(65536, 0), out.data()) == 0);
  CHECK(serialize(kind::slin8, std::vector<uint8_t>(65534, 0), out.data()) == kHeaderSize + 65534);
  CHECK(serialize_audio(kind::slin8, std::vector<int16_t>(32768, 0), out.data()) == 0);
  CHECK(encode(kind::slin8, std::vector<uint8_t>(65536, 0)).empty());
}

TEST_CASE("kinds and rates") {
  CHECK(sample_rate_of_kind(kind::slin8) == 8000);
  CHECK(sample_rate_of_kind(kind::slin12) == 12000);
  CHECK(sample_rate_of_kind(kind::slin16) == 16000);
  CHECK(sample_rate_of_kind(kind::slin44) == 44100);
  CHECK(sample_rate_of_kind(kind::slin192) == 192000);
  CHECK(sample_rate_of_kind(kind::dtmf) == 0);
  for (uint8_t k = kind::slin8; k <= kind::slin192; ++k) CHECK(audio_kind_for_rate(sample_rate_of_kind(k)) == k);
  CHECK(audio_kind_for_rate(22050) == 0);
  CHECK(std::string(kind_name(kind::dtmf)) == "dtmf");
  CHECK(std::string(kind_name(0x42)) == "unknown");
}

TEST_CASE("UUID text") {
  std::array<uint8_t, kUuidSize> raw{};
  REQUIRE(uuid_from_string("0F8E1C4A-2B3D-4E5F-8A9B-0C1D2E3F4A5B", raw));
  CHECK(raw[0] == 0x0f);
  CHECK(raw[15] == 0x5b);
  CHECK(uuid_to_string(raw) == "0f8e1c4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
  CHECK_FALSE(uuid_from_string("0f8e1c4a2b3d4e5f8a9b0c1d2e3f4a5b", raw));
  CHECK_FALSE(uuid_from_string("0f8e1c4a-2b3d-4e5f-8a9b-0c1d2e3f4a5g", raw));
  CHECK_FALSE(uuid_from_string("0f8e1c4a-2b3d-4e5f-8a9b_0c1d2e3f4a5b", raw));
}
