// callagent store serve: the embedded tyre store as a REST service (store/rest_server.hpp), for a
// shop that wants the store apart from the call hosts, and as the reference server of the API.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/host.hpp"
#include "config/config.hpp"
#include "core/log.hpp"
#include "net/http_server.hpp"
#include "store/rest_server.hpp"
#include "store/sqlite_store.hpp"

namespace ca::cli {

namespace {

constexpr const char *kStoreUsage =
    "usage: callagent store serve --listen HOST:PORT [--db FILE] [--token T]\n"
    "\n"
    "The tyre shop's store as a REST API under /api/v1.\n"
    "\n"
    "commands:\n"
    "  serve       serve the embedded store (SQLite) over HTTP\n"
    "\n"
    "`callagent store serve --help` describes it.\n";

const std::vector<OptionSpec> kServeOptions = {
    {"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:8085; port 0 picks a free one)"},
    {"db", "FILE",
     "the store's SQLite file, created and seeded with the demo shop when missing "
     "(default: $CALLAGENT_STORE_DB, else callagent-store.db here)"},
    {"token", "T", "require \"Authorization: Bearer T\" (default: $CALLAGENT_STORE_TOKEN; none: no auth)"},
    {"log-level", "LEVEL", "trace, debug, info, warn, error or off (default info)"},
    {"help", "", "this text"},
};

constexpr const char *kServeDescription =
    "Serves every store operation under /api/v1: tyre search and availability, orders, fitting\n"
    "stations, slots, bookings and prices, callback requests (see the README, \"Store REST API\").\n"
    "Answers are {\"data\": ...}; errors {\"error\": {\"code\", \"message\"}} with 400, 401, 404 or 500.\n"
    "POST, PATCH and DELETE honour Idempotency-Key: a replay returns the original result.\n"
    "Point the agent at it with [tools.shop] store_url = \"http://HOST:PORT/api/v1\".\n"
    "A token on the command line is visible to other local users; prefer $CALLAGENT_STORE_TOKEN.\n"
    "Logs are JSON lines on stderr; the first says where it listens (\"port\"). SIGINT/SIGTERM stop\n"
    "it and it exits 0.";

int store_serve(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 3, kServeOptions)) {
    std::fprintf(stderr, "callagent store serve: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent store serve --listen HOST:PORT [--db FILE] [--token T]", kServeDescription,
                           kServeOptions)
                   .c_str(),
               stdout);
    return 0;
  }
  if (!args.positional().empty()) {
    std::fprintf(stderr, "callagent store serve: unexpected argument \"%s\"\n", args.positional()[0].c_str());
    return 2;
  }
  if (auto level = args.get("log-level")) {
    log::Level l;
    if (!log::parse_level(*level, l)) {
      std::fprintf(stderr, "callagent store serve: unknown log level \"%s\"\n", level->c_str());
      return 2;
    }
    log::set_level(l);
  }
  net::HttpServerOptions so = store::store_server_options();
  std::string err;
  if (!config::split_host_port(args.get("listen").value_or("127.0.0.1:8085"), so.bind_address, so.port, err)) {
    std::fprintf(stderr, "callagent store serve: --listen %s\n", err.c_str());
    return 2;
  }
  std::string db = "callagent-store.db";
  if (const char *env = std::getenv("CALLAGENT_STORE_DB"); env != nullptr && *env != '\0') db = env;
  if (auto v = args.get("db")) db = *v;
  store::RestServerOptions api;
  if (const char *env = std::getenv("CALLAGENT_STORE_TOKEN"); env != nullptr) api.token = env;
  if (auto v = args.get("token")) api.token = *v;

  // Before any thread starts, so only sigwait() below sees the stop signals.
  block_stop_signals();
  store::SqliteStoreOptions o;
  o.path = db;
  auto opened = store::SqliteStore::open(o);
  if (!opened) {
    std::fprintf(stderr, "callagent store serve: %s\n", opened.error().message.c_str());
    return 1;
  }
  net::HttpServer server(so);
  store::register_store_api(server, std::move(opened).value(), api);
  auto port = server.start();
  if (!port) {
    std::fprintf(stderr, "callagent store serve: %s\n", port.error().message.c_str());
    return 1;
  }
  log::write(
      log::Level::info, "", "store api listening",
      {{"host", so.bind_address}, {"port", *port}, {"prefix", "/api/v1"}, {"db", db}, {"auth", !api.token.empty()}});

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  log::write(log::Level::info, "", "signal received: stopping", {{"signal", sig}});
  server.stop();
  return 0;
}

}  // namespace

int cmd_store(int argc, char **argv) {
  const std::string sub = argc >= 3 ? argv[2] : "";
  if (sub == "serve") return store_serve(argc, argv);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kStoreUsage, stdout);
    return 0;
  }
  if (sub.empty())
    std::fputs(kStoreUsage, stderr);
  else
    std::fprintf(stderr, "callagent store: unknown command \"%s\"\n\n%s", sub.c_str(), kStoreUsage);
  return 2;
}

}  // namespace ca::cli
