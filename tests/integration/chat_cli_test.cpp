// `callagent chat` as a process: a piped conversation with the offline agent reaches the tools a
// caller's requests need, in order, and ends at the transfer; and the same with a network LLM
// from the configuration (Anthropic, OpenAI-compatible) against the local vendor servers, with the
// tyre shop's tools on a temporary store.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "support/anthropic_server.hpp"
#include "support/openai_server.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;

struct Run {
  int status = -1;
  std::string out;
};

// `env`: VAR=value assignments for the child only.
Run chat(const std::string &input, const std::string &options, const std::string &env = "") {
  ca::test::TempDir dir;
  const std::string in = dir.file("input.txt");
  std::ofstream(in) << input;
  const std::string cmd =
      (env.empty() ? "" : env + " ") + kCli + " chat " + options + " --work-dir " + dir.path().string() + " < " + in + " 2>&1";
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

// The text after `marker` up to the end of its line; "" if absent.
std::string line_after(const std::string &out, const std::string &marker) {
  const size_t at = out.find(marker);
  if (at == std::string::npos) return {};
  const size_t start = at + marker.size();
  return out.substr(start, out.find('\n', start) - start);
}

std::string canonical(const std::string &json_text) {
  auto v = ca::json::parse(json_text);
  return v ? ca::json::dump(*v, {.sort_keys = true}) : "not JSON: " + json_text;
}

constexpr const char *kKeyVariable = "CALLAGENT_CHAT_TEST_KEY";
constexpr const char *kKey = "sk-chat-test-0123456789abcdef";
const std::string kSearchArgs = R"({"width": 205, "profile": 55, "diameter": 16, "season": "winter"})";
const std::string kAnswer = "Є зимові шини двісті п'ять на п'ятдесят п'ять шістнадцять.";

// A configuration with one network LLM and the tyre shop's tools on a store in `dir`.
std::string write_config(const ca::test::TempDir &dir, const std::string &llm_section) {
  const std::string path = dir.file("chat.toml");
  std::ofstream(path) << "[session]\nlanguage = \"uk\"\nllm = \"claude\"\n\n"
                      << llm_section << "api_key_env = \"" << kKeyVariable << "\"\nretries = 0\n\n"
                      << "[tools.shop]\ntype = \"tyre_shop\"\nstore = \"" << dir.file("store.db") << "\"\n";
  return path;
}

// What a two-round chat printed: the tool call, the store's result, the answer.
void check_printed(const Run &r) {
  CHECK(r.status == 0);
  CHECK(r.out.find("you: Маєте зимові шини 205/55 R16?") != std::string::npos);
  const std::string call = line_after(r.out, "  tool: search_tires ");
  CHECK(canonical(call) == canonical(kSearchArgs));
  const std::string result = line_after(r.out, "    -> ");
  auto parsed = ca::json::parse(result);
  REQUIRE(parsed);
  REQUIRE((*parsed)["items"].size() > 0);
  for (const auto &item : (*parsed)["items"].items()) {
    CHECK(item["size"].str().starts_with("205/55 R16"));
    CHECK(item["season"].str() == "winter");
  }
  CHECK(line_after(r.out, "bot: ") == kAnswer);
  CHECK(r.out.find("[llm] error") == std::string::npos);
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

TEST_CASE("chat with an Anthropic LLM from the configuration: a tool round on the tyre shop, then the answer") {
  ca::test::AnthropicServer server;
  ca::test::LlmScript round1;
  round1.tool_calls = {{"toolu_01", "search_tires", {R"({"width": 205, "prof)", R"(ile": 55, "diameter": 16, )", R"("season": "winter"})"}}};
  ca::test::LlmScript round2;
  round2.text = {"Є зимові шини двісті п'ять ", "на п'ятдесят п'ять шістнадцять."};
  server.push_stream(round1);
  server.push_stream(round2);
  ca::test::TempDir dir;
  const std::string config =
      write_config(dir, "[llm.claude]\ntype = \"anthropic\"\nbase_url = \"" + server.base_url() + "\"\n");

  const Run r = chat("Маєте зимові шини 205/55 R16?\n", "--config " + config, std::string(kKeyVariable) + "=" + kKey);
  INFO(r.out);
  check_printed(r);

  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  for (const auto &q : reqs) {
    CHECK(q.path == "/v1/messages");
    CHECK(q.header_value("x-api-key") == kKey);
    CHECK_FALSE(q.header_value("anthropic-version").empty());
  }
  // The tool schema went with the request.
  const ca::json::Value first = server.request_json(0);
  const ca::json::Value *search = nullptr;
  for (const auto &t : first["tools"].items())
    if (t["name"].str() == "search_tires") search = &t;
  REQUIRE(search != nullptr);
  CHECK_FALSE((*search)["description"].str().empty());
  CHECK((*search)["input_schema"]["type"].str() == "object");
  CHECK((*search)["input_schema"]["properties"].contains("width"));
  CHECK(first["messages"].items().at(0)["content"].str() == "Маєте зимові шини 205/55 R16?");
  // The second round carries the tool_use and, first in the next user message, its result.
  const ca::json::Value second = server.request_json(1);
  const auto &m = second["messages"].items();
  REQUIRE(m.size() == 3);
  const ca::json::Value &use = m[1]["content"].items().at(0);
  CHECK(use["type"].str() == "tool_use");
  CHECK(use["id"].str() == "toolu_01");
  CHECK(canonical(ca::json::dump(use["input"])) == canonical(kSearchArgs));
  const ca::json::Value &result = m[2]["content"].items().at(0);
  CHECK(result["type"].str() == "tool_result");
  CHECK(result["tool_use_id"].str() == "toolu_01");
  CHECK(canonical(std::string(result["content"].str())) == canonical(line_after(r.out, "    -> ")));
  // The key never reaches the terminal.
  CHECK(r.out.find(kKey) == std::string::npos);
}

TEST_CASE("chat with an OpenAI-compatible LLM from the configuration: a tool round on the tyre shop, then the answer") {
  ca::test::OpenAIServer server;
  ca::test::LlmScript round1;
  round1.tool_calls = {{"call_01", "search_tires", {R"({"width": 205, "prof)", R"(ile": 55, "diameter": 16, )", R"("season": "winter"})"}}};
  ca::test::LlmScript round2;
  round2.text = {"Є зимові шини двісті п'ять ", "на п'ятдесят п'ять шістнадцять."};
  server.push_stream(round1);
  server.push_stream(round2);
  ca::test::TempDir dir;
  const std::string config = write_config(
      dir, "[llm.claude]\ntype = \"openai\"\nmodel = \"test-model\"\nbase_url = \"" + server.base_url() + "\"\n");

  const Run r = chat("Маєте зимові шини 205/55 R16?\n", "--config " + config, std::string(kKeyVariable) + "=" + kKey);
  INFO(r.out);
  check_printed(r);

  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  for (const auto &q : reqs) {
    CHECK(q.path == "/v1/chat/completions");
    CHECK(q.header_value("Authorization") == std::string("Bearer ") + kKey);
  }
  const ca::json::Value first = server.request_json(0);
  CHECK(first["model"].str() == "test-model");
  CHECK(first["stream"].as_bool());
  const ca::json::Value *search = nullptr;
  for (const auto &t : first["tools"].items())
    if (t["function"]["name"].str() == "search_tires") search = &t;
  REQUIRE(search != nullptr);
  CHECK((*search)["type"].str() == "function");
  CHECK((*search)["function"]["parameters"]["properties"].contains("width"));
  // The second round: the assistant's tool call, then the tool message answering it.
  const ca::json::Value second = server.request_json(1);
  const auto &m = second["messages"].items();
  REQUIRE(m.size() >= 3);
  const ca::json::Value &asked = m[m.size() - 2];
  CHECK(asked["role"].str() == "assistant");
  REQUIRE(asked["tool_calls"].size() == 1);
  CHECK(asked["tool_calls"].items()[0]["id"].str() == "call_01");
  CHECK(asked["tool_calls"].items()[0]["function"]["name"].str() == "search_tires");
  CHECK(canonical(std::string(asked["tool_calls"].items()[0]["function"]["arguments"].str())) == canonical(kSearchArgs));
  const ca::json::Value &answered = m.back();
  CHECK(answered["role"].str() == "tool");
  CHECK(answered["tool_call_id"].str() == "call_01");
  CHECK(canonical(std::string(answered["content"].str())) == canonical(line_after(r.out, "    -> ")));
  CHECK(r.out.find(kKey) == std::string::npos);
}
