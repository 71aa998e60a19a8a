// The [session] section of the configuration as a SessionConfig.
#pragma once

#include "config/config.hpp"
#include "session/session.hpp"

namespace ca::session {

// Turn-taking settings from configuration; the per-call fields (ids, numbers, rate) stay default.
SessionConfig from_config(const config::SessionSection &s);

}  // namespace ca::session
