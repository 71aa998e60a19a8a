#include "config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/log.hpp"

namespace ca::config {

namespace {

enum class Type { string, integer, number, boolean, level, address, digit, string_list };

struct Key {
  const char *section;
  const char *name;
  Type type;
  double min;
  double max;
  void *(*field)(Config &);
};

#define CA_FIELD(expr) [](Config &c) -> void * { return &c.expr; }
const Key kKeys[] = {
    {"server", "listen", Type::address, 0, 0, CA_FIELD(server.listen)},
    {"server", "threads", Type::integer, 0, 256, CA_FIELD(server.threads)},
    {"server", "max_calls", Type::integer, 1, 1'000'000, CA_FIELD(server.max_calls)},
    {"server", "uuid_timeout", Type::number, 0.001, 3600, CA_FIELD(server.uuid_timeout)},
    {"server", "drain_timeout", Type::number, 0, 86400, CA_FIELD(server.drain_timeout)},
    {"server", "max_audio_payload", Type::integer, 2, 65534, CA_FIELD(server.max_audio_payload)},
    {"server", "max_queued_frames", Type::integer, 1, 100, CA_FIELD(server.max_queued_frames)},
    {"server", "default_rate", Type::integer, 8000, 192000, CA_FIELD(server.default_rate)},
    {"server", "agent", Type::string, 0, 0, CA_FIELD(server.agent)},
    {"journal", "path", Type::string, 0, 0, CA_FIELD(journal.path)},
    {"journal", "default_prompt", Type::string, 0, 0, CA_FIELD(journal.default_prompt)},
    {"journal", "turns_days", Type::integer, 1, 36500, CA_FIELD(journal.turns_days)},
    {"journal", "caller_days", Type::integer, 1, 36500, CA_FIELD(journal.caller_days)},
    {"journal", "price_llm_input", Type::number, 0, 1e6, CA_FIELD(journal.price_llm_input)},
    {"journal", "price_llm_output", Type::number, 0, 1e6, CA_FIELD(journal.price_llm_output)},
    {"journal", "price_stt_minute", Type::number, 0, 1e6, CA_FIELD(journal.price_stt_minute)},
    {"journal", "price_tts_mchars", Type::number, 0, 1e6, CA_FIELD(journal.price_tts_mchars)},
    {"http", "listen", Type::string, 0, 0, CA_FIELD(http.listen)},
    {"http", "secret", Type::string, 0, 0, CA_FIELD(http.secret)},
    {"http", "details_ttl", Type::number, 1, 86400, CA_FIELD(http.details_ttl)},
    {"log", "level", Type::level, 0, 0, CA_FIELD(log.level)},
    {"log", "file", Type::string, 0, 0, CA_FIELD(log.file)},
    {"log", "rate", Type::number, 0.01, 1e6, CA_FIELD(log.rate)},
    {"log", "burst", Type::integer, 1, 1'000'000, CA_FIELD(log.burst)},
    {"log", "stats_interval", Type::number, 0, 86400, CA_FIELD(log.stats_interval)},
    {"session", "language", Type::string, 0, 0, CA_FIELD(session.language)},
    {"session", "greeting", Type::string, 0, 0, CA_FIELD(session.greeting)},
    {"session", "greeting_interruptible", Type::boolean, 0, 0, CA_FIELD(session.greeting_interruptible)},
    {"session", "system_prompt", Type::string, 0, 0, CA_FIELD(session.system_prompt)},
    {"session", "preroll", Type::number, 0, 2, CA_FIELD(session.preroll)},
    {"session", "speech_onset", Type::number, 0.02, 1, CA_FIELD(session.speech_onset)},
    {"session", "end_of_turn_silence", Type::number, 0.1, 10, CA_FIELD(session.end_of_turn_silence)},
    {"session", "eager_start_silence", Type::number, 0, 10, CA_FIELD(session.eager_start_silence)},
    {"session", "barge_in_min_speech", Type::number, 0.02, 5, CA_FIELD(session.barge_in_min_speech)},
    {"session", "barge_in_commit_speech", Type::number, 0.02, 10, CA_FIELD(session.barge_in_commit_speech)},
    {"session", "barge_in_resume_silence", Type::number, 0.02, 10, CA_FIELD(session.barge_in_resume_silence)},
    {"session", "silence_timeout", Type::number, 1, 3600, CA_FIELD(session.silence_timeout)},
    {"session", "silence_prompts", Type::integer, 1, 10, CA_FIELD(session.silence_prompts)},
    {"session", "max_duration", Type::number, 10, 86400, CA_FIELD(session.max_duration)},
    {"session", "filler_delay", Type::number, 0.05, 60, CA_FIELD(session.filler_delay)},
    {"session", "filler_repeat", Type::number, 0.5, 600, CA_FIELD(session.filler_repeat)},
    {"session", "llm_timeout", Type::number, 1, 600, CA_FIELD(session.llm_timeout)},
    {"session", "tool_timeout", Type::number, 0.1, 600, CA_FIELD(session.tool_timeout)},
    {"session", "max_tool_rounds", Type::integer, 1, 20, CA_FIELD(session.max_tool_rounds)},
    {"session", "operator_digit", Type::digit, 0, 0, CA_FIELD(session.operator_digit)},
    {"session", "clause_min_chars", Type::integer, 0, 1000, CA_FIELD(session.clause_min_chars)},
    {"session", "first_clause_words", Type::integer, 0, 100, CA_FIELD(session.first_clause_words)},
    {"session", "history_window", Type::integer, 2, 10000, CA_FIELD(session.history_window)},
    {"session", "stt_finish_silence", Type::number, 0.02, 5, CA_FIELD(session.stt_finish_silence)},
    {"session", "vad_min_level_dbfs", Type::number, -100, 0, CA_FIELD(session.vad_min_level_dbfs)},
    {"session", "vad_margin_db", Type::number, 0, 60, CA_FIELD(session.vad_margin_db)},
    {"session", "echo_return_loss_db", Type::number, 0, 60, CA_FIELD(session.echo_return_loss_db)},
    {"session", "echo_max_delay", Type::number, 0.02, 2, CA_FIELD(session.echo_max_delay)},
    {"session", "echo_canceller", Type::boolean, 0, 0, CA_FIELD(session.echo_canceller)},
    {"session", "pii_masking", Type::boolean, 0, 0, CA_FIELD(session.pii_masking)},
    {"session", "speakable", Type::boolean, 0, 0, CA_FIELD(session.speakable)},
    {"session", "echo_canceller_tail", Type::number, 0.02, 1, CA_FIELD(session.echo_canceller_tail)},
    {"session", "stt", Type::string, 0, 0, CA_FIELD(session.stt)},
    {"session", "tts", Type::string, 0, 0, CA_FIELD(session.tts)},
    {"session", "llm", Type::string, 0, 0, CA_FIELD(session.llm)},
    {"session", "tools", Type::string_list, 0, 0, CA_FIELD(session.tools)},
};
#undef CA_FIELD

bool known_section(std::string_view s) {
  for (const Key &k : kKeys) {
    if (s == k.section) return true;
  }
  return false;
}

const Key *find_key(std::string_view section, std::string_view name) {
  for (const Key &k : kKeys) {
    if (section == k.section && name == k.name) return &k;
  }
  return nullptr;
}

std::string type_text(const Key &k) {
  std::ostringstream s;
  switch (k.type) {
    case Type::string: return "a string";
    case Type::level: return "one of trace, debug, info, warn, error, off";
    case Type::address: return "a string \"HOST:PORT\"";
    case Type::boolean: return "true or false";
    case Type::digit: return "one DTMF digit (0-9, *, #) as a string, or \"\" for none";
    case Type::string_list: return "an array of strings";
    case Type::integer:
      s << "an integer from " << static_cast<long long>(k.min) << " to " << static_cast<long long>(k.max);
      return s.str();
    case Type::number: s << "a number from " << k.min << " to " << k.max; return s.str();
  }
  return "a value";
}

// Stores a value already converted to its C++ type, checking range and form.
Result<void> store_string(const Key &k, Config &c, std::string v) {
  if (k.type == Type::level) {
    log::Level l;
    if (!log::parse_level(v, l)) return make_error(Errc::config, "must be " + type_text(k));
  } else if (k.type == Type::digit) {
    if (!(v.empty() || (v.size() == 1 && (std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '*' || v[0] == '#')))) {
      return make_error(Errc::config, "must be " + type_text(k));
    }
  } else if (k.type == Type::address) {
    std::string host, err;
    uint16_t port = 0;
    if (!split_host_port(v, host, port, err)) return make_error(Errc::config, err);
  }
  *static_cast<std::string *>(k.field(c)) = std::move(v);
  return {};
}

Result<void> store_number(const Key &k, Config &c, double v) {
  if (!(v >= k.min && v <= k.max)) return make_error(Errc::config, "must be " + type_text(k));
  if (k.type == Type::integer) {
    if (v != std::floor(v)) return make_error(Errc::config, "must be " + type_text(k));
    *static_cast<int *>(k.field(c)) = static_cast<int>(v);
  } else {
    *static_cast<double *>(k.field(c)) = v;
  }
  return {};
}

bool is_string_type(Type t) {
  return t == Type::string || t == Type::level || t == Type::address || t == Type::digit;
}

Result<void> store_bool(const Key &k, Config &c, bool v) {
  *static_cast<bool *>(k.field(c)) = v;
  return {};
}

std::string where(std::string_view source, const toml::source_region &r) {
  std::ostringstream s;
  s << source << ':' << r.begin.line;
  return s.str();
}

Result<void> apply_node(const Key &k, Config &c, const toml::node &node) {
  if (k.type == Type::string_list) {
    const toml::array *a = node.as_array();
    if (a == nullptr) return make_error(Errc::config, "must be " + type_text(k));
    std::vector<std::string> list;
    for (const toml::node &e : *a) {
      if (!e.is_string()) return make_error(Errc::config, "must be " + type_text(k));
      list.push_back(*e.value<std::string>());
    }
    *static_cast<std::vector<std::string> *>(k.field(c)) = std::move(list);
    return {};
  }
  if (k.type == Type::boolean) {
    if (!node.is_boolean()) return make_error(Errc::config, "must be " + type_text(k));
    return store_bool(k, c, *node.value<bool>());
  }
  if (is_string_type(k.type)) {
    if (auto v = node.value<std::string>(); v && node.is_string()) return store_string(k, c, *v);
    return make_error(Errc::config, "must be " + type_text(k));
  }
  if (k.type == Type::integer && !node.is_integer()) return make_error(Errc::config, "must be " + type_text(k));
  if (!node.is_number()) return make_error(Errc::config, "must be " + type_text(k));
  return store_number(k, c, *node.value<double>());
}

Result<void> apply_env_value(const Key &k, Config &c, const std::string &text) {
  if (k.type == Type::string_list) {  // comma-separated
    std::vector<std::string> list;
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
      const size_t comma = std::min(text.find(',', start), text.size());
      if (comma > start) list.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
    *static_cast<std::vector<std::string> *>(k.field(c)) = std::move(list);
    return {};
  }
  if (k.type == Type::boolean) {
    if (text == "true" || text == "1") return store_bool(k, c, true);
    if (text == "false" || text == "0") return store_bool(k, c, false);
    return make_error(Errc::config, "must be " + type_text(k));
  }
  if (is_string_type(k.type)) return store_string(k, c, text);
  errno = 0;
  char *end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno != 0 || end == nullptr || *end != '\0') {
    return make_error(Errc::config, "must be " + type_text(k));
  }
  return store_number(k, c, v);
}

std::string env_name(const Key &k) {
  std::string n = "CALLAGENT_";
  for (const char *p : {k.section, "_", k.name}) {
    for (; *p; ++p) n.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
  }
  return n;
}

Result<void> apply_env(Config &c, const EnvLookup &env) {
  if (!env) return {};
  for (const Key &k : kKeys) {
    const std::string name = env_name(k);
    const char *v = env(name.c_str());
    if (v == nullptr) continue;
    if (auto r = apply_env_value(k, c, v); !r) {
      return make_error(Errc::config, "environment " + name + "=" + v + ": " + k.section + "." + k.name + " " +
                                          r.error().message);
    }
  }
  return {};
}

// A TOML value of a plug-in section as JSON; dates and times become their TOML text.
json::Value to_json(const toml::node &node) {
  if (const auto *t = node.as_table()) {
    json::Value o = json::Value::object();
    for (const auto &[k, v] : *t) o.set(k.str(), to_json(v));
    return o;
  }
  if (const auto *a = node.as_array()) {
    json::Value out = json::Value::array();
    for (const toml::node &e : *a) out.push(to_json(e));
    return out;
  }
  if (node.is_string()) return json::Value(*node.value<std::string>());
  if (node.is_integer()) return json::Value(*node.value<int64_t>());
  if (node.is_floating_point()) return json::Value(*node.value<double>());
  if (node.is_boolean()) return json::Value(*node.value<bool>());
  std::ostringstream s;
  if (const auto *d = node.as_date()) s << d->get();
  else if (const auto *t = node.as_time()) s << t->get();
  else if (const auto *dt = node.as_date_time()) s << dt->get();
  return json::Value(s.str());
}

bool plugin_kind(std::string_view section, PluginSection::Kind &kind) {
  if (section == "stt") kind = PluginSection::Kind::stt;
  else if (section == "tts") kind = PluginSection::Kind::tts;
  else if (section == "llm") kind = PluginSection::Kind::llm;
  else if (section == "tools") kind = PluginSection::Kind::tools;
  else return false;
  return true;
}

bool valid_plugin_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
}

// [stt.NAME] … : every sub-table is one plug-in with a string `type`.
Result<void> parse_plugins(PluginSection::Kind kind, std::string_view section, const toml::table &table,
                           std::string_view source, Config &c) {
  for (const auto &[name_key, node] : table) {
    const std::string name(name_key.str());
    const toml::table *body = node.as_table();
    if (body == nullptr) {
      return make_error(Errc::config, where(source, node.source()) + ": \"" + name + "\" in [" + std::string(section) +
                                          "] must be a section [" + std::string(section) + "." + name + "]");
    }
    if (!valid_plugin_name(name)) {
      return make_error(Errc::config, where(source, node.source()) + ": [" + std::string(section) + "." + name +
                                          "]: a name is 1-64 letters, digits, '_', '-' or '.'");
    }
    for (const PluginSection &p : c.plugins) {
      if (p.kind == kind && p.name == name) {
        return make_error(Errc::config, where(source, node.source()) + ": [" + std::string(section) + "." + name +
                                            "] is defined twice");
      }
    }
    const toml::node *type = body->get("type");
    if (type == nullptr || !type->is_string() || type->value<std::string>()->empty()) {
      return make_error(Errc::config, where(source, node.source()) + ": [" + std::string(section) + "." + name +
                                          "] needs type = \"...\" (the kind of " + std::string(section) + " to build)");
    }
    PluginSection p;
    p.kind = kind;
    p.name = name;
    p.type = *type->value<std::string>();
    p.options = json::Value::object();
    for (const auto &[k, v] : *body) {
      if (k.str() != "type") p.options.set(k.str(), to_json(v));
    }
    p.where = where(source, node.source());
    c.plugins.push_back(std::move(p));
  }
  return {};
}

}  // namespace

const char *kind_name(PluginSection::Kind k) {
  switch (k) {
    case PluginSection::Kind::stt: return "stt";
    case PluginSection::Kind::tts: return "tts";
    case PluginSection::Kind::llm: return "llm";
    case PluginSection::Kind::tools: return "tools";
  }
  return "?";
}

EnvLookup process_env() {
  return [](const char *name) -> const char * { return std::getenv(name); };
}

bool split_host_port(std::string_view text, std::string &host, uint16_t &port, std::string &error) {
  size_t colon;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "\"" + std::string(text) + "\" is not [IPV6]:PORT";
      return false;
    }
    host = std::string(text.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || text.find(':') != colon) {
      error = "\"" + std::string(text) + "\" is not HOST:PORT";
      return false;
    }
    host = std::string(text.substr(0, colon));
  }
  const std::string_view p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) {
    error = "\"" + std::string(text) + "\" has no valid port";
    return false;
  }
  const long v = std::strtol(std::string(p).c_str(), nullptr, 10);
  if (v > 65535) {
    error = "\"" + std::string(text) + "\": port out of range";
    return false;
  }
  port = static_cast<uint16_t>(v);
  return true;
}

Result<Config> parse(std::string_view toml_text, std::string_view source, const EnvLookup &env) {
  Config c;
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error &e) {
    std::ostringstream s;
    s << source << ':' << e.source().begin.line << ':' << e.source().begin.column << ": " << e.description();
    return make_error(Errc::config, s.str());
  }
  for (const auto &[section_key, section_node] : root) {
    const std::string_view section = section_key.str();
    PluginSection::Kind kind;
    if (plugin_kind(section, kind)) {
      const toml::table *table = section_node.as_table();
      if (table == nullptr) {
        return make_error(Errc::config, where(source, section_node.source()) + ": \"" + std::string(section) +
                                            "\" must hold sections [" + std::string(section) + ".NAME]");
      }
      if (auto r = parse_plugins(kind, section, *table, source, c); !r) return r.error();
      continue;
    }
    if (!known_section(section)) {
      return make_error(Errc::config, where(source, section_node.source()) + ": unknown section [" +
                                          std::string(section) + "]");
    }
    const toml::table *table = section_node.as_table();
    if (table == nullptr) {
      return make_error(Errc::config, where(source, section_node.source()) + ": \"" + std::string(section) +
                                          "\" must be a section [" + std::string(section) + "]");
    }
    for (const auto &[key, node] : *table) {
      const Key *k = find_key(section, key.str());
      if (k == nullptr) {
        return make_error(Errc::config, where(source, node.source()) + ": unknown key \"" +
                                            std::string(key.str()) + "\" in [" + std::string(section) + "]");
      }
      if (auto r = apply_node(*k, c, node); !r) {
        return make_error(Errc::config, where(source, node.source()) + ": " + std::string(section) + "." +
                                            std::string(key.str()) + " " + r.error().message);
      }
    }
  }
  if (auto r = apply_env(c, env); !r) return r.error();
  return c;
}

Result<Config> load_file(const std::string &path, const EnvLookup &env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::config, path + ": cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, env);
}

Result<Config> from_env(const EnvLookup &env) { return parse("", "<defaults>", env); }

std::vector<std::string> known_keys() {
  std::vector<std::string> out;
  for (const Key &k : kKeys) out.push_back(std::string(k.section) + "." + k.name);
  return out;
}

}  // namespace ca::config
