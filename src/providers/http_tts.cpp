#include "providers/http_tts.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "audio/g711.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "providers/net_runtime.hpp"

namespace ca::providers {

namespace {

constexpr size_t kMaxDetail = 300;  // characters of a vendor's error text kept in ours

// Distinct across processes too: a vendor that honours Idempotency-Key must never match ours
// with another process's request.
std::string idempotency_key() {
  static const uint64_t salt = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }();
  static std::atomic<uint64_t> next{1};
  char buf[48];
  std::snprintf(buf, sizeof buf, "tts-%016llx-%llu", static_cast<unsigned long long>(salt),
                static_cast<unsigned long long>(next.fetch_add(1)));
  return buf;
}

std::string clip(std::string s) {
  if (s.size() <= kMaxDetail) return s;
  size_t cut = kMaxDetail;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole code points
  s.resize(cut);
  return s + "…";
}

}  // namespace

// ---- decoders ----

Result<void> PcmS16Decoder::feed(std::string_view bytes, const PcmEmit &emit) {
  if (bytes.empty()) return {};
  const auto *p = reinterpret_cast<const uint8_t *>(bytes.data());
  size_t n = bytes.size();
  buf_.clear();
  if (have_odd_) {
    buf_.push_back(static_cast<int16_t>(static_cast<uint16_t>(odd_ | (p[0] << 8))));
    have_odd_ = false;
    ++p;
    --n;
  }
  for (size_t i = 0; i + 1 < n; i += 2) {
    buf_.push_back(static_cast<int16_t>(static_cast<uint16_t>(p[i] | (p[i + 1] << 8))));
  }
  if (n % 2 == 1) {
    odd_ = p[n - 1];
    have_odd_ = true;
  }
  if (!buf_.empty()) emit(buf_, rate_);
  return {};
}

Result<void> PcmS16Decoder::finish(const PcmEmit &) {
  if (have_odd_) {
    log::write(log::Level::debug, {}, "tts: a response ended inside a sample; the odd byte is dropped");
  }
  have_odd_ = false;
  return {};
}

Result<void> G711Decoder::feed(std::string_view bytes, const PcmEmit &emit) {
  if (bytes.empty()) return {};
  buf_.resize(bytes.size());
  const std::span<const uint8_t> in(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  if (alaw_) {
    audio::decode_alaw(in, buf_.data());
  } else {
    audio::decode_ulaw(in, buf_.data());
  }
  emit(buf_, rate_);
  return {};
}

std::string HttpTtsVendor::error_detail(std::string_view body) const {
  auto parsed = json::parse(body);
  if (!parsed) return clip(std::string(body));
  // OpenAI and Google: {"error":{"message":..}}; ElevenLabs: {"detail":{"message":..}} or
  // {"detail":".."}; FastAPI-style servers: {"detail":[{..,"msg":..}]}.
  for (const char *field : {"error", "detail"}) {
    const json::Value &e = (*parsed)[field];
    if (e.is_string()) return clip(e.as_string());
    if (e.is_object()) {
      for (const char *k : {"message", "msg", "status"}) {
        if (e[k].is_string() && !e[k].as_string().empty()) return clip(e[k].as_string());
      }
    }
    if (e.is_array() && !e.items().empty() && e.items()[0]["msg"].is_string()) {
      return clip(e.items()[0]["msg"].as_string());
    }
  }
  if ((*parsed)["message"].is_string()) return clip((*parsed)["message"].as_string());
  return clip(std::string(body));
}

// ---- the provider ----

namespace {

// One synthesis. The sink is called only under `mu` with `ended` false, so cancel() (which sets
// it under `mu`) returns only when no callback is running and none will follow. Recursive: a sink
// may cancel from inside a callback.
struct Job {
  TtsRequest request;
  std::shared_ptr<TtsSink> sink;
  std::recursive_mutex mu;
  bool ended = false;
  net::RequestId http = 0;
  // Loop thread only.
  std::unique_ptr<TtsBodyDecoder> decoder;
  PcmEmit emit;
  uint64_t samples = 0;
};

}  // namespace

struct HttpTts::Core : std::enable_shared_from_this<HttpTts::Core> {
  // Raw: the provider holds the runtime; after `closed` is set nothing here touches them.
  net::HttpClient *http = nullptr;
  net::EventLoop *loop = nullptr;
  std::shared_ptr<const HttpTtsVendor> vendor;
  HttpTtsLimits limits;
  std::string label;  // "openai tts" — the start of every error text
  std::atomic<bool> closed{false};

  mutable std::mutex mu;  // never held while taking a Job's
  std::unordered_multimap<RequestId, std::shared_ptr<Job>> jobs;

  void forget(const std::shared_ptr<Job> &job) {
    std::lock_guard l(mu);
    auto [b, e] = jobs.equal_range(job->request.id);
    for (auto it = b; it != e; ++it) {
      if (it->second == job) {
        jobs.erase(it);
        return;
      }
    }
  }

  void audio(Job &job, std::span<const int16_t> pcm, int rate) {
    std::lock_guard l(job.mu);
    if (job.ended || pcm.empty()) return;
    job.samples += pcm.size();
    job.sink->on_tts_audio(job.request.id, pcm, rate);
  }

  // Ends a job with done (error empty) or an error; false when it had already ended.
  bool end(const std::shared_ptr<Job> &job, const std::string *error) {
    {
      std::lock_guard l(job->mu);
      if (job->ended) return false;
      job->ended = true;
      if (error == nullptr) {
        job->sink->on_tts_done(job->request.id);
      } else {
        std::string message = secrets::redact(label + ": " + *error);
        log::write(log::Level::warn, {}, "tts: request failed", {{"provider", vendor->name()}, {"error", message}});
        job->sink->on_tts_error(job->request.id, std::move(message));
      }
    }
    forget(job);
    return true;
  }
  void fail(const std::shared_ptr<Job> &job, const std::string &error) { end(job, &error); }

  std::string describe(const net::HttpResult &r) const {
    switch (r.outcome) {
      case net::HttpOutcome::ok: return "ok";
      case net::HttpOutcome::http_error: {
        std::string detail = vendor->error_detail(r.body);
        std::string head = r.status == 429 ? "rate limited (HTTP 429)" : "HTTP " + std::to_string(r.status);
        if (r.attempts > 1) head += " after " + std::to_string(r.attempts) + " attempts";
        return detail.empty() ? head : head + ": " + detail;
      }
      case net::HttpOutcome::timeout: return std::string("timed out (") + net::timeout_name(r.timeout) + ")";
      case net::HttpOutcome::cancelled: return "cancelled";
      case net::HttpOutcome::transport: return "connection failed: " + r.message;
    }
    return r.message;
  }

  // Loop thread.
  void start(const std::shared_ptr<Job> &job) {
    if (closed) {
      fail(job, "the provider was closed");
      return;
    }
    {
      std::lock_guard l(job->mu);
      if (job->ended) return;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    vendor->prepare(job->request, [weak, job](Result<HttpTtsCall> call) {
      auto self = weak.lock();
      if (!self) return;
      if (!call) {
        self->fail(job, call.error().message);
        return;
      }
      self->send(job, std::move(*call));
    });
  }

  void send(const std::shared_ptr<Job> &job, HttpTtsCall call) {
    if (closed) {
      fail(job, "the provider was closed");
      return;
    }
    net::HttpRequest req = std::move(call.request);
    req.timeouts.total = limits.timeout;
    req.timeouts.idle = limits.idle_timeout;
    req.retry.max_attempts = std::max(1, limits.max_attempts);
    req.retry.statuses = {429, 502, 503, 504};
    req.retry.max_retry_after = limits.max_retry_after;
    // Synthesis changes nothing at the vendor: the key lets the client send the POST again.
    if (!net::find_header(req.headers, "Idempotency-Key")) req.headers.push_back({"Idempotency-Key", idempotency_key()});
    job->decoder = std::move(call.decoder);
    std::weak_ptr<Core> weak = weak_from_this();
    Job *raw = job.get();
    job->emit = [weak, raw](std::span<const int16_t> pcm, int rate) {
      if (auto self = weak.lock()) self->audio(*raw, pcm, rate);
    };

    net::HttpCallbacks cb;
    cb.on_data = [weak, job](std::string_view chunk) {
      auto self = weak.lock();
      if (!self || !job->decoder) return;
      {
        std::lock_guard l(job->mu);
        if (job->ended) return;
      }
      if (auto r = job->decoder->feed(chunk, job->emit); !r) {
        net::RequestId h = 0;
        {
          std::lock_guard l(job->mu);
          h = job->http;
        }
        self->fail(job, r.error().message);
        if (h != 0) self->http->cancel(h);
      }
    };
    cb.on_complete = [weak, job](const net::HttpResult &result) {
      auto self = weak.lock();
      if (!self) return;
      if (!result.ok()) {
        self->fail(job, self->describe(result));
        return;
      }
      if (job->decoder) {
        if (auto r = job->decoder->finish(job->emit); !r) {
          self->fail(job, r.error().message);
          return;
        }
      }
      bool silent = false;
      {
        std::lock_guard l(job->mu);
        silent = job->samples == 0;
      }
      if (silent) {
        self->fail(job, "the answer held no audio");
        return;
      }
      self->end(job, nullptr);
    };

    bool refused = false;
    {
      std::lock_guard l(job->mu);
      if (job->ended) return;
      job->http = http->request(std::move(req), std::move(cb));
      refused = job->http == 0;
    }
    if (refused) fail(job, "the network loop has stopped");
  }

  void cancel_jobs(std::vector<std::shared_ptr<Job>> hit) {
    for (auto &job : hit) {
      net::RequestId h = 0;
      {
        std::lock_guard l(job->mu);
        job->ended = true;
        h = job->http;
      }
      if (h != 0) http->cancel(h);  // the provider, which holds the client, is alive here
    }
  }
};

HttpTts::HttpTts(std::shared_ptr<NetRuntime> runtime, std::shared_ptr<const HttpTtsVendor> vendor, HttpTtsLimits limits)
    : runtime_(std::move(runtime)), core_(std::make_shared<Core>()) {
  core_->http = &runtime_->http();
  core_->loop = &runtime_->loop();
  core_->vendor = std::move(vendor);
  core_->limits = limits;
  core_->label = std::string(core_->vendor->name()) + " tts";
}

HttpTts::~HttpTts() {
  std::vector<std::shared_ptr<Job>> all;
  {
    std::lock_guard l(core_->mu);
    for (auto &[id, job] : core_->jobs) all.push_back(job);
    core_->jobs.clear();
  }
  core_->cancel_jobs(std::move(all));
  core_->closed = true;
  core_.reset();
}

std::string_view HttpTts::name() const { return core_->vendor->name(); }

void HttpTts::synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) {
  if (!sink) return;
  auto job = std::make_shared<Job>();
  job->request = request;
  job->sink = std::move(sink);
  {
    std::lock_guard l(core_->mu);
    core_->jobs.emplace(request.id, job);
  }
  if (request.text.empty()) {
    core_->fail(job, "no text to say");
    return;
  }
  // Weak: a queued task must not keep the provider's state (and what it owns) alive.
  if (!core_->loop->post([weak = std::weak_ptr<Core>(core_), job] {
        if (auto core = weak.lock()) core->start(job);
      })) {
    core_->fail(job, "the network loop has stopped");
  }
}

void HttpTts::cancel(RequestId id) {
  std::vector<std::shared_ptr<Job>> hit;
  {
    std::lock_guard l(core_->mu);
    auto [b, e] = core_->jobs.equal_range(id);
    for (auto it = b; it != e; ++it) hit.push_back(it->second);
    core_->jobs.erase(id);
  }
  core_->cancel_jobs(std::move(hit));
}

size_t HttpTts::active() const {
  std::lock_guard l(core_->mu);
  return core_->jobs.size();
}

// ---- helpers ----

Result<HttpTtsLimits> http_tts_limits(const FactoryArgs &args) {
  HttpTtsLimits l;
  auto total = number_option(args, "timeout_ms", 30000, 100, 600000);
  if (!total) return total.error();
  auto idle = number_option(args, "idle_timeout_ms", 10000, 100, 600000);
  if (!idle) return idle.error();
  l.timeout = millis(static_cast<int64_t>(*total));
  l.idle_timeout = millis(static_cast<int64_t>(*idle));
  l.max_retry_after = std::min(l.max_retry_after, l.timeout);
  return l;
}

std::string bcp47_locale(std::string_view language) {
  if (language.find('-') != std::string_view::npos || language.find('_') != std::string_view::npos) {
    std::string out(language);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
  }
  if (language == "uk") return "uk-UA";
  if (language == "ru") return "ru-RU";
  if (language == "en" || language.empty()) return "en-US";
  return std::string(language);
}

std::string primary_language(std::string_view language) {
  const size_t cut = language.find_first_of("-_");
  std::string out(language.substr(0, cut));
  for (char &c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace ca::providers
