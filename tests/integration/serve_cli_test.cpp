// `callagent serve` as a process: signals, configuration errors, help.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/audiosocket_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace ca;
namespace as = ca::audiosocket;

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;

std::string temp_file(const std::string &name, const std::string &text) {
  const std::string path = "/tmp/callagent-test-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("SIGTERM: stop accepting, let the call run to the drain timeout, end it with 00 00 00, exit 0") {
  test::Process p({kCli, "serve", "--agent", "echo", "--listen", "127.0.0.1:0", "--drain-timeout", "0.4", "--threads", "1"});
  REQUIRE(p.wait_stderr_for("\"msg\":\"listening\""));
  const long port = test::json_int_field(p.err(), "port");
  REQUIRE(port > 0);

  test::Client c(static_cast<uint16_t>(port));
  REQUIRE(c.send_uuid());
  REQUIRE(c.next().has_value());
  const Nanos t0 = monotonic_now();
  p.signal(SIGTERM);
  REQUIRE(p.wait_stderr_for("\"msg\":\"draining\""));
  auto got = c.drain_until_eof(seconds(5));
  const Nanos took = monotonic_now() - t0;
  REQUIRE(got.size() >= 10);  // frames kept coming through the drain
  CHECK(got.back().kind == as::kind::hangup);
  for (size_t i = 0; i + 1 < got.size(); ++i) CHECK(got[i].kind == as::kind::slin8);
  CHECK(took >= millis(350));
  test::Client late(static_cast<uint16_t>(port));
  CHECK_FALSE(late.connected());
  c.close();
  CHECK(p.wait() == 0);
  CHECK(p.err().find("\"reason\":\"drain_timeout\"") != std::string::npos);
  CHECK(p.err().find("\"msg\":\"stopped\"") != std::string::npos);
}

TEST_CASE("the counters are logged every stats_interval") {
  ::setenv("CALLAGENT_LOG_STATS_INTERVAL", "0.1", 1);
  test::Process p({kCli, "serve", "--agent", "echo", "--listen", "127.0.0.1:0"});
  ::unsetenv("CALLAGENT_LOG_STATS_INTERVAL");
  REQUIRE(p.wait_stderr_for("\"msg\":\"listening\""));
  const long port = test::json_int_field(p.err(), "port");
  test::Client c(static_cast<uint16_t>(port));
  REQUIRE(c.send_uuid());
  REQUIRE(p.wait_stderr_for("\"msg\":\"stats\",\"active\":1"));
  p.signal(SIGTERM);
  c.close();
  CHECK(p.wait() == 0);
}

TEST_CASE("SIGINT with no calls exits at once") {
  test::Process p({kCli, "serve", "--agent", "echo", "--listen", "127.0.0.1:0", "--drain-timeout", "60"});
  REQUIRE(p.wait_stderr_for("\"msg\":\"listening\""));
  p.signal(SIGINT);
  CHECK(p.wait() == 0);
}

TEST_CASE("a configuration error names the file and line, and serve exits 2") {
  const std::string path = temp_file("bad.toml", "[server]\nthreads = 1\nmax_callz = 5\n");
  test::Process p({kCli, "serve", "--config", path});
  CHECK(p.wait() == 2);
  CHECK(p.err().find(path + ":3: unknown key \"max_callz\" in [server]") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("the configuration file and the environment reach the server") {
  const std::string path = temp_file("good.toml", "[server]\nlisten = \"127.0.0.1:0\"\nmax_calls = 3\n");
  ::setenv("CALLAGENT_SERVER_MAX_CALLS", "4", 1);
  test::Process p({kCli, "serve", "--agent", "echo", "--config", path});
  ::unsetenv("CALLAGENT_SERVER_MAX_CALLS");
  REQUIRE(p.wait_stderr_for("\"msg\":\"listening\""));
  CHECK(test::json_int_field(p.err(), "max_calls") == 4);
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  std::remove(path.c_str());
}

TEST_CASE("bad options are refused with a reason") {
  {
    test::Process p({kCli, "serve", "--threads", "many"});
    CHECK(p.wait() == 2);
    CHECK(p.err().find("--threads must be an integer") != std::string::npos);
  }
  {
    test::Process p({kCli, "serve", "--agent", "parrot", "--listen", "127.0.0.1:0"});
    CHECK(p.wait() == 2);
    CHECK(p.err().find("unknown agent \"parrot\"") != std::string::npos);
  }
  {
    test::Process p({kCli, "serve", "--frobnicate"});
    CHECK(p.wait() == 2);
    CHECK(p.err().find("unknown option --frobnicate") != std::string::npos);
  }
  {
    test::Process p({kCli, "bench", "audiosocket", "--calls", "3"});
    CHECK(p.wait() == 2);
    CHECK(p.err().find("--target HOST:PORT is required") != std::string::npos);
  }
}

TEST_CASE("--help on every command, and --version") {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"serve", "--help"},
                                        {"demo", "--help"},
                                        {"bench", "--help"},
                                        {"bench", "audiosocket", "--help"}}) {
    args.insert(args.begin(), kCli);
    test::Process p(args);
    CHECK(p.wait() == 0);
    CHECK(p.out().find("usage: callagent") != std::string::npos);
  }
  test::Process v({kCli, "--version"});
  CHECK(v.wait() == 0);
  CHECK(v.out().rfind("callagent 0.", 0) == 0);
}

TEST_CASE("with no plug-ins configured, serve answers with the offline agent and journals the call") {
  test::TempDir dir;
  test::Process p({kCli, "serve", "--listen", "127.0.0.1:0", "--threads", "1", "--drain-timeout", "0", "--data-dir",
                   dir.path().string()});
  REQUIRE(p.wait_stderr_for("\"msg\":\"listening\"", seconds(120)));
  CHECK(p.err().find("the offline agent answers") != std::string::npos);
  const long port = test::json_int_field(p.err(), "port");
  REQUIRE(port > 0);

  test::Client c(static_cast<uint16_t>(port));
  REQUIRE(c.send_uuid());
  // The greeting: speech, not the silence frames a host sends while idle.
  const std::vector<int16_t> quiet(160, 0);
  bool spoke = false;
  for (int i = 0; i < 500 && !spoke; ++i) {
    REQUIRE(c.send_audio(as::kind::slin8, quiet));
    auto m = c.next(seconds(5));
    REQUIRE(m.has_value());
    if (m->kind != as::kind::slin8) continue;
    int peak = 0;
    for (size_t k = 0; k + 1 < m->payload.size(); k += 2) {
      const int v = static_cast<int16_t>(m->payload[k] | (m->payload[k + 1] << 8));
      peak = std::max(peak, std::abs(v));
    }
    spoke = peak > 1000;
  }
  CHECK(spoke);
  c.close();
  REQUIRE(p.wait_stderr_for("\"msg\":\"call ended\"", seconds(10)));
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  CHECK(std::filesystem::exists(dir.path() / "callagent-journal.db"));
  CHECK(std::filesystem::exists(dir.path() / "callagent-offline.toml"));
}
