// `callagent store serve` as a process: the REST client talks to it, the token is enforced, and
// SIGTERM stops it with exit status 0.
#include <doctest/doctest.h>

#include <signal.h>

#include <cstdlib>
#include <string>

#include "store/rest_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace ca;

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;

struct NoProxyEnv {
  NoProxyEnv() {
    for (const char *v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      ::unsetenv(v);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::unsetenv("CALLAGENT_STORE_TOKEN");
  }
};
const NoProxyEnv no_proxy_env;

std::shared_ptr<store::RestStore> client(long port, std::string token) {
  store::RestStoreOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1";
  o.token = std::move(token);
  auto r = store::RestStore::create(std::move(o));
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("store serve: a child process serves the store; the client uses it; SIGTERM exits 0") {
  test::TempDir dir;
  const std::string db = dir.file("shop.db");
  test::Process p({kCli, "store", "serve", "--listen", "127.0.0.1:0", "--db", db, "--token", "cli-token"});
  REQUIRE_MESSAGE(p.wait_stderr_for("store api listening", seconds(20)), p.err());
  const long port = test::json_int_field(p.err(), "port");
  REQUIRE(port > 0);

  auto rest = client(port, "cli-token");
  store::TyreQuery q;
  q.width = 205;
  q.profile = 55;
  q.diameter = 16;
  auto found = rest->search_tyres(q);
  REQUIRE_MESSAGE(found.ok(), (found.ok() ? "" : found.error().message));
  CHECK(found->total > 0);
  auto stations = rest->stations("Київ");
  REQUIRE(stations.ok());
  CHECK_FALSE(stations->empty());
  auto cb = rest->create_callback({"0501234567", "after 10", "from the CLI test", "c-1"}, "cli-key");
  REQUIRE(cb.ok());
  CHECK(rest->create_callback({"0501234567", "after 10", "from the CLI test", "c-1"}, "cli-key")->id == cb->id);

  auto denied = client(port, "other")->stations("Київ");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().code == Errc::config);

  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  CHECK(p.err().find("signal received") != std::string::npos);
  CHECK(p.err().find("cli-token") == std::string::npos);  // the token is never logged
}

TEST_CASE("store: usage and option errors") {
  test::Process none({kCli, "store"});
  CHECK(none.wait() == 2);
  CHECK(none.err().find("usage: callagent store serve") != std::string::npos);
  test::Process help({kCli, "store", "serve", "--help"});
  CHECK(help.wait() == 0);
  CHECK(help.out().find("--token") != std::string::npos);
  test::Process bad({kCli, "store", "serve", "--listen", "nowhere"});
  CHECK(bad.wait() == 2);
  test::Process unknown({kCli, "store", "frobnicate"});
  CHECK(unknown.wait() == 2);
}
