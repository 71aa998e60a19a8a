// The call session: a sans-IO state machine that decides when the caller has finished, when the
// bot speaks, when it stops because the caller talks over it, and that the line is never dead.
//
// It owns no thread, socket or clock. The owning thread drives it:
//   push_*     caller audio, DTMF, hangup, samples actually played, transfer results;
//   process    at time `now`: drains the mailbox (provider and tool results), runs timers;
//   pull       the next outbound 20 ms frame, or silence.
// next_deadline() says when process() must run next. Provider sinks may be called from any thread
// and only enqueue; so does interrupt(). Events go to the observer on the owning thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agent/conversation.hpp"
#include "agent/pii_vault.hpp"
#include "audio/reframer.hpp"
#include "audio/resampler.hpp"
#include "core/clock.hpp"
#include "providers/provider.hpp"
#include "session/clause_splitter.hpp"
#include "session/echo_canceller.hpp"
#include "session/echo_gate.hpp"
#include "session/phrases.hpp"
#include "session/replay.hpp"
#include "session/vad.hpp"

namespace ca::session {

using providers::RequestId;

enum class State : uint8_t { idle, greeting, listening, thinking, speaking, transferring, ended };
const char *state_name(State s);

// Every constant of turn-taking ([session] in the configuration).
struct SessionConfig {
  std::string call_id;
  std::string caller_number;
  std::string called_number;
  int sample_rate = 8000;  // the call's rate: caller audio in, bot audio out
  std::string language = "uk";
  std::string system_prompt;
  std::string greeting;  // empty: the language's default (with the automated-processing disclosure)
  bool greeting_interruptible = false;

  Nanos preroll = millis(300);               // audio before speech onset that goes to the STT
  Nanos speech_onset = millis(40);           // voiced audio that makes an utterance
  Nanos end_of_turn_silence = millis(600);   // silence (plus an STT final) that ends the caller's turn
  Nanos eager_start_silence = millis(250);   // silence after which the LLM may start early
  Nanos barge_in_min_speech = millis(80);    // caller speech over the bot that mutes it
  Nanos barge_in_commit_speech = millis(400);  // ... that interrupts it even without words
  Nanos barge_in_resume_silence = millis(300);  // silence after a mute that resumes the bot

  Nanos silence_timeout = seconds(15);  // the silence ladder: re-prompt, "still there?", farewell
  int silence_prompts = 3;
  Nanos max_duration = seconds(15 * 60);
  Nanos filler_delay = millis(600);     // nothing to play this long after the turn: a filler
  Nanos filler_repeat = seconds(8);
  Nanos llm_timeout = seconds(45);      // a whole LLM round
  Nanos tool_timeout = seconds(15);
  Nanos stt_timeout = seconds(5);       // a finished utterance's last results
  Nanos tts_timeout = seconds(10);      // a clause's first audio
  int max_tool_rounds = 5;
  char operator_digit = '0';            // DTMF digit that asks for an operator; 0: none
  size_t clause_min_chars = 25;
  // The first clause of a reply goes to synthesis after this many words even mid-sentence: the
  // caller hears the answer start sooner. 0: wait for a clause boundary.
  size_t first_clause_words = 6;
  // Request ids (STT streams, LLM rounds, TTS clauses, tool runs) start above this. Providers are
  // shared by every session of an engine and cancel() carries only an id, so ids must not repeat
  // across sessions: 0 takes a fresh range of 2^32 ids from a process-wide counter. A replay uses
  // the recorded value, so it asks its providers for exactly the same ids.
  uint64_t request_id_base = 0;
  // Messages an LLM round sees; older ones reach it as a summary in the system prompt.
  size_t history_window = 40;
  Nanos stt_finish_silence = millis(120);  // silence after which the utterance's STT stream is finished
  int tts_lookahead = 1;                // clauses synthesised ahead of the one playing

  VadConfig vad;            // sample_rate is taken from above
  EchoGateConfig echo;      // sample_rate is taken from above
  // Optional: cancel the bot's echo from the caller's audio (speexdsp) before the VAD and the
  // STT see it. Costs ~50-150 us a frame; for lines whose echo is too loud for the gate alone.
  bool echo_canceller = false;
  // Phones, e-mails, cards and IBANs reach the LLM as placeholders ([PHONE_1]) and are put back in
  // tool arguments and in what the bot says (agent/pii_vault.hpp).
  bool pii_masking = true;
  // The LLM's text is shaped for speech before synthesis (sizes, prices, dates, phone numbers and
  // abbreviations read out in the clause's language; text/speech.hpp), and each reply clause is
  // spoken in the language it is written in, so a caller answered in Russian hears a Russian voice.
  bool speakable = true;
  Nanos echo_canceller_tail = millis(256);
};

// What the session asks its host to do, and what it tells observers.
struct Event {
  enum class Type : uint8_t {
    state_changed,       // `state`
    caller_interim,      // `text`
    caller_turn,         // `text`: the caller's committed turn
    bot_clause,          // `text`: a clause queued for speech
    bot_heard,           // `text`: what the caller heard of the bot's reply (history)
    barge_in_muted,
    barge_in_resumed,
    barge_in_committed,
    tool_started,        // `text`: tool name, `detail`: arguments
    tool_finished,       // `text`: tool name, `detail`: result, `ok`
    dtmf,                // `text`: the digit
    transfer_requested,  // `text`: reason, `detail`: summary
    hangup_requested,    // `text`: reason
    turn_timeline,       // `timeline`
    error,               // `text`: what failed, `recoverable`
    filler,              // `text`
  };
  Type type = Type::state_changed;
  State state = State::idle;
  std::string text;
  std::string detail;
  bool ok = true;
  bool recoverable = true;
  struct Timeline {
    int turn = 0;
    // Session-clock times; 0: did not happen.
    Nanos speech_end = 0, stt_final = 0, llm_request = 0, llm_first_token = 0, first_clause = 0,
          tts_first_audio = 0, first_frame_ready = 0;
  } timeline;
};

const char *event_type_name(Event::Type t);

using EventCallback = std::function<void(const Event &)>;

struct Providers {
  std::shared_ptr<providers::SttProvider> stt;
  std::shared_ptr<providers::TtsProvider> tts;
  std::shared_ptr<providers::LlmProvider> llm;
  std::vector<std::shared_ptr<providers::Tool>> tools;
};

struct SessionStats {
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;         // pulled with audio
  uint64_t frames_silent = 0;      // pulled as silence
  uint64_t turns = 0;
  uint64_t barge_ins = 0;          // committed
  uint64_t barge_in_resumes = 0;   // muted, then resumed
  uint64_t llm_requests = 0;
  uint64_t tool_calls = 0;
  uint64_t fillers = 0;
  // What the providers are billed on (core/cost.hpp prices them): tokens the LLM reported, caller
  // audio sent to the recogniser, characters sent for synthesis (phrase-cache hits included: the
  // cache is the provider's business).
  uint64_t llm_input_tokens = 0;
  uint64_t llm_output_tokens = 0;
  uint64_t stt_audio_ms = 0;
  uint64_t tts_characters = 0;
};

class Mailbox;

class Session {
 public:
  Session(SessionConfig config, Providers providers, EventCallback on_event);
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  // ---- owning thread ----
  void push_audio(std::span<const int16_t> frame);  // caller audio at the call's rate, 20 ms
  void push_dtmf(char digit);
  void push_hangup();                               // the caller hung up
  void push_played(uint64_t samples);               // this many pulled samples actually played
  void push_transfer_result(bool ok);
  void process(Nanos now);
  // When process() must run next; INT64_MAX when only new input can change anything.
  // True while a plug-in result is awaited: an STT stream's last final, an LLM round, a tool, a
  // synthesis. A host that runs a recording faster than real time keeps real time only then.
  bool waiting_for_plugins() const;
  Nanos next_deadline() const;
  // Fills `out` (20 ms at the call's rate). False: silence (out is zeroed).
  bool pull(std::span<int16_t> out);

  State state() const { return state_; }
  bool ended() const { return state_ == State::ended; }
  const SessionStats &stats() const { return stats_; }
  const agent::Conversation &conversation() const { return conversation_; }
  const SessionConfig &config() const { return cfg_; }
  size_t frame_samples() const { return frame_samples_; }

  // Called from whichever thread delivers a provider or tool result when the session had none
  // pending: the host should run process() soon. It must not call into the session (signal the
  // host's loop instead) and should be quick: it runs under the mailbox's lock, which is what
  // guarantees that it never runs after the session is destroyed. Set it before the first
  // process().
  void set_wake(std::function<void()> wake);

  // ---- any thread ----
  // Stops the bot's speech as a committed barge-in would (e.g. the host's own detector).
  void interrupt();

  // ---- replay (owning thread) ----
  // Starts recording every input; only before the first process() (false afterwards: a
  // recording that misses the start cannot be replayed). The recording holds the configuration
  // and tool specs, caller audio, and provider results (TTS audio included).
  bool start_recording();
  bool recording() const { return rec_ != nullptr && !replay_mode(); }
  // Ends the recording and returns it (see session/replay.hpp); empty if none was started.
  std::vector<uint8_t> stop_recording();

 private:
  friend class Mailbox;
  friend Result<ReplayReport> replay(std::span<const uint8_t> recording);
  struct Recording;
  struct Clause;
  struct ToolRun;
  enum class Kind : uint8_t { reply, greeting, filler, prompt, farewell, transfer, notice };

  // inputs
  void on_caller_frame(std::span<const int16_t> frame, Nanos now);
  void on_stt(RequestId id, providers::SttEvent ev, Nanos now);
  void on_llm_text(RequestId id, const std::string &delta, Nanos now);
  void on_llm_tool_call(RequestId id, agent::ToolCall call);
  void on_llm_done(RequestId id, Nanos now);
  void on_llm_error(RequestId id, const std::string &message, Nanos now);
  void on_tts_audio(RequestId id, std::span<const int16_t> pcm, int rate, Nanos now);
  void on_tts_done(RequestId id, bool ok, const std::string &error);
  void on_tool_result(RequestId id, providers::ToolResult result, Nanos now);

  // caller side
  void caller_speech_started(Nanos now);
  void after_voice(Nanos now);
  void caller_speech_ended();
  void open_stt();
  void stt_closed();
  void finish_stt();
  void maybe_start_eager(Nanos now);
  void maybe_commit_turn(Nanos now);
  void commit_turn(Nanos now);

  // bot side
  void start_llm(Nanos now);
  void cancel_llm();
  void finish_round(Nanos now);
  void run_tools(Nanos now);
  void maybe_tools_done(Nanos now);
  void queue_clause(Kind kind, std::string text, Nanos now);
  void request_tts(Clause &c);
  void pump_tts();
  void retire_finished();
  void drop_speech(bool keep_protected);
  void drop_reply_speech();
  bool bot_audible() const;
  bool current_clause_protected() const;
  void after_speech(Nanos now);
  void reply_finished(Nanos now);
  std::string transfer_summary() const;
  bool silence_ladder_armed() const;
  Nanos silent_since() const;

  // barge-in
  void mute();
  void resume();
  void commit_barge_in(Nanos now);

  // timers and states
  void run_timers(Nanos now);
  void set_state(State s);
  void emit(Event e);
  void emit_simple(Event::Type t, std::string text = {}, std::string detail = {});
  void start(Nanos now);
  void begin_listening(Nanos now);
  void request_transfer(std::string reason, Nanos now);
  void end_call(std::string reason);

  SessionConfig cfg_;
  Providers providers_;
  EventCallback on_event_;
  const Phrases &phrases_;
  std::shared_ptr<Mailbox> mailbox_;
  agent::Conversation conversation_;
  agent::PiiVault vault_;  // this call's placeholders
  // The reply so far with this call's placeholders put back: what the caller hears.
  std::string heard_reply() const { return cfg_.pii_masking ? vault_.restore(llm_text_) : llm_text_; }
  SessionStats stats_;
  State state_ = State::idle;
  size_t frame_samples_;
  RequestId next_id_ = 1;
  Nanos now_ = 0;
  Nanos started_at_ = -1;

  // owning-thread inputs not yet processed
  // Caller audio pushed since the last process(), back to back; capacity is kept, so the steady
  // state allocates nothing.
  std::vector<int16_t> pending_pcm_;
  std::vector<uint32_t> pending_sizes_;
  std::vector<char> pending_dtmf_;
  bool pending_hangup_ = false;
  std::optional<bool> pending_transfer_result_;

  // caller side
  EnergyVad vad_;
  EchoGate echo_;
  std::unique_ptr<EchoCanceller> aec_;
  std::vector<int16_t> aec_frame_;
  std::string aec_failure_;
  // The last preroll_slots_ caller frames, in a ring of fixed frame-sized slots.
  std::vector<int16_t> preroll_ring_;
  size_t preroll_slots_;
  size_t preroll_head_ = 0;   // the slot the next frame goes to
  size_t preroll_count_ = 0;  // frames held
  std::span<const int16_t> preroll_frame(size_t i) const;  // 0: the oldest held
  // The caller's frames since the current stream was finished, while it is finishing (at most
  // kBacklogMax); emptied when that stream closes (stt_closed), so it is non-empty only while the
  // stream it follows is open. What a caller who resumes says before a slow recogniser is done
  // goes to the next stream whole (open_stt), not just the pre-roll's last 300 ms.
  static constexpr size_t kBacklogMax = 1500;  // frames: 30 s
  std::vector<int16_t> backlog_;
  bool caller_speaking_ = false;
  bool utterance_backchannel_ = false;  // the words heard of this utterance so far only acknowledge
  Nanos voiced_run_ = 0;          // consecutive voiced audio
  Nanos speech_since_ = 0;        // onset of the current utterance
  Nanos last_voice_at_ = 0;       // time of the last voiced frame
  RequestId stt_id_ = 0;
  bool stt_finishing_ = false;
  Nanos stt_finished_at_ = 0;
  std::string turn_text_;         // finals of the caller's turn so far
  bool turn_has_final_ = false;
  Nanos turn_final_at_ = 0;
  bool turn_committed_ = true;    // nothing pending from the caller
  std::optional<std::string> waiting_turn_;  // committed while tools of the last reply still run

  // bot side
  RequestId llm_id_ = 0;
  Nanos llm_started_at_ = 0;
  bool llm_speculative_ = false;  // started before the turn was committed
  std::string speculative_text_;
  bool llm_first_token_ = false;
  bool llm_done_ = false;
  Nanos first_token_at_ = 0, first_clause_at_ = 0, first_audio_at_ = 0;  // of the current request
  std::string llm_text_;          // this round's text
  size_t llm_clauses_ = 0;        // clauses this round has produced
  std::vector<agent::ToolCall> llm_calls_;
  ClauseSplitter splitter_;
  int round_ = 0;
  std::vector<std::unique_ptr<Clause>> clauses_;  // in play order
  uint64_t pulled_total_ = 0;     // samples of audio frames handed out
  uint64_t played_total_ = 0;     // ... that the host reports played
  bool played_reported_ = false;
  std::map<RequestId, std::string> heard_;     // per LLM request: clauses played to the end
  std::map<RequestId, size_t> message_of_;     // per LLM request: its assistant message
  bool muted_ = false;
  bool last_pull_audio_ = false;
  std::map<RequestId, std::unique_ptr<ToolRun>> tools_;
  std::vector<RequestId> tool_order_;
  Event::Timeline timeline_;
  int turn_no_ = 0;
  int silence_count_ = 0;
  Nanos listening_since_ = 0;
  Nanos filler_at_ = 0;           // 0: no filler armed
  std::string tool_wait_phrase_;  // said at filler_at_ if the tools are still running then
  size_t filler_next_ = 0;
  bool transfer_after_speech_ = false;
  std::string transfer_reason_;
  bool hangup_after_speech_ = false;
  std::string hangup_reason_;
  bool max_duration_hit_ = false;
  std::unique_ptr<Recording> rec_;  // recording or replaying: inputs logged, actions hashed
  void note_action(std::string_view what, std::string_view detail = {});
  bool replay_mode() const;
};

}  // namespace ca::session
