// SHA-256 (FIPS 180-4), for content keys that must not collide: the TTS phrase cache names its
// files by it. Small and dependency-free; nothing here is on a hot path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ca {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();

 private:
  void block(const uint8_t *p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t total_ = 0;  // bytes
};

std::array<uint8_t, 32> sha256(std::string_view data);
// 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace ca
