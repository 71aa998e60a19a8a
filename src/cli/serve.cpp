// callagent serve: the AudioSocket host.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/host.hpp"
#include "cli/offline.hpp"
#include "config/config.hpp"
#include "core/log.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kServeOptions = {
    {"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:9092; [::1]:PORT for IPv6)"},
    {"config", "FILE", "TOML configuration; every key can also be set as CALLAGENT_<SECTION>_<KEY>"},
    {"agent", "NAME", "what answers the calls: session (default: the STT, LLM, tools and TTS the configuration "
                      "names, or the offline agent when it names none) or echo (returns the caller's audio, paced; "
                      "a line check)"},
    {"data-dir", "DIR", "the offline agent's files: its store, knowledge base and journal (default ./callagent-data)"},
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
    "With no [stt|tts|llm|tools.NAME] sections configured, calls are answered by the offline agent:\n"
    "pocketsphinx (English), the rule-based agent with the tyre shop's tools on an embedded store,\n"
    "and espeak-ng, in the [session] language, with a journal in --data-dir.\n"
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
  std::string engine_config = args.get("config").value_or("");
  if (c.server.agent == "session" && c.plugins.empty()) {
    // Nothing configured: the offline agent, so that a fresh install answers calls.
    const std::string dir = args.get("data-dir").value_or("callagent-data");
    if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "callagent serve: --data-dir %s: %s\n", dir.c_str(), std::strerror(errno));
      return 2;
    }
    auto written = write_offline_config(OfflineSetup{c.session.language, dir});
    if (!written) {
      std::fprintf(stderr, "callagent serve: %s\n", written.error().message.c_str());
      return 2;
    }
    engine_config = *written;
    if (c.journal.path.empty()) c.journal.path = dir + "/callagent-journal.db";
    log::write(log::Level::info, {}, "no plug-ins configured: the offline agent answers",
               {{"config", engine_config}, {"journal", c.journal.path}});
  }
  auto agent = make_agent(c.server.agent, engine_config, c);
  if (!agent) {
    std::fprintf(stderr, "callagent serve: %s\n", agent.error().message.c_str());
    return 2;
  }
  return run_until_signal(*options, std::move(agent->factory), c.server.drain_timeout, -1, c.log.stats_interval);
}

}  // namespace ca::cli
