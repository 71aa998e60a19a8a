// The test kit through the C ABI: a ca_sim_t collects the session settings, the plug-ins'
// latencies and the caller script, then plays them once through testkit::CallSimulator with the
// kit's scripted plug-ins, and keeps the results until it is destroyed.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "capi/capi_internal.hpp"
#include "session/session.hpp"
#include "testkit/testkit.hpp"

using ca::capi::fail;
using ca::capi::guarded;
using ca::capi::guarded_void;

namespace {

namespace tk = ca::testkit;

// The first published versions of the simulator's structs (see capi_internal.hpp).
constexpr size_t kMinSimParams = offsetof(ca_sim_params, transfer_delay_ms) + sizeof(int);
constexpr size_t kMinLlmReply = offsetof(ca_sim_llm_reply, fail_after_tokens) + sizeof(int);
constexpr size_t kMinToolCall = offsetof(ca_tool_call, arguments_json) + sizeof(const char *);

// Script times in milliseconds are kept well inside what nanoseconds can hold, sums included.
constexpr int64_t kMaxMillis = std::numeric_limits<int64_t>::max() / 1'000'000 / 4;

// The object behind a ca_sim_t (not `struct ca_sim`, for the reason capi_internal.hpp gives).
struct SimImpl {
  // ---- what create and the script set ----
  ca::session::SessionConfig cfg;
  ca_event_fn on_event = nullptr;
  void *event_user_data = nullptr;
  ca_sim_params params{};
  tk::CallerScript script;
  std::vector<tk::LlmReply> replies;
  struct ToolDef {
    ca::providers::ToolSpec spec;
    std::string result;
    ca::Nanos latency = 0;
    ca::providers::ToolResult::Action action = ca::providers::ToolResult::Action::none;
  };
  std::vector<ToolDef> tool_defs;

  // ---- the run ----
  bool ran = false;
  int depth = 0;                 // > 0: delivering events
  bool destroy_pending = false;  // ca_sim_destroy from inside the event callback

  // The plug-ins are declared before the simulator so that the simulator (and its session, which
  // cancels work in flight on them) goes first.
  std::shared_ptr<tk::ScriptedStt> stt;
  std::shared_ptr<tk::ScriptedLlm> llm;
  std::shared_ptr<tk::ScriptedTts> tts;
  std::vector<std::shared_ptr<tk::ScriptedTool>> tools;
  std::unique_ptr<tk::CallSimulator> sim;
  tk::SimResult result;
  ca::session::SessionStats stats;
  bool have_stats = false;

  SimImpl() = default;
  SimImpl(const SimImpl &) = delete;
  SimImpl &operator=(const SimImpl &) = delete;
};

SimImpl *from(ca_sim_t *h) { return reinterpret_cast<SimImpl *>(h); }
const SimImpl *from(const ca_sim_t *h) { return reinterpret_cast<const SimImpl *>(h); }
ca_sim_t *handle(SimImpl *s) { return reinterpret_cast<ca_sim_t *>(s); }

ca_sim_params default_sim_params() {
  ca_sim_params d{};
  d.struct_size = sizeof d;
  d.stt_interim_latency_ms = 300;
  d.stt_final_latency_ms = 150;
  d.llm_first_token_ms = 400;
  d.llm_tokens_per_second = 30;
  d.tts_first_audio_ms = 150;
  d.tts_ms_per_char = 60;
  d.tts_sample_rate = 0;
  d.echo = 0;
  d.echo_db = -12;
  d.echo_delay_ms = 120;
  d.transfer_delay_ms = 500;
  return d;
}

// Fills the caller's struct of `size` bytes from `d`: zero past the library's struct.
template <class T>
void fill_defaults(T *out, size_t size, const T &d) {
  std::memset(static_cast<void *>(out), 0, size);
  std::memcpy(static_cast<void *>(out), &d, size < sizeof d ? size : sizeof d);
  out->struct_size = static_cast<uint32_t>(size);
}

ca_status check_params(const ca_sim_params &p, const char *where) {
  struct Millis {
    int v;
    const char *name;
  };
  const Millis ms[] = {{p.stt_interim_latency_ms, "stt_interim_latency_ms"},
                       {p.stt_final_latency_ms, "stt_final_latency_ms"},
                       {p.llm_first_token_ms, "llm_first_token_ms"},
                       {p.tts_first_audio_ms, "tts_first_audio_ms"},
                       {p.echo_delay_ms, "echo_delay_ms"},
                       {p.transfer_delay_ms, "transfer_delay_ms"}};
  for (const Millis &m : ms) {
    if (m.v < 0) return fail(CA_ERR_INVALID_ARGUMENT, where, (std::string(m.name) + " is negative").c_str());
  }
  if (!(std::isfinite(p.llm_tokens_per_second) && p.llm_tokens_per_second > 0)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "llm_tokens_per_second must be > 0");
  }
  if (!(std::isfinite(p.tts_ms_per_char) && p.tts_ms_per_char > 0)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "tts_ms_per_char must be > 0");
  }
  if (p.tts_sample_rate != 0 && (p.tts_sample_rate < 4000 || p.tts_sample_rate > 192000)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "tts_sample_rate must be 0 or 4000..192000");
  }
  if (!(std::isfinite(p.echo_db) && p.echo_db <= 0)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "echo_db must be finite and <= 0");
  }
  return CA_OK;
}

// Common checks of the script functions.
ca_status check_scripting(const SimImpl *s, const char *where) {
  if (s == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "sim is NULL");
  if (s->ran) return fail(CA_ERR_STATE, where, "the simulation has already run");
  return CA_OK;
}

ca_status check_time(int64_t at_ms, const char *what, const char *where) {
  if (at_ms < 0 || at_ms > kMaxMillis) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, (std::string(what) + " is negative or too large").c_str());
  }
  return CA_OK;
}

// Marks event delivery; the last one out carries out a deferred destroy.
class Delivering {
 public:
  explicit Delivering(SimImpl *s) : s_(s) { ++s_->depth; }
  Delivering(const Delivering &) = delete;
  Delivering &operator=(const Delivering &) = delete;
  ~Delivering() {
    if (--s_->depth == 0 && s_->destroy_pending) {
      try {
        delete s_;
      } catch (...) {
        // Destruction only cancels scripted work; nothing to report to anyone.
      }
    }
  }

 private:
  SimImpl *s_;
};

}  // namespace

extern "C" {

ca_status ca_sim_default_params(ca_sim_params *params, size_t size) {
  static constexpr const char *kWhere = "ca_sim_default_params";
  return guarded(kWhere, [&]() -> ca_status {
    if (params == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params is NULL");
    if (size < kMinSimParams) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "size is too small");
    fill_defaults(params, size, default_sim_params());
    return CA_OK;
  });
}

ca_status ca_sim_default_llm_reply(ca_sim_llm_reply *reply, size_t size) {
  static constexpr const char *kWhere = "ca_sim_default_llm_reply";
  return guarded(kWhere, [&]() -> ca_status {
    if (reply == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "reply is NULL");
    if (size < kMinLlmReply) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "size is too small");
    ca_sim_llm_reply d{};
    d.struct_size = sizeof d;
    d.first_token_ms = -1;
    d.tokens_per_second = 0;
    d.fail_after_tokens = -1;
    fill_defaults(reply, size, d);
    return CA_OK;
  });
}

ca_status ca_sim_create(const ca_session_params *session, const ca_sim_params *params, ca_sim_t **out) {
  static constexpr const char *kWhere = "ca_sim_create";
  return guarded(kWhere, [&]() -> ca_status {
    if (out == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "out is NULL");
    *out = nullptr;
    ca_session_params sp{};
    if (session == nullptr) {
      sp.struct_size = sizeof sp;
      sp.sample_rate = 8000;
    } else if (!ca::capi::copy_sized(*session, ca::capi::kMinSessionParams, sp)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "session->struct_size is too small");
    }
    ca_sim_params p = default_sim_params();
    if (params != nullptr && !ca::capi::copy_sized(*params, kMinSimParams, p)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params->struct_size is too small");
    }
    if (ca_status st = check_params(p, kWhere); st != CA_OK) return st;

    auto self = std::make_unique<SimImpl>();
    if (ca_status st = ca::capi::session_config_from(sp, kWhere, self->cfg); st != CA_OK) return st;
    if (self->cfg.call_id.empty()) self->cfg.call_id = "sim";
    self->on_event = sp.on_event;
    self->event_user_data = sp.event_user_data;
    self->params = p;
    self->script.echo = p.echo != 0;
    self->script.echo_db = p.echo_db;
    self->script.echo_delay = ca::millis(p.echo_delay_ms);
    self->script.transfer_delay = ca::millis(p.transfer_delay_ms);
    *out = handle(self.release());
    return CA_OK;
  });
}

void ca_sim_destroy(ca_sim_t *sim) {
  if (sim == nullptr) return;
  if (from(sim)->depth > 0) {
    from(sim)->destroy_pending = true;
    return;
  }
  guarded_void("ca_sim_destroy", [&] { delete from(sim); });
}

ca_status ca_sim_add_speech(ca_sim_t *sim, int64_t at_ms, int64_t duration_ms, const char *text, double level_dbfs) {
  static constexpr const char *kWhere = "ca_sim_add_speech";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_scripting(from(sim), kWhere); st != CA_OK) return st;
    if (ca_status st = check_time(at_ms, "at_ms", kWhere); st != CA_OK) return st;
    if (duration_ms <= 0 || duration_ms > kMaxMillis) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "duration_ms must be > 0");
    }
    if (!(std::isfinite(level_dbfs) && level_dbfs <= 0)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "level_dbfs must be finite and <= 0");
    }
    tk::CallerScript::Speech s;
    s.at = ca::millis(at_ms);
    s.duration = ca::millis(duration_ms);
    s.text = ca::capi::or_empty(text);
    s.level_dbfs = level_dbfs;
    from(sim)->script.speech.push_back(std::move(s));
    return CA_OK;
  });
}

ca_status ca_sim_add_dtmf(ca_sim_t *sim, int64_t at_ms, char digit) {
  static constexpr const char *kWhere = "ca_sim_add_dtmf";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_scripting(from(sim), kWhere); st != CA_OK) return st;
    if (ca_status st = check_time(at_ms, "at_ms", kWhere); st != CA_OK) return st;
    if (!ca::capi::valid_dtmf(static_cast<unsigned char>(digit))) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "digit is not one of 0-9 * # A-D");
    }
    from(sim)->script.dtmf.emplace_back(ca::millis(at_ms), digit);
    return CA_OK;
  });
}

ca_status ca_sim_set_hangup(ca_sim_t *sim, int64_t at_ms) {
  static constexpr const char *kWhere = "ca_sim_set_hangup";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_scripting(from(sim), kWhere); st != CA_OK) return st;
    if (ca_status st = check_time(at_ms, "at_ms", kWhere); st != CA_OK) return st;
    from(sim)->script.hangup_at = ca::millis(at_ms);
    return CA_OK;
  });
}

ca_status ca_sim_add_transfer_result(ca_sim_t *sim, int ok) {
  static constexpr const char *kWhere = "ca_sim_add_transfer_result";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_scripting(from(sim), kWhere); st != CA_OK) return st;
    from(sim)->script.transfer_results.push_back(ok != 0);
    return CA_OK;
  });
}

ca_status ca_sim_add_llm_reply(ca_sim_t *sim, const ca_sim_llm_reply *reply) {
  static constexpr const char *kWhere = "ca_sim_add_llm_reply";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_scripting(from(sim), kWhere); st != CA_OK) return st;
    if (reply == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "reply is NULL");
    ca_sim_llm_reply r{};
    if (!ca::capi::copy_sized(*reply, kMinLlmReply, r)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "reply->struct_size is too small");
    }
    if (r.first_token_ms < -1) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "first_token_ms must be >= 0 or -1");
    if (!(std::isfinite(r.tokens_per_second) && r.tokens_per_second >= 0)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "tokens_per_second must be > 0 or 0");
    }
    if (r.fail_after_tokens < -1) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "fail_after_tokens must be >= 0 or -1");
    if (r.tool_call_count > 0 && r.tool_calls == nullptr) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "tool_calls is NULL with a non-zero tool_call_count");
    }
    const ca_sim_params &p = from(sim)->params;
    tk::LlmReply out;
    out.text = ca::capi::or_empty(r.text);
    out.first_token = ca::millis(r.first_token_ms >= 0 ? r.first_token_ms : p.llm_first_token_ms);
    out.tokens_per_second = r.tokens_per_second > 0 ? r.tokens_per_second : p.llm_tokens_per_second;
    out.fail_after_tokens = r.fail_after_tokens;
    for (size_t i = 0; i < r.tool_call_count; ++i) {
      const ca_tool_call *c = r.tool_calls[i];
      if (c == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "a tool call is NULL");
      if (c->struct_size < kMinToolCall) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "a tool call's struct_size is too small");
      if (c->name == nullptr || c->name[0] == '\0') return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "a tool call has no name");
      out.tool_calls.push_back({ca::capi::or_empty(c->id), c->name, c->arguments_json != nullptr ? c->arguments_json : "{}"});
    }
    from(sim)->replies.push_back(std::move(out));
    return CA_OK;
  });
}

ca_status ca_sim_add_tool(ca_sim_t *sim, const char *name, const char *description, const char *result_json,
                          int latency_ms, int side_effecting, int action, const char *wait_phrase) {
  static constexpr const char *kWhere = "ca_sim_add_tool";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_scripting(from(sim), kWhere); st != CA_OK) return st;
    if (name == nullptr || name[0] == '\0') return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "name is required");
    for (const auto &t : from(sim)->tool_defs) {
      if (t.spec.name == name) {
        return fail(CA_ERR_INVALID_ARGUMENT, kWhere, (std::string("tool already added: ") + name).c_str());
      }
    }
    if (latency_ms < 0) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "latency_ms is negative");
    if (action < CA_TOOL_ACTION_NONE || action > CA_TOOL_ACTION_HANGUP) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "action is not a CA_TOOL_ACTION_*");
    }
    SimImpl::ToolDef t;
    t.spec.name = name;
    t.spec.description = ca::capi::or_empty(description);
    t.spec.side_effecting = side_effecting != 0;
    t.spec.wait_phrase = ca::capi::or_empty(wait_phrase);
    t.result = result_json != nullptr ? result_json : "null";
    t.latency = ca::millis(latency_ms);
    t.action = static_cast<ca::providers::ToolResult::Action>(action);
    from(sim)->tool_defs.push_back(std::move(t));
    return CA_OK;
  });
}

ca_status ca_sim_run(ca_sim_t *sim, int64_t until_ms) {
  static constexpr const char *kWhere = "ca_sim_run";
  return guarded(kWhere, [&]() -> ca_status {
    SimImpl *self = from(sim);
    if (self == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "sim is NULL");
    if (self->ran) return fail(CA_ERR_STATE, kWhere, "the simulation has already run");
    if (until_ms < 0) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "until_ms is negative");
    if (until_ms > kMaxMillis) until_ms = kMaxMillis;
    self->ran = true;

    const ca_sim_params &p = self->params;
    self->sim = std::make_unique<tk::CallSimulator>(self->cfg, self->script);
    tk::Scheduler &sched = self->sim->scheduler();
    tk::ScriptedStt::Options so;
    so.interim_latency = ca::millis(p.stt_interim_latency_ms);
    so.final_latency = ca::millis(p.stt_final_latency_ms);
    self->stt = std::make_shared<tk::ScriptedStt>(sched, self->sim->transcript_source(), so);
    self->llm = std::make_shared<tk::ScriptedLlm>(sched, self->replies);
    tk::ScriptedTts::Options to;
    to.first_audio = ca::millis(p.tts_first_audio_ms);
    to.ms_per_char = p.tts_ms_per_char;
    to.sample_rate = p.tts_sample_rate;
    self->tts = std::make_shared<tk::ScriptedTts>(sched, to);
    ca::session::Providers &providers = self->sim->providers();
    providers.stt = self->stt;
    providers.llm = self->llm;
    providers.tts = self->tts;
    for (const auto &t : self->tool_defs) {
      auto tool = std::make_shared<tk::ScriptedTool>(sched, t.spec, t.result, t.latency, t.action);
      self->tools.push_back(tool);
      providers.tools.push_back(std::move(tool));
    }
    self->result = self->sim->run(ca::millis(until_ms));
    if (const ca::session::Session *session = self->sim->session(); session != nullptr) {
      self->stats = session->stats();
      self->have_stats = true;
    }

    // The results are complete before the first event: the callback may read them.
    Delivering delivering(self);
    for (const tk::TimedEvent &e : self->result.events) {
      if (self->destroy_pending) break;
      ca::capi::emit_event(self->on_event, self->event_user_data, e.event, e.at);
    }
    return CA_OK;
  });
}

int64_t ca_sim_ended_at_ns(const ca_sim_t *sim) {
  if (sim == nullptr || !from(sim)->ran) return std::numeric_limits<int64_t>::max();
  return from(sim)->result.ended_at;
}

int ca_sim_final_state(const ca_sim_t *sim) {
  if (sim == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, "ca_sim_final_state", "sim is NULL");
  return static_cast<int>(from(sim)->result.final_state);
}

const int16_t *ca_sim_outbound(const ca_sim_t *sim, size_t *n) {
  if (sim == nullptr || from(sim)->result.outbound.empty()) {
    if (n != nullptr) *n = 0;
    return nullptr;
  }
  if (n != nullptr) *n = from(sim)->result.outbound.size();
  return from(sim)->result.outbound.data();
}

size_t ca_sim_llm_request_count(const ca_sim_t *sim) {
  if (sim == nullptr || !from(sim)->llm) return 0;
  return from(sim)->llm->requests().size();
}

size_t ca_sim_tool_invocations(const ca_sim_t *sim, const char *tool_name) {
  if (sim == nullptr || tool_name == nullptr) return 0;
  for (const auto &t : from(sim)->tools) {
    if (t->spec().name == tool_name) return t->invocations().size();
  }
  return 0;
}

ca_status ca_sim_get_stats(const ca_sim_t *sim, ca_session_stats *stats) {
  static constexpr const char *kWhere = "ca_sim_get_stats";
  return guarded(kWhere, [&]() -> ca_status {
    if (sim == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "sim is NULL");
    const SimImpl *self = from(sim);
    if (!self->have_stats) return fail(CA_ERR_STATE, kWhere, "the simulation has not run");
    return ca::capi::copy_stats(self->stats, stats, kWhere);
  });
}
}
