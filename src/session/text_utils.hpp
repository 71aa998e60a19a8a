// Small text helpers for what callers say and what the bot says: UTF-8, Ukrainian, Russian and
// English only (the languages of the calls).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ca::session {

// Code points (UTF-8 lead bytes); a truncated or invalid sequence counts by its lead bytes.
size_t utf8_length(std::string_view s);

// ASCII and Cyrillic (including Ukrainian і ї є ґ and Russian ё) lower-casing; everything else is
// copied unchanged, invalid bytes included.
std::string to_lower_utf8(std::string_view s);

// Lower-cased words with punctuation stripped. Hyphens and apostrophes inside a word are kept
// ("uh-huh", "з'єднати"); typographic apostrophes (’ ʼ) become '.
std::vector<std::string> words(std::string_view s);

// Whether words(s) would be non-empty, without building them: is there anything to say?
bool has_word(std::string_view s);

// A backchannel: the caller acknowledging while the bot talks ("ага", "угу", "mm-hmm"); it never
// commits a barge-in. True when there are 1 to 3 words and every one is a backchannel token of
// `language` ("uk", "ru", "en", or a locale such as "uk-UA"; anything else: any of them).
// Repeats ("ага-ага", "мммм") count.
bool is_backchannel(std::string_view transcript, std::string_view language);

// What was heard of `text` when playback stopped part-way: the prefix covering `fraction` (0..1)
// of its characters, cut back to the last whole word and stripped of trailing whitespace and
// dangling , ; : or dashes. "" for fraction <= 0 (or NaN), all of `text` for fraction >= 1.
std::string truncate_to_fraction(std::string_view text, double fraction);

}  // namespace ca::session
