// What the C ABI's translation units share: error reporting, the guard every entry point runs
// its body in, struct_size checks, and the engine and sink objects behind the opaque handles.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "callagent/callagent.h"
#include "providers/provider.hpp"
#include "providers/registry.hpp"
#include <set>

namespace ca::config {
struct PluginSection;
}  // namespace ca::config

namespace ca::session {
struct SessionConfig;
struct Event;
struct SessionStats;
}  // namespace ca::session

namespace ca::capi {

// Stores "where: what" as this thread's ca_last_error() and returns `code`. Never throws and
// never allocates (the buffer is a fixed thread-local array), so it works on CA_ERR_NO_MEMORY.
ca_status fail(ca_status code, const char *where, const char *what) noexcept;

// Runs `body` (which returns a ca_status) with every exception mapped to a status.
template <class F>
ca_status guarded(const char *where, F &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(CA_ERR_NO_MEMORY, where, "out of memory");
  } catch (const std::exception &e) {
    return fail(CA_ERR_INTERNAL, where, e.what());
  } catch (...) {
    return fail(CA_ERR_INTERNAL, where, "unknown exception");
  }
}

// For entry points that return no status: the failure goes to ca_last_error() only.
template <class F>
void guarded_void(const char *where, F &&body) noexcept {
  (void)guarded(where, [&]() -> ca_status {
    body();
    return CA_OK;
  });
}

// The size of the first published version of each struct: the end of its last field then. A
// caller's struct_size below it lacks fields the library needs. Fields added later go after
// these, so the constants stay as they are.
inline constexpr size_t kMinEngineParams = offsetof(ca_engine_params, log_level) + sizeof(int);
inline constexpr size_t kMinSessionParams = offsetof(ca_session_params, operator_digit) + sizeof(int);
inline constexpr size_t kMinSttVtable = offsetof(ca_stt_vtable, destroy) + sizeof(void (*)(void *));
inline constexpr size_t kMinTtsVtable = offsetof(ca_tts_vtable, destroy) + sizeof(void (*)(void *));
inline constexpr size_t kMinLlmVtable = offsetof(ca_llm_vtable, destroy) + sizeof(void (*)(void *));
inline constexpr size_t kMinToolVtable = offsetof(ca_tool_vtable, destroy) + sizeof(void (*)(void *));
inline constexpr size_t kMinFactory = offsetof(ca_factory, destroy) + sizeof(void (*)(void *));

// Copies a caller's struct of `struct_size` bytes into a zeroed local of the library's size, so
// fields past an older caller's struct read as zero: a field added later must mean "default" when
// it is zero. False when struct_size < min_size.
template <class T>
bool copy_sized(const T &in, size_t min_size, T &out) {
  if (in.struct_size < min_size) return false;
  out = T{};
  const size_t n = in.struct_size < sizeof(T) ? in.struct_size : sizeof(T);
  std::memcpy(static_cast<void *>(&out), static_cast<const void *>(&in), n);
  out.struct_size = static_cast<uint32_t>(sizeof(T));
  return true;
}

// NULL -> "".
inline const char *or_empty(const char *s) { return s != nullptr ? s : ""; }

// One of "0123456789*#ABCD".
inline bool valid_dtmf(int c) { return c > 0 && c < 128 && std::strchr("0123456789*#ABCD", c) != nullptr; }

// ---- sessions (capi_session.cpp), shared with the simulator (capi_testkit.cpp) ----

// The call's settings of `p` (already through copy_sized) into `cfg`: rate, strings, timings,
// operator digit, each checked as ca_session_create documents; failures are reported under
// `where`. Leaves cfg.call_id empty when p.call_id is NULL or "" (the caller picks one). The
// plug-in names, the tool list and the event callback are not looked at.
ca_status session_config_from(const ca_session_params &p, const char *where, session::SessionConfig &cfg);

// Hands `e` to `fn` as a ca_event stamped `time_ns` (nothing when fn is NULL).
void emit_event(ca_event_fn fn, void *user_data, const session::Event &e, int64_t time_ns);

// ca_session_get_stats' copy: whole fields within stats->struct_size; `where` for failures.
ca_status copy_stats(const session::SessionStats &in, ca_session_stats *stats, const char *where);

// ---- sinks ----

enum class SinkKind : uint8_t { stt, tts, llm, tool };


// The objects behind the opaque handles. They are not the handles' own structs (`struct ca_sink`
// and friends stay incomplete everywhere): the library's debug info then describes the handles
// as opaque, so the ABI baseline holds only the public types, and changing these internals never
// shows up as an ABI change.

// One request's sink as handed to a C plug-in: the session's sink for that request kind, the
// request id, and a reference count. Immutable after construction except the count, so any
// thread may use it.
struct Sink {
  Sink(SinkKind k, uint64_t request) : kind(k), id(request) {}
  std::atomic<uint32_t> refs{1};
  const SinkKind kind;
  const uint64_t id;
  std::shared_ptr<providers::SttSink> stt;
  std::shared_ptr<providers::TtsSink> tts;
  std::shared_ptr<providers::LlmSink> llm;
  std::shared_ptr<providers::ToolSink> tool;
};

// The registry. Providers are the C vtable adapters (shared with the sessions that use them).
struct Engine {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<providers::SttProvider>, std::less<>> stt;
  std::map<std::string, std::shared_ptr<providers::TtsProvider>, std::less<>> tts;
  std::map<std::string, std::shared_ptr<providers::LlmProvider>, std::less<>> llm;
  std::vector<std::shared_ptr<providers::Tool>> tools;  // registration order
  bool owns_log = false;                                   // this engine's callback is installed
  std::shared_ptr<const session::SessionConfig> session_defaults;  // from ca_engine_load_config
  // Plug-ins a session uses when its params name none ([session] stt, tts, llm, tools).
  std::string default_stt, default_tts, default_llm;
  std::vector<std::string> default_tools;
  providers::FactoryRegistry factories;                 // types added with ca_engine_register_factory
  std::set<const void *> configured;         // instances the last loaded configuration built
};

// Builds the plug-ins of a configuration's [stt.*], [tts.*], [llm.*] and [tools.*] sections and
// installs them in place of what an earlier configuration built; all or nothing. Failures are
// CA_ERR_CONFIG under `where`.
ca_status build_plugins(Engine *engine, const std::vector<config::PluginSection> &sections, const char *where);

inline Sink *from(ca_sink_t *h) { return reinterpret_cast<Sink *>(h); }
inline ca_sink_t *handle(Sink *s) { return reinterpret_cast<ca_sink_t *>(s); }
inline Engine *from(ca_engine_t *h) { return reinterpret_cast<Engine *>(h); }
inline ca_engine_t *handle(Engine *e) { return reinterpret_cast<ca_engine_t *>(e); }

}  // namespace ca::capi
