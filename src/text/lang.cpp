#include "text/lang.hpp"

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

}  // namespace ca::text
