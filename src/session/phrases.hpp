// What the bot says on its own (not written by the LLM), per language. Ukrainian is the default;
// the texts follow the system being replaced (seed-spec §3), translated for ru and en. The persona
// is female in uk and ru.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ca::session {

struct Phrases {
  std::string greeting;               // includes the automated-processing disclosure (legal)
  std::string reprompt;               // silence #1
  std::string reprompt_confirm;       // silence #1 when the bot had asked a yes/no question
  std::string still_there;            // silence #2
  std::string farewell;               // silence #3, then hang up
  std::string max_duration_farewell;  // the call reached its maximum duration
  std::vector<std::string> fillers;   // short "thinking" fillers
  std::string tool_wait;              // generic wait while tools run
  std::string transfer;               // before transferring to an operator
  std::string transfer_failed;        // the transfer was impossible
  std::string llm_error;              // the LLM failed
  std::string not_heard;              // empty LLM reply: ask again
  std::string tool_timeout_result;    // JSON object given to the LLM as a timed-out tool's result
  std::vector<std::string> confirmation_markers;  // lower-case; make a bot line a yes/no question
};

// "uk", "ru", "en" (or a locale such as "ru-RU"); anything else: Ukrainian. The objects live for
// the whole program.
const Phrases &default_phrases(std::string_view language);

// True when `bot_text` contains one of the markers, case-insensitively.
bool asks_confirmation(std::string_view bot_text, const Phrases &phrases);

}  // namespace ca::session
