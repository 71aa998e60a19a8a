// The session through the C ABI: params to SessionConfig, the event trampoline, and the owning-
// thread verbs with the checks the header promises.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>

#include "capi/capi_internal.hpp"
#include "session/phrases.hpp"
#include "providers/tts_cache.hpp"
#include "config/config.hpp"
#include "session/replay.hpp"
#include "session/session_config.hpp"
#include "core/log.hpp"
#include "session/session.hpp"

using ca::capi::fail;
using ca::capi::guarded;
using ca::capi::guarded_void;

namespace {

// The object behind a ca_session_t (see capi_internal.hpp for why it is not `struct ca_session`).
struct SessionImpl {
  std::unique_ptr<ca::session::Session> core;
  ca_event_fn on_event = nullptr;
  void *event_user_data = nullptr;
  std::string call_id;
  size_t frame_samples = 0;
  int64_t last_now = 0;
  int depth = 0;                 // > 0: inside process or pull (events may be delivered)
  bool destroy_pending = false;  // ca_session_destroy from inside the event callback

  SessionImpl() = default;
  SessionImpl(const SessionImpl &) = delete;
  SessionImpl &operator=(const SessionImpl &) = delete;
  ~SessionImpl() {
    // The session cancels its plug-in work as it goes; nothing reaches the host meanwhile, and
    // the owning-thread verbs are refused.
    on_event = nullptr;
    ++depth;
    core.reset();
  }
};

SessionImpl *from(ca_session_t *h) { return reinterpret_cast<SessionImpl *>(h); }
const SessionImpl *from(const ca_session_t *h) { return reinterpret_cast<const SessionImpl *>(h); }
ca_session_t *handle(SessionImpl *s) { return reinterpret_cast<ca_session_t *>(s); }

using ca::capi::valid_dtmf;

std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = (rng() & uint64_t{0xffffffffffff0fff}) | uint64_t{0x4000};  // version 4
  const uint64_t lo = (rng() & uint64_t{0x3fffffffffffffff}) | uint64_t{0x8000000000000000};  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64, hi >> 32,
                (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & uint64_t{0xffffffffffff});
  return buf;
}

void deliver(SessionImpl *self, const ca::session::Event &e) {
  ca::capi::emit_event(self->on_event, self->event_user_data, e, self->last_now);
}

// Marks a call that may deliver events; the last one out carries out a deferred destroy.
class Entered {
 public:
  explicit Entered(SessionImpl *s) : s_(s) { ++s_->depth; }
  Entered(const Entered &) = delete;
  Entered &operator=(const Entered &) = delete;
  ~Entered() {
    if (--s_->depth == 0 && s_->destroy_pending) {
      try {
        delete s_;
      } catch (...) {
        // Destruction only cancels plug-in work; nothing to report to anyone.
      }
    }
  }

 private:
  SessionImpl *s_;
};

// Common checks of the owning-thread verbs.
ca_status check_driver(const SessionImpl *s, const char *where) {
  if (s == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "session is NULL");
  if (s->depth > 0) return fail(CA_ERR_STATE, where, "called from inside the session's event callback");
  return CA_OK;
}

ca_status set_millis(int32_t ms, ca::Nanos &out, const char *field, const char *where) {
  if (ms < 0) return fail(CA_ERR_INVALID_ARGUMENT, where, (std::string(field) + " is negative").c_str());
  if (ms > 0) out = ca::millis(ms);
  return CA_OK;
}

}  // namespace

namespace ca::capi {

ca_status session_config_from(const ca_session_params &p, const char *where, session::SessionConfig &cfg) {
  if (p.sample_rate < 8000 || p.sample_rate > 48000 || p.sample_rate % 50 != 0) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "sample_rate must be 8000..48000 and a multiple of 50");
  }
  if (p.operator_digit != 0 && p.operator_digit != CA_OPERATOR_DIGIT_NONE && !valid_dtmf(p.operator_digit)) {
    return fail(CA_ERR_INVALID_ARGUMENT, where, "operator_digit is not a DTMF digit, 0 or CA_OPERATOR_DIGIT_NONE");
  }
  if (p.call_id != nullptr && p.call_id[0] != '\0') cfg.call_id = p.call_id;
  cfg.caller_number = or_empty(p.caller_number);
  cfg.called_number = or_empty(p.called_number);
  cfg.sample_rate = p.sample_rate;
  if (p.language != nullptr && p.language[0] != '\0') cfg.language = p.language;
  // NULL or "" keeps what the engine's configuration (or the library) says.
  if (p.system_prompt != nullptr && p.system_prompt[0] != '\0') cfg.system_prompt = p.system_prompt;
  if (p.greeting != nullptr && p.greeting[0] != '\0') cfg.greeting = p.greeting;
  if (p.greeting_interruptible != 0) cfg.greeting_interruptible = true;
  struct Timing {
    int32_t ms;
    Nanos &field;
    const char *name;
  };
  const Timing timings[] = {
      {p.end_of_turn_silence_ms, cfg.end_of_turn_silence, "end_of_turn_silence_ms"},
      {p.eager_start_silence_ms, cfg.eager_start_silence, "eager_start_silence_ms"},
      {p.barge_in_min_speech_ms, cfg.barge_in_min_speech, "barge_in_min_speech_ms"},
      {p.barge_in_commit_speech_ms, cfg.barge_in_commit_speech, "barge_in_commit_speech_ms"},
      {p.silence_timeout_ms, cfg.silence_timeout, "silence_timeout_ms"},
      {p.max_duration_ms, cfg.max_duration, "max_duration_ms"},
      {p.filler_delay_ms, cfg.filler_delay, "filler_delay_ms"},
      {p.llm_timeout_ms, cfg.llm_timeout, "llm_timeout_ms"},
      {p.tool_timeout_ms, cfg.tool_timeout, "tool_timeout_ms"},
  };
  for (const Timing &t : timings) {
    if (ca_status st = set_millis(t.ms, t.field, t.name, where); st != CA_OK) return st;
  }
  if (p.operator_digit == CA_OPERATOR_DIGIT_NONE) cfg.operator_digit = 0;
  else if (p.operator_digit != 0) cfg.operator_digit = static_cast<char>(p.operator_digit);
  return CA_OK;
}

void emit_event(ca_event_fn fn, void *user_data, const session::Event &e, int64_t time_ns) {
  if (fn == nullptr) return;
  ca_turn_timeline tl{};
  ca_event ce{};
  ce.struct_size = sizeof ce;
  ce.type = static_cast<int>(e.type);
  ce.state = static_cast<int>(e.state);
  ce.text = e.text.c_str();
  ce.detail = e.detail.c_str();
  ce.ok = e.ok ? 1 : 0;
  ce.recoverable = e.recoverable ? 1 : 0;
  ce.time_ns = time_ns;
  if (e.type == session::Event::Type::turn_timeline) {
    tl.struct_size = sizeof tl;
    tl.turn = e.timeline.turn;
    tl.speech_end_ns = e.timeline.speech_end;
    tl.stt_final_ns = e.timeline.stt_final;
    tl.llm_request_ns = e.timeline.llm_request;
    tl.llm_first_token_ns = e.timeline.llm_first_token;
    tl.first_clause_ns = e.timeline.first_clause;
    tl.tts_first_audio_ns = e.timeline.tts_first_audio;
    tl.first_frame_ready_ns = e.timeline.first_frame_ready;
    ce.timeline = &tl;
  }
  fn(&ce, user_data);
}

ca_status copy_stats(const session::SessionStats &in, ca_session_stats *stats, const char *where) {
  if (stats == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, where, "stats is NULL");
  constexpr size_t kFirst = offsetof(ca_session_stats, frames_in);
  const size_t size = stats->struct_size;
  if (size < kFirst + sizeof(uint64_t)) return fail(CA_ERR_INVALID_ARGUMENT, where, "struct_size is too small");
  ca_session_stats full{};
  full.struct_size = stats->struct_size;
  full.frames_in = in.frames_in;
  full.frames_out = in.frames_out;
  full.frames_silent = in.frames_silent;
  full.turns = in.turns;
  full.barge_ins = in.barge_ins;
  full.barge_in_resumes = in.barge_in_resumes;
  full.llm_requests = in.llm_requests;
  full.tool_calls = in.tool_calls;
  full.fillers = in.fillers;
  full.llm_input_tokens = in.llm_input_tokens;
  full.llm_output_tokens = in.llm_output_tokens;
  full.stt_audio_ms = in.stt_audio_ms;
  full.tts_characters = in.tts_characters;
  // Whole fields only: every field after struct_size is a uint64_t.
  size_t n = size < sizeof full ? size : sizeof full;
  n = kFirst + (n - kFirst) / sizeof(uint64_t) * sizeof(uint64_t);
  std::memcpy(static_cast<void *>(stats), &full, n);
  return CA_OK;
}

}  // namespace ca::capi

extern "C" {

ca_status ca_session_default_params(ca_session_params *params, size_t size) {
  static constexpr const char *kWhere = "ca_session_default_params";
  return guarded(kWhere, [&]() -> ca_status {
    if (params == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params is NULL");
    if (size < ca::capi::kMinSessionParams) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "size is too small");
    ca_session_params d{};
    d.sample_rate = 8000;
    d.operator_digit = 0;
    std::memset(static_cast<void *>(params), 0, size);
    std::memcpy(static_cast<void *>(params), &d, size < sizeof d ? size : sizeof d);
    params->struct_size = static_cast<uint32_t>(size);
    return CA_OK;
  });
}

ca_status ca_session_create(ca_engine_t *engine, const ca_session_params *params, ca_session_t **out) {
  static constexpr const char *kWhere = "ca_session_create";
  return guarded(kWhere, [&]() -> ca_status {
    if (out == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "out is NULL");
    *out = nullptr;
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    if (params == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params is NULL");
    ca_session_params p{};
    if (!ca::capi::copy_sized(*params, ca::capi::kMinSessionParams, p)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "params->struct_size is too small");
    }
    ca::session::SessionConfig cfg;
    std::string stt_name, tts_name, llm_name;
    std::vector<std::string> default_tools;
    {
      ca::capi::Engine *e = ca::capi::from(engine);
      std::lock_guard lock(e->mu);
      if (e->session_defaults) cfg = *e->session_defaults;
      stt_name = p.stt != nullptr ? p.stt : e->default_stt;
      tts_name = p.tts != nullptr ? p.tts : e->default_tts;
      llm_name = p.llm != nullptr ? p.llm : e->default_llm;
      default_tools = e->default_tools;
    }
    if (stt_name.empty() || tts_name.empty() || llm_name.empty()) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere,
                  "stt, tts and llm plug-in names are required (in the params or as [session] stt, tts, llm)");
    }
    if (ca_status st = ca::capi::session_config_from(p, kWhere, cfg); st != CA_OK) return st;
    if (cfg.call_id.empty()) cfg.call_id = random_uuid();

    ca::session::Providers providers;
    {
      ca::capi::Engine *e = ca::capi::from(engine);
      std::lock_guard lock(e->mu);
      auto find = [&](const auto &map, const std::string &name, const char *kind, auto &slot) -> ca_status {
        auto it = map.find(name);
        if (it == map.end()) {
          return fail(CA_ERR_NOT_FOUND, kWhere, (std::string(kind) + " plug-in not registered: " + name).c_str());
        }
        slot = it->second;
        return CA_OK;
      };
      if (ca_status st = find(e->stt, stt_name, "stt", providers.stt); st != CA_OK) return st;
      if (ca_status st = find(e->tts, tts_name, "tts", providers.tts); st != CA_OK) return st;
      if (ca_status st = find(e->llm, llm_name, "llm", providers.llm); st != CA_OK) return st;
      std::vector<std::string> tool_names;
      if (p.tools != nullptr) {
        for (size_t i = 0; i < p.tool_count; ++i) {
          if (p.tools[i] == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "a tool name is NULL");
          tool_names.emplace_back(p.tools[i]);
        }
      } else {
        tool_names = default_tools;
      }
      if (p.tools == nullptr && tool_names.empty()) {
        providers.tools = e->tools;
      } else {
        for (const std::string &name : tool_names) {
          std::shared_ptr<ca::providers::Tool> found;
          for (const auto &t : e->tools) {
            if (t->spec().name == name) found = t;
          }
          if (!found) return fail(CA_ERR_NOT_FOUND, kWhere, ("tool not registered: " + name).c_str());
          bool dup = false;
          for (const auto &t : providers.tools) dup = dup || t == found;
          if (!dup) providers.tools.push_back(std::move(found));
        }
      }
    }

    auto self = std::make_unique<SessionImpl>();
    self->on_event = p.on_event;
    self->event_user_data = p.event_user_data;
    self->call_id = cfg.call_id;
    SessionImpl *raw = self.get();
    self->core = std::make_unique<ca::session::Session>(
        std::move(cfg), std::move(providers), [raw](const ca::session::Event &e) { deliver(raw, e); });
    self->frame_samples = self->core->frame_samples();
    if (p.on_wake != nullptr) {
      self->core->set_wake([fn = p.on_wake, ud = p.wake_user_data] { fn(ud); });
    }
    ca::log::write(ca::log::Level::debug, self->call_id, "session created",
                   {{"sample_rate", p.sample_rate}, {"stt", stt_name}, {"tts", tts_name}, {"llm", llm_name}});
    *out = handle(self.release());
    return CA_OK;
  });
}

void ca_session_destroy(ca_session_t *session) {
  if (session == nullptr) return;
  if (from(session)->depth > 0) {
    from(session)->destroy_pending = true;
    return;
  }
  guarded_void("ca_session_destroy", [&] {
    ca::log::write(ca::log::Level::debug, from(session)->call_id, "session destroyed",
                   {{"state", ca::session::state_name(from(session)->core->state())}});
    delete from(session);
  });
}

const char *ca_session_call_id(const ca_session_t *session) {
  return session != nullptr ? from(session)->call_id.c_str() : nullptr;
}

size_t ca_session_frame_samples(const ca_session_t *session) {
  return session != nullptr ? from(session)->frame_samples : 0;
}

ca_status ca_session_push_audio(ca_session_t *session, const int16_t *pcm, size_t n) {
  static constexpr const char *kWhere = "ca_session_push_audio";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    if (pcm == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "pcm is NULL");
    if (n != from(session)->frame_samples) {
      char msg[96];
      std::snprintf(msg, sizeof msg, "a frame is %zu samples (20 ms), got %zu", from(session)->frame_samples, n);
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, msg);
    }
    from(session)->core->push_audio(std::span<const int16_t>(pcm, n));
    return CA_OK;
  });
}

ca_status ca_session_push_dtmf(ca_session_t *session, char digit) {
  static constexpr const char *kWhere = "ca_session_push_dtmf";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    if (!valid_dtmf(static_cast<unsigned char>(digit))) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "digit is not one of 0-9 * # A-D");
    }
    from(session)->core->push_dtmf(digit);
    return CA_OK;
  });
}

ca_status ca_session_push_hangup(ca_session_t *session) {
  static constexpr const char *kWhere = "ca_session_push_hangup";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    from(session)->core->push_hangup();
    return CA_OK;
  });
}

ca_status ca_session_push_played(ca_session_t *session, uint64_t samples) {
  static constexpr const char *kWhere = "ca_session_push_played";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    from(session)->core->push_played(samples);
    return CA_OK;
  });
}

ca_status ca_session_push_transfer_result(ca_session_t *session, int ok) {
  static constexpr const char *kWhere = "ca_session_push_transfer_result";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    from(session)->core->push_transfer_result(ok != 0);
    return CA_OK;
  });
}

ca_status ca_session_process(ca_session_t *session, int64_t now_ns) {
  static constexpr const char *kWhere = "ca_session_process";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    if (now_ns < 0) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "now is negative");
    if (now_ns < from(session)->last_now) {
      char msg[96];
      std::snprintf(msg, sizeof msg, "now went backwards (%" PRId64 " < %" PRId64 ")", now_ns, from(session)->last_now);
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, msg);
    }
    from(session)->last_now = now_ns;
    Entered entered(from(session));
    from(session)->core->process(now_ns);
    return CA_OK;
  });
}

int64_t ca_session_next_deadline(const ca_session_t *session) {
  if (session == nullptr) return std::numeric_limits<int64_t>::max();
  int64_t d = std::numeric_limits<int64_t>::max();
  guarded_void("ca_session_next_deadline", [&] { d = from(session)->core->next_deadline(); });
  return d;
}

ca_status ca_session_pull_audio(ca_session_t *session, int16_t *out, size_t n, int *has_audio) {
  static constexpr const char *kWhere = "ca_session_pull_audio";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    if (out == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "out is NULL");
    if (n != from(session)->frame_samples) {
      char msg[96];
      std::snprintf(msg, sizeof msg, "a frame is %zu samples (20 ms), got %zu", from(session)->frame_samples, n);
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, msg);
    }
    Entered entered(from(session));
    const bool audio = from(session)->core->pull(std::span<int16_t>(out, n));
    if (has_audio != nullptr) *has_audio = audio ? 1 : 0;
    return CA_OK;
  });
}

ca_status ca_session_interrupt(ca_session_t *session) {
  static constexpr const char *kWhere = "ca_session_interrupt";
  return guarded(kWhere, [&]() -> ca_status {
    if (session == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "session is NULL");
    from(session)->core->interrupt();
    return CA_OK;
  });
}

int ca_session_state(const ca_session_t *session) {
  if (session == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, "ca_session_state", "session is NULL");
  return static_cast<int>(from(session)->core->state());
}

ca_status ca_session_start_recording(ca_session_t *session) {
  static constexpr const char *kWhere = "ca_session_start_recording";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    if (!from(session)->core->start_recording()) {
      return fail(CA_ERR_STATE, kWhere, "recording must start before the first process, and only once");
    }
    return CA_OK;
  });
}

ca_status ca_session_save_recording(ca_session_t *session, const char *path) {
  static constexpr const char *kWhere = "ca_session_save_recording";
  return guarded(kWhere, [&]() -> ca_status {
    if (ca_status st = check_driver(from(session), kWhere); st != CA_OK) return st;
    if (path == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "path is NULL");
    if (!from(session)->core->recording()) return fail(CA_ERR_STATE, kWhere, "the session is not recording");
    const std::vector<uint8_t> bytes = from(session)->core->stop_recording();
    FILE *f = std::fopen(path, "wb");
    if (f == nullptr) return fail(CA_ERR_IO, kWhere, (std::string(path) + ": cannot create").c_str());
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    const bool closed = std::fclose(f) == 0;
    if (!written || !closed) return fail(CA_ERR_IO, kWhere, (std::string(path) + ": write failed").c_str());
    return CA_OK;
  });
}

ca_status ca_replay_file(const char *path, ca_replay_report *report) {
  static constexpr const char *kWhere = "ca_replay_file";
  return guarded(kWhere, [&]() -> ca_status {
    if (path == nullptr || report == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "path or report is NULL");
    if (report->struct_size < offsetof(ca_replay_report, identical) + sizeof(int)) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "report->struct_size is too small");
    }
    auto r = ca::session::replay_file(path);
    if (!r) {
      const ca::Errc c = r.error().code;
      const ca_status st = c == ca::Errc::io ? CA_ERR_IO : c == ca::Errc::unsupported ? CA_ERR_UNSUPPORTED
                                                                                     : CA_ERR_INVALID_ARGUMENT;
      return fail(st, kWhere, r.error().message.c_str());
    }
    ca_replay_report full{};
    full.struct_size = report->struct_size;
    full.identical = r->identical() ? 1 : 0;
    full.recorded_hash = r->recorded_hash;
    full.replayed_hash = r->replayed_hash;
    full.process_calls = r->process_calls;
    full.frames_pulled = r->frames_pulled;
    full.events = r->events;
    full.duration_ns = r->duration_ns;
    std::memcpy(report, &full, std::min<size_t>(report->struct_size, sizeof full));
    return CA_OK;
  });
}

ca_status ca_session_get_stats(const ca_session_t *session, ca_session_stats *stats) {
  static constexpr const char *kWhere = "ca_session_get_stats";
  return guarded(kWhere, [&]() -> ca_status {
    if (session == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "session is NULL");
    return ca::capi::copy_stats(from(session)->core->stats(), stats, kWhere);
  });
}
}

ca_status ca_engine_prewarm(ca_engine_t *engine, int sample_rate, int timeout_ms) {
  static constexpr const char *kWhere = "ca_engine_prewarm";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    if (sample_rate < 8000 || sample_rate > 48000 || timeout_ms < 0) {
      return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "sample_rate must be 8000..48000 and timeout_ms >= 0");
    }
    ca::capi::Engine *e = ca::capi::from(engine);
    std::string language = "uk", greeting;
    std::vector<std::shared_ptr<ca::providers::CachedTts>> caches;
    {
      std::lock_guard lock(e->mu);
      if (e->session_defaults) {
        language = e->session_defaults->language;
        greeting = e->session_defaults->greeting;
      }
      for (const auto &[name, tts] : e->tts) {
        if (auto c = std::dynamic_pointer_cast<ca::providers::CachedTts>(tts)) caches.push_back(std::move(c));
      }
    }
    const ca::session::Phrases &ph = ca::session::default_phrases(language);
    std::vector<ca::providers::PrewarmPhrase> phrases;
    auto add = [&](const std::string &text) {
      if (!text.empty()) phrases.push_back({text, language, {}});
    };
    add(greeting.empty() ? ph.greeting : greeting);
    for (const std::string *t : {&ph.reprompt, &ph.reprompt_confirm, &ph.still_there, &ph.farewell,
                                 &ph.max_duration_farewell, &ph.tool_wait, &ph.transfer, &ph.transfer_failed,
                                 &ph.llm_error, &ph.not_heard}) {
      add(*t);
    }
    for (const std::string &f : ph.fillers) add(f);
    std::vector<std::shared_ptr<ca::providers::TtsPrewarm>> runs;
    for (const auto &c : caches) runs.push_back(c->prewarm(phrases, sample_rate));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (const auto &r : runs) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (!r->wait_for(std::max(left, std::chrono::milliseconds(0)))) {
        return timeout_ms == 0 ? CA_OK : fail(CA_ERR_TIMEOUT, kWhere, "the phrases are still being synthesised");
      }
    }
    return CA_OK;
  });
}

int ca_session_waiting(const ca_session_t *session) {
  if (session == nullptr) return 0;
  int out = 0;
  guarded_void("ca_session_waiting", [&] { out = from(session)->core->waiting_for_plugins() ? 1 : 0; });
  return out;
}

ca_status ca_engine_load_config(ca_engine_t *engine, const char *path) {
  static constexpr const char *kWhere = "ca_engine_load_config";
  return guarded(kWhere, [&]() -> ca_status {
    if (engine == nullptr) return fail(CA_ERR_INVALID_ARGUMENT, kWhere, "engine is NULL");
    auto c = path != nullptr ? ca::config::load_file(path, ca::config::process_env())
                             : ca::config::from_env(ca::config::process_env());
    if (!c) return fail(CA_ERR_CONFIG, kWhere, c.error().message.c_str());
    auto defaults = std::make_shared<const ca::session::SessionConfig>(ca::session::from_config(c->session));
    ca::capi::Engine *e = ca::capi::from(engine);
    if (ca_status st = ca::capi::build_plugins(e, c->plugins, kWhere); st != CA_OK) return st;
    std::lock_guard lock(e->mu);
    e->session_defaults = std::move(defaults);
    e->default_stt = c->session.stt;
    e->default_tts = c->session.tts;
    e->default_llm = c->session.llm;
    e->default_tools = c->session.tools;
    return CA_OK;
  });
}
