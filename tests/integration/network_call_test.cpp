// A whole call with network providers at once, against the local vendor servers: Deepgram live
// STT over a WebSocket, Anthropic Messages streaming with two tool rounds, Google
// text:synthesize — all on one NetRuntime loop — and a barge-in while the bot's reply is both
// being generated (the LLM stream is held open mid-answer) and synthesised (the next clause's TTS
// request is held unanswered). The barge-in must close both connections and leave in the history
// only what the caller heard.
//
// The providers are real network code on a real event loop, so the session is driven in real
// time: a caller frame in, process(), a frame out, every 20 ms of the monotonic clock (catching
// up when the test thread falls behind). The caller's actions wait for observed states, never
// for durations; the deadlines only turn a hang into a failure.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "audio/frame.hpp"
#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "providers/anthropic/anthropic_llm.hpp"
#include "providers/deepgram/deepgram_stt.hpp"
#include "providers/google/google_tts.hpp"
#include "providers/google/service_account.hpp"
#include "providers/http_tts.hpp"
#include "providers/net_runtime.hpp"
#include "session/session.hpp"
#include "session/text_utils.hpp"
#include "support/anthropic_server.hpp"
#include "support/deepgram_test_server.hpp"
#include "support/tts_servers.hpp"
#include "testkit/testkit.hpp"

using namespace ca;
using ca::session::Event;
using ca::session::State;
using ca::test::LlmScript;
using ca::test::Reply;

namespace {

constexpr int kRate = 8000;
constexpr Nanos kTick = millis(20);
constexpr const char *kAnthropicKey = "sk-ant-netcall-0123456789";
constexpr const char *kGoogleKey = "AIzaSy-netcall-0123456789";
constexpr const char *kDeepgramKey = "dg-netcall-0123456789";

const std::string kGreeting = "Добрий день, шиномонтаж слухає.";
const std::string kTurn1 = "Потрібні зимові шини двісті п'ять на п'ятдесят п'ять шістнадцять";
const std::string kTurn2 = "Ні, стривайте, а літні у вас є";
const std::string kClause1 = "Є зимові шини за дуже вигідною ціною.";
const std::string kClause2 = "Записати вас на завтра о десятій?";
const std::string kClause2Marker = "о десятій";  // in the clause's TTS request: that one is held
const std::string kFinal = "Добре, зараз подивлюся літні.";

// Distinct bot voices, each a tone well below the caller's level (so the echo gate never takes
// the caller for the bot), never 0 at the first sample (so a clause's start can be found).
std::vector<int16_t> tone(double hz, Nanos duration) {
  const auto n = static_cast<size_t>(duration / kNanosPerMilli) * kRate / 1000;
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<int16_t>(std::lround(1500.0 * std::cos(2.0 * std::numbers::pi * hz * static_cast<double>(i) / kRate)));
  }
  return out;
}

// What the test Deepgram server says: one message of its live API.
std::string deepgram_result(std::string_view text, bool is_final, bool speech_final) {
  json::Value alt;
  alt.set("transcript", text).set("confidence", 0.98);
  json::Value v;
  v.set("type", "Results").set("channel_index", json::Value::array().push(0).push(1)).set("start", 0.0);
  v.set("duration", 1.0).set("is_final", is_final).set("speech_final", speech_final).set("from_finalize", false);
  v.set("channel", json::Value().set("alternatives", json::Value::array().push(std::move(alt))));
  return json::dump(v);
}
std::string deepgram_metadata() {
  return R"({"type":"Metadata","transaction_key":"deprecated","request_id":"r1","sha256":"x","created":"2025-01-01T00:00:00Z","duration":1.0,"channels":1})";
}

// A tool that answers at once with a fixed result; runs on the session's thread.
class FixedTool final : public providers::Tool {
 public:
  FixedTool(std::string name, std::string schema, std::string result) : result_(std::move(result)) {
    spec_.name = std::move(name);
    spec_.description = "test tool " + spec_.name;
    spec_.parameters_json = std::move(schema);
  }
  const providers::ToolSpec &spec() const override { return spec_; }
  void invoke(providers::RequestId id, std::string_view args, const providers::ToolContext &,
              std::shared_ptr<providers::ToolSink> sink) override {
    arguments.emplace_back(args);
    sink->on_tool_result(id, providers::ToolResult{true, result_, providers::ToolResult::Action::none, {}});
  }
  void cancel(providers::RequestId) override { ++cancelled; }

  std::vector<std::string> arguments;
  int cancelled = 0;

 private:
  providers::ToolSpec spec_;
  std::string result_;
};

std::string canonical_text(std::string_view json_text) {
  auto v = json::parse(json_text);
  return v ? json::dump(*v, {.sort_keys = true}) : "not JSON: " + std::string(json_text);
}
std::string canonical(const json::Value &v) { return json::dump(v, {.sort_keys = true}); }
std::string canonical(const std::string &json_text) { return canonical_text(json_text); }
std::string canonical(const char *json_text) { return canonical_text(json_text); }

// The Google server's answers: each clause gets its own voice; the clause marked to be held gets
// no answer at all until the client gives up on it.
struct GoogleVoices {
  std::vector<int16_t> greeting = tone(400, millis(400));
  std::vector<int16_t> clause1 = tone(600, seconds(6));  // long: the barge-in lands inside it
  std::vector<int16_t> final_reply = tone(800, millis(600));
  std::atomic<int> held{0};  // held requests received

  Reply answer(const test::TtsVendorServer &server, const test::ReceivedRequest &r) {
    if (r.method != "POST" || !server.path_ok(r)) return server.error_reply(404, "no such endpoint");
    auto body = json::parse(r.body);
    if (!body) return server.error_reply(400, "the body is not JSON");
    const std::string text((*body)["input"]["text"].str());
    const std::vector<int16_t> *pcm = nullptr;
    if (text.find(kClause2Marker) != std::string::npos) {
      Reply stall;
      stall.stall = true;
      ++held;
      return stall;
    }
    if (text.find("слухає") != std::string::npos) pcm = &greeting;
    else if (text.find("вигідною") != std::string::npos) pcm = &clause1;
    else if (text.find("літні") != std::string::npos) pcm = &final_reply;
    if (pcm == nullptr) return server.error_reply(400, "unexpected text: " + text);
    Reply ok;
    ok.framing = Reply::Framing::chunked;
    ok.headers.push_back({"Content-Type", "application/json; charset=UTF-8"});
    ok.body = "{\n  \"audioContent\": \"" + base64::encode(test::wav_with_extra_chunks(kRate, *pcm)) + "\"\n}\n";
    return ok;
  }
};

// Drives a session in real time from the test thread, playing the caller.
class Caller {
 public:
  explicit Caller(session::Session &s) : s_(s), frame_(audio::samples_per_frame(kRate, 20)), out_(frame_) {}

  // One 20 ms tick at the pace of the monotonic clock: a caller frame (speech or silence) in,
  // process(), one frame out, played.
  void tick() {
    t_ += kTick;
    const Nanos due = start_ + t_;
    if (const Nanos now = monotonic_now(); now < due) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    std::vector<int16_t> in(frame_, 0);
    if (speaking_) {
      testkit::speech_like(in, speech_samples_, frame_, kRate, -14, seed_);
      speech_samples_ += frame_;
    }
    s_.push_audio(in);
    s_.process(t_);
    if (s_.ended()) return;
    // As the hosts do: what was pulled with audio is reported played.
    if (s_.pull(out_)) s_.push_played(out_.size());
    outbound.insert(outbound.end(), out_.begin(), out_.end());
  }

  // Ticks until `done` holds; false (the test fails) after `limit` of real time.
  bool run_until(const std::function<bool()> &done, Nanos limit = seconds(30)) {
    const Nanos give_up = monotonic_now() + limit;
    while (!done()) {
      if (s_.ended() || monotonic_now() > give_up) return false;
      tick();
    }
    return true;
  }
  // `n` ticks of speech (a new utterance), then silence.
  void say(int ticks) {
    speaking_ = true;
    speech_samples_ = 0;
    ++seed_;
    for (int i = 0; i < ticks && !s_.ended(); ++i) tick();
    speaking_ = false;
  }
  void start_speaking() {
    speaking_ = true;
    speech_samples_ = 0;
    ++seed_;
  }
  void stop_speaking() { speaking_ = false; }
  void start() {
    start_ = monotonic_now();
    s_.process(0);
  }
  Nanos now() const { return t_; }

  std::vector<int16_t> outbound;  // every frame the bot sent

 private:
  session::Session &s_;
  size_t frame_;
  std::vector<int16_t> out_;
  Nanos start_ = 0;
  Nanos t_ = 0;
  bool speaking_ = false;
  size_t speech_samples_ = 0;
  uint32_t seed_ = 7;
};

// Where `pcm`'s first frame starts in `stream`; npos if it is not there.
size_t find_clause(const std::vector<int16_t> &stream, const std::vector<int16_t> &pcm) {
  const size_t n = std::min<size_t>(pcm.size(), 160);
  const auto it = std::search(stream.begin(), stream.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(n));
  return it == stream.end() ? std::string::npos : static_cast<size_t>(it - stream.begin());
}

const json::Value &content_of(const json::Value &message) { return message["content"]; }

}  // namespace

TEST_CASE("a whole call on the network providers: Deepgram, Anthropic with two tool rounds, Google TTS, and a barge-in that cancels the stream and the synthesis") {
  // ---- the vendors ----
  test::DeepgramTestServer deepgram;
  test::AnthropicServer anthropic;
  GoogleVoices voices;  // before the server: its threads answer with these
  test::TtsVendorServer google(test::TtsVendor::google, {}, kRate);
  google.http().set_handler([&](const test::ReceivedRequest &r) { return voices.answer(google, r); });

  // Round 1: a tool, its arguments in fragments.
  LlmScript round1;
  round1.tool_calls = {{"toolu_01", "search_tires",
                        {R"({"width": 205, "prof)", R"(ile": 55, "diameter": 16, )", R"("season": "winter"})"}}};
  // Round 2: a second tool, given the first one's result.
  LlmScript round2;
  round2.tool_calls = {{"toolu_02", "find_slots", {R"({"date": "2025-05-02", )", R"("city": "Київ"})"}}};
  // Round 3: the answer in words; two clauses arrive, then the stream is held open.
  LlmScript round3;
  round3.text = {kClause1 + " ", kClause2 + " ", "Чи "};
  const std::vector<std::string> round3_events = test::AnthropicServer::events(round3);
  // message_start, content_block_start, ping, three text deltas: everything up to "Чи ".
  size_t held_after = 0;
  for (size_t i = 0; i < 6; ++i) held_after += round3_events[i].size();
  REQUIRE(round3_events[5].find("Чи ") != std::string::npos);
  // Round 4: the answer to what the caller said over the bot.
  LlmScript round4;
  round4.text = {"Добре, ", "зараз подивлюся ", "літні."};
  anthropic.push_stream(round1);
  anthropic.push_stream(round2);
  test::Delivery hold;
  hold.stall_after = held_after;
  anthropic.push_stream(round3, hold);
  anthropic.push_stream(round4);

  deepgram.on_close_stream({deepgram_result(kTurn1, true, true), deepgram_metadata()});

  // ---- the providers, on one loop ----
  auto runtime = std::make_shared<providers::NetRuntime>("netcall");
  providers::DeepgramSttOptions dg;
  dg.base_url = deepgram.base_url();
  dg.api_key = kDeepgramKey;
  providers::AnthropicOptions an;
  an.base_url = anthropic.base_url();
  an.api_key = kAnthropicKey;
  an.retries = 0;
  // Far beyond the test's waits: a connection that closes is closed by a cancel, not by a timer.
  an.first_byte_timeout = seconds(120);
  an.timeout = seconds(180);
  providers::GoogleTtsOptions go;
  go.base_url = google.base_url();
  go.voice_uk = "uk-UA-Chirp3-HD-Kore";
  go.limits.timeout = seconds(180);
  go.limits.idle_timeout = seconds(120);
  auto search = std::make_shared<FixedTool>(
      "search_tires",
      R"({"type":"object","properties":{"width":{"type":"integer"},"profile":{"type":"integer"},"diameter":{"type":"integer"},"season":{"type":"string"}}})",
      R"({"total":1,"items":[{"id":"T-17","name":"Nokian Hakkapeliitta R5","price":3250,"stock":8}]})");
  auto slots = std::make_shared<FixedTool>(
      "find_slots", R"({"type":"object","properties":{"date":{"type":"string"},"city":{"type":"string"}}})",
      R"({"slots":["2025-05-02 10:00","2025-05-02 12:30"]})");

  session::Providers p;
  p.stt = std::make_shared<providers::DeepgramStt>(runtime, dg);
  p.llm = std::make_shared<providers::AnthropicLlm>(an, runtime);
  auto tts = providers::make_google_tts(go, providers::google::make_api_key_auth(kGoogleKey), runtime);
  p.tts = tts;
  p.tools = {search, slots};

  session::SessionConfig cfg;
  cfg.call_id = "netcall-1";
  cfg.sample_rate = kRate;
  cfg.language = "uk";
  cfg.system_prompt = "Ти — оператор шиномонтажу.";
  cfg.greeting = kGreeting;
  cfg.first_clause_words = 0;    // clauses at sentence ends: the two the test holds apart
  cfg.filler_delay = seconds(60);  // no filler however slow the machine: its TTS would change the order

  std::vector<Event> events;
  auto s = std::make_unique<session::Session>(cfg, p, [&](const Event &e) { events.push_back(e); });
  auto seen = [&](Event::Type t, const std::string &text = {}) {
    return std::any_of(events.begin(), events.end(),
                       [&](const Event &e) { return e.type == t && (text.empty() || e.text == text); });
  };
  Caller caller(*s);
  caller.start();

  // ---- the greeting, synthesised by Google and played ----
  REQUIRE(caller.run_until([&] { return s->state() == State::listening; }));
  const size_t greeting_at = find_clause(caller.outbound, voices.greeting);
  REQUIRE(greeting_at != std::string::npos);
  REQUIRE(caller.outbound.size() >= greeting_at + voices.greeting.size());
  CHECK(std::equal(voices.greeting.begin(), voices.greeting.end(),
                   caller.outbound.begin() + static_cast<std::ptrdiff_t>(greeting_at)));

  // ---- turn 1: the caller asks; two tool rounds; the answer starts playing ----
  caller.say(50);
  REQUIRE(caller.run_until([&] { return seen(Event::Type::caller_turn, kTurn1); }));
  deepgram.on_close_stream({deepgram_result(kTurn2, true, true), deepgram_metadata()});
  // The caller talks over the bot once two seconds of clause 1 have been played (so some words
  // of it were heard), the rest of the reply is queued (clause 2 asked of Google, which holds it)
  // and the LLM stream is still open.
  size_t clause1_start = std::string::npos;
  REQUIRE(caller.run_until([&] {
    if (clause1_start == std::string::npos) clause1_start = find_clause(caller.outbound, voices.clause1);
    return clause1_start != std::string::npos && caller.outbound.size() - clause1_start >= 2 * kRate &&
           seen(Event::Type::bot_clause, kClause2) && voices.held.load() == 1;
  }));
  REQUIRE(anthropic.http().request_count() == 3);
  const int anthropic_closes = anthropic.http().peer_closes();
  const int google_closes = google.http().peer_closes();
  CHECK_FALSE(seen(Event::Type::barge_in_muted));

  // ---- the barge-in ----
  caller.start_speaking();
  REQUIRE(caller.run_until([&] { return seen(Event::Type::barge_in_committed); }));
  // The in-flight LLM stream and TTS request are cancelled: both servers see the client leave.
  CHECK(anthropic.http().wait_for_peer_closes(anthropic_closes + 1, seconds(30)));
  CHECK(google.http().wait_for_peer_closes(google_closes + 1, seconds(30)));
  for (int i = 0; i < 20; ++i) caller.tick();  // the caller finishes the sentence
  caller.stop_speaking();

  // ---- turn 2: answered, played to the end ----
  REQUIRE(caller.run_until([&] { return seen(Event::Type::bot_heard, kFinal); }));
  REQUIRE(caller.run_until([&] { return s->state() == State::listening; }));
  s->push_hangup();
  s->process(caller.now() + kTick);
  CHECK(s->ended());

  // ---- the order of events ----
  using T = Event::Type;
  std::vector<std::pair<T, std::string>> story;
  for (const Event &e : events) {
    switch (e.type) {
      case T::caller_turn:
      case T::tool_started:
      case T::tool_finished:
      case T::bot_clause:
      case T::bot_heard:
      case T::barge_in_muted:
      case T::barge_in_committed:
      case T::barge_in_resumed:
      case T::filler:
      case T::error: story.emplace_back(e.type, e.type == T::bot_heard ? std::string() : e.text); break;
      default: break;
    }
  }
  const std::vector<std::pair<T, std::string>> want = {
      {T::bot_clause, kGreeting},          {T::caller_turn, kTurn1},
      {T::tool_started, "search_tires"},   {T::tool_finished, "search_tires"},
      {T::tool_started, "find_slots"},     {T::tool_finished, "find_slots"},
      {T::bot_clause, kClause1},           {T::bot_clause, kClause2},
      {T::barge_in_muted, ""},             {T::barge_in_committed, ""},
      {T::bot_heard, ""},                  {T::caller_turn, kTurn2},
      {T::bot_clause, kFinal},             {T::bot_heard, ""},
  };
  std::string log;
  for (const Event &e : events) log += std::string(session::event_type_name(e.type)) + ": " + e.text + "\n";
  INFO(log);
  // With the eager start, the answer to turn 2 may begin (its first clause queued, held back)
  // before the turn commits: the order of those two depends on the machine's speed.
  for (size_t i = 0; i + 1 < story.size(); ++i) {
    if (story[i] == std::make_pair(T::bot_clause, kFinal) && story[i + 1] == std::make_pair(T::caller_turn, kTurn2))
      std::swap(story[i], story[i + 1]);
  }
  REQUIRE(story.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(session::event_type_name(story[i].first) == std::string(session::event_type_name(want[i].first)));
    CHECK(story[i].second == want[i].second);
  }

  // The tools ran with the arguments the LLM streamed in fragments.
  std::vector<const Event *> started;
  for (const Event &e : events)
    if (e.type == T::tool_started) started.push_back(&e);
  REQUIRE(started.size() == 2);
  CHECK(canonical(started[0]->detail) == canonical(round1.tool_calls[0].arguments()));
  CHECK(canonical(started[1]->detail) == canonical(round2.tool_calls[0].arguments()));
  REQUIRE(search->arguments.size() == 1);
  REQUIRE(slots->arguments.size() == 1);
  CHECK(canonical(search->arguments[0]) == canonical(round1.tool_calls[0].arguments()));
  CHECK(canonical(slots->arguments[0]) == canonical(round2.tool_calls[0].arguments()));
  CHECK(search->cancelled + slots->cancelled == 0);

  // ---- what the caller heard: a word-prefix of clause 1, nothing of clause 2 ----
  std::vector<std::string> heard;
  for (const Event &e : events)
    if (e.type == T::bot_heard) heard.push_back(e.text);
  REQUIRE(heard.size() == 2);
  const std::string &cut = heard[0];
  CAPTURE(cut);
  CHECK_FALSE(cut.empty());
  CHECK(cut.size() < kClause1.size());
  CHECK(kClause1.compare(0, cut.size(), cut) == 0);
  CHECK((cut.size() == kClause1.size() || kClause1[cut.size()] == ' '));
  CHECK(heard[1] == kFinal);

  // The bot's frames carry Google's samples: clause 1 from its start until the mute, then
  // silence; clause 2 never; the final reply whole.
  const size_t clause1_at = find_clause(caller.outbound, voices.clause1);
  REQUIRE(clause1_at != std::string::npos);
  size_t played1 = 0;
  while (clause1_at + played1 < caller.outbound.size() && played1 < voices.clause1.size() &&
         caller.outbound[clause1_at + played1] == voices.clause1[played1])
    ++played1;
  CHECK(played1 > 0);
  CHECK(played1 < voices.clause1.size());  // cut short
  CHECK(played1 % 160 == 0);               // at a frame boundary: the mute
  // The history's words are exactly the share of the clause's audio the caller received.
  CHECK(cut == session::truncate_to_fraction(kClause1, static_cast<double>(played1) / static_cast<double>(voices.clause1.size())));
  const size_t final_at = find_clause(caller.outbound, voices.final_reply);
  REQUIRE(final_at != std::string::npos);
  CHECK(final_at > clause1_at + played1);
  CHECK(std::all_of(caller.outbound.begin() + static_cast<std::ptrdiff_t>(clause1_at + played1),
                    caller.outbound.begin() + static_cast<std::ptrdiff_t>(final_at), [](int16_t v) { return v == 0; }));
  REQUIRE(caller.outbound.size() >= final_at + voices.final_reply.size());
  CHECK(std::equal(voices.final_reply.begin(), voices.final_reply.end(),
                   caller.outbound.begin() + static_cast<std::ptrdiff_t>(final_at)));

  // ---- the history: only what was heard ----
  const auto &msgs = s->conversation().messages();
  REQUIRE(msgs.size() == 8);
  CHECK(msgs[0].role == agent::Role::user);
  CHECK(msgs[0].text == kTurn1);
  CHECK(msgs[1].role == agent::Role::assistant);
  REQUIRE(msgs[1].tool_calls.size() == 1);
  CHECK(msgs[1].tool_calls[0].id == "toolu_01");
  CHECK(msgs[2].role == agent::Role::tool);
  CHECK(msgs[2].tool_call_id == "toolu_01");
  CHECK(msgs[3].role == agent::Role::assistant);
  REQUIRE(msgs[3].tool_calls.size() == 1);
  CHECK(msgs[3].tool_calls[0].id == "toolu_02");
  CHECK(msgs[4].role == agent::Role::tool);
  CHECK(msgs[4].tool_call_id == "toolu_02");
  CHECK(msgs[5].role == agent::Role::assistant);
  CHECK(msgs[5].text == cut);
  CHECK(msgs[5].tool_calls.empty());
  CHECK(msgs[6].role == agent::Role::user);
  CHECK(msgs[6].text == kTurn2);
  CHECK(msgs[7].role == agent::Role::assistant);
  CHECK(msgs[7].text == kFinal);

  // ---- what Anthropic received ----
  const auto reqs = anthropic.requests();
  REQUIRE(reqs.size() == 4);
  for (const auto &r : reqs) {
    CHECK(r.path == "/v1/messages");
    CHECK(r.header_value("x-api-key") == kAnthropicKey);
    CHECK_FALSE(r.header_value("anthropic-version").empty());
  }
  const json::Value first = anthropic.request_json(0);
  CHECK(first["stream"].as_bool());
  REQUIRE(first["tools"].size() == 2);
  CHECK(first["tools"].items()[0]["name"].str() == "search_tires");
  CHECK(first["tools"].items()[1]["name"].str() == "find_slots");
  REQUIRE(first["messages"].size() == 1);
  CHECK(content_of(first["messages"].items()[0]).str() == kTurn1);

  // Round 2: the tool_use, then its result first in the next user message.
  const json::Value second = anthropic.request_json(1);
  {
    const auto &m = second["messages"].items();
    REQUIRE(m.size() == 3);
    CHECK(m[1]["role"].str() == "assistant");
    REQUIRE(content_of(m[1]).size() == 1);
    const json::Value &use = content_of(m[1]).items()[0];
    CHECK(use["type"].str() == "tool_use");
    CHECK(use["id"].str() == "toolu_01");
    CHECK(use["name"].str() == "search_tires");
    CHECK(canonical(use["input"]) == canonical(round1.tool_calls[0].arguments()));
    CHECK(m[2]["role"].str() == "user");
    REQUIRE(content_of(m[2]).size() >= 1);
    const json::Value &result = content_of(m[2]).items()[0];
    CHECK(result["type"].str() == "tool_result");
    CHECK(result["tool_use_id"].str() == "toolu_01");
    CHECK(canonical_text(result["content"].str()) == canonical(R"({"total":1,"items":[{"id":"T-17","name":"Nokian Hakkapeliitta R5","price":3250,"stock":8}]})"));
  }
  // Round 3: both pairs, in order.
  const json::Value third = anthropic.request_json(2);
  {
    const auto &m = third["messages"].items();
    REQUIRE(m.size() == 5);
    CHECK(canonical(m[1]) == canonical(second["messages"].items()[1]));
    CHECK(canonical(m[2]) == canonical(second["messages"].items()[2]));
    const json::Value &use = content_of(m[3]).items()[0];
    CHECK(m[3]["role"].str() == "assistant");
    CHECK(use["type"].str() == "tool_use");
    CHECK(use["id"].str() == "toolu_02");
    CHECK(use["name"].str() == "find_slots");
    CHECK(canonical(use["input"]) == canonical(round2.tool_calls[0].arguments()));
    CHECK(m[4]["role"].str() == "user");
    const json::Value &result = content_of(m[4]).items()[0];
    CHECK(result["type"].str() == "tool_result");
    CHECK(result["tool_use_id"].str() == "toolu_02");
    CHECK(canonical_text(result["content"].str()) == canonical(R"({"slots":["2025-05-02 10:00","2025-05-02 12:30"]})"));
  }
  // Round 4: the interrupted answer as heard, then the caller's words; clause 2 nowhere.
  const json::Value fourth = anthropic.request_json(3);
  {
    const auto &m = fourth["messages"].items();
    REQUIRE(m.size() == 7);
    CHECK(m[5]["role"].str() == "assistant");
    CHECK(content_of(m[5]).str() == cut);
    CHECK(m[6]["role"].str() == "user");
    CHECK(content_of(m[6]).str() == kTurn2);
    CHECK(reqs[3].body.find("десятій") == std::string::npos);
  }

  // ---- what Google received: the call's rate, the key, the clauses as spoken ----
  const auto tts_reqs = google.http().requests();
  REQUIRE(tts_reqs.size() == 4);  // greeting, clause 1, clause 2 (held), the final reply
  for (const auto &r : tts_reqs) {
    CHECK(r.header_value("x-goog-api-key") == kGoogleKey);
    const json::Value b = json::parse(r.body).value();
    CHECK(b["audioConfig"]["audioEncoding"].str() == "LINEAR16");
    CHECK(b["audioConfig"]["sampleRateHertz"].as_int() == kRate);
    CHECK(b["voice"]["languageCode"].str() == "uk-UA");
  }
  CHECK(tts->active() == 0);

  // ---- what Deepgram received: two utterances, each on its own connection, closed cleanly ----
  REQUIRE(deepgram.connection_count() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const auto c = deepgram.connection(i);
    CHECK(c.upgrade.header_value("Authorization") == std::string("Token ") + kDeepgramKey);
    CHECK(("&" + c.upgrade.query + "&").find("&sample_rate=8000&") != std::string::npos);
    CHECK_FALSE(c.audio.empty());
    REQUIRE_FALSE(c.texts.empty());
    CHECK(c.texts.back() == R"({"type":"CloseStream"})");
  }
  CHECK(s->stats().barge_ins == 1);
  CHECK(s->stats().tool_calls == 2);
  CHECK(s->stats().llm_requests == 4);

  s.reset();
  p = {};
}
