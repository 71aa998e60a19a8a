// callagent bench audiosocket: Asterisk-like callers against a host.
#include <cstdio>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "loadgen/loadgen.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kBenchOptions = {
    {"target", "HOST:PORT", "the AudioSocket host to call (required)"},
    {"calls", "N", "concurrent calls (default 50)"},
    {"seconds", "S", "seconds of audio each call sends (default 10)"},
    {"ramp", "S", "spread the call starts over this many seconds (default 0)"},
    {"rate", "HZ", "8000 (kind 0x10, as AudioSocket() sends) or 16000 (0x12, Dial with c(slin16))"},
    {"server-pid", "PID", "sample this process's CPU time and peak memory during the run"},
    {"seed", "N", "seed for UUIDs and call phases (default 1)"},
    {"json", "", "print one JSON object instead of the table"},
    {"help", "", "this text"},
};

constexpr const char *kBenchDescription =
    "Each caller connects, sends its UUID, then one 20 ms frame every 20 ms in real time (random\n"
    "phases), each carrying a sequence number, and expects the host to echo it (run the host with\n"
    "--agent echo). Reports calls, frames sent/received/lost, the host's outgoing gaps from kernel\n"
    "receive timestamps, the generator's own lateness (a run with p99 > 2 ms is invalid) and, with\n"
    "--server-pid, the host's user and system CPU per call-second and peak RSS.\n"
    "Exit status: 0 for a valid run, 1 for an invalid one, 2 for bad options.";

int bench_audiosocket(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 3, kBenchOptions)) {
    std::fprintf(stderr, "callagent bench audiosocket: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent bench audiosocket --target HOST:PORT --calls N --seconds S [options]",
                           kBenchDescription, kBenchOptions)
                   .c_str(),
               stdout);
    return 0;
  }
  loadgen::Options o;
  auto target = args.get("target");
  if (!target) {
    std::fprintf(stderr, "callagent bench audiosocket: --target HOST:PORT is required\n");
    return 2;
  }
  std::string err;
  if (!config::split_host_port(*target, o.host, o.port, err)) {
    std::fprintf(stderr, "callagent bench audiosocket: --target %s\n", err.c_str());
    return 2;
  }
  int64_t calls = o.calls, rate = o.sample_rate, pid = 0, seed = static_cast<int64_t>(o.seed);
  if (!args.get_int("calls", 1, 100000, calls) || !args.get_double("seconds", 0.02, 86400, o.seconds) ||
      !args.get_double("ramp", 0, 3600, o.ramp_seconds) || !args.get_int("rate", 8000, 16000, rate) ||
      !args.get_int("server-pid", 1, 1 << 30, pid) || !args.get_int("seed", 0, INT64_MAX, seed)) {
    std::fprintf(stderr, "callagent bench audiosocket: %s\n", args.error().c_str());
    return 2;
  }
  if (rate != 8000 && rate != 16000) {
    std::fprintf(stderr, "callagent bench audiosocket: --rate must be 8000 or 16000\n");
    return 2;
  }
  o.calls = static_cast<int>(calls);
  o.sample_rate = static_cast<int>(rate);
  o.server_pid = static_cast<int>(pid);
  o.seed = static_cast<uint64_t>(seed);
  auto report = loadgen::run(o);
  if (!report) {
    std::fprintf(stderr, "callagent bench audiosocket: %s\n", report.error().message.c_str());
    return 1;
  }
  if (args.has("json")) std::printf("%s\n", loadgen::format_json(*report).c_str());
  else std::fputs(loadgen::format_table(*report).c_str(), stdout);
  return report->valid ? 0 : 1;
}

}  // namespace

int cmd_bench(int argc, char **argv) {
  const std::string sub = argc >= 3 ? argv[2] : "";
  if (sub == "audiosocket") return bench_audiosocket(argc, argv);
  if (sub == "--help" || sub == "help") {
    std::fputs("usage: callagent bench audiosocket [options]\n\nLoad tools. `callagent bench audiosocket --help` "
               "describes the AudioSocket load generator.\n",
               stdout);
    return 0;
  }
  std::fprintf(stderr, "usage: callagent bench audiosocket [options] (see --help)\n");
  return 2;
}

}  // namespace ca::cli
