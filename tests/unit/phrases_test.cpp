#include <doctest/doctest.h>

#include <string>

#include "session/phrases.hpp"

using ca::session::asks_confirmation;
using ca::session::default_phrases;
using ca::session::Phrases;

TEST_CASE("every language has every phrase") {
  for (const char *lang : {"uk", "ru", "en"}) {
    CAPTURE(lang);
    const Phrases &p = default_phrases(lang);
    for (const std::string *s : {&p.greeting, &p.reprompt, &p.reprompt_confirm, &p.still_there, &p.farewell,
                                 &p.max_duration_farewell, &p.tool_wait, &p.transfer, &p.transfer_failed,
                                 &p.llm_error, &p.not_heard, &p.tool_timeout_result}) {
      CHECK_FALSE(s->empty());
    }
    CHECK(p.fillers.size() >= 3);
    for (const std::string &f : p.fillers) CHECK_FALSE(f.empty());
    CHECK(p.confirmation_markers.size() >= 5);
    for (const std::string &m : p.confirmation_markers) CHECK_FALSE(m.empty());
    // A JSON object with an "error" string, as tools report failures.
    CHECK(p.tool_timeout_result.rfind("{\"error\":\"", 0) == 0);
    CHECK(p.tool_timeout_result.substr(p.tool_timeout_result.size() - 2) == "\"}");
  }
}

TEST_CASE("the greeting discloses automated processing") {
  CHECK(default_phrases("uk").greeting.find("автоматичною системою") != std::string::npos);
  CHECK(default_phrases("ru").greeting.find("автоматической системой") != std::string::npos);
  CHECK(default_phrases("en").greeting.find("automated assistant") != std::string::npos);
}

TEST_CASE("languages: uk by default, locales accepted") {
  CHECK(&default_phrases("uk") != &default_phrases("ru"));
  CHECK(&default_phrases("en") != &default_phrases("uk"));
  CHECK(&default_phrases("ru-RU") == &default_phrases("ru"));
  CHECK(&default_phrases("EN_us") == &default_phrases("en"));
  CHECK(&default_phrases("de") == &default_phrases("uk"));
  CHECK(&default_phrases("") == &default_phrases("uk"));
  CHECK(default_phrases("uk").still_there == "Ви ще на лінії?");
  CHECK(default_phrases("uk").farewell == "Дякую за дзвінок! До побачення!");
}

TEST_CASE("asks_confirmation") {
  const Phrases &uk = default_phrases("uk");
  CHECK(asks_confirmation("Записую вас на завтра о 10:00. Підтверджуєте?", uk));
  CHECK(asks_confirmation("Шини 205/55 R16, ВІРНО?", uk));
  CHECK(asks_confirmation("Так?", uk));
  CHECK(asks_confirmation("Час 14:30 вам підходить?", uk));
  CHECK_FALSE(asks_confirmation("Чим можу допомогти?", uk));
  CHECK_FALSE(asks_confirmation("Як вас звати?", uk));
  CHECK_FALSE(asks_confirmation("", uk));

  const Phrases &ru = default_phrases("ru");
  CHECK(asks_confirmation("Записываю на завтра, верно?", ru));
  CHECK(asks_confirmation("Да?", ru));
  CHECK_FALSE(asks_confirmation("Когда?", ru));  // "да?" only as a word
  CHECK_FALSE(asks_confirmation("Чем могу помочь?", ru));

  const Phrases &en = default_phrases("en");
  CHECK(asks_confirmation("Tomorrow at ten, is that OK?", en));
  CHECK(asks_confirmation("Do you confirm the booking?", en));
  CHECK_FALSE(asks_confirmation("How can I help you?", en));
  CHECK_FALSE(asks_confirmation("Copyright?", en));  // "right?" only as a word
}
