// `callagent chat` as a process: a piped conversation with the offline agent reaches the tools a
// caller's requests need, in order, and ends at the transfer.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;

struct Run {
  int status = -1;
  std::string out;
};

Run chat(const std::string &input, const std::string &options) {
  ca::test::TempDir dir;
  const std::string in = dir.file("input.txt");
  std::ofstream(in) << input;
  const std::string cmd = kCli + " chat " + options + " --work-dir " + dir.path().string() + " < " + in + " 2>&1";
  Run r;
  FILE *p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// Positions of the tool lines, in order of appearance.
std::vector<std::string> tools_called(const std::string &out) {
  std::vector<std::string> names;
  for (size_t at = out.find("  tool: "); at != std::string::npos; at = out.find("  tool: ", at + 1)) {
    const size_t start = at + 8;
    names.push_back(out.substr(start, out.find(' ', start) - start));
  }
  return names;
}

}  // namespace

TEST_CASE("a piped English conversation reaches the tools in order and ends at the transfer") {
  const Run r = chat(
      "Hello. I need winter tyres, size two oh five fifty five R sixteen.\n"
      "Do you have the first one in stock?\n"
      "I would like to book a tyre fitting in Kyiv.\n"
      "The first one, please.\n"
      "Operator, please.\n"
      "This line is never reached.\n",
      "--lang en");
  INFO(r.out);
  CHECK(r.status == 0);
  const std::vector<std::string> want = {"search_tires", "check_availability", "get_fitting_stations",
                                         "get_fitting_slots", "transfer_to_operator"};
  CHECK(tools_called(r.out) == want);
  CHECK(r.out.find("bot: I found") != std::string::npos);
  CHECK(r.out.find("[call] transferred to an operator") != std::string::npos);
  CHECK(r.out.find("never reached") == std::string::npos);
}

TEST_CASE("a number the caller says is masked toward the agent and restored in the tool's arguments") {
  const Run r = chat("Please call me back on 067 123 45 67.\nTomorrow morning.\n", "--lang en --caller +380501112233");
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(tools_called(r.out) == std::vector<std::string>{"create_callback_request"});
  // The rule agent copies the number from what it was given: the vault's placeholder, put back
  // before the tool runs; the tool then takes the caller's own number (seed-spec §4.1).
  CHECK(r.out.find(R"("phone":"067 123 45 67")") != std::string::npos);
  CHECK(r.out.find("[PHONE_") == std::string::npos);
  CHECK(r.out.find("050 111 22 33") != std::string::npos);
}

TEST_CASE("chat refuses a bad language and an unknown LLM name") {
  CHECK(chat("", "--lang de").status == 2);
  const Run r = chat("hello\n", "--lang en --llm nope");
  CHECK(r.status == 1);
  CHECK(r.out.find("no LLM named \"nope\"") != std::string::npos);
}
