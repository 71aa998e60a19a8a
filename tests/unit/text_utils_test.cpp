#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "session/text_utils.hpp"

using ca::session::is_backchannel;
using ca::session::to_lower_utf8;
using ca::session::truncate_to_fraction;
using ca::session::utf8_length;
using ca::session::words;
using Words = std::vector<std::string>;

TEST_CASE("utf8_length counts code points") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("Привіт") == 6);
  CHECK(utf8_length("ґ…€😀") == 4);
}

TEST_CASE("to_lower_utf8: ASCII and Cyrillic, everything else untouched") {
  CHECK(to_lower_utf8("Hello, WORLD 42") == "hello, world 42");
  CHECK(to_lower_utf8("АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ") == "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя");
  CHECK(to_lower_utf8("ЁЪЫЭ ЎЈЉЊЋЏ") == "ёъыэ ўјљњћџ");
  CHECK(to_lower_utf8("вже малі ґїєі") == "вже малі ґїєі");
  CHECK(to_lower_utf8("ÀÉ «Так» €") == "ÀÉ «так» €");
  CHECK(to_lower_utf8("\xFF\xD0 A") == "\xFF\xD0 a");  // invalid bytes pass through
}

TEST_CASE("words: lower-cased, punctuation stripped, hyphens and apostrophes kept inside words") {
  CHECK(words("Uh-huh, OK.") == Words{"uh-huh", "ok"});
  CHECK(words("З'єдную — будь-ласка… «Так»!") == Words{"з'єдную", "будь-ласка", "так"});
  CHECK(words("пам’ять, мʼята") == Words{"пам'ять", "м'ята"});
  CHECK(words(" -так- 'ні' ") == Words{"так", "ні"});
  CHECK(words("205/55 R16, 3.5 тис.") == Words{"205", "55", "r16", "3", "5", "тис"});
  CHECK(words("  ,.!? ").empty());
  CHECK(words("").empty());
  for (const char *t : {"", " ", "…", " — «» ", "a", " 5.", "ґ", "-'-", "Так?", "\xD0"}) {
    CAPTURE(t);
    CHECK(ca::session::has_word(t) == !words(t).empty());
  }
}

TEST_CASE("backchannels in Ukrainian") {
  CHECK(is_backchannel("Ага.", "uk"));
  CHECK(is_backchannel("ага ага", "uk"));
  CHECK(is_backchannel("Угу", "uk"));
  CHECK(is_backchannel("так, так", "uk"));
  CHECK(is_backchannel("Ну добре", "uk"));
  CHECK(is_backchannel("Мммм...", "uk"));
  CHECK(is_backchannel("ага-ага", "uk-UA"));
  CHECK(is_backchannel("Окей.", "uk"));
  CHECK_FALSE(is_backchannel("так, а скільки коштує", "uk"));
  CHECK_FALSE(is_backchannel("ні", "uk"));
  CHECK_FALSE(is_backchannel("стоп", "uk"));
  CHECK_FALSE(is_backchannel("так так так так", "uk"));  // four words is talking
  CHECK_FALSE(is_backchannel("", "uk"));
  CHECK_FALSE(is_backchannel(" ... ", "uk"));
  CHECK_FALSE(is_backchannel("да", "uk"));  // Russian
}

TEST_CASE("backchannels in Russian") {
  CHECK(is_backchannel("Да.", "ru"));
  CHECK(is_backchannel("да-да", "ru"));
  CHECK(is_backchannel("Ясно, понятно", "ru"));
  CHECK(is_backchannel("угу хорошо", "ru-RU"));
  CHECK_FALSE(is_backchannel("да, а сколько стоит", "ru"));
  CHECK_FALSE(is_backchannel("нет", "ru"));
  CHECK_FALSE(is_backchannel("добре", "ru"));
}

TEST_CASE("backchannels in English") {
  CHECK(is_backchannel("Uh-huh.", "en"));
  CHECK(is_backchannel("mm-hmm", "en"));
  CHECK(is_backchannel("Yeah, right.", "en"));
  CHECK(is_backchannel("OK", "en-US"));
  CHECK(is_backchannel("Hmmm", "en"));
  CHECK_FALSE(is_backchannel("yes but how much is it", "en"));
  CHECK_FALSE(is_backchannel("wait", "en"));
  CHECK_FALSE(is_backchannel("no", "en"));
}

TEST_CASE("backchannels in an unknown language use every list") {
  CHECK(is_backchannel("ага", "de"));
  CHECK(is_backchannel("да, okay", ""));
  CHECK(is_backchannel("добре", "xx"));
  CHECK_FALSE(is_backchannel("ні", ""));
}

TEST_CASE("truncate_to_fraction keeps whole words of what was heard") {
  const std::string t = "Добрий день, мене звати Олена.";  // 30 characters
  CHECK(truncate_to_fraction(t, 0.0).empty());
  CHECK(truncate_to_fraction(t, -1.0).empty());
  CHECK(truncate_to_fraction(t, 0.1).empty());       // 3 characters: not a whole word yet
  CHECK(truncate_to_fraction(t, 0.2) == "Добрий");    // 6 characters, the word is complete
  CHECK(truncate_to_fraction(t, 0.35) == "Добрий");   // 10: "день" cut in the middle
  CHECK(truncate_to_fraction(t, 0.4) == "Добрий день");  // 12: the comma is dropped
  CHECK(truncate_to_fraction(t, 0.75) == "Добрий день, мене");  // 22: one letter short of "звати"
  CHECK(truncate_to_fraction(t, 0.8) == "Добрий день, мене звати");
  CHECK(truncate_to_fraction(t, 0.99) == "Добрий день, мене звати");
  CHECK(truncate_to_fraction(t, 1.0) == t);
  CHECK(truncate_to_fraction(t, 5.0) == t);
  CHECK(truncate_to_fraction("Так — звісно", 0.5) == "Так");
  CHECK(truncate_to_fraction("", 0.5).empty());
  // Every fraction gives a valid UTF-8 prefix that ends at a word.
  for (int i = 0; i <= 100; ++i) {
    const std::string part = truncate_to_fraction(t, i / 100.0);
    CHECK(t.compare(0, part.size(), part) == 0);
    CHECK(utf8_length(part) * 100 <= utf8_length(t) * static_cast<size_t>(i));
    CHECK((part.empty() || part == t || t[part.size()] == ' ' || t[part.size()] == ','));
  }
}
