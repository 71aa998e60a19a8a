// The three languages of the calls, as the text normaliser and the speech shaper see them.
#pragma once

#include <string_view>

namespace ca::text {

enum class Lang { uk, ru, en };

// "uk", "uk-UA", "uk_UA", "ua", "UK" → uk; "ru…" → ru; "en…" → en. Anything else (empty, "de-DE",
// "auto") → `fallback`: the shop's callers speak Ukrainian unless told otherwise.
Lang parse_lang(std::string_view tag, Lang fallback = Lang::uk);

// "uk", "ru" or "en".
std::string_view lang_code(Lang lang);

// The language a text is written in, from its letters: a Latin majority is en; otherwise
// Ukrainian-only letters (і ї є ґ) against Russian-only ones (ы э ё ъ). Text that does not tell
// (no letters, or Cyrillic common to both) is `fallback`, except that Cyrillic never gives en.
Lang detect_lang(std::string_view text, Lang fallback = Lang::uk);

}  // namespace ca::text
