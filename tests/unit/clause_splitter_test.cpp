// LLM deltas to clauses: the cutting rules, and independence from how the text was split.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "session/clause_splitter.hpp"
#include "session/text_utils.hpp"

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string> &v) {
    std::string s = "{";
    for (const std::string &c : v) s += "[" + c + "] ";
    s += "}";
    return String(s.c_str());
  }
};
}  // namespace doctest

namespace {

using ca::session::ClauseSplitter;
using Clauses = std::vector<std::string>;

// Feeds `pieces` in order, then flushes; returns every clause.
Clauses split(const std::vector<std::string_view> &pieces, size_t min_chars = 25) {
  ClauseSplitter s(min_chars);
  Clauses out;
  for (const std::string_view p : pieces) s.push(p, [&](std::string c) { out.push_back(std::move(c)); });
  std::string rest = s.flush();
  if (!rest.empty()) out.push_back(std::move(rest));
  CHECK(s.empty());
  return out;
}

Clauses split_whole(std::string_view text, size_t min_chars = 25) { return split({text}, min_chars); }

Clauses split_bytes(std::string_view text, size_t min_chars = 25) {
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < text.size(); ++i) pieces.push_back(text.substr(i, 1));
  return split(pieces, min_chars);
}

const std::string_view kReply =
    "Добрий день! Так, у нас є шини Michelin Primacy 4 розміру 205/55 R16, ціна 3.5 тисячі гривень за "
    "штуку… Доставка на вул. Шевченка, 12 займе 2 дні; монтаж можна записати на завтра. Вам підходить? "
    "Якщо ні, є ще Continental, Nokian та Hankook, усі в наявності!\nЗапишу вас?";

}  // namespace

TEST_CASE("sentence by sentence") {
  CHECK(split_whole("Добрий день! Чим можу допомогти? Слухаю вас. Так… Добре.") ==
        Clauses{"Добрий день!", "Чим можу допомогти?", "Слухаю вас.", "Так…", "Добре."});
  CHECK(split_whole("Hello there. How are you?! Fine...  Thanks.") ==
        Clauses{"Hello there.", "How are you?!", "Fine...", "Thanks."});
  CHECK(split_whole("Він сказав: «Так.» Потім пішов.") == Clauses{"Він сказав: «Так.»", "Потім пішов."});
}

TEST_CASE("a sentence is emitted as soon as the whitespace after it arrives, not before") {
  ClauseSplitter s;
  Clauses out;
  auto sink = [&](std::string c) { out.push_back(std::move(c)); };
  s.push("Розмір R16.", sink);
  CHECK(out.empty());  // could still be "R16.5"
  CHECK_FALSE(s.empty());
  s.push(" Ціна", sink);
  CHECK(out == Clauses{"Розмір R16."});
  s.push(" 3.", sink);
  s.push("5 тисячі.", sink);
  CHECK(out.size() == 1);
  CHECK(s.flush() == "Ціна 3.5 тисячі.");
  CHECK(s.empty());
}

TEST_CASE("decimals, tyre sizes and abbreviations are not cut") {
  CHECK(split_whole("Ціна 3.5 тисячі. Далі") == Clauses{"Ціна 3.5 тисячі.", "Далі"});
  CHECK(split_whole("Шини 205/55 R16 є. Так") == Clauses{"Шини 205/55 R16 є.", "Так"});
  CHECK(split_whole("Розмір R16.5 теж є.") == Clauses{"Розмір R16.5 теж є."});
  CHECK(split_whole("Адреса: вул. Шевченка 5, м. Київ. Працюємо щодня.") ==
        Clauses{"Адреса: вул. Шевченка 5, м. Київ.", "Працюємо щодня."});
  CHECK(split_whole("Музей імені Т. Г. Шевченка. Так.") == Clauses{"Музей імені Т. Г. Шевченка.", "Так."});
  CHECK(split_whole("Ask Dr. Smith, e.g. tomorrow. Bye.") == Clauses{"Ask Dr. Smith, e.g. tomorrow.", "Bye."});
  CHECK(split_whole("Pozniaky (vul. Drahomanova, 17) and Obolon (prosp. Ivasiuka, 12). Which one?") ==
        Clauses{"Pozniaky (vul. Drahomanova, 17) and Obolon (prosp. Ivasiuka, 12).", "Which one?"});
  CHECK(split_whole("т.д.Нічого") == Clauses{"т.д.Нічого"});
}

TEST_CASE("a long clause is cut at a comma only once it has min_clause_chars characters") {
  // "Так, у нас є" is short: its comma is not a cut. The comma after "R16" ends a clause of more
  // than 25 characters (in code points; in bytes even the first one would be).
  CHECK(split_whole("Так, у нас є шини розміру R16, ціна від двох тисяч гривень") ==
        Clauses{"Так, у нас є шини розміру R16,", "ціна від двох тисяч гривень"});
  // 24 Cyrillic letters (48 bytes) then a comma: 25 characters, cut; 23: not cut.
  const std::string a24(24 * 2, ' ');
  std::string x24, x23;
  for (int i = 0; i < 24; ++i) x24 += "ж";
  for (int i = 0; i < 23; ++i) x23 += "ж";
  CHECK(ca::session::utf8_length(x24 + ",") == 25);
  CHECK(split_whole(x24 + ", далі") == Clauses{x24 + ",", "далі"});
  CHECK(split_whole(x23 + ", далі") == Clauses{x23 + ", далі"});
  // ; and : too, but only before whitespace.
  CHECK(split_whole("Маємо три варіанти на вибір; перший дешевший") ==
        Clauses{"Маємо три варіанти на вибір;", "перший дешевший"});
  CHECK(split_whole("Запис на завтра о 10:30 можливий у двох місцях") ==
        Clauses{"Запис на завтра о 10:30 можливий у двох місцях"});
  CHECK(split_whole("Ціна за комплект чотирьох шин 12,500 гривень") ==
        Clauses{"Ціна за комплект чотирьох шин 12,500 гривень"});
  // The first boundary in the text wins, whether it is a comma or a sentence end.
  CHECK(split_whole("Шини Michelin у наявності є, привеземо завтра. Так.") ==
        Clauses{"Шини Michelin у наявності є,", "привеземо завтра.", "Так."});
}

TEST_CASE("newlines end sentences; no empty or unspeakable clauses") {
  CHECK(split_whole("Перше\nДруге\r\n\n  \nТретє") == Clauses{"Перше", "Друге", "Третє"});
  CHECK(split_whole("   \n\n . … \n").empty());
  CHECK(split_whole("Так. \n — \n Ні.") == Clauses{"Так.", "Ні."});
  ClauseSplitter s;
  CHECK(s.empty());
  CHECK(s.flush().empty());
  int calls = 0;
  s.push("  \n ", [&](std::string) { ++calls; });
  CHECK(calls == 0);
  CHECK(s.empty());
}

TEST_CASE("the same text in any split gives the same clauses") {
  const Clauses expected = split_whole(kReply);
  CHECK(expected == Clauses{"Добрий день!",
                            "Так, у нас є шини Michelin Primacy 4 розміру 205/55 R16,",
                            "ціна 3.5 тисячі гривень за штуку…",
                            "Доставка на вул. Шевченка, 12 займе 2 дні;",
                            "монтаж можна записати на завтра.",
                            "Вам підходить?",
                            "Якщо ні, є ще Continental,",
                            "Nokian та Hankook, усі в наявності!",
                            "Запишу вас?"});
  CHECK(split_bytes(kReply) == expected);
  for (size_t cut = 0; cut <= kReply.size(); ++cut) {
    CAPTURE(cut);
    REQUIRE(split({kReply.substr(0, cut), kReply.substr(cut)}) == expected);
  }
  // And with other minimums, byte by byte against whole.
  for (const size_t min_chars : {0, 1, 10, 40, 1000}) {
    CAPTURE(min_chars);
    CHECK(split_bytes(kReply, min_chars) == split_whole(kReply, min_chars));
  }
}

TEST_CASE("invalid UTF-8 cannot stall the splitter") {
  const std::string bad = std::string("Ціна \xD0 100. ") + "\xFF\xFE" + " гривень. Так";
  const Clauses whole = split_whole(bad);
  CHECK(whole.size() == 3);
  CHECK(split_bytes(bad) == whole);
}

TEST_CASE("reset drops pending text; on_clause may reset") {
  ClauseSplitter s;
  s.push("Половина речення", [](std::string) {});
  s.reset();
  CHECK(s.empty());
  CHECK(s.flush().empty());

  Clauses out;
  s.push("Перше. Друге. Третє.", [&](std::string c) {
    out.push_back(std::move(c));
    s.reset();  // a barge-in while handling the first clause
  });
  CHECK(out == Clauses{"Перше."});
  CHECK(s.empty());
}

TEST_CASE("take_words releases the first words of a reply before its sentence ends") {
  ca::session::ClauseSplitter s(25);
  std::vector<std::string> got;
  s.push("Так, у нас є зимові шини Nokian", [&](std::string c) { got.push_back(std::move(c)); });
  CHECK(got.empty());
  CHECK(s.take_words(7) == "");       // six complete words so far: "Nokian" may still grow
  CHECK(s.take_words(6) == "Так, у нас є зимові шини");
  s.push(" Hakkapeliitta.", [&](std::string c) { got.push_back(std::move(c)); });
  CHECK(s.flush() == "Nokian Hakkapeliitta.");
  CHECK(s.take_words(1) == "");
}

TEST_CASE("take_words takes exactly n words, not every complete word pending") {
  // A whole sentence in one delta: the end is not yet known (the period waits for what follows),
  // but cutting before the last word ("... for" / "four.") would sound broken.
  ca::session::ClauseSplitter s(25);
  s.push("Fitting for sixteen inch wheels costs 800 hryvnias for four.", [](std::string) {});
  CHECK(s.take_words(6) == "Fitting for sixteen inch wheels costs");
  CHECK(s.flush() == "800 hryvnias for four.");
}
