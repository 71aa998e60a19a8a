// The rule-based agent's view of one caller utterance: the transcript normalised (numbers as
// digits, sizes as "205/55 R16", brands by their Latin names), folded to lower case and split into
// words, plus the helpers every rule uses to look for words, stems and phrases. Also the caller's
// language as their own letters and words show it.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/lang.hpp"
#include "text/normalize.hpp"

namespace ca::agent::rule {

using text::Lang;

// Lower case (ASCII and Cyrillic), ё → е, every apostrophe (’ ʼ ` ´) → '.
std::string fold(std::string_view s);

// The words of folded text: runs of letters, digits and inner apostrophes. "205/55" is two words,
// "r16" one.
std::vector<std::string> split_words(std::string_view folded);

// i/ї/є/ґ → uk; ы/э/ъ/ё → ru; then a few words only one of the two languages has ("дякую", "нет");
// Latin words (not brands, not "R16", not placeholders) and no Cyrillic → en. nullopt when the
// text does not tell ("так", "205/55 R16", "Michelin").
std::optional<Lang> detect_language(std::string_view text);

// A placeholder the session put in place of personal data: "[PHONE_1]", "[EMAIL_2]".
bool is_placeholder(std::string_view word);

struct Utterance {
  std::string raw;                        // as the caller said it (placeholders kept)
  std::string norm;                       // normalize_transcript of raw (placeholders removed)
  std::vector<std::string> words;         // split_words(fold(norm))
  std::vector<std::string> raw_words;     // split_words(fold(raw)): ordinals not yet digits
  std::vector<std::string> placeholders;  // in order of appearance

  // A word that starts with `stem`.
  bool has(std::string_view stem) const;
  bool has_any(std::initializer_list<std::string_view> stems) const;
  // A word equal to `word`.
  bool is(std::string_view word) const;
  bool is_any(std::initializer_list<std::string_view> words) const;
  // Consecutive words; each pattern word matches exactly, or as a stem when it ends in '*'
  // ("поміня* шин*"). Returns the index of the first word, or npos.
  size_t find_phrase(std::string_view pattern, size_t from = 0) const;
  bool phrase(std::string_view pattern) const { return find_phrase(pattern) != npos; }
  bool phrase_any(std::initializer_list<std::string_view> patterns) const;
  // Index of the first word starting with `stem`, or npos.
  size_t find_stem(std::string_view stem, size_t from = 0) const;
  bool empty() const { return words.empty() && placeholders.empty(); }

  static constexpr size_t npos = static_cast<size_t>(-1);
};

// `context` says what the bot just asked (time, phone, date) so lone numerals read right.
Utterance make_utterance(std::string_view text, Lang lang, text::Context context = text::Context::any);

// Inflected forms of a name: "гольфі" matches "гольф", "октавії" "октавія". A word matches when it
// is the alias, or the alias (of four or more letters) plus up to three letters of an ending, or it
// shares all but the last letter of an alias of five or more letters and ends within two letters
// of it. Shorter aliases match only exactly. Both arguments folded.
bool stem_match(std::string_view word, std::string_view alias);

// The word's consonants (Cyrillic and Latin, lower case): "позняках" → "пзнкх". For place names
// whose vowels change between Ukrainian and Russian (Сихів, Сихове).
std::string skeleton(std::string_view word);

// Code points in a UTF-8 string.
size_t utf8_length(std::string_view s);

}  // namespace ca::agent::rule
