#include "cli/host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "core/log.hpp"
#include "host/call_journal.hpp"
#include "host/session_agent.hpp"
#include "net/http_server.hpp"

namespace ca::cli {

namespace {

// What the session agent owns besides its handlers; destroyed after the server has stopped, so
// the journal's close() writes every record of every call (SIGTERM loses nothing).
struct SessionHost {
  std::shared_ptr<ca_engine_t> engine;
  std::shared_ptr<host::CallJournal> journal;
  std::shared_ptr<host::CallDetailsStore> details;
  std::unique_ptr<net::HttpServer> http;
  ~SessionHost() {
    if (http) http->stop();
    if (journal) {
      if (auto r = journal->close(); !r) log::write(log::Level::error, {}, "journal", {{"error", r.error().message}});
    }
  }
};

}  // namespace

Result<Agent> make_agent(const std::string &name, const std::string &config_path, const config::Config &config) {
  if (name == "echo") {
    return Agent{server::HandlerFactory([] { return std::make_unique<server::EchoHandler>(); }), nullptr};
  }
  if (name == "session") {
    // Through the public API, as an integrator's host would.
    ca_engine_t *raw = nullptr;
    if (ca_engine_create(nullptr, &raw) != CA_OK) return make_error(Errc::internal, ca_last_error());
    std::shared_ptr<ca_engine_t> engine(raw, ca_engine_destroy);
    if (ca_engine_load_config(engine.get(), config_path.empty() ? nullptr : config_path.c_str()) != CA_OK) {
      return make_error(Errc::config, ca_last_error());
    }
    // A call that cannot get a session is a call lost: find out now, with a session made and
    // dropped before any call arrives (nothing runs until it is processed).
    ca_session_params p;
    ca_session_default_params(&p, sizeof p);
    ca_session_t *trial = nullptr;
    if (ca_session_create(engine.get(), &p, &trial) != CA_OK) {
      return make_error(Errc::config, std::string("the session agent cannot start a call: ") + ca_last_error());
    }
    ca_session_destroy(trial);
    // The fixed phrases into the phrase caches, at both telephone rates, while the host starts.
    for (int rate : {8000, 16000}) ca_engine_prewarm(engine.get(), rate, 0);
    auto keep = std::make_shared<SessionHost>();
    keep->engine = engine;
    host::SessionAgentOptions o;
    o.engine = engine.get();
    if (!config.journal.path.empty()) {
      host::CallJournalOptions jo;
      jo.path = config.journal.path;
      jo.default_prompt = config.journal.default_prompt;
      jo.journal.retention.turns_days = config.journal.turns_days;
      jo.journal.retention.caller_anonymise_days = config.journal.caller_days;
      jo.prices = {config.journal.price_llm_input, config.journal.price_llm_output, config.journal.price_stt_minute,
                   config.journal.price_tts_mchars};
      auto j = host::CallJournal::open(jo);
      if (!j) return make_error(Errc::config, "journal.path " + config.journal.path + ": " + j.error().message);
      keep->journal = std::move(j).value();
      o.observer = keep->journal;
    }
    if (!config.http.listen.empty()) {
      net::HttpServerOptions ho;
      std::string err;
      if (!config::split_host_port(config.http.listen, ho.bind_address, ho.port, err)) {
        return make_error(Errc::config, "http.listen: " + err);
      }
      keep->details = std::make_shared<host::CallDetailsStore>(static_cast<Nanos>(config.http.details_ttl * 1e9));
      keep->http = std::make_unique<net::HttpServer>(ho);
      host::add_call_details_routes(*keep->http, *keep->details, config.http.secret);
      auto port = keep->http->start();
      if (!port) return make_error(Errc::config, "http.listen " + config.http.listen + ": " + port.error().message);
      log::write(log::Level::info, {}, "http endpoint listening",
                 {{"address", ho.bind_address}, {"port", static_cast<int64_t>(*port)}});
      o.details = keep->details;
    }
    return Agent{host::make_session_agent(o), keep};
  }
  return make_error(Errc::invalid_argument, "unknown agent \"" + name + "\" (available: echo, session)");
}

Result<server::ServerOptions> server_options(const config::Config &c) {
  server::ServerOptions o;
  std::string err;
  if (!config::split_host_port(c.server.listen, o.host, o.port, err)) return make_error(Errc::config, err);
  o.threads = c.server.threads;
  o.max_calls = c.server.max_calls;
  o.uuid_timeout = static_cast<Nanos>(c.server.uuid_timeout * 1e9);
  o.max_audio_payload = static_cast<size_t>(c.server.max_audio_payload);
  o.max_queued_frames = c.server.max_queued_frames;
  o.default_rate = c.server.default_rate;
  o.log_rate = c.log.rate;
  o.log_burst = c.log.burst;
  return o;
}

Result<void> apply_log_config(const config::LogSection &l) {
  log::Level level;
  if (!log::parse_level(l.level, level)) return make_error(Errc::config, "log.level: unknown level " + l.level);
  log::set_level(level);
  if (!l.file.empty()) {
    const int fd = ::open(l.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(Errc::io, "log.file: cannot open " + l.file);
    log::set_fd(fd);  // kept open for the life of the process
  }
  return {};
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

void log_stats(const server::Server &srv, const char *msg) {
  const server::ServerStats s = srv.stats();
  log::write(log::Level::info, {}, msg,
             {{"active", s.active},
              {"connections", s.connections},
              {"calls_started", s.calls_started},
              {"calls_ended", s.calls_ended},
              {"calls_refused", s.calls_refused},
              {"uuid_timeouts", s.uuid_timeouts},
              {"protocol_errors", s.protocol_errors},
              {"frames_in", s.frames_in},
              {"frames_out", s.frames_out},
              {"frames_dropped", s.frames_dropped},
              {"deadlines_late", s.deadlines_late},
              {"dtmf", s.dtmf}});
}

}  // namespace

int run_until_signal(const server::ServerOptions &options, server::HandlerFactory factory, double drain_timeout,
                     int ready_fd, double stats_interval) {
  block_stop_signals();
  auto started = server::Server::start(options, std::move(factory));
  if (!started) {
    log::write(log::Level::error, {}, "cannot start the server", {{"error", started.error().message}});
    std::fprintf(stderr, "callagent: %s\n", started.error().message.c_str());
    return 1;
  }
  server::Server &srv = **started;
  if (ready_fd >= 0) {
    const std::string line = std::to_string(srv.port()) + "\n";
    (void)::write(ready_fd, line.data(), line.size());
    ::close(ready_fd);
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // The counters go to the log every stats_interval seconds while serving.
  int sig = 0;
  for (;;) {
    if (stats_interval <= 0) {
      sigwait(&set, &sig);
      break;
    }
    const auto whole = static_cast<time_t>(stats_interval);
    timespec every{whole, static_cast<long>((stats_interval - static_cast<double>(whole)) * 1e9)};
    sig = sigtimedwait(&set, nullptr, &every);
    if (sig > 0) break;
    log_stats(srv, "stats");
  }
  log::write(log::Level::info, {}, "signal received: draining", {{"signal", sig}, {"drain_timeout_s", drain_timeout}});
  srv.drain(static_cast<Nanos>(drain_timeout * 1e9));

  std::atomic<bool> done{false};
  std::thread waiter([&] {
    srv.wait();
    done = true;
  });
  while (!done) {
    timespec tick{0, 100'000'000};
    if (sigtimedwait(&set, nullptr, &tick) > 0) {
      log::write(log::Level::warn, {}, "second signal: ending the remaining calls now");
      srv.drain(0);
    }
  }
  waiter.join();
  log_stats(srv, "stopped");
  return 0;
}

}  // namespace ca::cli
