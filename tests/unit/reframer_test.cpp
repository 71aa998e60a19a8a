#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "audio/reframer.hpp"

namespace {

std::vector<int16_t> ramp(size_t n, int first = 0) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>((first + static_cast<int>(i)) % 30000);
  return v;
}

// Pushes `input` in chunks of the given sizes (cycling) and collects the frames.
std::vector<std::vector<int16_t>> reframe(ca::audio::Reframer &r, const std::vector<int16_t> &input,
                                          const std::vector<size_t> &chunks) {
  std::vector<std::vector<int16_t>> frames;
  size_t pos = 0;
  for (size_t i = 0; pos < input.size(); ++i) {
    const size_t n = std::min(chunks[i % chunks.size()], input.size() - pos);
    r.push(std::span<const int16_t>(input).subspan(pos, n), [&](std::span<const int16_t> f) {
      frames.emplace_back(f.begin(), f.end());
    });
    pos += n;
    CHECK(r.buffered() < r.frame_samples());
  }
  return frames;
}

void check_frames(const std::vector<std::vector<int16_t>> &frames, const std::vector<int16_t> &input,
                  size_t frame) {
  REQUIRE(frames.size() == input.size() / frame);
  for (size_t i = 0; i < frames.size(); ++i) {
    REQUIRE(frames[i].size() == frame);
    CHECK(std::equal(frames[i].begin(), frames[i].end(), input.begin() + static_cast<std::ptrdiff_t>(i * frame)));
  }
}

}  // namespace

TEST_CASE("10 ms chunks become 20 ms frames, in order") {
  ca::audio::Reframer r(160);
  const auto in = ramp(80 * 101);
  const auto frames = reframe(r, in, {80});
  check_frames(frames, in, 160);
  CHECK(r.buffered() == 80);
}

TEST_CASE("30 ms chunks become 20 ms frames, in order") {
  ca::audio::Reframer r(160);
  const auto in = ramp(240 * 33);
  const auto frames = reframe(r, in, {240});
  check_frames(frames, in, 160);
  CHECK(frames.size() == 49);
  CHECK(r.buffered() == 80);
}

TEST_CASE("one sample at a time") {
  ca::audio::Reframer r(320);
  const auto in = ramp(320 * 5 + 17, 1000);
  const auto frames = reframe(r, in, {1});
  check_frames(frames, in, 320);
  CHECK(r.buffered() == 17);
}

TEST_CASE("odd, empty and oversized chunks") {
  ca::audio::Reframer r(160);
  const auto in = ramp(160 * 40 + 3, 7);
  const auto frames = reframe(r, in, {0, 1, 159, 161, 0, 7, 1000, 320, 33});
  check_frames(frames, in, 160);
  CHECK(r.buffered() == 3);
}

TEST_CASE("random chunkings preserve the content exactly") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t frame = 1 + rng() % 500;
    ca::audio::Reframer r(frame);
    const auto in = ramp(rng() % 20000, static_cast<int>(rng() % 1000));
    std::vector<size_t> chunks(17);
    for (auto &c : chunks) c = rng() % (3 * frame);
    chunks[0] = 1 + chunks[0];  // at least one non-empty chunk in the cycle
    check_frames(reframe(r, in, chunks), in, frame);
    CHECK(r.buffered() == in.size() % frame);
  }
}

TEST_CASE("bounded storage: never more than a frame, never reallocated by push") {
  ca::audio::Reframer r(160);
  CHECK(r.capacity() == 640);  // default: 4 frames
  const size_t cap = r.capacity();
  std::mt19937 rng(3);
  const auto in = ramp(100000);
  size_t pos = 0;
  size_t frames = 0;
  while (pos < in.size()) {
    const size_t n = std::min<size_t>(rng() % 700, in.size() - pos);
    r.push(std::span<const int16_t>(in).subspan(pos, n), [&](std::span<const int16_t>) { ++frames; });
    pos += n;
    REQUIRE(r.buffered() < 160);
    REQUIRE(r.capacity() == cap);
  }
  CHECK(frames == 100000 / 160);

  ca::audio::Reframer sized(160, 1000);
  CHECK(sized.capacity() == 1000);
  sized.set_frame_samples(960);  // within the reserve: no growth
  CHECK(sized.capacity() == 1000);
  sized.set_frame_samples(2000);  // beyond it: grows to fit
  CHECK(sized.capacity() == 2000);
}

TEST_CASE("set_frame_samples drops the partial frame; reset too") {
  ca::audio::Reframer r(160);
  const auto in = ramp(500);
  size_t frames = 0;
  auto count = [&](std::span<const int16_t> f) {
    CHECK(f.size() == r.frame_samples());
    ++frames;
  };
  r.push(std::span<const int16_t>(in).first(100), count);
  CHECK(r.buffered() == 100);
  r.set_frame_samples(320);
  CHECK(r.buffered() == 0);
  CHECK(r.frame_samples() == 320);
  r.push(std::span<const int16_t>(in).first(330), count);
  CHECK(frames == 1);
  CHECK(r.buffered() == 10);
  r.reset();
  CHECK(r.buffered() == 0);

  ca::audio::Reframer zero(0);  // taken as 1, rather than looping forever
  CHECK(zero.frame_samples() == 1);
  size_t ones = 0;
  zero.push(std::span<const int16_t>(in).first(5), [&](std::span<const int16_t>) { ++ones; });
  CHECK(ones == 5);
}
