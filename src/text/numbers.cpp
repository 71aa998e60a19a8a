#include "text/numbers.hpp"

#include <array>
#include <vector>

#include "text/numerals.hpp"
#include "text/scan.hpp"

namespace ca::text {

namespace {

using SV = std::string_view;

// Index 0 of each table is unused where the component cannot be 0.
struct CardinalTable {
  std::array<SV, 10> units;       // masculine nominative, [0] = zero
  std::array<SV, 10> teens;       // 10..19
  std::array<SV, 10> tens;        // [2..9]
  std::array<SV, 10> hundreds;    // [1..9]
  SV one_f, one_n, two_f, two_n;  // nominative
  SV one_f_acc;                   // "одну"
  std::array<SV, 10> units_gen;   // [1] masculine/neuter
  SV one_f_gen;
  std::array<SV, 10> teens_gen;
  std::array<SV, 10> tens_gen;
  std::array<SV, 10> hundreds_gen;
  SV minus;
};

const CardinalTable kUk = {
    {"нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять"},
    {"десять", "одинадцять", "дванадцять", "тринадцять", "чотирнадцять", "п'ятнадцять", "шістнадцять", "сімнадцять",
     "вісімнадцять", "дев'ятнадцять"},
    {"", "", "двадцять", "тридцять", "сорок", "п'ятдесят", "шістдесят", "сімдесят", "вісімдесят", "дев'яносто"},
    {"", "сто", "двісті", "триста", "чотириста", "п'ятсот", "шістсот", "сімсот", "вісімсот", "дев'ятсот"},
    "одна",
    "одне",
    "дві",
    "два",
    "одну",
    {"нуля", "одного", "двох", "трьох", "чотирьох", "п'яти", "шести", "семи", "восьми", "дев'яти"},
    "однієї",
    {"десяти", "одинадцяти", "дванадцяти", "тринадцяти", "чотирнадцяти", "п'ятнадцяти", "шістнадцяти", "сімнадцяти",
     "вісімнадцяти", "дев'ятнадцяти"},
    {"", "", "двадцяти", "тридцяти", "сорока", "п'ятдесяти", "шістдесяти", "сімдесяти", "вісімдесяти", "дев'яноста"},
    {"", "ста", "двохсот", "трьохсот", "чотирьохсот", "п'ятисот", "шестисот", "семисот", "восьмисот", "дев'ятисот"},
    "мінус"};

const CardinalTable kRu = {
    {"ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"},
    {"десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать", "семнадцать",
     "восемнадцать", "девятнадцать"},
    {"", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"},
    {"", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"},
    "одна",
    "одно",
    "две",
    "два",
    "одну",
    {"ноля", "одного", "двух", "трёх", "четырёх", "пяти", "шести", "семи", "восьми", "девяти"},
    "одной",
    {"десяти", "одиннадцати", "двенадцати", "тринадцати", "четырнадцати", "пятнадцати", "шестнадцати", "семнадцати",
     "восемнадцати", "девятнадцати"},
    {"", "", "двадцати", "тридцати", "сорока", "пятидесяти", "шестидесяти", "семидесяти", "восьмидесяти", "девяноста"},
    {"", "ста", "двухсот", "трёхсот", "четырёхсот", "пятисот", "шестисот", "семисот", "восьмисот", "девятисот"},
    "минус"};

constexpr std::array<SV, 10> kEnUnits = {"zero", "one", "two",   "three", "four",
                                         "five", "six", "seven", "eight", "nine"};
constexpr std::array<SV, 10> kEnTeens = {"ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                         "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::array<SV, 10> kEnTens = {"",      "",      "twenty",  "thirty", "forty",
                                        "fifty", "sixty", "seventy", "eighty", "ninety"};

// A scale noun (тисяча, мільйон …): nominative, accusative and genitive by plural category.
struct Scale {
  int64_t size;
  Gender gender;
  std::array<SV, 3> nom, acc, gen;  // one, few, many
};

const Scale kUkScales[] = {
    {1000000000,
     Gender::masculine,
     {"мільярд", "мільярди", "мільярдів"},
     {"мільярд", "мільярди", "мільярдів"},
     {"мільярда", "мільярдів", "мільярдів"}},
    {1000000,
     Gender::masculine,
     {"мільйон", "мільйони", "мільйонів"},
     {"мільйон", "мільйони", "мільйонів"},
     {"мільйона", "мільйонів", "мільйонів"}},
    {1000,
     Gender::feminine,
     {"тисяча", "тисячі", "тисяч"},
     {"тисячу", "тисячі", "тисяч"},
     {"тисячі", "тисяч", "тисяч"}},
};
const Scale kRuScales[] = {
    {1000000000,
     Gender::masculine,
     {"миллиард", "миллиарда", "миллиардов"},
     {"миллиард", "миллиарда", "миллиардов"},
     {"миллиарда", "миллиардов", "миллиардов"}},
    {1000000,
     Gender::masculine,
     {"миллион", "миллиона", "миллионов"},
     {"миллион", "миллиона", "миллионов"},
     {"миллиона", "миллионов", "миллионов"}},
    {1000,
     Gender::feminine,
     {"тысяча", "тысячи", "тысяч"},
     {"тысячу", "тысячи", "тысяч"},
     {"тысячи", "тысяч", "тысяч"}},
};

constexpr int64_t kMaxSpelled = 1000000000000;

void sep(std::string &out, size_t mark) {
  if (out.size() > mark) out.push_back(' ');
}

// 1..999 in uk/ru.
void triad_cyr(std::string &out, const CardinalTable &t, int64_t v, Gender g, Case c) {
  const size_t mark = out.size();
  const bool gen = c == Case::genitive;
  const auto h = static_cast<size_t>(v / 100);
  const auto r = static_cast<size_t>(v % 100);
  if (h > 0) out.append(gen ? t.hundreds_gen[h] : t.hundreds[h]);
  if (r >= 10 && r < 20) {
    sep(out, mark);
    out.append(gen ? t.teens_gen[r - 10] : t.teens[r - 10]);
    return;
  }
  const size_t tn = r / 10, u = r % 10;
  if (tn >= 2) {
    sep(out, mark);
    out.append(gen ? t.tens_gen[tn] : t.tens[tn]);
  }
  if (u == 0) return;
  sep(out, mark);
  if (gen) {
    out.append(u == 1 && g == Gender::feminine ? t.one_f_gen : t.units_gen[u]);
  } else if (u == 1) {
    out.append(g == Gender::feminine ? (c == Case::accusative ? t.one_f_acc : t.one_f)
               : g == Gender::neuter ? t.one_n
                                     : t.units[1]);
  } else if (u == 2) {
    out.append(g == Gender::feminine ? t.two_f : g == Gender::neuter ? t.two_n : t.units[2]);
  } else {
    out.append(t.units[u]);
  }
}

void cardinal_cyr(std::string &out, int64_t n, Lang lang, Gender g, Case c) {
  const CardinalTable &t = lang == Lang::ru ? kRu : kUk;
  if (c != Case::genitive && c != Case::accusative) c = Case::nominative;
  if (n < 0) {
    out.append(t.minus);
    out.push_back(' ');
    n = -n;
  }
  if (n == 0) {
    out.append(c == Case::genitive ? t.units_gen[0] : t.units[0]);
    return;
  }
  if (n >= kMaxSpelled) {  // beyond billions: nobody says it, read the digits
    append_digit_words(out, std::to_string(n), lang);
    return;
  }
  const size_t mark = out.size();
  const Scale *scales = lang == Lang::ru ? kRuScales : kUkScales;
  for (int i = 0; i < 3; ++i) {
    const Scale &s = scales[i];
    const int64_t k = (n / s.size) % 1000;
    if (k == 0) continue;
    sep(out, mark);
    const Plural p = plural_category(k, lang);
    const auto pi = static_cast<size_t>(p);
    // "тисяча", "мільйон" for exactly one, not "одна тисяча".
    if (k != 1) {
      triad_cyr(out, t, k, s.gender, c);
      out.push_back(' ');
    }
    out.append(c == Case::genitive ? s.gen[pi] : c == Case::accusative ? s.acc[pi] : s.nom[pi]);
  }
  const int64_t rest = n % 1000;
  if (rest > 0) {
    sep(out, mark);
    triad_cyr(out, t, rest, g, c);
  }
}

void triad_en(std::string &out, int64_t v) {
  const size_t mark = out.size();
  const auto h = static_cast<size_t>(v / 100);
  const auto r = static_cast<size_t>(v % 100);
  if (h > 0) {
    out.append(kEnUnits[h]);
    out.append(" hundred");
  }
  if (r == 0) return;
  sep(out, mark);
  if (r < 10) {
    out.append(kEnUnits[r]);
  } else if (r < 20) {
    out.append(kEnTeens[r - 10]);
  } else {
    out.append(kEnTens[r / 10]);
    if (r % 10) {
      out.push_back('-');
      out.append(kEnUnits[r % 10]);
    }
  }
}

void cardinal_en(std::string &out, int64_t n) {
  if (n < 0) {
    out.append("minus ");
    n = -n;
  }
  if (n == 0) {
    out.append("zero");
    return;
  }
  if (n >= kMaxSpelled) {
    append_digit_words(out, std::to_string(n), Lang::en);
    return;
  }
  const size_t mark = out.size();
  const std::pair<int64_t, SV> scales[] = {{1000000000, "billion"}, {1000000, "million"}, {1000, "thousand"}};
  for (const auto &[size, name] : scales) {
    const int64_t k = (n / size) % 1000;
    if (k == 0) continue;
    sep(out, mark);
    triad_en(out, k);
    out.push_back(' ');
    out.append(name);
  }
  if (n % 1000) {
    sep(out, mark);
    triad_en(out, n % 1000);
  }
}

// ---- ordinals ----

struct OrdinalStems {
  std::array<SV, 10> units;  // [0] = zero
  std::array<SV, 10> teens;
  std::array<SV, 10> tens;
  std::array<SV, 10> hundreds;
  SV thousand, million;
};

const OrdinalStems kUkOrd = {
    {"нульов", "перш", "друг", "трет", "четверт", "п'ят", "шост", "сьом", "восьм", "дев'ят"},
    {"десят", "одинадцят", "дванадцят", "тринадцят", "чотирнадцят", "п'ятнадцят", "шістнадцят", "сімнадцят",
     "вісімнадцят", "дев'ятнадцят"},
    {"", "", "двадцят", "тридцят", "сороков", "п'ятдесят", "шістдесят", "сімдесят", "вісімдесят", "дев'яност"},
    {"", "сот", "двохсот", "трьохсот", "чотирьохсот", "п'ятисот", "шестисот", "семисот", "восьмисот", "дев'ятисот"},
    "тисячн",
    "мільйонн"};
const OrdinalStems kRuOrd = {
    {"нулев", "перв", "втор", "трет", "четвёрт", "пят", "шест", "седьм", "восьм", "девят"},
    {"десят", "одиннадцат", "двенадцат", "тринадцат", "четырнадцат", "пятнадцат", "шестнадцат", "семнадцат",
     "восемнадцат", "девятнадцат"},
    {"", "", "двадцат", "тридцат", "сороков", "пятидесят", "шестидесят", "семидесят", "восьмидесят", "девяност"},
    {"", "сот", "двухсот", "трёхсот", "четырёхсот", "пятисот", "шестисот", "семисот", "восьмисот", "девятисот"},
    "тысячн",
    "миллионн"};

// [case][gender] with gender order masculine, feminine, neuter.
using Endings = std::array<std::array<SV, 3>, 6>;
constexpr Endings kUkHard = {{{"ий", "а", "е"},
                              {"ого", "ої", "ого"},
                              {"ому", "ій", "ому"},
                              {"ий", "у", "е"},
                              {"им", "ою", "им"},
                              {"ому", "ій", "ому"}}};
constexpr Endings kUkSoft = {{{"ій", "я", "є"},
                              {"ього", "ьої", "ього"},
                              {"ьому", "ій", "ьому"},
                              {"ій", "ю", "є"},
                              {"ім", "ьою", "ім"},
                              {"ьому", "ій", "ьому"}}};
constexpr Endings kRuHard = {{{"ый", "ая", "ое"},
                              {"ого", "ой", "ого"},
                              {"ому", "ой", "ому"},
                              {"ый", "ую", "ое"},
                              {"ым", "ой", "ым"},
                              {"ом", "ой", "ом"}}};
constexpr Endings kRuSoft = {{{"ий", "ья", "ье"},
                              {"ьего", "ьей", "ьего"},
                              {"ьему", "ьей", "ьему"},
                              {"ий", "ью", "ье"},
                              {"ьим", "ьей", "ьим"},
                              {"ьем", "ьей", "ьем"}}};

void ordinal_ending(std::string &out, SV stem, Lang lang, Gender g, Case c) {
  const auto ci = static_cast<size_t>(c), gi = static_cast<size_t>(g);
  out.append(stem);
  const bool soft = stem == "трет";
  if (lang == Lang::ru) {
    const bool stressed = stem == "втор" || stem == "шест" || stem == "седьм" || stem == "восьм" || stem == "сороков";
    SV e = (soft ? kRuSoft : kRuHard)[ci][gi];
    if (stressed && e == "ый") e = "ой";
    out.append(e);
  } else {
    out.append((soft ? kUkSoft : kUkHard)[ci][gi]);
  }
}

void ordinal_cyr(std::string &out, int64_t n, Lang lang, Gender g, Case c) {
  const OrdinalStems &st = lang == Lang::ru ? kRuOrd : kUkOrd;
  if (n < 0) {
    out.append(lang == Lang::ru ? "минус " : "мінус ");
    n = -n;
  }
  if (n == 0) {
    ordinal_ending(out, st.units[0], lang, g, c);
    return;
  }
  const int64_t r = n % 1000;
  if (r == 0) {
    // Round thousands and millions are one compound word: тисячний, двохтисячний, мільйонний.
    const bool millions = n % 1000000 == 0;
    const int64_t scale = millions ? 1000000 : 1000;
    const int64_t k = (n / scale) % 1000;
    const int64_t prefix = n - k * scale;
    if (prefix > 0) {
      cardinal_cyr(out, prefix, lang, Gender::masculine, Case::nominative);
      out.push_back(' ');
    }
    if (k > 1) {
      std::string g_words;
      cardinal_cyr(g_words, k, lang, Gender::masculine, Case::genitive);
      for (const char ch : g_words)
        if (ch != ' ') out.push_back(ch);
    }
    ordinal_ending(out, millions ? st.million : st.thousand, lang, g, c);
    return;
  }
  int64_t last;
  SV stem;
  const int64_t r100 = r % 100;
  if (r100 >= 10 && r100 < 20) {
    last = r100;
    stem = st.teens[static_cast<size_t>(r100 - 10)];
  } else if (r100 % 10 != 0) {
    last = r100 % 10;
    stem = st.units[static_cast<size_t>(last)];
  } else if (r100 != 0) {
    last = r100;
    stem = st.tens[static_cast<size_t>(r100 / 10)];
  } else {
    last = r;
    stem = st.hundreds[static_cast<size_t>(r / 100)];
  }
  if (n - last > 0) {
    cardinal_cyr(out, n - last, lang, Gender::masculine, Case::nominative);
    out.push_back(' ');
  }
  ordinal_ending(out, stem, lang, g, c);
}

void ordinal_en(std::string &out, int64_t n) {
  const size_t mark = out.size();
  cardinal_en(out, n);
  // Rewrite the last word (after the last space or hyphen).
  size_t cut = out.find_last_of(" -");
  cut = (cut == std::string::npos || cut < mark) ? mark : cut + 1;
  const std::string last = out.substr(cut);
  out.resize(cut);
  static const std::pair<SV, SV> irregular[] = {{"one", "first"},     {"two", "second"},   {"three", "third"},
                                                {"five", "fifth"},    {"eight", "eighth"}, {"nine", "ninth"},
                                                {"twelve", "twelfth"}};
  for (const auto &[card, ord] : irregular) {
    if (last == card) {
      out.append(ord);
      return;
    }
  }
  if (!last.empty() && last.back() == 'y') {
    out.append(last, 0, last.size() - 1);
    out.append("ieth");
  } else {
    out.append(last);
    out.append("th");
  }
}

}  // namespace

Plural plural_category(int64_t n, Lang lang) {
  if (n < 0) n = -n;
  if (lang == Lang::en) return n == 1 ? Plural::one : Plural::many;
  const int64_t r100 = n % 100, r10 = n % 10;
  if (r100 >= 11 && r100 <= 14) return Plural::many;
  if (r10 == 1) return Plural::one;
  if (r10 >= 2 && r10 <= 4) return Plural::few;
  return Plural::many;
}

void append_number_words(std::string &out, int64_t n, Lang lang, Gender gender, Case c) {
  if (lang == Lang::en)
    cardinal_en(out, n);
  else
    cardinal_cyr(out, n, lang, gender, c);
}

std::string number_to_words(int64_t n, Lang lang, Gender gender, Case c) {
  std::string out;
  append_number_words(out, n, lang, gender, c);
  return out;
}

void append_ordinal_words(std::string &out, int64_t n, Lang lang, Gender gender, Case c) {
  if (lang == Lang::en)
    ordinal_en(out, n);
  else
    ordinal_cyr(out, n, lang, gender, c);
}

std::string ordinal_to_words(int64_t n, Lang lang, Gender gender, Case c) {
  std::string out;
  append_ordinal_words(out, n, lang, gender, c);
  return out;
}

void append_digit_words(std::string &out, std::string_view digits, Lang lang) {
  bool first = true;
  for (const char ch : digits) {
    if (ch < '0' || ch > '9') continue;
    if (!first) out.push_back(' ');
    first = false;
    const auto d = static_cast<size_t>(ch - '0');
    out.append(lang == Lang::en ? kEnUnits[d] : lang == Lang::ru ? kRu.units[d] : kUk.units[d]);
  }
}

std::string words_to_digits(std::string_view text, Lang lang) {
  std::vector<detail::Token> toks;
  std::vector<detail::TokInfo> info;
  std::vector<detail::Run> runs;
  std::vector<detail::Group> groups;
  detail::tokenize(text, toks);
  detail::classify_tokens(text, toks, info);
  const bool english = lang == Lang::en;
  detail::find_runs(text, toks, info, english, false, runs, groups);
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const detail::Run &r : runs) {
    if (r.words == 0) continue;  // digits only: leave as written
    const size_t b = toks[r.tok_first].begin, e = toks[r.tok_last].end;
    out.append(text.substr(pos, b - pos));
    detail::append_groups(out, text, toks, groups, r.group_first, r.group_last, english);
    pos = e;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace ca::text
