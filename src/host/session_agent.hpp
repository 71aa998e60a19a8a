// The AudioSocket host's bridge to a call session: one CallHandler per call, driving a session
// through the public C API only (include/callagent/callagent.h), as any integrator would.
#pragma once

#include <callagent/callagent.h>

#include <memory>
#include <string>

#include "host/call_details.hpp"
#include "server/call_handler.hpp"

namespace ca::host {

// What a host keeps of its calls (the journal): told when a call starts, of every session event,
// and when it ends. Called on the call's loop thread, in order; must not block (enqueue).
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  struct Start {
    std::string uuid;
    CallDetails details;  // from the dialplan's POST; empty when none came
    int sample_rate = 0;
    std::string system_prompt;  // may be replaced (an A/B variant); "" leaves the configured one
  };
  virtual void on_call_start(Start &start) = 0;
  virtual void on_event(const std::string &uuid, const ca_event &event) = 0;
  virtual void on_call_end(const std::string &uuid, server::EndReason reason, const ca_session_stats &stats) = 0;
};

struct SessionAgentOptions {
  ca_engine_t *engine = nullptr;  // not owned; must outlive the handlers
  // Copied into every session; call_id and sample_rate are set per call. Strings are copied; ""
  // leaves the field to the engine's configuration.
  std::string stt, tts, llm;
  std::string language;
  std::string system_prompt;
  std::string greeting;
  // When set, every call is recorded for replay into <record_dir>/<uuid>.careplay.
  std::string record_dir;
  // Details the dialplan posted (caller and called number …); may be null.
  std::shared_ptr<CallDetailsStore> details;
  // The journal; may be null.
  std::shared_ptr<CallObserver> observer;
};

// Builds a handler per call. The session is created at the call's first audio (or first outbound
// frame), when the rate is known; the call's UUID is its call id.
server::HandlerFactory make_session_agent(const SessionAgentOptions &options);

}  // namespace ca::host
