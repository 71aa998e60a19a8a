// callagent replay: feeds a recorded call back through a fresh session and checks that it does
// exactly what the original did.
#include <cstdio>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "session/replay.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kReplayOptions = {
    {"help", "", "this text"},
};

constexpr const char *kReplayDescription =
    "Replays a session recording (every input with its session time, and the configuration) through\n"
    "a fresh session with inert providers, and compares a hash of what it did — events, provider\n"
    "requests and outbound audio — with the one the recording ends with.\n"
    "Exit status: 0 when identical, 1 when not, 2 for a file that cannot be read.";

}  // namespace

int cmd_replay(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kReplayOptions)) {
    std::fprintf(stderr, "callagent replay: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent replay FILE", kReplayDescription, kReplayOptions).c_str(), stdout);
    return 0;
  }
  if (args.positional().size() != 1) {
    std::fprintf(stderr, "callagent replay: expected one recording file\n");
    return 2;
  }
  auto r = session::replay_file(args.positional()[0]);
  if (!r) {
    std::fprintf(stderr, "callagent replay: %s\n", r.error().message.c_str());
    return 2;
  }
  std::printf("recording  %s (format %u)\n", args.positional()[0].c_str(), r->version);
  std::printf("session    %.3f s, %llu process calls, %llu frames, %llu events, final state %s\n",
              static_cast<double>(r->duration_ns) / 1e9, static_cast<unsigned long long>(r->process_calls),
              static_cast<unsigned long long>(r->frames_pulled), static_cast<unsigned long long>(r->events),
              r->final_state.c_str());
  std::printf("hash       recorded %016llx, replayed %016llx\n", static_cast<unsigned long long>(r->recorded_hash),
              static_cast<unsigned long long>(r->replayed_hash));
  std::printf("%s\n", r->identical() ? "identical" : "DIFFERENT");
  return r->identical() ? 0 : 1;
}

}  // namespace ca::cli
