// Text handling for the knowledge base: one normal form shared by the index and the queries, the
// words of a query, a light stemmer for Ukrainian, Russian and English, and the FTS5 MATCH
// expression built from what a caller said. The languages are those of the calls.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ca::kb {

// Code points (counted by UTF-8 lead bytes).
size_t utf8_length(std::string_view s);
// The longest prefix of `s` with at most `n` code points.
std::string_view utf8_prefix(std::string_view s, size_t n);

// The form the full-text index and the queries both see: lower case (ASCII and Cyrillic), ё → е
// and ґ → г (recognisers and writers use them inconsistently), apostrophes inside a word removed
// ("п'ять", "п’ять" and "пять" become one token; unicode61 would split them in two). Everything
// else is kept, so punctuation still separates tokens.
std::string normalize(std::string_view text);

// The normalized words of `text`: runs of letters and digits.
std::vector<std::string> words(std::string_view text);

// Whether a normalized word carries no topic (uk, ru and en function words and the phrases
// callers wrap questions in: "підкажіть", "скажите", "please").
bool is_stop_word(std::string_view word);

// A prefix that inflected forms of a normalized word share: common endings dropped (never below
// three letters) and Cyrillic stems capped at six letters, so "шини", "шин" and "шинами" give
// "шин" and "балансування" gives "баланс". Digits are returned unchanged.
std::string stem(std::string_view word);

// The stems searched for one query: stop words dropped, stems deduplicated, plus the few domain
// equivalents that callers use across languages ("резина" → "шин", ru "возврат" → uk "поверн",
// "tire" → "tyre"). At most `max_terms`.
struct QueryTerm {
  std::string text;
  bool prefix = true;  // false for numbers, which must match whole
};
std::vector<QueryTerm> query_terms(std::string_view query, size_t max_terms = 16);

// The FTS5 MATCH expression for `query`: every term quoted (so nothing a caller says can be FTS
// syntax), prefix terms as "stem"*, all OR-combined for BM25 to rank. Empty when nothing is left.
std::string build_match_query(std::string_view query);

// "uk", "ru" or "en" from the letters used: Latin majority → en; otherwise Ukrainian-only letters
// (і ї є ґ) against Russian-only ones (ы э ё ъ), ties going to uk.
std::string detect_language(std::string_view text);

}  // namespace ca::kb
