#include "host/session_agent.hpp"

#include <string>
#include <vector>

#include "core/log.hpp"

namespace ca::host {

namespace {

class SessionAgent final : public server::CallHandler {
 public:
  explicit SessionAgent(std::shared_ptr<const SessionAgentOptions> o) : o_(std::move(o)) {}
  ~SessionAgent() override { ca_session_destroy(session_); }

  void on_start(std::string_view uuid, int, Nanos) override { uuid_ = std::string(uuid); }

  void on_audio(std::span<const int16_t> frame, int sample_rate, Nanos now) override {
    if (!ensure_session(sample_rate)) return;
    if (sample_rate != rate_) {
      ++foreign_frames_;  // the session's rate is fixed; a caller that changes it is not followed
      return;
    }
    ca_session_push_audio(session_, frame.data(), frame.size());
    process(now);
  }

  void on_dtmf(char digit, Nanos now) override {
    if (session_ == nullptr) return;
    ca_session_push_dtmf(session_, digit);
    process(now);
  }

  void on_other(uint8_t, std::span<const uint8_t>, Nanos) override {}

  void set_wake(std::function<void()> wake) override { wake_ = std::move(wake); }
  // A plug-in delivered between ticks: let the session act on it now rather than at the next
  // frame, so each provider hop costs no slot wait.
  void on_wake(Nanos now) override {
    if (session_ != nullptr) process(now);
  }

  bool pull(std::span<int16_t> out, int sample_rate, Nanos now) override {
    if (!ensure_session(sample_rate) || sample_rate != rate_) return false;
    process(now);
    int has_audio = 0;
    if (ca_session_pull_audio(session_, out.data(), out.size(), &has_audio) != CA_OK) return false;
    // The host writes the frame at once; AudioSocket has no playout report.
    if (has_audio) ca_session_push_played(session_, out.size());
    return has_audio != 0;
  }

  bool wants_hangup() const override { return hangup_; }

  void on_end(server::EndReason reason, Nanos now) override {
    if (session_ == nullptr) return;
    if (reason != server::EndReason::agent_hangup) {
      ca_session_push_hangup(session_);
      process(now);
    }
    if (!o_->record_dir.empty()) {
      const std::string path = o_->record_dir + "/" + uuid_ + ".careplay";
      if (ca_session_save_recording(session_, path.c_str()) == CA_OK) {
        log::write(log::Level::info, uuid_, "call recorded", {{"path", path}});
      } else {
        log::write(log::Level::warn, uuid_, "cannot save the recording", {{"error", ca_last_error()}});
      }
    }
    ca_session_stats st{};
    st.struct_size = sizeof st;
    ca_session_get_stats(session_, &st);
    if (o_->observer) o_->observer->on_call_end(uuid_, reason, st);
    log::write(log::Level::info, uuid_, "session ended",
               {{"turns", st.turns}, {"barge_ins", st.barge_ins}, {"llm_requests", st.llm_requests},
                {"tool_calls", st.tool_calls}, {"foreign_rate_frames", foreign_frames_}});
  }

 private:
  bool ensure_session(int sample_rate) {
    if (session_ != nullptr) return true;
    if (failed_) return false;
    CallObserver::Start start;
    start.uuid = uuid_;
    start.sample_rate = sample_rate;
    start.system_prompt = o_->system_prompt;
    if (o_->details) {
      if (auto d = o_->details->take(uuid_, monotonic_now())) start.details = std::move(*d);
    }
    if (o_->observer) o_->observer->on_call_start(start);
    ca_session_params p{};
    ca_session_default_params(&p, sizeof p);
    p.call_id = uuid_.c_str();
    p.sample_rate = sample_rate;
    p.caller_number = start.details.caller.c_str();
    p.called_number = start.details.called.c_str();
    // "" leaves a field to the engine's configuration ([session] of ca_engine_load_config).
    auto or_null = [](const std::string &v) { return v.empty() ? nullptr : v.c_str(); };
    p.language = or_null(o_->language);
    p.system_prompt = or_null(start.system_prompt);
    p.greeting = or_null(o_->greeting);
    p.stt = or_null(o_->stt);
    p.tts = or_null(o_->tts);
    p.llm = or_null(o_->llm);
    p.on_event = &SessionAgent::on_event;
    p.event_user_data = this;
    if (wake_) {
      p.on_wake = [](void *self) { static_cast<SessionAgent *>(self)->wake_(); };
      p.wake_user_data = this;
    }
    const ca_status st = ca_session_create(o_->engine, &p, &session_);
    if (st != CA_OK) {
      if (o_->observer) {
        ca_session_stats none{};
        none.struct_size = sizeof none;
        o_->observer->on_call_end(uuid_, server::EndReason::protocol_error, none);
      }
      failed_ = true;
      hangup_ = true;  // a call with no agent is ended, not left in silence
      log::write(log::Level::error, uuid_, "cannot create the session",
                 {{"status", ca_status_string(st)}, {"error", ca_last_error()}});
      return false;
    }
    rate_ = sample_rate;
    if (!o_->record_dir.empty() && ca_session_start_recording(session_) != CA_OK) {
      log::write(log::Level::warn, uuid_, "cannot record the call", {{"error", ca_last_error()}});
    }
    return true;
  }

  void process(Nanos now) {
    // The server's clock is monotonic; the session only needs it never to go back.
    if (now < last_now_) now = last_now_;
    last_now_ = now;
    if (transfer_pending_) {
      transfer_pending_ = false;
      ca_session_push_transfer_result(session_, 1);
    }
    ca_session_process(session_, now);
  }

  static void on_event(const ca_event *e, void *user_data) {
    auto *self = static_cast<SessionAgent *>(user_data);
    if (self->o_->observer) self->o_->observer->on_event(self->uuid_, *e);
    switch (e->type) {
      case CA_EVENT_HANGUP_REQUESTED:
        self->hangup_ = true;
        break;
      case CA_EVENT_TRANSFER_REQUESTED:
        // AudioSocket cannot move the channel itself: ending the leg returns control to the
        // dialplan, whose next priority routes the caller (see README).
        log::write(log::Level::info, self->uuid_, "transfer requested", {{"reason", e->text}, {"summary", e->detail}});
        self->transfer_pending_ = true;  // answered before the next process(): not from inside the callback
        break;
      case CA_EVENT_CALLER_TURN:
        log::write(log::Level::info, self->uuid_, "caller", {{"text", e->text}});
        break;
      case CA_EVENT_BOT_CLAUSE:
        log::write(log::Level::info, self->uuid_, "bot", {{"text", e->text}});
        break;
      case CA_EVENT_ERROR:
        log::write(log::Level::warn, self->uuid_, "session error", {{"error", e->text}, {"recoverable", e->recoverable != 0}});
        break;
      default: break;
    }
  }

  std::shared_ptr<const SessionAgentOptions> o_;
  std::function<void()> wake_;  // from the server; callable from any thread
  std::string uuid_;
  ca_session_t *session_ = nullptr;
  int rate_ = 0;
  bool failed_ = false;
  bool hangup_ = false;
  bool transfer_pending_ = false;
  Nanos last_now_ = 0;
  uint64_t foreign_frames_ = 0;
};

}  // namespace

server::HandlerFactory make_session_agent(const SessionAgentOptions &options) {
  auto o = std::make_shared<const SessionAgentOptions>(options);
  return [o] { return std::make_unique<SessionAgent>(o); };
}

}  // namespace ca::host
