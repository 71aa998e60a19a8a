// What `serve` and `demo` share: building the server from configuration and running it until a
// signal.
#pragma once

#include <string>

#include "config/config.hpp"
#include "core/result.hpp"
#include "server/audiosocket_server.hpp"

namespace ca::cli {

// The agents the host can put behind a call.
Result<server::HandlerFactory> make_agent(const std::string &name);

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
