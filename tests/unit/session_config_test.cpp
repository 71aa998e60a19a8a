#include <doctest/doctest.h>

#include "session/session_config.hpp"

using namespace ca;

TEST_CASE("[session] maps onto the session's constants") {
  config::SessionSection s;
  s.end_of_turn_silence = 0.8;
  s.barge_in_min_speech = 0.1;
  s.operator_digit = "";
  s.language = "en";
  const auto c = session::from_config(s);
  CHECK(c.end_of_turn_silence == millis(800));
  CHECK(c.barge_in_min_speech == millis(100));
  CHECK(c.operator_digit == '\0');
  CHECK(c.language == "en");
  // The defaults of the file are the defaults of the session.
  const auto d = session::from_config(config::SessionSection{});
  const session::SessionConfig plain;
  CHECK(d.end_of_turn_silence == plain.end_of_turn_silence);
  CHECK(d.eager_start_silence == plain.eager_start_silence);
  CHECK(d.barge_in_commit_speech == plain.barge_in_commit_speech);
  CHECK(d.silence_timeout == plain.silence_timeout);
  CHECK(d.max_duration == plain.max_duration);
  CHECK(d.filler_delay == plain.filler_delay);
  CHECK(d.operator_digit == plain.operator_digit);
  CHECK(d.echo.max_echo_delay == plain.echo.max_echo_delay);
  CHECK(d.first_clause_words == plain.first_clause_words);
  CHECK(d.stt_finish_silence == plain.stt_finish_silence);
  CHECK(d.echo_canceller == plain.echo_canceller);
  CHECK(d.echo_canceller_tail == plain.echo_canceller_tail);
}
