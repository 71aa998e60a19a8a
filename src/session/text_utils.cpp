#include "session/text_utils.hpp"

#include <array>
#include <cmath>

#include "core/utf8.hpp"

namespace ca::session {

namespace {

using utf8::CodePoint;
using utf8::decode;
inline void append_utf8(std::string &out, char32_t cp) { utf8::append(out, cp); }

char32_t lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c < 0x400 || c > 0x4FF) return c;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;  // А..Я
  if (c <= 0x40F) return c + 0x50;                // Ѐ..Џ, with Ё Є І Ї Ў
  // The rest of the block pairs capital (even) with small (odd), Ґ/ґ among them; U+04C1..U+04CE
  // pair the other way round and Ӏ stands alone.
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
    return (c % 2 == 0) ? c + 1 : c;
  if (c >= 0x4C1 && c <= 0x4CE) return (c % 2 == 1) ? c + 1 : c;
  if (c == 0x4C0) return 0x4CF;
  return c;
}

enum class Kind : uint8_t { letter, joiner, separator };

Kind classify(char32_t c) {
  if (c < 0x80) {
    if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9')) return Kind::letter;
    if (c == U'-' || c == U'\'') return Kind::joiner;
    return Kind::separator;
  }
  if (c == 0x2019 || c == 0x02BC || c == 0x2010 || c == 0x2011) return Kind::joiner;  // ’ ʼ ‐ ‑
  if (c <= 0xBF || c == 0xD7 || c == 0xF7) return Kind::separator;  // Latin-1 punctuation, NBSP, « »
  if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x20A0 && c <= 0x214F) || (c >= 0x2190 && c <= 0x2BFF) ||
      (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
      c == 0xFEFF)
    return Kind::separator;  // dashes, quotes, …, currency, №, arrows, symbols, CJK punctuation, BOM
  return Kind::letter;
}

char32_t normalize_joiner(char32_t c) { return (c == 0x2019 || c == 0x02BC) ? U'\'' : (c >= 0x2010 ? U'-' : c); }

bool is_space(char32_t c) {
  return c == U' ' || (c >= U'\t' && c <= U'\r') || c == 0xA0 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Runs of one character collapsed to at most two, so "мммм", "ммм" and "мм" (or "hmmm", "hmm")
// are one token whatever the recogniser made of a hum.
std::string squeeze(std::string_view w) {
  std::string out;
  char32_t prev = 0;
  int run = 0;
  for (size_t i = 0; i < w.size();) {
    const CodePoint cp = decode(w, i);
    run = (cp.value == prev) ? run + 1 : 1;
    prev = cp.value;
    if (run <= 2) out.append(w.substr(i, cp.length));
    i += cp.length;
  }
  return out;
}

constexpr std::array<std::string_view, 14> kUk = {"ага", "угу",  "так", "добре", "ну", "еге", "ммм",
                                                  "мгм", "ок",   "окей", "о'кей", "хм", "ага-ага", "угу-угу"};
constexpr std::array<std::string_view, 13> kRu = {"ага", "угу",  "да", "ну",   "хорошо", "ясно",   "понятно",
                                                  "мгм", "ммм", "ок", "окей", "хм",     "ага-ага"};
constexpr std::array<std::string_view, 14> kEn = {"uh-huh", "mm-hmm", "mhm",  "okay", "ok", "yeah", "yep",
                                                  "right",  "sure",   "yes",  "uh",   "um", "hmm",  "mmm"};

enum class Lang : uint8_t { uk, ru, en, any };

Lang parse_language(std::string_view language) {
  const std::string code = to_lower_utf8(language.substr(0, language.find_first_of("-_")));
  if (code == "uk" || code == "ua") return Lang::uk;
  if (code == "ru") return Lang::ru;
  if (code == "en") return Lang::en;
  return Lang::any;
}

template <size_t N>
bool in_list(const std::string &squeezed, const std::array<std::string_view, N> &list) {
  for (const std::string_view t : list)
    if (squeeze(t) == squeezed) return true;
  return false;
}

bool is_token(std::string_view word, Lang lang) {
  const std::string w = squeeze(word);
  switch (lang) {
    case Lang::uk:
      return in_list(w, kUk);
    case Lang::ru:
      return in_list(w, kRu);
    case Lang::en:
      return in_list(w, kEn);
    case Lang::any:
      break;
  }
  return in_list(w, kUk) || in_list(w, kRu) || in_list(w, kEn);
}

}  // namespace

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string to_lower_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const CodePoint cp = decode(s, i);
    if (cp.valid)
      append_utf8(out, lower(cp.value));
    else
      out.push_back(s[i]);
    i += cp.length;
  }
  return out;
}

std::vector<std::string> words(std::string_view s) {
  const std::string low = to_lower_utf8(s);
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < low.size();) {
    const CodePoint cp = decode(low, i);
    const Kind kind = cp.valid ? classify(cp.value) : Kind::separator;
    if (kind == Kind::letter) {
      cur.append(low, i, cp.length);
    } else if (kind == Kind::joiner && !cur.empty() && i + cp.length < low.size() &&
               [&] {
                 const CodePoint next = decode(low, i + cp.length);
                 return next.valid && classify(next.value) == Kind::letter;
               }()) {
      append_utf8(cur, normalize_joiner(cp.value));  // inside a word: "uh-huh", "з'єднати"
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
    i += cp.length;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool has_word(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const CodePoint cp = decode(s, i);
    if (cp.valid && classify(cp.value) == Kind::letter) return true;
    i += cp.length;
  }
  return false;
}

bool is_backchannel(std::string_view transcript, std::string_view language) {
  const std::vector<std::string> ws = words(transcript);
  if (ws.empty() || ws.size() > 3) return false;
  const Lang lang = parse_language(language);
  for (const std::string &w : ws) {
    if (is_token(w, lang)) continue;
    // "ага-ага", "да-да-да": a hyphenated repeat of tokens.
    if (w.find('-') == std::string::npos) return false;
    for (size_t start = 0; start <= w.size();) {
      const size_t end = std::min(w.find('-', start), w.size());
      if (!is_token(std::string_view(w).substr(start, end - start), lang)) return false;
      start = end + 1;
    }
  }
  return true;
}

std::string truncate_to_fraction(std::string_view text, double fraction) {
  if (!(fraction > 0.0)) return {};
  if (fraction >= 1.0) return std::string(text);
  const size_t n = utf8_length(text);
  const auto keep = static_cast<size_t>(std::floor(fraction * static_cast<double>(n)));
  if (keep >= n) return std::string(text);

  // Byte offset of the first character not heard.
  size_t b = 0;
  for (size_t k = 0; b < text.size(); ++b) {
    if ((static_cast<unsigned char>(text[b]) & 0xC0) != 0x80 && k++ == keep) break;
  }
  // A word cut in the middle was not heard as a word: go back to the whitespace before it.
  size_t cut = b;
  if (b < text.size() && !is_space(decode(text, b).value)) {
    cut = 0;
    for (size_t i = 0; i < b;) {
      const CodePoint cp = decode(text, i);
      if (cp.valid && is_space(cp.value)) cut = i;
      i += cp.length;
    }
  }
  // Drop trailing whitespace and punctuation left dangling by the cut.
  std::string_view out = text.substr(0, cut);
  for (;;) {
    if (out.empty()) break;
    const auto last = static_cast<unsigned char>(out.back());
    if (last == ' ' || (last >= '\t' && last <= '\r') || last == ',' || last == ';' || last == ':' || last == '-') {
      out.remove_suffix(1);
    } else if (out.size() >= 2 && out.substr(out.size() - 2) == "\xC2\xA0") {
      out.remove_suffix(2);  // NBSP
    } else if (out.size() >= 3 && (out.substr(out.size() - 3) == "\xE2\x80\x94" || out.substr(out.size() - 3) == "\xE2\x80\x93")) {
      out.remove_suffix(3);  // — –
    } else {
      break;
    }
  }
  return std::string(out);
}

}  // namespace ca::session
