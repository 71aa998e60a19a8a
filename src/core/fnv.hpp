// FNV-1a, 64 bit: a stable, fast, non-cryptographic hash (replay fingerprints, idempotency keys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ca {

struct Fnv {
  uint64_t h = 14695981039346656037ull;
  void add(const void *p, size_t n) {
    const auto *b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  }
  // Length-prefixed, so ("ab","c") and ("a","bc") differ.
  void add(std::string_view s) {
    const uint64_t n = s.size();
    add(&n, sizeof n);
    add(s.data(), s.size());
  }
  void add_i64(int64_t v) { add(&v, sizeof v); }
};

}  // namespace ca
