// Configuration: a TOML file (toml++), then the environment. Every key can be overridden by
// CALLAGENT_<SECTION>_<KEY> (upper case). Unknown sections and keys, wrong types and values out of
// range are errors that name the file, line and key (or the environment variable).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
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
  // "session": the configured plug-ins answer (the offline agent when none are configured);
  // "echo": the caller's audio comes back, paced (a line check).
  std::string agent = "session";
};

struct LogSection {
  std::string level = "info";
  std::string file;  // empty: stderr
  double rate = 20;  // lines per second per call, after the burst
  int burst = 40;
  double stats_interval = 60;  // seconds between counter lines; 0: none
};

// Turn-taking ([session]); durations in seconds. Mapped onto session::SessionConfig.
struct SessionSection {
  std::string language = "uk";
  std::string greeting;  // empty: the language's default, with the automated-processing disclosure
  bool greeting_interruptible = false;
  std::string system_prompt;
  double preroll = 0.3;
  double speech_onset = 0.04;
  double end_of_turn_silence = 0.6;
  double eager_start_silence = 0.25;
  double barge_in_min_speech = 0.08;
  double barge_in_commit_speech = 0.4;
  double barge_in_resume_silence = 0.3;
  double silence_timeout = 15;
  int silence_prompts = 3;
  double max_duration = 900;
  double filler_delay = 0.6;
  double filler_repeat = 8;
  double llm_timeout = 45;
  double tool_timeout = 15;
  int max_tool_rounds = 5;
  std::string operator_digit = "0";  // one of 0-9 * #, or "" for none
  int clause_min_chars = 25;
  int first_clause_words = 6;
  int history_window = 40;  // messages an LLM round sees; older ones as a summary
  double stt_finish_silence = 0.12;
  double vad_min_level_dbfs = -45;
  double vad_margin_db = 9;
  double echo_return_loss_db = 6;
  double echo_max_delay = 0.3;
  bool echo_canceller = false;   // speexdsp, before the VAD and the STT
  bool pii_masking = true;       // personal data reaches the LLM as placeholders
  bool speakable = true;         // numbers, sizes, dates, prices in the LLM's text read out
  double echo_canceller_tail = 0.256;
  // The plug-ins a session uses when its host names none: names of [stt.NAME] … sections or of
  // plug-ins an integrator registered. Empty: the host must name them.
  std::string stt;
  std::string tts;
  std::string llm;
  std::vector<std::string> tools;  // empty: every tool the engine has
};

// A plug-in built from configuration: [stt.NAME], [tts.NAME], [llm.NAME] or [tools.NAME] with a
// `type` naming a factory; every other key is the factory's business and reaches it as JSON.
struct PluginSection {
  enum class Kind : uint8_t { stt, tts, llm, tools };
  Kind kind = Kind::stt;
  std::string name;
  std::string type;
  json::Value options;  // an object: the section without `type`
  std::string where;    // "file:line", for the factory's errors
};

const char *kind_name(PluginSection::Kind k);

// The call journal ([journal]); off unless a path is set.
struct JournalSection {
  std::string path;            // SQLite file; "": no journal
  std::string default_prompt;  // a versioned prompt (`callagent prompts add`) calls run with
  int turns_days = 90;         // transcripts and tool calls kept this long
  int caller_days = 365;       // caller numbers anonymised after this
  // A call's cost from its usage, in USD: per million LLM input/output tokens, per minute of
  // recognised audio, per million synthesised characters.
  double price_llm_input = 0;
  double price_llm_output = 0;
  double price_stt_minute = 0;
  double price_tts_mchars = 0;
};

// The host's HTTP endpoint ([http]): call details from the dialplan, health.
struct HttpSection {
  std::string listen;          // "HOST:PORT"; "": off
  std::string secret;          // required from the dialplan when set (CALLAGENT_HTTP_SECRET)
  double details_ttl = 60;     // seconds call details wait for their call
};

struct Config {
  ServerSection server;
  LogSection log;
  JournalSection journal;
  HttpSection http;
  SessionSection session;
  std::vector<PluginSection> plugins;  // in file order
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
