#include <doctest/doctest.h>

#include <map>
#include <string>

#include "config/config.hpp"

using namespace ca;

namespace {

config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char *name) -> const char * {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

const config::EnvLookup kNoEnv = env_of({});

std::string error_of(std::string_view toml, const config::EnvLookup &env = kNoEnv) {
  auto r = config::parse(toml, "test.toml", env);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("defaults without a file") {
  auto c = config::from_env(kNoEnv);
  REQUIRE(c.ok());
  CHECK(c->server.listen == "127.0.0.1:9092");
  CHECK(c->server.max_calls == 1000);
  CHECK(c->server.uuid_timeout == 5.0);
  CHECK(c->server.max_audio_payload == 8192);
  CHECK(c->log.level == "info");
}

TEST_CASE("a file sets every kind of value") {
  auto c = config::parse(R"(
[server]
listen = "[::1]:9100"
threads = 2
max_calls = 50
uuid_timeout = 2.5
drain_timeout = 30
agent = "echo"

[log]
level = "debug"
)",
                         "test.toml", kNoEnv);
  REQUIRE(c.ok());
  CHECK(c->server.listen == "[::1]:9100");
  CHECK(c->server.threads == 2);
  CHECK(c->server.max_calls == 50);
  CHECK(c->server.uuid_timeout == 2.5);
  CHECK(c->server.drain_timeout == 30.0);  // an integer where a number is asked is fine
  CHECK(c->log.level == "debug");
}

TEST_CASE("errors name the file, the line and the key") {
  CHECK(error_of("[server]\nthreads = 2\nthredas = 3\n") == "test.toml:3: unknown key \"thredas\" in [server]");
  CHECK(error_of("\n\n[serve]\nx = 1\n") == "test.toml:3: unknown section [serve]");
  CHECK(error_of("[server]\nmax_calls = \"many\"\n") ==
        "test.toml:2: server.max_calls must be an integer from 1 to 1000000");
  CHECK(error_of("[server]\nmax_calls = 1.5\n") == "test.toml:2: server.max_calls must be an integer from 1 to 1000000");
  CHECK(error_of("[server]\n\nmax_calls = 0\n") == "test.toml:3: server.max_calls must be an integer from 1 to 1000000");
  CHECK(error_of("[server]\nlisten = \"localhost\"\n") == "test.toml:2: server.listen \"localhost\" is not HOST:PORT");
  CHECK(error_of("[server]\nlisten = \"h:99999\"\n") == "test.toml:2: server.listen \"h:99999\": port out of range");
  CHECK(error_of("[log]\nlevel = \"loud\"\n") ==
        "test.toml:2: log.level must be one of trace, debug, info, warn, error, off");
  CHECK(error_of("server = 3\n") == "test.toml:1: \"server\" must be a section [server]");
  // A TOML syntax error carries line and column.
  const std::string syntax = error_of("[server]\nthreads = = 2\n");
  CHECK(syntax.rfind("test.toml:2:", 0) == 0);
}

TEST_CASE("the environment overrides the file") {
  auto env = env_of({{"CALLAGENT_SERVER_MAX_CALLS", "7"},
                     {"CALLAGENT_SERVER_LISTEN", "0.0.0.0:9999"},
                     {"CALLAGENT_LOG_LEVEL", "warn"},
                     {"CALLAGENT_UNRELATED", "ignored"}});
  auto c = config::parse("[server]\nmax_calls = 50\n", "test.toml", env);
  REQUIRE(c.ok());
  CHECK(c->server.max_calls == 7);
  CHECK(c->server.listen == "0.0.0.0:9999");
  CHECK(c->log.level == "warn");
}

TEST_CASE("a bad environment value names the variable") {
  auto r = config::from_env(env_of({{"CALLAGENT_SERVER_THREADS", "lots"}}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "environment CALLAGENT_SERVER_THREADS=lots: server.threads must be an integer from 0 to 256");
}

TEST_CASE("host and port") {
  std::string host, err;
  uint16_t port = 0;
  CHECK(config::split_host_port("127.0.0.1:9092", host, port, err));
  CHECK(host == "127.0.0.1");
  CHECK(port == 9092);
  CHECK(config::split_host_port("[::1]:0", host, port, err));
  CHECK(host == "::1");
  CHECK(port == 0);
  CHECK_FALSE(config::split_host_port(":9092", host, port, err));
  CHECK_FALSE(config::split_host_port("::1:9092", host, port, err));
  CHECK_FALSE(config::split_host_port("host:", host, port, err));
  CHECK_FALSE(config::split_host_port("host:12a", host, port, err));
}

TEST_CASE("the key list covers every section") {
  auto keys = config::known_keys();
  CHECK(std::find(keys.begin(), keys.end(), "server.listen") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "log.level") != keys.end());
}

TEST_CASE("the [session] section: every kind of value, and what it becomes") {
  auto c = config::parse(R"(
[session]
language = "ru"
greeting_interruptible = true
end_of_turn_silence = 0.8
silence_prompts = 2
operator_digit = "#"
)",
                         "test.toml", kNoEnv);
  REQUIRE(c.ok());
  CHECK(c->session.language == "ru");
  CHECK(c->session.greeting_interruptible);
  CHECK(c->session.end_of_turn_silence == 0.8);
  CHECK(c->session.silence_prompts == 2);
  CHECK(c->session.operator_digit == "#");
  CHECK(error_of("[session]\ngreeting_interruptible = 1\n") == "test.toml:2: session.greeting_interruptible must be true or false");
  CHECK(error_of("[session]\noperator_digit = \"12\"\n") ==
        "test.toml:2: session.operator_digit must be one DTMF digit (0-9, *, #) as a string, or \"\" for none");
  CHECK(error_of("[session]\nend_of_turn_silence = 0\n").find("session.end_of_turn_silence must be a number") != std::string::npos);
  auto env = config::from_env(env_of({{"CALLAGENT_SESSION_GREETING_INTERRUPTIBLE", "true"}, {"CALLAGENT_SESSION_OPERATOR_DIGIT", ""}}));
  REQUIRE(env.ok());
  CHECK(env->session.greeting_interruptible);
  CHECK(env->session.operator_digit.empty());
}

TEST_CASE("plug-in sections: type, options as JSON, and the session's defaults") {
  auto c = config::parse(R"(
[session]
stt = "ears"
tts = "voice"
llm = "brain"
tools = ["shop", "kb"]

[llm.brain]
type = "rule_based"
language = "uk"
temperature = 0.5
retries = 2
strict = true
fallbacks = ["a", "b"]
limits = { tokens = 100 }
since = 2026-11-24

[stt.ears]
type = "pocketsphinx"
)",
                         "p.toml", kNoEnv);
  REQUIRE(c.ok());
  CHECK(c->session.stt == "ears");
  CHECK(c->session.tts == "voice");
  CHECK(c->session.llm == "brain");
  CHECK(c->session.tools == std::vector<std::string>{"shop", "kb"});
  REQUIRE(c->plugins.size() == 2);
  const auto &llm = c->plugins[0];
  CHECK(llm.kind == config::PluginSection::Kind::llm);
  CHECK(llm.name == "brain");
  CHECK(llm.type == "rule_based");
  CHECK(llm.where == "p.toml:8");
  CHECK(ca::json::dump(llm.options) ==  // toml++ keeps a table's keys sorted
        R"({"fallbacks":["a","b"],"language":"uk","limits":{"tokens":100},"retries":2,"since":"2026-11-24","strict":true,"temperature":0.5})");
  CHECK(c->plugins[1].kind == config::PluginSection::Kind::stt);
  CHECK(c->plugins[1].options.size() == 0);

  auto env = config::from_env(env_of({{"CALLAGENT_SESSION_TOOLS", "a,,b"}}));
  REQUIRE(env.ok());
  CHECK(env->session.tools == std::vector<std::string>{"a", "b"});
}

TEST_CASE("plug-in sections: what is refused") {
  auto err = [](const char *text) {
    auto c = config::parse(text, "p.toml", kNoEnv);
    REQUIRE_FALSE(c.ok());
    return c.error().message;
  };
  CHECK(err("[llm.x]\nmodel = 1\n") == "p.toml:1: [llm.x] needs type = \"...\" (the kind of llm to build)");
  CHECK(err("[llm.x]\ntype = \"\"\n").find("needs type") != std::string::npos);
  CHECK(err("[llm]\nx = 1\n") == "p.toml:2: \"x\" in [llm] must be a section [llm.x]");
  CHECK(err("llm = 3\n").find("must hold sections [llm.NAME]") != std::string::npos);
  CHECK(err("[tts.\"a b\"]\ntype = \"t\"\n").find("a name is 1-64 letters") != std::string::npos);
  CHECK(err("[session]\ntools = \"shop\"\n").find("session.tools must be an array of strings") != std::string::npos);
  CHECK(err("[session]\ntools = [1]\n").find("must be an array of strings") != std::string::npos);
}
