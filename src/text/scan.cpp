#include "text/scan.hpp"

namespace ca::text::detail {

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= U'A' && c <= U'Z') ? c + 0x20 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c >= 0x100 && c <= 0x17F) {
    // Latin Extended-A pairs capital/small on even/odd, except 0x139..0x148 and 0x179..0x17E.
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c < 0x400 || c > 0x4FF) return c;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;  // А..Я
  if (c <= 0x40F) return c + 0x50;                // Ѐ..Џ, with Ё Є І Ї Ў
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
    return (c % 2 == 0) ? c + 1 : c;  // Ґ/ґ among them
  if (c >= 0x4C1 && c <= 0x4CE) return (c % 2 == 1) ? c + 1 : c;
  if (c == 0x4C0) return 0x4CF;
  return c;
}

char32_t to_upper(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') ? c - 0x20 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;
  if (c >= 0x100 && c <= 0x17F) {
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 0) ? c - 1 : c;
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    return (c % 2 == 1) ? c - 1 : c;
  }
  if (c < 0x400 || c > 0x4FF) return c;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
    return (c % 2 == 1) ? c - 1 : c;
  if (c >= 0x4C1 && c <= 0x4CE) return (c % 2 == 0) ? c - 1 : c;
  if (c == 0x4CF) return 0x4C0;
  return c;
}

bool is_letter(char32_t c) {
  if (c < 0x80) return is_latin(c);
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
  if (c >= 0x370 && c <= 0x3FF) return true;  // Greek: only so µ-like words stay whole
  return is_cyrillic(c);
}

bool is_space(char32_t c) {
  return c == U' ' || (c >= U'\t' && c <= U'\r') || c == 0xA0 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

void tokenize(std::string_view text, std::vector<Token> &out) {
  out.clear();
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const CodePoint cp = decode(text, i);
    Token t;
    t.begin = static_cast<uint32_t>(i);
    if (text[i] >= '0' && text[i] <= '9') {
      t.kind = TokKind::digits;
      while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    } else if (cp.valid && is_letter(cp.value)) {
      t.kind = TokKind::word;
      i += cp.length;
      while (i < n) {
        const CodePoint c = decode(text, i);
        if (!c.valid) break;
        if (is_letter(c.value) || is_combining(c.value) || c.value == 0xAD) {
          i += c.length;
        } else if (is_apostrophe(c.value) && i + c.length < n) {
          const CodePoint next = decode(text, i + c.length);
          if (!next.valid || !is_letter(next.value)) break;
          i += c.length;  // inside a word: "п'ять", "з'їзд"
        } else {
          break;
        }
      }
    } else if (cp.valid && is_space(cp.value)) {
      t.kind = TokKind::space;
      while (i < n) {
        const CodePoint c = decode(text, i);
        if (!c.valid || !is_space(c.value)) break;
        if (c.value == U'\n' || c.value == U'\r' || c.value == 0x2028 || c.value == 0x2029) t.newline = true;
        i += c.length;
      }
    } else {
      t.kind = TokKind::punct;
      i += cp.length;
    }
    t.end = static_cast<uint32_t>(i);
    out.push_back(t);
  }
}

void Key::assign(std::string_view word) {
  len_ = 0;
  letters_ = upper_ = 0;
  first_upper_ = false;
  ok_ = true;
  for (size_t i = 0; i < word.size();) {
    const CodePoint cp = decode(word, i);
    i += cp.length;
    char32_t c = cp.value;
    if (!cp.valid) {
      ok_ = false;
      return;
    }
    if (is_combining(c) || c == 0xAD) continue;
    if (is_apostrophe(c)) {
      c = U'\'';
    } else {
      const char32_t low = to_lower(c);
      if (low != c) {
        ++upper_;
        if (letters_ == 0) first_upper_ = true;
      }
      if (is_letter(c)) ++letters_;
      c = (low == 0x451) ? char32_t{0x435} : low;  // ё → е
    }
    const size_t need = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (len_ + need > sizeof buf_) {
      ok_ = false;
      return;
    }
    if (need == 1) {
      buf_[len_++] = static_cast<char>(c);
    } else if (need == 2) {
      buf_[len_++] = static_cast<char>(0xC0 | (c >> 6));
      buf_[len_++] = static_cast<char>(0x80 | (c & 0x3F));
    } else if (need == 3) {
      buf_[len_++] = static_cast<char>(0xE0 | (c >> 12));
      buf_[len_++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      buf_[len_++] = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      buf_[len_++] = static_cast<char>(0xF0 | (c >> 18));
      buf_[len_++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      buf_[len_++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      buf_[len_++] = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
}

void append_without_marks(std::string &out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    // U+0300..U+036F are CC 80..CD AF; U+00AD is C2 AD.
    const bool mark = (b == 0xCC && i + 1 < s.size()) ||
                      (b == 0xCD && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0xAF) ||
                      (b == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xAD);
    if (mark) {
      out.append(s.substr(start, i - start));
      i += 2;
      start = i;
    } else {
      ++i;
    }
  }
  out.append(s.substr(start));
}

}  // namespace ca::text::detail
