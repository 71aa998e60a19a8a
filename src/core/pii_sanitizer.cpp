#include "core/pii_sanitizer.hpp"

#include <array>
#include <cstring>

namespace ca::log {

namespace {

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
bool is_ascii_alpha(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }
bool is_ascii_alnum(char c) { return is_digit(c) || is_ascii_alpha(c); }

// The code point that ends just before `pos` (0 at the start, U+FFFD for a broken sequence).
uint32_t cp_before(std::string_view s, size_t pos) {
  if (pos == 0) return 0;
  const auto last = static_cast<unsigned char>(s[pos - 1]);
  if (last < 0x80) return last;
  size_t lead = pos - 1;
  while (lead > 0 && pos - lead < 4 && (static_cast<unsigned char>(s[lead]) & 0xc0) == 0x80) --lead;
  const auto b0 = static_cast<unsigned char>(s[lead]);
  const size_t len = pos - lead;
  uint32_t cp;
  if (len == 2 && (b0 & 0xe0) == 0xc0) cp = b0 & 0x1fu;
  else if (len == 3 && (b0 & 0xf0) == 0xe0) cp = b0 & 0x0fu;
  else if (len == 4 && (b0 & 0xf8) == 0xf0) cp = b0 & 0x07u;
  else return 0xfffd;
  for (size_t k = lead + 1; k < pos; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[k]) & 0x3fu);
  return cp;
}

// The code point that starts at `pos` (0 at the end, U+FFFD for a broken sequence).
uint32_t cp_at(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return b0;
  size_t len;
  uint32_t cp;
  if ((b0 & 0xe0) == 0xc0) { len = 2; cp = b0 & 0x1fu; }
  else if ((b0 & 0xf0) == 0xe0) { len = 3; cp = b0 & 0x0fu; }
  else if ((b0 & 0xf8) == 0xf0) { len = 4; cp = b0 & 0x07u; }
  else return 0xfffd;
  if (pos + len > s.size()) return 0xfffd;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[pos + k]);
    if ((b & 0xc0) != 0x80) return 0xfffd;
    cp = (cp << 6) | (b & 0x3fu);
  }
  return cp;
}

// Letters and digits of the calls' scripts: a number touching one is part of a word or an
// identifier (AA1234BB, 91H, R16), never a phone or a card on its own.
bool is_word_cp(uint32_t cp) {
  if (cp < 0x80) return is_ascii_alnum(static_cast<char>(cp)) || cp == '_';
  if (cp >= 0xc0 && cp <= 0x24f) return cp != 0xd7 && cp != 0xf7;  // Latin letters, not × ÷
  return (cp >= 0x370 && cp <= 0x3ff) || (cp >= 0x400 && cp <= 0x52f);  // Greek, Cyrillic
}


// Width of a space-like character at s[pos]: ' ', NBSP (U+00A0) or narrow NBSP (U+202F), which
// editors and STT put inside numbers. 0 when there is none.
size_t space_width(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  if (s[pos] == ' ') return 1;
  if (s.compare(pos, 2, "\xc2\xa0") == 0) return 2;
  if (s.compare(pos, 3, "\xe2\x80\xaf") == 0) return 3;
  return 0;
}

// Whether a number may start at `pos`: not glued to a word (AA1234), not the tail of a
// hyphenated identifier (AI-000123), not the second half of a decimal, a date or a size
// (3150.50, 24.11.2026, 205/55, 10:30). After a comma a new number may start: "3150,50" has no
// phone or card in its fraction, and lists of numbers are written "0671234567,0501234567".
bool number_may_start(std::string_view s, size_t pos) {
  const uint32_t prev = cp_before(s, pos);
  if (prev == 0) return true;
  if (is_word_cp(prev)) return false;
  if (prev < 0x80) {
    const char c = static_cast<char>(prev);
    if (c == '-' && pos >= 2 && is_word_cp(cp_before(s, pos - 1))) return false;
    if ((c == '.' || c == '/' || c == ':') && pos >= 2 && is_digit(s[pos - 2])) return false;
  }
  return true;
}

// The mirror of number_may_start for the byte after a match.
bool number_may_end(std::string_view s, size_t pos) {
  if (pos >= s.size()) return true;
  const uint32_t next = cp_at(s, pos);
  if (is_word_cp(next)) return false;
  if (next < 0x80) {
    const char c = static_cast<char>(next);
    const bool more = pos + 1 < s.size() && is_word_cp(cp_at(s, pos + 1));
    if (c == '-' && more) return false;
    if ((c == '.' || c == '/' || c == ':') && pos + 1 < s.size() && is_digit(s[pos + 1])) return false;
    // A comma before one or two digits is a decimal ("3150,50"); before more, a list of numbers
    // ("0671234567,0501234567").
    if (c == ',' && pos + 1 < s.size() && is_digit(s[pos + 1]) &&
        (pos + 2 >= s.size() || !is_digit(s[pos + 2]) || pos + 3 >= s.size() || !is_digit(s[pos + 3])))
      return false;
  }
  return true;
}

// Operator and area codes after the trunk 0: mobile operators (39, 50, 63, 66–68, 73, 75, 77,
// 89, 91–99) and the oblast codes 31–38, 41, 43–48, 51–57, 61, 62, 64, 65, 69. A leading 0
// followed by anything else (00, 80, 20 …) is not a Ukrainian number — which is what keeps
// zero-padded SKUs and toll-free lines out.
bool ua_code_valid(char a, char b) {
  const int code = (a - '0') * 10 + (b - '0');
  switch (code) {
    case 31: case 32: case 33: case 34: case 35: case 36: case 37: case 38: case 39:
    case 41: case 43: case 44: case 45: case 46: case 47: case 48:
    case 50: case 51: case 52: case 53: case 54: case 55: case 56: case 57:
    case 61: case 62: case 63: case 64: case 65: case 66: case 67: case 68: case 69:
    case 73: case 75: case 77: case 89:
    case 91: case 92: case 93: case 94: case 95: case 96: case 97: case 98: case 99:
      return true;
    default:
      return false;
  }
}

// "+380XXXXXXXXX" for a Ukrainian shape, "" otherwise.
std::string phone_normalized(std::string_view d) {
  if (d.size() == 12 && d.substr(0, 3) == "380" && ua_code_valid(d[3], d[4])) return "+" + std::string(d);
  if (d.size() == 10 && d[0] == '0' && ua_code_valid(d[1], d[2])) return "+38" + std::string(d);
  return {};
}

// Card numbers are written as one run or in the issuers' groupings: fours with a shorter tail
// (4-4-4-4, 4-4-4-4-3, 4-4-4-1) or American Express / Diners 4-6-5 and 4-6-4.
bool card_grouping_ok(const uint8_t *lens, size_t count) {
  if (count == 1) return true;
  if (count == 3 && lens[0] == 4 && lens[1] == 6 && (lens[2] == 5 || lens[2] == 4)) return true;
  for (size_t k = 0; k + 1 < count; ++k)
    if (lens[k] != 4) return false;
  return lens[count - 1] >= 1 && lens[count - 1] <= 4;
}

// Payment networks start with 2–6 (Mastercard, Amex, Visa, Maestro …) or 9 (ПРОСТІР). Leaving out
// 0, 1, 7 and 8 keeps zero-padded codes and millisecond timestamps from passing as cards.
bool card_issuer_ok(char first) { return (first >= '2' && first <= '6') || first == '9'; }

// One group of a chain: digit groups joined by short separators ("+38 (067) 123-45-67",
// "4111 1111 1111 1111", "2026-11-24"). The flags describe the separator before the group.
struct Group {
  size_t begin = 0;
  size_t end = 0;
  bool spaced = false;   // has a space: a match may start or end there, not inside "4111-1111"
  bool bracket = false;  // has a bracket: phones only
  bool opens = false;    // ends with '(': a match starting here includes it
};
constexpr size_t kMaxGroups = 24;

struct Scanner {
  std::string_view s;
  std::vector<PiiMatch> &out;
  std::array<Group, kMaxGroups> g{};
  size_t count = 0;

  // The chain from the digit at `p`, stopping before `limit`; sets g[0..count).
  void build_chain(size_t p, size_t limit) {
    count = 0;
    size_t i = p;
    Group cur;
    while (true) {
      cur.begin = i;
      while (i < limit && is_digit(s[i])) ++i;
      cur.end = i;
      g[count++] = cur;
      if (count == kMaxGroups) return;  // the rest starts a new chain
      // A separator: at most three of space / NBSP / '-' / '(' / ')', with one hyphen at most.
      size_t j = i;
      int units = 0, hyphens = 0;
      Group next;
      char last = 0;
      while (j < limit && units < 3) {
        if (const size_t w = space_width(s, j); w > 0 && j + w <= limit) {
          next.spaced = true;
          j += w;
          last = ' ';
        } else if (s[j] == '-' && hyphens == 0) {
          ++hyphens;
          ++j;
          last = '-';
        } else if (s[j] == '(' || s[j] == ')') {
          next.bracket = true;
          last = s[j];
          ++j;
        } else {
          break;
        }
        ++units;
      }
      if (units == 0 || j >= limit || !is_digit(s[j])) return;
      next.opens = last == '(';
      cur = next;
      i = j;
    }
  }

  size_t start_of(size_t gi, bool with_bracket) const {
    const Group &grp = g[gi];
    if (gi == 0) {
      size_t b = grp.begin;
      if (with_bracket && b > 0 && s[b - 1] == '(') --b;
      if (b > 0 && s[b - 1] == '+') --b;
      return b;
    }
    return with_bracket && grp.opens ? grp.begin - 1 : grp.begin;
  }

  // A match may end after group gj: at the chain's end (checked against what follows) or
  // before a spaced separator.
  bool may_end_after(size_t gj) const {
    if (gj + 1 < count) return g[gj + 1].spaced;
    return number_may_end(s, g[gj].end);
  }

  bool may_start_at(size_t gi) const {
    if (gi == 0) return number_may_start(s, start_of(0, true));
    return g[gi].spaced || g[gi].opens;
  }

  // The longest Luhn-valid card from group gi; returns the last group, or count when none.
  size_t try_card(size_t gi, std::string &digits) const {
    std::array<uint8_t, kMaxGroups> lens{};
    std::string d;
    size_t best = count;
    for (size_t gj = gi; gj < count; ++gj) {
      if (gj > gi && g[gj].bracket) break;
      const size_t len = g[gj].end - g[gj].begin;
      if (d.size() + len > 19) break;
      d.append(s.substr(g[gj].begin, len));
      lens[gj - gi] = static_cast<uint8_t>(len);
      if (d.size() >= 13 && card_issuer_ok(d[0]) && card_grouping_ok(lens.data(), gj - gi + 1) && may_end_after(gj) &&
          luhn_valid(d)) {
        best = gj;
        digits = d;
      }
    }
    return best;
  }

  size_t try_phone(size_t gi, std::string &normalized) const {
    std::string d;
    for (size_t gj = gi; gj < count; ++gj) {
      const size_t len = g[gj].end - g[gj].begin;
      if (d.size() + len > 12) break;
      d.append(s.substr(g[gj].begin, len));
      if (d.size() != 10 && d.size() != 12) continue;
      std::string n = phone_normalized(d);
      if (!n.empty() && may_end_after(gj)) {
        normalized = std::move(n);
        return gj;
      }
    }
    return count;
  }

  void emit(PiiKind kind, size_t gi, size_t gj, std::string normalized) {
    // A '(' before the first group belongs to the match only when its ')' does too.
    const size_t end = g[gj].end;
    const bool closes = std::string_view(s.data() + g[gi].end, end - g[gi].end).find(')') != std::string_view::npos;
    out.push_back(PiiMatch{kind, start_of(gi, closes), end, std::move(normalized)});
  }

  void scan_chain(size_t p, size_t limit) {
    build_chain(p, limit);
    size_t gi = 0;
    std::string value;
    while (gi < count) {
      if (!may_start_at(gi)) {
        ++gi;
        continue;
      }
      if (size_t gj = try_card(gi, value); gj < count) {
        emit(PiiKind::card, gi, gj, std::move(value));
        gi = gj + 1;
      } else if (gj = try_phone(gi, value); gj < count) {
        emit(PiiKind::phone, gi, gj, std::move(value));
        gi = gj + 1;
      } else {
        ++gi;
      }
    }
  }

  // "UA" and 27 digits, spaces allowed between digits. Returns the end of an IBAN-shaped span
  // (0 when there is none) and sets `valid` when its checksum holds. A shaped span with a bad
  // checksum is skipped whole, so its digit groups are not taken for a card or a phone.
  size_t iban_span(size_t pos, size_t limit, std::string &normalized, bool &valid) const {
    valid = false;
    if (pos + 2 >= limit || (s[pos + 1] | 0x20) != 'a' || !number_may_start(s, pos)) return 0;
    normalized.assign("UA");
    size_t j = pos + 2;
    if (const size_t w = space_width(s, j); w > 0 && j + w < limit && is_digit(s[j + w])) j += w;
    while (j < limit && normalized.size() < 29) {
      if (is_digit(s[j])) {
        normalized.push_back(s[j++]);
        continue;
      }
      const size_t w = space_width(s, j);
      if (w > 0 && j + w < limit && is_digit(s[j + w])) {
        j += w;
        continue;
      }
      break;
    }
    if (normalized.size() != 29 || (j < limit && is_digit(s[j])) || !number_may_end(s, j)) return 0;
    valid = iban_checksum_valid(normalized);
    return j;
  }
};

bool is_email_local(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_label_char(char c) { return is_ascii_alnum(c) || c == '-'; }

// The e-mail around the '@' at `at`, or false. The local part runs back over its characters,
// the domain forward over dot-separated labels ending in an alphabetic TLD of two or more letters;
// a sentence's full stop after the address is not part of it.
bool email_at(std::string_view s, size_t at, size_t lower, PiiMatch &m) {
  size_t b = at;
  while (b > lower && is_email_local(s[b - 1])) --b;
  while (b < at && s[b] == '.') ++b;
  if (b == at) return false;
  size_t e = at + 1;
  size_t labels = 0, last_label = e, tld_end = 0;
  while (true) {
    const size_t lb = e;
    while (e < s.size() && is_label_char(s[e])) ++e;
    if (e == lb) break;
    ++labels;
    last_label = lb;
    tld_end = e;
    if (e + 1 < s.size() && s[e] == '.' && is_label_char(s[e + 1])) {
      ++e;
      continue;
    }
    break;
  }
  if (labels < 2 || tld_end - last_label < 2) return false;
  for (size_t k = last_label; k < tld_end; ++k)
    if (!is_ascii_alpha(s[k])) return false;
  m.kind = PiiKind::email;
  m.begin = b;
  m.end = tld_end;
  m.normalized.assign(s.substr(b, tld_end - b));
  for (char &c : m.normalized)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  return true;
}

}  // namespace

const char *pii_kind_name(PiiKind kind) {
  switch (kind) {
    case PiiKind::phone: return "PHONE";
    case PiiKind::email: return "EMAIL";
    case PiiKind::card: return "CARD";
    case PiiKind::iban: return "IBAN";
  }
  return "PII";
}

bool may_contain_pii(std::string_view text) {
  // Sixteen bytes per step with the compiler's vector extension (SSE2 / NEON): every log line
  // goes through here, and most have neither a digit nor an '@'.
  using V16 = uint8_t __attribute__((vector_size(16)));
  const char *p = text.data();
  size_t left = text.size();
  for (; left >= 16; p += 16, left -= 16) {
    V16 v;
    std::memcpy(&v, p, 16);
    const auto hit = ((v - '0') < 10) | (v == '@');
    uint64_t lanes[2];
    std::memcpy(lanes, &hit, 16);
    if ((lanes[0] | lanes[1]) != 0) return true;
  }
  for (; left > 0; ++p, --left)
    if (is_digit(*p) || *p == '@') return true;
  return false;
}

bool luhn_valid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool any = false;
  bool twice = false;
  for (size_t k = digits.size(); k-- > 0;) {
    if (!is_digit(digits[k])) return false;
    int v = digits[k] - '0';
    any = any || v != 0;
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return any && sum % 10 == 0;  // all zeros pass the arithmetic but are no card
}

bool iban_checksum_valid(std::string_view iban) {
  if (iban.size() < 5 || iban.size() > 34) return false;
  // ISO 13616: the first four characters move to the end, letters become 10..35, and the
  // number must leave 1 modulo 97. Folded digit by digit so it never overflows.
  int rem = 0;
  auto feed = [&rem](char c) -> bool {
    if (is_digit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
    return true;
  };
  for (size_t k = 4; k < iban.size(); ++k)
    if (!feed(iban[k])) return false;
  for (size_t k = 0; k < 4; ++k)
    if (!feed(iban[k])) return false;
  return rem == 1;
}

void find_pii(std::string_view text, std::vector<PiiMatch> &out) {
  out.clear();
  if (!may_contain_pii(text)) return;

  // E-mails first: their local parts may hold digits that must not become phones.
  std::vector<PiiMatch> emails;
  if (std::memchr(text.data(), '@', text.size()) != nullptr) {
    size_t lower = 0;
    for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
      PiiMatch m;
      if (at >= lower && email_at(text, at, lower, m)) {
        lower = m.end;
        at = m.end - 1;
        emails.push_back(std::move(m));
      }
    }
  }

  Scanner sc{text, out};
  size_t next_email = 0;
  size_t i = 0;
  std::string iban;
  while (i < text.size()) {
    size_t limit = next_email < emails.size() ? emails[next_email].begin : text.size();
    if (i >= limit) {
      out.push_back(std::move(emails[next_email]));
      i = out.back().end;
      ++next_email;
      continue;
    }
    const char c = text[i];
    if (c == 'U' || c == 'u') {
      bool valid = false;
      if (const size_t e = sc.iban_span(i, limit, iban, valid); e != 0) {
        if (valid) out.push_back(PiiMatch{PiiKind::iban, i, e, iban});
        i = e;
        continue;
      }
      ++i;
    } else if (is_digit(c)) {
      sc.scan_chain(i, limit);
      i = sc.g[sc.count - 1].end;
    } else {
      ++i;
    }
  }
  for (; next_email < emails.size(); ++next_email) out.push_back(std::move(emails[next_email]));
}

std::string mask_pii(const PiiMatch &m) {
  const std::string &n = m.normalized;
  switch (m.kind) {
    case PiiKind::phone:  // "+380671234567" -> "+38067***67"
      return n.size() == 13 ? n.substr(0, 6) + "***" + n.substr(11) : std::string("***");
    case PiiKind::card:
      return n.size() >= 8 ? n.substr(0, 4) + " **** **** " + n.substr(n.size() - 4) : std::string("****");
    case PiiKind::iban:
      return n.size() >= 8 ? n.substr(0, 4) + " **** **** " + n.substr(n.size() - 4) : std::string("****");
    case PiiKind::email: {
      const size_t dot = n.rfind('.');
      std::string r(1, n.empty() ? '*' : n[0]);
      r.append("***@***");
      if (dot != std::string::npos) r.append(n, dot, std::string::npos);
      return r;
    }
  }
  return "***";
}

void sanitize_to(std::string &out, std::string_view text) {
  if (!may_contain_pii(text)) {
    out.append(text);
    return;
  }
  thread_local std::vector<PiiMatch> matches;
  find_pii(text, matches);
  size_t at = 0;
  for (const PiiMatch &m : matches) {
    out.append(text.substr(at, m.begin - at));
    out.append(mask_pii(m));
    at = m.end;
  }
  out.append(text.substr(at));
}

std::string sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  sanitize_to(out, text);
  return out;
}

}  // namespace ca::log
