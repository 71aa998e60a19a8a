#include "text/speech.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "text/brands.hpp"
#include "text/numerals.hpp"
#include "text/scan.hpp"

namespace ca::text {

namespace {

using namespace detail;
using SV = std::string_view;
constexpr size_t kNone = SIZE_MAX;

// ---- nouns that agree with a number ----

struct Noun {
  Gender gender;
  std::array<SV, 3> nom, acc, gen;  // by Plural: one, few, many
};

// A noun whose accusative is its nominative (masculine inanimate, indeclinable).
constexpr Noun inanimate(Gender g, std::array<SV, 3> nom, std::array<SV, 3> gen) { return {g, nom, nom, gen}; }

void append_noun(std::string &out, const Noun &n, int64_t count, Lang lang, Case c, bool fraction = false) {
  if (fraction) {  // "2,5 кілометра": a fraction takes the genitive singular; English the plural
    out.append(lang == Lang::en ? n.nom[2] : n.gen[0]);
    return;
  }
  const auto p = static_cast<size_t>(plural_category(count, lang));
  out.append(c == Case::genitive ? n.gen[p] : c == Case::accusative ? n.acc[p] : n.nom[p]);
}

const Noun kUkUah = {Gender::feminine,
                     {"гривня", "гривні", "гривень"},
                     {"гривню", "гривні", "гривень"},
                     {"гривні", "гривень", "гривень"}};
const Noun kUkKop = {Gender::feminine,
                     {"копійка", "копійки", "копійок"},
                     {"копійку", "копійки", "копійок"},
                     {"копійки", "копійок", "копійок"}};
const Noun kRuUah = {
    Gender::feminine, {"гривна", "гривны", "гривен"}, {"гривну", "гривны", "гривен"}, {"гривны", "гривен", "гривен"}};
const Noun kRuKop = {Gender::feminine,
                     {"копейка", "копейки", "копеек"},
                     {"копейку", "копейки", "копеек"},
                     {"копейки", "копеек", "копеек"}};
const Noun kEnUah =
    inanimate(Gender::masculine, {"hryvnia", "hryvnias", "hryvnias"}, {"hryvnia", "hryvnias", "hryvnias"});
const Noun kEnKop =
    inanimate(Gender::masculine, {"kopiyka", "kopiykas", "kopiykas"}, {"kopiyka", "kopiykas", "kopiykas"});
const Noun kUkUsd = inanimate(Gender::masculine, {"долар", "долари", "доларів"}, {"долара", "доларів", "доларів"});
const Noun kRuUsd =
    inanimate(Gender::masculine, {"доллар", "доллара", "долларов"}, {"доллара", "долларов", "долларов"});
const Noun kEnUsd = inanimate(Gender::masculine, {"dollar", "dollars", "dollars"}, {"dollar", "dollars", "dollars"});
const Noun kUkCent = inanimate(Gender::masculine, {"цент", "центи", "центів"}, {"цента", "центів", "центів"});
const Noun kRuCent = inanimate(Gender::masculine, {"цент", "цента", "центов"}, {"цента", "центов", "центов"});
const Noun kEnCent = inanimate(Gender::masculine, {"cent", "cents", "cents"}, {"cent", "cents", "cents"});
const Noun kUkEur = inanimate(Gender::neuter, {"євро", "євро", "євро"}, {"євро", "євро", "євро"});
const Noun kRuEur = inanimate(Gender::neuter, {"евро", "евро", "евро"}, {"евро", "евро", "евро"});
const Noun kEnEur = inanimate(Gender::masculine, {"euro", "euros", "euros"}, {"euro", "euros", "euros"});

const Noun &major_noun(Currency c, Lang lang) {
  switch (c) {
    case Currency::usd:
      return lang == Lang::ru ? kRuUsd : lang == Lang::en ? kEnUsd : kUkUsd;
    case Currency::eur:
      return lang == Lang::ru ? kRuEur : lang == Lang::en ? kEnEur : kUkEur;
    case Currency::uah:
      break;
  }
  return lang == Lang::ru ? kRuUah : lang == Lang::en ? kEnUah : kUkUah;
}

const Noun &minor_noun(Currency c, Lang lang) {
  if (c == Currency::uah) return lang == Lang::ru ? kRuKop : lang == Lang::en ? kEnKop : kUkKop;
  return lang == Lang::ru ? kRuCent : lang == Lang::en ? kEnCent : kUkCent;
}

// Abbreviated units after a number.
struct Unit {
  Lang lang;
  SV key;
  Noun noun;
};
const Unit kUnits[] = {
    {Lang::uk, "км",
     inanimate(Gender::masculine, {"кілометр", "кілометри", "кілометрів"}, {"кілометра", "кілометрів", "кілометрів"})},
    {Lang::uk,
     "хв",
     {Gender::feminine,
      {"хвилина", "хвилини", "хвилин"},
      {"хвилину", "хвилини", "хвилин"},
      {"хвилини", "хвилин", "хвилин"}}},
    {Lang::uk,
     "год",
     {Gender::feminine, {"година", "години", "годин"}, {"годину", "години", "годин"}, {"години", "годин", "годин"}}},
    {Lang::uk,
     "шт",
     {Gender::feminine, {"штука", "штуки", "штук"}, {"штуку", "штуки", "штук"}, {"штуки", "штук", "штук"}}},
    {Lang::uk, "мм",
     inanimate(Gender::masculine, {"міліметр", "міліметри", "міліметрів"}, {"міліметра", "міліметрів", "міліметрів"})},
    {Lang::uk, "кг",
     inanimate(Gender::masculine, {"кілограм", "кілограми", "кілограмів"}, {"кілограма", "кілограмів", "кілограмів"})},
    {Lang::uk, "%",
     inanimate(Gender::masculine, {"відсоток", "відсотки", "відсотків"}, {"відсотка", "відсотків", "відсотків"})},
    {Lang::uk, "коп", kUkKop},
    {Lang::ru, "км",
     inanimate(Gender::masculine, {"километр", "километра", "километров"}, {"километра", "километров", "километров"})},
    {Lang::ru,
     "мин",
     {Gender::feminine, {"минута", "минуты", "минут"}, {"минуту", "минуты", "минут"}, {"минуты", "минут", "минут"}}},
    {Lang::ru, "ч", inanimate(Gender::masculine, {"час", "часа", "часов"}, {"часа", "часов", "часов"})},
    {Lang::ru,
     "шт",
     {Gender::feminine, {"штука", "штуки", "штук"}, {"штуку", "штуки", "штук"}, {"штуки", "штук", "штук"}}},
    {Lang::ru, "мм",
     inanimate(Gender::masculine, {"миллиметр", "миллиметра", "миллиметров"},
               {"миллиметра", "миллиметров", "миллиметров"})},
    {Lang::ru, "кг",
     inanimate(Gender::masculine, {"килограмм", "килограмма", "килограммов"},
               {"килограмма", "килограммов", "килограммов"})},
    {Lang::ru, "%",
     inanimate(Gender::masculine, {"процент", "процента", "процентов"}, {"процента", "процентов", "процентов"})},
    {Lang::ru, "коп", kRuKop},
    {Lang::en, "km", inanimate(Gender::masculine, {"kilometer", "kilometers", "kilometers"}, {"", "", ""})},
    {Lang::en, "min", inanimate(Gender::masculine, {"minute", "minutes", "minutes"}, {"", "", ""})},
    {Lang::en, "pcs", inanimate(Gender::masculine, {"piece", "pieces", "pieces"}, {"", "", ""})},
    {Lang::en, "mm", inanimate(Gender::masculine, {"millimeter", "millimeters", "millimeters"}, {"", "", ""})},
    {Lang::en, "kg", inanimate(Gender::masculine, {"kilogram", "kilograms", "kilograms"}, {"", "", ""})},
    {Lang::en, "%", inanimate(Gender::masculine, {"percent", "percent", "percent"}, {"", "", ""})},
};

const Noun *find_unit(SV key, Lang lang) {
  for (const Unit &u : kUnits)
    if (u.lang == lang && u.key == key) return &u.noun;
  return nullptr;
}

// A currency word or symbol ("грн", "гривень", "UAH", "₴", "$", "євро").
bool find_currency(SV key, Currency &c) {
  static const std::pair<SV, Currency> table[] = {
      {"грн", Currency::uah},      {"uah", Currency::uah},     {"гривня", Currency::uah},  {"гривні", Currency::uah},
      {"гривень", Currency::uah},  {"гривню", Currency::uah},  {"гривнею", Currency::uah}, {"гривна", Currency::uah},
      {"гривны", Currency::uah},   {"гривен", Currency::uah},  {"гривну", Currency::uah},  {"hryvnia", Currency::uah},
      {"hryvnias", Currency::uah}, {"hryvnas", Currency::uah}, {"₴", Currency::uah},       {"usd", Currency::usd},
      {"дол", Currency::usd},      {"долар", Currency::usd},   {"долари", Currency::usd},  {"доларів", Currency::usd},
      {"долара", Currency::usd},   {"доллар", Currency::usd},  {"доллара", Currency::usd}, {"долларов", Currency::usd},
      {"dollar", Currency::usd},   {"dollars", Currency::usd}, {"$", Currency::usd},       {"eur", Currency::eur},
      {"євро", Currency::eur},     {"евро", Currency::eur},    {"euro", Currency::eur},    {"euros", Currency::eur},
      {"€", Currency::eur}};
  for (const auto &[k, v] : table) {
    if (k == key) {
      c = v;
      return true;
    }
  }
  return false;
}

// ---- letters ----

SV cyrillic_letter(char32_t c, Lang lang) {
  static constexpr std::array<SV, 32> uk = {
      "а",  "бе", "ве", "ге", "де", "е",  "же", "зе", "и",  "йот", "ка",           "ел", "ем",          "ен", "о", "пе",
      "ер", "ес", "те", "у",  "еф", "ха", "це", "че", "ша", "ща",  "твердий знак", "и",  "м'який знак", "е",  "ю", "я"};
  static constexpr std::array<SV, 32> ru = {"а",  "бэ",        "вэ",           "гэ",  "дэ",          "е",  "жэ", "зэ",
                                            "и",  "и краткое", "ка",           "эль", "эм",          "эн", "о",  "пэ",
                                            "эр", "эс",        "тэ",           "у",   "эф",          "ха", "цэ", "че",
                                            "ша", "ща",        "твёрдый знак", "ы",   "мягкий знак", "э",  "ю",  "я"};
  const char32_t l = to_lower(c);
  const bool r = lang == Lang::ru;
  if (l >= 0x430 && l <= 0x44F) return (r ? ru : uk)[l - 0x430];
  switch (l) {
    case 0x456:  // і
      return r ? "и" : "і";
    case 0x457:  // ї
      return r ? "йи" : "ї";
    case 0x454:  // є
      return r ? "е" : "є";
    case 0x491:  // ґ
      return r ? "гэ" : "ґе";
    case 0x451:  // ё
      return r ? "ё" : "йо";
    default:
      return {};
  }
}

SV latin_letter(char32_t c, Lang lang) {
  static constexpr std::array<SV, 26> uk = {"ей",   "бі",  "сі", "ді", "і",      "еф",  "джі", "ейч", "ай",
                                            "джей", "кей", "ел", "ем", "ен",     "оу",  "пі",  "к'ю", "ар",
                                            "ес",   "ті",  "ю",  "ві", "дабл-ю", "ікс", "вай", "зед"};
  static constexpr std::array<SV, 26> ru = {"эй",   "би",  "си", "ди", "и",      "эф",  "джи", "эйч", "ай",
                                            "джей", "кей", "эл", "эм", "эн",     "оу",  "пи",  "кью", "ар",
                                            "эс",   "ти",  "ю",  "ви", "дабл-ю", "икс", "уай", "зед"};
  static constexpr std::array<SV, 26> en = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
                                            "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"};
  const char32_t l = to_lower(c);
  if (l < U'a' || l > U'z') return {};
  const size_t i = l - U'a';
  return lang == Lang::ru ? ru[i] : lang == Lang::en ? en[i] : uk[i];
}

SV letter_name(char32_t c, Lang lang) {
  if (is_latin(c)) return latin_letter(c, lang);
  return cyrillic_letter(c, lang == Lang::en ? Lang::uk : lang);
}

// Ukrainian plates use the Cyrillic letters that look Latin; either may be typed.
char32_t plate_letter(char32_t c) {
  switch (c) {
    case U'A':
      return 0x410;
    case U'B':
      return 0x412;
    case U'E':
      return 0x415;
    case U'I':
      return 0x406;
    case U'K':
      return 0x41A;
    case U'M':
      return 0x41C;
    case U'H':
      return 0x41D;
    case U'O':
      return 0x41E;
    case U'P':
      return 0x420;
    case U'C':
      return 0x421;
    case U'T':
      return 0x422;
    case U'X':
      return 0x425;
    default:
      break;
  }
  switch (c) {
    case 0x410:
    case 0x412:
    case 0x415:
    case 0x406:
    case 0x41A:
    case 0x41C:
    case 0x41D:
    case 0x41E:
    case 0x420:
    case 0x421:
    case 0x422:
    case 0x425:
      return c;
    default:
      return 0;
  }
}

// ---- pieces ----

// A group of a phone number or a plate: "67", "05" → "нуль п'ять", "123", "023".
void read_group(std::string &out, SV digits, Lang lang) {
  while (digits.size() > 1 && digits[0] == '0') {
    append_digit_words(out, digits.substr(0, 1), lang);
    out.push_back(' ');
    digits.remove_prefix(1);
  }
  int64_t v = 0;
  for (const char c : digits) v = v * 10 + (c - '0');
  append_number_words(out, v, lang);
}

const std::array<SV, 12> kUkMonths = {"січня", "лютого", "березня", "квітня", "травня",    "червня",
                                      "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"};
const std::array<SV, 12> kRuMonths = {"января", "февраля", "марта",    "апреля",  "мая",    "июня",
                                      "июля",   "августа", "сентября", "октября", "ноября", "декабря"};
const std::array<SV, 12> kEnMonths = {"January", "February", "March",     "April",   "May",      "June",
                                      "July",    "August",   "September", "October", "November", "December"};

void append_en_year(std::string &out, int y) {
  if (y >= 2000 && y < 2010) {
    append_number_words(out, y, Lang::en);
  } else if (y >= 1100 && y < 2100 && y % 100 != 0) {
    append_number_words(out, y / 100, Lang::en);
    out.push_back(' ');
    if (y % 100 < 10) out.append("oh ");
    append_number_words(out, y % 100, Lang::en);
  } else if (y >= 1100 && y < 2100) {
    append_number_words(out, y / 100, Lang::en);
    out.append(" hundred");
  } else {
    append_number_words(out, y, Lang::en);
  }
}

void append_date(std::string &out, const Date &d, Lang lang, const Date &today, Case c, bool words) {
  const bool year = today.year == 0 || d.year != today.year;
  const auto m = static_cast<size_t>(d.month - 1);
  if (lang == Lang::en) {
    out.append(kEnMonths[m]);
    out.push_back(' ');
    if (words)
      append_ordinal_words(out, d.day, lang);
    else
      out.append(std::to_string(d.day));
    if (year) {
      out.append(", ");
      if (words)
        append_en_year(out, d.year);
      else
        out.append(std::to_string(d.year));
    }
    return;
  }
  if (words)
    append_ordinal_words(out, d.day, lang, Gender::neuter, c);
  else
    out.append(std::to_string(d.day));
  out.push_back(' ');
  out.append(lang == Lang::ru ? kRuMonths[m] : kUkMonths[m]);
  if (year) {
    out.push_back(' ');
    if (words)
      append_ordinal_words(out, d.year, lang, Gender::masculine, Case::genitive);
    else
      out.append(std::to_string(d.year));
    out.append(lang == Lang::ru ? " года" : " року");
  }
}

void append_time(std::string &out, int h, int m, Lang lang, Case c) {
  if (lang == Lang::en) {
    if (h == 0 && m == 0) {
      out.append("midnight");
      return;
    }
    if (h == 12 && m == 0) {
      out.append("noon");
      return;
    }
    append_number_words(out, h % 12 == 0 ? 12 : h % 12, lang);
    if (m != 0) {
      out.push_back(' ');
      if (m < 10) out.append("oh ");
      append_number_words(out, m, lang);
    }
    out.append(h < 12 ? " AM" : " PM");
    return;
  }
  const bool ru = lang == Lang::ru;
  if (h == 0 && m == 0) {
    const bool gen = c == Case::genitive || c == Case::locative || c == Case::dative;
    out.append(ru ? (gen ? "полуночи" : "полночь") : (gen ? "півночі" : "північ"));
    return;
  }
  Case minute_case = Case::nominative;
  if (ru) {
    // Russian reads hours as cardinals: "в девять тридцать", "до девяти тридцати", "к девяти".
    if (c == Case::dative && h >= 1 && h <= 4) {
      static constexpr std::array<SV, 5> dat = {"", "одному", "двум", "трём", "четырём"};
      out.append(dat[static_cast<size_t>(h)]);
      minute_case = Case::genitive;
    } else {
      const Case hc = (c == Case::genitive || c == Case::dative) ? Case::genitive : Case::nominative;
      append_number_words(out, h, lang, Gender::masculine, hc);
      minute_case = hc;
    }
  } else if (h == 0) {
    out.append("нуль");
  } else {
    // Ukrainian hours are feminine ordinals (година): дев'ята, о дев'ятій, до дев'ятої, на дев'яту.
    const Case hc = c == Case::dative ? Case::locative : c;
    append_ordinal_words(out, h, lang, Gender::feminine, hc);
  }
  if (m == 0) return;
  out.push_back(' ');
  if (m < 10) {
    out.append(ru ? (minute_case == Case::genitive ? "ноля " : "ноль ") : "нуль ");
  }
  append_number_words(out, m, lang, Gender::feminine, minute_case);
}

void append_size(std::string &out, const TyreSize &s, Lang lang, bool words) {
  auto num = [&](int v) {
    if (words)
      append_number_words(out, v, lang);
    else
      out.append(std::to_string(v));
  };
  if (lang == Lang::en && words) {
    // "two oh five", "two twenty-five", "one ninety-five"
    append_number_words(out, s.width / 100, lang);
    out.push_back(' ');
    if (s.width % 100 < 10) out.append("oh ");
    append_number_words(out, s.width % 100, lang);
  } else {
    num(s.width);
  }
  out.push_back(' ');
  num(s.profile);
  out.append(lang == Lang::ru ? " эр " : lang == Lang::en ? " R " : " ер ");
  num(s.rim);
  if (s.commercial) out.append(lang == Lang::ru ? " цэ" : lang == Lang::en ? " C" : " це");
}

void append_price(std::string &out, int64_t minor, Lang lang, Currency cur, Case c, bool words) {
  const int64_t units = minor / 100, cents = minor % 100;
  const Noun &major = major_noun(cur, lang);
  if (units > 0 || cents == 0) {
    if (words)
      append_number_words(out, units, lang, major.gender, c);
    else
      out.append(std::to_string(units));
    out.push_back(' ');
    append_noun(out, major, units, lang, c);
  }
  if (cents > 0) {
    if (units > 0) out.push_back(' ');
    const Noun &minor_n = minor_noun(cur, lang);
    if (words)
      append_number_words(out, cents, lang, minor_n.gender, c);
    else
      out.append(std::to_string(cents));
    out.push_back(' ');
    append_noun(out, minor_n, cents, lang, c);
  }
}

void append_phone(std::string &out, SV number, Lang lang) {
  std::string d;
  bool plus = false;
  for (const char ch : number) {
    if (ch == '+' && d.empty()) plus = true;
    if (ch >= '0' && ch <= '9') d.push_back(ch);
  }
  const bool en = lang == Lang::en;
  auto group = [&](SV g) {
    if (en)
      append_digit_words(out, g, lang);
    else
      read_group(out, g, lang);
  };
  if (plus) out.append(en ? "plus " : lang == Lang::ru ? "плюс " : "плюс ");
  SV rest = d;
  // Ukrainian numbers: +380 67 123 45 67 or 067 123 45 67.
  if (rest.size() == 12 && rest.substr(0, 3) == "380") {
    append_digit_words(out, rest.substr(0, 3), lang);
    out.append(", ");
    rest.remove_prefix(3);
    group(rest.substr(0, 2));
    rest.remove_prefix(2);
  } else if (rest.size() == 10 && rest[0] == '0') {
    group(rest.substr(0, 3));
    rest.remove_prefix(3);
  } else {
    for (size_t i = 0; i < rest.size(); i += 3) {
      if (i) out.append(", ");
      append_digit_words(out, rest.substr(i, 3), lang);
    }
    return;
  }
  for (const size_t len : {3, 2, 2}) {
    out.append(", ");
    group(rest.substr(0, len));
    rest.remove_prefix(std::min(len, rest.size()));
  }
}

void append_code(std::string &out, SV code, Lang lang) {
  const size_t mark = out.size();
  for (size_t i = 0; i < code.size();) {
    const CodePoint cp = decode(code, i);
    i += cp.length;
    SV name;
    if (cp.valid && is_digit(cp.value)) {
      if (out.size() > mark) out.push_back(' ');
      const char d = static_cast<char>(cp.value);
      append_digit_words(out, SV(&d, 1), lang);
      continue;
    }
    if (cp.valid) name = letter_name(cp.value, lang);
    if (name.empty()) continue;
    if (out.size() > mark) out.push_back(' ');
    out.append(name);
  }
}

// ---- context words ----

template <size_t N>
bool one_of(SV k, const SV (&list)[N]) {
  return std::find(std::begin(list), std::end(list), k) != std::end(list);
}

constexpr SV kUkGenPreps[] = {"до",      "від",   "після",   "близько",  "понад",    "більше", "менше",  "біля",
                              "без",     "для",   "замість", "протягом", "впродовж", "крім",   "окрім",  "щодо",
                              "навколо", "серед", "з",       "із",       "зі",       "від",    "близько"};
constexpr SV kRuGenPreps[] = {"до",     "от",  "после", "около", "более",  "менее", "больше",
                              "меньше", "без", "для",   "кроме", "вместо", "свыше", "течение",
                              "возле",  "из",  "с",     "со",    "среди"};
constexpr SV kUkAccPreps[] = {"на", "за", "про", "через", "у", "в", "по"};
constexpr SV kRuAccPreps[] = {"на", "за", "про", "через", "в", "во"};
constexpr SV kInstrumentalEndings[] = {"ами", "ями", "ом", "ем", "ою", "ею", "ой", "ей", "ім", "им"};

// Feminine and neuter nouns that numbers agree with ("дві шини", "одна гривня", "два колеса").
constexpr SV kFemStems[] = {"шин",   "гривн",  "гривен", "хвилин",  "минут",   "годин", "тисяч",  "тысяч",   "копій",
                            "копе",  "позиці", "позици", "штук",    "секунд",  "машин", "заявк",  "покришк", "покрышк",
                            "камер", "зміни",  "змін",   "смен",    "недел",   "неділ", "людин",  "одиниц",  "единиц",
                            "особ",  "знижк",  "скидк",  "гаранті", "гаранти", "модел", "марк",   "резин",   "послуг",
                            "точк",  "станці", "станци", "доба",    "доби",    "діб",   "добу",   "пара",    "пари",
                            "пару",  "дат",    "ночі",   "ночей",   "суток",   "ніч",   "автівк", "хвилинк", "годинк"};
constexpr SV kNeutStems[] = {"колес", "коліс", "місц", "мест", "авто", "число", "чисел", "відр", "ведр"};

bool starts_with_any(SV key, const SV *begin, const SV *end) {
  for (const SV *s = begin; s != end; ++s)
    if (key.starts_with(*s)) return true;
  return false;
}

bool ends_with(SV s, SV suffix) { return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix; }

struct OrdinalSuffix {
  SV suffix;
  Gender gender;
  Case c;
};
constexpr OrdinalSuffix kUkOrdSuffixes[] = {
    {"й", Gender::masculine, Case::nominative}, {"ий", Gender::masculine, Case::nominative},
    {"го", Gender::neuter, Case::genitive},     {"ого", Gender::neuter, Case::genitive},
    {"му", Gender::masculine, Case::locative},  {"ому", Gender::masculine, Case::locative},
    {"а", Gender::feminine, Case::nominative},  {"ої", Gender::feminine, Case::genitive},
    {"ій", Gender::feminine, Case::locative},   {"у", Gender::feminine, Case::accusative},
    {"ю", Gender::feminine, Case::accusative},  {"е", Gender::neuter, Case::nominative},
    {"є", Gender::neuter, Case::nominative},    {"им", Gender::masculine, Case::instrumental}};
constexpr OrdinalSuffix kRuOrdSuffixes[] = {
    {"й", Gender::masculine, Case::nominative},  {"ый", Gender::masculine, Case::nominative},
    {"ой", Gender::masculine, Case::nominative}, {"ий", Gender::masculine, Case::nominative},
    {"го", Gender::masculine, Case::genitive},   {"ого", Gender::masculine, Case::genitive},
    {"му", Gender::masculine, Case::dative},     {"ому", Gender::masculine, Case::dative},
    {"м", Gender::masculine, Case::locative},    {"ом", Gender::masculine, Case::locative},
    {"я", Gender::feminine, Case::nominative},   {"ая", Gender::feminine, Case::nominative},
    {"ю", Gender::feminine, Case::accusative},   {"ую", Gender::feminine, Case::accusative},
    {"е", Gender::neuter, Case::nominative},     {"ое", Gender::neuter, Case::nominative}};

struct Abbrev {
  Lang lang;
  SV key;
  bool dot;          // written with a dot, which the expansion takes
  bool needs_upper;  // only before a capitalised word ("м. Київ", "пр. Перемоги")
  bool before_name;  // never ends a sentence, so its dot is never a full stop
  SV expansion;
};
constexpr Abbrev kAbbrevs[] = {
    {Lang::uk, "вул", true, false, true, "вулиця"},
    {Lang::uk, "пр", true, true, true, "проспект"},
    {Lang::uk, "просп", true, false, true, "проспект"},
    {Lang::uk, "пров", true, false, true, "провулок"},
    {Lang::uk, "пер", true, false, true, "провулок"},
    {Lang::uk, "бульв", true, false, true, "бульвар"},
    {Lang::uk, "пл", true, true, true, "площа"},
    {Lang::uk, "м", true, true, true, "місто"},
    {Lang::uk, "с", true, true, true, "село"},
    {Lang::uk, "смт", false, false, true, "селище міського типу"},
    {Lang::uk, "обл", true, false, true, "область"},
    {Lang::uk, "буд", true, false, true, "будинок"},
    {Lang::uk, "кв", true, false, true, "квартира"},
    {Lang::uk, "тел", true, false, true, "телефон"},
    {Lang::uk, "напр", true, false, true, "наприклад"},
    {Lang::uk, "грн", false, false, false, "гривень"},
    {Lang::ru, "ул", true, false, true, "улица"},
    {Lang::ru, "пр", true, true, true, "проспект"},
    {Lang::ru, "просп", true, false, true, "проспект"},
    {Lang::ru, "пер", true, false, true, "переулок"},
    {Lang::ru, "пл", true, true, true, "площадь"},
    {Lang::ru, "г", true, true, true, "город"},
    {Lang::ru, "обл", true, false, true, "область"},
    {Lang::ru, "д", true, true, true, "дом"},
    {Lang::ru, "кв", true, false, true, "квартира"},
    {Lang::ru, "тел", true, false, true, "телефон"},
    {Lang::ru, "грн", false, false, false, "гривен"},
    {Lang::en, "ave", true, false, false, "Avenue"},
    {Lang::en, "approx", true, false, true, "approximately"},
    {Lang::en, "tel", true, false, true, "telephone"},
    {Lang::en, "uah", false, false, false, "hryvnias"},
};

// ---- the shaper ----

struct Number {
  size_t begin = 0;  // first token
  int64_t value = 0;
  SV int_digits;  // the integer digits as written, when one token
  int frac = -1;  // fractional part as written (digits), -1 when none
  size_t frac_digits = 0;
  SV frac_text;
  size_t end = 0;  // token index after the number
  bool grouped = false;
};

class Shaper {
 public:
  Shaper(SV text, Lang lang, const SpeakOptions &opt) : text_(text), lang_(lang), opt_(opt) {
    toks_.reserve(text.size() / 3 + 4);
    tokenize(text, toks_);
    mark_verbatim(text, toks_, info_);
    n_ = toks_.size();
    out_.reserve(text.size() * 2);
  }

  std::string run() {
    for (size_t i = 0; i < n_;) {
      if (info_[i].verbatim) {
        out_.append(t(i));
        ++i;
        continue;
      }
      const size_t next = at(i);
      if (next > i) {
        i = next;
        continue;
      }
      append_without_marks(out_, t(i));
      ++i;
    }
    return std::move(out_);
  }

 private:
  // ---- token helpers ----
  SV t(size_t i) const { return text_.substr(toks_[i].begin, toks_[i].size()); }
  bool punct(size_t i, SV p) const { return i < n_ && toks_[i].kind == TokKind::punct && t(i) == p; }
  bool dash(size_t i) const { return punct(i, "-") || punct(i, "\u2013") || punct(i, "\u2014"); }
  bool digits(size_t i, size_t lo = 1, size_t hi = 18) const {
    return i < n_ && toks_[i].kind == TokKind::digits && toks_[i].size() >= lo && toks_[i].size() <= hi &&
           !info_[i].verbatim;
  }
  bool space(size_t i) const { return i < n_ && toks_[i].kind == TokKind::space && !toks_[i].newline; }
  bool plain_space(size_t i) const { return space(i) && t(i) == " "; }
  bool word(size_t i) const { return i < n_ && toks_[i].kind == TokKind::word && !info_[i].verbatim; }
  Key key(size_t i) const {
    Key k;
    if (word(i)) k.assign(t(i));
    return k;
  }
  int64_t value(size_t i) const {
    int64_t v = 0;
    for (const char c : t(i)) v = v * 10 + (c - '0');
    return v;
  }
  size_t skip_space(size_t i) const { return space(i) ? i + 1 : i; }
  // Nothing glued before token i: start of text, a space, or punctuation other than a digit glue.
  bool free_before(size_t i) const {
    if (i == 0) return true;
    const Token &p = toks_[i - 1];
    if (p.kind == TokKind::space) return true;
    if (p.kind != TokKind::punct) return false;
    const SV s = t(i - 1);
    return !(s == "." || s == "," || s == ":" || s == "/") || i < 2 || toks_[i - 2].kind != TokKind::digits;
  }
  // Nothing glued after token i (end, space, or punctuation not followed by a digit).
  bool free_after(size_t i) const {
    const size_t j = i + 1;
    if (j >= n_) return true;
    const Token &nt = toks_[j];
    if (nt.kind == TokKind::space) return true;
    if (nt.kind != TokKind::punct) return false;
    return !(j + 1 < n_ && toks_[j + 1].kind == TokKind::digits);
  }
  // The word before token i (one space between at most): its key, or empty.
  Key prev_key(size_t i) const {
    if (i == 0) return {};
    size_t j = i - 1;
    if (space(j)) {
      if (j == 0) return {};
      --j;
    }
    return key(j);
  }
  // Is there a full stop at token i: '.' followed by the end, a line break or a capital.
  bool full_stop_at(size_t i) const {
    if (!punct(i, ".")) return false;
    const size_t j = i + 1;
    if (j >= n_ || (toks_[j].kind == TokKind::space && toks_[j].newline)) return true;
    if (toks_[j].kind != TokKind::space) return false;
    const size_t w = j + 1;
    if (w >= n_) return true;
    if (toks_[w].kind != TokKind::word) return false;
    const CodePoint cp = decode(text_, toks_[w].begin);
    return is_upper(cp.value);
  }
  // Nothing but spaces from token i on, or a line break.
  bool text_end_at(size_t i) const {
    for (; i < n_; ++i) {
      if (toks_[i].kind != TokKind::space) return false;
      if (toks_[i].newline) return true;
    }
    return true;
  }
  bool words() const { return opt_.spell_numbers; }

  Case case_before(size_t i, size_t noun_tok = kNone) const {
    if (lang_ == Lang::en) return Case::nominative;
    const Key k = prev_key(i);
    const SV p = k.view();
    if (p.empty()) return Case::nominative;
    const bool ru = lang_ == Lang::ru;
    if (ru ? one_of(p, kRuGenPreps) : one_of(p, kUkGenPreps)) {
      // "з двома шинами" is instrumental, which we do not decline: read it as written.
      if ((p == "з" || p == "із" || p == "зі" || p == "с" || p == "со") && noun_tok != kNone) {
        const Key nk = key(noun_tok);
        for (const SV e : kInstrumentalEndings)
          if (ends_with(nk.view(), e)) return Case::nominative;
      }
      return Case::genitive;
    }
    if (ru ? one_of(p, kRuAccPreps) : one_of(p, kUkAccPreps)) return Case::accusative;
    return Case::nominative;
  }

  // The noun (or adjective) after a number ending before token `from`.
  size_t noun_after(size_t from) const {
    size_t j = skip_space(from);
    return word(j) ? j : kNone;
  }

  Gender gender_of(size_t from, int64_t n) const {
    if (lang_ == Lang::en) return Gender::masculine;
    size_t j = skip_space(from);
    // "2000–3000 грн": the first number agrees with what the second one counts.
    if (dash(j)) {
      const size_t k = skip_space(j + 1);
      if (digits(k)) {
        Number second;
        if (parse_number(k, second, true)) return gender_of(second.end, second.value);
      }
    }
    Currency cur;
    for (int w = 0; w < 2 && word(j); ++w) {
      const Key k = key(j);
      const SV v = k.view();
      if (find_currency(v, cur)) return major_noun(cur, lang_).gender;
      if (const Noun *u = find_unit(v, lang_)) return u->gender;
      if (starts_with_any(v, std::begin(kFemStems), std::end(kFemStems))) return Gender::feminine;
      if (starts_with_any(v, std::begin(kNeutStems), std::end(kNeutStems))) return Gender::neuter;
      if (w == 0 && plural_category(n, lang_) == Plural::one) {
        // A singular noun or adjective shows its gender in its ending: шина, зимова, колесо, нове.
        if (ends_with(v, "а") || ends_with(v, "я")) return Gender::feminine;
        if (ends_with(v, "о") || ends_with(v, "е") || ends_with(v, "є")) return Gender::neuter;
        return Gender::masculine;
      }
      j = skip_space(j + 1);
    }
    return Gender::masculine;
  }

  // Digits with optional thousands groups (NBSP/thin space always; a plain space only when
  // `plain_groups`) and an optional decimal part.
  bool parse_number(size_t i, Number &num, bool plain_groups) const {
    if (!digits(i) || !free_before(i)) return false;
    num = Number{};
    num.begin = i;
    num.int_digits = t(i);
    num.value = value(i);
    size_t j = i + 1;
    if (toks_[i].size() <= 3 && num.int_digits[0] != '0') {
      // A plain space joins groups when asked, or when the group could not stand alone ("10 000").
      while (space(j) && (plain_groups || !plain_space(j) || (digits(j + 1, 3, 3) && t(j + 1)[0] == '0')) &&
             digits(j + 1, 3, 3) && num.value < 1000000000000) {
        num.value = num.value * 1000 + value(j + 1);
        num.grouped = true;
        j += 2;
      }
    }
    if ((punct(j, ",") || punct(j, ".")) && digits(j + 1) &&
        !((punct(j + 2, ",") || punct(j + 2, ".")) && digits(j + 3))) {
      if (toks_[j + 1].size() <= 6) {
        num.frac_text = t(j + 1);
        num.frac = static_cast<int>(value(j + 1));
        num.frac_digits = toks_[j + 1].size();
        j += 2;
      }
    }
    num.end = j;
    return true;
  }

  void number_words(int64_t v, Gender g, Case c) { append_number_words(out_, v, lang_, g, c); }

  // ---- dispatch ----
  size_t at(size_t i) {
    const Token &tk = toks_[i];
    size_t r = i;
    if (tk.kind == TokKind::digits) {
      if ((r = phone(i)) > i) return r;
      if ((r = size(i)) > i) return r;
      if ((r = iso_date(i)) > i) return r;
      if ((r = time(i)) > i) return r;
      if ((r = amount(i)) > i) return r;
      if ((r = dmy_date(i)) > i) return r;
      if ((r = year(i)) > i) return r;
      if ((r = day_month(i)) > i) return r;
      if ((r = ordinal_suffix(i)) > i) return r;
      if ((r = house(i)) > i) return r;
      if ((r = plain_number(i)) > i) return r;
      return i;
    }
    if (tk.kind == TokKind::punct) {
      const SV p = t(i);
      if (p == "+" || p == "(") return phone(i);
      if (p == "\u2116" || p == "#") return number_sign(i);
      Currency cur;
      if (find_currency(p, cur)) return prefixed_price(i, cur);
      return i;
    }
    if (tk.kind == TokKind::word) {
      // Most words are plain lower-case words followed by a space: only abbreviations (short,
      // before '.' or '-') can apply to them, so skip the rest cheaply.
      const CodePoint first = decode(text_, tk.begin);
      const bool upper = is_upper(first.value), latin = is_latin(first.value);
      if (upper && (r = plate(i)) > i) return r;
      if (upper && (r = code(i)) > i) return r;
      if ((latin || t(i) == "Р" || t(i) == "р") && (r = rim(i)) > i) return r;
      if (tk.size() <= 12 && (r = abbreviation(i)) > i) return r;
      if (latin && (r = special_word(i)) > i) return r;
      if (latin && (r = brand(i)) > i) return r;
    }
    return i;
  }

  // ---- handlers: each returns the token index after what it read, or i ----

  size_t phone(size_t i) {
    if (!free_before(i) || (i > 0 && toks_[i - 1].kind == TokKind::word)) return i;
    const bool plus = punct(i, "+");
    std::string d;
    size_t best = kNone;
    std::string best_digits;
    size_t j = plus ? i + 1 : i;
    if (plus && !digits(j) && !punct(j, "(")) return i;
    size_t steps = 0;
    while (j < n_ && steps < 16) {
      ++steps;
      if (digits(j)) {
        d.append(t(j));
        if (d.size() > 13) break;
        const bool ua = d.size() == 12 && d.substr(0, 3) == "380";
        const bool national = !plus && d.size() == 10 && d[0] == '0';
        const bool intl = plus && d.size() >= 11 && d.size() <= 13;
        if ((ua || national || intl) && free_after(j)) {
          best = j + 1;
          best_digits = d;
        }
        ++j;
      } else if (punct(j, "(") || punct(j, ")") || punct(j, "-") ||
                 (space(j) && !toks_[j].newline && toks_[j].size() <= 2)) {
        ++j;
      } else {
        break;
      }
    }
    if (best == kNone) return i;
    if (!plus && best_digits.size() == 10 && toks_[i].kind != TokKind::digits && !punct(i, "(")) return i;
    append_phone(out_, plus ? "+" + best_digits : best_digits, lang_);
    return best;
  }

  size_t size(size_t i) {
    if (!digits(i, 3, 3) || !free_before(i)) return i;
    TyreSize s;
    s.width = static_cast<int>(value(i));
    size_t j = i + 1;
    const bool slash = punct(j, "/");
    if (!slash && !plain_space(j)) return i;
    ++j;
    if (!digits(j, 2, 2)) return i;
    s.profile = static_cast<int>(value(j));
    ++j;
    bool marker = false;
    if (punct(j, "/") && digits(j + 1, 2, 2)) {
      ++j;
    } else {
      const size_t m = skip_space(j);
      const Key k = key(m);
      if (k.view() == "r" || k.view() == "zr" || k.view() == "р") {
        marker = true;
        j = skip_space(m + 1);
      } else {
        return i;
      }
    }
    if (!slash && !marker) return i;
    if (!digits(j, 2, 2)) return i;
    s.rim = static_cast<int>(value(j));
    if (!valid_tyre_size(s.width, s.profile, s.rim)) return i;
    ++j;
    if (word(j)) {
      const Key k = key(j);
      if (k.view() == "c" || k.view() == "с") {
        s.commercial = true;
        ++j;
      } else {
        return i;  // glued to something else
      }
    }
    append_size(out_, s, lang_, words());
    return j;
  }

  Case date_case(size_t i) const {
    if (lang_ == Lang::en) return Case::nominative;
    const Key k = prev_key(i);
    const SV p = k.view();
    if (p == "на" || p == "за" || p == "про" || p == "через") return Case::accusative;
    if (p == "сьогодні" || p == "сегодня" || p == "завтра" || p == "вчора" || p == "вчера" || p == "післязавтра" ||
        p == "послезавтра")
      return Case::nominative;
    return Case::genitive;
  }

  static bool valid_date(int y, int m, int d) {
    static constexpr int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
  }

  size_t iso_date(size_t i) {
    if (!digits(i, 4, 4) || !free_before(i)) return i;
    if (!punct(i + 1, "-") || !digits(i + 2, 2, 2) || !punct(i + 3, "-") || !digits(i + 4, 2, 2)) return i;
    const bool with_time = word(i + 5) && t(i + 5) == "T";
    if (!with_time && (!free_after(i + 4) || (i + 5 < n_ && toks_[i + 5].kind == TokKind::word))) return i;
    const Date d{static_cast<int>(value(i)), static_cast<int>(value(i + 2)), static_cast<int>(value(i + 4))};
    if (!valid_date(d.year, d.month, d.day)) return i;
    append_date(out_, d, lang_, opt_.today, date_case(i), words());
    // "2026-11-25T09:30" → "… о дев'ятій тридцять".
    if (with_time && digits(i + 6, 2, 2) && punct(i + 7, ":") && digits(i + 8, 2, 2)) {
      const int h = static_cast<int>(value(i + 6)), m = static_cast<int>(value(i + 8));
      size_t end = i + 9;
      if (punct(end, ":") && digits(end + 1, 2, 2)) end += 2;
      if (h <= 23 && m <= 59 && words()) {
        out_.append(lang_ == Lang::ru ? " в " : lang_ == Lang::en ? " at " : " о ");
        append_time(out_, h, m, lang_, lang_ == Lang::uk ? Case::locative : Case::nominative);
        return end;
      }
    }
    if (with_time) out_.push_back(' ');
    return with_time ? i + 6 : i + 5;
  }

  size_t dmy_date(size_t i) {
    if (!digits(i, 1, 2) || !free_before(i) || !punct(i + 1, ".") || !digits(i + 2, 2, 2)) return i;
    Date d{0, static_cast<int>(value(i + 2)), static_cast<int>(value(i))};
    size_t end = i + 3;
    if (punct(i + 3, ".") && digits(i + 4, 4, 4)) {
      d.year = static_cast<int>(value(i + 4));
      end = i + 5;
    } else {
      if (toks_[i].size() != 2) return i;  // "5.11" is more likely a decimal
      d.year = opt_.today.year != 0 ? opt_.today.year : 2000;
    }
    if (end < n_ && (toks_[end].kind == TokKind::digits || toks_[end].kind == TokKind::word)) return i;
    if (punct(end, ".") && end + 1 < n_ && toks_[end + 1].kind == TokKind::digits) return i;
    if (!valid_date(d.year, d.month, d.day)) return i;
    Date today = opt_.today;
    if (end == i + 3 && today.year == 0) today.year = d.year;  // no year written, none to say
    append_date(out_, d, lang_, today, date_case(i), words());
    return end;
  }

  Case time_case(size_t i) const {
    const Key k = prev_key(i);
    const SV p = k.view();
    if (lang_ == Lang::ru) {
      if (p == "до" || p == "с" || p == "со" || p == "от" || p == "после" || p == "около") return Case::genitive;
      if (p == "к" || p == "ко") return Case::dative;
      return Case::nominative;
    }
    if (p == "о" || p == "об") return Case::locative;
    if (p == "до" || p == "з" || p == "із" || p == "зі" || p == "від" || p == "після" || p == "близько" || p == "біля")
      return Case::genitive;
    if (p == "на") return Case::accusative;
    return Case::nominative;
  }

  size_t time(size_t i) {
    if (!digits(i, 1, 2) || !free_before(i) || !punct(i + 1, ":") || !digits(i + 2, 2, 2)) return i;
    size_t end = i + 3;
    if (punct(end, ":") && digits(end + 1, 2, 2)) end += 2;  // seconds are not read
    if (end < n_ && (toks_[end].kind == TokKind::digits || toks_[end].kind == TokKind::word)) return i;
    const int h = static_cast<int>(value(i)), m = static_cast<int>(value(i + 2));
    if (h > 24 || m > 59) return i;
    if (!words()) {
      out_.append(text_.substr(toks_[i].begin, toks_[end - 1].end - toks_[i].begin));
      return end;
    }
    append_time(out_, h == 24 ? 0 : h, m, lang_, time_case(i));
    return end;
  }

  // A number with a currency or a unit after it.
  size_t amount(size_t i) {
    Number num;
    if (!parse_number(i, num, true)) return i;
    size_t j = skip_space(num.end);
    Currency cur;
    const Key k = word(j) ? key(j) : Key();
    const SV unit_key = word(j) ? k.view() : (j < n_ && toks_[j].kind == TokKind::punct ? t(j) : SV{});
    if (!unit_key.empty() && find_currency(unit_key, cur)) {
      if (num.frac >= 0 && num.frac_digits > 2) return i;
      const int64_t minor = num.value * 100 + (num.frac < 0 ? 0 : num.frac_digits == 1 ? num.frac * 10 : num.frac);
      append_price(out_, minor, lang_, cur, case_before(i), words());
      return finish_abbrev(j + 1, k.view() == "грн" || k.view() == "дол");
    }
    {
      const Noun *u = unit_key.empty() ? nullptr : find_unit(unit_key, lang_);
      if (u) {
        const Case c = case_before(i);
        read_number(num, u->gender, c);
        out_.push_back(' ');
        append_noun(out_, *u, num.value, lang_, c, num.frac >= 0);
        return finish_abbrev(j + 1, unit_key != "%");
      }
    }
    if (num.grouped && !plain_space(i + 1)) {  // "10 000 км" with a narrow space, no unit
      read_number(num, gender_of(num.end, num.value), case_before(i, noun_after(num.end)));
      return num.end;
    }
    return i;
  }

  // After an abbreviation at token `after - 1`: takes its dot, and puts back a full stop.
  size_t finish_abbrev(size_t after, bool may_have_dot) {
    if (may_have_dot && punct(after, ".")) {
      if (full_stop_at(after)) out_.push_back('.');
      return after + 1;
    }
    return after;
  }

  void read_number(const Number &num, Gender g, Case c) {
    if (!words()) {
      out_.append(text_.substr(toks_[num.begin].begin, toks_[num.end - 1].end - toks_[num.begin].begin));
      return;
    }
    if (!num.grouped && (num.int_digits.size() >= 7 || (num.int_digits.size() > 1 && num.int_digits[0] == '0'))) {
      append_digit_words(out_, num.int_digits, lang_);
    } else {
      number_words(num.value, g, c);
    }
    if (num.frac >= 0) {
      out_.append(lang_ == Lang::ru ? " запятая " : lang_ == Lang::en ? " point " : " кома ");
      if (lang_ == Lang::en || num.frac_text[0] == '0')
        append_digit_words(out_, num.frac_text, lang_);
      else
        number_words(num.frac, Gender::masculine, Case::nominative);
    }
  }

  size_t prefixed_price(size_t i, Currency cur) {
    const size_t j = skip_space(i + 1);
    Number num;
    if (!parse_number(j, num, true) || (num.frac >= 0 && num.frac_digits > 2)) return i;
    const int64_t minor = num.value * 100 + (num.frac < 0 ? 0 : num.frac_digits == 1 ? num.frac * 10 : num.frac);
    append_price(out_, minor, lang_, cur, case_before(i), words());
    return num.end;
  }

  size_t year(size_t i) {
    if (!digits(i, 4, 4) || !free_before(i) || !space(i + 1) || !word(i + 2)) return i;
    const int64_t y = value(i);
    if (y < 1900 || y > 2100) return i;
    const Key k = key(i + 2);
    const SV w = k.view();
    Case c;
    bool expand = false;
    if (w == "року" || w == "года") {
      c = Case::genitive;
    } else if (w == "році" || w == "году" || w == "годе") {
      c = Case::locative;
    } else if (w == "рік" || w == "год") {
      c = Case::nominative;
    } else if ((w == "р" || w == "г") && punct(i + 3, ".")) {
      c = Case::genitive;
      expand = true;
    } else {
      return i;
    }
    if (words())
      append_ordinal_words(out_, y, lang_, Gender::masculine, c);
    else
      out_.append(t(i));
    out_.push_back(' ');
    if (!expand) {
      out_.append(t(i + 2));
      return i + 3;
    }
    out_.append(lang_ == Lang::ru ? "года" : "року");
    if (full_stop_at(i + 3)) out_.push_back('.');
    return i + 4;
  }

  // "25 листопада" → "двадцять п'ятого листопада".
  size_t day_month(size_t i) {
    if (!digits(i, 1, 2) || !free_before(i) || !space(i + 1) || !word(i + 2)) return i;
    const int64_t d = value(i);
    if (d < 1 || d > 31) return i;
    const Key k = key(i + 2);
    const auto &months = lang_ == Lang::ru ? kRuMonths : kUkMonths;
    if (lang_ == Lang::en || std::find(months.begin(), months.end(), k.view()) == months.end()) return i;
    if (words())
      append_ordinal_words(out_, d, lang_, Gender::neuter, date_case(i));
    else
      out_.append(t(i));
    out_.push_back(' ');
    append_without_marks(out_, t(i + 2));
    return i + 3;
  }

  // "72б", "72-Б" → "сімдесят два бе"; "72/1" → "сімдесят два дріб один".
  size_t house(size_t i) {
    if (!digits(i, 1, 4) || !free_before(i)) return i;
    size_t j = i + 1;
    if (dash(j) && word(j + 1)) ++j;
    if (word(j) && !(j + 1 < n_ && (toks_[j + 1].kind == TokKind::word || toks_[j + 1].kind == TokKind::digits))) {
      const SV w = t(j);
      const CodePoint cp = decode(w, 0);
      if (cp.length != w.size() || !is_cyrillic(cp.value)) return i;
      if (words())
        number_words(value(i), Gender::masculine, Case::nominative);
      else
        out_.append(t(i));
      out_.push_back(' ');
      out_.append(cyrillic_letter(cp.value, lang_ == Lang::en ? Lang::uk : lang_));
      return j + 1;
    }
    if (punct(i + 1, "/") && digits(i + 2, 1, 3) && free_after(i + 2) &&
        !(i + 3 < n_ && toks_[i + 3].kind == TokKind::word)) {
      if (!words()) return i;
      number_words(value(i), Gender::masculine, Case::nominative);
      out_.append(lang_ == Lang::ru ? " дробь " : lang_ == Lang::en ? " slash " : " дріб ");
      number_words(value(i + 2), Gender::masculine, Case::nominative);
      return i + 3;
    }
    return i;
  }

  // "3-й", "25-го", "1st".
  size_t ordinal_suffix(size_t i) {
    if (!digits(i, 1, 4) || !free_before(i) || !words()) return i;
    if (lang_ == Lang::en) {
      if (!word(i + 1)) return i;
      const Key k = key(i + 1);
      const SV s = k.view();
      if (s != "st" && s != "nd" && s != "rd" && s != "th") return i;
      append_ordinal_words(out_, value(i), lang_);
      return i + 2;
    }
    if (!dash(i + 1) || !word(i + 2)) return i;
    const Key k = key(i + 2);
    const SV s = k.view();
    // "15-а" is a house letter; of the one-letter suffixes only "-й" is surely an ordinal.
    if (decode(s, 0).length == s.size() && s != "й") return i;
    if (k.first_upper()) return i;
    const auto *b = lang_ == Lang::ru ? std::begin(kRuOrdSuffixes) : std::begin(kUkOrdSuffixes);
    const auto *e = lang_ == Lang::ru ? std::end(kRuOrdSuffixes) : std::end(kUkOrdSuffixes);
    for (const auto *o = b; o != e; ++o) {
      if (o->suffix == s) {
        append_ordinal_words(out_, value(i), lang_, o->gender, o->c);
        return i + 3;
      }
    }
    return i;
  }

  size_t plain_number(size_t i) {
    if (!words()) return i;
    Number num;
    if (!parse_number(i, num, false)) return i;
    // "4S", "91V", "PS4": model names and load indexes are read by the voice as written.
    if (num.end < n_ && toks_[num.end].kind == TokKind::word && is_latin(decode(text_, toks_[num.end].begin).value))
      return i;
    // "о 9" → "о дев'ятій".
    if (lang_ == Lang::uk && num.frac < 0 && !num.grouped && num.value <= 24) {
      const Key p = prev_key(i);
      if (p.view() == "о" || p.view() == "об") {
        append_ordinal_words(out_, num.value, lang_, Gender::feminine, Case::locative);
        return num.end;
      }
    }
    const size_t noun = noun_after(num.end);
    const Gender g = gender_of(num.end, num.value);
    Case c = case_before(i, noun);
    // "візьміть 1 шину": a feminine noun in -у/-ю after "one" is accusative whatever precedes.
    if (c == Case::nominative && g == Gender::feminine && noun != kNone && lang_ != Lang::en &&
        plural_category(num.value, lang_) == Plural::one && num.frac < 0) {
      const Key nk = key(noun);
      if (ends_with(nk.view(), "у") || ends_with(nk.view(), "ю")) c = Case::accusative;
    }
    read_number(num, g, c);
    return num.end;
  }

  size_t number_sign(size_t i) {
    const size_t j = skip_space(i + 1);
    if (!digits(j)) return i;
    out_.append(lang_ == Lang::en ? "number " : "номер ");
    if (toks_[j].size() >= 3 || !words())
      append_digit_words(out_, t(j), lang_);
    else
      number_words(value(j), Gender::masculine, Case::nominative);
    return j + 1;
  }

  static bool plate_letters(SV w) {
    size_t count = 0;
    for (size_t k = 0; k < w.size();) {
      const CodePoint cp = decode(w, k);
      k += cp.length;
      if (!plate_letter(cp.value)) return false;
      ++count;
    }
    return count == 2;
  }

  // "АА 1234 ВВ", "AA1234BB": letters, digit pairs, letters.
  size_t plate(size_t i) {
    if (!plate_letters(t(i)) || !free_before(i)) return i;
    size_t j = skip_space(i + 1);
    if (!digits(j, 4, 4)) return i;
    const size_t dj = j;
    j = skip_space(j + 1);
    if (!word(j) || !plate_letters(t(j)) ||
        (j + 1 < n_ && toks_[j + 1].kind != TokKind::space && toks_[j + 1].kind != TokKind::punct))
      return i;
    auto letters = [&](SV w) {
      for (size_t k = 0; k < w.size();) {
        const CodePoint cp = decode(w, k);
        k += cp.length;
        if (k > cp.length) out_.push_back(' ');
        out_.append(cyrillic_letter(plate_letter(cp.value), lang_ == Lang::en ? Lang::uk : lang_));
      }
    };
    letters(t(i));
    out_.append(", ");
    read_group(out_, t(dj).substr(0, 2), lang_);
    out_.push_back(' ');
    read_group(out_, t(dj).substr(2, 2), lang_);
    out_.append(", ");
    letters(t(j));
    return j + 1;
  }

  // "AI-000123", "ТТН-12345": capitals then digits, read one by one.
  size_t code(size_t i) {
    const Key k = key(i);
    if (!k.all_caps() && !(k.letters() == 1 && k.first_upper())) return i;
    if (k.letters() > 4 || !free_before(i)) return i;
    size_t j = i + 1;
    if (dash(j)) ++j;
    if (!digits(j, 3)) return i;
    size_t end = j + 1;
    while (dash(end) && (digits(end + 1) || word(end + 1))) end += 2;
    if (end < n_ && toks_[end].kind == TokKind::word) return i;
    append_code(out_, text_.substr(toks_[i].begin, toks_[end - 1].end - toks_[i].begin), lang_);
    return end;
  }

  // A lone "R16", "R 16", "ZR17".
  size_t rim(size_t i) {
    const Key k = key(i);
    const bool cyrillic = k.view() == "р";  // only glued: "Р16"
    if ((k.view() != "r" && k.view() != "zr" && !cyrillic) || !free_before(i)) return i;
    const size_t j = cyrillic ? i + 1 : skip_space(i + 1);
    if (!digits(j, 2, 2)) return i;
    const int64_t r = value(j);
    if (r < 12 || r > 24) return i;
    size_t end = j + 1;
    bool c = false;
    if (word(end)) {
      const Key s = key(end);
      if (s.view() != "c" && s.view() != "с") return i;
      c = true;
      ++end;
    }
    out_.append(lang_ == Lang::ru ? "эр " : lang_ == Lang::en ? "R " : "ер ");
    if (words())
      number_words(r, Gender::masculine, Case::nominative);
    else
      out_.append(t(j));
    if (c) out_.append(lang_ == Lang::ru ? " цэ" : lang_ == Lang::en ? " C" : " це");
    return end;
  }

  size_t abbreviation(size_t i) {
    if (!free_before(i) && !(i > 0 && punct(i - 1, "("))) return i;
    const Key k = key(i);
    const SV w = k.view();
    // Multi-token forms: б-р, р-н, т.д., т. д., т.п., т.е., т.к.
    if ((w == "б" || w == "р") && dash(i + 1) && word(i + 2) && lang_ != Lang::en) {
      const Key k2 = key(i + 2);
      if (w == "б" && k2.view() == "р") {
        out_.append("бульвар");
        return i + 3;
      }
      if (w == "р" && k2.view() == "н") {
        out_.append("район");
        return i + 3;
      }
    }
    if (w == "т" && punct(i + 1, ".") && lang_ != Lang::en) {
      const size_t j = skip_space(i + 2);
      const Key k2 = key(j);
      SV exp;
      if (k2.view() == "д") exp = lang_ == Lang::ru ? "так далее" : "так далі";
      if (k2.view() == "п") exp = lang_ == Lang::ru ? "тому подобное" : "тому подібне";
      if (k2.view() == "е" && lang_ == Lang::ru) exp = "то есть";
      if (k2.view() == "к" && lang_ == Lang::ru) exp = "так как";
      if (!exp.empty()) {
        out_.append(exp);
        return finish_abbrev(j + 1, true);
      }
    }
    for (const Abbrev &a : kAbbrevs) {
      if (a.lang != lang_ || a.key != w) continue;
      size_t end = i + 1;
      const bool has_dot = punct(end, ".");
      if (a.dot && !has_dot) return i;
      if (a.needs_upper) {
        const size_t nw = skip_space(end + 1);
        if (nw >= n_ || !(toks_[nw].kind == TokKind::word || toks_[nw].kind == TokKind::digits)) return i;
        if (toks_[nw].kind == TokKind::word && !is_upper(decode(text_, toks_[nw].begin).value)) return i;
        if (i >= 2 && toks_[i - 2].kind == TokKind::digits) return i;  // "5 м." is metres
      }
      out_.append(a.expansion);
      if (has_dot) {
        if (a.before_name ? text_end_at(end + 1) : full_stop_at(end)) out_.push_back('.');
        ++end;
      }
      return end;
    }
    return i;
  }

  // RunFlat, XL.
  size_t special_word(size_t i) {
    if (lang_ == Lang::en) return i;
    const Key k = key(i);
    const SV w = k.view();
    if (w == "runflat" || w == "rft") {
      out_.append(lang_ == Lang::ru ? "ранфлэт" : "ранфлет");
      return i + 1;
    }
    if (w == "run" && space(i + 1) && key(i + 2).view() == "flat") {
      out_.append(lang_ == Lang::ru ? "ранфлэт" : "ранфлет");
      return i + 3;
    }
    if (w == "xl" && k.all_caps()) {
      out_.append(lang_ == Lang::ru ? "икс эль" : "ікс ел");
      return i + 1;
    }
    return i;
  }

  size_t brand(size_t i) {
    if (lang_ == Lang::en || !opt_.brands_cyrillic) return i;
    const CodePoint first = decode(text_, toks_[i].begin);
    if (!is_latin(first.value)) return i;
    const Key fk = key(i);
    if (!may_start_brand(fk.view())) return i;
    std::string phrase;
    size_t ends[3] = {i, kNone, kNone};
    for (int w = 1; w < 3 && may_start_brand_phrase(fk.view()); ++w) {
      const size_t j = ends[w - 1] + 2;
      if (!plain_space(ends[w - 1] + 1) || !word(j)) break;
      ends[w] = j;
    }
    for (int w = 2; w >= 0; --w) {
      if (ends[w] == kNone) continue;
      phrase.clear();
      for (size_t j = i; j <= ends[w]; j += 2) {
        const Key k = key(j);
        if (!phrase.empty()) phrase.push_back(' ');
        phrase.append(k.view());
      }
      const BrandInfo *b = find_brand(phrase);
      if (!b) continue;
      out_.append(lang_ == Lang::ru ? b->ru : b->uk);
      return ends[w] + 1;
    }
    return i;
  }

  SV text_;
  Lang lang_;
  const SpeakOptions &opt_;
  std::vector<Token> toks_;
  std::vector<TokInfo> info_;
  size_t n_ = 0;
  std::string out_;
};

}  // namespace

std::string speakable(std::string_view text, Lang lang, const SpeakOptions &options) {
  return Shaper(text, lang, options).run();
}

std::string say_price(int64_t minor_units, Lang lang, Currency currency, Case c) {
  std::string out;
  append_price(out, minor_units, lang, currency, c, true);
  return out;
}

std::string say_date(const Date &date, Lang lang, const Date &today, Case c) {
  std::string out;
  if (date.month < 1 || date.month > 12) return out;
  append_date(out, date, lang, today, c, true);
  return out;
}

std::string say_time(int hour, int minute, Lang lang, Case c) {
  std::string out;
  append_time(out, hour, minute, lang, c);
  return out;
}

std::string say_size(const TyreSize &size, Lang lang) {
  std::string out;
  append_size(out, size, lang, true);
  return out;
}

std::string say_phone(std::string_view number, Lang lang) {
  std::string out;
  append_phone(out, number, lang);
  return out;
}

std::string say_code(std::string_view code, Lang lang) {
  std::string out;
  append_code(out, code, lang);
  return out;
}

}  // namespace ca::text
