// Embeddings from an OpenAI-compatible service (OpenAI, Azure-style gateways, vLLM, llama.cpp
// server, Ollama's /v1, text-embeddings-inference ...): POST {"model", "input": [texts]} and read
// {"data": [{"index": i, "embedding": [...]}, ...]}.
//
// The URL: base_url with trailing slashes dropped, then
//   ends in "/embeddings"  → used as it is;
//   ends in "/v1"          → + "/embeddings"     (http://localhost:8000/v1 → …/v1/embeddings);
//   anything else          → + "/v1/embeddings"  (https://api.openai.com → …/v1/embeddings).
//
// Vectors are placed by their "index", never by array order (servers that embed in parallel
// answer out of order); every index must come exactly once and every vector must have the
// dimension. The dimension is the option's, or — when that is 0 — learnt by create() from one
// request embedding a short probe text, so the knowledge base knows it before its first import.
// Texts beyond max_batch are sent in several requests, in order.
//
// The key is sent as "Authorization: Bearer" and never logged or put in an error message.
// Failures (HTTP statuses, {"error": {"message"}} bodies, malformed answers, timeouts) become
// Result errors; 429 and 5xx are retried by the HTTP client, honouring Retry-After.
//
// Threads: embed() blocks the calling thread (an import, or a search on a tool worker — never the
// audio path) and may be called from several threads at once. Not from the client's loop thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "kb/embedder.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"

namespace ca::kb {

struct OpenAIEmbedderOptions {
  std::string base_url = "https://api.openai.com";
  std::string model = "text-embedding-3-small";
  std::string api_key;                   // empty: $OPENAI_API_KEY; still empty: no Authorization header
  size_t dimensions = 0;                 // 0: learnt from a probe request in create()
  size_t max_batch = 64;                 // texts per request
  Nanos timeout = seconds(60);           // per request, retries included
  int retries = 2;                       // on 429, 500, 502, 503, 504
  std::shared_ptr<net::EventLoop> loop;  // null: the embedder starts and owns one
  net::HttpClientOptions http;           // CA file, jitter seed, on_retry
};

class OpenAIEmbedder final : public Embedder {
 public:
  static Result<std::shared_ptr<OpenAIEmbedder>> create(OpenAIEmbedderOptions options);
  ~OpenAIEmbedder() override;
  OpenAIEmbedder(const OpenAIEmbedder &) = delete;
  OpenAIEmbedder &operator=(const OpenAIEmbedder &) = delete;

  // The model name as configured: it names the vector space in the knowledge base.
  std::string model() const override { return opts_.model; }
  size_t dimensions() const override { return dims_.load(); }
  size_t max_batch() const override { return opts_.max_batch; }
  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string> &texts) override;

  const std::string &url() const { return url_; }

 private:
  explicit OpenAIEmbedder(OpenAIEmbedderOptions options);
  // One request for at most max_batch texts; `dims` 0 accepts any (consistent) dimension.
  Result<std::vector<std::vector<float>>> embed_batch(const std::vector<std::string> &texts, size_t dims);

  OpenAIEmbedderOptions opts_;
  std::string url_;
  std::atomic<size_t> dims_{0};
  std::shared_ptr<net::EventLoop> loop_;  // before client_: the client must go first
  std::unique_ptr<net::HttpClient> client_;
};

// The embeddings endpoint for a base URL, by the rule above.
std::string embeddings_url(std::string_view base_url);

}  // namespace ca::kb
