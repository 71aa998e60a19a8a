#include "session/session.hpp"

#include "core/json.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>

#include "agent/tool_key.hpp"
#include "audio/frame.hpp"
#include "core/fnv.hpp"
#include "session/llm_request.hpp"
#include "session/text_utils.hpp"
#include "text/lang.hpp"
#include "text/speech.hpp"

namespace ca::session {

namespace {
constexpr Nanos kFrame = millis(20);
constexpr Nanos kNever = std::numeric_limits<Nanos>::max();
// Voice must stop this long before the utterance counts as over (and the STT stream is finished).
constexpr Nanos kSpeechHangover = millis(200);
// Echo return loss the gate assumes on top of its own when the canceller runs first (a
// converged speexdsp filter gives 15-28 dB; 10 keeps a margin for its first seconds).
constexpr double kCancellerGateAllowance = 10.0;
// How long the end of a turn waits for a recogniser's last final.
constexpr Nanos kSttGrace = millis(1500);
}  // namespace

const char *state_name(State s) {
  switch (s) {
    case State::idle: return "idle";
    case State::greeting: return "greeting";
    case State::listening: return "listening";
    case State::thinking: return "thinking";
    case State::speaking: return "speaking";
    case State::transferring: return "transferring";
    case State::ended: return "ended";
  }
  return "unknown";
}

const char *event_type_name(Event::Type t) {
  using T = Event::Type;
  switch (t) {
    case T::state_changed: return "state_changed";
    case T::caller_interim: return "caller_interim";
    case T::caller_turn: return "caller_turn";
    case T::bot_clause: return "bot_clause";
    case T::bot_heard: return "bot_heard";
    case T::barge_in_muted: return "barge_in_muted";
    case T::barge_in_resumed: return "barge_in_resumed";
    case T::barge_in_committed: return "barge_in_committed";
    case T::tool_started: return "tool_started";
    case T::tool_finished: return "tool_finished";
    case T::dtmf: return "dtmf";
    case T::transfer_requested: return "transfer_requested";
    case T::hangup_requested: return "hangup_requested";
    case T::turn_timeline: return "turn_timeline";
    case T::error: return "error";
    case T::filler: return "filler";
  }
  return "unknown";
}

// ---- the mailbox: any thread in, the owning thread out ----

class Mailbox final : public providers::SttSink,
                      public providers::TtsSink,
                      public providers::LlmSink,
                      public providers::ToolSink {
 public:
  struct Item {
    enum class Kind : uint8_t { interrupt, stt, llm_text, llm_call, llm_done, llm_error, tts_audio, tts_done,
                                tts_error, tool_result };
    Kind kind = Kind::interrupt;
    RequestId id = 0;
    providers::SttEvent stt;
    std::string text;
    agent::ToolCall call;
    std::vector<int16_t> pcm;
    int rate = 0;
    providers::ToolResult tool;
    providers::LlmUsage usage;
  };

  void on_stt(RequestId id, providers::SttEvent ev) override {
    Item i;
    i.kind = Item::Kind::stt;
    i.id = id;
    i.stt = std::move(ev);
    put(std::move(i));
  }
  void on_tts_audio(RequestId id, std::span<const int16_t> pcm, int rate) override {
    Item i;
    i.kind = Item::Kind::tts_audio;
    i.id = id;
    i.pcm.assign(pcm.begin(), pcm.end());
    i.rate = rate;
    put(std::move(i));
  }
  void on_tts_done(RequestId id) override { put(simple(Item::Kind::tts_done, id)); }
  void on_tts_error(RequestId id, std::string message) override {
    Item i = simple(Item::Kind::tts_error, id);
    i.text = std::move(message);
    put(std::move(i));
  }
  void on_llm_text(RequestId id, std::string_view delta) override {
    Item i = simple(Item::Kind::llm_text, id);
    i.text = std::string(delta);
    put(std::move(i));
  }
  void on_llm_tool_call(RequestId id, agent::ToolCall call) override {
    Item i = simple(Item::Kind::llm_call, id);
    i.call = std::move(call);
    put(std::move(i));
  }
  void on_llm_done(RequestId id, providers::LlmUsage usage) override {
    Item i = simple(Item::Kind::llm_done, id);
    i.usage = usage;
    put(std::move(i));
  }
  void on_llm_error(RequestId id, std::string message) override {
    Item i = simple(Item::Kind::llm_error, id);
    i.text = std::move(message);
    put(std::move(i));
  }
  void on_tool_result(RequestId id, providers::ToolResult result) override {
    Item i = simple(Item::Kind::tool_result, id);
    i.tool = std::move(result);
    put(std::move(i));
  }
  void interrupt() { put(simple(Item::Kind::interrupt, 0)); }

  // Replay: the recorded results, as if the providers had just delivered them.
  void inject(std::vector<Item> items) {
    std::lock_guard lock(mu_);
    for (auto &i : items) items_.push_back(std::move(i));
  }
  void take(std::vector<Item> &out) {
    std::lock_guard lock(mu_);
    out.swap(items_);
  }
  bool empty() {
    std::lock_guard lock(mu_);
    return items_.empty();
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    items_.clear();
  }

 private:
  static Item simple(Item::Kind k, RequestId id) {
    Item i;
    i.kind = k;
    i.id = id;
    return i;
  }
  void put(Item &&i) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    const bool first = items_.empty();
    items_.push_back(std::move(i));
    // Only on the transition to non-empty: one wake-up per batch, however many results follow.
    // Under the lock, so that once close() has returned no wake-up is running or can start.
    if (first && wake_) wake_();
  }

 public:
  // Set before any provider can deliver (before the first process), never changed after.
  std::function<void()> wake_;

 private:

  std::mutex mu_;
  std::vector<Item> items_;
  bool closed_ = false;
};

// ---- speech being played ----

struct Session::Clause {
  Kind kind = Kind::reply;
  std::string text;
  RequestId llm_request = 0;   // reply: the LLM request it came from
  RequestId tts_id = 0;
  bool requested = false;
  bool tts_done = false;
  bool hold = false;          // a speculative reply: not to be played before the turn commits
  bool protect = false;       // not interruptible
  std::vector<int16_t> audio;  // at the call's rate
  size_t read = 0;             // samples pulled
  uint64_t pull_offset = 0;    // position of audio[0] in the pulled stream (set when it starts)
  bool started = false;
  Nanos requested_at = 0;
  std::optional<audio::Resampler> resampler;
  int source_rate = 0;

  bool finished() const { return tts_done && read >= audio.size(); }
};

struct Session::ToolRun {
  std::vector<agent::ToolCall> calls;  // identical calls share one run
  std::string name;
  Nanos deadline = 0;
  bool done = false;
  providers::ToolResult result;
};

// ---- recording ----

namespace {
constexpr char kReplayMagic[8] = {'C', 'A', 'R', 'E', 'P', 'L', 'A', 'Y'};
enum class Rec : uint8_t { process = 1, audio, dtmf, hangup, played, transfer, item, pull, end };

class Writer {
 public:
  std::vector<uint8_t> bytes;
  void u8(uint8_t v) { bytes.push_back(v); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  void str(std::string_view v) {
    u32(static_cast<uint32_t>(v.size()));
    bytes.insert(bytes.end(), v.begin(), v.end());
  }
  void pcm(std::span<const int16_t> v) {
    u32(static_cast<uint32_t>(v.size()));
    raw(v.data(), v.size() * 2);
  }

 private:
  // The file is little-endian; so is every machine this runs on (checked at compile time).
  void raw(const void *p, size_t n) {
    static_assert(std::endian::native == std::endian::little);
    const auto *b = static_cast<const uint8_t *>(p);
    bytes.insert(bytes.end(), b, b + n);
  }
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ >= b_.size(); }
  uint8_t peek() const { return pos_ < b_.size() ? b_[pos_] : 0; }
  uint8_t u8() { return get<uint8_t>(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int64_t i64() { return get<int64_t>(); }
  double f64() { return get<double>(); }
  std::string str() {
    const uint32_t n = u32();
    if (!ok_ || b_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::string v(reinterpret_cast<const char *>(b_.data() + pos_), n);
    pos_ += n;
    return v;
  }
  std::vector<int16_t> pcm() {
    const uint32_t n = u32();
    if (!ok_ || (b_.size() - pos_) / 2 < n) {
      ok_ = false;
      return {};
    }
    std::vector<int16_t> v(n);
    raw(v.data(), size_t{n} * 2);
    return v;
  }

 private:
  template <class T>
  T get() {
    T v{};
    raw(&v, sizeof v);
    return v;
  }
  void raw(void *p, size_t n) {
    if (!ok_ || b_.size() - pos_ < n) {
      ok_ = false;
      return;
    }
    std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
  }
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

struct Session::Recording {
  bool replaying = false;
  Writer out;
  Fnv hash;
  uint64_t process_calls = 0, pulls = 0, events = 0;
  Nanos last_now = 0;
};

void Session::note_action(std::string_view what, std::string_view detail) {
  if (!rec_) return;
  rec_->hash.add(what);
  rec_->hash.add(detail);
}

// ---- construction ----

Session::Session(SessionConfig config, Providers providers, EventCallback on_event)
    : cfg_(std::move(config)),
      providers_(std::move(providers)),
      on_event_(std::move(on_event)),
      phrases_(default_phrases(cfg_.language)),
      mailbox_(std::make_shared<Mailbox>()),
      frame_samples_(audio::samples_per_frame(cfg_.sample_rate, 20)),
      vad_([&] {
        VadConfig v = cfg_.vad;
        v.sample_rate = cfg_.sample_rate;
        return v;
      }()),
      echo_([&] {
        EchoGateConfig e = cfg_.echo;
        e.sample_rate = cfg_.sample_rate;
        // What reaches the gate has been through the canceller: the echo is that much weaker,
        // and a caller as loud as the bot must still count as speech.
        if (cfg_.echo_canceller) e.echo_return_loss_db += kCancellerGateAllowance;
        return e;
      }()),
      preroll_slots_(static_cast<size_t>(cfg_.preroll / kFrame) + 1),
      splitter_(cfg_.clause_min_chars) {
  if (cfg_.request_id_base == 0) {
    static std::atomic<uint64_t> ranges{0};
    cfg_.request_id_base = (ranges.fetch_add(1, std::memory_order_relaxed) + 1) << 32;
  }
  next_id_ = cfg_.request_id_base + 1;
  preroll_ring_.assign(preroll_slots_ * frame_samples_, 0);
  if (cfg_.echo_canceller) {
    SpeexAecConfig a;
    a.sample_rate = cfg_.sample_rate;
    a.tail = cfg_.echo_canceller_tail;
    auto made = make_speex_echo_canceller(a);
    if (made) aec_ = std::move(*made);
    else aec_failure_ = made.error().message;  // reported as an error event at start
  }
}

Session::~Session() {
  mailbox_->close();
  if (state_ != State::ended) {
    cancel_llm();
    drop_speech(false);
    if (stt_id_ != 0 && providers_.stt) providers_.stt->cancel(stt_id_);
  }
}

// ---- replay ----

namespace {
void write_config(Writer &w, const SessionConfig &c, const Providers &p) {
  for (const std::string *v : {&c.call_id, &c.caller_number, &c.called_number}) w.str(*v);
  w.i64(c.sample_rate);
  for (const std::string *v : {&c.language, &c.system_prompt, &c.greeting}) w.str(*v);
  w.u8(c.greeting_interruptible ? 1 : 0);
  for (Nanos v : {c.preroll, c.speech_onset, c.end_of_turn_silence, c.eager_start_silence, c.barge_in_min_speech,
                  c.barge_in_commit_speech, c.barge_in_resume_silence, c.silence_timeout}) {
    w.i64(v);
  }
  w.i64(c.silence_prompts);
  for (Nanos v : {c.max_duration, c.filler_delay, c.filler_repeat, c.llm_timeout, c.tool_timeout, c.stt_timeout,
                  c.tts_timeout}) {
    w.i64(v);
  }
  w.i64(c.max_tool_rounds);
  w.u8(static_cast<uint8_t>(c.operator_digit));
  w.u64(c.clause_min_chars);
  w.u64(c.first_clause_words);
  w.u64(c.request_id_base);
  w.u64(c.history_window);
  w.i64(c.stt_finish_silence);
  w.i64(c.tts_lookahead);
  w.f64(c.vad.min_level_dbfs);
  w.f64(c.vad.margin_db);
  w.i64(c.echo.max_echo_delay);
  w.f64(c.echo.echo_return_loss_db);
  w.u8(c.echo_canceller ? 1 : 0);
  w.u8(c.pii_masking ? 1 : 0);
  w.u8(c.speakable ? 1 : 0);
  w.i64(c.echo_canceller_tail);
  w.u8(static_cast<uint8_t>((p.stt ? 1 : 0) | (p.tts ? 2 : 0) | (p.llm ? 4 : 0)));
  w.u32(static_cast<uint32_t>(p.tools.size()));
  for (const auto &t : p.tools) {
    const auto &s = t->spec();
    w.str(s.name);
    w.str(s.description);
    w.str(s.parameters_json);
    w.u8(s.side_effecting ? 1 : 0);
    w.str(s.wait_phrase);
  }
}

// Providers that accept every request and never answer: in a replay the answers come from the
// recording.
class InertStt final : public providers::SttProvider {
 public:
  std::string_view name() const override { return "replay"; }
  void open(const providers::SttParams &, std::shared_ptr<providers::SttSink>) override {}
  void push(RequestId, std::span<const int16_t>) override {}
  void finish(RequestId) override {}
  void cancel(RequestId) override {}
};
class InertTts final : public providers::TtsProvider {
 public:
  std::string_view name() const override { return "replay"; }
  void synthesize(const providers::TtsRequest &, std::shared_ptr<providers::TtsSink>) override {}
  void cancel(RequestId) override {}
};
class InertLlm final : public providers::LlmProvider {
 public:
  std::string_view name() const override { return "replay"; }
  void start(const providers::LlmRequest &, std::shared_ptr<providers::LlmSink>) override {}
  void cancel(RequestId) override {}
};
class InertTool final : public providers::Tool {
 public:
  explicit InertTool(providers::ToolSpec s) : spec_(std::move(s)) {}
  const providers::ToolSpec &spec() const override { return spec_; }
  void invoke(RequestId, std::string_view, const providers::ToolContext &, std::shared_ptr<providers::ToolSink>) override {}
  void cancel(RequestId) override {}

 private:
  providers::ToolSpec spec_;
};

bool read_config(Reader &r, SessionConfig &c, Providers &p) {
  for (std::string *v : {&c.call_id, &c.caller_number, &c.called_number}) *v = r.str();
  c.sample_rate = static_cast<int>(r.i64());
  for (std::string *v : {&c.language, &c.system_prompt, &c.greeting}) *v = r.str();
  c.greeting_interruptible = r.u8() != 0;
  for (Nanos *v : {&c.preroll, &c.speech_onset, &c.end_of_turn_silence, &c.eager_start_silence, &c.barge_in_min_speech,
                   &c.barge_in_commit_speech, &c.barge_in_resume_silence, &c.silence_timeout}) {
    *v = r.i64();
  }
  c.silence_prompts = static_cast<int>(r.i64());
  for (Nanos *v : {&c.max_duration, &c.filler_delay, &c.filler_repeat, &c.llm_timeout, &c.tool_timeout, &c.stt_timeout,
                   &c.tts_timeout}) {
    *v = r.i64();
  }
  c.max_tool_rounds = static_cast<int>(r.i64());
  c.operator_digit = static_cast<char>(r.u8());
  c.clause_min_chars = r.u64();
  c.first_clause_words = r.u64();
  c.request_id_base = r.u64();
  c.history_window = r.u64();
  c.stt_finish_silence = r.i64();
  c.tts_lookahead = static_cast<int>(r.i64());
  c.vad.min_level_dbfs = r.f64();
  c.vad.margin_db = r.f64();
  c.echo.max_echo_delay = r.i64();
  c.echo.echo_return_loss_db = r.f64();
  c.echo_canceller = r.u8() != 0;
  c.pii_masking = r.u8() != 0;
  c.speakable = r.u8() != 0;
  c.echo_canceller_tail = r.i64();
  const uint8_t present = r.u8();
  if (present & 1) p.stt = std::make_shared<InertStt>();
  if (present & 2) p.tts = std::make_shared<InertTts>();
  if (present & 4) p.llm = std::make_shared<InertLlm>();
  const uint32_t tools = r.u32();
  for (uint32_t i = 0; i < tools && r.ok(); ++i) {
    providers::ToolSpec s;
    s.name = r.str();
    s.description = r.str();
    s.parameters_json = r.str();
    s.side_effecting = r.u8() != 0;
    s.wait_phrase = r.str();
    p.tools.push_back(std::make_shared<InertTool>(std::move(s)));
  }
  return r.ok() && c.sample_rate > 0 && c.sample_rate <= 192000;
}

void write_item(Writer &w, const Mailbox::Item &i) {
  using K = Mailbox::Item::Kind;
  w.u8(static_cast<uint8_t>(Rec::item));
  w.u8(static_cast<uint8_t>(i.kind));
  w.u64(i.id);
  switch (i.kind) {
    case K::interrupt:
    case K::tts_done: break;
    case K::llm_done:
      w.i64(i.usage.input_tokens);
      w.i64(i.usage.output_tokens);
      break;
    case K::stt:
      w.u8(static_cast<uint8_t>(i.stt.type));
      w.str(i.stt.text);
      w.f64(i.stt.confidence);
      w.str(i.stt.language);
      break;
    case K::llm_text:
    case K::llm_error:
    case K::tts_error: w.str(i.text); break;
    case K::llm_call:
      w.str(i.call.id);
      w.str(i.call.name);
      w.str(i.call.arguments_json);
      break;
    case K::tts_audio:
      w.u32(static_cast<uint32_t>(i.rate));
      w.pcm(i.pcm);
      break;
    case K::tool_result:
      w.u8(i.tool.ok ? 1 : 0);
      w.str(i.tool.json);
      w.u8(static_cast<uint8_t>(i.tool.action));
      w.str(i.tool.action_reason);
      break;
  }
}

bool read_item(Reader &r, Mailbox::Item &i) {
  using K = Mailbox::Item::Kind;
  const uint8_t kind = r.u8();
  if (kind > static_cast<uint8_t>(K::tool_result)) return false;
  i.kind = static_cast<K>(kind);
  i.id = r.u64();
  switch (i.kind) {
    case K::interrupt:
    case K::tts_done: break;
    case K::llm_done:
      i.usage.input_tokens = r.i64();
      i.usage.output_tokens = r.i64();
      break;
    case K::stt: {
      const uint8_t t = r.u8();
      if (t > static_cast<uint8_t>(providers::SttEvent::Type::error)) return false;
      i.stt.type = static_cast<providers::SttEvent::Type>(t);
      i.stt.text = r.str();
      i.stt.confidence = r.f64();
      i.stt.language = r.str();
      break;
    }
    case K::llm_text:
    case K::llm_error:
    case K::tts_error: i.text = r.str(); break;
    case K::llm_call:
      i.call.id = r.str();
      i.call.name = r.str();
      i.call.arguments_json = r.str();
      break;
    case K::tts_audio:
      i.rate = static_cast<int>(r.u32());
      i.pcm = r.pcm();
      break;
    case K::tool_result: {
      i.tool.ok = r.u8() != 0;
      i.tool.json = r.str();
      const uint8_t a = r.u8();
      if (a > static_cast<uint8_t>(providers::ToolResult::Action::hangup)) return false;
      i.tool.action = static_cast<providers::ToolResult::Action>(a);
      i.tool.action_reason = r.str();
      break;
    }
  }
  return r.ok();
}
}  // namespace

bool Session::replay_mode() const { return rec_ != nullptr && rec_->replaying; }

bool Session::start_recording() {
  if (state_ != State::idle || rec_) return false;
  rec_ = std::make_unique<Recording>();
  Writer &w = rec_->out;
  w.bytes.insert(w.bytes.end(), std::begin(kReplayMagic), std::end(kReplayMagic));
  w.u32(kReplayVersion);
  write_config(w, cfg_, providers_);
  return true;
}

std::vector<uint8_t> Session::stop_recording() {
  if (!rec_ || rec_->replaying) return {};
  rec_->out.u8(static_cast<uint8_t>(Rec::end));
  rec_->out.u64(rec_->hash.h);
  std::vector<uint8_t> out = std::move(rec_->out.bytes);
  rec_.reset();
  return out;
}

Result<ReplayReport> replay(std::span<const uint8_t> recording) {
  Reader r(recording);
  ReplayReport report;
  if (recording.size() < sizeof kReplayMagic + 4 ||
      std::memcmp(recording.data(), kReplayMagic, sizeof kReplayMagic) != 0) {
    return make_error(Errc::invalid_argument, "not a callagent replay file");
  }
  for (size_t k = 0; k < sizeof kReplayMagic; ++k) r.u8();
  report.version = r.u32();
  if (report.version != kReplayVersion) {
    return make_error(Errc::unsupported, "replay version " + std::to_string(report.version) + " (this build reads " +
                                             std::to_string(kReplayVersion) + ")");
  }
  SessionConfig cfg;
  Providers providers;
  if (!read_config(r, cfg, providers)) return make_error(Errc::invalid_argument, "replay file: bad configuration block");

  Session s(cfg, providers, nullptr);
  s.rec_ = std::make_unique<Session::Recording>();
  s.rec_->replaying = true;
  std::vector<int16_t> out(s.frame_samples());
  bool ended = false;
  while (!r.at_end() && r.ok() && !ended) {
    const auto tag = static_cast<Rec>(r.u8());
    switch (tag) {
      case Rec::process: {
        const Nanos now = r.i64();
        std::vector<Mailbox::Item> items;
        while (r.ok() && r.peek() == static_cast<uint8_t>(Rec::item)) {
          r.u8();
          Mailbox::Item i;
          if (!read_item(r, i)) return make_error(Errc::invalid_argument, "replay file: bad provider record");
          items.push_back(std::move(i));
        }
        s.mailbox_->inject(std::move(items));
        s.process(now);
        break;
      }
      case Rec::audio: {
        auto pcm = r.pcm();
        s.push_audio(pcm);
        break;
      }
      case Rec::dtmf: s.push_dtmf(static_cast<char>(r.u8())); break;
      case Rec::hangup: s.push_hangup(); break;
      case Rec::played: s.push_played(r.u64()); break;
      case Rec::transfer: s.push_transfer_result(r.u8() != 0); break;
      case Rec::pull: s.pull(out); break;
      case Rec::end:
        report.recorded_hash = r.u64();
        ended = true;
        break;
      default: return make_error(Errc::invalid_argument, "replay file: unknown record");
    }
  }
  if (!r.ok() || !ended) return make_error(Errc::invalid_argument, "replay file: truncated");
  report.replayed_hash = s.rec_->hash.h;
  report.process_calls = s.rec_->process_calls;
  report.frames_pulled = s.rec_->pulls;
  report.events = s.rec_->events;
  report.duration_ns = s.rec_->last_now;
  report.final_state = state_name(s.state());
  return report;
}

Result<ReplayReport> replay_file(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(Errc::io, path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  std::fclose(f);
  return replay(bytes);
}

// ---- owning-thread inputs ----

void Session::push_audio(std::span<const int16_t> frame) {
  if (rec_ && !rec_->replaying) {
    rec_->out.u8(static_cast<uint8_t>(Rec::audio));
    rec_->out.pcm(frame);
  }
  pending_pcm_.insert(pending_pcm_.end(), frame.begin(), frame.end());
  pending_sizes_.push_back(static_cast<uint32_t>(frame.size()));
}

void Session::push_dtmf(char digit) {
  if (rec_ && !rec_->replaying) {
    rec_->out.u8(static_cast<uint8_t>(Rec::dtmf));
    rec_->out.u8(static_cast<uint8_t>(digit));
  }
  pending_dtmf_.push_back(digit);
}

void Session::push_hangup() {
  if (rec_ && !rec_->replaying) rec_->out.u8(static_cast<uint8_t>(Rec::hangup));
  pending_hangup_ = true;
}

void Session::push_transfer_result(bool ok) {
  if (rec_ && !rec_->replaying) {
    rec_->out.u8(static_cast<uint8_t>(Rec::transfer));
    rec_->out.u8(ok ? 1 : 0);
  }
  pending_transfer_result_ = ok;
}

void Session::interrupt() { mailbox_->interrupt(); }

void Session::set_wake(std::function<void()> wake) { mailbox_->wake_ = std::move(wake); }

void Session::push_played(uint64_t samples) {
  if (rec_ && !rec_->replaying) {
    rec_->out.u8(static_cast<uint8_t>(Rec::played));
    rec_->out.u64(samples);
  }
  played_reported_ = true;
  played_total_ += samples;
}

// ---- the main step ----

void Session::process(Nanos now) {
  now_ = now;
  if (rec_) {
    ++rec_->process_calls;
    rec_->last_now = now;
    if (!rec_->replaying) {
      rec_->out.u8(static_cast<uint8_t>(Rec::process));
      rec_->out.i64(now);
    }
  }
  if (state_ == State::ended) {
    pending_pcm_.clear();
    pending_sizes_.clear();
    return;
  }
  if (state_ == State::idle) start(now);

  // System events first: they decide whether ordered work still matters.
  std::vector<Mailbox::Item> items;
  mailbox_->take(items);
  if (rec_ && !rec_->replaying) {
    for (const auto &i : items) write_item(rec_->out, i);
  }
  for (const auto &i : items) {
    if (i.kind == Mailbox::Item::Kind::interrupt && bot_audible()) commit_barge_in(now);
  }
  if (pending_hangup_) {
    pending_hangup_ = false;
    end_call("caller_hangup");
    return;
  }
  size_t offset = 0;
  for (uint32_t n : pending_sizes_) {
    on_caller_frame(std::span<const int16_t>(pending_pcm_.data() + offset, n), now);
    offset += n;
  }
  pending_pcm_.clear();
  pending_sizes_.clear();
  for (char d : pending_dtmf_) {
    Event e;
    e.type = Event::Type::dtmf;
    e.text = std::string(1, d);
    emit(std::move(e));
    if (cfg_.operator_digit != 0 && d == cfg_.operator_digit && state_ != State::transferring) {
      request_transfer("dtmf", now);
    }
  }
  pending_dtmf_.clear();
  if (pending_transfer_result_) {
    const bool ok = *pending_transfer_result_;
    pending_transfer_result_.reset();
    if (state_ == State::transferring) {
      if (ok) {
        end_call("transferred");
        return;
      }
      emit_simple(Event::Type::error, "transfer failed");
      queue_clause(Kind::notice, phrases_.transfer_failed, now);
      set_state(State::speaking);
    }
  }

  // Ordered work, in arrival order.
  for (auto &i : items) {
    if (state_ == State::ended) break;
    using K = Mailbox::Item::Kind;
    switch (i.kind) {
      case K::interrupt: break;
      case K::stt: on_stt(i.id, std::move(i.stt), now); break;
      case K::llm_text: on_llm_text(i.id, i.text, now); break;
      case K::llm_call: on_llm_tool_call(i.id, std::move(i.call)); break;
      case K::llm_done:
        // Every round a provider reported counts, one the session stopped waiting for too: it was
        // billed.
        stats_.llm_input_tokens += static_cast<uint64_t>(std::max<int64_t>(i.usage.input_tokens, 0));
        stats_.llm_output_tokens += static_cast<uint64_t>(std::max<int64_t>(i.usage.output_tokens, 0));
        on_llm_done(i.id, now);
        break;
      case K::llm_error: on_llm_error(i.id, i.text, now); break;
      case K::tts_audio: on_tts_audio(i.id, i.pcm, i.rate, now); break;
      case K::tts_done: on_tts_done(i.id, true, {}); break;
      case K::tts_error: on_tts_done(i.id, false, i.text); break;
      case K::tool_result: on_tool_result(i.id, std::move(i.tool), now); break;
    }
  }
  if (state_ == State::ended) return;
  run_timers(now);
  pump_tts();
}

bool Session::waiting_for_plugins() const {
  if (state_ == State::ended) return false;
  if (stt_id_ != 0 && stt_finishing_) return true;
  if (llm_id_ != 0 && !llm_done_) return true;
  for (const auto &[id, run] : tools_) {
    if (!run->done) return true;
  }
  for (const auto &c : clauses_) {
    if (c->requested && !c->tts_done) return true;
  }
  return false;
}

Nanos Session::next_deadline() const {
  if (state_ == State::ended) return kNever;
  if (state_ == State::idle) return now_;
  // Each timer here is exactly one that run_timers() acts on, so none stays in the past.
  Nanos d = kNever;
  auto at = [&d](Nanos t) { d = std::min(d, t); };
  if (caller_speaking_) {
    // Over the bot's own speech the echo gate leaves gaps in the caller's voice: finish later.
    if (stt_id_ != 0 && !stt_finishing_ && !bot_audible()) at(last_voice_at_ + cfg_.stt_finish_silence);
    at(last_voice_at_ + kSpeechHangover);
  }
  if (!turn_committed_ && turn_has_final_ && !caller_speaking_ &&
      (state_ == State::listening || state_ == State::thinking)) {
    if (stt_id_ == 0 && llm_id_ == 0 && tools_.empty() && state_ == State::listening) {
      at(last_voice_at_ + cfg_.eager_start_silence);
    }
    at(last_voice_at_ + cfg_.end_of_turn_silence + (stt_id_ == 0 ? 0 : kSttGrace));
  }
  if (muted_ && !caller_speaking_) at(last_voice_at_ + cfg_.barge_in_resume_silence);
  if (silence_ladder_armed()) at(silent_since() + cfg_.silence_timeout);
  if (started_at_ >= 0 && !max_duration_hit_) at(started_at_ + cfg_.max_duration);
  if (filler_at_ != 0) at(filler_at_);
  if (llm_id_ != 0 && !llm_done_) at(llm_started_at_ + cfg_.llm_timeout);
  if (stt_id_ != 0 && stt_finishing_) at(stt_finished_at_ + cfg_.stt_timeout);
  for (const auto &c : clauses_) {
    if (c->requested && !c->tts_done && c->audio.empty()) at(c->requested_at + cfg_.tts_timeout);
  }
  for (const auto &[id, run] : tools_) {
    if (!run->done) at(run->deadline);
  }
  return d;
}

// Not while the caller's words are still being recognised: a slow recogniser must not make the
// bot ask whether anyone is there about speech it has not finished hearing.
bool Session::silence_ladder_armed() const {
  return state_ == State::listening && clauses_.empty() && turn_committed_ && !caller_speaking_ && stt_id_ == 0 &&
         llm_id_ == 0 && tools_.empty();
}

// The line has been silent since the bot stopped talking or the caller last spoke, whichever was
// later (speech that gave no words still was not silence).
Nanos Session::silent_since() const { return std::max(listening_since_, last_voice_at_); }

// ---- outbound audio ----

bool Session::pull(std::span<int16_t> out) {
  std::fill(out.begin(), out.end(), int16_t{0});
  bool audio = false;
  if (!muted_ && state_ != State::ended) {
    retire_finished();
    if (!clauses_.empty()) {
      Clause &c = *clauses_.front();
      const size_t avail = c.audio.size() - c.read;
      if (!c.hold && (avail >= out.size() || (c.tts_done && avail > 0))) {
        if (!c.started) {
          c.started = true;
          c.pull_offset = pulled_total_;
          if (c.kind == Kind::reply && timeline_.first_frame_ready == 0) {
            timeline_.first_frame_ready = now_;
            filler_at_ = 0;
            Event e;
            e.type = Event::Type::turn_timeline;
            e.timeline = timeline_;
            emit(std::move(e));
          }
          if (c.kind == Kind::reply && state_ == State::thinking) set_state(State::speaking);
        }
        const size_t n = std::min(avail, out.size());
        std::memcpy(out.data(), c.audio.data() + c.read, n * sizeof(int16_t));
        c.read += n;
        pulled_total_ += out.size();
        audio = true;
      } else if (c.tts_done && avail == 0 && !c.started) {
        // A clause that produced no audio (TTS failed): skip it.
        clauses_.erase(clauses_.begin());
      }
    }
  }
  echo_.on_played(out);
  if (aec_) aec_->on_played(out);
  last_pull_audio_ = audio;
  if (rec_) {
    ++rec_->pulls;
    if (!rec_->replaying) rec_->out.u8(static_cast<uint8_t>(Rec::pull));
    rec_->hash.add(out.data(), out.size() * sizeof(int16_t));
    rec_->hash.add_i64(audio ? 1 : 0);
  }
  if (audio) {
    ++stats_.frames_out;
  } else {
    ++stats_.frames_silent;
  }
  // A host that does not report playout is taken to play everything it pulls.
  if (!played_reported_) played_total_ = pulled_total_;
  after_speech(now_);
  return audio;
}

// Clauses played to the end leave the queue; what they said was heard.
void Session::retire_finished() {
  while (!clauses_.empty() && clauses_.front()->finished()) {
    const Clause &c = *clauses_.front();
    if (c.kind == Kind::reply && c.started) {
      std::string &h = heard_[c.llm_request];
      if (!h.empty()) h.push_back(' ');
      h += c.text;
    }
    clauses_.erase(clauses_.begin());
  }
}

// Speech that has run out ends the bot's turn.
void Session::after_speech(Nanos now) {
  const bool speech_left = std::any_of(clauses_.begin(), clauses_.end(), [](const auto &c) { return !c->finished(); });
  if (speech_left) return;
  // The last frame handed out still has to be played: act on the next, silent, pull.
  if (last_pull_audio_) return;
  retire_finished();
  if (hangup_after_speech_) {
    end_call(hangup_reason_);
    return;
  }
  if (transfer_after_speech_) {
    transfer_after_speech_ = false;
    set_state(State::transferring);
    Event e;
    e.type = Event::Type::transfer_requested;
    e.text = transfer_reason_;
    e.detail = transfer_summary();
    emit(std::move(e));
    return;
  }
  if (state_ == State::greeting || state_ == State::speaking) {
    if (llm_id_ != 0 || !tools_.empty()) return;  // more of the reply is coming
    reply_finished(now);
  }
}

std::string Session::transfer_summary() const {
  std::string s = "caller said:";
  int n = 0;
  const auto &m = conversation_.messages();
  for (auto it = m.rbegin(); it != m.rend() && n < 3; ++it) {
    if (it->role != agent::Role::user) continue;
    s = s + (n == 0 ? " " : " | ") + it->text;
    ++n;
  }
  return n == 0 ? "caller said nothing" : s;
}

void Session::reply_finished(Nanos now) {
  // The whole reply was played: it is the bot's turn as heard (a barge-in reports its part).
  std::string all;
  for (const auto &[req, text] : heard_) {
    if (text.empty()) continue;
    if (!all.empty()) all.push_back(' ');
    all += text;
  }
  if (!all.empty()) {
    Event e;
    e.type = Event::Type::bot_heard;
    e.text = std::move(all);
    emit(std::move(e));
  }
  heard_.clear();
  message_of_.clear();
  begin_listening(now);
}

void Session::begin_listening(Nanos now) {
  set_state(State::listening);
  listening_since_ = now;
}

// ---- caller side ----

void Session::on_caller_frame(std::span<const int16_t> in, Nanos now) {
  ++stats_.frames_in;
  std::span<const int16_t> frame = in;
  if (aec_) {
    aec_frame_.assign(in.begin(), in.end());
    aec_->process(aec_frame_);
    frame = aec_frame_;
  }
  // The bot's own audio coming back is not the caller speaking.
  const bool voiced = vad_.is_speech(frame) && !echo_.is_echo(frame);

  {
    int16_t *slot = preroll_ring_.data() + preroll_head_ * frame_samples_;
    const size_t n = std::min(frame.size(), frame_samples_);
    std::copy_n(frame.begin(), n, slot);
    std::fill(slot + n, slot + frame_samples_, int16_t{0});
    preroll_head_ = (preroll_head_ + 1) % preroll_slots_;
    preroll_count_ = std::min(preroll_count_ + 1, preroll_slots_);
  }
  if (stt_id_ != 0 && !stt_finishing_ && providers_.stt) {
    providers_.stt->push(stt_id_, frame);
    stats_.stt_audio_ms += 20;
  } else if (stt_id_ != 0 && stt_finishing_ && backlog_.size() < kBacklogMax * frame_samples_) {
    // Kept for the next stream: a caller who resumes while a slow recogniser finishes the last
    // one must not lose what they say before it is done.
    const auto at = static_cast<std::ptrdiff_t>(backlog_.size());
    backlog_.resize(backlog_.size() + frame_samples_, 0);
    std::copy_n(frame.begin(), std::min(frame.size(), frame_samples_), backlog_.begin() + at);
  }

  if (voiced) {
    voiced_run_ += kFrame;
    last_voice_at_ = now;
    if (!caller_speaking_ && voiced_run_ >= cfg_.speech_onset) caller_speech_started(now);
    // The caller resumed after the stream was finished and closed: a new one, with the pre-roll.
    else if (caller_speaking_ && stt_id_ == 0) open_stt();
  } else {
    voiced_run_ = 0;
  }
  after_voice(now);

  // Two-stage barge-in: mute on speech, commit on words or long speech.
  if (caller_speaking_ && bot_audible() && !current_clause_protected()) {
    const Nanos talked = now - speech_since_;
    if (!muted_ && talked >= cfg_.barge_in_min_speech) mute();
    if (muted_ && talked >= cfg_.barge_in_commit_speech && !utterance_backchannel_) commit_barge_in(now);
  }
}

void Session::caller_speech_started(Nanos now) {
  caller_speaking_ = true;
  utterance_backchannel_ = false;
  speech_since_ = now - voiced_run_ + kFrame;
  silence_count_ = 0;
  // The caller goes on talking: an early LLM start no longer answers the whole turn.
  if (llm_speculative_ && llm_id_ != 0) {
    cancel_llm();
    drop_reply_speech();
  }
  if (stt_id_ == 0) open_stt();
}

// Silence since the caller's last voice: finish the STT stream early (not over the bot's own
// speech, where the echo gate leaves gaps in the caller's voice), end the utterance later.
void Session::after_voice(Nanos now) {
  if (!caller_speaking_) return;
  if (!bot_audible() && now - last_voice_at_ >= cfg_.stt_finish_silence) finish_stt();
  if (now - last_voice_at_ >= kSpeechHangover) caller_speech_ended();
}

void Session::caller_speech_ended() {
  caller_speaking_ = false;
  finish_stt();
}

void Session::open_stt() {
  if (!providers_.stt) return;
  stt_id_ = next_id_++;
  stt_finishing_ = false;
  providers::SttParams p;
  p.id = stt_id_;
  p.sample_rate = cfg_.sample_rate;
  p.language = cfg_.language;
  if (rec_) note_action("stt.open", std::to_string(stt_id_));
  providers_.stt->open(p, mailbox_);
  if (!backlog_.empty()) {
    // The caller resumed while the last stream was finishing: everything since its finish.
    for (size_t at = 0; at < backlog_.size(); at += frame_samples_) {
      providers_.stt->push(stt_id_, std::span<const int16_t>(backlog_.data() + at, frame_samples_));
      stats_.stt_audio_ms += 20;
    }
    return;
  }
  // The pre-roll, less whatever the previous stream of this utterance already heard: a caller
  // who resumes after a short pause must not have their last word recognised twice.
  size_t skip = 0;
  if (stt_finished_at_ > 0 && caller_speaking_ && now_ - stt_finished_at_ < cfg_.preroll) {
    const auto fresh = static_cast<size_t>((now_ - stt_finished_at_) / kFrame) + 1;
    skip = preroll_count_ > fresh ? preroll_count_ - fresh : 0;
  }
  for (size_t i = skip; i < preroll_count_; ++i) providers_.stt->push(stt_id_, preroll_frame(i));
  stats_.stt_audio_ms += (preroll_count_ - skip) * 20;
}

std::span<const int16_t> Session::preroll_frame(size_t i) const {
  const size_t slot = (preroll_head_ + preroll_slots_ - preroll_count_ + i) % preroll_slots_;
  return {preroll_ring_.data() + slot * frame_samples_, frame_samples_};
}

void Session::finish_stt() {
  if (stt_id_ == 0 || stt_finishing_ || !providers_.stt) return;
  stt_finishing_ = true;
  stt_finished_at_ = now_;
  if (rec_) note_action("stt.finish", std::to_string(stt_id_));
  providers_.stt->finish(stt_id_);
}

// The stream is over (done, failed or timed out). Voice that came after it was finished gets a
// stream of its own with everything heard since; a caller who has stopped again by then has
// that stream finished at once.
void Session::stt_closed() {
  stt_id_ = 0;
  stt_finishing_ = false;
  if (last_voice_at_ > stt_finished_at_ && (caller_speaking_ || !backlog_.empty())) {
    open_stt();
    if (!caller_speaking_) finish_stt();
  }
  backlog_.clear();
}

void Session::on_stt(RequestId id, providers::SttEvent ev, Nanos now) {
  if (id != stt_id_) return;
  using T = providers::SttEvent::Type;
  if (ev.type == T::done || ev.type == T::error) {
    if (ev.type == T::error) {
      Event e;
      e.type = Event::Type::error;
      e.text = "stt: " + ev.text;
      emit(std::move(e));
    }
    stt_closed();
    return;
  }
  const bool words = !ev.text.empty() && !is_backchannel(ev.text, cfg_.language);
  if (ev.type == T::interim) {
    if (ev.text.empty()) return;
    utterance_backchannel_ = !words;
    Event e;
    e.type = Event::Type::caller_interim;
    e.text = ev.text;
    emit(std::move(e));
    if (bot_audible() && !current_clause_protected() && words) {
      if (!muted_) mute();
      commit_barge_in(now);
    }
    return;
  }
  // A final.
  if (ev.text.empty()) return;
  if (bot_audible() && !current_clause_protected()) {
    if (!words) return;  // "угу" while the bot talks: acknowledged, not a turn
    if (!muted_) mute();
    commit_barge_in(now);
  } else if (bot_audible() || (!words && state_ == State::speaking)) {
    return;  // over a protected prompt: not a turn
  }
  // A later final before the bot's first audio: answer the whole thing.
  if (turn_committed_ && state_ == State::thinking && timeline_.first_frame_ready == 0 && round_ == 0 &&
      tools_.empty()) {
    cancel_llm();
    drop_reply_speech();
    conversation_.extend_last_user(ev.text);
    timeline_.stt_final = now;
    Event e;
    e.type = Event::Type::caller_turn;
    e.text = conversation_.last_user() ? conversation_.last_user()->text : ev.text;
    emit(std::move(e));
    start_llm(now);
    return;
  }
  if (!turn_text_.empty()) turn_text_.push_back(' ');
  turn_text_ += ev.text;
  turn_has_final_ = true;
  turn_committed_ = false;
  turn_final_at_ = now;
  maybe_commit_turn(now);
}

void Session::maybe_start_eager(Nanos now) {
  // Only once the last utterance's final is in: an answer to half the words is wasted.
  if (turn_committed_ || !turn_has_final_ || caller_speaking_ || stt_id_ != 0 || llm_id_ != 0 || !tools_.empty()) {
    return;
  }
  if (state_ != State::listening) return;
  if (now - last_voice_at_ < cfg_.eager_start_silence) return;
  llm_speculative_ = true;
  speculative_text_ = turn_text_;
  start_llm(now);
}

void Session::maybe_commit_turn(Nanos now) {
  if (turn_committed_ || !turn_has_final_ || caller_speaking_) return;
  if (state_ != State::listening && state_ != State::thinking) return;
  const Nanos silence = now - last_voice_at_;
  // The last utterance's final is awaited, within reason: a slow recogniser delays the turn by
  // at most kSttGrace, it does not lose it.
  const bool final_in = stt_id_ == 0 || silence >= cfg_.end_of_turn_silence + kSttGrace;
  if (silence < cfg_.end_of_turn_silence || !final_in) {
    maybe_start_eager(now);
    return;
  }
  commit_turn(now);
}

void Session::commit_turn(Nanos now) {
  turn_committed_ = true;
  ++turn_no_;
  ++stats_.turns;
  timeline_ = Event::Timeline{};
  timeline_.turn = turn_no_;
  timeline_.speech_end = last_voice_at_;
  timeline_.stt_final = turn_final_at_;
  std::string text = std::move(turn_text_);
  turn_text_.clear();
  turn_has_final_ = false;
  Event e;
  e.type = Event::Type::caller_turn;
  e.text = text;
  emit(std::move(e));
  filler_at_ = now + cfg_.filler_delay;
  set_state(State::thinking);

  if (!tools_.empty()) {
    // Tool results of the interrupted reply must sit right after their calls.
    waiting_turn_ = std::move(text);
    return;
  }
  conversation_.add_user(text);
  round_ = 0;
  if (llm_id_ != 0 && llm_speculative_ && speculative_text_ == text) {
    // The early start answered exactly this: keep it, and let its speech play.
    llm_speculative_ = false;
    timeline_.llm_request = llm_started_at_;
    timeline_.llm_first_token = first_token_at_;
    timeline_.first_clause = first_clause_at_;
    timeline_.tts_first_audio = first_audio_at_;
    for (auto &c : clauses_) c->hold = false;
    if (llm_done_) finish_round(now);
    return;
  }
  cancel_llm();
  drop_reply_speech();
  start_llm(now);
}

// ---- the LLM ----

void Session::start_llm(Nanos now) {
  if (!providers_.llm) {
    queue_clause(Kind::notice, phrases_.llm_error, now);
    return;
  }
  llm_id_ = next_id_++;
  llm_started_at_ = now;
  llm_first_token_ = false;
  llm_done_ = false;
  llm_text_.clear();
  llm_clauses_ = 0;
  llm_calls_.clear();
  splitter_.reset();
  first_token_at_ = first_clause_at_ = first_audio_at_ = 0;
  ++stats_.llm_requests;
  if (!llm_speculative_ && timeline_.llm_request == 0) timeline_.llm_request = now;

  LlmRequestInput in;
  in.conversation = &conversation_;
  in.window = cfg_.history_window;
  in.system_prompt = cfg_.system_prompt;
  if (llm_speculative_) in.pending_user = &speculative_text_;  // an eager start: not yet committed
  if (cfg_.pii_masking) in.vault = &vault_;
  in.tools = &providers_.tools;
  providers::LlmRequest r = build_llm_request(in);
  r.id = llm_id_;
  if (rec_) note_action("llm.start", std::to_string(r.messages.size()) + ":" + (r.messages.empty() ? "" : r.messages.back().text));
  providers_.llm->start(r, mailbox_);
}

void Session::cancel_llm() {
  if (llm_id_ != 0 && !llm_done_ && providers_.llm) {
    if (rec_) note_action("llm.cancel", std::to_string(llm_id_));
    providers_.llm->cancel(llm_id_);
  }
  llm_id_ = 0;
  llm_done_ = false;
  llm_speculative_ = false;
  splitter_.reset();
}

void Session::on_llm_text(RequestId id, const std::string &delta, Nanos now) {
  if (id != llm_id_ || llm_done_) return;
  if (!llm_first_token_) {
    llm_first_token_ = true;
    first_token_at_ = now;
    if (!llm_speculative_ && timeline_.llm_first_token == 0) timeline_.llm_first_token = now;
  }
  llm_text_ += delta;
  splitter_.push(delta, [&](std::string clause) {
    ++llm_clauses_;
    queue_clause(Kind::reply, std::move(clause), now);
  });
  if (llm_clauses_ == 0 && cfg_.first_clause_words > 0) {
    std::string first = splitter_.take_words(cfg_.first_clause_words);
    if (!first.empty()) {
      ++llm_clauses_;
      queue_clause(Kind::reply, std::move(first), now);
    }
  }
}

void Session::on_llm_tool_call(RequestId id, agent::ToolCall call) {
  if (id != llm_id_ || llm_done_) return;
  if (cfg_.pii_masking && call.arguments_json.find('[') != std::string::npos) {
    // The tool gets the caller's real data back; the arguments stay valid JSON.
    if (auto args = json::parse(call.arguments_json)) {
      call.arguments_json = json::dump(vault_.restore_in_json(std::move(args).value()));
    } else {
      call.arguments_json = vault_.restore(call.arguments_json);
    }
  }
  if (call.id.empty()) call.id = "call_" + std::to_string(next_id_++);
  llm_calls_.push_back(std::move(call));
}

void Session::on_llm_done(RequestId id, Nanos now) {
  if (id != llm_id_ || llm_done_) return;
  llm_done_ = true;
  std::string rest = splitter_.flush();
  if (!rest.empty()) queue_clause(Kind::reply, std::move(rest), now);
  if (llm_speculative_) return;  // finished when the turn commits
  finish_round(now);
}

void Session::on_llm_error(RequestId id, const std::string &message, Nanos now) {
  if (id != llm_id_ || llm_done_) return;
  Event e;
  e.type = Event::Type::error;
  e.text = "llm: " + message;
  emit(std::move(e));
  const bool spoke = llm_first_token_;
  const bool speculative = llm_speculative_;
  llm_id_ = 0;
  llm_done_ = false;
  llm_speculative_ = false;
  splitter_.reset();  // half a sentence is not said
  if (speculative) {
    drop_reply_speech();
    return;  // the committed turn asks again
  }
  if (spoke) {
    // What was said stands and is not repeated.
    message_of_[id] = conversation_.add_assistant(heard_reply());
    after_speech(now);
    return;
  }
  queue_clause(Kind::notice, phrases_.llm_error, now);
}

// A round is over: run its tools, or the reply is complete.
void Session::finish_round(Nanos now) {
  const RequestId id = llm_id_;
  llm_id_ = 0;
  llm_done_ = false;
  if (!llm_calls_.empty()) {
    message_of_[id] = conversation_.add_assistant(heard_reply(), llm_calls_);
    run_tools(now);
    return;
  }
  if (llm_text_.empty()) {
    // An empty reply: ask again rather than leave the caller in silence.
    queue_clause(Kind::notice, phrases_.not_heard, now);
  } else {
    message_of_[id] = conversation_.add_assistant(heard_reply());
  }
  after_speech(now);
}

// ---- tools ----


void Session::run_tools(Nanos now) {
  std::map<std::string, RequestId> by_key;
  tool_order_.clear();
  std::string wait_phrase;
  for (const auto &call : llm_calls_) {
    const std::string key = agent::tool_call_key(call);
    if (auto it = by_key.find(key); it != by_key.end()) {
      tools_[it->second]->calls.push_back(call);
      continue;
    }
    const RequestId id = next_id_++;
    by_key[key] = id;
    tool_order_.push_back(id);
    auto run = std::make_unique<ToolRun>();
    run->calls.push_back(call);
    run->name = call.name;
    run->deadline = now + cfg_.tool_timeout;
    ToolRun &r = *run;
    tools_[id] = std::move(run);
    ++stats_.tool_calls;
    Event e;
    e.type = Event::Type::tool_started;
    e.text = call.name;
    e.detail = call.arguments_json;
    emit(std::move(e));
    providers::Tool *tool = nullptr;
    for (const auto &t : providers_.tools) {
      if (t->spec().name == call.name) tool = t.get();
    }
    if (tool == nullptr) {
      r.done = true;
      r.result.ok = false;
      r.result.json = R"({"error":"unknown tool )" + call.name + R"("})";
      continue;
    }
    if (wait_phrase.empty()) wait_phrase = tool->spec().wait_phrase;
    providers::ToolContext ctx;
    ctx.call_id = cfg_.call_id;
    ctx.caller_number = cfg_.caller_number;
    // The same call, tool and arguments give the same key, so a store that honours it does the
    // work once however often the LLM asks.
    ctx.idempotency_key = agent::idempotency_key(cfg_.call_id, call);
    if (rec_) note_action("tool.invoke", call.name + ":" + call.arguments_json);
    tool->invoke(id, call.arguments_json, ctx, mailbox_);
  }
  // Something to hear while the tools work — but only if they are slow: a tool that answers
  // within the filler delay goes straight to the reply, without "one moment" before it. The
  // phrase takes the filler's place (at filler_at_, or now when that has passed).
  if (std::any_of(tools_.begin(), tools_.end(), [](const auto &t) { return !t.second->done; })) {
    tool_wait_phrase_ = wait_phrase.empty() ? phrases_.tool_wait : wait_phrase;
    if (filler_at_ == 0 || filler_at_ < now) filler_at_ = now;
  }
  maybe_tools_done(now);
}

void Session::on_tool_result(RequestId id, providers::ToolResult result, Nanos now) {
  auto it = tools_.find(id);
  if (it == tools_.end() || it->second->done) {
    Event e;
    e.type = Event::Type::tool_finished;
    e.text = "late";
    e.detail = result.json;
    e.ok = result.ok;
    emit(std::move(e));
    return;
  }
  ToolRun &r = *it->second;
  r.done = true;
  r.result = std::move(result);
  Event e;
  e.type = Event::Type::tool_finished;
  e.text = r.name;
  e.detail = r.result.json;
  e.ok = r.result.ok;
  emit(std::move(e));
  maybe_tools_done(now);
}

void Session::maybe_tools_done(Nanos now) {
  if (tools_.empty()) return;
  for (const auto &[id, run] : tools_) {
    if (!run->done) return;
  }
  // Results enter the history in call order.
  providers::ToolResult::Action action = providers::ToolResult::Action::none;
  std::string action_reason;
  for (RequestId id : tool_order_) {
    const ToolRun &r = *tools_[id];
    for (const auto &call : r.calls) conversation_.add_tool_result(call, r.result.json, !r.result.ok);
    if (r.result.action != providers::ToolResult::Action::none) {
      action = r.result.action;
      action_reason = r.result.action_reason.empty() ? r.name : r.result.action_reason;
    }
  }
  tools_.clear();
  tool_order_.clear();
  llm_calls_.clear();
  if (action == providers::ToolResult::Action::transfer) {
    request_transfer(action_reason, now);
    return;
  }
  if (action == providers::ToolResult::Action::hangup) {
    hangup_reason_ = action_reason;
    hangup_after_speech_ = true;
    queue_clause(Kind::farewell, phrases_.farewell, now);
    return;
  }
  if (waiting_turn_) {
    // The caller spoke while the tools ran: their turn comes next, answered with the results.
    conversation_.add_user(*waiting_turn_);
    waiting_turn_.reset();
    round_ = 0;
    start_llm(now);
    return;
  }
  if (state_ == State::listening) return;  // the reply was interrupted; the results wait in the history
  if (++round_ >= cfg_.max_tool_rounds) {
    queue_clause(Kind::notice, phrases_.not_heard, now);
    return;
  }
  start_llm(now);
}

// ---- speech ----

void Session::queue_clause(Kind kind, std::string text, Nanos now) {
  if (text.empty() || !providers_.tts) return;
  if (kind == Kind::reply && cfg_.pii_masking) text = vault_.restore(text);
  auto c = std::make_unique<Clause>();
  c->kind = kind;
  c->text = std::move(text);
  c->hold = kind == Kind::reply && llm_speculative_;
  c->llm_request = kind == Kind::reply ? llm_id_ : 0;
  c->protect = kind == Kind::farewell || kind == Kind::transfer ||
               (kind == Kind::greeting && !cfg_.greeting_interruptible);
  if (kind == Kind::reply) {
    if (first_clause_at_ == 0) first_clause_at_ = now;
    if (!llm_speculative_ && timeline_.first_clause == 0) timeline_.first_clause = now;
  }
  Event e;
  e.type = kind == Kind::filler ? Event::Type::filler : Event::Type::bot_clause;
  e.text = c->text;
  emit(std::move(e));
  clauses_.push_back(std::move(c));
  pump_tts();
}

void Session::pump_tts() {
  if (!providers_.tts) return;
  int ahead = 0;
  for (auto &c : clauses_) {
    if (c->finished()) continue;
    if (ahead > cfg_.tts_lookahead) break;
    ++ahead;
    if (!c->requested) request_tts(*c);
  }
}

void Session::request_tts(Clause &c) {
  c.requested = true;
  c.requested_at = now_;
  c.tts_id = next_id_++;
  providers::TtsRequest r;
  r.id = c.tts_id;
  r.text = c.text;
  r.language = cfg_.language;
  if (c.kind == Kind::reply && cfg_.speakable) {
    const text::Lang configured = text::parse_lang(cfg_.language);
    const text::Lang lang = text::detect_lang(c.text, configured);
    r.language = std::string(text::lang_code(lang));
    r.text = text::speakable(c.text, lang);
  }
  r.sample_rate = cfg_.sample_rate;
  for (size_t i = 0; i < r.text.size(); ++i) {
    if ((static_cast<unsigned char>(r.text[i]) & 0xc0) != 0x80) ++stats_.tts_characters;
  }
  if (rec_) note_action("tts.synthesize", r.text);
  providers_.tts->synthesize(r, mailbox_);
}

void Session::on_tts_audio(RequestId id, std::span<const int16_t> pcm, int rate, Nanos now) {
  for (auto &c : clauses_) {
    if (c->tts_id != id || c->tts_done) continue;
    if (c->kind == Kind::reply && first_audio_at_ == 0) {
      first_audio_at_ = now;
      if (!llm_speculative_ && timeline_.tts_first_audio == 0) timeline_.tts_first_audio = now;
    }
    if (rate == cfg_.sample_rate) {
      c->audio.insert(c->audio.end(), pcm.begin(), pcm.end());
    } else {
      if (!c->resampler || c->source_rate != rate) {
        auto r = audio::Resampler::create(rate, cfg_.sample_rate);
        if (!r) return;
        c->resampler.emplace(std::move(*r));
        c->source_rate = rate;
      }
      c->resampler->process(pcm, c->audio);
    }
    return;
  }
}

void Session::on_tts_done(RequestId id, bool ok, const std::string &error) {
  for (auto &c : clauses_) {
    if (c->tts_id != id || c->tts_done) continue;
    if (c->resampler) c->resampler->flush(c->audio);
    c->tts_done = true;
    if (!ok) {
      Event e;
      e.type = Event::Type::error;
      e.text = "tts: " + error;
      emit(std::move(e));
    }
    pump_tts();
    return;
  }
}

bool Session::bot_audible() const {
  if (clauses_.empty()) return false;
  const Clause &c = *clauses_.front();
  return c.started && !c.finished();
}

bool Session::current_clause_protected() const {
  return !clauses_.empty() && clauses_.front()->protect;
}

void Session::drop_speech(bool keep_protected) {
  std::vector<std::unique_ptr<Clause>> kept;
  for (auto &c : clauses_) {
    if (keep_protected && c->protect) {
      kept.push_back(std::move(c));
      continue;
    }
    if (c->requested && !c->tts_done && providers_.tts) providers_.tts->cancel(c->tts_id);
  }
  clauses_ = std::move(kept);
}

void Session::drop_reply_speech() {
  std::vector<std::unique_ptr<Clause>> kept;
  for (auto &c : clauses_) {
    if (c->kind != Kind::reply || c->started) {
      kept.push_back(std::move(c));
      continue;
    }
    if (c->requested && !c->tts_done && providers_.tts) providers_.tts->cancel(c->tts_id);
  }
  clauses_ = std::move(kept);
}

// ---- barge-in ----

void Session::mute() {
  if (muted_) return;
  muted_ = true;
  emit_simple(Event::Type::barge_in_muted);
}

void Session::resume() {
  if (!muted_) return;
  muted_ = false;
  ++stats_.barge_in_resumes;
  emit_simple(Event::Type::barge_in_resumed);
}

void Session::commit_barge_in(Nanos now) {
  ++stats_.barge_ins;
  emit_simple(Event::Type::barge_in_committed);
  // The history keeps exactly what the caller heard: whole clauses played to the end, the part of
  // the interrupted one that was played (as the host reports it), nothing of what was queued.
  std::map<RequestId, std::string> heard = heard_;
  for (const auto &c : clauses_) {
    if (c->kind != Kind::reply || !c->started) continue;
    const uint64_t played = played_total_ > c->pull_offset ? played_total_ - c->pull_offset : 0;
    const uint64_t samples = std::min<uint64_t>(played, c->read);
    std::string part;
    if (c->tts_done && samples >= c->audio.size()) {
      part = c->text;
    } else {
      // While synthesis still streams, judge against what has arrived so far.
      const double total = static_cast<double>(std::max<size_t>(c->audio.size(), 1));
      part = truncate_to_fraction(c->text, static_cast<double>(samples) / total);
    }
    if (part.empty()) continue;
    std::string &h = heard[c->llm_request];
    if (!h.empty()) h.push_back(' ');
    h += part;
  }
  for (const auto &[req, index] : message_of_) {
    auto it = heard.find(req);
    conversation_.set_assistant_text(index, it == heard.end() ? std::string() : it->second);
  }
  // A reply cut while still streaming has no message yet: what was heard of it becomes one.
  if (llm_id_ != 0 && !message_of_.count(llm_id_)) {
    if (auto it = heard.find(llm_id_); it != heard.end() && !it->second.empty()) {
      conversation_.add_assistant(it->second);
    }
  }
  std::string all;
  for (const auto &[req, text] : heard) {
    if (text.empty()) continue;
    if (!all.empty()) all.push_back(' ');
    all += text;
  }
  Event e;
  e.type = Event::Type::bot_heard;
  e.text = all;
  emit(std::move(e));
  heard_.clear();
  message_of_.clear();
  cancel_llm();
  drop_speech(false);
  muted_ = false;
  filler_at_ = 0;
  transfer_after_speech_ = false;
  hangup_after_speech_ = false;
  begin_listening(now);
}

// ---- timers ----

void Session::run_timers(Nanos now) {
  after_voice(now);
  maybe_commit_turn(now);

  if (muted_ && !caller_speaking_ && now - last_voice_at_ >= cfg_.barge_in_resume_silence) resume();

  if (!max_duration_hit_ && started_at_ >= 0 && now - started_at_ >= cfg_.max_duration) {
    max_duration_hit_ = true;
    cancel_llm();
    drop_speech(false);
    muted_ = false;
    hangup_after_speech_ = true;
    hangup_reason_ = "max_duration";
    queue_clause(Kind::farewell, phrases_.max_duration_farewell, now);
    set_state(State::speaking);
    return;
  }

  if (llm_id_ != 0 && !llm_done_ && now - llm_started_at_ >= cfg_.llm_timeout) {
    const RequestId id = llm_id_;
    const bool spoke = llm_first_token_;
    const bool speculative = llm_speculative_;
    cancel_llm();
    emit_simple(Event::Type::error, "llm: timeout");
    if (speculative) {
      drop_reply_speech();
    } else if (spoke) {
      message_of_[id] = conversation_.add_assistant(heard_reply());
    } else {
      queue_clause(Kind::notice, phrases_.not_heard, now);
    }
  }

  // A recogniser that never closes its stream must not deafen the rest of the call.
  if (stt_id_ != 0 && stt_finishing_ && now - stt_finished_at_ >= cfg_.stt_timeout) {
    if (providers_.stt) providers_.stt->cancel(stt_id_);
    emit_simple(Event::Type::error, "stt: timeout");
    stt_closed();
  }
  // A synthesiser that never answers must not hold up the speech queue.
  for (auto &c : clauses_) {
    if (!c->requested || c->tts_done || !c->audio.empty() || now - c->requested_at < cfg_.tts_timeout) continue;
    if (providers_.tts) providers_.tts->cancel(c->tts_id);
    c->tts_done = true;
    emit_simple(Event::Type::error, "tts: timeout");
  }

  for (auto &[id, run] : tools_) {
    if (run->done || now < run->deadline) continue;
    run->done = true;
    run->result.ok = false;
    run->result.json = phrases_.tool_timeout_result;
    Event e;
    e.type = Event::Type::tool_finished;
    e.text = run->name;
    e.detail = "timeout";
    e.ok = false;
    emit(std::move(e));
  }
  maybe_tools_done(now);

  const bool tools_running =
      std::any_of(tools_.begin(), tools_.end(), [](const auto &t) { return !t.second->done; });
  if (!tools_running) tool_wait_phrase_.clear();
  if (filler_at_ != 0 && now >= filler_at_) {
    if (timeline_.first_frame_ready == 0 && state_ == State::thinking && !bot_audible() && !tool_wait_phrase_.empty()) {
      queue_clause(Kind::notice, std::exchange(tool_wait_phrase_, {}), now);
      filler_at_ = now + cfg_.filler_repeat;
    } else if (timeline_.first_frame_ready == 0 && (state_ == State::thinking) && !bot_audible() &&
               !phrases_.fillers.empty()) {
      ++stats_.fillers;
      queue_clause(Kind::filler, phrases_.fillers[filler_next_++ % phrases_.fillers.size()], now);
      filler_at_ = now + cfg_.filler_repeat;
    } else if (state_ != State::thinking) {
      filler_at_ = 0;
    } else {
      filler_at_ = now + cfg_.filler_repeat;
    }
  }

  // The silence ladder: re-prompt, ask if the caller is there, say goodbye.
  if (silence_ladder_armed() && now - silent_since() >= cfg_.silence_timeout) {
    ++silence_count_;
    if (silence_count_ >= cfg_.silence_prompts) {
      hangup_after_speech_ = true;
      hangup_reason_ = "silence";
      queue_clause(Kind::farewell, phrases_.farewell, now);
    } else if (silence_count_ == 1) {
      const agent::Message *last = conversation_.last_assistant();
      const bool confirm = last != nullptr && asks_confirmation(last->text, phrases_);
      queue_clause(Kind::prompt, confirm ? phrases_.reprompt_confirm : phrases_.reprompt, now);
    } else {
      queue_clause(Kind::prompt, phrases_.still_there, now);
    }
    set_state(State::speaking);
  }
}

// ---- states ----

void Session::start(Nanos now) {
  started_at_ = now;
  if (!aec_failure_.empty()) emit_simple(Event::Type::error, "echo canceller: " + aec_failure_);
  set_state(State::greeting);
  queue_clause(Kind::greeting, cfg_.greeting.empty() ? phrases_.greeting : cfg_.greeting, now);
  if (clauses_.empty()) begin_listening(now);
}

void Session::request_transfer(std::string reason, Nanos now) {
  cancel_llm();
  drop_speech(true);
  muted_ = false;
  filler_at_ = 0;
  transfer_reason_ = std::move(reason);
  transfer_after_speech_ = true;
  queue_clause(Kind::transfer, phrases_.transfer, now);
  set_state(State::speaking);
  if (clauses_.empty()) after_speech(now);
}

void Session::end_call(std::string reason) {
  cancel_llm();
  drop_speech(false);
  if (stt_id_ != 0 && providers_.stt) providers_.stt->cancel(stt_id_);
  stt_id_ = 0;
  backlog_.clear();
  // Tools are transactions: they finish on their own; late results are reported, not lost.
  filler_at_ = 0;
  Event e;
  e.type = Event::Type::hangup_requested;
  e.text = std::move(reason);
  emit(std::move(e));
  set_state(State::ended);
}

void Session::set_state(State s) {
  if (s == state_) return;
  state_ = s;
  Event e;
  e.type = Event::Type::state_changed;
  emit(std::move(e));
}

void Session::emit(Event e) {
  e.state = state_;
  if (rec_) {
    ++rec_->events;
    Fnv &h = rec_->hash;
    h.add_i64(static_cast<int64_t>(e.type));
    h.add_i64(static_cast<int64_t>(e.state));
    h.add(e.text);
    h.add(e.detail);
    h.add_i64((e.ok ? 1 : 0) | (e.recoverable ? 2 : 0));
    for (Nanos t : {Nanos{e.timeline.turn}, e.timeline.speech_end, e.timeline.stt_final, e.timeline.llm_request,
                    e.timeline.llm_first_token, e.timeline.first_clause, e.timeline.tts_first_audio,
                    e.timeline.first_frame_ready}) {
      h.add_i64(t);
    }
  }
  if (on_event_) on_event_(e);
}

void Session::emit_simple(Event::Type t, std::string text, std::string detail) {
  Event e;
  e.type = t;
  e.text = std::move(text);
  e.detail = std::move(detail);
  emit(std::move(e));
}

}  // namespace ca::session
