#include "text/normalize.hpp"

#include <algorithm>
#include <cstdint>

#include "text/brands.hpp"
#include "text/numerals.hpp"
#include "text/scan.hpp"

namespace ca::text {

namespace {

using namespace detail;
constexpr size_t kNone = SIZE_MAX;

struct Analysis {
  std::string_view text;
  std::vector<Token> toks;
  std::vector<TokInfo> info;
  std::vector<Run> runs;
  std::vector<Group> groups;

  Analysis(std::string_view t, Lang lang, bool join_punct) : text(t) {
    toks.reserve(t.size() / 3 + 4);
    tokenize(t, toks);
    classify_tokens(t, toks, info);
    find_runs(t, toks, info, lang == Lang::en, join_punct, runs, groups);
  }

  std::string_view tok_text(size_t i) const { return text.substr(toks[i].begin, toks[i].size()); }
  bool is_word(size_t i) const { return i < toks.size() && toks[i].kind == TokKind::word && !info[i].verbatim; }
  // The key of word token i ("" if i is not a word).
  std::string_view key(size_t i, Key &k) const {
    if (!is_word(i)) return {};
    k.assign(tok_text(i));
    return k.ok() ? k.view() : std::string_view{};
  }
  // The word token before/after token i with at most one space between, or kNone.
  size_t prev_word(size_t i) const {
    if (i == 0) return kNone;
    size_t j = i - 1;
    if (toks[j].kind == TokKind::space) {
      if (j == 0) return kNone;
      --j;
    }
    return is_word(j) ? j : kNone;
  }
  size_t next_word(size_t i) const {
    size_t j = i + 1;
    if (j < toks.size() && toks[j].kind == TokKind::space) ++j;
    return is_word(j) ? j : kNone;
  }
  std::string_view prev_key(size_t i, Key &k) const {
    const size_t j = prev_word(i);
    return j == kNone ? std::string_view{} : key(j, k);
  }
  std::string_view next_key(size_t i, Key &k) const {
    const size_t j = next_word(i);
    return j == kNone ? std::string_view{} : key(j, k);
  }
  size_t group_digits(size_t g) const { return groups[g].digit_count(toks); }
  // The value of a group of at most 9 digits (callers check the digit count first), else -1.
  int group_int(size_t g) const {
    const Group &grp = groups[g];
    if (group_digits(g) > 9) return -1;
    if (!grp.from_digits) return static_cast<int>(grp.value);
    int v = 0;
    for (const char c : tok_text(grp.tok_first)) v = v * 10 + (c - '0');
    return v;
  }
};

template <size_t N>
bool one_of(std::string_view k, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), k) != std::end(list);
}

// ---- tyre sizes ----

constexpr std::string_view kRimMarkers[] = {"r",       "р",       "ер",      "эр",      "zr",     "радіус", "радиус",
                                            "радіусі", "радиусе", "радіуса", "радиуса", "radius", "rim",    "эрка"};
constexpr std::string_view kSizeJoinWords[] = {"на", "x", "х", "by"};

bool size_punct(std::string_view p) {
  return p == "/" || p == "\\" || p == "-" || p == "," || p == "*" || p == "\u00D7" || p == "\u2013";
}

// Digits of groups starting at gi in `run`, exactly `want` of them: the value, or -1.
int take_digits(const Analysis &a, const Run &run, uint32_t &gi, size_t want) {
  size_t len = 0;
  int v = 0;
  while (gi < run.group_last && len < want) {
    const Group &g = a.groups[gi];
    if (g.ordinal) return -1;
    const size_t dc = a.group_digits(gi);
    if (len + dc > want) return -1;
    if (g.from_digits) {
      for (const char c : a.tok_text(g.tok_first)) v = v * 10 + (c - '0');
    } else {
      for (size_t i = 0; i < dc; ++i) v *= 10;
      v += static_cast<int>(g.value);
    }
    len += dc;
    ++gi;
  }
  return len == want ? v : -1;
}

// The run after run r when only size separators lie between them: its index, or kNone.
size_t next_run_through(const Analysis &a, size_t r, bool rim) {
  if (r + 1 >= a.runs.size()) return kNone;
  const size_t from = a.runs[r].tok_last + 1, to = a.runs[r + 1].tok_first;
  if (to - from > 6) return kNone;
  Key k;
  for (size_t i = from; i < to; ++i) {
    const Token &t = a.toks[i];
    if (a.info[i].verbatim) return kNone;
    if (t.kind == TokKind::space) {
      if (t.newline) return kNone;
    } else if (t.kind == TokKind::punct) {
      if (!size_punct(a.tok_text(i))) return kNone;
    } else if (t.kind == TokKind::word) {
      const std::string_view key = a.key(i, k);
      if (!one_of(key, kSizeJoinWords) && !(rim && one_of(key, kRimMarkers))) return kNone;
    } else {
      return kNone;
    }
  }
  return r + 1;
}

bool phone_like(const Analysis &a, const Run &run) {
  size_t digits = 0;
  for (uint32_t g = run.group_first; g < run.group_last; ++g) digits += a.group_digits(g);
  if (digits < 10) return false;
  std::string lead;
  a.groups[run.group_first].append_digits(lead, a.text, a.toks);
  if (lead.size() < 2 && run.group_first + 1 < run.group_last)
    a.groups[run.group_first + 1].append_digits(lead, a.text, a.toks);
  return lead[0] == '0' || (lead.size() >= 2 && lead[0] == '3' && lead[1] == '8');
}

// A "C" glued to the rim: "R16C", "16с".
bool commercial_suffix(const Analysis &a, size_t rim_tok) {
  const size_t i = rim_tok + 1;
  if (!a.is_word(i)) return false;
  Key k;
  const std::string_view key = a.key(i, k);
  return key == "c" || key == "с";
}

struct FoundSize {
  TyreSize size;
  uint32_t group_first = 0;  // consumed groups, inclusive
  uint32_t group_last = 0;
};

bool match_size(const Analysis &a, size_t r, uint32_t g, FoundSize &out) {
  size_t run_i = r;
  uint32_t gi = g;
  const int width = take_digits(a, a.runs[run_i], gi, 3);
  if (width < 135 || width > 355 || width % 5 != 0) return false;
  if (gi == a.runs[run_i].group_last) {
    run_i = next_run_through(a, run_i, false);
    if (run_i == kNone) return false;
    gi = a.runs[run_i].group_first;
  }
  const int profile = take_digits(a, a.runs[run_i], gi, 2);
  if (profile < 25 || profile > 85 || profile % 5 != 0) return false;
  if (gi == a.runs[run_i].group_last) {
    run_i = next_run_through(a, run_i, true);
    if (run_i == kNone) return false;
    gi = a.runs[run_i].group_first;
  }
  const int rim = take_digits(a, a.runs[run_i], gi, 2);
  if (rim < 12 || rim > 24) return false;
  const Group &last = a.groups[gi - 1];
  out.size.width = width;
  out.size.profile = profile;
  out.size.rim = rim;
  out.size.commercial = commercial_suffix(a, last.tok_last);
  out.size.begin = a.toks[a.groups[g].tok_first].begin;
  out.size.end = a.toks[last.tok_last + (out.size.commercial ? 1 : 0)].end;
  out.group_first = g;
  out.group_last = gi - 1;
  return true;
}

void find_sizes(const Analysis &a, std::vector<FoundSize> &found) {
  uint32_t next_free = 0;  // groups before this are taken
  for (size_t r = 0; r < a.runs.size(); ++r) {
    const Run &run = a.runs[r];
    if (phone_like(a, run)) continue;
    for (uint32_t g = std::max(run.group_first, next_free); g < run.group_last; ++g) {
      FoundSize f;
      if (match_size(a, r, g, f)) {
        found.push_back(f);
        next_free = f.group_last + 1;
        g = f.group_last;
      }
    }
  }
}

// ---- context words ----

constexpr std::string_view kMonths[] = {
    "січня",   "лютого",    "березня",  "квітня",  "травня",   "червня",   "липня",   "серпня",  "вересня",
    "жовтня",  "листопада", "грудня",   "січень",  "лютий",    "березень", "квітень", "травень", "червень",
    "липень",  "серпень",   "вересень", "жовтень", "листопад", "грудень",  "января",  "февраля", "марта",
    "апреля",  "мая",       "июня",     "июля",    "августа",  "сентября", "октября", "ноября",  "декабря",
    "january", "february",  "march",    "april",   "may",      "june",     "july",    "august",  "september",
    "october", "november",  "december", "числа",   "число",    "числу"};
constexpr std::string_view kTimePreps[] = {
    "о",  "об", "в",     "во",    "к",       "ко",   "на", "до", "з",     "із",   "зі",   "від",    "після", "с",
    "со", "от", "после", "около", "близько", "біля", "at", "by", "until", "till", "from", "around", "about"};
constexpr std::string_view kHourPreps[] = {"о",   "об", "до",      "з",    "із", "після",
                                           "від", "на", "близько", "біля", "at", "by"};

bool is_month(std::string_view k) { return one_of(k, kMonths); }

// Is a lone ambiguous numeral at group g a number after all (date or time around it)?
bool ambiguous_is_number(const Analysis &a, const Group &g) {
  Key k1, k2;
  const std::string_view next = a.next_key(g.tok_last, k1);
  if (is_month(next)) return true;  // "першого листопада", "first March"
  const std::string_view prev = a.prev_key(g.tok_first, k2);
  if (is_month(prev) && prev != "числа" && prev != "число" && prev != "числу") return true;  // "March first"
  if (next == "of") {                                                                        // "the first of March"
    const size_t j = a.next_word(g.tok_last);
    Key k3;
    if (j != kNone && is_month(a.next_key(j, k3))) return true;
  }
  if (g.ordinal && g.feminine && one_of(prev, kHourPreps)) return true;  // "о першій", "до другої"
  if (g.one_form && (prev == "at" || prev == "by")) return true;         // "at one"
  return false;
}

// "один-два дні", "five-one": a range or a code with a numeral across a dash.
bool dash_next_to_numeral(const Analysis &a, const Group &g) {
  auto dash = [&](size_t i) {
    if (i >= a.toks.size() || a.toks[i].kind != TokKind::punct) return false;
    const std::string_view p = a.tok_text(i);
    return p == "-" || p == "\u2013";
  };
  auto numeral = [&](size_t i) {
    return i < a.toks.size() && !a.info[i].verbatim && (a.info[i].num || a.toks[i].kind == TokKind::digits);
  };
  return (dash(g.tok_last + 1) && numeral(g.tok_last + 2)) ||
         (g.tok_first >= 2 && dash(g.tok_first - 1) && numeral(g.tok_first - 2));
}

// "H:MM" from groups [first, last) when they read as an hour and minutes.
bool as_time(const Analysis &a, uint32_t first, uint32_t last, int &h, int &m) {
  const uint32_t n = last - first;
  const Group &g0 = a.groups[first];
  if (g0.ordinal && !g0.feminine) return false;  // "п'ятого" is a date
  if (g0.zero) return false;
  if (a.group_digits(first) > 2) return false;
  h = a.group_int(first);
  if (g0.ordinal && h == 24) h = 0;
  if (h > 23 || a.group_digits(first) > 2) return false;
  if (n == 2) {
    const Group &g1 = a.groups[first + 1];
    if (g1.ordinal || a.group_digits(first + 1) != 2) return false;
    m = a.group_int(first + 1);
    return m <= 59;
  }
  if (n == 3) {
    const Group &g1 = a.groups[first + 1], &g2 = a.groups[first + 2];
    if (!g1.zero || g2.ordinal || a.group_digits(first + 2) != 1) return false;
    m = static_cast<int>(g2.from_digits ? (a.tok_text(g2.tok_first)[0] - '0') : g2.value);
    return true;
  }
  return false;
}

void append_time(std::string &out, int h, int m) {
  out.append(std::to_string(h));
  out.push_back(':');
  out.push_back(static_cast<char>('0' + m / 10));
  out.push_back(static_cast<char>('0' + m % 10));
}

// ---- replacements ----

struct Replacement {
  size_t begin, end;      // bytes of the input
  size_t offset, length;  // in the arena
};

class Edits {
 public:
  void add(size_t begin, size_t end, std::string_view with) {
    list_.push_back({begin, end, arena_.size(), with.size()});
    arena_.append(with);
  }
  // Starts a replacement whose text the caller appends to arena() and then finishes.
  std::string &arena() { return arena_; }
  void add_from(size_t begin, size_t end, size_t arena_offset) {
    list_.push_back({begin, end, arena_offset, arena_.size() - arena_offset});
  }
  bool overlaps(size_t begin, size_t end) const {
    for (const Replacement &r : list_)
      if (begin < r.end && r.begin < end) return true;
    return false;
  }
  std::string apply(std::string_view text) {
    std::sort(list_.begin(), list_.end(), [](const Replacement &x, const Replacement &y) { return x.begin < y.begin; });
    std::string out;
    out.reserve(text.size() + 16);
    size_t pos = 0;
    for (const Replacement &r : list_) {
      if (r.begin < pos) continue;  // defensive: never overlap
      out.append(text.substr(pos, r.begin - pos));
      out.append(std::string_view(arena_).substr(r.offset, r.length));
      pos = r.end;
    }
    out.append(text.substr(pos));
    return out;
  }
  bool empty() const { return list_.empty(); }

 private:
  std::vector<Replacement> list_;
  std::string arena_;
};

// A stretch of one run's groups that no size took.
void convert_groups(const Analysis &a, Edits &edits, Lang lang, const NormalizeOptions &opt, uint32_t first,
                    uint32_t last) {
  if (first >= last) return;
  const Group &g0 = a.groups[first];
  const Group &gl = a.groups[last - 1];
  uint32_t words = 0;
  for (uint32_t g = first; g < last; ++g) words += a.groups[g].words;
  const size_t begin = a.toks[g0.tok_first].begin, end = a.toks[gl.tok_last].end;
  Key k;
  const std::string_view prev = a.prev_key(g0.tok_first, k);

  // Times.
  int h = 0, m = 0;
  const bool time_hint = opt.context == Context::time || one_of(prev, kTimePreps) || (g0.ordinal && g0.feminine);
  if (time_hint && (words > 0 || opt.context == Context::time) && as_time(a, first, last, h, m)) {
    std::string &ar = edits.arena();
    const size_t off = ar.size();
    append_time(ar, h, m);
    edits.add_from(begin, end, off);
    return;
  }
  if (opt.context == Context::time) {
    std::string digits;
    append_groups(digits, a.text, a.toks, a.groups, first, last, false);
    if (digits.size() == 3 || digits.size() == 4) {
      int v = 0;
      for (const char c : digits) v = v * 10 + (c - '0');
      h = v / 100;
      m = v % 100;
      if (h <= 23 && m <= 59) {
        std::string &ar = edits.arena();
        const size_t off = ar.size();
        append_time(ar, h, m);
        edits.add_from(begin, end, off);
        return;
      }
    }
  }

  // "плюс три вісім нуль …" → "+380…".
  const size_t plus_tok = a.prev_word(g0.tok_first);
  if (plus_tok != kNone && (prev == "плюс" || prev == "plus")) {
    std::string digits;
    append_groups(digits, a.text, a.toks, a.groups, first, last, false);
    if (digits.size() >= 10 && digits[0] == '3') {
      edits.add(a.toks[plus_tok].begin, end, "+" + digits);
      return;
    }
  }

  if (words == 0 && opt.context != Context::phone) return;  // digits stay as written
  const bool single = last - first == 1 && words == 1;
  if (single && g0.ambiguous && opt.context == Context::any && !ambiguous_is_number(a, g0) &&
      !dash_next_to_numeral(a, g0))
    return;
  std::string &ar = edits.arena();
  const size_t off = ar.size();
  append_groups(ar, a.text, a.toks, a.groups, first, last, lang == Lang::en);
  edits.add_from(begin, end, off);
}

// "пів на третю" → "2:30".
void half_hours(const Analysis &a, Edits &edits, std::vector<bool> &taken) {
  Key k;
  for (const Run &run : a.runs) {
    const Group &g = a.groups[run.group_first];
    if (taken[run.group_first] || !g.ordinal || !g.feminine || g.words != 1 || g.value < 1 || g.value > 12) continue;
    const size_t na = a.prev_word(g.tok_first);
    if (na == kNone || a.key(na, k) != "на") continue;
    const size_t piv = a.prev_word(na);
    if (piv == kNone || a.key(piv, k) != "пів") continue;
    const int h = g.value == 1 ? 12 : static_cast<int>(g.value) - 1;
    std::string &ar = edits.arena();
    const size_t off = ar.size();
    append_time(ar, h, 30);
    edits.add_from(a.toks[piv].begin, a.toks[g.tok_last].end, off);
    taken[run.group_first] = true;
  }
}

// "радіус шістнадцять", "р16", "R 16" outside a full size → "R16".
void lone_rims(const Analysis &a, Edits &edits, std::vector<bool> &taken) {
  Key k;
  for (const Run &run : a.runs) {
    const uint32_t g = run.group_first;
    if (taken[g] || a.group_digits(g) != 2) continue;
    const Group &grp = a.groups[g];
    const int rim = a.group_int(g);
    if (rim < 12 || rim > 24) continue;
    const size_t first = grp.tok_first;
    // "шістнадцятий радіус", "16 радиус": the marker after a lone number.
    if (run.group_last == g + 1) {
      const std::string_view after = a.next_key(grp.tok_last, k);
      if (after.starts_with("радіус") || after.starts_with("радиус")) {
        const size_t mk = a.next_word(grp.tok_last);
        edits.add(a.toks[first].begin, a.toks[mk].end, "R" + std::to_string(rim));
        taken[g] = true;
        continue;
      }
    }
    if (grp.ordinal) continue;
    size_t marker = kNone;
    if (first >= 1 && a.is_word(first - 1)) {
      marker = first - 1;  // glued: "R16", "р16"
    } else if (first >= 2 && a.toks[first - 1].kind == TokKind::space && !a.toks[first - 1].newline &&
               a.is_word(first - 2)) {
      marker = first - 2;
      if (a.key(marker, k) == "р") marker = kNone;  // "2020 р" is a year: a spaced Cyrillic р is not a marker
    }
    if (marker == kNone || !one_of(a.key(marker, k), kRimMarkers)) continue;
    if (a.key(marker, k) == "на") continue;
    const bool c = commercial_suffix(a, grp.tok_last);
    std::string s = "R" + std::to_string(rim) + (c ? "C" : "");
    const size_t begin = a.toks[marker].begin, end = a.toks[grp.tok_last + (c ? 1 : 0)].end;
    if (a.text.substr(begin, end - begin) != s) edits.add(begin, end, s);
    taken[g] = true;
  }
}

void brands(const Analysis &a, Edits &edits) {
  Key k;
  std::string phrase;
  const size_t n = a.toks.size();
  for (size_t i = 0; i < n; ++i) {
    if (!a.is_word(i) || a.info[i].num) continue;
    const std::string_view first = a.key(i, k);
    if (!may_start_brand(first)) continue;
    // Longest phrase first: up to three words separated by single spaces.
    size_t ends[3] = {kNone, kNone, kNone};
    ends[0] = i;
    for (int w = 1; w < 3 && may_start_brand_phrase(first); ++w) {
      const size_t prev = ends[w - 1];
      const size_t j = prev + 2;
      if (prev == kNone || j >= n || a.toks[prev + 1].kind != TokKind::space || a.toks[prev + 1].newline ||
          !a.is_word(j))
        break;
      ends[w] = j;
    }
    for (int w = 2; w >= 0; --w) {
      if (ends[w] == kNone) continue;
      phrase.clear();
      bool ok = true;
      for (size_t j = i; j <= ends[w]; j += 2) {
        const std::string_view key = a.key(j, k);
        if (key.empty()) {
          ok = false;
          break;
        }
        if (!phrase.empty()) phrase.push_back(' ');
        phrase.append(key);
      }
      if (!ok) continue;
      const BrandInfo *b = find_brand(phrase);
      if (!b) continue;
      const size_t begin = a.toks[i].begin, end = a.toks[ends[w]].end;
      if (!edits.overlaps(begin, end) && a.text.substr(begin, end - begin) != b->name) edits.add(begin, end, b->name);
      i = ends[w];
      break;
    }
  }
}

}  // namespace

std::string TyreSize::str() const {
  std::string s = std::to_string(width);
  s.push_back('/');
  s.append(std::to_string(profile));
  s.append(" R");
  s.append(std::to_string(rim));
  if (commercial) s.push_back('C');
  return s;
}

bool valid_tyre_size(int width, int profile, int rim) {
  return width >= 135 && width <= 355 && width % 5 == 0 && profile >= 25 && profile <= 85 && profile % 5 == 0 &&
         rim >= 12 && rim <= 24;
}

std::vector<TyreSize> find_tyre_sizes(std::string_view text, Lang lang) {
  const Analysis a(text, lang, false);
  std::vector<FoundSize> found;
  find_sizes(a, found);
  std::vector<TyreSize> out;
  out.reserve(found.size());
  for (const FoundSize &f : found) out.push_back(f.size);
  return out;
}

std::optional<TyreSize> find_tyre_size(std::string_view text, Lang lang) {
  const Analysis a(text, lang, false);
  std::vector<FoundSize> found;
  find_sizes(a, found);
  if (found.empty()) return std::nullopt;
  return found.front().size;
}

std::string normalize_transcript(std::string_view text, Lang lang, const NormalizeOptions &opt) {
  const Analysis a(text, lang, opt.context == Context::phone);
  Edits edits;
  std::vector<bool> taken(a.groups.size(), false);
  if (opt.sizes && opt.context != Context::phone) {
    std::vector<FoundSize> found;
    find_sizes(a, found);
    for (const FoundSize &f : found) {
      edits.add(f.size.begin, f.size.end, f.size.str());
      for (uint32_t g = f.group_first; g <= f.group_last; ++g) taken[g] = true;
    }
    lone_rims(a, edits, taken);
  }
  half_hours(a, edits, taken);
  for (const Run &run : a.runs) {
    uint32_t g = run.group_first;
    while (g < run.group_last) {
      while (g < run.group_last && taken[g]) ++g;
      uint32_t e = g;
      while (e < run.group_last && !taken[e]) ++e;
      convert_groups(a, edits, lang, opt, g, e);
      g = e;
    }
  }
  if (opt.brands) brands(a, edits);
  if (edits.empty()) return std::string(text);
  return edits.apply(text);
}

}  // namespace ca::text
