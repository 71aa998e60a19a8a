#include "kb/openai_embedder.hpp"

#include <cstdlib>
#include <random>
#include <utility>

#include "core/json.hpp"
#include "core/log.hpp"
#include "net/http_sync.hpp"

namespace ca::kb {

namespace {

constexpr size_t kMaxMessage = 300;

bool header_safe(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

std::string request_key() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "emb-";
  for (int i = 0; i < 2; ++i) {
    uint64_t x = rng();
    for (int j = 0; j < 16; ++j, x >>= 4) out.push_back(kHex[x & 15]);
  }
  return out;
}

}  // namespace

std::string embeddings_url(std::string_view base_url) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/embeddings")) return url;
  if (url.ends_with("/v1")) return url + "/embeddings";
  return url + "/v1/embeddings";
}

OpenAIEmbedder::OpenAIEmbedder(OpenAIEmbedderOptions options) : opts_(std::move(options)) {
  url_ = embeddings_url(opts_.base_url);
  dims_ = opts_.dimensions;
  loop_ = std::move(opts_.loop);
  if (!loop_) loop_ = std::make_shared<net::EventLoop>("ca-embed");
  client_ = std::make_unique<net::HttpClient>(*loop_, opts_.http);
}

OpenAIEmbedder::~OpenAIEmbedder() { client_.reset(); }

Result<std::shared_ptr<OpenAIEmbedder>> OpenAIEmbedder::create(OpenAIEmbedderOptions options) {
  if (!options.base_url.starts_with("http://") && !options.base_url.starts_with("https://"))
    return make_error(Errc::config, "embeddings: the URL must start with http:// or https://");
  if (options.model.empty()) return make_error(Errc::config, "embeddings: a model name is needed");
  if (options.api_key.empty()) {
    if (const char *env = std::getenv("OPENAI_API_KEY"); env != nullptr) options.api_key = env;
  }
  // Said without the key itself: error messages end up in logs.
  if (!header_safe(options.api_key)) return make_error(Errc::config, "embeddings: the API key has invalid characters");
  if (options.max_batch == 0) options.max_batch = 1;
  if (options.retries < 0) options.retries = 0;
  std::shared_ptr<OpenAIEmbedder> e(new OpenAIEmbedder(std::move(options)));
  if (e->dims_.load() == 0) {
    auto probe = e->embed_batch({"dimension probe"}, 0);
    if (!probe)
      return make_error(probe.error().code, "embeddings: cannot learn the dimension: " + probe.error().message);
    if (probe->front().empty()) return make_error(Errc::protocol, "embeddings: the service returned an empty vector");
    e->dims_ = probe->front().size();
    log::write(log::Level::info, "", "embeddings: dimension learnt",
               {{"model", e->opts_.model}, {"dimensions", e->dims_.load()}});
  }
  return e;
}

Result<std::vector<std::vector<float>>> OpenAIEmbedder::embed(const std::vector<std::string> &texts) {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  const size_t dims = dims_.load();
  for (size_t at = 0; at < texts.size(); at += opts_.max_batch) {
    const size_t end = std::min(texts.size(), at + opts_.max_batch);
    const std::vector<std::string> batch(texts.begin() + static_cast<std::ptrdiff_t>(at),
                                         texts.begin() + static_cast<std::ptrdiff_t>(end));
    auto vectors = embed_batch(batch, dims);
    if (!vectors) return vectors.error();
    for (auto &v : *vectors) out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<std::vector<float>>> OpenAIEmbedder::embed_batch(const std::vector<std::string> &texts,
                                                                    size_t dims) {
  // A service may echo what it was sent: keep the key out of anything we report.
  auto scrub = [this](std::string s) {
    if (s.size() > kMaxMessage) s = s.substr(0, kMaxMessage) + "…";
    if (opts_.api_key.size() >= 4) {
      for (size_t at = s.find(opts_.api_key); at != std::string::npos; at = s.find(opts_.api_key, at))
        s.replace(at, opts_.api_key.size(), "[key]");
    }
    return s;
  };
  auto fail = [&](Errc code, std::string message) -> Error {
    message = "embeddings (" + opts_.model + "): " + scrub(std::move(message));
    log::write(log::Level::warn, "", "embeddings: request failed", {{"url", url_}, {"error", message}});
    return make_error(code, message);
  };

  json::Value input = json::Value::array();
  for (const auto &t : texts) input.push(t);
  net::HttpRequest req;
  req.method = "POST";
  req.url = url_;
  req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Accept", "application/json"});
  if (!opts_.api_key.empty()) req.headers.push_back({"Authorization", "Bearer " + opts_.api_key});
  // Embedding is free of side effects; the key tells the HTTP client a POST may be sent again.
  req.headers.push_back({"Idempotency-Key", request_key()});
  req.body = json::dump(json::Value().set("model", opts_.model).set("input", std::move(input)));
  req.timeouts.total = opts_.timeout;
  req.retry.max_attempts = opts_.retries + 1;
  req.retry.statuses = {429, 500, 502, 503, 504};
  req.retry.max_retry_after = opts_.timeout;

  const net::SyncResponse r = net::perform(*client_, *loop_, std::move(req));
  const net::HttpResult &res = r.result;
  if (res.outcome == net::HttpOutcome::http_error) {
    std::string detail;
    if (auto body = json::parse(res.body)) {
      const json::Value &e = (*body)["error"];
      detail = e.is_object() ? std::string(e["message"].str()) : std::string(e.str());
    }
    if (detail.empty()) detail = res.body;
    const Errc code = res.status == 401 || res.status == 403                        ? Errc::config
                      : res.status == 400 || res.status == 404 || res.status == 422 ? Errc::invalid_argument
                                                                                    : Errc::io;
    return fail(code, "HTTP " + std::to_string(res.status) + (detail.empty() ? "" : ": " + detail));
  }
  if (res.outcome == net::HttpOutcome::timeout) return fail(Errc::timeout, "no answer in time");
  if (!res.ok()) return fail(Errc::io, res.message);

  auto body = json::parse(r.body);
  if (!body) return fail(Errc::protocol, "the answer is not JSON: " + body.error().message);
  if (const json::Value *e = body->find("error"); e != nullptr && !e->is_null()) {
    return fail(Errc::protocol, "the service says: " + std::string(e->is_object() ? (*e)["message"].str() : e->str()));
  }
  const json::Value &data = (*body)["data"];
  if (!data.is_array()) return fail(Errc::protocol, "the answer has no \"data\" array");
  if (data.size() != texts.size()) {
    return fail(Errc::protocol,
                std::to_string(data.size()) + " embeddings for " + std::to_string(texts.size()) + " inputs");
  }
  std::vector<std::vector<float>> out(texts.size());
  std::vector<bool> seen(texts.size(), false);
  size_t want = dims;
  for (const json::Value &item : data.items()) {
    const json::Value *index = item.find("index");
    if (index == nullptr || !index->is_integer() || index->as_int() < 0 ||
        static_cast<uint64_t>(index->as_int()) >= texts.size()) {
      return fail(Errc::protocol, "an embedding without a valid \"index\"");
    }
    const auto i = static_cast<size_t>(index->as_int());
    if (seen[i]) return fail(Errc::protocol, "index " + std::to_string(i) + " twice");
    seen[i] = true;
    const json::Value &vec = item["embedding"];
    if (!vec.is_array()) return fail(Errc::protocol, "embedding " + std::to_string(i) + " is not an array of numbers");
    if (want == 0) want = vec.size();
    if (vec.size() != want) {
      return fail(Errc::protocol, "embedding " + std::to_string(i) + " has " + std::to_string(vec.size()) +
                                      " numbers, not " + std::to_string(want));
    }
    std::vector<float> &v = out[i];
    v.reserve(vec.size());
    for (const json::Value &x : vec.items()) {
      if (!x.is_number()) return fail(Errc::protocol, "embedding " + std::to_string(i) + " holds a non-number");
      v.push_back(static_cast<float>(x.as_double()));
    }
  }
  log::write(log::Level::debug, "", "embeddings", {{"inputs", texts.size()}, {"attempts", res.attempts}});
  return out;
}

}  // namespace ca::kb
