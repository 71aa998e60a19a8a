// The AudioSocket host's bridge to a call session: one CallHandler per call, driving a session
// through the public C API only (include/callagent/callagent.h), as any integrator would.
#pragma once

#include <callagent/callagent.h>

#include <memory>
#include <string>

#include "server/call_handler.hpp"

namespace ca::host {

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
};

// Builds a handler per call. The session is created at the call's first audio (or first outbound
// frame), when the rate is known; the call's UUID is its call id.
server::HandlerFactory make_session_agent(const SessionAgentOptions &options);

}  // namespace ca::host
