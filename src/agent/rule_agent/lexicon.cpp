#include "agent/rule_agent/lexicon.hpp"

#include <algorithm>

#include "store/store.hpp"
#include "text/brands.hpp"

namespace ca::agent::rule {

namespace {

struct Cp {
  char32_t value = 0;
  size_t length = 1;
};

// One code point; an invalid byte is itself (so nothing is lost or read past the end).
Cp decode(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  size_t len = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 1;
  if (len == 1 || i + len > s.size()) return {b0, 1};
  char32_t cp = b0 & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {b0, 1};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return {cp, len};
}

void append_utf8(std::string &out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool is_apostrophe(char32_t c) {
  return c == U'\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == U'`' || c == 0xB4;
}
bool is_cyrillic(char32_t c) { return c >= 0x400 && c <= 0x52F; }
bool is_latin(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
bool is_word_char(char32_t c) {
  return is_latin(c) || (c >= U'0' && c <= U'9') || is_cyrillic(c) ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

bool in_list(std::string_view w, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

bool matches_word(std::string_view word, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') return word.starts_with(pattern.substr(0, pattern.size() - 1));
  return word == pattern;
}

}  // namespace

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += decode(s, i).length) ++n;
  return n;
}

std::string fold(std::string_view s) {
  const std::string lower = store::fold_case(s);
  std::string out;
  out.reserve(lower.size());
  for (size_t i = 0; i < lower.size();) {
    const Cp c = decode(lower, i);
    if (c.value == 0x451) {
      append_utf8(out, 0x435);  // ё → е
    } else if (is_apostrophe(c.value)) {
      out.push_back('\'');
    } else {
      out.append(lower, i, c.length);
    }
    i += c.length;
  }
  return out;
}

std::vector<std::string> split_words(std::string_view folded) {
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < folded.size();) {
    const Cp c = decode(folded, i);
    if (is_word_char(c.value)) {
      cur.append(folded.substr(i, c.length));
    } else if (c.value == U'\'' && !cur.empty() && i + 1 < folded.size() && is_word_char(decode(folded, i + 1).value)) {
      cur.push_back('\'');  // inside a word: п'ять
    } else if (!cur.empty()) {
      words.push_back(std::move(cur));
      cur.clear();
    }
    i += c.length;
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

bool is_placeholder(std::string_view w) {
  if (w.size() < 4 || w.front() != '[' || w.back() != ']') return false;
  for (char c : w.substr(1, w.size() - 2)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

namespace {

// Placeholders cut out of the text: personal data is opaque, and its Latin letters say nothing
// about the caller's language.
std::string without_placeholders(std::string_view text, std::vector<std::string> *found) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '[') {
      const size_t close = text.find(']', i);
      if (close != std::string_view::npos && is_placeholder(text.substr(i, close - i + 1))) {
        if (found != nullptr) found->emplace_back(text.substr(i, close - i + 1));
        out.push_back(' ');
        i = close + 1;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

}  // namespace

std::optional<Lang> detect_language(std::string_view raw) {
  const std::string text = without_placeholders(raw, nullptr);
  int uk = 0, ru = 0, cyr = 0;
  for (size_t i = 0; i < text.size();) {
    const Cp c = decode(text, i);
    i += c.length;
    if (!is_cyrillic(c.value)) continue;
    ++cyr;
    switch (c.value) {
      case 0x456:
      case 0x457:
      case 0x454:
      case 0x491:  // і ї є ґ
      case 0x406:
      case 0x407:
      case 0x404:
      case 0x490:
        ++uk;
        break;
      case 0x44B:
      case 0x44D:
      case 0x44A:
      case 0x451:  // ы э ъ ё
      case 0x42B:
      case 0x42D:
      case 0x42A:
      case 0x401:
        ++ru;
        break;
      default:
        break;
    }
  }
  if (uk > ru) return Lang::uk;
  if (ru > uk) return Lang::ru;
  const auto words = split_words(fold(text));
  if (cyr > 0) {
    int uk_words = 0, ru_words = 0;
    for (const auto &w : words) {
      if (in_list(w,
                  {"дякую",    "будь",     "ласка",      "добрий",    "що",       "як",    "де",         "треба",
                   "зараз",    "коли",     "чому",       "добре",     "гаразд",   "мене",  "замовлення", "замовити",
                   "хвилинку", "шини",     "авжеж",      "звісно",    "покличте", "мій",   "моє",        "потрібно",
                   "потрібні", "скільки",  "перший",     "друга",     "другу",    "ранку", "вечора",     "записатися",
                   "запишіть", "скасуйте", "перенесіть", "оформлюйте"})) {
        ++uk_words;
      }
      if (in_list(w, {"да",         "нет",          "что",        "как",      "где",      "сколько",  "спасибо",
                      "пожалуйста", "здравствуйте", "добрый",     "можно",    "нужно",    "нужен",    "нужна",
                      "надо",       "когда",        "почему",     "еще",      "хорошо",   "сегодня",  "мне",
                      "запись",     "заказ",        "заказа",     "заказать", "ладно",    "конечно",  "минутку",
                      "какие",      "какой",        "записаться", "записать", "запишите", "позовите", "соедините",
                      "скажите",    "подскажите",   "мой",        "моя",      "мои",      "стоит",    "стоимость",
                      "цена",       "летние",       "зимние",     "резина",   "резину",   "менять",   "киеве",
                      "киев",       "одессе",       "одесса",     "львове",   "харькове", "днепре",   "первое",
                      "первый",     "первую",       "второе",     "второй",   "утром",    "вечером",  "отмените",
                      "перенесите", "оформляйте",   "самые",      "самую",    "дешевые",  "четыре"})) {
        ++ru_words;
      }
    }
    if (uk_words > ru_words) return Lang::uk;
    if (ru_words > uk_words) return Lang::ru;
    return std::nullopt;
  }
  int latin = 0;
  for (const auto &w : words) {
    if (w.size() < 2 || std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (!is_latin(static_cast<unsigned char>(w[0]))) continue;
    if (in_list(w, {"ok", "okay", "ок", "xl", "zr", "suv"})) continue;
    if (!text::canonical_brand(w).empty()) continue;
    ++latin;
  }
  if (latin > 0) return Lang::en;
  return std::nullopt;
}

bool Utterance::has(std::string_view stem) const { return find_stem(stem) != npos; }

bool Utterance::has_any(std::initializer_list<std::string_view> stems) const {
  return std::any_of(stems.begin(), stems.end(), [&](std::string_view s) { return has(s); });
}

bool Utterance::is(std::string_view word) const { return std::find(words.begin(), words.end(), word) != words.end(); }

bool Utterance::is_any(std::initializer_list<std::string_view> list) const {
  return std::any_of(list.begin(), list.end(), [&](std::string_view w) { return is(w); });
}

size_t Utterance::find_stem(std::string_view stem, size_t from) const {
  for (size_t i = from; i < words.size(); ++i) {
    if (words[i].starts_with(stem)) return i;
  }
  return npos;
}

size_t Utterance::find_phrase(std::string_view pattern, size_t from) const {
  std::vector<std::string_view> parts;
  for (size_t b = 0; b < pattern.size();) {
    size_t e = pattern.find(' ', b);
    if (e == std::string_view::npos) e = pattern.size();
    if (e > b) parts.push_back(pattern.substr(b, e - b));
    b = e + 1;
  }
  if (parts.empty() || words.size() < parts.size()) return npos;
  for (size_t i = from; i + parts.size() <= words.size(); ++i) {
    bool ok = true;
    for (size_t k = 0; k < parts.size() && ok; ++k) ok = matches_word(words[i + k], parts[k]);
    if (ok) return i;
  }
  return npos;
}

bool Utterance::phrase_any(std::initializer_list<std::string_view> patterns) const {
  return std::any_of(patterns.begin(), patterns.end(), [&](std::string_view p) { return phrase(p); });
}

Utterance make_utterance(std::string_view text, Lang lang, text::Context context) {
  Utterance u;
  u.raw = std::string(text);
  const std::string clean = without_placeholders(text, &u.placeholders);
  text::NormalizeOptions opts;
  opts.context = context;
  u.norm = text::normalize_transcript(clean, lang, opts);
  u.words = split_words(fold(u.norm));
  u.raw_words = split_words(fold(clean));
  return u;
}

bool stem_match(std::string_view word, std::string_view alias) {
  if (word == alias) return true;
  const size_t alen = utf8_length(alias);
  if (alen < 4) return false;
  const size_t wlen = utf8_length(word);
  if (word.starts_with(alias) && wlen <= alen + 3) return true;
  if (alen < 5) return false;
  size_t common = 0;
  for (size_t i = 0; i < word.size() && i < alias.size();) {
    const Cp a = decode(word, i), b = decode(alias, i);
    if (a.value != b.value || a.length != b.length) break;
    ++common;
    i += a.length;
  }
  const size_t diff = wlen > alen ? wlen - alen : alen - wlen;
  return common + 1 >= alen && diff <= 2;
}

std::string skeleton(std::string_view word) {
  static constexpr std::u32string_view kVowels = U"аеєиіїоуюяыэёaeiouyьъ'";
  std::string out;
  for (size_t i = 0; i < word.size();) {
    const Cp c = decode(word, i);
    i += c.length;
    if (kVowels.find(c.value) != std::u32string_view::npos) continue;
    if (!is_word_char(c.value)) continue;
    append_utf8(out, c.value);
  }
  return out;
}

}  // namespace ca::agent::rule
