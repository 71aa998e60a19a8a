// Numbers between words and digits, for Ukrainian, Russian and English.
//
// Spoken → digits (words_to_digits): every numeral word converts, in any case, gender or ordinal
// form ("двісті двадцять п'ять" → 225, "п'ятнадцятого" → 15, "fifteenth" → 15th), with the
// apostrophe variants ' ’ ʼ ` or none. Consecutive numerals (words and digit tokens separated by
// single spaces; in English also "twenty-five") form a run that folds into groups:
//  - tens and hundreds absorb a smaller following value into their trailing-zero slots
//    ("двісті двадцять п'ять" → 225, "двадцять один" → 21);
//  - тисяча/мільйон/thousand/million multiply what precedes them ("дві тисячі двадцять п'ять" →
//    2025), English "hundred" multiplies the unit or teen before it ("two hundred five" → 205);
//  - otherwise values concatenate ("два одинадцять" → 211, "сто двадцять три сорок п'ять" →
//    12345, "two oh five" → 205), an explicit zero never folds ("двадцять нуль три" → 2003), and
//    digit tokens keep their leading zeros ("нуль 67" → 067).
// Runs of digits only are left as they are. An ordinal ends its group; in English the result
// keeps its suffix ("twenty fifth" → 25th), in Ukrainian and Russian it is bare digits
// ("двадцять п'ятого" → 25). "a"/"oh"/"and"/"double" count only inside runs. Uppercase
// abbreviations ("СТО") are not numerals. "раз" is never a numeral.
// normalize_transcript (normalize.hpp) adds the rules for words that are numbers only in context.
//
// Digits → words (number_to_words, ordinal_to_words): grammatical Ukrainian and Russian, with
// gender agreement (одна гривня, дві шини, одне колесо) and the nominative, genitive and
// accusative cases (до двох тисяч, на одну шину, на тисячу); other cases read as nominative.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "text/lang.hpp"

namespace ca::text {

enum class Gender : uint8_t { masculine, feminine, neuter };
enum class Case : uint8_t { nominative, genitive, dative, accusative, instrumental, locative };

// Which noun form follows n: uk/ru one (1, 21, 101), few (2–4, 22–24), many (0, 5–20, 25–30 …);
// en one (1) or many.
enum class Plural : uint8_t { one, few, many };
Plural plural_category(int64_t n, Lang lang);

// Cardinal: number_to_words(2150, uk, feminine) → "дві тисячі сто п'ятдесят";
// (21, uk, feminine) → "двадцять одна"; (25, en) → "twenty-five"; (1000, uk) → "тисяча".
std::string number_to_words(int64_t n, Lang lang, Gender gender = Gender::masculine, Case c = Case::nominative);
void append_number_words(std::string &out, int64_t n, Lang lang, Gender gender = Gender::masculine,
                         Case c = Case::nominative);

// Ordinal: (25, uk, neuter, genitive) → "двадцять п'ятого"; (9, uk, feminine, locative) →
// "дев'ятій"; (2026, uk, masculine, genitive) → "дві тисячі двадцять шостого"; (2000, uk) →
// "двохтисячний"; (25, en) → "twenty-fifth". All six cases in uk and ru.
std::string ordinal_to_words(int64_t n, Lang lang, Gender gender = Gender::masculine, Case c = Case::nominative);
void append_ordinal_words(std::string &out, int64_t n, Lang lang, Gender gender = Gender::masculine,
                          Case c = Case::nominative);

// Each digit by name, space-separated: "007" → "нуль нуль сім". Non-digits are skipped.
void append_digit_words(std::string &out, std::string_view digits, Lang lang);

// Spoken numerals in `text` to digits (rules above); everything else is copied unchanged.
std::string words_to_digits(std::string_view text, Lang lang);

}  // namespace ca::text
