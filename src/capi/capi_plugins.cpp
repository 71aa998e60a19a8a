// Plug-ins through the C ABI: the sinks handed to C plug-ins, the adapters that make a C vtable
// one of the library's provider or tool interfaces, and the engine that registers them.
#include <pthread.h>

#include <string_view>
#include <utility>

#include "capi/capi_internal.hpp"
#include "config/config.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "providers/registry.hpp"
#include "providers/speech_vocabulary.hpp"

using ca::capi::fail;
using ca::capi::guarded;
using ca::capi::guarded_void;
using ca::capi::or_empty;
using ca::capi::SinkKind;
using ca::capi::Sink;
using ca::capi::Engine;
using ca::capi::from;
using ca::capi::handle;
namespace prov = ca::providers;

namespace {

// ---- sinks ----

// The sink for one request, checked against the result function that uses it.
ca_status check_sink(const Sink *sink, uint64_t id, SinkKind kind, const char *where) {
  if (sink == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "sink is NULL");
  if (sink->kind != kind) return fail(CA_ERR_INVALID_ARGUMENT, where, "the sink belongs to another kind of request");
  if (sink->id != id) return fail(CA_ERR_INVALID_ARGUMENT, where, "the id is not the sink's request id");
  return CA_OK;
}

Sink *make_sink(SinkKind kind, uint64_t id) { return new Sink(kind, id); }

// Owns the reference the library holds on a sink while it calls the plug-in: a plug-in that
// releases its own reference inside the call leaves the sink alive until the call returns.
struct SinkRef {
  Sink *s;
  explicit SinkRef(Sink *sink) : s(sink) {}
  SinkRef(const SinkRef &) = delete;
  SinkRef &operator=(const SinkRef &) = delete;
  ~SinkRef() { ca_sink_release(handle(s)); }
  // The plug-in's own reference.
  ca_sink_t *give() {
    s->refs.fetch_add(1, std::memory_order_relaxed);
    return handle(s);
  }
};

ca_status stt_event(ca_sink_t *sink, uint64_t id, prov::SttEvent::Type type, const char *text, double confidence,
                    const char *language, const char *where) {
  return guarded(where, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), id, SinkKind::stt, where); st != CA_OK) return st;
    if (text == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "text is NULL");
    prov::SttEvent ev;
    ev.type = type;
    ev.text = text;
    ev.confidence = confidence;
    ev.language = or_empty(language);
    from(sink)->stt->on_stt(id, std::move(ev));
    return CA_OK;
  });
}

// ---- adapters: C vtables behind the C++ interfaces ----

// Calls a plug-in's destroy once, when the adapter goes. Armed only after the registration has
// succeeded: a failed registration leaves the plug-in to its caller.
class PluginOwner {
 public:
  explicit PluginOwner(void *user_data) : user_data_(user_data) {}
  PluginOwner(const PluginOwner &) = delete;
  PluginOwner &operator=(const PluginOwner &) = delete;
  ~PluginOwner() {
    if (destroy_ != nullptr) destroy_(user_data_);
  }
  void arm(void (*destroy)(void *)) { destroy_ = destroy; }

 private:
  void *user_data_;
  void (*destroy_)(void *) = nullptr;
};

std::vector<const char *> c_strings(const std::vector<std::string> &v) {
  std::vector<const char *> out;
  out.reserve(v.size());
  for (const auto &s : v) out.push_back(s.c_str());
  return out;
}

class CStt final : public prov::SttProvider {
 public:
  CStt(std::string name, const ca_stt_vtable &vt) : name_(std::move(name)), vt_(vt), owner_(vt.user_data) {}
  ~CStt() override = default;
  void arm() { owner_.arm(vt_.destroy); }
  CStt(const CStt &) = delete;
  CStt &operator=(const CStt &) = delete;
  std::string_view name() const override { return name_; }
  void open(const prov::SttParams &params, std::shared_ptr<prov::SttSink> sink) override {
    const prov::SttParams p = hints_.add_to(params);
    SinkRef ref(make_sink(SinkKind::stt, p.id));
    ref.s->stt = std::move(sink);
    const auto alternatives = c_strings(p.alternatives);
    const auto hints = c_strings(p.hints);
    ca_stt_params cp{};
    cp.struct_size = sizeof cp;
    cp.sample_rate = p.sample_rate;
    cp.language = p.language.c_str();
    cp.alternatives = alternatives.data();
    cp.alternative_count = alternatives.size();
    cp.hints = hints.data();
    cp.hint_count = hints.size();
    vt_.open(vt_.user_data, p.id, &cp, ref.give());
  }
  void push(prov::RequestId id, std::span<const int16_t> pcm) override {
    vt_.push(vt_.user_data, id, pcm.data(), pcm.size());
  }
  void finish(prov::RequestId id) override { vt_.finish(vt_.user_data, id); }
  void cancel(prov::RequestId id) override {
    if (vt_.cancel != nullptr) vt_.cancel(vt_.user_data, id);
  }
  // The tools' words as hints, once a configuration is loaded.
  void use_vocabulary(const prov::SpeechVocabulary &vocabulary) override { hints_.set(vocabulary); }

 private:
  std::string name_;
  ca_stt_vtable vt_;
  PluginOwner owner_;
  prov::PhraseHints hints_;
};

class CTts final : public prov::TtsProvider {
 public:
  CTts(std::string name, const ca_tts_vtable &vt) : name_(std::move(name)), vt_(vt), owner_(vt.user_data) {}
  ~CTts() override = default;
  void arm() { owner_.arm(vt_.destroy); }
  CTts(const CTts &) = delete;
  CTts &operator=(const CTts &) = delete;
  std::string_view name() const override { return name_; }
  void synthesize(const prov::TtsRequest &r, std::shared_ptr<prov::TtsSink> sink) override {
    SinkRef ref(make_sink(SinkKind::tts, r.id));
    ref.s->tts = std::move(sink);
    ca_tts_request cr{};
    cr.struct_size = sizeof cr;
    cr.text = r.text.c_str();
    cr.language = r.language.c_str();
    cr.voice = r.voice.c_str();
    cr.sample_rate = r.sample_rate;
    vt_.synthesize(vt_.user_data, r.id, &cr, ref.give());
  }
  void cancel(prov::RequestId id) override {
    if (vt_.cancel != nullptr) vt_.cancel(vt_.user_data, id);
  }

 private:
  std::string name_;
  ca_tts_vtable vt_;
  PluginOwner owner_;
};

class CLlm final : public prov::LlmProvider {
 public:
  CLlm(std::string name, const ca_llm_vtable &vt) : name_(std::move(name)), vt_(vt), owner_(vt.user_data) {}
  ~CLlm() override = default;
  void arm() { owner_.arm(vt_.destroy); }
  CLlm(const CLlm &) = delete;
  CLlm &operator=(const CLlm &) = delete;
  std::string_view name() const override { return name_; }
  void start(const prov::LlmRequest &r, std::shared_ptr<prov::LlmSink> sink) override {
    SinkRef ref(make_sink(SinkKind::llm, r.id));
    ref.s->llm = std::move(sink);

    // The C view of the request: structs pointing into `r`, and arrays of pointers to them.
    size_t call_count = 0;
    for (const auto &m : r.messages) call_count += m.tool_calls.size();
    std::vector<ca_tool_call> calls(call_count);
    std::vector<const ca_tool_call *> call_ptrs(call_count);
    std::vector<ca_message> messages(r.messages.size());
    std::vector<const ca_message *> message_ptrs(r.messages.size());
    size_t c = 0;
    for (size_t i = 0; i < r.messages.size(); ++i) {
      const auto &m = r.messages[i];
      ca_message &cm = messages[i];
      cm.struct_size = sizeof cm;
      cm.role = static_cast<int>(m.role);
      cm.text = m.text.c_str();
      cm.tool_calls = m.tool_calls.empty() ? nullptr : call_ptrs.data() + c;
      cm.tool_call_count = m.tool_calls.size();
      for (const auto &tc : m.tool_calls) {
        calls[c] = ca_tool_call{sizeof(ca_tool_call), tc.id.c_str(), tc.name.c_str(), tc.arguments_json.c_str()};
        call_ptrs[c] = &calls[c];
        ++c;
      }
      cm.tool_call_id = m.tool_call_id.c_str();
      cm.tool_name = m.tool_name.c_str();
      cm.tool_error = m.tool_error ? 1 : 0;
      message_ptrs[i] = &cm;
    }
    std::vector<ca_tool_schema> tools(r.tools.size());
    std::vector<const ca_tool_schema *> tool_ptrs(r.tools.size());
    for (size_t i = 0; i < r.tools.size(); ++i) {
      const auto &t = r.tools[i];
      tools[i] =
          ca_tool_schema{sizeof(ca_tool_schema), t.name.c_str(), t.description.c_str(), t.parameters_json.c_str()};
      tool_ptrs[i] = &tools[i];
    }
    ca_llm_request cr{};
    cr.struct_size = sizeof cr;
    cr.system_prompt = r.system_prompt.c_str();
    cr.messages = message_ptrs.data();
    cr.message_count = message_ptrs.size();
    cr.tools = tool_ptrs.data();
    cr.tool_count = tool_ptrs.size();
    vt_.start(vt_.user_data, r.id, &cr, ref.give());
  }
  void cancel(prov::RequestId id) override {
    if (vt_.cancel != nullptr) vt_.cancel(vt_.user_data, id);
  }

 private:
  std::string name_;
  ca_llm_vtable vt_;
  PluginOwner owner_;
};

class CTool final : public prov::Tool {
 public:
  CTool(prov::ToolSpec spec, prov::SpeechVocabulary words, const ca_tool_vtable &vt)
      : spec_(std::move(spec)), words_(std::move(words)), vt_(vt), owner_(vt.user_data) {
    // The strings were copied into spec_ and words_; the caller's may go away.
    vt_.name = vt_.description = vt_.parameters_json = vt_.wait_phrase = vt_.speech_words_json = nullptr;
  }
  ~CTool() override = default;
  void arm() { owner_.arm(vt_.destroy); }
  CTool(const CTool &) = delete;
  CTool &operator=(const CTool &) = delete;
  const prov::ToolSpec &spec() const override { return spec_; }
  void invoke(prov::RequestId id, std::string_view args, const prov::ToolContext &ctx,
              std::shared_ptr<prov::ToolSink> sink) override {
    SinkRef ref(make_sink(SinkKind::tool, id));
    ref.s->tool = std::move(sink);
    const std::string arguments(args);
    const std::string &key = ctx.idempotency_key;
    ca_tool_context cc{};
    cc.struct_size = sizeof cc;
    cc.call_id = ctx.call_id.c_str();
    cc.caller_number = ctx.caller_number.c_str();
    cc.idempotency_key = key.c_str();
    vt_.invoke(vt_.user_data, id, arguments.c_str(), &cc, ref.give());
  }
  void cancel(prov::RequestId id) override {
    if (vt_.cancel != nullptr) vt_.cancel(vt_.user_data, id);
  }
  prov::SpeechVocabulary speech_vocabulary() override { return words_; }

 private:
  prov::ToolSpec spec_;
  prov::SpeechVocabulary words_;
  ca_tool_vtable vt_;
  PluginOwner owner_;
};

// ---- the process-wide log hook ----

// ca::log has one process-wide sink. The engine that installed its callback can be destroyed
// while another thread is inside it, so calls hold the lock shared and removal takes it
// exclusively: once ca_engine_destroy returns, the callback is never called again. A POSIX lock
// with a static initializer: no constructor or destructor runs, so logging during static
// initialization or destruction finds it usable.
pthread_rwlock_t g_log_lock = PTHREAD_RWLOCK_INITIALIZER;
ca_log_fn g_log_fn = nullptr;
void *g_log_user_data = nullptr;
const Engine *g_log_owner = nullptr;
thread_local bool t_in_log_callback = false;

class LogLock {
 public:
  explicit LogLock(bool exclusive) {
    if (exclusive) pthread_rwlock_wrlock(&g_log_lock);
    else pthread_rwlock_rdlock(&g_log_lock);
  }
  LogLock(const LogLock &) = delete;
  LogLock &operator=(const LogLock &) = delete;
  ~LogLock() { pthread_rwlock_unlock(&g_log_lock); }
};

void log_trampoline(ca::log::Level level, std::string_view line, void *) {
  if (t_in_log_callback) return;  // a line logged by the callback itself: dropped, no recursion
  t_in_log_callback = true;
  try {
    thread_local std::string buf;  // `line` need not be NUL-terminated
    buf.assign(line);
    LogLock lock(false);
    if (g_log_fn != nullptr) g_log_fn(static_cast<int>(level), buf.c_str(), g_log_user_data);
  } catch (...) {
    // A log line is never worth an exception escaping into the logging code.
  }
  t_in_log_callback = false;
}

static_assert(CA_LOG_TRACE == static_cast<int>(ca::log::Level::trace));
static_assert(CA_LOG_DEBUG == static_cast<int>(ca::log::Level::debug));
static_assert(CA_LOG_INFO == static_cast<int>(ca::log::Level::info));
static_assert(CA_LOG_WARN == static_cast<int>(ca::log::Level::warn));
static_assert(CA_LOG_ERROR == static_cast<int>(ca::log::Level::error));
static_assert(CA_LOG_OFF == static_cast<int>(ca::log::Level::off));

// ---- registration ----

ca_status check_name(const char *name, const char *where) {
  if (name == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "name is NULL");
  if (name[0] == '\0') return fail(CA_ERR_INVALID_ARGUMENT, where, "name is empty");
  return CA_OK;
}

template <class Map, class Make>
ca_status register_provider(Engine *engine, Map &map, const char *name, const char *where, Make &&make) {
  std::lock_guard lock(engine->mu);
  if (map.find(std::string_view(name)) != map.end()) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, (std::string("already registered: ") + name).c_str());
  }
  auto adapter = make();
  map.emplace(name, adapter);
  adapter->arm();
  return CA_OK;
}


// Checks a C plug-in's vtable as the registration functions document and wraps it in its adapter
// (not armed: the caller arms it once the engine keeps it). A failure is reported under `where`.
ca_status adapt_stt(const char *name, const ca_stt_vtable *vtable, const char *where, std::shared_ptr<CStt> &out) {
  if (vtable == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable is NULL");
  ca_stt_vtable vt{};
  if (!ca::capi::copy_sized(*vtable, ca::capi::kMinSttVtable, vt)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable->struct_size is too small");
  }
  if (vt.open == nullptr || vt.push == nullptr || vt.finish == nullptr) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "open, push and finish are required");
  }
  out = std::make_shared<CStt>(name, vt);
  return CA_OK;
}

ca_status adapt_tts(const char *name, const ca_tts_vtable *vtable, const char *where, std::shared_ptr<CTts> &out) {
  if (vtable == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable is NULL");
  ca_tts_vtable vt{};
  if (!ca::capi::copy_sized(*vtable, ca::capi::kMinTtsVtable, vt)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable->struct_size is too small");
  }
  if (vt.synthesize == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "synthesize is required");
  out = std::make_shared<CTts>(name, vt);
  return CA_OK;
}

ca_status adapt_llm(const char *name, const ca_llm_vtable *vtable, const char *where, std::shared_ptr<CLlm> &out) {
  if (vtable == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable is NULL");
  ca_llm_vtable vt{};
  if (!ca::capi::copy_sized(*vtable, ca::capi::kMinLlmVtable, vt)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable->struct_size is too small");
  }
  if (vt.start == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "start is required");
  out = std::make_shared<CLlm>(name, vt);
  return CA_OK;
}

// `default_name` stands in for a NULL vtable->name (a tool built from [tools.NAME]).
ca_status adapt_tool(const ca_tool_vtable *vtable, const char *default_name, const char *where,
                     std::shared_ptr<CTool> &out) {
  if (vtable == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable is NULL");
  ca_tool_vtable vt{};
  if (!ca::capi::copy_sized(*vtable, ca::capi::kMinToolVtable, vt)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "vtable->struct_size is too small");
  }
  if (vt.name == nullptr) vt.name = default_name;
  if (ca_status st = check_name(vt.name, where); st != CA_OK) return st;
  if (vt.invoke == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "invoke is required");
  prov::ToolSpec spec;
  spec.name = vt.name;
  if (vt.description != nullptr) spec.description = vt.description;
  if (vt.parameters_json != nullptr) spec.parameters_json = vt.parameters_json;
  spec.side_effecting = vt.side_effecting != 0;
  if (vt.wait_phrase != nullptr) spec.wait_phrase = vt.wait_phrase;
  prov::SpeechVocabulary words;
  if (vt.speech_words_json != nullptr) {
    auto w = prov::speech_vocabulary_from_json(vt.speech_words_json);
    if (!w) return fail(CA_ERR_INVALID_ARGUMENT, where, (spec.name + ": " + w.error().message).c_str());
    words = std::move(*w);
  }
  out = std::make_shared<CTool>(std::move(spec), std::move(words), vt);
  return CA_OK;
}

// ---- factories ----

// A C factory, shared by the engine's registry entries of one registration; its destroy runs when
// the last of them goes.
struct CFactory {
  explicit CFactory(const ca_factory &f) : f_(f) {}
  CFactory(const CFactory &) = delete;
  CFactory &operator=(const CFactory &) = delete;
  ~CFactory() {
    if (f_.destroy != nullptr) f_.destroy(f_.user_data);
  }
  // Runs create() into `vtable` (a zeroed struct of the kind); the error names the section.
  ca::Result<void> create(int kind, const prov::FactoryArgs &args, void *vtable) const {
    char error[256] = {0};
    const std::string options = ca::json::dump(args.options);
    const ca_status st = f_.create(f_.user_data, kind, args.name.c_str(), options.c_str(), vtable, error, sizeof error);
    if (st != CA_OK) {
      error[sizeof error - 1] = '\0';
      return ca::make_error(ca::Errc::config, args.where + ": " + args.name + ": " +
                                                  (error[0] != '\0' ? error : ca_status_string(st)));
    }
    return {};
  }
  ca_factory f_;
};

// The adapters' failures go to ca_last_error(); a factory reports them as a configuration error.
ca::Error last_error_as_config(const prov::FactoryArgs &args) {
  return ca::make_error(ca::Errc::config, args.where + ": " + args.name + ": " + ca_last_error());
}

}  // namespace

namespace ca::capi {

ca_status build_plugins(Engine *engine, const std::vector<config::PluginSection> &sections, const char *where) {
  // Build everything first, outside the lock (factories may load models); only a complete set is
  // installed, so a failing section leaves the engine as it was.
  struct Built {
    const config::PluginSection *section;
    std::shared_ptr<prov::SttProvider> stt;
    std::shared_ptr<prov::TtsProvider> tts;
    std::shared_ptr<prov::LlmProvider> llm;
    std::vector<std::shared_ptr<prov::Tool>> tools;
  };
  prov::FactoryRegistry factories;
  std::map<std::string, std::shared_ptr<prov::LlmProvider>, std::less<>> app_llms;  // for chains
  std::vector<std::shared_ptr<prov::SttProvider>> app_stts;  // for the tools' words
  std::vector<std::shared_ptr<prov::Tool>> app_tools;
  {
    std::lock_guard lock(engine->mu);
    factories = engine->factories;
    for (const auto &[name, p] : engine->llm)
      if (engine->configured.count(p.get()) == 0) app_llms.emplace(name, p);
    for (const auto &[name, p] : engine->stt)
      if (engine->configured.count(p.get()) == 0) app_stts.push_back(p);
    for (const auto &t : engine->tools)
      if (engine->configured.count(t.get()) == 0) app_tools.push_back(t);
  }
  const prov::FactoryRegistry &builtin = prov::builtin_factories();
  std::vector<Built> built;
  // Fallback chains last: they name other [llm.*] sections, which must be built by then.
  std::vector<const config::PluginSection *> order;
  for (const config::PluginSection &sec : sections)
    if (sec.kind != config::PluginSection::Kind::llm || sec.type != "fallback") order.push_back(&sec);
  for (const config::PluginSection &sec : sections)
    if (sec.kind == config::PluginSection::Kind::llm && sec.type == "fallback") order.push_back(&sec);
  for (const config::PluginSection *sec_ptr : order) {
    const config::PluginSection &sec = *sec_ptr;
    prov::FactoryArgs args{sec.name, sec.options, sec.where};
    // A chain ([llm.X] type = "fallback") names sections built before it.
    args.find_llm = [&](std::string_view name) -> std::shared_ptr<prov::LlmProvider> {
      for (const Built &b : built)
        if (b.llm && b.section->name == name) return b.llm;
      auto it = app_llms.find(name);
      return it == app_llms.end() ? nullptr : it->second;
    };
    const std::string kind = config::kind_name(sec.kind);
    auto unknown = [&](const auto &mine, const auto &theirs) {
      std::string known;
      for (const auto *m : {&mine, &theirs}) {
        for (const auto &[type, f] : *m) known += (known.empty() ? "" : ", ") + type;
      }
      return fail(CA_ERR_CONFIG, where,
                  (sec.where + ": [" + kind + "." + sec.name + "]: unknown type \"" + sec.type + "\" (known: " +
                   (known.empty() ? std::string("none") : known) + ")")
                      .c_str());
    };
    auto pick = [&](const auto &mine, const auto &theirs) -> const auto * {
      if (auto it = mine.find(sec.type); it != mine.end()) return &it->second;
      if (auto it = theirs.find(sec.type); it != theirs.end()) return &it->second;
      return static_cast<decltype(&mine.begin()->second)>(nullptr);
    };
    Built b{&sec, {}, {}, {}, {}};
    ca::Result<void> r;
    switch (sec.kind) {
      case config::PluginSection::Kind::stt: {
        const auto *f = pick(factories.stt, builtin.stt);
        if (f == nullptr) return unknown(factories.stt, builtin.stt);
        auto p = (*f)(args);
        if (!p) r = p.error(); else b.stt = std::move(p).value();
        break;
      }
      case config::PluginSection::Kind::tts: {
        const auto *f = pick(factories.tts, builtin.tts);
        if (f == nullptr) return unknown(factories.tts, builtin.tts);
        auto p = (*f)(args);
        if (!p) r = p.error(); else b.tts = std::move(p).value();
        break;
      }
      case config::PluginSection::Kind::llm: {
        const auto *f = pick(factories.llm, builtin.llm);
        if (f == nullptr) return unknown(factories.llm, builtin.llm);
        auto p = (*f)(args);
        if (!p) r = p.error(); else b.llm = std::move(p).value();
        break;
      }
      case config::PluginSection::Kind::tools: {
        const auto *f = pick(factories.tools, builtin.tools);
        if (f == nullptr) return unknown(factories.tools, builtin.tools);
        auto p = (*f)(args);
        if (!p) r = p.error(); else b.tools = std::move(p).value();
        break;
      }
    }
    if (!r) return fail(CA_ERR_CONFIG, where, r.error().message.c_str());
    built.push_back(std::move(b));
  }
  // Every tool's words (a catalogue's brands, the stations' cities) to every recogniser.
  prov::SpeechVocabulary vocabulary;
  for (const auto &t : app_tools) vocabulary.merge(t->speech_vocabulary());
  for (const Built &b : built) {
    for (const auto &t : b.tools) vocabulary.merge(t->speech_vocabulary());
  }
  if (!vocabulary.empty()) {
    for (const auto &s : app_stts) s->use_vocabulary(vocabulary);
    for (const Built &b : built) {
      if (b.stt) b.stt->use_vocabulary(vocabulary);
    }
  }

  std::lock_guard lock(engine->mu);
  // What an earlier configuration built goes; what an integrator registered stays and wins a clash.
  auto drop_configured = [&](auto &map) {
    for (auto it = map.begin(); it != map.end();) {
      it = engine->configured.count(it->second.get()) != 0 ? map.erase(it) : std::next(it);
    }
  };
  auto clash = [&](const auto &map, const std::string &name, const char *kind) -> ca_status {
    auto it = map.find(name);
    if (it != map.end() && engine->configured.count(it->second.get()) == 0) {
      return fail(CA_ERR_CONFIG, where, (std::string(kind) + " \"" + name + "\" is already registered by the application").c_str());
    }
    return CA_OK;
  };
  for (const Built &b : built) {
    const config::PluginSection &sec = *b.section;
    ca_status st = CA_OK;
    if (b.stt) st = clash(engine->stt, sec.name, "stt");
    if (b.tts) st = clash(engine->tts, sec.name, "tts");
    if (b.llm) st = clash(engine->llm, sec.name, "llm");
    for (const auto &t : b.tools) {
      for (const auto &have : engine->tools) {
        if (have->spec().name == t->spec().name && engine->configured.count(have.get()) == 0) {
          st = fail(CA_ERR_CONFIG, where, ("tool \"" + t->spec().name + "\" is already registered by the application").c_str());
        }
      }
    }
    if (st != CA_OK) return st;
  }
  drop_configured(engine->stt);
  drop_configured(engine->tts);
  drop_configured(engine->llm);
  std::erase_if(engine->tools, [&](const auto &t) { return engine->configured.count(t.get()) != 0; });
  engine->configured.clear();
  for (Built &b : built) {
    const std::string &name = b.section->name;
    if (b.stt) engine->configured.insert(engine->stt.emplace(name, b.stt).first->second.get());
    if (b.tts) engine->configured.insert(engine->tts.emplace(name, b.tts).first->second.get());
    if (b.llm) engine->configured.insert(engine->llm.emplace(name, b.llm).first->second.get());
    for (auto &t : b.tools) {
      engine->configured.insert(t.get());
      engine->tools.push_back(std::move(t));
    }
  }
  return CA_OK;
}

}  // namespace ca::capi

namespace {
}  // namespace

extern "C" {

// ---- sinks ----

void ca_sink_retain(ca_sink_t *sink) {
  if (sink != nullptr) from(sink)->refs.fetch_add(1, std::memory_order_relaxed);
}

void ca_sink_release(ca_sink_t *sink) {
  if (sink == nullptr) return;
  if (from(sink)->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    guarded_void("ca_sink_release", [&] { delete from(sink); });
  }
}

ca_status ca_sink_stt_interim(ca_sink_t *sink, uint64_t stream_id, const char *text, double confidence,
                              const char *language) {
  return stt_event(sink, stream_id, prov::SttEvent::Type::interim, text, confidence, language,
                   "ca_sink_stt_interim");
}

ca_status ca_sink_stt_final(ca_sink_t *sink, uint64_t stream_id, const char *text, double confidence,
                            const char *language) {
  return stt_event(sink, stream_id, prov::SttEvent::Type::final, text, confidence, language, "ca_sink_stt_final");
}

ca_status ca_sink_stt_done(ca_sink_t *sink, uint64_t stream_id) {
  return stt_event(sink, stream_id, prov::SttEvent::Type::done, "", 0, nullptr, "ca_sink_stt_done");
}

ca_status ca_sink_stt_error(ca_sink_t *sink, uint64_t stream_id, const char *message) {
  return stt_event(sink, stream_id, prov::SttEvent::Type::error, message, 0, nullptr, "ca_sink_stt_error");
}

ca_status ca_sink_tts_audio(ca_sink_t *sink, uint64_t request_id, const int16_t *pcm, size_t n, int sample_rate) {
  static constexpr const char *kWhere = "ca_sink_tts_audio";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::tts, kWhere); st != CA_OK) return st;
    if (pcm == nullptr && n != 0) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "pcm is NULL");
    if (sample_rate < 4000 || sample_rate > 192000) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "sample_rate must be 4000..192000");
    }
    if (n == 0) return CA_OK;
    from(sink)->tts->on_tts_audio(request_id, std::span<const int16_t>(pcm, n), sample_rate);
    return CA_OK;
  });
}

ca_status ca_sink_tts_done(ca_sink_t *sink, uint64_t request_id) {
  static constexpr const char *kWhere = "ca_sink_tts_done";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::tts, kWhere); st != CA_OK) return st;
    from(sink)->tts->on_tts_done(request_id);
    return CA_OK;
  });
}

ca_status ca_sink_tts_error(ca_sink_t *sink, uint64_t request_id, const char *message) {
  static constexpr const char *kWhere = "ca_sink_tts_error";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::tts, kWhere); st != CA_OK) return st;
    if (message == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "message is NULL");
    from(sink)->tts->on_tts_error(request_id, message);
    return CA_OK;
  });
}

ca_status ca_sink_llm_text(ca_sink_t *sink, uint64_t request_id, const char *delta, size_t len) {
  static constexpr const char *kWhere = "ca_sink_llm_text";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::llm, kWhere); st != CA_OK) return st;
    if (delta == nullptr && len != 0) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "delta is NULL");
    if (len == 0) return CA_OK;
    from(sink)->llm->on_llm_text(request_id, std::string_view(delta, len));
    return CA_OK;
  });
}

ca_status ca_sink_llm_tool_call(ca_sink_t *sink, uint64_t request_id, const char *call_id, const char *name,
                                const char *arguments_json) {
  static constexpr const char *kWhere = "ca_sink_llm_tool_call";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::llm, kWhere); st != CA_OK) return st;
    if (name == nullptr || name[0] == '\0') return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "name is NULL or empty");
    ca::agent::ToolCall call;
    call.id = or_empty(call_id);
    call.name = name;
    call.arguments_json = arguments_json != nullptr ? arguments_json : "{}";
    from(sink)->llm->on_llm_tool_call(request_id, std::move(call));
    return CA_OK;
  });
}

ca_status ca_sink_llm_done(ca_sink_t *sink, uint64_t request_id, int64_t input_tokens, int64_t output_tokens) {
  static constexpr const char *kWhere = "ca_sink_llm_done";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::llm, kWhere); st != CA_OK) return st;
    from(sink)->llm->on_llm_done(request_id, prov::LlmUsage{input_tokens, output_tokens});
    return CA_OK;
  });
}

ca_status ca_sink_llm_error(ca_sink_t *sink, uint64_t request_id, const char *message) {
  static constexpr const char *kWhere = "ca_sink_llm_error";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), request_id, SinkKind::llm, kWhere); st != CA_OK) return st;
    if (message == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "message is NULL");
    from(sink)->llm->on_llm_error(request_id, message);
    return CA_OK;
  });
}

ca_status ca_sink_tool_result(ca_sink_t *sink, uint64_t invocation_id, int ok, const char *json, int action,
                              const char *reason) {
  static constexpr const char *kWhere = "ca_sink_tool_result";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_sink(from(sink), invocation_id, SinkKind::tool, kWhere); st != CA_OK) return st;
    if (action < CA_TOOL_ACTION_NONE || action > CA_TOOL_ACTION_HANGUP) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "action is not a CA_TOOL_ACTION_*");
    }
    prov::ToolResult r;
    r.ok = ok != 0;
    r.json = json != nullptr ? json : "null";
    r.action = static_cast<prov::ToolResult::Action>(action);
    r.action_reason = or_empty(reason);
    from(sink)->tool->on_tool_result(invocation_id, std::move(r));
    return CA_OK;
  });
}

// ---- engine ----

ca_status ca_engine_default_params(ca_engine_params *params, size_t size) {
  static constexpr const char *kWhere = "ca_engine_default_params";
  return guarded(kWhere, [&]() -> ca_status {
    if (params == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params is NULL");
    if (size < ca::capi::kMinEngineParams) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "size is too small");
    ca_engine_params d{};
    d.struct_size = static_cast<uint32_t>(size < sizeof d ? size : sizeof d);
    d.log = nullptr;
    d.log_user_data = nullptr;
    d.log_level = CA_LOG_UNCHANGED;
    std::memset(static_cast<void *>(params), 0, size);
    std::memcpy(static_cast<void *>(params), &d, d.struct_size);
    params->struct_size = static_cast<uint32_t>(size);
    return CA_OK;
  });
}

ca_status ca_engine_create(const ca_engine_params *params, ca_engine_t **out) {
  static constexpr const char *kWhere = "ca_engine_create";
  return guarded(kWhere, [&]() -> ca_status {
    if (out == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "out is NULL");
    *out = nullptr;
    ca_engine_params p{};
    if (params == nullptr) {
      (void)ca_engine_default_params(&p, sizeof p);
    } else if (!ca::capi::copy_sized(*params, ca::capi::kMinEngineParams, p)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params->struct_size is too small");
    }
    if (p.log_level < CA_LOG_UNCHANGED || p.log_level > CA_LOG_OFF) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "log_level is not a CA_LOG_*");
    }
    auto engine = std::make_unique<Engine>();
    if (p.log_level != CA_LOG_UNCHANGED) ca::log::set_level(static_cast<ca::log::Level>(p.log_level));
    if (p.log != nullptr) {
      {
        LogLock lock(true);
        g_log_fn = p.log;
        g_log_user_data = p.log_user_data;
        g_log_owner = engine.get();
      }
      engine->owns_log = true;
      ca::log::set_sink(&log_trampoline, nullptr);
    }
    *out = handle(engine.release());
    return CA_OK;
  });
}

void ca_engine_destroy(ca_engine_t *engine) {
  if (engine == nullptr) return;
  guarded_void("ca_engine_destroy", [&] {
    Engine *e = from(engine);
    if (e->owns_log) {
      LogLock lock(true);
      if (g_log_owner == e) {
        ca::log::set_sink(nullptr, nullptr);
        g_log_fn = nullptr;
        g_log_user_data = nullptr;
        g_log_owner = nullptr;
      }
    }
    delete e;
  });
}

ca_status ca_engine_register_stt(ca_engine_t *engine, const char *name, const ca_stt_vtable *vtable) {
  static constexpr const char *kWhere = "ca_engine_register_stt";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    if (ca_status st = check_name(name, kWhere); st != CA_OK) return st;
    std::shared_ptr<CStt> adapter;
    if (ca_status st = adapt_stt(name, vtable, kWhere, adapter); st != CA_OK) return st;
    return register_provider(from(engine), from(engine)->stt, name, kWhere, [&] { return adapter; });
  });
}

ca_status ca_engine_register_tts(ca_engine_t *engine, const char *name, const ca_tts_vtable *vtable) {
  static constexpr const char *kWhere = "ca_engine_register_tts";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    if (ca_status st = check_name(name, kWhere); st != CA_OK) return st;
    std::shared_ptr<CTts> adapter;
    if (ca_status st = adapt_tts(name, vtable, kWhere, adapter); st != CA_OK) return st;
    return register_provider(from(engine), from(engine)->tts, name, kWhere, [&] { return adapter; });
  });
}

ca_status ca_engine_register_llm(ca_engine_t *engine, const char *name, const ca_llm_vtable *vtable) {
  static constexpr const char *kWhere = "ca_engine_register_llm";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    if (ca_status st = check_name(name, kWhere); st != CA_OK) return st;
    std::shared_ptr<CLlm> adapter;
    if (ca_status st = adapt_llm(name, vtable, kWhere, adapter); st != CA_OK) return st;
    return register_provider(from(engine), from(engine)->llm, name, kWhere, [&] { return adapter; });
  });
}

ca_status ca_engine_register_tool(ca_engine_t *engine, const ca_tool_vtable *vtable) {
  static constexpr const char *kWhere = "ca_engine_register_tool";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    std::shared_ptr<CTool> tool;
    if (ca_status st = adapt_tool(vtable, nullptr, kWhere, tool); st != CA_OK) return st;
    Engine *e = from(engine);
    std::lock_guard lock(e->mu);
    for (const auto &t : e->tools) {
      if (t->spec().name == tool->spec().name) {
        return fail(CA_ERR_INVALID_ARGUMENT, kWhere, ("already registered: " + tool->spec().name).c_str());
      }
    }
    e->tools.push_back(tool);
    tool->arm();
    return CA_OK;
  });
}

ca_status ca_engine_register_factory(ca_engine_t *engine, int kind, const char *type, const ca_factory *factory) {
  static constexpr const char *kWhere = "ca_engine_register_factory";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    if (ca_status st = check_name(type, kWhere); st != CA_OK) return st;
    if (factory == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "factory is NULL");
    if (kind < CA_PLUGIN_STT || kind > CA_PLUGIN_TOOL) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "unknown kind");
    ca_factory f{};
    if (!ca::capi::copy_sized(*factory, ca::capi::kMinFactory, f)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "factory->struct_size is too small");
    }
    if (f.create == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "create is required");
    Engine *e = from(engine);
    std::lock_guard lock(e->mu);
    prov::FactoryRegistry &r = e->factories;
    const bool taken = (kind == CA_PLUGIN_STT && r.stt.count(type) != 0) || (kind == CA_PLUGIN_TTS && r.tts.count(type) != 0) ||
                       (kind == CA_PLUGIN_LLM && r.llm.count(type) != 0) || (kind == CA_PLUGIN_TOOL && r.tools.count(type) != 0);
    if (taken) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, (std::string("already registered: ") + type).c_str());
    // Armed only once registered: a failed registration never calls destroy.
    auto owner = std::make_shared<CFactory>(ca_factory{});
    switch (kind) {
      case CA_PLUGIN_STT:
        r.stt.emplace(type, [owner](const prov::FactoryArgs &args) -> ca::Result<std::shared_ptr<prov::SttProvider>> {
          ca_stt_vtable vt{};
          vt.struct_size = sizeof vt;
          if (auto c = owner->create(CA_PLUGIN_STT, args, &vt); !c) return c.error();
          std::shared_ptr<CStt> a;
          if (adapt_stt(args.name.c_str(), &vt, "factory", a) != CA_OK) return last_error_as_config(args);
          a->arm();
          return std::shared_ptr<prov::SttProvider>(std::move(a));
        });
        break;
      case CA_PLUGIN_TTS:
        r.tts.emplace(type, [owner](const prov::FactoryArgs &args) -> ca::Result<std::shared_ptr<prov::TtsProvider>> {
          ca_tts_vtable vt{};
          vt.struct_size = sizeof vt;
          if (auto c = owner->create(CA_PLUGIN_TTS, args, &vt); !c) return c.error();
          std::shared_ptr<CTts> a;
          if (adapt_tts(args.name.c_str(), &vt, "factory", a) != CA_OK) return last_error_as_config(args);
          a->arm();
          return std::shared_ptr<prov::TtsProvider>(std::move(a));
        });
        break;
      case CA_PLUGIN_LLM:
        r.llm.emplace(type, [owner](const prov::FactoryArgs &args) -> ca::Result<std::shared_ptr<prov::LlmProvider>> {
          ca_llm_vtable vt{};
          vt.struct_size = sizeof vt;
          if (auto c = owner->create(CA_PLUGIN_LLM, args, &vt); !c) return c.error();
          std::shared_ptr<CLlm> a;
          if (adapt_llm(args.name.c_str(), &vt, "factory", a) != CA_OK) return last_error_as_config(args);
          a->arm();
          return std::shared_ptr<prov::LlmProvider>(std::move(a));
        });
        break;
      default:
        r.tools.emplace(type, [owner](const prov::FactoryArgs &args) -> ca::Result<std::vector<std::shared_ptr<prov::Tool>>> {
          ca_tool_vtable vt{};
          vt.struct_size = sizeof vt;
          if (auto c = owner->create(CA_PLUGIN_TOOL, args, &vt); !c) return c.error();
          std::shared_ptr<CTool> a;
          if (adapt_tool(&vt, args.name.c_str(), "factory", a) != CA_OK) return last_error_as_config(args);
          a->arm();
          return std::vector<std::shared_ptr<prov::Tool>>{std::move(a)};
        });
        break;
    }
    owner->f_ = f;
    return CA_OK;
  });
}
}
