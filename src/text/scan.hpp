// Internal to src/text: UTF-8 decoding, case folding and the tokeniser shared by the transcript
// normaliser and the speech shaper. Hand-written so the hot paths (every transcript, every bot
// clause) cost one pass and no regex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"

namespace ca::text::detail {

using CodePoint = utf8::CodePoint;
using utf8::decode;

inline void append_utf8(std::string &out, char32_t cp) { utf8::append(out, cp); }

// ASCII, Latin-1, Latin Extended-A (ę, ł …) and Cyrillic; everything else unchanged.
char32_t to_lower(char32_t c);
char32_t to_upper(char32_t c);
inline bool is_upper(char32_t c) { return to_lower(c) != c; }

inline bool is_combining(char32_t c) { return c >= 0x300 && c <= 0x36F; }  // U+0301 stress mark among them
// ' ’ ʼ ‘ ` ´ — what recognisers and keyboards put inside "п'ять".
inline bool is_apostrophe(char32_t c) {
  return c == U'\'' || c == 0x2019 || c == 0x02BC || c == 0x2018 || c == U'`' || c == 0xB4;
}
inline bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_letter(char32_t c);
bool is_space(char32_t c);
inline bool is_cyrillic(char32_t c) { return c >= 0x400 && c <= 0x52F; }
inline bool is_latin(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }

enum class TokKind : uint8_t { word, digits, space, punct };

// A word is letters with apostrophes (and stress marks) inside; digits are ASCII digit runs; a
// space token is a whitespace run; every other code point (or invalid byte) is one punct token.
// Hyphens are punct: "п'ять-шість" is two words, which callers of the tokeniser may join.
struct Token {
  TokKind kind = TokKind::punct;
  bool newline = false;  // a space token holding a line break
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t size() const { return end - begin; }
};

void tokenize(std::string_view text, std::vector<Token> &out);

// The lookup form of a word: lower-cased, ё → е, every apostrophe → ', stress marks dropped.
// Words longer than the buffer are never numerals, brands or abbreviations: ok() is false.
class Key {
 public:
  Key() = default;
  explicit Key(std::string_view word) { assign(word); }
  void assign(std::string_view word);
  bool ok() const { return ok_; }
  std::string_view view() const { return {buf_, len_}; }
  // Two or more letters and all of them capitals ("СТО", "XL"): an abbreviation, not a word.
  bool all_caps() const { return letters_ >= 2 && upper_ == letters_; }
  bool first_upper() const { return first_upper_; }
  uint32_t letters() const { return letters_; }

 private:
  char buf_[96] = {};
  size_t len_ = 0;
  uint32_t letters_ = 0;
  uint32_t upper_ = 0;
  bool first_upper_ = false;
  bool ok_ = false;
};

// Appends `s` without U+0301 (and other combining marks) and soft hyphens.
void append_without_marks(std::string &out, std::string_view s);

}  // namespace ca::text::detail
