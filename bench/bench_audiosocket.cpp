// AudioSocket parser and serializer. Budget: the server parses every byte of every call on one
// event loop, so the parser must run at hundreds of MB/s (8 kHz audio is 16 KB/s per call);
// the 1-byte feed is the worst case a hostile or unlucky TCP segmentation can produce.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "transport/audiosocket_codec.hpp"

namespace {

namespace as = ca::audiosocket;

constexpr size_t kSamples = 160;  // 20 ms at 8 kHz
constexpr size_t kMessage = as::kHeaderSize + kSamples * 2;  // 323 bytes

// `count` back-to-back 8 kHz audio messages with varying content.
std::vector<uint8_t> audio_stream(size_t count) {
  std::vector<uint8_t> s(count * kMessage);
  std::vector<int16_t> samples(kSamples);
  for (size_t m = 0; m < count; ++m) {
    for (size_t i = 0; i < kSamples; ++i) samples[i] = static_cast<int16_t>(m * 31 + i * 7);
    as::serialize_audio(as::kind::slin8, samples, s.data() + m * kMessage);
  }
  return s;
}

struct Sink {
  size_t messages = 0;
  size_t payload_bytes = 0;
  uint32_t check = 0;
  void operator()(const as::Message &m) {
    ++messages;
    payload_bytes += m.payload.size();
    check += m.payload[m.payload.size() / 2];  // touch the payload, as a consumer would
  }
};

void feed_in_chunks(benchmark::State &state, size_t chunk, size_t stream_messages) {
  const auto stream = audio_stream(stream_messages);
  as::Parser parser;
  Sink sink;
  for (auto _ : state) {
    for (size_t pos = 0; pos < stream.size(); pos += chunk) {
      const size_t n = std::min(chunk, stream.size() - pos);
      if (parser.feed(std::span<const uint8_t>(stream).subspan(pos, n), sink) != as::ParseError::none) {
        state.SkipWithError("parse error");
        return;
      }
    }
    benchmark::DoNotOptimize(sink.check);
  }
  if (!parser.at_boundary() || sink.messages != stream_messages * state.iterations()) {
    state.SkipWithError("lost messages");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.SetItemsProcessed(static_cast<int64_t>(sink.messages));  // items = 20 ms messages
}

// ~1 MiB of audio (3246 messages) in 64 KiB reads: most messages take the zero-copy path, the
// ones straddling a read boundary are assembled.
void BM_ParseFeed64K(benchmark::State &state) { feed_in_chunks(state, 64 * 1024, 3246); }
BENCHMARK(BM_ParseFeed64K);

void BM_ParseFeed1Byte(benchmark::State &state) { feed_in_chunks(state, 1, 203); }
BENCHMARK(BM_ParseFeed1Byte);

// Parse and convert the payload to samples: what the server does per received frame.
void BM_ParseAndDecode64K(benchmark::State &state) {
  const auto stream = audio_stream(3246);
  as::Parser parser;
  std::vector<int16_t> samples(as::kDefaultMaxAudioPayload / 2);
  int64_t acc = 0;
  auto on = [&](const as::Message &m) {
    as::decode_samples(m.payload, samples.data());
    acc += samples[0];
  };
  for (auto _ : state) {
    for (size_t pos = 0; pos < stream.size(); pos += 64 * 1024) {
      const size_t n = std::min<size_t>(64 * 1024, stream.size() - pos);
      (void)parser.feed(std::span<const uint8_t>(stream).subspan(pos, n), on);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_ParseAndDecode64K);

void BM_SerializeAudioFrame(benchmark::State &state) {
  std::vector<int16_t> samples(kSamples);
  for (size_t i = 0; i < kSamples; ++i) samples[i] = static_cast<int16_t>(i * 101);
  std::vector<uint8_t> out(kMessage);
  for (auto _ : state) {
    const size_t n = as::serialize_audio(as::kind::slin8, samples, out.data());
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kMessage));
}
BENCHMARK(BM_SerializeAudioFrame);

}  // namespace
