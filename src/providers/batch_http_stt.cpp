#include "providers/batch_http_stt.hpp"

#include <future>
#include <map>
#include <mutex>
#include <random>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"

namespace ca::providers {

namespace {

constexpr size_t kMaxAnswer = 1 << 20;  // a transcript answer is a few kB; more is a broken server
constexpr size_t kMaxDetail = 300;

struct Stream {
  SttParams params;
  std::shared_ptr<SttSink> sink;
  std::vector<int16_t> pcm;
  size_t max_samples = 0;
  bool truncated = false;
  bool finished = false;
  bool cancelled = false;  // or ended: nothing more reaches the sink
  net::RequestId http = 0;
  std::string answer;
};

}  // namespace

struct BatchHttpStt::Core {
  std::shared_ptr<BatchSttBackend> backend;
  BatchSttOptions options;
  std::mutex mu;
  std::map<RequestId, std::shared_ptr<Stream>> streams;
  bool closed = false;
  // Held while an event is handed to a sink, and by cancel() before it returns, so no event
  // reaches a sink after its stream was cancelled. Recursive: a sink may cancel from inside.
  std::recursive_mutex deliver_mu;

  // Keys and tokens out of anything we report (the server may echo what it was sent).
  std::string scrub(std::string text) const {
    if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail) + "...";
    text = secrets::redact(text);
    const std::string &key = options.api_key;
    if (key.size() >= 4) {
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at))
        text.replace(at, key.size(), "[SECRET]");
    }
    return text;
  }

  // Hands `event` to the stream's sink unless it was cancelled; a terminal event ends the stream.
  void deliver(const std::shared_ptr<Stream> &s, SttEvent event) {
    std::lock_guard deliver_lock(deliver_mu);
    const bool terminal = event.type == SttEvent::Type::done || event.type == SttEvent::Type::error;
    std::shared_ptr<SttSink> sink;
    {
      std::lock_guard lock(mu);
      if (s->cancelled) return;
      sink = s->sink;
      if (terminal) {
        s->cancelled = true;
        auto it = streams.find(s->params.id);
        if (it != streams.end() && it->second == s) streams.erase(it);
      }
    }
    if (event.type == SttEvent::Type::error) {
      event.text = scrub(std::move(event.text));
      log::write(log::Level::warn, "", "stt: request failed", {{"provider", backend->name()}, {"error", event.text}});
    }
    if (sink) sink->on_stt(s->params.id, std::move(event));
  }

  void fail(const std::shared_ptr<Stream> &s, std::string message) {
    SttEvent e;
    e.type = SttEvent::Type::error;
    e.text = std::string(backend->name()) + ": " + std::move(message);
    deliver(s, std::move(e));
  }

  void complete(const std::shared_ptr<Stream> &s, const net::HttpResult &r) {
    if (r.outcome == net::HttpOutcome::cancelled) return;
    const std::string attempts = r.attempts > 1 ? " (after " + std::to_string(r.attempts) + " attempts)" : "";
    if (r.outcome == net::HttpOutcome::http_error) {
      const std::string detail = backend->error_detail(r.body);
      fail(s, "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail) + attempts);
      return;
    }
    if (r.outcome == net::HttpOutcome::timeout) {
      fail(s, std::string("no answer in time (") + net::timeout_name(r.timeout) + " timeout)" + attempts);
      return;
    }
    if (!r.ok()) {
      fail(s, std::string(net::outcome_name(r.outcome)) + ": " + r.message + attempts);
      return;
    }
    std::string body;
    {
      std::lock_guard lock(mu);
      body.swap(s->answer);
    }
    auto parsed = backend->parse(s->params, body);
    if (!parsed) {
      fail(s, parsed.error().message);
      return;
    }
    if (parsed->has_value()) {
      SttEvent final_event = std::move(**parsed);
      final_event.type = SttEvent::Type::final;
      deliver(s, std::move(final_event));
    }
    SttEvent done;
    done.type = SttEvent::Type::done;
    deliver(s, std::move(done));
  }

  // Loop thread: the request is built; start it unless the stream was cancelled meanwhile.
  void send(const std::shared_ptr<Core> &self, NetRuntime *rt, const std::shared_ptr<Stream> &s,
            Result<net::HttpRequest> built) {
    if (!built) {
      fail(s, built.error().message);
      return;
    }
    net::HttpRequest req = std::move(*built);
    req.timeouts.total = options.timeout;
    req.retry = options.retry;
    // Recognition changes nothing on the server: the client may send the POST again.
    if (!net::find_header(req.headers, "Idempotency-Key"))
      req.headers.push_back({"Idempotency-Key", random_token("stt-")});
    net::HttpCallbacks cb;
    cb.on_data = [self, s](std::string_view chunk) {
      std::lock_guard lock(self->mu);
      if (s->answer.size() + chunk.size() <= kMaxAnswer) s->answer.append(chunk);
    };
    cb.on_complete = [self, s](const net::HttpResult &r) { self->complete(s, r); };
    std::lock_guard lock(mu);
    if (closed || s->cancelled) return;
    // Under the lock: a cancel() now either sees the id or ran before and was seen above.
    s->http = rt->http().request(std::move(req), std::move(cb));
  }
};

std::string BatchSttBackend::error_detail(std::string_view body) const {
  // {"error": {"message": "..."}} (OpenAI, Google) or {"error": "..."} (whisper.cpp).
  if (auto v = json::parse(body)) {
    const json::Value &e = (*v)["error"];
    if (e.is_object()) return std::string(e["message"].str());
    if (e.is_string()) return e.as_string();
  }
  std::string text(body.substr(0, std::min<size_t>(body.size(), 200)));
  for (char &c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return text;
}

std::string random_token(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int i = 0; i < 2; ++i) {
    uint64_t x = rng();
    for (int j = 0; j < 16; ++j, x >>= 4) out.push_back(kHex[x & 15]);
  }
  return out;
}

BatchHttpStt::BatchHttpStt(std::shared_ptr<NetRuntime> runtime, std::shared_ptr<BatchSttBackend> backend,
                           BatchSttOptions options, std::shared_ptr<void> keep)
    : runtime_(std::move(runtime)), core_(std::make_shared<Core>()), keep_(std::move(keep)) {
  core_->backend = std::move(backend);
  core_->options = std::move(options);
  secrets::add(core_->options.api_key);
}

BatchHttpStt::~BatchHttpStt() {
  std::vector<net::RequestId> requests;
  {
    std::lock_guard lock(core_->mu);
    core_->closed = true;
    for (auto &[id, s] : core_->streams) {
      s->cancelled = true;
      if (s->http != 0) requests.push_back(s->http);
    }
    core_->streams.clear();
  }
  for (const net::RequestId id : requests) runtime_->http().cancel(id);
  // A barrier: once the loop has run this, no task of ours that touches the backend or `keep_`
  // is pending, so both may go.
  if (!runtime_->loop().on_loop_thread()) {
    auto passed = std::make_shared<std::promise<void>>();
    auto future = passed->get_future();
    if (runtime_->loop().post([passed] { passed->set_value(); })) future.wait();
  }
  std::lock_guard wait_for_delivery(core_->deliver_mu);
}

std::string_view BatchHttpStt::name() const { return core_->backend->name(); }

void BatchHttpStt::open(const SttParams &params, std::shared_ptr<SttSink> sink) {
  auto s = std::make_shared<Stream>();
  s->params = hints_.add_to(params);
  s->sink = std::move(sink);
  const int rate = params.sample_rate > 0 ? params.sample_rate : 8000;
  s->max_samples = static_cast<size_t>(rate) * core_->options.max_seconds;
  net::RequestId replaced = 0;
  {
    std::lock_guard lock(core_->mu);
    if (core_->closed) return;
    std::shared_ptr<Stream> &slot = core_->streams[params.id];
    if (slot) {  // an id used again: the old stream is over
      slot->cancelled = true;
      replaced = slot->http;
    }
    slot = std::move(s);
  }
  if (replaced != 0) runtime_->http().cancel(replaced);
}

void BatchHttpStt::push(RequestId stream, std::span<const int16_t> pcm) {
  std::lock_guard lock(core_->mu);
  auto it = core_->streams.find(stream);
  if (it == core_->streams.end()) return;
  Stream &s = *it->second;
  if (s.finished) return;
  const size_t room = s.max_samples > s.pcm.size() ? s.max_samples - s.pcm.size() : 0;
  if (pcm.size() > room) s.truncated = true;
  s.pcm.insert(s.pcm.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(std::min(room, pcm.size())));
}

void BatchHttpStt::finish(RequestId stream) {
  std::shared_ptr<Stream> s;
  std::vector<int16_t> pcm;
  {
    std::lock_guard lock(core_->mu);
    auto it = core_->streams.find(stream);
    if (it == core_->streams.end() || it->second->finished) return;
    s = it->second;
    s->finished = true;
    pcm.swap(s->pcm);
  }
  if (s->truncated) {
    log::write(log::Level::warn, "", "stt: utterance too long, the end was dropped",
               {{"provider", core_->backend->name()}, {"max_seconds", core_->options.max_seconds}});
  }
  NetRuntime *rt = runtime_.get();
  runtime_->loop().post([core = core_, rt, s, pcm = std::move(pcm)]() mutable {
    {
      std::lock_guard lock(core->mu);
      if (core->closed || s->cancelled) return;
    }
    if (pcm.empty()) {  // nothing to recognise: no request at all
      SttEvent done;
      done.type = SttEvent::Type::done;
      core->deliver(s, std::move(done));
      return;
    }
    core->backend->build(s->params, std::move(pcm), [core, rt, s](Result<net::HttpRequest> req) {
      core->send(core, rt, s, std::move(req));
    });
  });
}

void BatchHttpStt::cancel(RequestId stream) {
  net::RequestId http = 0;
  {
    std::lock_guard lock(core_->mu);
    auto it = core_->streams.find(stream);
    if (it == core_->streams.end()) return;
    it->second->cancelled = true;
    http = it->second->http;
    core_->streams.erase(it);
  }
  if (http != 0) runtime_->http().cancel(http);
  // Waits for a delivery in progress on the loop thread, so none follows this return.
  std::lock_guard wait_for_delivery(core_->deliver_mu);
}

Result<BatchSttOptions> batch_stt_options(const FactoryArgs &args, int64_t default_max_seconds,
                                          int64_t max_max_seconds) {
  auto timeout = int_option(args, "timeout_ms", 30000, 100, 600000);
  if (!timeout) return timeout.error();
  auto retries = int_option(args, "retries", 2, 0, 10);
  if (!retries) return retries.error();
  auto max_seconds = int_option(args, "max_seconds", default_max_seconds, 1, max_max_seconds);
  if (!max_seconds) return max_seconds.error();
  BatchSttOptions o;
  o.timeout = millis(*timeout);
  o.retry.max_attempts = static_cast<int>(*retries) + 1;
  o.max_seconds = static_cast<size_t>(*max_seconds);
  return o;
}

}  // namespace ca::providers
