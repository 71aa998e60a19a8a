// callagent demo --load: the AudioSocket host with the echo agent, in a child process, and the
// load generator ringing it (the transport's load check; `callagent demo` itself is the speech
// call of demo_call.cpp).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/host.hpp"
#include "core/log.hpp"
#include "loadgen/loadgen.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kDemoOptions = {
    {"calls", "N", "concurrent calls (default 50)"},
    {"seconds", "S", "seconds each call lasts (default 10)"},
    {"rate", "HZ", "8000 or 16000 (default 8000)"},
    {"json", "", "print the load report as JSON"},
    {"load", "", "this mode (see `callagent demo --help` for the speech call)"},
    {"help", "", "this text"},
};

constexpr const char *kDemoDescription =
    "Starts the AudioSocket host on 127.0.0.1 (an ephemeral port) with the echo agent in a child\n"
    "process, rings it with Asterisk-like callers and prints what they measured. Exits 0 when every\n"
    "call completed and no frame was lost.";

}  // namespace

int cmd_demo_load(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kDemoOptions)) {
    std::fprintf(stderr, "callagent demo: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent demo --load [options]", kDemoDescription, kDemoOptions).c_str(), stdout);
    return 0;
  }
  loadgen::Options lo;
  int64_t calls = lo.calls, rate = lo.sample_rate;
  if (!args.get_int("calls", 1, 10000, calls) || !args.get_double("seconds", 0.1, 3600, lo.seconds) ||
      !args.get_int("rate", 8000, 16000, rate) || (rate != 8000 && rate != 16000)) {
    std::fprintf(stderr, "callagent demo: %s\n",
                 args.error().empty() ? "--rate must be 8000 or 16000" : args.error().c_str());
    return 2;
  }
  lo.calls = static_cast<int>(calls);
  lo.sample_rate = static_cast<int>(rate);

  int ready[2];
  if (::pipe(ready) != 0) {
    std::perror("callagent demo: pipe");
    return 1;
  }
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("callagent demo: fork");
    return 1;
  }
  if (child == 0) {
    ::close(ready[0]);
    log::set_level(log::Level::warn);  // per-call lines would drown the report
    server::ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    so.max_calls = lo.calls + 16;
    auto agent = make_agent("echo", "", config::Config{});
    std::_Exit(run_until_signal(so, std::move(agent->factory), 5.0, ready[1], 0));
  }
  ::close(ready[1]);
  char buf[16] = {};
  const ssize_t n = ::read(ready[0], buf, sizeof buf - 1);
  ::close(ready[0]);
  const long port = n > 0 ? std::strtol(buf, nullptr, 10) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "callagent demo: the host did not start\n");
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    return 1;
  }
  std::printf("callagent demo: AudioSocket host (echo agent, pid %d) on 127.0.0.1:%ld; %d calls for %.0f s at %d Hz\n",
              static_cast<int>(child), port, lo.calls, lo.seconds, lo.sample_rate);
  std::fflush(stdout);
  lo.port = static_cast<uint16_t>(port);
  lo.server_pid = static_cast<int>(child);
  auto report = loadgen::run(lo);

  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!report) {
    std::fprintf(stderr, "callagent demo: %s\n", report.error().message.c_str());
    return 1;
  }
  if (args.has("json")) std::printf("%s\n", loadgen::format_json(*report).c_str());
  else std::fputs(loadgen::format_table(*report).c_str(), stdout);
  const bool host_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const bool ok = report->valid && host_ok && report->calls_completed == lo.calls && report->frames_lost == 0;
  std::printf("callagent demo: %s (host exit %s)\n", ok ? "PASS: every call completed, no frame lost" : "FAIL",
              host_ok ? "0" : "non-zero");
  return ok ? 0 : 1;
}

}  // namespace ca::cli
