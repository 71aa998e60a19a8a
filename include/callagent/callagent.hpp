// libcallagent — a thin, header-only C++ layer over the C ABI (callagent.h).
//
// What it adds, and nothing more:
//  - move-only RAII owners of the C handles: Engine and Session (destroyed with their owner);
//  - Status: the ca_status of a call plus ca_last_error() captured when it failed, so it can be
//    kept and moved to another thread. Failures are returned, never thrown; only the standard
//    library's own std::bad_alloc can escape from this header;
//  - a std::function event callback (and a log callback) through a trampoline;
//  - plug-ins as C++ classes: derive from SttPlugin, TtsPlugin, LlmPlugin or ToolPlugin and
//    register a std::shared_ptr of it. The adapter fills the C vtable; requests arrive as owning
//    C++ structs and results go out through copyable sink objects (each copy holds a reference).
//    An exception thrown by a plug-in never crosses into the library: from open/synthesize/
//    start/invoke it becomes that request's error result, from the other entries it is dropped.
//
// Threading is the C API's: a Session is driven by one owning thread (push, process, pull) and
// its event callback runs there; sinks and Session::interrupt may be used from any thread.
// Every rule of callagent.h holds here too. This header includes only callagent.h and the
// standard library, and needs C++17.
#pragma once

#include <callagent/callagent.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define CALLAGENT_HPP_TRY try
#define CALLAGENT_HPP_CATCH_ALL catch (...)
#else
#define CALLAGENT_HPP_TRY if (true)
#define CALLAGENT_HPP_CATCH_ALL else
#endif

namespace callagent {

// ---- status ----

// The outcome of a call: ok, or a ca_status code with the detail ca_last_error() had right
// after the failing call.
class [[nodiscard]] Status {
 public:
  Status() = default;
  // Captures ca_last_error() when `code` is a failure: construct it right after the call.
  explicit Status(ca_status code) : code_(code) {
    if (code != CA_OK) detail_ = ca_last_error();
  }
  // A failure detected in this header, with its own detail.
  Status(ca_status code, std::string detail) : code_(code), detail_(std::move(detail)) {}
  bool ok() const noexcept { return code_ == CA_OK; }
  explicit operator bool() const noexcept { return ok(); }
  ca_status code() const noexcept { return code_; }
  // ca_status_string(code()): "ok", "not found", ...
  const char *name() const noexcept { return ca_status_string(code_); }
  // The failure's detail; "" when ok.
  const std::string &detail() const noexcept { return detail_; }

 private:
  ca_status code_ = CA_OK;
  std::string detail_;
};

// ---- requests as plug-ins see them (owning copies of the C views) ----

struct SttParams {
  int sample_rate = 8000;
  std::string language;
  std::vector<std::string> alternatives;
  std::vector<std::string> hints;
};

struct TtsRequest {
  std::string text;
  std::string language;
  std::string voice;
  int sample_rate = 8000;
};

enum class Role { system = CA_ROLE_SYSTEM, user = CA_ROLE_USER, assistant = CA_ROLE_ASSISTANT, tool = CA_ROLE_TOOL };

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments_json;
};

struct Message {
  Role role = Role::user;
  std::string text;
  std::vector<ToolCall> tool_calls;
  std::string tool_call_id;
  std::string tool_name;
  bool tool_error = false;
};

struct ToolSchema {
  std::string name;
  std::string description;
  std::string parameters_json;
};

struct LlmRequest {
  std::string system_prompt;
  std::vector<Message> messages;
  std::vector<ToolSchema> tools;
};

struct ToolContext {
  std::string call_id;
  std::string caller_number;
  std::string idempotency_key;
};

// How a tool is described to the model and treated by the session (see ca_tool_vtable).
struct ToolSpec {
  std::string name;
  std::string description;
  std::string parameters_json = R"({"type":"object","properties":{}})";
  bool side_effecting = false;
  std::string wait_phrase;
  // The words callers use for its arguments, for the recognisers (ca_tool_vtable's
  // speech_words_json, since 0.4): {"brands": [...], "cities": [...]}; empty: none.
  std::string speech_words_json;
};

// ---- sinks ----

namespace detail {
// One reference to a C sink and the request id it serves. Copies retain, destruction releases.
class SinkRef {
 public:
  SinkRef() = default;
  SinkRef(ca_sink_t *adopted, uint64_t id) noexcept : s_(adopted), id_(id) {}
  SinkRef(const SinkRef &o) noexcept : s_(o.s_), id_(o.id_) { ca_sink_retain(s_); }
  SinkRef(SinkRef &&o) noexcept : s_(std::exchange(o.s_, nullptr)), id_(o.id_) {}
  SinkRef &operator=(SinkRef o) noexcept {
    std::swap(s_, o.s_);
    id_ = o.id_;
    return *this;
  }
  ~SinkRef() { ca_sink_release(s_); }
  // The request this sink serves.
  uint64_t id() const noexcept { return id_; }
  // False once released (or moved from).
  explicit operator bool() const noexcept { return s_ != nullptr; }
  // Drops this reference now (e.g. after the last result).
  void release() noexcept { ca_sink_release(std::exchange(s_, nullptr)); }
  ca_sink_t *get() const noexcept { return s_; }

 private:
  ca_sink_t *s_ = nullptr;
  uint64_t id_ = 0;
};
}  // namespace detail

// Results of one STT stream. Any thread.
class SttSink : public detail::SinkRef {
 public:
  using SinkRef::SinkRef;
  Status interim(const std::string &text, double confidence = 0, const char *language = nullptr) const {
    return Status(ca_sink_stt_interim(get(), id(), text.c_str(), confidence, language));
  }
  Status final(const std::string &text, double confidence = 0, const char *language = nullptr) const {
    return Status(ca_sink_stt_final(get(), id(), text.c_str(), confidence, language));
  }
  Status done() const { return Status(ca_sink_stt_done(get(), id())); }
  Status error(const std::string &message) const { return Status(ca_sink_stt_error(get(), id(), message.c_str())); }
};

// Results of one synthesis. Any thread.
class TtsSink : public detail::SinkRef {
 public:
  using SinkRef::SinkRef;
  Status audio(const int16_t *pcm, size_t n, int sample_rate) const {
    return Status(ca_sink_tts_audio(get(), id(), pcm, n, sample_rate));
  }
  Status audio(const std::vector<int16_t> &pcm, int sample_rate) const {
    return audio(pcm.data(), pcm.size(), sample_rate);
  }
  Status done() const { return Status(ca_sink_tts_done(get(), id())); }
  Status error(const std::string &message) const { return Status(ca_sink_tts_error(get(), id(), message.c_str())); }
};

// Results of one LLM round. Any thread.
class LlmSink : public detail::SinkRef {
 public:
  using SinkRef::SinkRef;
  Status text(std::string_view delta) const {
    return Status(ca_sink_llm_text(get(), id(), delta.data(), delta.size()));
  }
  Status tool_call(const std::string &call_id, const std::string &name, const std::string &arguments_json) const {
    return Status(ca_sink_llm_tool_call(get(), id(), call_id.c_str(), name.c_str(), arguments_json.c_str()));
  }
  Status done(int64_t input_tokens = 0, int64_t output_tokens = 0) const {
    return Status(ca_sink_llm_done(get(), id(), input_tokens, output_tokens));
  }
  Status error(const std::string &message) const { return Status(ca_sink_llm_error(get(), id(), message.c_str())); }
};

// The result of one tool invocation. Any thread.
class ToolSink : public detail::SinkRef {
 public:
  using SinkRef::SinkRef;
  // `action` is a CA_TOOL_ACTION_*.
  Status result(bool ok, const std::string &json, int action = CA_TOOL_ACTION_NONE,
                const std::string &reason = {}) const {
    return Status(ca_sink_tool_result(get(), id(), ok ? 1 : 0, json.c_str(), action, reason.c_str()));
  }
};

// ---- plug-ins ----

// Entries run on the owning thread of the session that uses the plug-in and must not block;
// see the vtables in callagent.h. A plug-in is destroyed when the engine and every session
// using it are gone (and the caller's own shared_ptr, if kept).
class SttPlugin {
 public:
  virtual ~SttPlugin() = default;
  virtual void open(uint64_t stream, const SttParams &params, SttSink sink) = 0;
  virtual void push(uint64_t stream, const int16_t *pcm, size_t n) = 0;
  virtual void finish(uint64_t stream) = 0;
  virtual void cancel(uint64_t /*stream*/) {}
};

class TtsPlugin {
 public:
  virtual ~TtsPlugin() = default;
  virtual void synthesize(uint64_t id, const TtsRequest &request, TtsSink sink) = 0;
  virtual void cancel(uint64_t /*id*/) {}
};

class LlmPlugin {
 public:
  virtual ~LlmPlugin() = default;
  virtual void start(uint64_t id, const LlmRequest &request, LlmSink sink) = 0;
  virtual void cancel(uint64_t /*id*/) {}
};

class ToolPlugin {
 public:
  virtual ~ToolPlugin() = default;
  virtual void invoke(uint64_t id, const std::string &arguments_json, const ToolContext &context, ToolSink sink) = 0;
  virtual void cancel(uint64_t /*id*/) {}
};

namespace detail {

inline std::string str(const char *s) { return s != nullptr ? std::string(s) : std::string(); }

inline std::vector<std::string> strings(const char *const *v, size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(str(v[i]));
  return out;
}

// The C vtable entries for a plug-in held as `std::shared_ptr<P> *` in user_data.
template <class P>
struct Holder {
  static P &of(void *user_data) { return **static_cast<std::shared_ptr<P> *>(user_data); }
  static void destroy(void *user_data) { delete static_cast<std::shared_ptr<P> *>(user_data); }
};

struct SttAdapter : Holder<SttPlugin> {
  static void open(void *u, uint64_t id, const ca_stt_params *p, ca_sink_t *raw) {
    SttSink sink(raw, id);
    const SttSink keep = sink;  // reports an exception after `sink` moved into the plug-in
    CALLAGENT_HPP_TRY {
      SttParams params;
      params.sample_rate = p->sample_rate;
      params.language = str(p->language);
      params.alternatives = strings(p->alternatives, p->alternative_count);
      params.hints = strings(p->hints, p->hint_count);
      of(u).open(id, params, std::move(sink));
    }
    CALLAGENT_HPP_CATCH_ALL { (void)keep.error("the plug-in threw an exception"); }
  }
  static void push(void *u, uint64_t id, const int16_t *pcm, size_t n) {
    CALLAGENT_HPP_TRY { of(u).push(id, pcm, n); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
  static void finish(void *u, uint64_t id) {
    CALLAGENT_HPP_TRY { of(u).finish(id); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
  static void cancel(void *u, uint64_t id) {
    CALLAGENT_HPP_TRY { of(u).cancel(id); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
};

struct TtsAdapter : Holder<TtsPlugin> {
  static void synthesize(void *u, uint64_t id, const ca_tts_request *r, ca_sink_t *raw) {
    TtsSink sink(raw, id);
    const TtsSink keep = sink;
    CALLAGENT_HPP_TRY {
      TtsRequest req;
      req.text = str(r->text);
      req.language = str(r->language);
      req.voice = str(r->voice);
      req.sample_rate = r->sample_rate;
      of(u).synthesize(id, req, std::move(sink));
    }
    CALLAGENT_HPP_CATCH_ALL { (void)keep.error("the plug-in threw an exception"); }
  }
  static void cancel(void *u, uint64_t id) {
    CALLAGENT_HPP_TRY { of(u).cancel(id); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
};

struct LlmAdapter : Holder<LlmPlugin> {
  static void start(void *u, uint64_t id, const ca_llm_request *r, ca_sink_t *raw) {
    LlmSink sink(raw, id);
    const LlmSink keep = sink;
    CALLAGENT_HPP_TRY {
      LlmRequest req;
      req.system_prompt = str(r->system_prompt);
      req.messages.reserve(r->message_count);
      for (size_t i = 0; i < r->message_count; ++i) {
        const ca_message &cm = *r->messages[i];
        Message m;
        m.role = static_cast<Role>(cm.role);
        m.text = str(cm.text);
        for (size_t k = 0; k < cm.tool_call_count; ++k) {
          const ca_tool_call &tc = *cm.tool_calls[k];
          m.tool_calls.push_back(ToolCall{str(tc.id), str(tc.name), str(tc.arguments_json)});
        }
        m.tool_call_id = str(cm.tool_call_id);
        m.tool_name = str(cm.tool_name);
        m.tool_error = cm.tool_error != 0;
        req.messages.push_back(std::move(m));
      }
      for (size_t i = 0; i < r->tool_count; ++i) {
        const ca_tool_schema &t = *r->tools[i];
        req.tools.push_back(ToolSchema{str(t.name), str(t.description), str(t.parameters_json)});
      }
      of(u).start(id, req, std::move(sink));
    }
    CALLAGENT_HPP_CATCH_ALL { (void)keep.error("the plug-in threw an exception"); }
  }
  static void cancel(void *u, uint64_t id) {
    CALLAGENT_HPP_TRY { of(u).cancel(id); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
};

struct ToolAdapter : Holder<ToolPlugin> {
  static void invoke(void *u, uint64_t id, const char *args, const ca_tool_context *c, ca_sink_t *raw) {
    ToolSink sink(raw, id);
    const ToolSink keep = sink;
    CALLAGENT_HPP_TRY {
      ToolContext ctx{str(c->call_id), str(c->caller_number), str(c->idempotency_key)};
      of(u).invoke(id, str(args), ctx, std::move(sink));
    }
    CALLAGENT_HPP_CATCH_ALL { (void)keep.result(false, R"({"error":"the tool threw an exception"})"); }
  }
  static void cancel(void *u, uint64_t id) {
    CALLAGENT_HPP_TRY { of(u).cancel(id); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
};

}  // namespace detail

// ---- engine ----

struct EngineOptions {
  // Receives every log line of the process (see ca_engine_params.log): any thread, possibly
  // concurrently. Empty: lines go to stderr.
  std::function<void(int level, std::string_view json_line)> log;
  int log_level = CA_LOG_UNCHANGED;  // CA_LOG_*
};

// Owns a ca_engine_t. Move-only; an empty Engine (default-constructed or moved from) owns none.
class Engine {
 public:
  Engine() = default;
  Engine(Engine &&o) noexcept : e_(std::exchange(o.e_, nullptr)), log_(std::move(o.log_)) {}
  Engine &operator=(Engine &&o) noexcept {
    if (this != &o) {
      reset();
      e_ = std::exchange(o.e_, nullptr);
      log_ = std::move(o.log_);
    }
    return *this;
  }
  Engine(const Engine &) = delete;
  Engine &operator=(const Engine &) = delete;
  ~Engine() { reset(); }

  // Creates the engine into `out` (replacing what it owned).
  static Status create(Engine &out, EngineOptions options = {}) {
    out.reset();
    ca_engine_params p;
    if (ca_status st = ca_engine_default_params(&p, sizeof p); st != CA_OK) return Status(st);
    std::unique_ptr<std::function<void(int, std::string_view)>> log;
    if (options.log) {
      log = std::make_unique<std::function<void(int, std::string_view)>>(std::move(options.log));
      p.log = &log_trampoline;
      p.log_user_data = log.get();
    }
    p.log_level = options.log_level;
    ca_engine_t *e = nullptr;
    if (ca_status st = ca_engine_create(&p, &e); st != CA_OK) return Status(st);
    out.e_ = e;
    out.log_ = std::move(log);
    return Status();
  }

  ca_engine_t *get() const noexcept { return e_; }
  explicit operator bool() const noexcept { return e_ != nullptr; }
  // Destroys the engine now (see ca_engine_destroy).
  void reset() noexcept {
    ca_engine_destroy(std::exchange(e_, nullptr));
    log_.reset();  // after the destroy: the callback is not called any more
  }

  Status register_stt(const std::string &name, std::shared_ptr<SttPlugin> plugin) {
    if (!plugin) return invalid("plugin is empty");
    ca_stt_vtable vt{};
    vt.struct_size = sizeof vt;
    auto *holder = new std::shared_ptr<SttPlugin>(std::move(plugin));
    vt.user_data = holder;
    vt.open = &detail::SttAdapter::open;
    vt.push = &detail::SttAdapter::push;
    vt.finish = &detail::SttAdapter::finish;
    vt.cancel = &detail::SttAdapter::cancel;
    vt.destroy = &detail::SttAdapter::destroy;
    return adopt(ca_engine_register_stt(e_, name.c_str(), &vt), holder);
  }

  Status register_tts(const std::string &name, std::shared_ptr<TtsPlugin> plugin) {
    if (!plugin) return invalid("plugin is empty");
    ca_tts_vtable vt{};
    vt.struct_size = sizeof vt;
    auto *holder = new std::shared_ptr<TtsPlugin>(std::move(plugin));
    vt.user_data = holder;
    vt.synthesize = &detail::TtsAdapter::synthesize;
    vt.cancel = &detail::TtsAdapter::cancel;
    vt.destroy = &detail::TtsAdapter::destroy;
    return adopt(ca_engine_register_tts(e_, name.c_str(), &vt), holder);
  }

  Status register_llm(const std::string &name, std::shared_ptr<LlmPlugin> plugin) {
    if (!plugin) return invalid("plugin is empty");
    ca_llm_vtable vt{};
    vt.struct_size = sizeof vt;
    auto *holder = new std::shared_ptr<LlmPlugin>(std::move(plugin));
    vt.user_data = holder;
    vt.start = &detail::LlmAdapter::start;
    vt.cancel = &detail::LlmAdapter::cancel;
    vt.destroy = &detail::LlmAdapter::destroy;
    return adopt(ca_engine_register_llm(e_, name.c_str(), &vt), holder);
  }

  Status register_tool(const ToolSpec &spec, std::shared_ptr<ToolPlugin> plugin) {
    if (!plugin) return invalid("plugin is empty");
    ca_tool_vtable vt{};
    vt.struct_size = sizeof vt;
    auto *holder = new std::shared_ptr<ToolPlugin>(std::move(plugin));
    vt.user_data = holder;
    vt.name = spec.name.c_str();
    vt.description = spec.description.c_str();
    vt.parameters_json = spec.parameters_json.c_str();
    vt.side_effecting = spec.side_effecting ? 1 : 0;
    vt.wait_phrase = spec.wait_phrase.c_str();
    vt.speech_words_json = spec.speech_words_json.empty() ? nullptr : spec.speech_words_json.c_str();
    vt.invoke = &detail::ToolAdapter::invoke;
    vt.cancel = &detail::ToolAdapter::cancel;
    vt.destroy = &detail::ToolAdapter::destroy;
    return adopt(ca_engine_register_tool(e_, &vt), holder);
  }

 private:
  static void log_trampoline(int level, const char *line, void *user_data) {
    CALLAGENT_HPP_TRY { (*static_cast<std::function<void(int, std::string_view)> *>(user_data))(level, line); }
    CALLAGENT_HPP_CATCH_ALL {}
  }
  // A failed registration leaves the plug-in to us.
  template <class P>
  static Status adopt(ca_status st, std::shared_ptr<P> *holder) {
    Status s(st);
    if (!s) delete holder;
    return s;
  }
  static Status invalid(const char *what) { return Status(CA_ERR_INVALID_ARGUMENT, what); }

  ca_engine_t *e_ = nullptr;
  std::unique_ptr<std::function<void(int, std::string_view)>> log_;
};

// ---- session ----

// An event as the callback sees it: views valid only during the callback.
struct Event {
  int type = CA_EVENT_STATE_CHANGED;  // CA_EVENT_*
  int state = CA_STATE_IDLE;          // CA_STATE_*
  std::string_view text;
  std::string_view detail;
  bool ok = true;
  bool recoverable = true;
  int64_t time_ns = 0;
  const ca_turn_timeline *timeline = nullptr;  // CA_EVENT_TURN_TIMELINE only
  const ca_event *raw = nullptr;

  const char *type_name() const noexcept { return ca_event_type_name(type); }
};

// Everything of ca_session_params, with C++ types. Timings: 0 is the library's default.
struct SessionOptions {
  std::string call_id;  // "": a generated UUID
  std::string caller_number;
  std::string called_number;
  int sample_rate = 8000;
  std::string language;  // "": "uk"
  std::string system_prompt;
  std::string greeting;  // "": the language's default
  bool greeting_interruptible = false;
  std::string stt, tts, llm;                       // registered names; "": the configured default
  std::optional<std::vector<std::string>> tools;   // nullopt: every registered tool
  std::function<void(const Event &)> on_event;     // owning thread; exceptions are dropped
  int32_t end_of_turn_silence_ms = 0;
  int32_t eager_start_silence_ms = 0;
  int32_t barge_in_min_speech_ms = 0;
  int32_t barge_in_commit_speech_ms = 0;
  int32_t silence_timeout_ms = 0;
  int32_t max_duration_ms = 0;
  int32_t filler_delay_ms = 0;
  int32_t llm_timeout_ms = 0;
  int32_t tool_timeout_ms = 0;
  int operator_digit = 0;  // 0: '0'; CA_OPERATOR_DIGIT_NONE: none
};

// Owns a ca_session_t. Move-only. Must not be destroyed, reset or assigned from inside its own
// event callback (the callback object would be destroyed while it runs).
class Session {
 public:
  Session() = default;
  Session(Session &&o) noexcept : s_(std::exchange(o.s_, nullptr)), on_event_(std::move(o.on_event_)) {}
  Session &operator=(Session &&o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
      on_event_ = std::move(o.on_event_);
    }
    return *this;
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() { reset(); }

  // Creates a session of `engine` into `out` (replacing what it owned).
  static Status create(const Engine &engine, SessionOptions options, Session &out) {
    out.reset();
    ca_session_params p;
    if (ca_status st = ca_session_default_params(&p, sizeof p); st != CA_OK) return Status(st);
    auto cstr = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
    p.call_id = cstr(options.call_id);
    p.caller_number = options.caller_number.c_str();
    p.called_number = options.called_number.c_str();
    p.sample_rate = options.sample_rate;
    p.language = cstr(options.language);
    p.system_prompt = options.system_prompt.c_str();
    p.greeting = cstr(options.greeting);
    p.greeting_interruptible = options.greeting_interruptible ? 1 : 0;
    p.stt = cstr(options.stt);
    p.tts = cstr(options.tts);
    p.llm = cstr(options.llm);
    std::vector<const char *> tools;
    if (options.tools) {
      for (const auto &t : *options.tools) tools.push_back(t.c_str());
      p.tools = tools.data();
      p.tool_count = tools.size();
      static const char *const kNone = nullptr;
      if (tools.empty()) p.tools = &kNone;  // an empty list, not "all"
    }
    std::unique_ptr<std::function<void(const Event &)>> on_event;
    if (options.on_event) {
      on_event = std::make_unique<std::function<void(const Event &)>>(std::move(options.on_event));
      p.on_event = &event_trampoline;
      p.event_user_data = on_event.get();
    }
    p.end_of_turn_silence_ms = options.end_of_turn_silence_ms;
    p.eager_start_silence_ms = options.eager_start_silence_ms;
    p.barge_in_min_speech_ms = options.barge_in_min_speech_ms;
    p.barge_in_commit_speech_ms = options.barge_in_commit_speech_ms;
    p.silence_timeout_ms = options.silence_timeout_ms;
    p.max_duration_ms = options.max_duration_ms;
    p.filler_delay_ms = options.filler_delay_ms;
    p.llm_timeout_ms = options.llm_timeout_ms;
    p.tool_timeout_ms = options.tool_timeout_ms;
    p.operator_digit = options.operator_digit;
    ca_session_t *s = nullptr;
    if (ca_status st = ca_session_create(engine.get(), &p, &s); st != CA_OK) return Status(st);
    out.s_ = s;
    out.on_event_ = std::move(on_event);
    return Status();
  }

  ca_session_t *get() const noexcept { return s_; }
  explicit operator bool() const noexcept { return s_ != nullptr; }
  void reset() noexcept {
    ca_session_destroy(std::exchange(s_, nullptr));
    on_event_.reset();
  }

  // ---- owning thread ----
  Status push_audio(const int16_t *pcm, size_t n) { return Status(ca_session_push_audio(s_, pcm, n)); }
  Status push_audio(const std::vector<int16_t> &frame) { return push_audio(frame.data(), frame.size()); }
  Status push_dtmf(char digit) { return Status(ca_session_push_dtmf(s_, digit)); }
  Status push_hangup() { return Status(ca_session_push_hangup(s_)); }
  Status push_played(uint64_t samples) { return Status(ca_session_push_played(s_, samples)); }
  Status push_transfer_result(bool ok) { return Status(ca_session_push_transfer_result(s_, ok ? 1 : 0)); }
  Status process(int64_t now_ns) { return Status(ca_session_process(s_, now_ns)); }
  int64_t next_deadline() const noexcept { return ca_session_next_deadline(s_); }
  // Fills `out` (frame_samples() samples); `has_audio` says whether it is the bot's audio.
  Status pull_audio(int16_t *out, size_t n, bool &has_audio) {
    int a = 0;
    Status st(ca_session_pull_audio(s_, out, n, &a));
    has_audio = a != 0;
    return st;
  }
  Status pull_audio(std::vector<int16_t> &out, bool &has_audio) {
    out.resize(frame_samples());
    return pull_audio(out.data(), out.size(), has_audio);
  }
  // CA_STATE_*, or CA_ERR_INVALID_ARGUMENT for an empty Session.
  int state() const noexcept { return ca_session_state(s_); }
  Status stats(ca_session_stats &out) const {
    out = ca_session_stats{};
    out.struct_size = sizeof out;
    return Status(ca_session_get_stats(s_, &out));
  }
  std::string_view call_id() const noexcept {
    const char *id = ca_session_call_id(s_);
    return id != nullptr ? std::string_view(id) : std::string_view();
  }
  size_t frame_samples() const noexcept { return ca_session_frame_samples(s_); }

  // ---- any thread ----
  Status interrupt() { return Status(ca_session_interrupt(s_)); }

 private:
  static void event_trampoline(const ca_event *e, void *user_data) {
    CALLAGENT_HPP_TRY {
      Event ev;
      ev.type = e->type;
      ev.state = e->state;
      ev.text = e->text;
      ev.detail = e->detail;
      ev.ok = e->ok != 0;
      ev.recoverable = e->recoverable != 0;
      ev.time_ns = e->time_ns;
      ev.timeline = e->timeline;
      ev.raw = e;
      (*static_cast<std::function<void(const Event &)> *>(user_data))(ev);
    }
    CALLAGENT_HPP_CATCH_ALL {}
  }

  ca_session_t *s_ = nullptr;
  std::unique_ptr<std::function<void(const Event &)>> on_event_;
};

}  // namespace callagent

#undef CALLAGENT_HPP_TRY
#undef CALLAGENT_HPP_CATCH_ALL
