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

}  // namespace ca::text
