// The call session on the virtual clock, through the test kit: every behaviour with exact timings.
#include <doctest/doctest.h>

#include <algorithm>

#include "session/phrases.hpp"
#include "testkit/testkit.hpp"

using namespace ca;
using namespace ca::testkit;
using session::Event;
using session::State;
using T = Event::Type;

namespace {

session::SessionConfig base_config() {
  session::SessionConfig c;
  c.call_id = "test-call";
  c.caller_number = "+380501234567";
  c.language = "en";
  c.greeting = "Hello, tyre shop.";  // 17 characters: about a second of speech
  c.system_prompt = "You are a test.";
  return c;
}

// A simulator with scripted providers; the test adjusts them before run().
struct Rig {
  CallSimulator sim;
  std::shared_ptr<ScriptedStt> stt;
  std::shared_ptr<ScriptedLlm> llm;
  std::shared_ptr<ScriptedTts> tts;
  std::vector<std::shared_ptr<ScriptedTool>> tools;

  Rig(session::SessionConfig cfg, CallerScript script, std::vector<LlmReply> replies,
      ScriptedStt::Options so = {}, ScriptedTts::Options to = {})
      : sim(std::move(cfg), std::move(script)) {
    stt = std::make_shared<ScriptedStt>(sim.scheduler(), sim.transcript_source(), so);
    llm = std::make_shared<ScriptedLlm>(sim.scheduler(), std::move(replies));
    tts = std::make_shared<ScriptedTts>(sim.scheduler(), to);
    sim.providers().stt = stt;
    sim.providers().llm = llm;
    sim.providers().tts = tts;
  }
  std::shared_ptr<ScriptedTool> add_tool(const std::string &name, const std::string &result, Nanos latency,
                                         bool side_effecting = false, std::string wait_phrase = {},
                                         providers::ToolResult::Action action = providers::ToolResult::Action::none) {
    providers::ToolSpec spec;
    spec.name = name;
    spec.description = "test tool " + name;
    spec.side_effecting = side_effecting;
    spec.wait_phrase = std::move(wait_phrase);
    auto t = std::make_shared<ScriptedTool>(sim.scheduler(), spec, result, latency, action);
    tools.push_back(t);
    sim.providers().tools.push_back(t);
    return t;
  }
  SimResult run(Nanos until) {
    SimResult r = sim.run(until);
    CHECK(r.stuck_deadlines == 0);
    return r;
  }
};

CallerScript::Speech say(Nanos at, Nanos duration, std::string text, double level = -18) {
  CallerScript::Speech s;
  s.at = at;
  s.duration = duration;
  s.text = std::move(text);
  s.level_dbfs = level;
  return s;
}

LlmReply reply(std::string text, Nanos first_token = millis(400)) {
  LlmReply r;
  r.text = std::move(text);
  r.first_token = first_token;
  return r;
}

// Bot audio heard in [from, to).
bool bot_audio_between(const SimResult &r, Nanos from, Nanos to) {
  for (const auto &[a, b] : r.bot_audio_spans(8000)) {
    if (a < to && b > from) return true;
  }
  return false;
}

std::vector<State> states(const SimResult &r) {
  std::vector<State> s;
  for (const auto *e : r.all(T::state_changed)) s.push_back(e->event.state);
  return s;
}

const std::vector<agent::Message> &history(Rig &rig) { return rig.sim.session()->conversation().messages(); }

}  // namespace

TEST_CASE("greeting, then listening with frames on every tick") {
  Rig rig(base_config(), {}, {});
  auto r = rig.run(seconds(5));
  REQUIRE(rig.tts->texts().size() >= 1);
  CHECK(rig.tts->texts()[0] == "Hello, tyre shop.");
  const auto spans = r.bot_audio_spans(8000);
  REQUIRE(!spans.empty());
  // First audio once the TTS answers (150 ms) and the next frame is pulled.
  CHECK(spans[0].first == millis(160));
  const Nanos speech = ScriptedTts::duration_of("Hello, tyre shop.", 60);
  CHECK(spans[0].second - spans[0].first >= speech);
  CHECK(spans[0].second - spans[0].first <= speech + millis(40));
  CHECK(states(r) == std::vector<State>{State::greeting, State::listening});
  // No dead air: one frame per 20 ms, every one of them.
  CHECK(r.outbound.size() == static_cast<size_t>(seconds(5) / millis(20)) * 160);
}

TEST_CASE("a two-turn dialogue with a tool call") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1500), "do you have winter tyres 205/55 R16"),
                   say(seconds(12), millis(800), "thank you")};
  LlmReply first;
  first.text = "Let me check.";
  first.tool_calls = {{"c1", "search_tyres", R"({"size": "205/55 R16", "season": "winter"})"}};
  LlmReply second = reply("We have Nokian Hakkapeliitta at 4200 hryvnias.");
  LlmReply third = reply("You are welcome, goodbye.");
  Rig rig(base_config(), caller, {first, second, third});
  auto tool = rig.add_tool("search_tyres", R"({"items":[{"brand":"Nokian","price":4200}]})", millis(300));
  auto r = rig.run(seconds(20));

  const auto turns = r.all(T::caller_turn);
  REQUIRE(turns.size() == 2);
  CHECK(turns[0]->event.text == "do you have winter tyres 205/55 R16");
  CHECK(turns[1]->event.text == "thank you");
  // The turn ends after 600 ms of silence with a final: speech ended at 3.5 s.
  CHECK(turns[0]->at >= seconds(2) + millis(1500) + millis(600));
  CHECK(turns[0]->at <= seconds(2) + millis(1500) + millis(700));

  REQUIRE(tool->invocations().size() == 1);
  CHECK(tool->invocations()[0].arguments == R"({"size": "205/55 R16", "season": "winter"})");
  const std::string key = tool->invocations()[0].idempotency_key;
  CHECK(key.rfind("test-call:search_tyres:", 0) == 0);
  CHECK(key.size() == std::string("test-call:search_tyres:").size() + 16);
  REQUIRE(rig.llm->requests().size() == 3);
  // The second round sees the call and its result, in order.
  const auto &m2 = rig.llm->requests()[1].messages;
  REQUIRE(m2.size() == 3);
  CHECK(m2[0].role == agent::Role::user);
  CHECK(m2[1].role == agent::Role::assistant);
  CHECK(m2[1].tool_calls.size() == 1);
  CHECK(m2[2].role == agent::Role::tool);
  CHECK(m2[2].tool_call_id == "c1");
  CHECK(m2[2].text == R"({"items":[{"brand":"Nokian","price":4200}]})");
  CHECK(rig.llm->requests()[0].tools.size() == 1);

  const auto &h = history(rig);
  REQUIRE(h.size() == 6);
  CHECK(h[3].text == "We have Nokian Hakkapeliitta at 4200 hryvnias.");
  CHECK(h[4].text == "thank you");
  CHECK(h[5].text == "You are welcome, goodbye.");
  CHECK(bot_audio_between(r, seconds(4), seconds(9)));
  const auto timelines = r.all(T::turn_timeline);
  REQUIRE(timelines.size() == 2);
  const auto &tl = timelines[0]->event.timeline;
  CHECK(tl.speech_end <= tl.stt_final);
  CHECK(tl.stt_final <= tl.llm_request);
  CHECK(tl.llm_request < tl.llm_first_token);
  CHECK(tl.first_clause >= tl.llm_first_token);
  CHECK(tl.tts_first_audio > tl.first_clause);
  CHECK(tl.first_frame_ready >= tl.tts_first_audio);
  CHECK(r.final_state == State::listening);
  // What the providers bill on: the three rounds' tokens as the LLM reported them, the caller's
  // audio sent to the recogniser, the characters sent for synthesis.
  const session::SessionStats &st = rig.sim.session()->stats();
  CHECK(st.llm_output_tokens == (3 + 1) + 6 + 5);  // "Let me check." and its tool call; 6 words; 5 words
  CHECK(st.llm_input_tokens > 0);
  CHECK(st.stt_audio_ms >= 1500 + 800);
  CHECK(st.stt_audio_ms <= 1500 + 800 + 2 * (300 + 1000));  // pre-roll and trailing silence, at most
  size_t chars = 0;
  for (const auto &text : rig.tts->texts()) chars += text.size();  // ASCII here
  CHECK(st.tts_characters == chars);
}

TEST_CASE("barge-in: mutes within a frame of the decision, commits on words, keeps what was heard") {
  // A long reply; the caller talks over it with words.
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "what sizes"), say(millis(5200), millis(1200), "stop I want summer tyres")};
  const std::string long_reply =
      "We have many sizes in stock. Thirteen inch to twenty two inch, all seasons. Winter tyres are on sale this "
      "month. Would you like me to list the brands?";
  Rig rig(base_config(), caller, {reply(long_reply), reply("Summer tyres, of course.")});
  auto r = rig.run(seconds(12));

  const auto *muted = r.first(T::barge_in_muted, seconds(5));
  const auto *committed = r.first(T::barge_in_committed, seconds(5));
  REQUIRE(muted != nullptr);
  REQUIRE(committed != nullptr);
  // Speech starts at 5.2 s; voiced for 80 ms it mutes at the frame that makes 80 ms.
  CHECK(muted->at >= millis(5200) + millis(80) - millis(20));
  CHECK(muted->at <= millis(5200) + millis(80) + millis(40));
  // Outbound audio stops at the next frame.
  CHECK_FALSE(bot_audio_between(r, muted->at + millis(20), committed->at));
  // Words arrive with the first interim (300 ms after the stream opened).
  CHECK(committed->at <= millis(5200) + millis(400));
  // The history keeps what was heard: a prefix of the reply, not all of it.
  const auto &h = history(rig);
  REQUIRE(h.size() >= 2);
  CHECK(h[1].role == agent::Role::assistant);
  CHECK_FALSE(h[1].text.empty());
  CHECK(h[1].text.size() < long_reply.size());
  CHECK(long_reply.rfind(h[1].text, 0) == 0);
  // The interruption becomes the next turn.
  const auto turns = r.all(T::caller_turn);
  REQUIRE(turns.size() == 2);
  CHECK(turns[1]->event.text == "stop I want summer tyres");
  // Queued audio was dropped: nothing plays until the answer to the interruption.
  const auto *next = r.first(T::bot_clause, committed->at);
  REQUIRE(next != nullptr);
  CHECK(next->event.text == "Summer tyres, of course.");
  CHECK_FALSE(bot_audio_between(r, committed->at + millis(20), next->at));
}

TEST_CASE("a cough over the bot mutes it, and the interrupted clause resumes") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "what sizes"), say(millis(5000), millis(150), "")};
  const std::string long_reply = "We have many sizes in stock, from thirteen to twenty two inch, for every season of the year.";
  Rig rig(base_config(), caller, {reply(long_reply)});
  auto r = rig.run(seconds(14));
  const auto *muted = r.first(T::barge_in_muted, seconds(5));
  REQUIRE(muted != nullptr);
  const auto *resumed = r.first(T::barge_in_resumed, muted->at);
  REQUIRE(resumed != nullptr);
  CHECK(r.first(T::barge_in_committed) == nullptr);
  CHECK(bot_audio_between(r, resumed->at, resumed->at + millis(500)));
  // Nothing was lost: the whole reply was heard.
  CHECK(history(rig)[1].text == long_reply);
  CHECK(r.all(T::caller_turn).size() == 1);
}

TEST_CASE("a backchannel does not interrupt") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "what sizes"), say(millis(5000), millis(500), "uh-huh")};
  const std::string long_reply = "We have many sizes in stock, from thirteen to twenty two inch, for every season of the year.";
  Rig rig(base_config(), caller, {reply(long_reply)});
  auto r = rig.run(seconds(14));
  CHECK(r.first(T::barge_in_committed) == nullptr);
  CHECK(history(rig)[1].text == long_reply);
  CHECK(r.all(T::caller_turn).size() == 1);
}

TEST_CASE("the bot's own echo does not barge in; real talk-over with echo does") {
  const std::string long_reply = "We have many sizes in stock, from thirteen to twenty two inch, for every season of the year.";
  for (Nanos delay : {millis(20), millis(120), millis(250)}) {
    CAPTURE(delay);
    CallerScript caller;
    caller.echo = true;
    caller.echo_db = -12;
    caller.echo_delay = delay;
    caller.speech = {say(seconds(2), millis(1000), "what sizes")};
    Rig rig(base_config(), caller, {reply(long_reply)});
    auto r = rig.run(seconds(12));
    CHECK(r.first(T::barge_in_muted) == nullptr);
    CHECK(r.first(T::barge_in_committed) == nullptr);
    CHECK(history(rig)[1].text == long_reply);

    CallerScript over = caller;
    over.speech.push_back(say(millis(5200), millis(1200), "no stop"));
    Rig rig2(base_config(), over, {reply(long_reply), reply("OK.")});
    auto r2 = rig2.run(seconds(12));
    CHECK(r2.first(T::barge_in_committed) != nullptr);
  }
}

TEST_CASE("the silence ladder: re-prompt, are you there, farewell and hang up") {
  auto cfg = base_config();
  cfg.silence_timeout = seconds(10);
  Rig rig(cfg, {}, {});
  auto r = rig.run(seconds(60));
  const auto &p = session::default_phrases("en");
  const auto clauses = r.all(T::bot_clause);
  REQUIRE(clauses.size() == 4);
  CHECK(clauses[1]->event.text == p.reprompt);
  CHECK(clauses[2]->event.text == p.still_there);
  CHECK(clauses[3]->event.text == p.farewell);
  // Each prompt comes 10 s after the bot last stopped talking.
  const auto spans = r.bot_audio_spans(8000);
  REQUIRE(spans.size() == 4);
  CHECK(clauses[1]->at - spans[0].second >= seconds(10) - millis(20));
  CHECK(clauses[1]->at - spans[0].second <= seconds(10) + millis(20));
  CHECK(clauses[2]->at - spans[1].second >= seconds(10) - millis(20));
  CHECK(clauses[2]->at - spans[1].second <= seconds(10) + millis(20));
  const auto *hangup = r.first(T::hangup_requested);
  REQUIRE(hangup != nullptr);
  CHECK(hangup->event.text == "silence");
  CHECK(hangup->at >= spans[3].second);
  CHECK(r.final_state == State::ended);
}

TEST_CASE("speech resets the silence ladder") {
  auto cfg = base_config();
  cfg.silence_timeout = seconds(10);
  CallerScript caller;
  caller.speech = {say(seconds(8), millis(800), "hello")};
  Rig rig(cfg, caller, {reply("Hi.")});
  auto r = rig.run(seconds(15));
  // The reply ends near 10 s; no prompt before 20 s.
  CHECK(r.all(T::bot_clause).size() == 2);
}

TEST_CASE("the silence ladder waits for a slow recogniser, and counts from the caller's last word") {
  auto cfg = base_config();
  cfg.silence_timeout = seconds(10);
  cfg.stt_timeout = seconds(8);
  // A long utterance that ends 9 s after the greeting, and a recogniser that takes 3 s for it:
  // the line was silent for 3 s, not 12, when its words arrive.
  CallerScript caller;
  caller.speech = {say(seconds(4), seconds(8), "I need winter tyres for my car and I would like them fitted")};
  ScriptedStt::Options so;
  so.final_latency = seconds(3);
  Rig rig(cfg, caller, {reply("Sure.")}, so);
  auto r = rig.run(seconds(20));
  const auto clauses = r.all(T::bot_clause);
  REQUIRE(clauses.size() == 2);  // the greeting and the answer, no prompt between
  CHECK(clauses[1]->event.text == "Sure.");
  const auto *turn = r.first(T::caller_turn);
  REQUIRE(turn != nullptr);
  CHECK(turn->at >= seconds(12) + seconds(3) - millis(20));
}

TEST_CASE("maximum call duration ends the call with a farewell") {
  auto cfg = base_config();
  cfg.max_duration = seconds(30);
  cfg.silence_timeout = seconds(100);
  Rig rig(cfg, {}, {});
  auto r = rig.run(seconds(60));
  const auto *hangup = r.first(T::hangup_requested);
  REQUIRE(hangup != nullptr);
  CHECK(hangup->event.text == "max_duration");
  const auto clauses = r.all(T::bot_clause);
  CHECK(clauses.back()->event.text == session::default_phrases("en").max_duration_farewell);
  CHECK(clauses.back()->at == seconds(30));
}

TEST_CASE("a filler when nothing is ready 600 ms after the turn") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  Rig rig(base_config(), caller, {reply("Hello there.", millis(2500))});
  auto r = rig.run(seconds(10));
  const auto *turn = r.first(T::caller_turn);
  const auto *filler = r.first(T::filler);
  REQUIRE(turn != nullptr);
  REQUIRE(filler != nullptr);
  CHECK(filler->at == turn->at + millis(600));
  CHECK(rig.sim.session()->stats().fillers == 1);
}

TEST_CASE("no filler when the reply is quick") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  Rig rig(base_config(), caller, {reply("Hello there.", millis(200))});
  auto r = rig.run(seconds(8));
  CHECK(r.first(T::filler) == nullptr);
}

TEST_CASE("a tool's wait phrase is said while it runs") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "book me")};
  LlmReply first;
  first.tool_calls = {{"c1", "book_fitting", R"({"station":1})"}};
  Rig rig(base_config(), caller, {first, reply("Booked.")});
  rig.add_tool("book_fitting", R"({"ok":true})", seconds(3), true, "One moment, booking.");
  auto r = rig.run(seconds(12));
  const auto clauses = r.all(T::bot_clause);
  REQUIRE(clauses.size() >= 3);
  CHECK(clauses[1]->event.text == "One moment, booking.");
  CHECK(clauses[2]->event.text == "Booked.");
  // Not at once: the phrase takes the filler's place, 600 ms after the turn.
  const auto *turn = r.first(T::caller_turn);
  REQUIRE(turn != nullptr);
  CHECK(clauses[1]->at == turn->at + base_config().filler_delay);
  CHECK(r.first(T::filler) == nullptr);
}

TEST_CASE("a tool that answers within the filler delay gets no wait phrase") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "book me")};
  LlmReply first;
  first.first_token = millis(50);
  first.tool_calls = {{"c1", "book_fitting", R"({"station":1})"}};
  Rig rig(base_config(), caller, {first, reply("Booked.", millis(50))});
  rig.add_tool("book_fitting", R"({"ok":true})", millis(200), true, "One moment, booking.");
  auto r = rig.run(seconds(8));
  const auto clauses = r.all(T::bot_clause);
  REQUIRE(clauses.size() == 2);
  CHECK(clauses[1]->event.text == "Booked.");
  CHECK(r.first(T::filler) == nullptr);
}

TEST_CASE("identical tool calls in one round run once") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "order")};
  LlmReply first;
  first.tool_calls = {{"a", "create_order", R"({"sku": "X1", "qty": 4})"},
                      {"b", "create_order", R"({"sku":"X1","qty":4})"},
                      {"c", "check", R"({})"}};
  Rig rig(base_config(), caller, {first, reply("Done.")});
  auto order = rig.add_tool("create_order", R"({"order":7})", millis(200), true);
  auto check = rig.add_tool("check", R"({"fine":true})", millis(100));
  auto r = rig.run(seconds(10));
  CHECK(order->invocations().size() == 1);
  CHECK(check->invocations().size() == 1);
  // Spacing aside, the same arguments give the same key; other arguments another one.
  CHECK(order->invocations()[0].idempotency_key != check->invocations()[0].idempotency_key);
  // Every call gets its result, in call order.
  const auto &m = rig.llm->requests().at(1).messages;
  REQUIRE(m.size() == 5);
  CHECK(m[2].tool_call_id == "a");
  CHECK(m[3].tool_call_id == "b");
  CHECK(m[3].text == R"({"order":7})");
  CHECK(m[4].tool_call_id == "c");
}

TEST_CASE("DTMF: digits are events; the operator digit transfers") {
  CallerScript caller;
  caller.dtmf = {{seconds(2), '5'}, {seconds(3), '0'}};
  caller.transfer_results = {true};
  Rig rig(base_config(), caller, {});
  auto r = rig.run(seconds(15));
  const auto digits = r.all(T::dtmf);
  REQUIRE(digits.size() == 2);
  CHECK(digits[0]->event.text == "5");
  const auto *transfer = r.first(T::transfer_requested);
  REQUIRE(transfer != nullptr);
  CHECK(transfer->event.text == "dtmf");
  CHECK(r.all(T::bot_clause).back()->event.text == session::default_phrases("en").transfer);
  // The request goes out once the transfer phrase has been said.
  const auto spans = r.bot_audio_spans(8000);
  CHECK(transfer->at >= spans.back().second);
  CHECK(r.final_state == State::ended);
  CHECK(r.first(T::hangup_requested)->event.text == "transferred");
}

TEST_CASE("a failed transfer is told to the caller and the call goes on") {
  CallerScript caller;
  caller.dtmf = {{seconds(2), '0'}};
  caller.transfer_results = {false};
  Rig rig(base_config(), caller, {});
  auto r = rig.run(seconds(20));
  REQUIRE(r.first(T::transfer_requested) != nullptr);
  const auto clauses = r.all(T::bot_clause);
  CHECK(clauses.back()->event.text == session::default_phrases("en").transfer_failed);
  CHECK(r.final_state == State::listening);
}

TEST_CASE("a transfer tool ends the reply with the transfer") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "operator please")};
  caller.transfer_results = {true};
  LlmReply first;
  first.tool_calls = {{"t", "transfer_to_operator", R"({"reason":"caller asked"})"}};
  Rig rig(base_config(), caller, {first});
  rig.add_tool("transfer_to_operator", R"({"status":"transferring"})", millis(100), true, {},
               providers::ToolResult::Action::transfer);
  auto r = rig.run(seconds(12));
  const auto *transfer = r.first(T::transfer_requested);
  REQUIRE(transfer != nullptr);
  CHECK(transfer->event.detail.find("operator please") != std::string::npos);
  CHECK(rig.llm->requests().size() == 1);
}

TEST_CASE("an LLM that never answers gives the fallback after the timeout") {
  auto cfg = base_config();
  cfg.llm_timeout = seconds(5);
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  LlmReply stuck;
  stuck.first_token = seconds(100);
  Rig rig(cfg, caller, {stuck});
  auto r = rig.run(seconds(15));
  const auto *turn = r.first(T::caller_turn);
  REQUIRE(turn != nullptr);
  const auto *err = r.first(T::error);
  REQUIRE(err != nullptr);
  CHECK(err->event.text == "llm: timeout");
  // Five seconds after the request, which went out early, before the turn was committed.
  CHECK(err->at <= turn->at + seconds(5));
  CHECK(err->at >= turn->at + seconds(5) - millis(400));
  bool fallback = false;
  for (const auto *c : r.all(T::bot_clause)) fallback |= c->event.text == session::default_phrases("en").not_heard;
  CHECK(fallback);
}

TEST_CASE("a tool that times out returns an error result to the LLM") {
  auto cfg = base_config();
  cfg.tool_timeout = seconds(2);
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "status of order 5")};
  LlmReply first;
  first.tool_calls = {{"c1", "order_status", R"({"id":5})"}};
  Rig rig(cfg, caller, {first, reply("Sorry, the service does not answer.")});
  rig.add_tool("order_status", R"({"status":"shipped"})", seconds(30));
  auto r = rig.run(seconds(12));
  REQUIRE(rig.llm->requests().size() == 2);
  const auto &m = rig.llm->requests()[1].messages;
  REQUIRE(m.size() == 3);
  CHECK(m[2].tool_error);
  CHECK(m[2].text == session::default_phrases("en").tool_timeout_result);
}

TEST_CASE("an LLM failure mid-reply keeps what was said and never repeats it") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  LlmReply broken = reply("Good morning. We have tyres for every car and every season, and much more to say.");
  broken.fail_after_tokens = 6;
  Rig rig(base_config(), caller, {broken});
  auto r = rig.run(seconds(15));
  REQUIRE(r.first(T::error) != nullptr);
  CHECK(rig.llm->requests().size() == 1);
  const auto clauses = r.all(T::bot_clause);
  // The greeting, then the sentence that was complete; nothing is said twice.
  REQUIRE(clauses.size() == 2);
  CHECK(clauses[1]->event.text == "Good morning.");
  CHECK(history(rig).back().role == agent::Role::assistant);
  CHECK(r.final_state == State::listening);
}

TEST_CASE("an LLM failure before the first token gives the error phrase") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  LlmReply broken;
  broken.fail_after_tokens = 0;
  Rig rig(base_config(), caller, {broken});
  auto r = rig.run(seconds(12));
  CHECK(r.all(T::bot_clause).back()->event.text == session::default_phrases("en").llm_error);
}

TEST_CASE("the caller hanging up during synthesis ends the call and cancels the speech") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  caller.hangup_at = millis(4300);
  Rig rig(base_config(), caller, {reply("A long answer that takes a while to say, with many words in it.")});
  auto r = rig.run(seconds(12));
  CHECK(r.final_state == State::ended);
  CHECK(r.ended_at == millis(4300));
  CHECK(r.first(T::hangup_requested)->event.text == "caller_hangup");
  CHECK(rig.tts->cancelled() + rig.llm->cancelled() >= 1);
}

TEST_CASE("an eager start is discarded when the caller resumes") {
  CallerScript caller;
  // A pause of 450 ms: long enough for the final and the early start, too short to end the turn.
  caller.speech = {say(seconds(2), millis(1000), "I need tyres"), say(millis(3450), millis(900), "for a Skoda Octavia")};
  Rig rig(base_config(), caller, {reply("First answer."), reply("Tyres for an Octavia.")});
  auto r = rig.run(seconds(10));
  REQUIRE(rig.llm->requests().size() == 2);
  CHECK(rig.llm->cancelled() == 1);
  CHECK(rig.llm->requests()[0].messages.back().text == "I need tyres");
  const auto turns = r.all(T::caller_turn);
  REQUIRE(turns.size() == 1);
  CHECK(turns[0]->event.text == "I need tyres for a Skoda Octavia");
  CHECK(rig.llm->requests()[1].messages.back().text == "I need tyres for a Skoda Octavia");
  for (const auto *c : r.all(T::bot_clause)) CHECK(c->event.text != "First answer.");
}

TEST_CASE("an eager start that the turn confirms is kept") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  Rig rig(base_config(), caller, {reply("Hi.", millis(400))});
  auto r = rig.run(seconds(6));
  CHECK(rig.llm->requests().size() == 1);
  CHECK(rig.llm->cancelled() == 0);
  const auto *tl = r.first(T::turn_timeline);
  REQUIRE(tl != nullptr);
  // The request went out before the turn was committed: 250 ms + the final's 150 ms after speech.
  CHECK(tl->event.timeline.llm_request < r.first(T::caller_turn)->at);
}

TEST_CASE("a synthesiser that never answers does not hold up the speech queue") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello")};
  ScriptedTts::Options to;
  to.first_audio = seconds(1000);  // never, within the call
  auto cfg = base_config();
  cfg.tts_timeout = seconds(3);
  Rig rig(cfg, caller, {reply("Hi there.")}, {}, to);
  auto r = rig.run(seconds(12));
  const auto errors = r.all(T::error);
  REQUIRE(errors.size() >= 2);
  CHECK(errors[0]->event.text == "tts: timeout");
  CHECK(errors[0]->at == seconds(3));  // the greeting, requested at 0
  // The call goes on: the caller's turn is still heard and answered.
  CHECK(r.all(T::caller_turn).size() == 1);
  CHECK(rig.llm->requests().size() == 1);
}

TEST_CASE("a recogniser that never closes its stream does not deafen the call") {
  auto cfg = base_config();
  cfg.stt_timeout = seconds(2);
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1000), "hello"), say(seconds(8), millis(1000), "hello again")};
  ScriptedStt::Options so;
  so.final_latency = seconds(1000);  // the first stream never finishes
  Rig rig(cfg, caller, {reply("Hi.")}, so);
  auto r = rig.run(seconds(12));
  const auto *err = r.first(T::error);
  REQUIRE(err != nullptr);
  CHECK(err->event.text == "stt: timeout");
  // The next utterance gets a stream of its own.
  CHECK(rig.stt->streams_opened() == 2);
}

TEST_CASE("a caller who pauses briefly mid-utterance is heard once, in order") {
  // A 160 ms pause: long enough to finish the first stream (120 ms), too short to end the speech.
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(900), "I need"), say(millis(3060), millis(900), "winter tyres")};
  Rig rig(base_config(), caller, {reply("Sure.")});
  auto r = rig.run(seconds(8));
  const auto turns = r.all(T::caller_turn);
  REQUIRE(turns.size() == 1);
  CHECK(turns[0]->event.text == "I need winter tyres");
  CHECK(rig.stt->streams_opened() == 2);
}

TEST_CASE("words said while a slow recogniser finishes the last stream are not lost") {
  // The first stream is finished 120 ms into a 160 ms pause; the recogniser takes a second to
  // close it, and by then the caller has said the rest and stopped: the next stream gets all of
  // it, not just the 300 ms pre-roll before it opens.
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(900), "I need"), say(millis(3060), millis(600), "winter tyres")};
  ScriptedStt::Options so;
  so.final_latency = seconds(1);
  Rig rig(base_config(), caller, {reply("Sure.")}, so);
  auto r = rig.run(seconds(10));
  CHECK(rig.stt->streams_opened() == 2);
  const auto turns = r.all(T::caller_turn);
  REQUIRE_FALSE(turns.empty());
  CHECK(turns.back()->event.text == "I need winter tyres");
  CHECK(history(rig)[0].text == "I need winter tyres");
}

TEST_CASE("with the echo canceller on, a loud echo does not barge in, and real talk-over still does") {
  const std::string long_reply = "We have many sizes in stock, from thirteen to twenty two inch, for every season of the year.";
  auto cfg = base_config();
  cfg.echo_canceller = true;
  CallerScript caller;
  caller.echo = true;
  caller.echo_db = -6;  // louder than the gate alone is built for (it assumes >= 6 dB of loss)
  caller.echo_delay = millis(120);
  caller.speech = {say(seconds(2), millis(1000), "what sizes")};
  Rig rig(cfg, caller, {reply(long_reply)});
  auto r = rig.run(seconds(12));
  CHECK(r.first(T::error) == nullptr);
  CHECK(r.first(T::barge_in_committed) == nullptr);
  CHECK(history(rig)[1].text == long_reply);

  CallerScript over = caller;
  over.speech.push_back(say(millis(6200), millis(1200), "no stop"));
  Rig rig2(cfg, over, {reply(long_reply), reply("OK.")});
  auto r2 = rig2.run(seconds(12));
  CHECK(r2.first(T::barge_in_committed) != nullptr);
}

TEST_CASE("a long call: the LLM sees the latest messages and a summary of the rest") {
  session::SessionConfig cfg = base_config();
  cfg.history_window = 4;
  CallerScript caller;
  std::vector<LlmReply> replies;
  for (int i = 0; i < 4; ++i) {
    caller.speech.push_back(say(seconds(2 + 6 * i), millis(800), "question " + std::to_string(i)));
    replies.push_back(reply("answer " + std::to_string(i) + "."));
  }
  Rig rig(cfg, caller, replies);
  rig.run(seconds(30));
  REQUIRE(rig.llm->requests().size() == 4);
  const auto &first = rig.llm->requests()[0];
  CHECK(first.system_prompt == "You are a test.");  // nothing left out yet
  const auto &last = rig.llm->requests()[3];
  REQUIRE(last.messages.size() <= 4);
  CHECK(last.messages.front().role == agent::Role::user);
  CHECK(last.messages.back().text == "question 3");
  CHECK(last.system_prompt.rfind("You are a test.\n\nEarlier in this call (summary):\n", 0) == 0);
  CHECK(last.system_prompt.find("Caller: question 0\nAgent: answer 0.") != std::string::npos);
  // The history itself keeps everything.
  CHECK(history(rig).size() == 8);
}

TEST_CASE("personal data reaches the LLM as placeholders and comes back for tools and speech") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1500), "my number is 067 123 45 67 check my order")};
  LlmReply first;
  first.tool_calls = {{"c1", "get_order_status", R"({"phone":"[PHONE_1]"})"}};
  LlmReply second = reply("I found your order for [PHONE_1].");
  Rig rig(base_config(), caller, {first, second});
  auto tool = rig.add_tool("get_order_status", R"({"found":true,"contact":"0671234567"})", millis(100));
  auto r = rig.run(seconds(12));

  REQUIRE(rig.llm->requests().size() == 2);
  CHECK(rig.llm->requests()[0].messages.back().text == "my number is [PHONE_1] check my order");
  // The tool gets the number; its result reaches the LLM masked with the same placeholder.
  REQUIRE(tool->invocations().size() == 1);
  CHECK(tool->invocations()[0].arguments == R"({"phone":"067 123 45 67"})");
  const auto &m2 = rig.llm->requests()[1].messages;
  CHECK(m2.back().text == R"({"found":true,"contact":"[PHONE_1]"})");
  CHECK(m2[1].tool_calls.at(0).arguments_json == R"({"phone":"[PHONE_1]"})");
  // The caller hears the number, and the history keeps what was heard.
  bool said = false;
  for (const auto *e : r.all(T::bot_clause)) said = said || e->event.text == "I found your order for 067 123 45 67.";
  CHECK(said);
  for (const auto &t : rig.tts->texts()) CHECK(t.find("[PHONE_") == std::string::npos);
  CHECK(history(rig).back().text == "I found your order for 067 123 45 67.");
}

TEST_CASE("with masking off the LLM sees the text as said") {
  session::SessionConfig cfg = base_config();
  cfg.pii_masking = false;
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1500), "my number is 067 123 45 67")};
  Rig rig(cfg, caller, {reply("Thanks.")});
  rig.run(seconds(8));
  REQUIRE(rig.llm->requests().size() == 1);
  CHECK(rig.llm->requests()[0].messages.back().text == "my number is 067 123 45 67");
}

TEST_CASE("the bot's text is read out: numbers as words, in the language of the clause") {
  CallerScript caller;
  caller.speech = {say(seconds(2), millis(1200), "сколько стоит")};
  Rig rig(base_config(), caller, {reply("Шина 205/55 R16 стоит 2150 грн.")});
  auto r = rig.run(seconds(10));
  const auto &texts = rig.tts->texts();
  REQUIRE(texts.size() >= 2);
  // The event and the history keep the digits; the synthesiser gets words, in Russian.
  CHECK(r.all(T::bot_clause).back()->event.text == "Шина 205/55 R16 стоит 2150 грн.");
  CHECK(texts.back().find("2150") == std::string::npos);
  CHECK(texts.back().find("две тысячи сто пятьдесят") != std::string::npos);
  CHECK(rig.tts->languages().back() == "ru");
}
