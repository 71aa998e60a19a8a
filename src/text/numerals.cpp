#include "text/numerals.hpp"

#include <functional>
#include <string>
#include <unordered_map>

namespace ca::text::detail {

namespace {

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using Lexicon = std::unordered_map<std::string, Numeral, Hash, std::equal_to<>>;

class Builder {
 public:
  explicit Builder(Lexicon &lex) : lex_(lex) {}

  void add(const std::string &key, int32_t value, NumClass cls, uint8_t flags = 0) {
    put(key, value, cls, flags);
    // Recognisers often drop the apostrophe: "пятнадцять", "девяносто".
    if (key.find('\'') != std::string::npos) {
      std::string bare;
      for (const char c : key)
        if (c != '\'') bare.push_back(c);
      put(bare, value, cls, flags);
    }
  }

  void add_all(std::initializer_list<const char *> keys, int32_t value, NumClass cls, uint8_t flags = 0) {
    for (const char *k : keys) add(k, value, cls, flags);
  }

  // stem + each ending.
  void add_stem(const std::string &stem, std::initializer_list<const char *> endings, int32_t value, NumClass cls,
                uint8_t flags = 0) {
    for (const char *e : endings) add(stem + e, value, cls, flags);
  }

 private:
  void put(const std::string &key, int32_t value, NumClass cls, uint8_t flags) {
    auto [it, inserted] = lex_.try_emplace(key, Numeral{value, cls, flags});
    if (inserted) return;
    // A cardinal form wins over an ordinal one spelled the same ("дев'яноста" is the genitive of
    // 90 far more often than "the ninetieth", feminine).
    if ((it->second.flags & kOrdinal) == 0 && (flags & kOrdinal) != 0) return;
    it->second.flags = static_cast<uint8_t>(it->second.flags | flags);
  }
  Lexicon &lex_;
};

NumClass class_of(int32_t v) {
  if (v == 0) return NumClass::zero;
  if (v < 10) return NumClass::unit;
  if (v == 10) return NumClass::ten;
  if (v < 20) return NumClass::teen;
  if (v < 100) return NumClass::tens;
  if (v < 1000) return NumClass::hundreds;
  return NumClass::mult;
}

// Ukrainian ordinal endings (hard stems: п'ят-ий; soft: трет-ій), with the feminine ones marked.
struct Ending {
  const char *text;
  bool feminine;
};
constexpr Ending kUkHard[] = {{"ий", false},  {"а", true},   {"е", false},   {"ого", false}, {"ої", true},
                              {"ому", false}, {"ій", true},  {"им", false},  {"ою", true},   {"у", true},
                              {"і", false},   {"их", false}, {"ими", false}, {"ім", false}};
constexpr Ending kUkSoft[] = {{"ій", true},  {"я", true},     {"є", false},  {"ього", false},
                              {"ьої", true}, {"ьому", false}, {"ім", false}, {"ьою", true},
                              {"ю", true},   {"і", false},    {"іх", false}, {"іми", false}};
constexpr Ending kRuHard[] = {{"ая", true},   {"ое", false}, {"ого", false}, {"ой", true},
                              {"ому", false}, {"ым", false}, {"ом", false},  {"ую", true},
                              {"ые", false},  {"ых", false}, {"ыми", false}};
constexpr Ending kRuSoft[] = {{"ий", false}, {"ья", true},    {"ье", false},  {"ьего", false},
                              {"ьей", true}, {"ьему", false}, {"ьим", false}, {"ьем", false},
                              {"ью", true},  {"ьи", false},   {"ьих", false}, {"ьими", false}};

template <size_t N>
void add_ordinal(Builder &b, const std::string &stem, const Ending (&endings)[N], int32_t value, uint8_t extra = 0) {
  for (const Ending &e : endings) {
    const uint8_t flags = static_cast<uint8_t>(kOrdinal | extra | (e.feminine ? kFeminine : 0));
    b.add(stem + e.text, value, class_of(value), flags);
  }
}

// Russian hard stems: the masculine nominative is -ый, or -ой when stressed (второй, шестой).
void add_ru_ordinal(Builder &b, const std::string &stem, bool stressed, int32_t value, uint8_t extra = 0) {
  add_ordinal(b, stem, kRuHard, value, extra);
  b.add(stem + (stressed ? "ой" : "ый"), value, class_of(value), static_cast<uint8_t>(kOrdinal | extra));
}

void build_uk(Builder &b) {
  const uint8_t one = kOneForm | kAmbiguous;
  b.add_all({"нуль", "нуля", "нулю", "нулем", "нулі", "нулів", "ноль", "ноля", "нолю", "нолем"}, 0, NumClass::zero);
  b.add_all({"один", "одна", "одне", "одно", "одного", "одної", "однієї", "одному", "одній", "одним", "одною", "однією",
             "одну", "одні", "одних", "одними"},
            1, NumClass::unit, one);
  b.add_all({"два", "дві", "двох", "двом", "двома", "двоє", "двух"}, 2, NumClass::unit);
  b.add_all({"три", "трьох", "трьом", "трьома", "троє"}, 3, NumClass::unit);
  b.add_all({"чотири", "чотирьох", "чотирьом", "чотирма", "четверо"}, 4, NumClass::unit);
  b.add_all({"шість", "шести", "шістьох", "шістьом", "шістьма", "шістьома", "шестеро"}, 6, NumClass::unit);
  // "сьома" is left to the ordinal (о сьомій, сьома година), not the rare instrumental of сім.
  b.add_all({"сім", "семи", "сімох", "сімом", "сімома", "семеро"}, 7, NumClass::unit);
  b.add_all({"вісім", "восьми", "вісьмох", "вісьмом", "вісьма", "вісьмома", "восьмеро"}, 8, NumClass::unit);
  // Everything declined like п'ять: -ь, -и, -ьох, -ьом, -ьма, -ьома.
  struct Soft {
    const char *stem;
    int32_t value;
  };
  const Soft soft[] = {{"п'ят", 5},          {"дев'ят", 9},     {"десят", 10},       {"одинадцят", 11},
                       {"дванадцят", 12},    {"тринадцят", 13}, {"чотирнадцят", 14}, {"п'ятнадцят", 15},
                       {"шістнадцят", 16},   {"шіснадцят", 16}, {"сімнадцят", 17},   {"вісімнадцят", 18},
                       {"дев'ятнадцят", 19}, {"двадцят", 20},   {"тридцят", 30}};
  for (const Soft &s : soft) b.add_stem(s.stem, {"ь", "и", "ьох", "ьом", "ьма", "ьома"}, s.value, class_of(s.value));
  b.add("п'ятеро", 5, NumClass::unit);
  b.add("дев'ятеро", 9, NumClass::unit);
  b.add("десятеро", 10, NumClass::ten);
  const Soft hard[] = {{"п'ятдесят", 50}, {"шістдесят", 60}, {"сімдесят", 70}, {"вісімдесят", 80}};
  for (const Soft &s : hard) b.add_stem(s.stem, {"", "и", "ьох", "ьом", "ьма", "ьома"}, s.value, NumClass::tens);
  // Russian-style oblique forms that Ukrainian speakers use too.
  b.add("п'ятидесяти", 50, NumClass::tens);
  b.add("шестидесяти", 60, NumClass::tens);
  b.add("семидесяти", 70, NumClass::tens);
  b.add("восьмидесяти", 80, NumClass::tens);
  b.add_all({"сорок", "сорока"}, 40, NumClass::tens);
  b.add_all({"дев'яносто", "дев'яноста"}, 90, NumClass::tens);
  b.add_all({"сто", "ста"}, 100, NumClass::hundreds);
  b.add_all({"двісті", "двісти", "двохсот", "двомстам", "двомастами", "двохстах", "двухсот"}, 200, NumClass::hundreds);
  b.add_all({"триста", "трьохсот", "трьомстам", "трьомастами", "трьохстах"}, 300, NumClass::hundreds);
  b.add_all({"чотириста", "чотирьохсот", "чотирьомстам", "чотирмастами", "чотирьохстах"}, 400, NumClass::hundreds);
  b.add_all({"п'ятсот", "п'ятисот", "п'ятистам", "п'ятьмастами", "п'ятьомастами", "п'ятистах"}, 500,
            NumClass::hundreds);
  b.add_all({"шістсот", "шестисот", "шестистам", "шістьмастами", "шестистах"}, 600, NumClass::hundreds);
  b.add_all({"сімсот", "семисот", "семистам", "сьомастами", "семистах"}, 700, NumClass::hundreds);
  b.add_all({"вісімсот", "восьмисот", "восьмистам", "вісьмастами", "восьмистах"}, 800, NumClass::hundreds);
  b.add_all({"дев'ятсот", "дев'ятисот", "дев'ятистам", "дев'ятьмастами", "дев'ятистах"}, 900, NumClass::hundreds);
  b.add_all({"тисяча", "тисячу", "тисячею"}, 1000, NumClass::mult);
  b.add_all({"тисячі", "тисяч", "тисячам", "тисячами", "тисячах"}, 1000, NumClass::mult, kAmbiguous);
  b.add_all({"мільйон", "мільйона", "мільйону", "мільйоном", "мільйоні"}, 1000000, NumClass::mult);
  b.add_all({"мільйони", "мільйонів", "мільйонам", "мільйонами", "мільйонах"}, 1000000, NumClass::mult, kAmbiguous);

  add_ordinal(b, "нульов", kUkHard, 0);
  add_ordinal(b, "перш", kUkHard, 1, kAmbiguous);
  add_ordinal(b, "друг", kUkHard, 2, kAmbiguous);
  add_ordinal(b, "трет", kUkSoft, 3);
  const Soft ord[] = {
      {"четверт", 4},       {"п'ят", 5},          {"шост", 6},        {"сьом", 7},          {"восьм", 8},
      {"дев'ят", 9},        {"десят", 10},        {"одинадцят", 11},  {"дванадцят", 12},    {"тринадцят", 13},
      {"чотирнадцят", 14},  {"п'ятнадцят", 15},   {"шістнадцят", 16}, {"шіснадцят", 16},    {"сімнадцят", 17},
      {"вісімнадцят", 18},  {"дев'ятнадцят", 19}, {"двадцят", 20},    {"тридцят", 30},      {"сороков", 40},
      {"п'ятдесят", 50},    {"шістдесят", 60},    {"сімдесят", 70},   {"вісімдесят", 80},   {"дев'яност", 90},
      {"сот", 100},         {"двохсот", 200},     {"двухсот", 200},   {"трьохсот", 300},    {"трисот", 300},
      {"чотирьохсот", 400}, {"чотирисот", 400},   {"п'ятисот", 500},  {"п'ятсот", 500},     {"шестисот", 600},
      {"шістсот", 600},     {"семисот", 700},     {"сімсот", 700},    {"восьмисот", 800},   {"вісімсот", 800},
      {"дев'ятисот", 900},  {"дев'ятсот", 900},   {"тисячн", 1000},   {"мільйонн", 1000000}};
  for (const Soft &s : ord) add_ordinal(b, s.stem, kUkHard, s.value);
  // Round thousands are one word: двохтисячний (рік).
  const char *k_gen[] = {"двох", "трьох", "чотирьох", "п'яти", "шести", "семи", "восьми", "дев'яти"};
  for (int32_t k = 0; k < 8; ++k) add_ordinal(b, std::string(k_gen[k]) + "тисячн", kUkHard, (k + 2) * 1000);
}

void build_ru(Builder &b) {
  const uint8_t one = kOneForm | kAmbiguous;
  b.add_all({"ноль", "нуль", "ноля", "нуля", "нолю", "нулю", "нолем", "нулем"}, 0, NumClass::zero);
  b.add_all({"один", "одна", "одно", "одного", "одной", "одному", "одним", "одною", "одну", "одни", "одних", "одними",
             "одном"},
            1, NumClass::unit, one);
  b.add_all({"два", "две", "двух", "двум", "двумя", "двое"}, 2, NumClass::unit);
  b.add_all({"три", "трех", "трем", "тремя", "трое"}, 3, NumClass::unit);
  b.add_all({"четыре", "четырех", "четырем", "четырьмя", "четверо"}, 4, NumClass::unit);
  b.add_all({"пять", "пяти", "пятью", "пятеро"}, 5, NumClass::unit);
  b.add_all({"шесть", "шести", "шестью", "шестеро"}, 6, NumClass::unit);
  b.add_all({"семь", "семи", "семеро"}, 7, NumClass::unit);  // not "семью": it is "family" too
  b.add_all({"восемь", "восьми", "восемью", "восьмью", "восьмеро"}, 8, NumClass::unit);
  b.add_all({"девять", "девяти", "девятью", "девятеро"}, 9, NumClass::unit);
  b.add_all({"десять", "десяти", "десятью", "десятеро"}, 10, NumClass::ten);
  struct Stem {
    const char *stem;
    int32_t value;
  };
  const Stem teens[] = {{"одиннадцат", 11},  {"двенадцат", 12},  {"тринадцат", 13}, {"четырнадцат", 14},
                        {"пятнадцат", 15},   {"шестнадцат", 16}, {"семнадцат", 17}, {"восемнадцат", 18},
                        {"девятнадцат", 19}, {"двадцат", 20},    {"тридцат", 30}};
  for (const Stem &s : teens) b.add_stem(s.stem, {"ь", "и", "ью"}, s.value, class_of(s.value));
  b.add_all({"сорок", "сорока"}, 40, NumClass::tens);
  b.add_all({"пятьдесят", "пятидесяти", "пятьюдесятью"}, 50, NumClass::tens);
  b.add_all({"шестьдесят", "шестидесяти", "шестьюдесятью"}, 60, NumClass::tens);
  b.add_all({"семьдесят", "семидесяти", "семьюдесятью"}, 70, NumClass::tens);
  b.add_all({"восемьдесят", "восьмидесяти", "восемьюдесятью", "восьмьюдесятью"}, 80, NumClass::tens);
  b.add_all({"девяносто", "девяноста"}, 90, NumClass::tens);
  b.add_all({"сто", "ста"}, 100, NumClass::hundreds);
  b.add_all({"двести", "двухсот", "двумстам", "двумястами", "двухстах"}, 200, NumClass::hundreds);
  b.add_all({"триста", "трехсот", "тремстам", "тремястами", "трехстах"}, 300, NumClass::hundreds);
  b.add_all({"четыреста", "четырехсот", "четыремстам", "четырьмястами", "четырехстах"}, 400, NumClass::hundreds);
  b.add_all({"пятьсот", "пятисот", "пятистам", "пятьюстами", "пятистах"}, 500, NumClass::hundreds);
  b.add_all({"шестьсот", "шестисот", "шестистам", "шестьюстами", "шестистах"}, 600, NumClass::hundreds);
  b.add_all({"семьсот", "семисот", "семистам", "семьюстами", "семистах"}, 700, NumClass::hundreds);
  b.add_all({"восемьсот", "восьмисот", "восьмистам", "восьмьюстами", "восемьюстами", "восьмистах"}, 800,
            NumClass::hundreds);
  b.add_all({"девятьсот", "девятисот", "девятистам", "девятьюстами", "девятистах"}, 900, NumClass::hundreds);
  b.add_all({"тысяча", "тысячу", "тысячей", "тысячью"}, 1000, NumClass::mult);
  b.add_all({"тысячи", "тысяч", "тысячам", "тысячами", "тысячах"}, 1000, NumClass::mult, kAmbiguous);
  b.add_all({"миллион", "миллиона", "миллиону", "миллионом", "миллионе"}, 1000000, NumClass::mult);
  b.add_all({"миллионы", "миллионов", "миллионам", "миллионами", "миллионах"}, 1000000, NumClass::mult, kAmbiguous);

  add_ru_ordinal(b, "нулев", false, 0);
  add_ru_ordinal(b, "перв", false, 1, kAmbiguous);
  add_ru_ordinal(b, "втор", true, 2, kAmbiguous);
  add_ordinal(b, "трет", kRuSoft, 3);
  struct Ord {
    const char *stem;
    bool stressed;
    int32_t value;
  };
  const Ord ord[] = {
      {"четверт", false, 4},     {"пят", false, 5},        {"шест", true, 6},           {"седьм", true, 7},
      {"восьм", true, 8},        {"девят", false, 9},      {"десят", false, 10},        {"одиннадцат", false, 11},
      {"двенадцат", false, 12},  {"тринадцат", false, 13}, {"четырнадцат", false, 14},  {"пятнадцат", false, 15},
      {"шестнадцат", false, 16}, {"семнадцат", false, 17}, {"восемнадцат", false, 18},  {"девятнадцат", false, 19},
      {"двадцат", false, 20},    {"тридцат", false, 30},   {"сороков", true, 40},       {"пятидесят", false, 50},
      {"шестидесят", false, 60}, {"семидесят", false, 70}, {"восьмидесят", false, 80},  {"девяност", false, 90},
      {"сот", false, 100},       {"двухсот", false, 200},  {"трехсот", false, 300},     {"четырехсот", false, 400},
      {"пятисот", false, 500},   {"шестисот", false, 600}, {"семисот", false, 700},     {"восьмисот", false, 800},
      {"девятисот", false, 900}, {"тысячн", false, 1000},  {"миллионн", false, 1000000}};
  for (const Ord &o : ord) add_ru_ordinal(b, o.stem, o.stressed, o.value);
  const char *k_gen[] = {"двух", "трех", "четырех", "пяти", "шести", "семи", "восьми", "девяти"};
  for (int32_t k = 0; k < 8; ++k) add_ru_ordinal(b, std::string(k_gen[k]) + "тысячн", false, (k + 2) * 1000);
}

void build_en(Builder &b) {
  b.add_all({"zero", "nought"}, 0, NumClass::zero);
  b.add("one", 1, NumClass::unit, kOneForm | kAmbiguous);
  const char *units[] = {"two", "three", "four", "five", "six", "seven", "eight", "nine"};
  for (int32_t i = 0; i < 8; ++i) b.add(units[i], i + 2, NumClass::unit);
  const char *teens[] = {"ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                         "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  for (int32_t i = 0; i < 10; ++i) b.add(teens[i], 10 + i, class_of(10 + i));
  const char *tens[] = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
  for (int32_t i = 0; i < 8; ++i) b.add(tens[i], 20 + 10 * i, NumClass::tens);
  b.add("fourty", 40, NumClass::tens);
  b.add("hundred", 100, NumClass::hundred);
  b.add("hundreds", 100, NumClass::hundred, kAmbiguous);
  b.add("thousand", 1000, NumClass::mult);
  b.add("thousands", 1000, NumClass::mult, kAmbiguous);
  b.add("million", 1000000, NumClass::mult);
  b.add("millions", 1000000, NumClass::mult, kAmbiguous);

  b.add("zeroth", 0, NumClass::zero, kOrdinal);
  b.add("first", 1, NumClass::unit, kOrdinal | kAmbiguous);
  b.add("second", 2, NumClass::unit, kOrdinal | kAmbiguous);
  const char *ord_units[] = {"third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"};
  for (int32_t i = 0; i < 7; ++i) b.add(ord_units[i], i + 3, NumClass::unit, kOrdinal);
  const char *ord_teens[] = {"tenth",     "eleventh",  "twelfth",     "thirteenth", "fourteenth",
                             "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"};
  for (int32_t i = 0; i < 10; ++i) b.add(ord_teens[i], 10 + i, class_of(10 + i), kOrdinal);
  const char *ord_tens[] = {"twentieth", "thirtieth",  "fortieth",  "fiftieth",
                            "sixtieth",  "seventieth", "eightieth", "ninetieth"};
  for (int32_t i = 0; i < 8; ++i) b.add(ord_tens[i], 20 + 10 * i, NumClass::tens, kOrdinal);
  b.add("hundredth", 100, NumClass::hundred, kOrdinal);
  b.add("thousandth", 1000, NumClass::mult, kOrdinal);
  b.add("millionth", 1000000, NumClass::mult, kOrdinal);
}

const Lexicon &lexicon() {
  static const Lexicon lex = [] {
    Lexicon l;
    l.reserve(2048);
    Builder b(l);
    build_uk(b);
    build_ru(b);
    build_en(b);
    return l;
  }();
  return lex;
}

}  // namespace

const Numeral *find_numeral(std::string_view key) {
  const Lexicon &lex = lexicon();
  const auto it = lex.find(key);
  return it == lex.end() ? nullptr : &it->second;
}

RunWord find_run_word(std::string_view key) {
  if (key == "and") return RunWord::and_;
  if (key == "a") return RunWord::a;
  if (key == "oh" || key == "o") return RunWord::oh;
  if (key == "double") return RunWord::double_;
  if (key == "triple") return RunWord::triple_;
  return RunWord::none;
}

void Group::append_digits(std::string &out, std::string_view text, const std::vector<Token> &toks) const {
  if (from_digits) {
    const Token &t = toks[tok_first];
    out.append(text.substr(t.begin, t.size()));
  } else {
    out.append(std::to_string(value));
  }
}

size_t Group::digit_count(const std::vector<Token> &toks) const {
  if (from_digits) return toks[tok_first].size();
  size_t n = 1;
  for (int64_t v = value; v >= 10; v /= 10) ++n;
  return n;
}

namespace {

// A whitespace-free chunk that is a URL, a domain or an e-mail address.
bool looks_like_address(std::string_view chunk) {
  if (chunk.find("://") != std::string_view::npos || chunk.find('@') != std::string_view::npos) return true;
  if (chunk.size() > 4 && (chunk.substr(0, 4) == "www." || chunk.substr(0, 4) == "WWW.")) return true;
  // "shop.ua", "example.com/…": a dot between ASCII letters.
  auto latin = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (size_t i = 1; i + 1 < chunk.size(); ++i)
    if (chunk[i] == '.' && latin(chunk[i - 1]) && latin(chunk[i + 1])) return true;
  return false;
}

}  // namespace

void mark_verbatim(std::string_view text, const std::vector<Token> &toks, std::vector<TokInfo> &info) {
  info.assign(toks.size(), TokInfo{});
  for (size_t i = 0; i < toks.size();) {
    if (toks[i].kind == TokKind::space) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < toks.size() && toks[j].kind != TokKind::space) ++j;
    if (j - i >= 3 && looks_like_address(text.substr(toks[i].begin, toks[j - 1].end - toks[i].begin)))
      for (size_t k = i; k < j; ++k) info[k].verbatim = true;
    i = j;
  }
}

void classify_tokens(std::string_view text, const std::vector<Token> &toks, std::vector<TokInfo> &info) {
  mark_verbatim(text, toks, info);
  Key key;
  for (size_t i = 0; i < toks.size(); ++i) {
    const Token &t = toks[i];
    if (t.kind != TokKind::word || info[i].verbatim) continue;
    key.assign(text.substr(t.begin, t.size()));
    if (!key.ok()) continue;
    info[i].all_caps = key.all_caps();
    // "СТО" is a service station and "ONE" a brand of something, not numbers.
    if (info[i].all_caps) continue;
    info[i].num = find_numeral(key.view());
    if (!info[i].num) info[i].run_word = find_run_word(key.view());
  }
}

namespace {

// A digit token glued to another digit token by . , or : ("2,5", "9:30", "25.11") is part of a
// decimal, a time or a date: it never joins a run.
bool locked_digits(std::string_view text, const std::vector<Token> &toks, size_t i) {
  auto glue = [&](size_t p) {
    const Token &t = toks[p];
    if (t.kind != TokKind::punct || t.size() != 1) return false;
    const char c = text[t.begin];
    return c == '.' || c == ',' || c == ':';
  };
  if (i >= 2 && glue(i - 1) && toks[i - 2].kind == TokKind::digits) return true;
  if (i + 2 < toks.size() && glue(i + 1) && toks[i + 2].kind == TokKind::digits) return true;
  return false;
}

class Folder {
 public:
  Folder(std::vector<Group> &groups) : groups_(groups) {}

  void word(const Numeral &n, uint32_t tok) {
    const bool ordinal = (n.flags & kOrdinal) != 0;
    switch (n.cls) {
      case NumClass::zero:
        close();
        start(tok);
        cur_.zero = true;
        cur_.value = 0;
        mark(n, tok);
        close();
        return;
      case NumClass::mult:
        if (have_ && low_ > 0 && low_ < n.value && last_mult_ > n.value) {
          high_ += low_ * n.value;
          low_ = 0;
          last_mult_ = n.value;
          open_ = n.value;
          cur_.from_digits = false;
          mark(n, tok);
        } else {
          close();
          start(tok);
          high_ = n.value;
          last_mult_ = n.value;
          open_ = n.value;
          mark(n, tok);
        }
        break;
      case NumClass::hundred:
        if (have_ && low_ >= 1 && low_ <= 19) {
          low_ *= 100;
          open_ = 100;
          cur_.from_digits = false;
          mark(n, tok);
        } else {
          close();
          start(tok);
          low_ = 100;
          open_ = 100;
          mark(n, tok);
        }
        break;
      default: {
        if (repeat_ > 0 && n.cls == NumClass::unit) {
          close();
          for (int r = 0; r < repeat_; ++r) {
            start(tok);
            low_ = n.value;
            mark(n, tok);
            close();
          }
          repeat_ = 0;
          return;
        }
        repeat_ = 0;
        if (have_ && !cur_.from_digits && n.value < open_) {
          low_ += n.value;
        } else {
          close();
          start(tok);
          low_ = n.value;
        }
        open_ = n.cls == NumClass::tens ? 10 : n.cls == NumClass::hundreds ? 100 : 1;
        mark(n, tok);
        break;
      }
    }
    if (ordinal) close();  // nothing folds into "двадцятого"
  }

  void digits(std::string_view text, uint32_t tok) {
    close();
    if (repeat_ > 0 && text.size() == 1) {  // "double 5"
      for (int r = 0; r < repeat_; ++r) {
        start(tok);
        cur_.from_digits = true;
        close();
      }
      repeat_ = 0;
      return;
    }
    repeat_ = 0;
    start(tok);
    cur_.from_digits = true;
    // Digits can be multiplied ("5 тисяч") unless they keep leading zeros or are long.
    if (text.size() <= 9 && text[0] != '0') {
      int64_t v = 0;
      for (const char c : text) v = v * 10 + (c - '0');
      low_ = v;
    } else {
      low_ = -1;
    }
    open_ = 0;
  }

  void repeat(int times) {
    close();
    repeat_ = times;
  }

  void close() {
    if (!have_) return;
    if (!cur_.from_digits) cur_.value = high_ + (low_ > 0 ? low_ : 0);
    groups_.push_back(cur_);
    have_ = false;
  }

 private:
  void start(uint32_t tok) {
    have_ = true;
    cur_ = Group{};
    cur_.tok_first = cur_.tok_last = tok;
    high_ = low_ = 0;
    open_ = 0;
    last_mult_ = INT64_MAX;
  }
  void mark(const Numeral &n, uint32_t tok) {
    cur_.tok_last = tok;
    ++cur_.words;
    cur_.ordinal = (n.flags & kOrdinal) != 0;
    cur_.feminine = (n.flags & kFeminine) != 0;
    cur_.ambiguous = cur_.words == 1 && (n.flags & kAmbiguous) != 0;
    cur_.one_form = cur_.words == 1 && (n.flags & kOneForm) != 0;
  }

  std::vector<Group> &groups_;
  Group cur_;
  bool have_ = false;
  int64_t high_ = 0, low_ = 0, open_ = 0, last_mult_ = INT64_MAX;
  int repeat_ = 0;
};

}  // namespace

void find_runs(std::string_view text, const std::vector<Token> &toks, const std::vector<TokInfo> &info, bool english,
               bool join_punct, std::vector<Run> &runs, std::vector<Group> &groups) {
  runs.clear();
  groups.clear();
  const size_t n = toks.size();
  auto is_num = [&](size_t i) { return info[i].num != nullptr; };
  auto is_digit_tok = [&](size_t i) {
    return toks[i].kind == TokKind::digits && toks[i].size() <= 18 && !info[i].verbatim;
  };
  auto punct_is = [&](size_t i, char c) {
    return toks[i].kind == TokKind::punct && toks[i].size() == 1 && text[toks[i].begin] == c;
  };
  auto is_dash = [&](size_t i) {
    if (punct_is(i, '-')) return true;
    if (toks[i].kind != TokKind::punct) return false;
    const std::string_view s = text.substr(toks[i].begin, toks[i].size());
    return s == "\u2010" || s == "\u2011" || s == "\u2013";
  };
  // The next token after a joiner that may continue a run at token i: index or n.
  auto next_after_joiner = [&](size_t i, bool prev_tens_word) -> size_t {
    size_t j = i + 1;
    if (j >= n) return n;
    if (toks[j].kind == TokKind::space) {
      if (toks[j].newline) return n;
      return j + 1 < n ? j + 1 : n;
    }
    if (is_dash(j)) {
      // "twenty-five" joins; "п'ять-шість" is a range and does not.
      if ((english && prev_tens_word) || join_punct) {
        size_t k = j + 1;
        if (join_punct && k < n && toks[k].kind == TokKind::space && !toks[k].newline) ++k;
        return k < n ? k : n;
      }
      return n;
    }
    if (join_punct && punct_is(j, ',')) {
      size_t k = j + 1;
      if (k < n && toks[k].kind == TokKind::space && !toks[k].newline) ++k;
      return k < n ? k : n;
    }
    return n;
  };
  auto starts_value = [&](size_t i) {
    return i < n && ((is_num(i) && info[i].num->cls != NumClass::zero) || (is_digit_tok(i)));
  };

  std::vector<uint32_t> members;
  size_t i = 0;
  while (i < n) {
    // Can a run start here?
    bool start = false;
    if (is_num(i)) {
      start = true;
    } else if (is_digit_tok(i)) {
      start = true;
    } else if (english && info[i].run_word != RunWord::none) {
      const size_t k = next_after_joiner(i, false);
      switch (info[i].run_word) {
        case RunWord::a:
          start = k < n && is_num(k) && (info[k].num->cls == NumClass::hundred || info[k].num->cls == NumClass::mult);
          break;
        case RunWord::oh:
        case RunWord::double_:
        case RunWord::triple_:
          start = k < n && (is_num(k) || is_digit_tok(k));
          break;
        default:
          break;
      }
    }
    // "2,5 тисячі": the multiplier belongs to a decimal, which stays as written.
    if (start && is_num(i) && info[i].num->cls == NumClass::mult && i >= 2 && toks[i - 1].kind == TokKind::space &&
        is_digit_tok(i - 2) && locked_digits(text, toks, i - 2))
      start = false;
    if (!start) {
      ++i;
      continue;
    }
    const bool locked = is_digit_tok(i) && locked_digits(text, toks, i);
    members.clear();
    members.push_back(static_cast<uint32_t>(i));
    size_t last = i;
    while (!locked) {
      const bool tens_word = is_num(last) && info[last].num->cls == NumClass::tens;
      const size_t k = next_after_joiner(last, tens_word);
      if (k >= n) break;
      bool ok = false;
      if (is_num(k)) {
        ok = true;
      } else if (is_digit_tok(k)) {
        ok = !locked_digits(text, toks, k);
      } else if (english) {
        const size_t k2 = next_after_joiner(k, false);
        switch (info[k].run_word) {
          case RunWord::and_:
            ok = is_num(last) && (info[last].num->cls == NumClass::hundred || info[last].num->cls == NumClass::mult) &&
                 starts_value(k2) && !is_digit_tok(k2);
            break;
          case RunWord::oh:
            ok = true;
            break;
          case RunWord::a:
            ok =
                k2 < n && is_num(k2) && (info[k2].num->cls == NumClass::hundred || info[k2].num->cls == NumClass::mult);
            break;
          case RunWord::double_:
          case RunWord::triple_:
            ok = k2 < n && (is_num(k2) || is_digit_tok(k2));
            break;
          default:
            break;
        }
      }
      if (!ok) break;
      members.push_back(static_cast<uint32_t>(k));
      last = k;
    }
    // A trailing "and"/"a"/"double" that found nothing after it is not part of the run.
    while (members.size() > 1 && !is_num(members.back()) && !is_digit_tok(members.back()) &&
           info[members.back()].run_word != RunWord::oh)
      members.pop_back();
    // A lone "oh" is an interjection.
    if (members.size() == 1 && !is_num(members[0]) && !is_digit_tok(members[0])) {
      ++i;
      continue;
    }

    Run run;
    run.tok_first = members.front();
    run.tok_last = members.back();
    run.group_first = static_cast<uint32_t>(groups.size());
    Folder folder(groups);
    for (const uint32_t m : members) {
      if (is_num(m)) {
        folder.word(*info[m].num, m);
        ++run.words;
      } else if (is_digit_tok(m)) {
        folder.digits(text.substr(toks[m].begin, toks[m].size()), m);
        ++run.digit_tokens;
      } else {
        switch (info[m].run_word) {
          case RunWord::oh:
            folder.word(Numeral{0, NumClass::zero, 0}, m);
            ++run.words;
            break;
          case RunWord::a:
            folder.word(Numeral{1, NumClass::unit, 0}, m);
            ++run.words;
            break;
          case RunWord::double_:
            folder.repeat(2);
            break;
          case RunWord::triple_:
            folder.repeat(3);
            break;
          default:
            break;  // "and"
        }
      }
    }
    folder.close();
    run.group_last = static_cast<uint32_t>(groups.size());
    runs.push_back(run);
    i = last + 1;
  }
}

void append_groups(std::string &out, std::string_view text, const std::vector<Token> &toks,
                   const std::vector<Group> &groups, uint32_t first, uint32_t last, bool english) {
  for (uint32_t g = first; g < last; ++g) groups[g].append_digits(out, text, toks);
  if (!english || last == first || !groups[last - 1].ordinal) return;
  const int64_t v = groups[last - 1].value;
  const int64_t t = v % 100;
  const char *suffix = (t >= 11 && t <= 13) ? "th"
                       : v % 10 == 1        ? "st"
                       : v % 10 == 2        ? "nd"
                       : v % 10 == 3        ? "rd"
                                            : "th";
  out.append(suffix);
}

}  // namespace ca::text::detail
