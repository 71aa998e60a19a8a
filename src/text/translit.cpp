#include "text/translit.hpp"

#include "core/utf8.hpp"

namespace ca::text {

std::string transliterate(std::string_view s) {
  struct Pair {
    char32_t c;
    const char *start;  // at the start of a word
    const char *inner;
  };
  static const Pair kTable[] = {
      {U'а', "a", "a"},   {U'б', "b", "b"},   {U'в', "v", "v"},   {U'г', "h", "h"},   {U'ґ', "g", "g"},
      {U'д', "d", "d"},   {U'е', "e", "e"},   {U'є', "ye", "ie"}, {U'ж', "zh", "zh"}, {U'з', "z", "z"},
      {U'и', "y", "y"},   {U'і', "i", "i"},   {U'ї', "yi", "i"},  {U'й', "y", "i"},   {U'к', "k", "k"},
      {U'л', "l", "l"},   {U'м', "m", "m"},   {U'н', "n", "n"},   {U'о', "o", "o"},   {U'п', "p", "p"},
      {U'р', "r", "r"},   {U'с', "s", "s"},   {U'т', "t", "t"},   {U'у', "u", "u"},   {U'ф', "f", "f"},
      {U'х', "kh", "kh"}, {U'ц', "ts", "ts"}, {U'ч', "ch", "ch"}, {U'ш', "sh", "sh"}, {U'щ', "shch", "shch"},
      {U'ь', "", ""},     {U'ю', "yu", "iu"}, {U'я', "ya", "ia"}, {U'ы', "y", "y"},   {U'э', "e", "e"},
      {U'ъ', "", ""},     {U'ё', "yo", "io"}, {U'\'', "", ""},    {U'’', "", ""},     {U'ʼ', "", ""},
  };
  std::string out;
  bool word_start = true;
  for (size_t i = 0; i < s.size();) {
    const utf8::CodePoint cp = utf8::decode(s, i);
    const char32_t c = cp.value;
    bool upper = false;
    char32_t lower = c;
    if (c >= 0x410 && c <= 0x42F) {
      lower = c + 0x20;
      upper = true;
    } else if (c >= 0x400 && c <= 0x40F) {
      lower = c + 0x50;
      upper = true;
    } else if (c == 0x490) {
      lower = 0x491;
      upper = true;
    }
    const Pair *hit = nullptr;
    for (const auto &p : kTable) {
      if (cp.valid && p.c == lower) hit = &p;
    }
    if (hit != nullptr) {
      std::string t = word_start ? hit->start : hit->inner;
      if (upper && !t.empty()) t[0] = static_cast<char>(t[0] - 32);
      out += t;
      word_start = false;
    } else {
      out.append(s, i, cp.length);
      word_start = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    }
    i += cp.length;
  }
  return out;
}

}  // namespace ca::text
