#include "session/clause_splitter.hpp"

#include <array>

#include "session/text_utils.hpp"

namespace ca::session {

namespace {

// Bytes in the UTF-8 sequence that `lead` starts; a stray continuation or invalid byte is taken
// alone so that bad input cannot stall the splitter.
size_t sequence_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

char32_t decode(std::string_view s, size_t i, size_t len) {
  const auto lead = static_cast<unsigned char>(s[i]);
  char32_t cp = lead & (0x7Fu >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  return cp;
}

bool is_space(char32_t c) {
  return c == U' ' || (c >= U'\t' && c <= U'\r') || c == 0xA0 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool is_sentence_end(char32_t c) { return c == U'.' || c == U'!' || c == U'?' || c == 0x2026; }  // … too

// May stand between the sentence end and the whitespace that proves it: «Так.» "Yes." (так.)
bool is_closer(char32_t c) {
  return c == U'"' || c == U'\'' || c == U')' || c == U']' || c == 0xBB || c == 0x201D || c == 0x2019;
}

bool is_opener(char32_t c) {
  return c == U'"' || c == U'\'' || c == U'(' || c == U'[' || c == 0xAB || c == 0x201C || c == 0x201E ||
         c == 0x2018;
}

// Words that end in '.' but almost never end a sentence in a shop's replies (addresses, titles).
// Merging two sentences costs a little latency; cutting "вул." from "Шевченка" costs prosody.
// Transliterated Ukrainian ones too: English replies give addresses as "vul. Drahomanova, 17".
constexpr std::array<std::string_view, 44> kAbbreviations = {
    "вул",  "просп", "пров", "пл",  "бул", "буд",  "кв",  "обл",  "р-н",  "смт", "м",    "с",    "ім",
    "напр", "див",   "тел",  "ст",  "пр",  "ул",   "пр-т", "пер", "д",    "г",   "им",   "см",   "стр",
    "mr",   "mrs",   "ms",   "dr",  "st",  "vs",   "e.g", "i.e",  "prof", "tel", "ave",  "vul",  "prosp",
    "prov", "bulv",  "blvd", "rd",  "str"};

// Decodes the code point at i, or says that it has not fully arrived yet.
struct Peek {
  char32_t c = 0;
  size_t len = 0;  // 0: incomplete
};

Peek peek(std::string_view s, size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const size_t len = sequence_length(lead);
  if (len == 1) return {lead < 0x80 ? char32_t{lead} : char32_t{0xFFFD}, 1};
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return {};  // the rest has not arrived yet
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return {0xFFFD, 1};
  }
  return {decode(s, i, len), len};
}

std::string_view trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    const Peek p = peek(s, b);
    if (p.len == 0 || !is_space(p.c)) break;
    b += p.len;
  }
  size_t e = s.size();
  while (e > b) {
    size_t start = e - 1;  // back to the lead byte of the last character
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    const Peek p = peek(s.substr(0, e), start);
    if (p.len == 0 || start + p.len != e || !is_space(p.c)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

// The '.' at `dot` follows an abbreviation or an initial ("Т. Шевченка"), not a sentence.
bool after_abbreviation(std::string_view s, size_t dot) {
  size_t start = 0;
  for (size_t i = 0; i < dot;) {
    const Peek p = peek(s, i);
    if (p.len == 0) break;
    if (is_space(p.c)) start = i + p.len;
    i += p.len;
  }
  while (start < dot) {
    const Peek p = peek(s, start);
    if (p.len == 0 || !is_opener(p.c)) break;
    start += p.len;
  }
  const std::string_view token = s.substr(start, dot - start);
  if (token.empty()) return false;
  const Peek first = peek(token, 0);
  if (first.len == token.size()) {
    // One capital letter: an initial. Lower-case single letters are words ("я", "і") or
    // abbreviations listed below.
    const char32_t c = first.c;
    if ((c >= U'A' && c <= U'Z') || (c >= 0x400 && c <= 0x42F) || c == 0x490) return true;
  }
  const std::string low = to_lower_utf8(token);
  for (const std::string_view a : kAbbreviations)
    if (low == a) return true;
  return false;
}

bool speakable(std::string_view clause) { return has_word(clause); }

}  // namespace

ClauseSplitter::ClauseSplitter(size_t min_clause_chars) : min_chars_(min_clause_chars) {}

void ClauseSplitter::reset() {
  buffer_.clear();
  depth_ = 0;
  scan_ = 0;
  chars_ = 0;
}

bool ClauseSplitter::empty() const { return trim(buffer_).empty(); }

std::string ClauseSplitter::flush() {
  std::string out(trim(buffer_));
  reset();
  if (!speakable(out)) out.clear();
  return out;
}

std::string ClauseSplitter::take_words(size_t n) {
  if (n == 0) return {};
  size_t words = 0, end = 0;
  bool in_word = false;
  for (size_t i = 0; i < buffer_.size(); ++i) {
    const bool space = buffer_[i] == ' ' || buffer_[i] == '\n' || buffer_[i] == '\t' || buffer_[i] == '\r';
    if (!space) {
      in_word = true;
    } else if (in_word) {
      in_word = false;
      ++words;
      end = i;
      if (words == n) break;  // exactly n: the rest goes on as ordinary clauses
    }
  }
  if (words < n) return {};
  std::string out;
  take(end, out);
  if (!speakable(out)) out.clear();
  return out;
}

void ClauseSplitter::take(size_t end, std::string &out) {
  out.assign(trim(std::string_view(buffer_).substr(0, end)));
  buffer_.erase(0, end);
  scan_ = 0;
  chars_ = 0;
}

// Every decision below looks at whole code points only, and a decision that needs the character
// after this one waits until it has arrived: that is what makes the output independent of how
// the text was split into deltas.
bool ClauseSplitter::next_clause(std::string &out) {
  size_t i = scan_;
  while (i < buffer_.size()) {
    const Peek p = peek(buffer_, i);
    if (p.len == 0) break;
    const char32_t c = p.c;
    size_t end = 0;  // > 0: a clause ends before this offset

    if (c == U'\n' || c == U'\r') {
      end = i + p.len;
    } else if (is_sentence_end(c)) {
      size_t j = i + p.len;
      Peek q;
      for (;;) {
        if (j >= buffer_.size()) break;
        q = peek(buffer_, j);
        if (q.len == 0 || !is_closer(q.c)) break;
        j += q.len;
      }
      if (j >= buffer_.size() || q.len == 0) break;  // wait for the character that decides
      if (is_space(q.c) && !(c == U'.' && after_abbreviation(buffer_, i))) end = j;
    } else if ((c == U',' || c == U';' || c == U':') && chars_ + 1 >= min_chars_ && depth_ == 0) {
      // Not inside brackets, and not before a number: "(vul. Drahomanova, 17)" is one breath.
      const size_t j = i + p.len;
      if (j >= buffer_.size()) break;
      const Peek q = peek(buffer_, j);
      if (q.len == 0) break;
      if (is_space(q.c)) {
        const size_t k = j + q.len;
        if (k >= buffer_.size()) break;
        const Peek r = peek(buffer_, k);
        if (r.len == 0) break;
        if (!(r.c >= U'0' && r.c <= U'9')) end = j;
      }
    }

    if (end > 0) {
      take(end, out);
      if (speakable(out)) return true;
      i = 0;
      continue;
    }
    if (chars_ > 0 || !is_space(c)) ++chars_;
    if (c == U'(' || c == U'[') ++depth_;
    if ((c == U')' || c == U']') && depth_ > 0) --depth_;
    i += p.len;
  }
  scan_ = i;
  return false;
}

}  // namespace ca::session
