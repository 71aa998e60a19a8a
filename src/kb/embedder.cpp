#include "kb/embedder.hpp"

#include <cmath>
#include <cstdint>

#include "kb/kb_text.hpp"

namespace ca::kb {

namespace {

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Code-point boundaries of `w` (byte offsets, the end included).
std::vector<size_t> boundaries(std::string_view w) {
  std::vector<size_t> b;
  for (size_t i = 0; i < w.size(); ++i)
    if ((static_cast<unsigned char>(w[i]) & 0xC0) != 0x80) b.push_back(i);
  b.push_back(w.size());
  return b;
}

}  // namespace

TrigramEmbedder::TrigramEmbedder(size_t dimensions) : dims_(dimensions == 0 ? 1 : dimensions) {}

std::string TrigramEmbedder::model() const { return "local-trigram-v1-" + std::to_string(dims_); }

std::vector<float> TrigramEmbedder::embed_one(const std::string &text) const {
  std::vector<double> acc(dims_, 0.0);
  auto add = [&](std::string_view feature, double weight) {
    const uint64_t h = fnv1a(feature);
    const size_t idx = static_cast<size_t>(h % dims_);
    acc[idx] += ((h >> 63) != 0 ? -weight : weight);
  };
  for (const std::string &w : words(text)) {
    if (is_stop_word(w)) continue;
    const std::string padded = "^" + w + "$";
    const std::vector<size_t> b = boundaries(padded);
    for (size_t i = 0; i + 3 < b.size(); ++i) add(std::string_view(padded).substr(b[i], b[i + 3] - b[i]), 1.0);
    add("w:" + stem(w), 2.0);
  }
  double norm = 0;
  for (const double x : acc) norm += x * x;
  norm = std::sqrt(norm);
  std::vector<float> out(dims_, 0.0f);
  if (norm > 0)
    for (size_t i = 0; i < dims_; ++i) out[i] = static_cast<float>(acc[i] / norm);
  return out;
}

Result<std::vector<std::vector<float>>> TrigramEmbedder::embed(const std::vector<std::string> &texts) {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (const std::string &t : texts) out.push_back(embed_one(t));
  return out;
}

double cosine(const std::vector<float> &a, const std::vector<float> &b) {
  if (a.size() != b.size() || a.empty()) return 0;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * double(b[i]);
    na += double(a[i]) * double(a[i]);
    nb += double(b[i]) * double(b[i]);
  }
  if (na <= 0 || nb <= 0) return 0;
  return dot / (std::sqrt(na) * std::sqrt(nb));
}

}  // namespace ca::kb
