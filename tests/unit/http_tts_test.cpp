// The pieces of the network TTS providers that need no network: body decoders under every split,
// and the small helpers.
#include "providers/http_tts.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "audio/g711.hpp"
#include "providers/elevenlabs/elevenlabs_tts.hpp"

using namespace ca;
using namespace ca::providers;

namespace {

std::string le_bytes(const std::vector<int16_t> &pcm) {
  std::string out;
  for (int16_t s : pcm) {
    out += static_cast<char>(static_cast<uint16_t>(s) & 0xFF);
    out += static_cast<char>(static_cast<uint16_t>(s) >> 8);
  }
  return out;
}

// Feeds `bytes` cut at random points (pieces of 1..max bytes) and collects what comes out.
std::vector<int16_t> decode_split(TtsBodyDecoder &d, const std::string &bytes, size_t max_piece, uint32_t seed,
                                  std::vector<int> *rates = nullptr) {
  std::mt19937 rng(seed);
  std::vector<int16_t> out;
  PcmEmit emit = [&](std::span<const int16_t> pcm, int rate) {
    out.insert(out.end(), pcm.begin(), pcm.end());
    if (rates) rates->push_back(rate);
  };
  for (size_t at = 0; at < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - at, 1 + rng() % max_piece);
    REQUIRE(d.feed(std::string_view(bytes).substr(at, n), emit));
    at += n;
  }
  REQUIRE(d.finish(emit));
  return out;
}

}  // namespace

TEST_CASE("PcmS16Decoder: a sample split across pieces is joined, whatever the cuts") {
  std::vector<int16_t> pcm = {0, 1, -1, 32767, -32768, 0x1234, -0x1234, 256, -256};
  std::mt19937 rng(3);
  for (int i = 0; i < 1000; ++i) pcm.push_back(static_cast<int16_t>(rng()));
  const std::string bytes = le_bytes(pcm);
  for (size_t max_piece : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{64}, size_t{4096}}) {
    for (uint32_t seed = 0; seed < 5; ++seed) {
      CAPTURE(max_piece);
      PcmS16Decoder d(24000);
      std::vector<int> rates;
      CHECK(decode_split(d, bytes, max_piece, seed, &rates) == pcm);
      CHECK(std::count(rates.begin(), rates.end(), 24000) == static_cast<std::ptrdiff_t>(rates.size()));
    }
  }
}

TEST_CASE("PcmS16Decoder: one byte at a time emits each sample once its second byte arrives") {
  PcmS16Decoder d(16000);
  std::vector<int16_t> out;
  int calls = 0;
  PcmEmit emit = [&](std::span<const int16_t> pcm, int) {
    ++calls;
    out.insert(out.end(), pcm.begin(), pcm.end());
  };
  REQUIRE(d.feed(std::string_view("\x34", 1), emit));
  CHECK(calls == 0);
  REQUIRE(d.feed(std::string_view("\x12\x78", 2), emit));
  CHECK(out == std::vector<int16_t>{0x1234});
  REQUIRE(d.feed(std::string_view("\x56", 1), emit));
  CHECK(out == std::vector<int16_t>{0x1234, 0x5678});
  REQUIRE(d.feed(std::string_view("\x01", 1), emit));  // a dangling byte at the end is dropped
  REQUIRE(d.finish(emit));
  CHECK(out.size() == 2);
}

TEST_CASE("G711Decoder: mu-law and A-law bytes become 8 kHz PCM") {
  std::vector<int16_t> pcm;
  for (int v = -32768; v < 32768; v += 97) pcm.push_back(static_cast<int16_t>(v));
  for (bool alaw : {false, true}) {
    std::string codes(pcm.size(), '\0');
    auto *c = reinterpret_cast<uint8_t *>(codes.data());
    alaw ? audio::encode_alaw(pcm, c) : audio::encode_ulaw(pcm, c);
    std::vector<int16_t> want(pcm.size());
    alaw ? audio::decode_alaw(std::span<const uint8_t>(c, pcm.size()), want.data())
         : audio::decode_ulaw(std::span<const uint8_t>(c, pcm.size()), want.data());
    G711Decoder d(alaw, 8000);
    std::vector<int> rates;
    CHECK(decode_split(d, codes, 3, 1, &rates) == want);
    CHECK(std::count(rates.begin(), rates.end(), 8000) == static_cast<std::ptrdiff_t>(rates.size()));
  }
}

TEST_CASE("helpers: locales, languages, URL encoding, ElevenLabs formats") {
  CHECK(bcp47_locale("uk") == "uk-UA");
  CHECK(bcp47_locale("ru") == "ru-RU");
  CHECK(bcp47_locale("en") == "en-US");
  CHECK(bcp47_locale("ru_RU") == "ru-RU");
  CHECK(bcp47_locale("en-GB") == "en-GB");
  CHECK(primary_language("ru-RU") == "ru");
  CHECK(primary_language("UK") == "uk");
  CHECK(url_encode("a b/ц~-_.") == "a%20b%2F%D1%86~-_.");
  CHECK(elevenlabs_format_rate("pcm_16000") == 16000);
  CHECK(elevenlabs_format_rate("pcm_22050") == 22050);
  CHECK(elevenlabs_format_rate("ulaw_8000") == 8000);
  CHECK(elevenlabs_format_rate("alaw_8000") == 8000);
  CHECK(elevenlabs_format_rate("pcm_12345") == 0);
  CHECK(elevenlabs_format_rate("mp3_44100_128") == 0);
  CHECK(elevenlabs_format_rate("pcm_") == 0);
}

TEST_CASE("error details: the vendors' error shapes give their message") {
  struct Plain final : HttpTtsVendor {
    std::string_view name() const override { return "t"; }
    void prepare(const TtsRequest &, std::function<void(Result<HttpTtsCall>)>) const override {}
  } v;
  CHECK(v.error_detail(R"({"error":{"message":"Invalid voice","type":"x"}})") == "Invalid voice");
  CHECK(v.error_detail(R"({"error":{"code":400,"message":"Bad rate","status":"INVALID_ARGUMENT"}})") == "Bad rate");
  CHECK(v.error_detail(R"({"detail":{"status":"quota_exceeded","message":"Quota"}})") == "Quota");
  CHECK(v.error_detail(R"({"detail":"Not found"})") == "Not found");
  CHECK(v.error_detail("plain text") == "plain text");
  CHECK(v.error_detail(std::string(1000, 'x')).size() < 400);
}
