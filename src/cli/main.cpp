// `callagent`: the library's own host. Each command lives in its own file.
#include <cstdio>
#include <cstring>
#include <string>

#include "callagent/callagent.h"
#include "cli/commands.hpp"

namespace {

constexpr const char *kUsage =
    "usage: callagent <command> [options]\n"
    "\n"
    "AI phone calls over Asterisk AudioSocket.\n"
    "\n"
    "commands:\n"
    "  serve       run the AudioSocket host (Asterisk connects to it)\n"
    "  demo        the main job: a host on loopback and callers ringing it\n"
    "  bench       load tools: `callagent bench audiosocket` drives many calls at a host\n"
    "  replay      replay a recorded session and check it does exactly the same\n"
    "  call        a whole call over a caller's recording, offline: transcript, latencies, the bot's audio\n"
    "  chat        a text conversation with the agent (its LLM, prompt and tools), no phone needed\n"
    "  journal     the call journal: list calls, show one, export as JSON or CSV\n"
    "  prompts     prompt versions and A/B tests, and the report comparing variants\n"
    "  store       the tyre store as a REST API: `callagent store serve --listen HOST:PORT`\n"
    "  kb          the knowledge base: `callagent kb import DIR`, `callagent kb search \"...\"`\n"
    "\n"
    "  --version   print the version\n"
    "  --help      this text; `callagent <command> --help` describes a command\n";

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--version" || cmd == "version") {
    std::printf("callagent %s\n", ca_version_string());
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "serve") return ca::cli::cmd_serve(argc, argv);
  if (cmd == "bench") return ca::cli::cmd_bench(argc, argv);
  if (cmd == "demo") return ca::cli::cmd_demo(argc, argv);
  if (cmd == "replay") return ca::cli::cmd_replay(argc, argv);
  if (cmd == "kb") return ca::cli::cmd_kb(argc, argv);
  if (cmd == "call") return ca::cli::cmd_call(argc, argv);
  if (cmd == "store") return ca::cli::cmd_store(argc, argv);
  if (cmd == "journal") return ca::cli::cmd_journal(argc, argv);
  if (cmd == "prompts") return ca::cli::cmd_prompts(argc, argv);
  if (cmd == "chat") return ca::cli::cmd_chat(argc, argv);
  std::fprintf(stderr, "callagent: unknown command \"%s\"\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
