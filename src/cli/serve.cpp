// callagent serve: the AudioSocket host.
#include <cstdio>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/host.hpp"
#include "config/config.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kServeOptions = {
    {"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:9092; [::1]:PORT for IPv6)"},
    {"config", "FILE", "TOML configuration; every key can also be set as CALLAGENT_<SECTION>_<KEY>"},
    {"agent", "NAME", "what answers the calls: session (the STT, LLM, tools and TTS the configuration names) or "
                      "echo (returns the caller's audio, paced; a line check; the default for now)"},
    {"threads", "N", "loop threads (default: one per core)"},
    {"max-calls", "N", "concurrent calls; further connections are closed at once (default 1000)"},
    {"drain-timeout", "S", "on SIGINT/SIGTERM, seconds calls may run on before they are ended (default 10)"},
    {"log-level", "LEVEL", "trace, debug, info, warn, error or off (default info)"},
    {"help", "", "this text"},
};

constexpr const char *kServeDescription =
    "Runs the AudioSocket host. Asterisk connects with\n"
    "  exten => 100,1,Answer()\n"
    "   same => n,AudioSocket(${UUID()},127.0.0.1:9092)\n"
    "   same => n,Hangup()\n"
    "or Dial(AudioSocket/127.0.0.1:9092/${UUID()}/c(slin16)) for 16 kHz.\n"
    "Precedence: defaults, then the --config file, then the environment, then these options.\n"
    "Logs are JSON lines on stderr (or [log] file). SIGINT/SIGTERM drain the calls and exit 0.";

}  // namespace

int cmd_serve(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kServeOptions)) {
    std::fprintf(stderr, "callagent serve: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent serve [options]", kServeDescription, kServeOptions).c_str(), stdout);
    return 0;
  }
  if (!args.positional().empty()) {
    std::fprintf(stderr, "callagent serve: unexpected argument \"%s\"\n", args.positional()[0].c_str());
    return 2;
  }
  auto cfg = args.has("config") ? config::load_file(*args.get("config"), config::process_env())
                                : config::from_env(config::process_env());
  if (!cfg) {
    std::fprintf(stderr, "callagent serve: %s\n", cfg.error().message.c_str());
    return 2;
  }
  config::Config &c = *cfg;
  if (auto v = args.get("listen")) c.server.listen = *v;
  if (auto v = args.get("agent")) c.server.agent = *v;
  if (auto v = args.get("log-level")) c.log.level = *v;
  int64_t threads = c.server.threads, max_calls = c.server.max_calls;
  double drain = c.server.drain_timeout;
  if (!args.get_int("threads", 0, 256, threads) || !args.get_int("max-calls", 1, 1'000'000, max_calls) ||
      !args.get_double("drain-timeout", 0, 86400, drain)) {
    std::fprintf(stderr, "callagent serve: %s\n", args.error().c_str());
    return 2;
  }
  c.server.threads = static_cast<int>(threads);
  c.server.max_calls = static_cast<int>(max_calls);
  c.server.drain_timeout = drain;

  if (auto r = apply_log_config(c.log); !r) {
    std::fprintf(stderr, "callagent serve: %s\n", r.error().message.c_str());
    return 2;
  }
  auto options = server_options(c);
  if (!options) {
    std::fprintf(stderr, "callagent serve: server.listen %s\n", options.error().message.c_str());
    return 2;
  }
  auto agent = make_agent(c.server.agent, args.has("config") ? *args.get("config") : std::string(), c);
  if (!agent) {
    std::fprintf(stderr, "callagent serve: %s\n", agent.error().message.c_str());
    return 2;
  }
  return run_until_signal(*options, std::move(agent->factory), c.server.drain_timeout, -1, c.log.stats_interval);
}

}  // namespace ca::cli
