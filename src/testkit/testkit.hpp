// The test kit: scripted providers with set latencies and a call simulator that plays a caller
// script against a session on a virtual clock. A ten-minute call runs in milliseconds, and the
// same script gives the same timeline every time. Integrators use it to test their own prompts,
// tools and settings; the library's own session tests are written with it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "providers/provider.hpp"
#include "session/session.hpp"

namespace ca::testkit {

constexpr Nanos kNever = INT64_MAX;

// Virtual time and the events scheduled on it. Everything in the kit runs on the simulator's
// thread, in time order, and in scheduling order for equal times.
class Scheduler {
 public:
  Nanos now() const { return now_; }
  void at(Nanos t, std::function<void()> fn);
  void after(Nanos delay, std::function<void()> fn) { at(now_ + delay, std::move(fn)); }
  Nanos next_time() const;
  // Runs every event due at or before `t`, then sets the clock to `t`.
  void run_until(Nanos t);

 private:
  Nanos now_ = 0;
  uint64_t seq_ = 0;
  std::multimap<std::pair<Nanos, uint64_t>, std::function<void()>> items_;
};

// What the caller said between two times, for the scripted STT (the simulator knows its script).
using TranscriptSource = std::function<std::string(Nanos from, Nanos to)>;

// Recognition with set latencies: an interim (the first word) `interim_latency` after speech
// with words reaches the stream, the whole text as a final `final_latency` after finish().
class ScriptedStt final : public providers::SttProvider {
 public:
  struct Options {
    Nanos interim_latency = millis(300);
    Nanos final_latency = millis(150);
    bool interims = true;
    bool fail = false;  // every stream ends in an error
  };
  ScriptedStt(Scheduler &s, TranscriptSource source, Options o);
  std::string_view name() const override { return "scripted"; }
  void open(const providers::SttParams &p, std::shared_ptr<providers::SttSink> sink) override;
  void push(providers::RequestId id, std::span<const int16_t> pcm) override;
  void finish(providers::RequestId id) override;
  void cancel(providers::RequestId id) override;
  int streams_opened() const { return opened_; }

 private:
  struct Stream {
    std::shared_ptr<providers::SttSink> sink;
    Nanos opened = 0;
    Nanos audio_start = 0;  // the pre-roll reaches back before the open
    bool interim_sent = false;
    bool live = true;
  };
  Scheduler &s_;
  TranscriptSource source_;
  Options o_;
  int rate_ = 8000;
  std::map<providers::RequestId, Stream> streams_;
  int opened_ = 0;
};

// One scripted LLM answer.
struct LlmReply {
  std::string text;
  std::vector<agent::ToolCall> tool_calls;
  Nanos first_token = millis(400);
  double tokens_per_second = 30;  // a "token" here is a word with its trailing space
  // Failure: an error after this many tokens (-1: none; 0: before the first token).
  int fail_after_tokens = -1;
  bool never_finish = false;      // stalls after its text (for timeouts)
};

// Answers requests in order from a script, or through a function of the request.
class ScriptedLlm final : public providers::LlmProvider {
 public:
  using Responder = std::function<LlmReply(const providers::LlmRequest &, int index)>;
  ScriptedLlm(Scheduler &s, std::vector<LlmReply> script);
  ScriptedLlm(Scheduler &s, Responder responder);
  std::string_view name() const override { return "scripted"; }
  void start(const providers::LlmRequest &r, std::shared_ptr<providers::LlmSink> sink) override;
  void cancel(providers::RequestId id) override;
  const std::vector<providers::LlmRequest> &requests() const { return requests_; }
  int cancelled() const { return cancelled_; }

 private:
  Scheduler &s_;
  std::vector<LlmReply> script_;
  Responder responder_;
  std::vector<providers::LlmRequest> requests_;
  std::map<providers::RequestId, bool> live_;
  int cancelled_ = 0;
};

// Synthesis with a set latency; the audio is a voiced, speech-like tone whose length follows the
// text (`ms_per_char`), delivered in 20 ms chunks at `realtime_factor` times real time.
class ScriptedTts final : public providers::TtsProvider {
 public:
  struct Options {
    Nanos first_audio = millis(150);
    double ms_per_char = 60;
    double realtime_factor = 5;  // synthesis runs 5x faster than playback
    int sample_rate = 0;         // 0: the rate asked for
    double level_dbfs = -16;
    bool fail = false;
  };
  ScriptedTts(Scheduler &s, Options o);
  std::string_view name() const override { return "scripted"; }
  void synthesize(const providers::TtsRequest &r, std::shared_ptr<providers::TtsSink> sink) override;
  void cancel(providers::RequestId id) override;
  const std::vector<std::string> &texts() const { return texts_; }
  const std::vector<std::string> &languages() const { return languages_; }  // of each request
  int cancelled() const { return cancelled_; }
  static Nanos duration_of(const std::string &text, double ms_per_char);

 private:
  Scheduler &s_;
  Options o_;
  std::vector<std::string> texts_;
  std::vector<std::string> languages_;
  std::map<providers::RequestId, bool> live_;
  int cancelled_ = 0;
};

// A tool with a set latency and result.
class ScriptedTool final : public providers::Tool {
 public:
  ScriptedTool(Scheduler &s, providers::ToolSpec spec, std::string result_json, Nanos latency,
               providers::ToolResult::Action action = providers::ToolResult::Action::none);
  const providers::ToolSpec &spec() const override { return spec_; }
  void invoke(providers::RequestId id, std::string_view args, const providers::ToolContext &ctx,
              std::shared_ptr<providers::ToolSink> sink) override;
  void cancel(providers::RequestId id) override;
  struct Invocation {
    Nanos at;
    std::string arguments;
    std::string idempotency_key;
  };
  const std::vector<Invocation> &invocations() const { return invocations_; }
  int cancelled() const { return cancelled_; }

 private:
  Scheduler &s_;
  providers::ToolSpec spec_;
  std::string result_;
  Nanos latency_;
  providers::ToolResult::Action action_;
  std::vector<Invocation> invocations_;
  int cancelled_ = 0;
};

// What the caller does, on the session clock.
struct CallerScript {
  struct Speech {
    Nanos at = 0;
    Nanos duration = millis(1000);
    std::string text;          // what the STT will hear ("" for a cough or noise)
    double level_dbfs = -18;
  };
  std::vector<Speech> speech;
  std::vector<std::pair<Nanos, char>> dtmf;
  Nanos hangup_at = kNever;
  // The bot's own audio coming back on the caller's line.
  bool echo = false;
  double echo_db = -12;
  Nanos echo_delay = millis(120);
  // Transfer results the "host" reports, in order, `transfer_delay` after each request.
  std::vector<bool> transfer_results;
  Nanos transfer_delay = millis(500);
};

struct TimedEvent {
  Nanos at = 0;
  session::Event event;
};

struct SimResult {
  std::vector<TimedEvent> events;
  std::vector<int16_t> outbound;  // everything the bot sent, at the call's rate
  Nanos ended_at = kNever;
  session::State final_state = session::State::idle;
  uint64_t process_calls = 0;
  uint64_t stuck_deadlines = 0;  // next_deadline() at or before the last process(): a session bug
  std::vector<uint8_t> recording;  // when the simulator was asked to record

  // The first event of a type at or after `from`; nullptr if none.
  const TimedEvent *first(session::Event::Type t, Nanos from = 0) const;
  std::vector<const TimedEvent *> all(session::Event::Type t) const;
  // When the bot's outbound audio turned non-silent / silent, as (start, end) spans.
  std::vector<std::pair<Nanos, Nanos>> bot_audio_spans(int sample_rate) const;
};

// What a scripted STT hears of `speech` between two times: the words of every utterance that
// overlaps the interval by at least half its length or 300 ms.
TranscriptSource transcript_of(std::vector<CallerScript::Speech> speech);

// Runs a session against a caller script: a frame of caller audio every 20 ms, provider events
// at their scripted times, process() at every deadline, a frame pulled every 20 ms.
class CallSimulator {
 public:
  CallSimulator(session::SessionConfig config, CallerScript script);
  Scheduler &scheduler() { return sched_; }
  // Providers: use the scripted ones (or any others driven by this scheduler).
  session::Providers &providers() { return providers_; }
  TranscriptSource transcript_source() const;
  SimResult run(Nanos until);
  session::Session *session() { return session_.get(); }
  // Record the session's inputs for replay (SimResult::recording).
  void set_recording(bool on) { record_ = on; }

 private:
  void make_caller_frame(Nanos t, std::vector<int16_t> &frame);

  session::SessionConfig cfg_;
  CallerScript script_;
  Scheduler sched_;
  session::Providers providers_;
  std::unique_ptr<session::Session> session_;
  std::vector<int16_t> outbound_;
  bool record_ = false;
};

// A speech-like test signal (harmonics of a gliding pitch, amplitude-modulated at syllable rate),
// deterministic for a seed.
void speech_like(std::vector<int16_t> &out, size_t offset, size_t n, int sample_rate, double level_dbfs,
                 uint32_t seed);

}  // namespace ca::testkit
