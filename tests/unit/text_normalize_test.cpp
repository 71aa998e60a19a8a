// Caller transcripts → normalised text: numbers in context, tyre sizes, brands, and text that
// must come through untouched.
#include <doctest/doctest.h>

#include <string_view>

#include "text/brands.hpp"
#include "text/normalize.hpp"

using ca::text::Context;
using ca::text::Lang;
using ca::text::normalize_transcript;

namespace {

struct Case {
  std::string_view in;
  Lang lang;
  std::string_view want;
};

}  // namespace

TEST_CASE("normalize_transcript: Ukrainian") {
  const Case table[] = {
      {"двісті п'ять п'ятдесят п'ять ер шістнадцять", Lang::uk, "205/55 R16"},
      {"мені потрібно чотири шини двісті п'ять п'ятдесят п'ять шістнадцять", Lang::uk,
       "мені потрібно 4 шини 205/55 R16"},
      {"двісті п'ять на п'ятдесят п'ять на шістнадцять", Lang::uk, "205/55 R16"},
      {"сто дев'яносто п'ять шістдесят п'ять р п'ятнадцять", Lang::uk, "195/65 R15"},
      {"шини 215 60 р 17 та 205 55 16", Lang::uk, "шини 215/60 R17 та 205/55 R16"},
      {"205 на 55 на 16", Lang::uk, "205/55 R16"},
      {"205/55r16", Lang::uk, "205/55 R16"},
      {"205/55 ZR16", Lang::uk, "205/55 R16"},
      {"195/75R16C", Lang::uk, "195/75 R16C"},
      {"радіус 16", Lang::uk, "R16"},
      {"р16", Lang::uk, "R16"},
      {"на шістнадцятий радіус", Lang::uk, "на R16"},
      {"Хочу ханкук на шістнадцять радіус", Lang::uk, "Хочу Hankook на R16"},
      {"двадцять один", Lang::uk, "21"},
      {"два одинадцять", Lang::uk, "211"},
      {"двадцять нуль три", Lang::uk, "2003"},
      {"сто двадцять три сорок п'ять", Lang::uk, "12345"},
      {"тисяча двісті гривень", Lang::uk, "1200 гривень"},
      {"дві шини по дві тисячі", Lang::uk, "2 шини по 2000"},
      {"на два дні", Lang::uk, "на 2 дні"},
      {"запишіть на двадцять п'яте листопада", Lang::uk, "запишіть на 25 листопада"},
      {"двадцять п'ятого", Lang::uk, "25"},
      {"п'ятнадцятого", Lang::uk, "15"},
      {"першого листопада", Lang::uk, "1 листопада"},
      {"дві тисячі двадцять шостого року", Lang::uk, "2026 року"},
      {"о дев'ятій тридцять", Lang::uk, "о 9:30"},
      {"дев'ята нуль п'ять", Lang::uk, "9:05"},
      {"о пів на третю", Lang::uk, "о 2:30"},
      {"пів на першу", Lang::uk, "12:30"},
      {"о першій", Lang::uk, "о 1"},
      {"мій номер нуль шістдесят сім сто двадцять три сорок п'ять шістдесят сім", Lang::uk, "мій номер 0671234567"},
      {"плюс три вісім нуль шістдесят сім один два три сорок п'ять шістдесят сім", Lang::uk, "+380671234567"},
      {"один-два дні", Lang::uk, "1-2 дні"},
      {"п'ять-шість шин", Lang::uk, "5-6 шин"},
      {"хочу мішленом або континенталі", Lang::uk, "хочу Michelin або Continental"},
      {"а є нокіан чи гудъир?", Lang::uk, "а є Nokian чи Goodyear?"},
      {"бі еф гудріч", Lang::uk, "BFGoodrich"},
      {"шини Росаву", Lang::uk, "шини Rosava"},
  };
  for (const Case &c : table) {
    CAPTURE(c.in);
    CHECK(normalize_transcript(c.in, c.lang) == c.want);
  }
}

TEST_CASE("normalize_transcript: Russian and English") {
  const Case table[] = {
      {"двести пять пятьдесят пять эр шестнадцать", Lang::ru, "205/55 R16"},
      {"эр 16", Lang::ru, "R16"},
      {"двести двадцать пять", Lang::ru, "225"},
      {"пятнадцатого ноября", Lang::ru, "15 ноября"},
      {"в девять тридцать", Lang::ru, "в 9:30"},
      {"четыре шины мишлен", Lang::ru, "4 шины Michelin"},
      {"один из них", Lang::ru, "один из них"},
      {"второго декабря", Lang::ru, "2 декабря"},
      {"two oh five fifty five R sixteen", Lang::en, "205/55 R16"},
      {"two hundred and five fifty five sixteen", Lang::en, "205/55 R16"},
      {"I need four tyres", Lang::en, "I need 4 tyres"},
      {"one of them", Lang::en, "one of them"},
      {"wait a second", Lang::en, "wait a second"},
      {"March first at nine thirty", Lang::en, "March 1st at 9:30"},
      {"the fifteenth of March", Lang::en, "the 15th of March"},
      {"fifteenth", Lang::en, "15th"},
      {"at two oh five", Lang::en, "at 2:05"},
      {"my number is oh six seven double five one two three", Lang::en, "my number is 06755123"},
      {"michelin or bf goodrich", Lang::en, "Michelin or BFGoodrich"},
      {"Oh, okay", Lang::en, "Oh, okay"},
  };
  for (const Case &c : table) {
    CAPTURE(c.in);
    CHECK(normalize_transcript(c.in, c.lang) == c.want);
  }
}

TEST_CASE("normalize_transcript: text that must not change") {
  const Case table[] = {
      {"Привіт, мені потрібні шини", Lang::uk, ""},
      {"ціна 2150 грн, а в нас 2 150", Lang::uk, ""},
      {"Коштує 3 500,50 грн за штуку.", Lang::uk, ""},
      {"приїжджайте о 09:30 25.11", Lang::uk, ""},
      {"https://shop.ua/tyres/205/55/16 та www.test.com", Lang::uk, ""},
      {"пишіть на test@mail.com", Lang::uk, ""},
      {"телефон 067 205 55 16", Lang::uk, ""},
      {"один з них", Lang::uk, ""},
      {"одну хвилинку", Lang::uk, ""},
      {"другий варіант", Lang::uk, ""},
      {"тисячі людей", Lang::uk, ""},
      {"СТО на розі", Lang::uk, ""},
      {"2,5 тисячі", Lang::uk, ""},
      {"Добрий день! Що вас цікавить?", Lang::uk, ""},
      {"I'd like winter tyres, please.", Lang::en, ""},
      {"", Lang::uk, ""},
      {"d5\xC0\xB0 \xFF\xFE шини", Lang::uk, ""},  // an overlong '0' is not a digit
  };
  for (const Case &c : table) {
    CAPTURE(c.in);
    CHECK(normalize_transcript(c.in, c.lang) == c.in);
  }
}

TEST_CASE("normalize_transcript: what the bot asked settles lone numbers") {
  using ca::text::NormalizeOptions;
  CHECK(normalize_transcript("нуль шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім", Lang::uk,
                             NormalizeOptions{Context::phone}) == "0671234567");
  CHECK(normalize_transcript("один", Lang::uk, NormalizeOptions{Context::phone}) == "1");
  CHECK(normalize_transcript("дев'ять тридцять", Lang::uk, NormalizeOptions{Context::time}) == "9:30");
  CHECK(normalize_transcript("одинадцять двадцять", Lang::uk, NormalizeOptions{Context::time}) == "11:20");
  CHECK(normalize_transcript("9 30", Lang::uk, NormalizeOptions{Context::time}) == "9:30");
  CHECK(normalize_transcript("перше", Lang::uk, NormalizeOptions{Context::date}) == "1");
  // Without the hint these stay as they were.
  CHECK(normalize_transcript("перше", Lang::uk) == "перше");
  CHECK(normalize_transcript("9 30", Lang::uk) == "9 30");
  // Options can switch off sizes and brands.
  NormalizeOptions plain;
  plain.sizes = false;
  plain.brands = false;
  CHECK(normalize_transcript("двісті п'ять п'ятдесят п'ять шістнадцять мішлен", Lang::uk, plain) == "2055516 мішлен");
}

TEST_CASE("find_tyre_size: sanity ranges and byte spans") {
  using ca::text::find_tyre_size;
  struct Size {
    std::string_view in;
    Lang lang;
    int width, profile, rim;
  };
  const Size found[] = {
      {"205/55 R16", Lang::uk, 205, 55, 16},
      {"шукаю 225 45 17 зимові", Lang::uk, 225, 45, 17},
      {"135/80 R12", Lang::uk, 135, 80, 12},
      {"355/25 R24", Lang::uk, 355, 25, 24},
      {"двісті двадцять п'ять сорок п'ять сімнадцять", Lang::uk, 225, 45, 17},
      {"двести пять пятьдесят пять эр шестнадцать", Lang::ru, 205, 55, 16},
      {"two oh five fifty five R sixteen", Lang::en, 205, 55, 16},
      {"two twenty five forty five seventeen", Lang::en, 225, 45, 17},
  };
  for (const Size &s : found) {
    CAPTURE(s.in);
    const auto size = find_tyre_size(s.in, s.lang);
    REQUIRE(size.has_value());
    CHECK(size->width == s.width);
    CHECK(size->profile == s.profile);
    CHECK(size->rim == s.rim);
  }
  const std::string_view none[] = {"130/55 R16", "360/55 R16", "207/55 R16",    "205/22 R16",
                                   "205/90 R16", "205/57 R16", "205/55 R11",    "205/55 R25",
                                   "205/55",     "R16",        "067 205 55 16", "2055516"};
  for (const std::string_view s : none) {
    CAPTURE(s);
    CHECK_FALSE(find_tyre_size(s, Lang::uk).has_value());
  }
  const std::string_view text = "Є 205/55 R16 і 195/65R15C.";
  const auto sizes = ca::text::find_tyre_sizes(text, Lang::uk);
  REQUIRE(sizes.size() == 2);
  CHECK(text.substr(sizes[0].begin, sizes[0].end - sizes[0].begin) == "205/55 R16");
  CHECK(text.substr(sizes[1].begin, sizes[1].end - sizes[1].begin) == "195/65R15C");
  CHECK(sizes[1].str() == "195/65 R15C");
  CHECK(ca::text::valid_tyre_size(205, 55, 16));
  CHECK_FALSE(ca::text::valid_tyre_size(205, 55, 25));
}

TEST_CASE("canonical_brand: spellings, mishears and inflections") {
  struct Brand {
    std::string_view in;
    std::string_view want;
  };
  const Brand table[] = {
      {"мішлен", "Michelin"},
      {"мишлен", "Michelin"},
      {"мішленом", "Michelin"},
      {"MICHELIN", "Michelin"},
      {"континенталь", "Continental"},
      {"континенталі", "Continental"},
      {"нокіан", "Nokian"},
      {"Нокиан", "Nokian"},
      {"бріджстоун", "Bridgestone"},
      {"гудієр", "Goodyear"},
      {"гудъир", "Goodyear"},
      {"ханкук", "Hankook"},
      {"піреллі", "Pirelli"},
      {"йокогама", "Yokohama"},
      {"йокогамою", "Yokohama"},
      {"кумхо", "Kumho"},
      {"нексен", "Nexen"},
      {"лауфен", "Laufenn"},
      {"росава", "Rosava"},
      {"белшину", "Belshina"},
      {"данлоп", "Dunlop"},
      {"тойо", "Toyo"},
      {"фалькен", "Falken"},
      {"матадор", "Matador"},
      {"барум", "Barum"},
      {"клебер", "Kleber"},
      {"бі еф гудріч", "BFGoodrich"},
      {"BF Goodrich", "BFGoodrich"},
      {"сава", "Sava"},
      {"дембіца", "Dębica"},
      {"DEBICA", "Dębica"},
      {"тігар", "Tigar"},
      {"корморан", "Kormoran"},
      {"тріангл", "Triangle"},
      {"сайлун", "Sailun"},
      {"преміоррі", "Premiorri"},
      {"вредештайн", "Vredestein"},
      {"віатті", "Viatti"},
      {"falken", "Falken"},
      {"привіт", ""},
      {"шина", ""},
      {"", ""},
  };
  for (const Brand &b : table) {
    CAPTURE(b.in);
    CHECK(ca::text::canonical_brand(b.in) == b.want);
  }
  CHECK(ca::text::spoken_brand("Michelin", Lang::uk) == "Мішлен");
  CHECK(ca::text::spoken_brand("michelin", Lang::ru) == "Мишлен");
  CHECK(ca::text::spoken_brand("Michelin", Lang::en).empty());
}

TEST_CASE("the language of a text from its letters, and from its words when the letters agree") {
  using ca::text::Lang;
  using ca::text::detect_lang;
  CHECK(detect_lang("Шина коштує дві тисячі гривень") == Lang::uk);   // і
  CHECK(detect_lang("Это стоит две тысячи") == Lang::ru);              // э
  CHECK(detect_lang("Шина 205/55 R16 стоит 2150 грн.") == Lang::ru);   // no telling letter: "стоит"
  CHECK(detect_lang("Скільки коштує шиномонтаж?") == Lang::uk);
  CHECK(detect_lang("сколько стоит", Lang::uk) == Lang::ru);
  CHECK(detect_lang("Добрий день") == Lang::uk);
  CHECK(detect_lang("We have 12 in stock") == Lang::en);
  CHECK(detect_lang("205/55 R16", Lang::ru) == Lang::en);  // a Latin letter and no Cyrillic
  CHECK(detect_lang("2150", Lang::ru) == Lang::ru);         // no letters: the fallback
  CHECK(detect_lang("Шина", Lang::ru) == Lang::ru);         // common to both: the fallback
  CHECK(detect_lang("Шина", Lang::en) == Lang::uk);         // Cyrillic is never English
}
