#include "core/base64.hpp"

#include <array>

namespace ca::base64 {

namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr int8_t kSkip = -2;
constexpr int8_t kBad = -1;

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto &v : t) v = kBad;
  for (int i = 0; i < 64; ++i) {
    t[static_cast<uint8_t>(kStd[i])] = static_cast<int8_t>(i);
    t[static_cast<uint8_t>(kUrl[i])] = static_cast<int8_t>(i);
  }
  for (char c : {' ', '\t', '\r', '\n'}) t[static_cast<uint8_t>(c)] = kSkip;
  return t;
}
constexpr std::array<int8_t, 256> kTable = make_table();

std::string encode_with(const uint8_t *p, size_t n, const char *alphabet, bool pad) {
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const size_t rest = n - i; rest > 0) {
    const uint32_t v = uint32_t{p[i]} << 16 | (rest == 2 ? uint32_t{p[i + 1]} << 8 : 0);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

}  // namespace

std::string encode(std::span<const uint8_t> bytes) { return encode_with(bytes.data(), bytes.size(), kStd, true); }

std::string encode(std::string_view bytes) {
  return encode_with(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), kStd, true);
}

std::string encode_url(std::string_view bytes) {
  return encode_with(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), kUrl, false);
}

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int have = 0;     // sextets in acc
  int padding = 0;  // '=' seen
  for (const char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    const int8_t v = kTable[static_cast<uint8_t>(c)];
    if (v == kSkip) continue;
    if (v == kBad || padding > 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(v);
    if (++have == 4) {
      out += static_cast<char>(acc >> 16);
      out += static_cast<char>((acc >> 8) & 0xFF);
      out += static_cast<char>(acc & 0xFF);
      acc = 0;
      have = 0;
    }
  }
  switch (have) {
    case 0: break;
    case 1: return std::nullopt;  // 6 bits cannot make a byte
    case 2: out += static_cast<char>(acc >> 4); break;
    case 3:
      out += static_cast<char>(acc >> 10);
      out += static_cast<char>((acc >> 2) & 0xFF);
      break;
    default: break;
  }
  if (padding > 0 && (have == 0 || padding != 4 - have)) return std::nullopt;
  return out;
}

}  // namespace ca::base64
