// Numbers between words and digits: spelling (gender, case, ordinals), the spoken-numeral parser
// (cases, apostrophes, folding rules), and round trips over 0..9999 in uk, ru and en.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "text/lang.hpp"
#include "text/numbers.hpp"

using ca::text::Case;
using ca::text::Gender;
using ca::text::Lang;
using ca::text::number_to_words;
using ca::text::ordinal_to_words;
using ca::text::Plural;
using ca::text::words_to_digits;

namespace {

struct Spell {
  long long n;
  Lang lang;
  Gender gender;
  Case c;
  std::string_view want;
};

constexpr Gender M = Gender::masculine, F = Gender::feminine, N = Gender::neuter;
constexpr Case Nom = Case::nominative, Gen = Case::genitive, Acc = Case::accusative, Loc = Case::locative;

struct Parse {
  std::string_view in;
  Lang lang;
  std::string_view want;
};

}  // namespace

TEST_CASE("parse_lang: BCP 47 tags, bare codes and fallbacks") {
  CHECK(ca::text::parse_lang("uk-UA") == Lang::uk);
  CHECK(ca::text::parse_lang("uk") == Lang::uk);
  CHECK(ca::text::parse_lang("ua") == Lang::uk);
  CHECK(ca::text::parse_lang("UK_ua") == Lang::uk);
  CHECK(ca::text::parse_lang("ru-RU") == Lang::ru);
  CHECK(ca::text::parse_lang("en-US") == Lang::en);
  CHECK(ca::text::parse_lang("EN") == Lang::en);
  CHECK(ca::text::parse_lang("") == Lang::uk);
  CHECK(ca::text::parse_lang("de-DE") == Lang::uk);
  CHECK(ca::text::parse_lang("auto", Lang::en) == Lang::en);
  CHECK(ca::text::lang_code(Lang::ru) == "ru");
}

TEST_CASE("number_to_words: cardinals with gender and case") {
  const Spell table[] = {
      {0, Lang::uk, M, Nom, "нуль"},
      {0, Lang::uk, M, Gen, "нуля"},
      {1, Lang::uk, M, Nom, "один"},
      {1, Lang::uk, F, Nom, "одна"},
      {1, Lang::uk, N, Nom, "одне"},
      {1, Lang::uk, F, Acc, "одну"},
      {1, Lang::uk, F, Gen, "однієї"},
      {2, Lang::uk, M, Nom, "два"},
      {2, Lang::uk, F, Nom, "дві"},
      {2, Lang::uk, N, Nom, "два"},
      {11, Lang::uk, M, Nom, "одинадцять"},
      {14, Lang::uk, M, Nom, "чотирнадцять"},
      {19, Lang::uk, M, Gen, "дев'ятнадцяти"},
      {21, Lang::uk, F, Nom, "двадцять одна"},
      {40, Lang::uk, M, Gen, "сорока"},
      {100, Lang::uk, M, Nom, "сто"},
      {205, Lang::uk, M, Nom, "двісті п'ять"},
      {999, Lang::uk, M, Nom, "дев'ятсот дев'яносто дев'ять"},
      {1000, Lang::uk, M, Nom, "тисяча"},
      {1000, Lang::uk, F, Acc, "тисячу"},
      {1200, Lang::uk, M, Nom, "тисяча двісті"},
      {2000, Lang::uk, M, Nom, "дві тисячі"},
      {2000, Lang::uk, M, Gen, "двох тисяч"},
      {2150, Lang::uk, F, Nom, "дві тисячі сто п'ятдесят"},
      {5000, Lang::uk, M, Nom, "п'ять тисяч"},
      {11000, Lang::uk, M, Nom, "одинадцять тисяч"},
      {21000, Lang::uk, M, Nom, "двадцять одна тисяча"},
      {22001, Lang::uk, F, Nom, "двадцять дві тисячі одна"},
      {1000000, Lang::uk, M, Nom, "мільйон"},
      {2500000, Lang::uk, M, Nom, "два мільйони п'ятсот тисяч"},
      {-5, Lang::uk, M, Nom, "мінус п'ять"},
      {0, Lang::ru, M, Nom, "ноль"},
      {1, Lang::ru, N, Nom, "одно"},
      {2, Lang::ru, F, Nom, "две"},
      {1, Lang::ru, F, Acc, "одну"},
      {3, Lang::ru, M, Gen, "трёх"},
      {225, Lang::ru, M, Nom, "двести двадцать пять"},
      {1000, Lang::ru, M, Nom, "тысяча"},
      {2000, Lang::ru, M, Nom, "две тысячи"},
      {5000, Lang::ru, M, Gen, "пяти тысяч"},
      {21, Lang::ru, F, Nom, "двадцать одна"},
      {0, Lang::en, M, Nom, "zero"},
      {13, Lang::en, M, Nom, "thirteen"},
      {25, Lang::en, M, Nom, "twenty-five"},
      {100, Lang::en, M, Nom, "one hundred"},
      {205, Lang::en, M, Nom, "two hundred five"},
      {1200, Lang::en, M, Nom, "one thousand two hundred"},
      {2025, Lang::en, M, Nom, "two thousand twenty-five"},
  };
  for (const Spell &s : table) {
    CAPTURE(s.n);
    CHECK(number_to_words(s.n, s.lang, s.gender, s.c) == s.want);
  }
}

TEST_CASE("ordinal_to_words: dates, hours and years in every case") {
  const Spell table[] = {
      {1, Lang::uk, N, Gen, "першого"},
      {2, Lang::uk, F, Loc, "другій"},
      {3, Lang::uk, M, Nom, "третій"},
      {3, Lang::uk, F, Gen, "третьої"},
      {9, Lang::uk, F, Nom, "дев'ята"},
      {9, Lang::uk, F, Acc, "дев'яту"},
      {15, Lang::uk, N, Gen, "п'ятнадцятого"},
      {25, Lang::uk, N, Gen, "двадцять п'ятого"},
      {25, Lang::uk, N, Acc, "двадцять п'яте"},
      {40, Lang::uk, M, Nom, "сороковий"},
      {100, Lang::uk, M, Nom, "сотий"},
      {2000, Lang::uk, M, Gen, "двохтисячного"},
      {2026, Lang::uk, M, Gen, "дві тисячі двадцять шостого"},
      {2026, Lang::uk, M, Loc, "дві тисячі двадцять шостому"},
      {2, Lang::ru, M, Nom, "второй"},
      {3, Lang::ru, N, Gen, "третьего"},
      {6, Lang::ru, M, Nom, "шестой"},
      {25, Lang::ru, N, Gen, "двадцать пятого"},
      {25, Lang::ru, N, Acc, "двадцать пятое"},
      {2027, Lang::ru, M, Gen, "две тысячи двадцать седьмого"},
      {1, Lang::en, M, Nom, "first"},
      {12, Lang::en, M, Nom, "twelfth"},
      {20, Lang::en, M, Nom, "twentieth"},
      {25, Lang::en, M, Nom, "twenty-fifth"},
      {103, Lang::en, M, Nom, "one hundred third"},
  };
  for (const Spell &s : table) {
    CAPTURE(s.n);
    CHECK(ordinal_to_words(s.n, s.lang, s.gender, s.c) == s.want);
  }
}

TEST_CASE("plural_category: 1 / 2-4 / 5+ with the teens as many") {
  using ca::text::plural_category;
  CHECK(plural_category(1, Lang::uk) == Plural::one);
  CHECK(plural_category(21, Lang::uk) == Plural::one);
  CHECK(plural_category(101, Lang::ru) == Plural::one);
  CHECK(plural_category(11, Lang::uk) == Plural::many);
  CHECK(plural_category(2, Lang::uk) == Plural::few);
  CHECK(plural_category(24, Lang::ru) == Plural::few);
  CHECK(plural_category(12, Lang::uk) == Plural::many);
  CHECK(plural_category(0, Lang::uk) == Plural::many);
  CHECK(plural_category(2150, Lang::uk) == Plural::many);
  CHECK(plural_category(1, Lang::en) == Plural::one);
  CHECK(plural_category(21, Lang::en) == Plural::many);
}

TEST_CASE("words_to_digits: Ukrainian, Russian and English numerals") {
  const Parse table[] = {
      {"двісті двадцять п'ять", Lang::uk, "225"},
      {"двадцять один", Lang::uk, "21"},
      {"сто", Lang::uk, "100"},
      {"тисяча двісті", Lang::uk, "1200"},
      {"п'ятнадцятого", Lang::uk, "15"},
      {"п’ятнадцятого", Lang::uk, "15"},
      {"пʼятнадцятого", Lang::uk, "15"},
      {"пятнадцятого", Lang::uk, "15"},
      {"два одинадцять", Lang::uk, "211"},
      {"двадцять нуль три", Lang::uk, "2003"},
      {"сто двадцять три сорок п'ять", Lang::uk, "12345"},
      {"нуль шістдесят сім", Lang::uk, "067"},
      {"нуль 67", Lang::uk, "067"},
      {"дві тисячі двадцять шостого року", Lang::uk, "2026 року"},
      {"чотири шини", Lang::uk, "4 шини"},
      {"з трьох до п'яти", Lang::uk, "з 3 до 5"},
      {"двохсот п'ятдесяти", Lang::uk, "250"},
      {"о дев'ятій", Lang::uk, "о 9"},
      {"десять", Lang::uk, "10"},
      {"дев'ятнадцять", Lang::uk, "19"},
      {"шіснадцять", Lang::uk, "16"},
      {"дванадцятого", Lang::uk, "12"},
      {"дев'яноста одного", Lang::uk, "91"},
      {"5 тисяч", Lang::uk, "5000"},
      {"2,5 тисячі", Lang::uk, "2,5 тисячі"},
      {"мільйон двісті тисяч", Lang::uk, "1200000"},
      {"п'ять-шість", Lang::uk, "5-6"},
      {"СТО на розі", Lang::uk, "СТО на розі"},
      {"Двадцять п'ять", Lang::uk, "25"},
      {"двести двадцать пять", Lang::ru, "225"},
      {"пятнадцатого", Lang::ru, "15"},
      {"четвёртого", Lang::ru, "4"},
      {"тысяча девятьсот девяносто пятого", Lang::ru, "1995"},
      {"ноль шестьдесят семь", Lang::ru, "067"},
      {"двух тысяч", Lang::ru, "2000"},
      {"two hundred twenty five", Lang::en, "225"},
      {"two oh five", Lang::en, "205"},
      {"fifteenth", Lang::en, "15th"},
      {"twenty-five", Lang::en, "25"},
      {"twenty fifth", Lang::en, "25th"},
      {"a hundred and five", Lang::en, "105"},
      {"double five", Lang::en, "55"},
      {"nineteen ninety five", Lang::en, "1995"},
      {"one thousand two hundred five", Lang::en, "1205"},
      {"Oh, okay", Lang::en, "Oh, okay"},
      {"ціна 2150 грн", Lang::uk, "ціна 2150 грн"},
  };
  for (const Parse &p : table) {
    CAPTURE(p.in);
    CHECK(words_to_digits(p.in, p.lang) == p.want);
  }
}

TEST_CASE("round trip: number_to_words then words_to_digits gives 0..9999 back") {
  for (const Lang lang : {Lang::uk, Lang::ru, Lang::en}) {
    int failures = 0;
    for (int n = 0; n < 10000; ++n) {
      const std::string want = std::to_string(n);
      for (const Gender g : {Gender::masculine, Gender::feminine, Gender::neuter}) {
        const std::string words = number_to_words(n, lang, g);
        if (words_to_digits(words, lang) != want && ++failures <= 5)
          FAIL_CHECK(words << " -> " << words_to_digits(words, lang));
      }
      if (lang == Lang::en) continue;
      const std::string gen = number_to_words(n, lang, Gender::masculine, Case::genitive);
      if (words_to_digits(gen, lang) != want && ++failures <= 5)
        FAIL_CHECK(gen << " -> " << words_to_digits(gen, lang));
    }
    CHECK(failures == 0);
  }
}

TEST_CASE("round trip: ordinals 0..9999 read back as their number") {
  for (const Lang lang : {Lang::uk, Lang::ru, Lang::en}) {
    int failures = 0;
    for (int n = 0; n < 10000; ++n) {
      std::string want = std::to_string(n);
      if (lang == Lang::en) {
        const int t = n % 100;
        want += (t >= 11 && t <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
      }
      const Gender g = n % 3 == 0 ? Gender::feminine : n % 3 == 1 ? Gender::masculine : Gender::neuter;
      const Case c = n % 2 == 0 ? Case::genitive : Case::locative;
      const std::string words = ordinal_to_words(n, lang, g, c);
      if (words_to_digits(words, lang) != want && ++failures <= 5)
        FAIL_CHECK(words << " -> " << words_to_digits(words, lang));
    }
    CHECK(failures == 0);
  }
}
