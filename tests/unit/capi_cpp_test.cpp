// The C++ layer over the C ABI (callagent.hpp): a whole call with plug-ins written as C++
// classes, on a virtual clock, through public headers only.
#include <callagent/callagent.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kRate = 8000;
constexpr int64_t kMs = 1'000'000;
const std::string kCallerText = "do you have winter tyres";
const std::string kToolArgs = R"({"size":"205/55 R16","season":"winter"})";
const std::string kToolResult = R"({"in_stock":true,"count":12})";

// Results the plug-ins deliver later, in due-time order; the test's loop runs them.
struct Clock {
  int64_t now_ms = 0;
  std::multimap<int64_t, std::function<void()>> due;
  void after(int64_t ms, std::function<void()> fn) { due.emplace(now_ms + ms, std::move(fn)); }
  void run_until(int64_t ms) {
    while (!due.empty() && due.begin()->first <= ms) {
      auto fn = std::move(due.begin()->second);
      due.erase(due.begin());
      fn();
    }
  }
};

class Stt final : public callagent::SttPlugin {
 public:
  explicit Stt(Clock &c) : clock_(c) {}
  void open(uint64_t stream, const callagent::SttParams &params, callagent::SttSink sink) override {
    ++opens;
    language = params.language;
    streams_[stream] = std::move(sink);
  }
  void push(uint64_t, const int16_t *, size_t n) override { samples += n; }
  void finish(uint64_t stream) override {
    auto it = streams_.find(stream);
    if (it == streams_.end()) return;
    callagent::SttSink sink = std::move(it->second);
    streams_.erase(it);
    clock_.after(150, [sink] {
      CHECK(sink.final(kCallerText, 0.9, "en"));
      CHECK(sink.done());
    });
  }
  void cancel(uint64_t stream) override { streams_.erase(stream); }
  int opens = 0;
  size_t samples = 0;
  std::string language;

 private:
  Clock &clock_;
  std::map<uint64_t, callagent::SttSink> streams_;
};

class Llm final : public callagent::LlmPlugin {
 public:
  explicit Llm(Clock &c) : clock_(c) {}
  void start(uint64_t, const callagent::LlmRequest &request, callagent::LlmSink sink) override {
    requests.push_back(request);
    const bool first = requests.size() == 1;
    clock_.after(400, [sink, first] {
      if (first) {
        CHECK(sink.tool_call("call_1", "check_stock", kToolArgs));
      } else {
        CHECK(sink.text("We have"));
        CHECK(sink.text(" them."));
      }
      CHECK(sink.done(10, 2));
    });
  }
  std::vector<callagent::LlmRequest> requests;

 private:
  Clock &clock_;
};

class Tts final : public callagent::TtsPlugin {
 public:
  explicit Tts(Clock &c) : clock_(c) {}
  void synthesize(uint64_t, const callagent::TtsRequest &request, callagent::TtsSink sink) override {
    texts.push_back(request.text);
    std::vector<int16_t> pcm(request.text.size() * kRate / 20);
    for (size_t i = 0; i < pcm.size(); ++i) {
      pcm[i] = static_cast<int16_t>(5000 * std::sin(2 * std::numbers::pi * 440.0 * static_cast<double>(i) / kRate));
    }
    clock_.after(100, [sink, pcm] {
      CHECK(sink.audio(pcm, kRate));
      CHECK(sink.done());
    });
  }
  std::vector<std::string> texts;

 private:
  Clock &clock_;
};

class StockTool final : public callagent::ToolPlugin {
 public:
  explicit StockTool(Clock &c) : clock_(c) {}
  void invoke(uint64_t, const std::string &arguments_json, const callagent::ToolContext &context,
              callagent::ToolSink sink) override {
    invocations.push_back({arguments_json, context.idempotency_key, context.call_id});
    clock_.after(300, [sink] { CHECK(sink.result(true, kToolResult)); });
  }
  struct Invocation {
    std::string args, key, call_id;
  };
  std::vector<Invocation> invocations;

 private:
  Clock &clock_;
};

struct Rig {
  Clock clock;
  std::shared_ptr<Stt> stt = std::make_shared<Stt>(clock);
  std::shared_ptr<Llm> llm = std::make_shared<Llm>(clock);
  std::shared_ptr<Tts> tts = std::make_shared<Tts>(clock);
  std::shared_ptr<StockTool> tool = std::make_shared<StockTool>(clock);
  callagent::Engine engine;

  Rig() {
    REQUIRE(callagent::Engine::create(engine));
    REQUIRE(engine.register_stt("cpp-stt", stt));
    REQUIRE(engine.register_llm("cpp-llm", llm));
    REQUIRE(engine.register_tts("cpp-tts", tts));
    callagent::ToolSpec spec;
    spec.name = "check_stock";
    spec.description = "Tyres in stock";
    spec.parameters_json = R"({"type":"object","properties":{"size":{"type":"string"}}})";
    spec.wait_phrase = "One moment.";
    REQUIRE(engine.register_tool(spec, tool));
  }

  callagent::SessionOptions options() const {
    callagent::SessionOptions o;
    o.call_id = "cpp-call";
    o.caller_number = "+380501234567";
    o.language = "en";
    o.system_prompt = "You sell tyres.";
    o.greeting = "Hello, tyre shop.";
    o.stt = "cpp-stt";
    o.tts = "cpp-tts";
    o.llm = "cpp-llm";
    return o;
  }
};

// Silence, then a speech-like tone (150 Hz and harmonics, 4 Hz syllables, about -18 dBFS)
// from 2.0 s to 3.2 s.
void caller_frame(int64_t t_ms, std::vector<int16_t> &frame) {
  for (size_t k = 0; k < frame.size(); ++k) {
    const double t = static_cast<double>(t_ms) / 1000.0 + static_cast<double>(k) / kRate;
    double v = 0;
    if (t >= 2.0 && t < 3.2) {
      const double pi = std::numbers::pi;
      const double syllable = 0.55 + 0.45 * std::sin(2 * pi * 4.0 * t);
      v = 11000.0 * syllable *
          (0.7 * std::sin(2 * pi * 150 * t) + 0.35 * std::sin(2 * pi * 300 * t + 0.3) +
           0.2 * std::sin(2 * pi * 450 * t + 0.6));
    }
    frame[k] = static_cast<int16_t>(v);
  }
}

}  // namespace

TEST_CASE("a whole call through callagent.hpp with C++ plug-ins") {
  Rig rig;
  std::vector<int> types;
  std::vector<int> states;
  std::string caller_turn;
  std::string hangup_reason;
  int64_t turn_ms = -1;
  auto options = rig.options();
  options.on_event = [&](const callagent::Event &e) {
    types.push_back(e.type);
    CHECK(std::string(e.type_name()) != "unknown");
    if (e.type == CA_EVENT_STATE_CHANGED) states.push_back(e.state);
    if (e.type == CA_EVENT_CALLER_TURN) {
      caller_turn = std::string(e.text);
      turn_ms = e.time_ns / kMs;
    }
    if (e.type == CA_EVENT_HANGUP_REQUESTED) hangup_reason = std::string(e.text);
    if (e.type == CA_EVENT_TURN_TIMELINE) {
      REQUIRE(e.timeline != nullptr);
      CHECK(e.timeline->first_frame_ready_ns >= e.timeline->stt_final_ns);
    }
  };
  callagent::Session session;
  REQUIRE(callagent::Session::create(rig.engine, std::move(options), session));
  CHECK(session.call_id() == "cpp-call");
  REQUIRE(session.frame_samples() == kRate / 50);

  std::vector<int16_t> in(session.frame_samples()), out;
  uint64_t frames = 0, audio_frames = 0, greeting_frames = 0, after_turn_frames = 0;
  for (int64_t t = 0; t <= 12000; t += 20) {
    rig.clock.now_ms = t;
    caller_frame(t, in);
    REQUIRE(session.push_audio(in));
    rig.clock.run_until(t);
    REQUIRE(session.process(t * kMs));
    bool has_audio = false;
    REQUIRE(session.pull_audio(out, has_audio));
    ++frames;
    if (has_audio) {
      ++audio_frames;
      if (t < 2000) ++greeting_frames;
      if (turn_ms >= 0 && t > turn_ms) ++after_turn_frames;
      CHECK(session.push_played(out.size()));
    }
  }

  CHECK(greeting_frames >= 40);
  CHECK(rig.tts->texts.front() == "Hello, tyre shop.");
  CHECK(rig.stt->opens == 1);
  CHECK(rig.stt->language == "en");
  CHECK(caller_turn == kCallerText);
  REQUIRE(rig.tool->invocations.size() == 1);
  CHECK(rig.tool->invocations[0].args == kToolArgs);
  CHECK(rig.tool->invocations[0].call_id == "cpp-call");
  CHECK(rig.tool->invocations[0].key.rfind("cpp-call:check_stock", 0) == 0);
  REQUIRE(rig.llm->requests.size() == 2);
  const auto &first = rig.llm->requests[0];
  CHECK(first.system_prompt == "You sell tyres.");
  REQUIRE(first.tools.size() == 1);
  CHECK(first.tools[0].name == "check_stock");
  CHECK(std::any_of(first.messages.begin(), first.messages.end(), [](const callagent::Message &m) {
    return m.role == callagent::Role::user && m.text.find(kCallerText) != std::string::npos;
  }));
  const auto &second = rig.llm->requests[1];
  CHECK(std::any_of(second.messages.begin(), second.messages.end(), [](const callagent::Message &m) {
    return m.role == callagent::Role::assistant && m.tool_calls.size() == 1 && m.tool_calls[0].id == "call_1" &&
           m.tool_calls[0].arguments_json == kToolArgs;
  }));
  CHECK(std::any_of(second.messages.begin(), second.messages.end(), [](const callagent::Message &m) {
    return m.role == callagent::Role::tool && m.tool_name == "check_stock" && m.tool_call_id == "call_1" &&
           m.text == kToolResult && !m.tool_error;
  }));
  CHECK(std::find(rig.tts->texts.begin(), rig.tts->texts.end(), "We have them.") != rig.tts->texts.end());
  CHECK(after_turn_frames >= 30);
  CHECK(std::count(types.begin(), types.end(), CA_EVENT_ERROR) == 0);
  CHECK(session.state() == CA_STATE_LISTENING);

  ca_session_stats stats;
  REQUIRE(session.stats(stats));
  CHECK(stats.frames_in == frames);
  CHECK(stats.frames_out == audio_frames);
  CHECK(stats.turns == 1);
  CHECK(stats.tool_calls == 1);

  REQUIRE(session.push_hangup());
  REQUIRE(session.process(12020 * kMs));
  CHECK(session.state() == CA_STATE_ENDED);
  CHECK(hangup_reason == "caller_hangup");
  CHECK(states.back() == CA_STATE_ENDED);

  // Moving keeps the handle and the callback.
  callagent::Session moved = std::move(session);
  CHECK(!session);
  CHECK(moved);
  CHECK(moved.state() == CA_STATE_ENDED);
  // An empty session refuses calls with a status instead of crashing.
  const callagent::Status st = session.process(0);
  CHECK(st.code() == CA_ERR_INVALID_ARGUMENT);
  CHECK(!st.detail().empty());
}

TEST_CASE("Status carries the failure's code and detail") {
  Rig rig;
  auto o = rig.options();
  o.llm = "missing";
  callagent::Session s;
  const callagent::Status st = callagent::Session::create(rig.engine, o, s);
  CHECK(!st);
  CHECK(st.code() == CA_ERR_NOT_FOUND);
  CHECK(std::string(st.name()) == "not found");
  CHECK(st.detail().find("missing") != std::string::npos);
  CHECK(!s);

  const callagent::Status dup = rig.engine.register_llm("cpp-llm", rig.llm);
  CHECK(dup.code() == CA_ERR_INVALID_ARGUMENT);
  CHECK(rig.engine.register_llm("x", nullptr).code() == CA_ERR_INVALID_ARGUMENT);

  o = rig.options();
  o.tools = std::vector<std::string>{"nope"};
  CHECK(callagent::Session::create(rig.engine, o, s).code() == CA_ERR_NOT_FOUND);
  o.tools = std::vector<std::string>{};  // no tools at all
  REQUIRE(callagent::Session::create(rig.engine, o, s));
  std::vector<int16_t> wrong(100);
  CHECK(s.push_audio(wrong).code() == CA_ERR_INVALID_ARGUMENT);
  CHECK(s.push_dtmf('?').code() == CA_ERR_INVALID_ARGUMENT);
  REQUIRE(s.process(10 * kMs));
  CHECK(s.process(5 * kMs).code() == CA_ERR_INVALID_ARGUMENT);
}

namespace {
class ThrowingLlm final : public callagent::LlmPlugin {
 public:
  void start(uint64_t, const callagent::LlmRequest &, callagent::LlmSink) override {
    ++starts;
    throw std::runtime_error("boom");
  }
  int starts = 0;
};

class ThrowingTts final : public callagent::TtsPlugin {
 public:
  void synthesize(uint64_t, const callagent::TtsRequest &, callagent::TtsSink) override {
    throw std::runtime_error("boom");
  }
};
}  // namespace

TEST_CASE("a plug-in's exception becomes an error result, never crosses the C ABI") {
  Rig rig;
  auto llm = std::make_shared<ThrowingLlm>();
  REQUIRE(rig.engine.register_llm("throws", llm));
  REQUIRE(rig.engine.register_tts("throws", std::make_shared<ThrowingTts>()));
  auto o = rig.options();
  o.llm = "throws";
  int errors = 0;
  o.on_event = [&](const callagent::Event &e) {
    if (e.type == CA_EVENT_ERROR) ++errors;
    throw std::runtime_error("an observer that throws is ignored too");
  };
  callagent::Session s;
  REQUIRE(callagent::Session::create(rig.engine, std::move(o), s));
  std::vector<int16_t> in(s.frame_samples()), out;
  for (int64_t t = 0; t <= 6000; t += 20) {
    rig.clock.now_ms = t;
    caller_frame(t, in);
    REQUIRE(s.push_audio(in));
    rig.clock.run_until(t);
    REQUIRE(s.process(t * kMs));
    bool has_audio = false;
    REQUIRE(s.pull_audio(out, has_audio));
  }
  CHECK(llm->starts >= 1);
  CHECK(errors >= 1);
  CHECK(s.state() != CA_STATE_ENDED);

  // A session with a TTS that throws: the greeting fails, the call goes on.
  auto o2 = rig.options();
  o2.tts = "throws";
  callagent::Session s2;
  REQUIRE(callagent::Session::create(rig.engine, o2, s2));
  REQUIRE(s2.process(0));
  REQUIRE(s2.process(20 * kMs));
  bool has_audio = true;
  REQUIRE(s2.pull_audio(out, has_audio));
  CHECK(!has_audio);
}

TEST_CASE("plug-ins live until the engine and their sessions are gone; the log callback") {
  Clock clock;
  auto stt = std::make_shared<Stt>(clock);
  std::weak_ptr<Stt> weak = stt;
  std::vector<std::string> lines;
  callagent::Engine engine;
  callagent::EngineOptions eo;
  eo.log = [&](int level, std::string_view line) {
    CHECK(level == CA_LOG_DEBUG);
    lines.emplace_back(line);
  };
  eo.log_level = CA_LOG_DEBUG;
  REQUIRE(callagent::Engine::create(engine, std::move(eo)));
  REQUIRE(engine.register_stt("s", std::move(stt)));
  REQUIRE(engine.register_tts("t", std::make_shared<Tts>(clock)));
  REQUIRE(engine.register_llm("l", std::make_shared<Llm>(clock)));
  callagent::SessionOptions o;
  o.call_id = "log-test";
  o.stt = "s";
  o.tts = "t";
  o.llm = "l";
  callagent::Session s;
  REQUIRE(callagent::Session::create(engine, o, s));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("\"session created\"") != std::string::npos);
  CHECK(lines[0].find("log-test") != std::string::npos);

  // Back to the default level before the callback goes, so nothing reaches stderr.
  callagent::Engine quiet;
  callagent::EngineOptions qo;
  qo.log_level = CA_LOG_INFO;
  REQUIRE(callagent::Engine::create(quiet, std::move(qo)));
  engine.reset();
  CHECK(!weak.expired());  // the session still uses it
  s.reset();
  CHECK(weak.expired());
  CHECK(lines.size() == 1);  // debug is off again
}

namespace {
// Delivers each synthesis from its own thread; the test joins them.
class ThreadedTts final : public callagent::TtsPlugin {
 public:
  void synthesize(uint64_t, const callagent::TtsRequest &request, callagent::TtsSink sink) override {
    const size_t n = request.text.size() * kRate / 20;
    threads.emplace_back([sink = std::move(sink), n]() mutable {
      std::vector<int16_t> pcm(n, 3000);
      CHECK(sink.audio(pcm, kRate));
      CHECK(sink.done());
      sink.release();
    });
  }
  void join() {
    for (auto &t : threads) t.join();
    threads.clear();
  }
  std::vector<std::thread> threads;
};

// Keeps every sink it gets, delivering nothing until the test says so.
class HoldingTts final : public callagent::TtsPlugin {
 public:
  void synthesize(uint64_t, const callagent::TtsRequest &, callagent::TtsSink sink) override {
    held.push_back(std::move(sink));
  }
  std::vector<callagent::TtsSink> held;
};
}  // namespace

TEST_CASE("sinks work from other threads, and after the session is gone") {
  Rig rig;
  auto threaded = std::make_shared<ThreadedTts>();
  auto holding = std::make_shared<HoldingTts>();
  REQUIRE(rig.engine.register_tts("threaded", threaded));
  REQUIRE(rig.engine.register_tts("holding", holding));

  auto o = rig.options();
  o.tts = "threaded";
  callagent::Session s;
  REQUIRE(callagent::Session::create(rig.engine, o, s));
  std::vector<int16_t> out;
  int audio = 0;
  for (int64_t t = 0; t <= 2000; t += 20) {
    REQUIRE(s.process(t * kMs));
    threaded->join();  // the results are in the mailbox before the next process
    bool has_audio = false;
    REQUIRE(s.pull_audio(out, has_audio));
    audio += has_audio ? 1 : 0;
  }
  CHECK(audio >= 40);
  s.reset();

  o.tts = "holding";
  REQUIRE(callagent::Session::create(rig.engine, o, s));
  REQUIRE(s.process(0));
  REQUIRE(holding->held.size() == 1);
  // interrupt() may come from any thread; it only enqueues.
  std::thread([&] { CHECK(s.interrupt()); }).join();
  REQUIRE(s.process(20 * kMs));
  s.reset();
  // The session is gone; its sink still takes results (dropped), from any thread.
  std::thread([&] {
    std::vector<int16_t> pcm(160, 1000);
    CHECK(holding->held[0].audio(pcm, kRate));
    CHECK(holding->held[0].done());
  }).join();
  holding->held.clear();
}
