// Configuration: a TOML file (toml++), then the environment. Every key can be overridden by
// CALLAGENT_<SECTION>_<KEY> (upper case). Unknown sections and keys, wrong types and values out of
// range are errors that name the file, line and key (or the environment variable).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ca::config {

struct ServerSection {
  std::string listen = "127.0.0.1:9092";
  int threads = 0;  // 0: one loop thread per core
  int max_calls = 1000;
  double uuid_timeout = 5.0;     // seconds to wait for the UUID message
  double drain_timeout = 10.0;   // seconds calls may run on after SIGINT/SIGTERM
  int max_audio_payload = 8192;  // bytes; larger audio messages are a protocol error
  int max_queued_frames = 3;     // outbound frames allowed in the kernel's send queue
  int default_rate = 8000;       // rate used before the caller's first audio tells it
  std::string agent = "echo";
};

struct LogSection {
  std::string level = "info";
  std::string file;  // empty: stderr
  double rate = 20;  // lines per second per call, after the burst
  int burst = 40;
  double stats_interval = 60;  // seconds between counter lines; 0: none
};

struct Config {
  ServerSection server;
  LogSection log;
};

// Looks up an environment variable; returns nullptr when unset. Tests pass their own.
using EnvLookup = std::function<const char *(const char *name)>;
EnvLookup process_env();

// Parses TOML text; `source` names it in errors ("callagent.toml:12: …").
Result<Config> parse(std::string_view toml_text, std::string_view source, const EnvLookup &env);
// Reads and parses a file.
Result<Config> load_file(const std::string &path, const EnvLookup &env);
// Defaults with only the environment applied (no file).
Result<Config> from_env(const EnvLookup &env);

// "HOST:PORT" or "[V6]:PORT" → host and port. False with `error` set when malformed.
bool split_host_port(std::string_view text, std::string &host, uint16_t &port, std::string &error);

// Every key the configuration knows, as "section.key", for --help and docs.
std::vector<std::string> known_keys();

}  // namespace ca::config
