#include "providers/llm_stream.hpp"

#include <optional>
#include <random>
#include <thread>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "providers/credentials.hpp"

namespace ca::providers {

namespace {
constexpr size_t kMaxDetail = 400;

std::string clip(std::string s) {
  if (s.size() > kMaxDetail) {
    size_t cut = kMaxDetail;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    s = s.substr(0, cut) + "…";
  }
  return s;
}
}  // namespace

std::string describe_http_error(int status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status);
  std::string type;
  std::string message;
  if (auto v = json::parse(body)) {
    const json::Value &e = (*v)["error"];
    if (e.is_object()) {
      type = std::string(e["type"].str());
      if (type.empty() && e["code"].is_string()) type = std::string(e["code"].str());
      message = std::string(e["message"].str());
    } else if (e.is_string()) {
      message = e.as_string();
    }
  }
  if (type.empty() && message.empty()) {
    std::string text(body);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    message = text;
  }
  if (!type.empty()) out += " " + type;
  if (!message.empty()) out += ": " + clip(message);
  return out;
}

std::string idempotency_key(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int i = 0; i < 2; ++i) {
    uint64_t x = rng();
    for (int j = 0; j < 16; ++j, x >>= 4) out.push_back(kHex[x & 15]);
  }
  return out;
}

struct LlmStreamRunner::Stream final : LlmStreamOut {
  RequestId id = 0;
  std::shared_ptr<LlmSink> sink;
  std::unique_ptr<LlmStreamDecoder> decoder;
  std::string label;
  net::HttpClient *client = nullptr;
  std::weak_ptr<Table> table;
  // Held while the sink is called, so a cancel() from another thread waits for a delivery in
  // progress; recursive because the sink may cancel from inside its own callback.
  std::recursive_mutex mu;
  std::atomic<bool> closed{false};
  net::RequestId http = 0;  // under mu
  bool http_done = false;   // loop thread
  std::optional<net::SseParser> parser;

  void forget() {
    if (auto t = table.lock()) {
      std::lock_guard lock(t->mu);
      auto it = t->streams.find(id);
      if (it != t->streams.end() && it->second.get() == this) t->streams.erase(it);
    }
  }

  void text(std::string_view delta) override {
    if (delta.empty()) return;
    std::lock_guard lock(mu);
    if (closed) return;
    sink->on_llm_text(id, delta);
  }
  void tool_call(agent::ToolCall call) override {
    std::lock_guard lock(mu);
    if (closed) return;
    sink->on_llm_tool_call(id, std::move(call));
  }
  void done(LlmUsage usage) override {
    {
      std::lock_guard lock(mu);
      if (closed) return;
      closed = true;
      sink->on_llm_done(id, usage);
    }
    forget();
  }
  void error(std::string message) override {
    net::RequestId stop = 0;
    {
      std::lock_guard lock(mu);
      if (closed) return;
      closed = true;
      message = secrets::redact(label + ": " + message);
      log::write(log::Level::warn, "", "llm: request failed", {{"error", message}});
      sink->on_llm_error(id, std::move(message));
      if (!http_done) stop = http;
    }
    forget();
    // The rest of the answer is of no use: close the connection rather than read it.
    if (stop != 0) client->cancel(stop);
  }
  bool ended() const override { return closed; }
};

LlmStreamRunner::LlmStreamRunner(std::shared_ptr<NetRuntime> runtime, std::string label)
    : runtime_(std::move(runtime)), label_(std::move(label)), table_(std::make_shared<Table>()) {}

LlmStreamRunner::~LlmStreamRunner() {
  std::map<RequestId, std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(table_->mu);
    streams.swap(table_->streams);
  }
  for (auto &[id, s] : streams) {
    net::RequestId http = 0;
    {
      std::lock_guard lock(s->mu);
      s->closed = true;
      http = s->http;
    }
    if (http != 0) runtime_->http().cancel(http);
  }
}

size_t LlmStreamRunner::active() const {
  std::lock_guard lock(table_->mu);
  return table_->streams.size();
}

void LlmStreamRunner::start(RequestId id, net::HttpRequest request, std::unique_ptr<LlmStreamDecoder> decoder,
                            std::shared_ptr<LlmSink> sink) {
  auto s = std::make_shared<Stream>();
  s->id = id;
  s->sink = std::move(sink);
  s->decoder = std::move(decoder);
  s->label = label_;
  s->client = &runtime_->http();
  s->table = table_;
  Stream *raw = s.get();
  s->parser.emplace([raw](const net::SseEvent &e) {
    raw->decoder->on_event(e, *raw);
    return !raw->closed;
  });
  std::shared_ptr<Stream> replaced;
  {
    std::lock_guard lock(table_->mu);
    auto &slot = table_->streams[id];
    replaced = std::move(slot);
    slot = s;
  }
  if (replaced) {
    // The same id twice: the older request can no longer be told apart, so it ends silently.
    std::lock_guard lock(replaced->mu);
    replaced->closed = true;
    if (replaced->http != 0) runtime_->http().cancel(replaced->http);
  }

  // The callbacks own the stream; the HTTP client drops them when the request completes.
  net::HttpCallbacks cb;
  cb.on_data = [s](std::string_view chunk) {
    if (!s->closed) s->parser->feed(chunk);
  };
  cb.on_complete = [s](const net::HttpResult &r) {
    {
      std::lock_guard lock(s->mu);
      s->http_done = true;
    }
    if (s->closed) {
      s->forget();
      return;
    }
    switch (r.outcome) {
      case net::HttpOutcome::ok:
        // A body that ends inside an event was cut, whatever the decoder has seen so far.
        if (s->parser->mid_event()) {
          s->error("the stream was cut in the middle of an event");
          break;
        }
        s->decoder->on_end(*s);
        if (!s->closed) s->error("the stream ended without its end event");
        break;
      case net::HttpOutcome::http_error:
        s->error(describe_http_error(r.status, r.body));
        break;
      case net::HttpOutcome::timeout:
        s->error(std::string("timeout (") + net::timeout_name(r.timeout) + ")" +
                 (r.message.empty() ? "" : ": " + r.message));
        break;
      case net::HttpOutcome::cancelled:
        s->error("cancelled");
        break;
      case net::HttpOutcome::transport:
        s->error(s->parser->events() > 0 ? "the stream broke off: " + r.message : "connection failed: " + r.message);
        break;
    }
    s->forget();
  };

  const net::RequestId http = runtime_->http().request(std::move(request), std::move(cb));
  if (http == 0) {
    s->error("the network runtime has stopped");
    return;
  }
  bool cancel_now = false;
  {
    std::lock_guard lock(s->mu);
    s->http = http;
    cancel_now = s->closed && !s->http_done;
  }
  if (cancel_now) runtime_->http().cancel(http);
}

void LlmStreamRunner::cancel(RequestId id) {
  std::shared_ptr<Stream> s;
  {
    std::lock_guard lock(table_->mu);
    auto it = table_->streams.find(id);
    if (it == table_->streams.end()) return;
    s = std::move(it->second);
    table_->streams.erase(it);
  }
  net::RequestId http = 0;
  {
    std::lock_guard lock(s->mu);
    if (s->closed) return;
    s->closed = true;
    if (!s->http_done) http = s->http;
  }
  if (http != 0) runtime_->http().cancel(http);
}

}  // namespace ca::providers

namespace ca::providers {

Result<void> read_http_llm_options(const FactoryArgs &args, HttpLlmOptions &o) {
  if (auto ok = check_option_keys(args, {"model", "max_tokens", "temperature", "base_url", "api_key_env", "api_key",
                                         "timeout_ms", "first_byte_timeout_ms", "retries"});
      !ok)
    return ok.error();
  auto bad = [&](std::string_view key, std::string_view what) {
    return make_error(Errc::config, args.where + ": " + args.name + ": " + std::string(key) + " must be " + std::string(what));
  };
  if (const json::Value *v = args.options.find("model")) {
    if (!v->is_string() || v->str().empty()) return bad("model", "a model name");
    o.model = v->as_string();
  }
  if (const json::Value *v = args.options.find("max_tokens")) {
    if (!v->is_integer() || v->as_int() < 1 || v->as_int() > 1'000'000) return bad("max_tokens", "a positive integer");
    o.max_tokens = static_cast<int>(v->as_int());
  }
  if (const json::Value *v = args.options.find("temperature")) {
    if (!v->is_number() || v->as_double() < 0 || v->as_double() > 2) return bad("temperature", "a number from 0 to 2");
    o.temperature = v->as_double();
  }
  auto millis_option = [&](std::string_view key, Nanos *out) -> Result<void> {
    if (const json::Value *v = args.options.find(key)) {
      if (!v->is_integer() || v->as_int() < 0) return bad(key, "a number of milliseconds (0: none)");
      *out = millis(v->as_int());
    }
    return {};
  };
  if (auto r = millis_option("timeout_ms", &o.timeout); !r) return r;
  if (auto r = millis_option("first_byte_timeout_ms", &o.first_byte_timeout); !r) return r;
  if (const json::Value *v = args.options.find("retries")) {
    if (!v->is_integer() || v->as_int() < 0 || v->as_int() > 10) return bad("retries", "an integer from 0 to 10");
    o.retries = static_cast<int>(v->as_int());
  }
  auto base = resolve_base_url(args, o.base_url);
  if (!base) return base.error();
  o.base_url = *base;
  return {};
}

}  // namespace ca::providers
