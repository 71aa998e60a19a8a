#include "providers/llm_fallback.hpp"

#include <uv.h>

#include <atomic>
#include <map>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "providers/llm_stream.hpp"

namespace ca::providers {

namespace {

std::atomic<RequestId> g_next_child_id{RequestId{1} << 62};

// A one-shot timer on the loop. cancel() from any thread; the callback never runs after it.
class OneShot : public std::enable_shared_from_this<OneShot> {
 public:
  static std::shared_ptr<OneShot> start(net::EventLoop &loop, Nanos delay, std::function<void()> fn) {
    auto t = std::shared_ptr<OneShot>(new OneShot(loop));
    const auto ms = static_cast<uint64_t>((delay + kNanosPerMilli - 1) / kNanosPerMilli);
    loop.post([t, ms, fn = std::move(fn)]() mutable {
      if (t->cancelled_) return;
      auto *h = new Handle{{}, t, std::move(fn)};
      uv_timer_init(t->loop_.loop(), &h->timer);
      h->timer.data = h;
      t->handle_ = h;
      uv_timer_start(&h->timer, &OneShot::fire, ms, 0);
    });
    return t;
  }

  void cancel() {
    if (cancelled_.exchange(true)) return;
    // The handle is only touched on the loop thread.
    loop_.post([self = shared_from_this()] { self->close(); });
  }

 private:
  struct Handle {
    uv_timer_t timer;
    std::shared_ptr<OneShot> owner;
    std::function<void()> fn;
  };

  explicit OneShot(net::EventLoop &loop) : loop_(loop) {}

  static void fire(uv_timer_t *timer) {
    auto *h = static_cast<Handle *>(timer->data);
    std::shared_ptr<OneShot> t = h->owner;
    std::function<void()> fn = std::move(h->fn);
    t->close();
    if (!t->cancelled_.exchange(true)) fn();
  }

  void close() {
    if (handle_ == nullptr) return;
    Handle *h = handle_;
    handle_ = nullptr;
    uv_timer_stop(&h->timer);
    uv_close(reinterpret_cast<uv_handle_t *>(&h->timer), [](uv_handle_t *hh) { delete static_cast<Handle *>(hh->data); });
  }

  net::EventLoop &loop_;
  std::atomic<bool> cancelled_{false};
  Handle *handle_ = nullptr;  // loop thread only
};

}  // namespace

struct LlmFallback::Core {
  struct Member {
    std::string name;
    std::shared_ptr<LlmProvider> provider;
    std::unique_ptr<net::CircuitBreaker> breaker;
  };
  explicit Core(std::shared_ptr<NetRuntime> rt) : runtime(std::move(rt)) {}
  std::vector<Member> members;
  std::shared_ptr<NetRuntime> runtime;
  LlmFallbackOptions opts;
  mutable std::mutex mu;
  std::map<RequestId, std::shared_ptr<Run>> runs;
};

struct LlmFallback::Run : std::enable_shared_from_this<LlmFallback::Run> {
  std::shared_ptr<Core> core;
  RequestId id = 0;
  LlmRequest request;
  std::shared_ptr<LlmSink> sink;

  // Held while the caller's sink is called; recursive because a member may answer from inside
  // start() (the rule agent does) and the sink may cancel from inside its callback.
  std::recursive_mutex mu;
  bool closed = false;  // done, failed or cancelled: nothing more reaches the sink
  size_t member = 0;    // the provider in use
  int attempt = 0;      // one per provider tried; a member's callbacks carry theirs
  RequestId child_id = 0;
  net::CircuitBreaker::Ticket ticket = net::CircuitBreaker::Ticket::reject;
  bool first_token = false;
  std::shared_ptr<OneShot> timer;
  std::string failures;

  void forget() {
    std::lock_guard lock(core->mu);
    auto it = core->runs.find(id);
    if (it != core->runs.end() && it->second.get() == this) core->runs.erase(it);
  }

  void stop_timer() {
    if (timer) timer->cancel();
    timer.reset();
  }

  void note_failure(const std::string &message) {
    const std::string &name = core->members[member].name;
    failures += (failures.empty() ? "" : "; ") + name + ": " + message;
    log::write(log::Level::warn, "", "llm fallback: provider failed before its first token, trying the next",
               {{"provider", name}, {"error", secrets::redact(message)}});
  }

  // Tries members from `member` on until one is started or none is left.
  void advance() {
    for (;;) {
      std::shared_ptr<LlmProvider> provider;
      RequestId cid = 0;
      int att = 0;
      {
        std::lock_guard lock(mu);
        if (closed) return;
        if (member >= core->members.size()) {
          closed = true;
          sink->on_llm_error(id, secrets::redact("every LLM provider failed: " + failures));
          forget();
          return;
        }
        Core::Member &m = core->members[member];
        ticket = m.breaker->admit();
        if (ticket == net::CircuitBreaker::Ticket::reject) {
          failures += (failures.empty() ? "" : "; ") + m.name + ": circuit open";
          ++member;
          continue;
        }
        att = ++attempt;
        cid = g_next_child_id.fetch_add(1);
        child_id = cid;
        first_token = false;
        provider = m.provider;
        if (core->opts.first_token_timeout > 0) {
          std::weak_ptr<Run> weak = weak_from_this();
          timer = OneShot::start(core->runtime->loop(), core->opts.first_token_timeout, [weak, att] {
            if (auto run = weak.lock()) run->on_timeout(att);
          });
        }
      }
      LlmRequest r = request;
      r.id = cid;
      provider->start(r, std::make_shared<ChildSink>(weak_from_this(), att));
      return;
    }
  }

  // A text delta or a tool call from attempt `att`.
  template <typename Deliver>
  void on_token(int att, Deliver &&deliver) {
    std::lock_guard lock(mu);
    if (closed || att != attempt) return;
    if (!first_token) {
      first_token = true;
      stop_timer();
    }
    deliver();
  }

  void on_done(int att, LlmUsage usage) {
    {
      std::lock_guard lock(mu);
      if (closed || att != attempt) return;
      closed = true;
      stop_timer();
      core->members[member].breaker->record(ticket, false);
      sink->on_llm_done(id, usage);
    }
    forget();
  }

  void on_error(int att, std::string message) {
    bool ended = false;
    {
      std::lock_guard lock(mu);
      if (closed || att != attempt) return;
      stop_timer();
      core->members[member].breaker->record(ticket, true);
      if (first_token) {
        closed = ended = true;
        sink->on_llm_error(id, secrets::redact(message));
      } else {
        note_failure(message);
        ++member;
      }
    }
    if (ended) {
      forget();
      return;
    }
    advance();
  }

  void on_timeout(int att) {
    std::shared_ptr<LlmProvider> provider;
    RequestId cid = 0;
    {
      std::lock_guard lock(mu);
      if (closed || att != attempt || first_token) return;
      timer.reset();
      core->members[member].breaker->record(ticket, true);
      note_failure("no first token within " + std::to_string(core->opts.first_token_timeout / kNanosPerMilli) + " ms");
      provider = core->members[member].provider;
      cid = child_id;
      ++member;
      ++attempt;  // whatever the abandoned request still says is stale
    }
    provider->cancel(cid);
    advance();
  }

  // The caller's cancel, or the chain going away.
  void stop() {
    std::shared_ptr<LlmProvider> provider;
    RequestId cid = 0;
    {
      std::lock_guard lock(mu);
      if (closed) return;
      closed = true;
      stop_timer();
      if (member < core->members.size() && ticket != net::CircuitBreaker::Ticket::reject) {
        if (first_token) core->members[member].breaker->record(ticket, false);
        else if (ticket == net::CircuitBreaker::Ticket::probe) core->members[member].breaker->record(ticket, true);
        provider = core->members[member].provider;
        cid = child_id;
      }
    }
    if (provider) provider->cancel(cid);
  }

  class ChildSink final : public LlmSink {
   public:
    ChildSink(std::weak_ptr<Run> run, int attempt) : run_(std::move(run)), attempt_(attempt) {}
    void on_llm_text(RequestId, std::string_view delta) override {
      if (auto r = run_.lock()) r->on_token(attempt_, [&] { r->sink->on_llm_text(r->id, delta); });
    }
    void on_llm_tool_call(RequestId, agent::ToolCall call) override {
      if (auto r = run_.lock()) r->on_token(attempt_, [&] { r->sink->on_llm_tool_call(r->id, std::move(call)); });
    }
    void on_llm_done(RequestId, LlmUsage usage) override {
      if (auto r = run_.lock()) r->on_done(attempt_, usage);
    }
    void on_llm_error(RequestId, std::string message) override {
      if (auto r = run_.lock()) r->on_error(attempt_, std::move(message));
    }

   private:
    std::weak_ptr<Run> run_;
    int attempt_;
  };
};

LlmFallback::LlmFallback(std::vector<FallbackMember> chain, std::shared_ptr<NetRuntime> runtime,
                         LlmFallbackOptions options)
    : core_(std::make_shared<Core>(std::move(runtime))) {
  core_->opts = std::move(options);
  for (FallbackMember &m : chain) {
    net::CircuitBreakerOptions b;
    b.failures = core_->opts.breaker_failures;
    b.open_for = core_->opts.breaker_open_for;
    b.clock = core_->opts.clock;
    core_->members.push_back({std::move(m.name), std::move(m.provider), std::make_unique<net::CircuitBreaker>(b)});
  }
}

LlmFallback::~LlmFallback() {
  std::map<RequestId, std::shared_ptr<Run>> runs;
  {
    std::lock_guard lock(core_->mu);
    runs.swap(core_->runs);
  }
  for (auto &[id, run] : runs) run->stop();
}

void LlmFallback::start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) {
  auto run = std::make_shared<Run>();
  run->core = core_;
  run->id = request.id;
  run->request = request;
  run->sink = std::move(sink);
  std::shared_ptr<Run> replaced;
  {
    std::lock_guard lock(core_->mu);
    auto &slot = core_->runs[request.id];
    replaced = std::move(slot);
    slot = run;
  }
  if (replaced) replaced->stop();
  run->advance();
}

void LlmFallback::cancel(RequestId id) {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(core_->mu);
    auto it = core_->runs.find(id);
    if (it == core_->runs.end()) return;
    run = std::move(it->second);
    core_->runs.erase(it);
  }
  run->stop();
}

net::CircuitBreaker::State LlmFallback::breaker_state(size_t member) const {
  return core_->members.at(member).breaker->state();
}

size_t LlmFallback::active() const {
  std::lock_guard lock(core_->mu);
  return core_->runs.size();
}

Result<std::shared_ptr<LlmProvider>> make_llm_fallback(const FactoryArgs &args, const LlmLookup &lookup) {
  if (auto ok = check_option_keys(args, {"chain", "first_token_timeout_ms"}); !ok) return ok.error();
  const std::string at = args.where + ": " + args.name + ": ";
  const json::Value &chain = args.options["chain"];
  if (!chain.is_array() || chain.size() == 0)
    return make_error(Errc::config, at + "chain must list the [llm.*] sections to try, in order");
  LlmFallbackOptions o;
  if (const json::Value *v = args.options.find("first_token_timeout_ms")) {
    if (!v->is_integer() || v->as_int() < 0)
      return make_error(Errc::config, at + "first_token_timeout_ms must be a number of milliseconds (0: none)");
    o.first_token_timeout = millis(v->as_int());
  }
  std::vector<FallbackMember> members;
  for (const json::Value &n : chain.items()) {
    if (!n.is_string() || n.str().empty()) return make_error(Errc::config, at + "chain holds names of [llm.*] sections");
    if (n.str() == args.name) return make_error(Errc::config, at + "a chain cannot contain itself");
    std::shared_ptr<LlmProvider> p = lookup ? lookup(n.str()) : nullptr;
    if (!p) {
      return make_error(Errc::config, at + "chain names \"" + n.as_string() +
                                          "\", which is no [llm.*] section built before this chain");
    }
    members.push_back({n.as_string(), std::move(p)});
  }
  return std::shared_ptr<LlmProvider>(std::make_shared<LlmFallback>(std::move(members), NetRuntime::shared(), std::move(o)));
}

}  // namespace ca::providers
