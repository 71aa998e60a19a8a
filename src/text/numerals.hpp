// Internal to src/text: the spoken-numeral lexicon (uk, ru, en) and the folding of numeral runs
// into digit groups, shared by words_to_digits, find_tyre_size and normalize_transcript.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/lang.hpp"
#include "text/scan.hpp"

namespace ca::text::detail {

enum class NumClass : uint8_t {
  zero,
  unit,      // 1..9
  ten,       // 10
  teen,      // 11..19
  tens,      // 20..90
  hundreds,  // 100..900 as one word (сто, двісті, триста …)
  mult,      // тисяча, мільйон, thousand, million: multiplies what precedes it
  hundred,   // English "hundred": multiplies the unit or teen before it
};

enum NumFlag : uint8_t {
  kOrdinal = 1,    // п'ятого, двадцятий, fifteenth
  kFeminine = 2,   // a feminine ordinal form (о дев'ятій, пів на третю): hours
  kOneForm = 4,    // один, одна, одного, one …
  kAmbiguous = 8,  // not a number when alone: forms of one, перший/другий, first/second, тисячі
};

struct Numeral {
  int32_t value = 0;
  NumClass cls = NumClass::unit;
  uint8_t flags = 0;
};

// `key` as made by Key (lower case, ё → е, apostrophe '). nullptr when not a numeral.
const Numeral *find_numeral(std::string_view key);

// Words that belong to a run only next to numerals: "a hundred", "two hundred and five",
// "two oh five", "double five".
enum class RunWord : uint8_t { none, and_, a, oh, double_, triple_ };
RunWord find_run_word(std::string_view key);

// One number of a run: what a stretch of the run's tokens folded into. "сто двадцять три сорок
// п'ять" is the groups 123 and 45; "двадцять нуль три" is 20, 0, 3; a digit token is its own group
// and keeps its leading zeros.
struct Group {
  uint32_t tok_first = 0;  // token indices, inclusive
  uint32_t tok_last = 0;
  int64_t value = 0;
  uint32_t words = 0;        // numeral words in it
  bool from_digits = false;  // a digit token, digits kept verbatim (tok_first's text)
  bool zero = false;         // an explicit zero word: never folds
  bool ordinal = false;
  bool feminine = false;   // ends in a feminine ordinal form
  bool ambiguous = false;  // a single word that is not a number when alone
  bool one_form = false;
  // The digits this group stands for (without any ordinal suffix).
  void append_digits(std::string &out, std::string_view text, const std::vector<Token> &toks) const;
  size_t digit_count(const std::vector<Token> &toks) const;
};

// Consecutive numerals (words and digit tokens) with only a space between them; a digit token
// glued to another by '.', ',' or ':' ("2,5", "9:30") stands alone. In English a hyphen joins too
// ("twenty-five"). With join_punct (phone numbers) ", " and "-" join as well.
struct Run {
  uint32_t tok_first = 0;  // inclusive token indices
  uint32_t tok_last = 0;
  uint32_t group_first = 0;  // [group_first, group_last) in the groups vector
  uint32_t group_last = 0;
  uint32_t words = 0;  // numeral words
  uint32_t digit_tokens = 0;
};

struct TokInfo {
  const Numeral *num = nullptr;
  RunWord run_word = RunWord::none;
  bool all_caps = false;
  bool verbatim = false;  // inside a URL or an e-mail address: never rewritten
};

// Looks up every word token and marks URLs ("https://…", "www.…", "shop.ua/…") and e-mail
// addresses verbatim. info is resized to toks.size().
void classify_tokens(std::string_view text, const std::vector<Token> &toks, std::vector<TokInfo> &info);
// Only the verbatim marks (URLs, e-mail addresses).
void mark_verbatim(std::string_view text, const std::vector<Token> &toks, std::vector<TokInfo> &info);

void find_runs(std::string_view text, const std::vector<Token> &toks, const std::vector<TokInfo> &info, bool english,
               bool join_punct, std::vector<Run> &runs, std::vector<Group> &groups);

// Appends the digits of groups [first, last) (concatenated), plus the English ordinal suffix when
// the last group is an ordinal and `english`.
void append_groups(std::string &out, std::string_view text, const std::vector<Token> &toks,
                   const std::vector<Group> &groups, uint32_t first, uint32_t last, bool english);

}  // namespace ca::text::detail
