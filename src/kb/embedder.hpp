// Dense retrieval: texts to vectors. The knowledge base embeds every chunk at import and each query
// at search time, ranks chunks by cosine similarity and fuses that ranking with BM25's.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ca::kb {

// Shaped after an OpenAI-compatible POST /v1/embeddings: a model name, a fixed dimension and a batch
// of inputs per request. An implementation may block (an HTTP round trip) and must allow calls from
// several threads at once: each search embeds its query without holding the knowledge base's lock.
// Imports embed chunks under that lock, but never inside a database transaction.
class Embedder {
 public:
  virtual ~Embedder() = default;

  // Names the vector space. Stored next to every vector, so vectors from another model (or another
  // dimension) are never compared with this one's: they are re-embedded instead.
  virtual std::string model() const = 0;
  // Length of every vector embed() returns.
  virtual size_t dimensions() const = 0;
  // Most texts one embed() call is given (the service's batch limit; 20 by default).
  virtual size_t max_batch() const { return 20; }
  // One vector per text, in order. Any other count or length is treated as a failure.
  virtual Result<std::vector<std::vector<float>>> embed(const std::vector<std::string> &texts) = 0;
};

// A small local embedder that needs no model file and no network: every content word (stop words
// dropped, text normalized as the index is) adds its character trigrams ("^ши", "шин", "ина",
// "на$") and its stem to a hashed, signed bag of features, and the vector is L2-normalised. Words
// that share trigrams — inflected forms, typos, transliterations — land near each other, which is
// what lexical search with exact stems misses. Deterministic across runs and platforms.
class TrigramEmbedder final : public Embedder {
 public:
  explicit TrigramEmbedder(size_t dimensions = 512);
  std::string model() const override;
  size_t dimensions() const override { return dims_; }
  size_t max_batch() const override { return 64; }
  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string> &texts) override;

  std::vector<float> embed_one(const std::string &text) const;

 private:
  size_t dims_;
};

// Cosine similarity; 0 when either vector is zero or the lengths differ.
double cosine(const std::vector<float> &a, const std::vector<float> &b);

}  // namespace ca::kb
