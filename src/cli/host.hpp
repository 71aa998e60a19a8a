// What `serve` and `demo` share: building the server from configuration and running it until a
// signal.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/result.hpp"
#include "server/audiosocket_server.hpp"

namespace ca::cli {

// What answers the calls: "echo" (the caller's audio back, paced; a diagnostic), or "session" (a
// call session whose plug-ins the configuration builds: [session] stt/tts/llm and the [stt.*] …
// sections of `config_path`, "" for the environment alone). The agent owns what it needs.
struct Agent {
  server::HandlerFactory factory;
  std::shared_ptr<void> keep;  // e.g. the engine behind the session agent
};
// For "session", the configuration's [journal] and [http] sections add the call journal and the
// call-details endpoint; `config` is the loaded configuration (its plug-in sections are built by
// the engine from `config_path`).
Result<Agent> make_agent(const std::string &name, const std::string &config_path, const config::Config &config);

// Server options from the configuration's [server] and [log] sections.
Result<server::ServerOptions> server_options(const config::Config &c);

// Applies the [log] section: level and output file.
Result<void> apply_log_config(const config::LogSection &log);

// Blocks SIGINT and SIGTERM in this thread and every thread started after it.
void block_stop_signals();

// Starts the server, writes its port as decimal text and a newline to `ready_fd` (when >= 0),
// and runs until SIGINT/SIGTERM, logging the counters every `stats_interval` seconds (0: never);
// then drains for `drain_timeout` seconds (a second signal ends the calls at once) and returns 0.
// Non-zero when the server cannot start.
int run_until_signal(const server::ServerOptions &options, server::HandlerFactory factory, double drain_timeout,
                     int ready_fd, double stats_interval);

}  // namespace ca::cli
