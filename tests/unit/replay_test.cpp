// A recorded call replays bit-exactly; a changed recording does not.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <sys/wait.h>

#include "session/replay.hpp"
#include "testkit/testkit.hpp"

using namespace ca;
using namespace ca::testkit;

namespace {

// A call with everything in it: greeting, a tool round, a barge-in, echo, DTMF, a hangup.
SimResult record_call() {
  session::SessionConfig cfg;
  cfg.call_id = "replay-call";
  cfg.request_id_base = 7ull << 32;  // else each session takes a fresh range, and the files differ in it
  cfg.language = "uk";
  cfg.greeting = "Добрий день, шинний магазин.";
  CallerScript caller;
  caller.echo = true;
  caller.echo_db = -12;
  caller.echo_delay = millis(120);
  CallerScript::Speech a, b;
  a.at = seconds(3);
  a.duration = millis(1400);
  a.text = "потрібні зимові шини";
  b.at = millis(9300);
  b.duration = millis(1200);
  b.text = "ні стоп літні";
  caller.speech = {a, b};
  caller.dtmf = {{seconds(14), '5'}};
  caller.hangup_at = seconds(20);
  CallSimulator sim(cfg, caller);
  sim.set_recording(true);
  auto &s = sim.scheduler();
  LlmReply r1;
  r1.text = "Зараз перевірю.";
  r1.tool_calls = {{"c1", "search_tyres", R"({"season":"winter"})"}};
  LlmReply r2;
  r2.text = "Є Nokian та Michelin, розмір двісті п'ять п'ятдесят п'ять R шістнадцять, ціна від чотирьох тисяч гривень.";
  LlmReply r3;
  r3.text = "Добре, літні.";
  sim.providers().stt = std::make_shared<ScriptedStt>(s, sim.transcript_source(), ScriptedStt::Options{});
  sim.providers().llm = std::make_shared<ScriptedLlm>(s, std::vector<LlmReply>{r1, r2, r3});
  ScriptedTts::Options to;
  to.sample_rate = 16000;  // the session resamples: replay must reproduce that too
  sim.providers().tts = std::make_shared<ScriptedTts>(s, to);
  providers::ToolSpec spec;
  spec.name = "search_tyres";
  sim.providers().tools.push_back(std::make_shared<ScriptedTool>(s, spec, R"({"items":2})", millis(400)));
  return sim.run(seconds(25));
}

}  // namespace

TEST_CASE("a recorded call replays bit-exactly") {
  SimResult live = record_call();
  REQUIRE(live.recording.size() > 1000);
  REQUIRE(live.first(session::Event::Type::barge_in_committed) != nullptr);
  REQUIRE(live.first(session::Event::Type::tool_finished) != nullptr);
  auto r = session::replay(live.recording);
  REQUIRE(r.ok());
  CHECK(r->identical());
  CHECK(r->recorded_hash != 0);
  CHECK(r->events == live.events.size());
  CHECK(r->frames_pulled == live.outbound.size() / 160);
  CHECK(r->final_state == "ended");
  // The same call recorded twice gives the same file: nothing depends on the wall clock.
  CHECK(record_call().recording == live.recording);
}

TEST_CASE("sessions never share request ids, and a replay asks for the recorded ones") {
  session::SessionConfig a, b;
  session::Session one(a, {}, [](const session::Event &) {});
  session::Session two(b, {}, [](const session::Event &) {});
  CHECK(one.config().request_id_base != 0);
  CHECK(two.config().request_id_base != one.config().request_id_base);
  CHECK((one.config().request_id_base & 0xffffffffu) == 0);
}

TEST_CASE("a changed recording does not replay identically") {
  SimResult live = record_call();
  auto bytes = live.recording;
  // Change one letter of what the LLM said: the speech, the events and the hash all follow it.
  const std::string needle = "Nokian";
  auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  REQUIRE(at != bytes.end());
  *(at + 5) = 'm';
  auto r = session::replay(bytes);
  REQUIRE(r.ok());
  CHECK_FALSE(r->identical());
}

TEST_CASE("bad replay files are refused with a reason") {
  SimResult live = record_call();
  auto truncated = std::vector<uint8_t>(live.recording.begin(), live.recording.begin() + live.recording.size() / 3);
  auto r = session::replay(truncated);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("replay file:", 0) == 0);
  auto garbage = std::vector<uint8_t>(100, 7);
  CHECK_FALSE(session::replay(garbage).ok());
  auto other_version = live.recording;
  other_version[8] = 99;
  auto v = session::replay(other_version);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().message.find("version 99") != std::string::npos);
}

TEST_CASE("replay_file reads what a session wrote") {
  SimResult live = record_call();
  const std::string path = "/tmp/callagent-replay-test-" + std::to_string(::getpid()) + ".careplay";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(live.recording.data()),
                                              static_cast<std::streamsize>(live.recording.size()));
  auto r = session::replay_file(path);
  std::remove(path.c_str());
  REQUIRE(r.ok());
  CHECK(r->identical());
}

TEST_CASE("callagent replay checks a recording from the command line") {
  SimResult live = record_call();
  const std::string path = "/tmp/callagent-replay-cli-" + std::to_string(::getpid()) + ".careplay";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(live.recording.data()),
                                              static_cast<std::streamsize>(live.recording.size()));
  const std::string cmd = std::string(CALLAGENT_CLI_PATH) + " replay " + path;
  FILE *p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = ::pclose(p);
  std::remove(path.c_str());
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.find("identical") != std::string::npos);
  CHECK(out.find("final state ended") != std::string::npos);
}
