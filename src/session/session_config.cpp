#include "session/session_config.hpp"

namespace ca::session {

namespace {
Nanos secs(double s) { return static_cast<Nanos>(s * 1e9); }
}  // namespace

SessionConfig from_config(const config::SessionSection &s) {
  SessionConfig c;
  c.language = s.language;
  c.greeting = s.greeting;
  c.greeting_interruptible = s.greeting_interruptible;
  c.system_prompt = s.system_prompt;
  c.preroll = secs(s.preroll);
  c.speech_onset = secs(s.speech_onset);
  c.end_of_turn_silence = secs(s.end_of_turn_silence);
  c.eager_start_silence = secs(s.eager_start_silence);
  c.barge_in_min_speech = secs(s.barge_in_min_speech);
  c.barge_in_commit_speech = secs(s.barge_in_commit_speech);
  c.barge_in_resume_silence = secs(s.barge_in_resume_silence);
  c.silence_timeout = secs(s.silence_timeout);
  c.silence_prompts = s.silence_prompts;
  c.max_duration = secs(s.max_duration);
  c.filler_delay = secs(s.filler_delay);
  c.filler_repeat = secs(s.filler_repeat);
  c.llm_timeout = secs(s.llm_timeout);
  c.tool_timeout = secs(s.tool_timeout);
  c.max_tool_rounds = s.max_tool_rounds;
  c.operator_digit = s.operator_digit.empty() ? '\0' : s.operator_digit[0];
  c.clause_min_chars = static_cast<size_t>(s.clause_min_chars);
  c.first_clause_words = static_cast<size_t>(s.first_clause_words);
  c.history_window = static_cast<size_t>(s.history_window);
  c.stt_finish_silence = secs(s.stt_finish_silence);
  c.vad.min_level_dbfs = s.vad_min_level_dbfs;
  c.vad.margin_db = s.vad_margin_db;
  c.echo.echo_return_loss_db = s.echo_return_loss_db;
  c.echo.max_echo_delay = secs(s.echo_max_delay);
  c.echo_canceller = s.echo_canceller;
  c.pii_masking = s.pii_masking;
  c.speakable = s.speakable;
  c.echo_canceller_tail = secs(s.echo_canceller_tail);
  return c;
}

}  // namespace ca::session
