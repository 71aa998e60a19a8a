#include "text/lang.hpp"

#include "text/scan.hpp"

#include <string>

namespace ca::text {

Lang parse_lang(std::string_view tag, Lang fallback) {
  const size_t cut = tag.find_first_of("-_");
  const std::string_view code = tag.substr(0, cut);
  if (code.size() != 2) return fallback;
  char c[2];
  for (int i = 0; i < 2; ++i) {
    const char ch = code[static_cast<size_t>(i)];
    c[i] = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  if ((c[0] == 'u' && c[1] == 'k') || (c[0] == 'u' && c[1] == 'a')) return Lang::uk;
  if (c[0] == 'r' && c[1] == 'u') return Lang::ru;
  if (c[0] == 'e' && c[1] == 'n') return Lang::en;
  return fallback;
}

std::string_view lang_code(Lang lang) {
  switch (lang) {
    case Lang::uk:
      return "uk";
    case Lang::ru:
      return "ru";
    case Lang::en:
      return "en";
  }
  return "uk";
}

Lang detect_lang(std::string_view text, Lang fallback) {
  size_t latin = 0, cyrillic = 0, uk = 0, ru = 0;
  for (size_t i = 0; i < text.size();) {
    const detail::CodePoint cp = detail::decode(text, i);
    i += cp.length > 0 ? cp.length : 1;
    if (!cp.valid) continue;
    const char32_t c = cp.value;
    if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) {
      ++latin;
    } else if (c >= 0x400 && c <= 0x4FF) {
      ++cyrillic;
      if (c == 0x456 || c == 0x406 || c == 0x457 || c == 0x407 || c == 0x454 || c == 0x404 || c == 0x491 || c == 0x490) {
        ++uk;  // і ї є ґ
      }
      if (c == 0x44B || c == 0x42B || c == 0x44D || c == 0x42D || c == 0x451 || c == 0x401 || c == 0x44A || c == 0x42A) {
        ++ru;  // ы э ё ъ
      }
    }
  }
  if (latin == 0 && cyrillic == 0) return fallback;
  if (latin > cyrillic) return Lang::en;
  if (uk > ru) return Lang::uk;
  if (ru > uk) return Lang::ru;
  // Letters common to both: frequent words that only one of them has ("сколько стоит" against
  // "скільки коштує" already differs in letters; "что", "как", "где" do not).
  static constexpr std::string_view kRu[] = {"что", "как", "где", "когда", "сколько", "стоит", "есть", "нет", "да",
                                             "можно", "нужно", "мне", "шины", "спасибо", "пожалуйста",
                                             "здравствуйте", "сегодня", "он", "она", "они", "или", "если", "тоже"};
  static constexpr std::string_view kUk[] = {"як", "де", "коли", "скільки", "коштує", "можна", "потрібно", "мені",
                                             "шини", "дякую", "будь", "ласка", "сьогодні", "вона", "вони",
                                             "або", "якщо", "теж", "добрий", "день", "чи", "ще", "зараз"};
  size_t ru_words = 0, uk_words = 0;
  for (size_t i = 0; i < text.size();) {
    // Words as runs of bytes that are not ASCII space or punctuation, lower-cased for Cyrillic.
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80 &&
           !((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z'))) {
      ++i;
    }
    size_t j = i;
    while (j < text.size() && (static_cast<unsigned char>(text[j]) >= 0x80 ||
                               (text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z'))) {
      ++j;
    }
    std::string word;
    for (size_t k = i; k < j;) {
      const detail::CodePoint cp = detail::decode(text, k);
      k += cp.length > 0 ? cp.length : 1;
      char32_t c = cp.value;
      if (c >= 0x410 && c <= 0x42F) c += 0x20;  // А-Я → а-я
      if (c < 0x80) {
        word.push_back(static_cast<char>(c));
      } else if (c < 0x800) {
        word.push_back(static_cast<char>(0xC0 | (c >> 6)));
        word.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else {
        word.push_back('?');
      }
    }
    for (std::string_view w : kRu) ru_words += word == w ? 1 : 0;
    for (std::string_view w : kUk) uk_words += word == w ? 1 : 0;
    i = j > i ? j : i + 1;
  }
  if (ru_words > uk_words) return Lang::ru;
  if (uk_words > ru_words) return Lang::uk;
  return fallback == Lang::en ? Lang::uk : fallback;
}

}  // namespace ca::text
