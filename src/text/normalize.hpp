// Caller transcripts (speech recogniser output) → text the agent and the deterministic parsers
// read easily: spoken numbers as digits, tyre sizes as "205/55 R16", brands by their Latin names.
// Everything else (casing, punctuation, words, digits already written, URLs) is left as it was.
// Pure functions: no I/O, no regex, one tokenising pass.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/lang.hpp"

namespace ca::text {

struct TyreSize {
  int width = 0;            // mm, 135..355 in steps of 5
  int profile = 0;          // %, 25..85 in steps of 5
  int rim = 0;              // inches, 12..24
  bool commercial = false;  // "195/75 R16C"
  size_t begin = 0;         // the byte span it was found at
  size_t end = 0;
  std::string str() const;  // "205/55 R16", "195/75 R16C"
};

bool valid_tyre_size(int width, int profile, int rim);

// Sizes written or spoken: "205/55 R16", "205/55r16", "205 55 16", "205/55 ZR16", "205 на 55 на
// 16", "двісті п'ять п'ятдесят п'ять ер шістнадцять", "двести пять пятьдесят пять эр
// шестнадцать", "two oh five fifty five R sixteen", "радіус"/"R"/"р"/"эр" before the rim. Only
// sanity-checked sizes count. A run of digits that looks like a phone number (ten or more digits
// starting with 0 or 38) is not searched.
std::optional<TyreSize> find_tyre_size(std::string_view text, Lang lang);
std::vector<TyreSize> find_tyre_sizes(std::string_view text, Lang lang);

// What the bot has just asked, when known: it settles what lone numerals mean.
enum class Context : uint8_t {
  any,    // see normalize_transcript
  phone,  // every numeral converts, ", " and "-" join digit groups, no sizes: "нуль шістдесят сім,
          // сто двадцять три" → "067123"
  time,   // a run of 3–4 digits that is a valid time becomes H:MM ("дев'ять тридцять" → "9:30")
  date,   // lone ordinals convert ("перше" → "1")
};

struct NormalizeOptions {
  Context context = Context::any;
  bool sizes = true;
  bool brands = true;
};

// The whole transcript normalisation. Numbers follow words_to_digits (numbers.hpp) with these
// rules for words that are numbers only sometimes:
//  - a run of two or more numerals always converts ("двадцять один" → 21, "один два три" → 123);
//  - a lone numeral converts ("чотири шини" → "4 шини", "п'ятнадцятого" → 15), except forms of
//    "one" (один, одна, одну, one), перший/другий/первый/второй/first/second, and plural
//    тисячі/тысячи/thousands, which stay words ("один з них", "одну хвилинку", "one of them",
//    "другий варіант", "wait a second") unless a date or time says otherwise: "першого
//    листопада" → "1 листопада", "March first" → "March 1st", "о першій" → "о 1", "at one" →
//    "at 1"; "раз" is never a number;
//  - times: "о дев'ятій тридцять" → "о 9:30", "дев'ята нуль п'ять" → "9:05", "пів на третю" →
//    "2:30", and after о/об/в/к/на/до/з/с/at/by/from… an hour and minutes ("в девять тридцать",
//    "at two oh five") → "9:30", "2:05";
//  - "плюс три вісім нуль …" → "+380…";
//  - digits only ("2150 грн", "09:30", "2 150") stay as written, except tyre sizes.
std::string normalize_transcript(std::string_view text, Lang lang, const NormalizeOptions &options = {});

}  // namespace ca::text
