// The C ABI's basics: version, status strings, the thread-local error detail, names of states
// and events.
#include <cstdio>

#include "callagent/callagent.h"
#include "capi/capi_internal.hpp"
#include "session/session.hpp"

namespace ca::capi {

namespace {
// Fixed size so that recording a failure never allocates (it may be reporting CA_ERR_NO_MEMORY).
thread_local char t_last_error[1024] = "";
}  // namespace

ca_status fail(ca_status code, const char *where, const char *what) noexcept {
  std::snprintf(t_last_error, sizeof t_last_error, "%s: %s", where != nullptr ? where : "callagent",
                what != nullptr ? what : ca_status_string(code));
  return code;
}

}  // namespace ca::capi

extern "C" {

uint32_t ca_version(void) { return CALLAGENT_VERSION; }

const char *ca_version_string(void) { return CALLAGENT_VERSION_STRING; }

const char *ca_status_string(ca_status status) {
  switch (status) {
    case CA_OK: return "ok";
    case CA_ERR_INVALID_ARGUMENT: return "invalid argument";
    case CA_ERR_NOT_FOUND: return "not found";
    case CA_ERR_STATE: return "wrong state";
    case CA_ERR_CONFIG: return "configuration error";
    case CA_ERR_IO: return "i/o error";
    case CA_ERR_NO_MEMORY: return "out of memory";
    case CA_ERR_UNSUPPORTED: return "unsupported";
    case CA_ERR_TIMEOUT: return "timeout";
    case CA_ERR_INTERNAL: return "internal error";
    default: return "unknown status";
  }
}

const char *ca_last_error(void) { return ca::capi::t_last_error; }

const char *ca_state_name(int state) {
  using ca::session::State;
  if (state < CA_STATE_IDLE || state > CA_STATE_ENDED) return "unknown";
  return ca::session::state_name(static_cast<State>(state));
}

const char *ca_event_type_name(int type) {
  using ca::session::Event;
  if (type < CA_EVENT_STATE_CHANGED || type > CA_EVENT_FILLER) return "unknown";
  return ca::session::event_type_name(static_cast<Event::Type>(type));
}
}

// The C values mirror the C++ enums by position; a reordering inside would break the ABI.
namespace {
using ca::session::Event;
using ca::session::State;
static_assert(CA_STATE_IDLE == static_cast<int>(State::idle));
static_assert(CA_STATE_GREETING == static_cast<int>(State::greeting));
static_assert(CA_STATE_LISTENING == static_cast<int>(State::listening));
static_assert(CA_STATE_THINKING == static_cast<int>(State::thinking));
static_assert(CA_STATE_SPEAKING == static_cast<int>(State::speaking));
static_assert(CA_STATE_TRANSFERRING == static_cast<int>(State::transferring));
static_assert(CA_STATE_ENDED == static_cast<int>(State::ended));
static_assert(CA_EVENT_STATE_CHANGED == static_cast<int>(Event::Type::state_changed));
static_assert(CA_EVENT_CALLER_INTERIM == static_cast<int>(Event::Type::caller_interim));
static_assert(CA_EVENT_CALLER_TURN == static_cast<int>(Event::Type::caller_turn));
static_assert(CA_EVENT_BOT_CLAUSE == static_cast<int>(Event::Type::bot_clause));
static_assert(CA_EVENT_BOT_HEARD == static_cast<int>(Event::Type::bot_heard));
static_assert(CA_EVENT_BARGE_IN_MUTED == static_cast<int>(Event::Type::barge_in_muted));
static_assert(CA_EVENT_BARGE_IN_RESUMED == static_cast<int>(Event::Type::barge_in_resumed));
static_assert(CA_EVENT_BARGE_IN_COMMITTED == static_cast<int>(Event::Type::barge_in_committed));
static_assert(CA_EVENT_TOOL_STARTED == static_cast<int>(Event::Type::tool_started));
static_assert(CA_EVENT_TOOL_FINISHED == static_cast<int>(Event::Type::tool_finished));
static_assert(CA_EVENT_DTMF == static_cast<int>(Event::Type::dtmf));
static_assert(CA_EVENT_TRANSFER_REQUESTED == static_cast<int>(Event::Type::transfer_requested));
static_assert(CA_EVENT_HANGUP_REQUESTED == static_cast<int>(Event::Type::hangup_requested));
static_assert(CA_EVENT_TURN_TIMELINE == static_cast<int>(Event::Type::turn_timeline));
static_assert(CA_EVENT_ERROR == static_cast<int>(Event::Type::error));
static_assert(CA_EVENT_FILLER == static_cast<int>(Event::Type::filler));
static_assert(CA_ROLE_SYSTEM == static_cast<int>(ca::agent::Role::system));
static_assert(CA_ROLE_USER == static_cast<int>(ca::agent::Role::user));
static_assert(CA_ROLE_ASSISTANT == static_cast<int>(ca::agent::Role::assistant));
static_assert(CA_ROLE_TOOL == static_cast<int>(ca::agent::Role::tool));
static_assert(CA_TOOL_ACTION_NONE == static_cast<int>(ca::providers::ToolResult::Action::none));
static_assert(CA_TOOL_ACTION_TRANSFER == static_cast<int>(ca::providers::ToolResult::Action::transfer));
static_assert(CA_TOOL_ACTION_HANGUP == static_cast<int>(ca::providers::ToolResult::Action::hangup));
}  // namespace
