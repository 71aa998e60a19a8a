#include "agent/rule_agent/slots.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "text/brands.hpp"

namespace ca::agent::rule {

namespace {

using store::Day;

bool all_digits(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> number_of(std::string_view w) {
  if (!all_digits(w) || w.size() > 7) return std::nullopt;
  return std::atoi(std::string(w).c_str());
}

bool in(std::string_view w, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

bool starts_any(std::string_view w, std::initializer_list<std::string_view> stems) {
  return std::any_of(stems.begin(), stems.end(), [&](std::string_view s) { return w.starts_with(s); });
}

const std::string &word_at(const Utterance &u, size_t i) {
  static const std::string empty;
  return i < u.words.size() ? u.words[i] : empty;
}

// Words of a window joined by single spaces: "rav 4", "land cruiser prado".
std::string window(const Utterance &u, size_t at, size_t n) {
  std::string out;
  for (size_t k = 0; k < n && at + k < u.words.size(); ++k) {
    if (k > 0) out.push_back(' ');
    out += u.words[at + k];
  }
  return out;
}

// ---- vehicles ----

struct MakeDef {
  const char *make;
  std::initializer_list<const char *> aliases;
  bool ambiguous = false;  // also an everyday word ("шкода" = "a pity"): needs a model or a car context
};

const std::array<MakeDef, 36> kMakes = {{
    {"Toyota", {"toyota", "тойота", "таета"}},
    {"Volkswagen", {"volkswagen", "vw", "фольксваген", "фольцваген", "фольксваґен", "вольксваген"}},
    {"Skoda", {"skoda", "škoda", "шкода"}, true},
    {"Renault", {"renault", "рено"}},
    {"Hyundai", {"hyundai", "хюндай", "хьюндай", "хендай", "хундай", "хюндаі", "хендэ"}},
    {"Kia", {"kia", "кіа", "киа", "кія"}},
    {"Nissan", {"nissan", "ніссан", "ниссан", "нісан"}},
    {"Mitsubishi", {"mitsubishi", "міцубісі", "мітсубісі", "мицубиси", "митсубиси", "мітсубіші"}},
    {"Mazda", {"mazda", "мазда"}},
    {"Honda", {"honda", "хонда"}},
    {"Ford", {"ford", "форд"}},
    {"Chevrolet", {"chevrolet", "шевроле", "шевролет"}},
    {"Daewoo", {"daewoo", "деу", "дэу", "део"}},
    {"Lada", {"lada", "лада", "ваз", "vaz"}},
    {"Tesla", {"tesla", "тесла"}},
    {"BMW", {"bmw", "бмв", "беемве", "бемве"}},
    {"Mercedes-Benz", {"mercedes", "мерседес", "мерс", "бенц", "mercedes-benz"}},
    {"Audi", {"audi", "ауді", "ауди"}},
    {"Land Rover", {"land rover", "ленд ровер"}},
    {"Opel", {"opel", "опель"}},
    {"Peugeot", {"peugeot", "пежо"}},
    {"Citroen", {"citroen", "сітроен", "ситроен"}},
    {"Fiat", {"fiat", "фіат", "фиат"}},
    {"Volvo", {"volvo", "вольво"}},
    {"Subaru", {"subaru", "субару"}},
    {"Lexus", {"lexus", "лексус"}},
    {"Suzuki", {"suzuki", "сузукі", "сузуки"}},
    {"Dacia", {"dacia", "дачія", "дачия"}},
    {"Porsche", {"porsche", "порше"}},
    {"Geely", {"geely", "джилі", "джили"}},
    {"Chery", {"chery", "чері", "чери"}},
    {"ZAZ", {"заз", "zaz"}},
    {"Infiniti", {"infiniti", "інфініті", "инфинити"}},
    {"Seat", {"сеат"}},
    {"Jeep", {"jeep"}},
    {"Mini", {"міні купер", "mini cooper"}},
}};

struct ModelDef {
  const char *make;
  const char *model;
  std::initializer_list<const char *> aliases;
};

// The models the demo catalogue knows (seed.cpp), with the spellings and inflections callers use.
const std::array<ModelDef, 56> kModels = {{
    {"Toyota", "Camry", {"camry", "камрі", "камри"}},
    {"Toyota", "Corolla", {"corolla", "королла", "корола"}},
    {"Toyota", "RAV4", {"rav4", "rav 4", "рав4", "рав 4", "рав"}},
    {"Toyota", "Land Cruiser Prado", {"land cruiser prado", "prado", "прадо", "ленд крузер прадо"}},
    {"Volkswagen", "Golf", {"golf", "гольф"}},
    {"Volkswagen", "Passat", {"passat", "пассат", "пасат"}},
    {"Volkswagen", "Tiguan", {"tiguan", "тігуан", "тигуан"}},
    {"Volkswagen", "Touareg", {"touareg", "туарег"}},
    {"Skoda", "Octavia", {"octavia", "октавія", "октавия"}},
    {"Skoda", "Fabia", {"fabia", "фабія", "фабия"}},
    {"Skoda", "Superb", {"superb", "суперб"}},
    {"Skoda", "Kodiaq", {"kodiaq", "кодіак", "кодиак"}},
    {"Renault", "Logan", {"logan", "логан"}},
    {"Renault", "Duster", {"duster", "дастер"}},
    {"Renault", "Megane", {"megane", "меган", "мейган"}},
    {"Renault", "Sandero", {"sandero", "сандеро"}},
    {"Hyundai", "Tucson", {"tucson", "туксон", "тусон", "таксон"}},
    {"Hyundai", "Elantra", {"elantra", "елантра", "элантра"}},
    {"Hyundai", "Accent", {"accent", "акцент"}},
    {"Hyundai", "Santa Fe", {"santa fe", "санта фе"}},
    {"Kia", "Sportage", {"sportage", "спортейдж", "спортедж"}},
    {"Kia", "Ceed", {"ceed", "сід", "сид"}},
    {"Kia", "Rio", {"rio", "ріо", "рио"}},
    {"Nissan", "Qashqai", {"qashqai", "кашкай"}},
    {"Nissan", "X-Trail", {"x trail", "xtrail", "ікс трейл", "х трейл", "икс трейл"}},
    {"Nissan", "Leaf", {"leaf", "ліф", "лиф"}},
    {"Mitsubishi", "Outlander", {"outlander", "аутлендер", "аутлэндер"}},
    {"Mitsubishi", "Lancer", {"lancer", "лансер"}},
    {"Mazda", "CX-5", {"cx 5", "cx5", "сх 5", "сх5"}},
    {"Mazda", "6", {"6"}},
    {"Honda", "CR-V", {"cr v", "crv", "срв"}},
    {"Ford", "Focus", {"focus", "фокус"}},
    {"Ford", "Kuga", {"kuga", "куга"}},
    {"Chevrolet", "Aveo", {"aveo", "авео"}},
    {"Daewoo", "Lanos", {"lanos", "ланос"}},
    {"Lada", "2107", {"2107", "сімка", "семерка"}},
    {"Tesla", "Model 3", {"model 3", "модель 3", "model3"}},
    {"Tesla", "Model Y", {"model y", "модель y", "модель ігрек", "модель игрек"}},
    {"BMW", "X5", {"x5", "х5", "ікс 5", "икс 5"}},
    {"BMW", "3 Series", {"3 series", "трійка", "тройка", "320", "330"}},
    {"BMW", "5 Series", {"5 series", "п'ятірка", "пятерка", "520", "530"}},
    {"Mercedes-Benz", "E-Class", {"e class", "е клас", "е класс", "ешка"}},
    {"Mercedes-Benz", "C-Class", {"c class", "с клас", "с класс", "цешка"}},
    {"Mercedes-Benz", "GLE", {"gle", "гле"}},
    {"Audi", "A4", {"a4", "а4"}},
    {"Audi", "A6", {"a6", "а6"}},
    {"Audi", "Q7", {"q7", "ку7", "ку 7"}},
    {"Land Rover", "Range Rover Sport", {"range rover sport", "рендж ровер спорт", "ренж ровер спорт"}},
    {"Opel", "Astra", {"astra", "астра"}},
    {"Peugeot", "308", {"308"}},
    {"Toyota", "Yaris", {"yaris", "ярис", "яріс"}},
    {"Renault", "Clio", {"clio", "кліо", "клио"}},
    {"Volkswagen", "Polo", {"polo", "поло"}},
    {"Ford", "Fiesta", {"fiesta", "фієста", "фиеста"}},
    {"Hyundai", "i30", {"i30", "ай 30"}},
    {"Skoda", "Rapid", {"rapid", "рапід", "рапид"}},
}};

// Aliases that are numbers or very short words match only right after their make ("мазда 6").
bool needs_make(std::string_view alias) {
  return utf8_length(alias) < 4 || all_digits(alias) ||
         std::any_of(alias.begin(), alias.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool alias_matches(const Utterance &u, size_t at, std::string_view alias, size_t *length) {
  const size_t words = static_cast<size_t>(std::count(alias.begin(), alias.end(), ' ')) + 1;
  if (at + words > u.words.size()) return false;
  const std::string w = window(u, at, words);
  const bool ok = words > 1 || needs_make(alias) ? w == alias : stem_match(w, alias);
  if (ok && length != nullptr) *length = words;
  return ok;
}

// Words after a make that are not a model.
bool not_a_model(std::string_view w) {
  return in(w, {"року",       "рік",      "год",    "года",     "year",   "шини",   "шин",    "шины",   "tyres",
                "tires",      "на",       "для",    "і",        "и",      "та",     "and",    "з",      "с",
                "в",          "у",        "зимові", "літні",    "зимние", "летние", "winter", "summer", "резину",
                "гуму",       "потрібні", "нужны",  "потрібно", "нужно",  "треба",  "please", "будь",   "ласка",
                "пожалуйста", "колеса",   "диски",  "машина",   "авто",   "car"}) ||
         all_digits(w);
}

}  // namespace

text::Context context_for(Expect e) {
  switch (e) {
    case Expect::time:
      return text::Context::time;
    case Expect::phone:
    case Expect::order_number:
      return text::Context::phone;
    case Expect::date:
      return text::Context::date;
    default:
      return text::Context::any;
  }
}

Vehicle find_vehicle(const Utterance &u, Expect expect) {
  Vehicle v;
  size_t make_at = Utterance::npos, make_len = 0;
  bool make_ambiguous = false;
  for (size_t i = 0; i < u.words.size() && v.make.empty(); ++i) {
    for (const auto &m : kMakes) {
      for (const char *a : m.aliases) {
        size_t len = 0;
        if (alias_matches(u, i, a, &len)) {
          v.make = m.make;
          make_at = i;
          make_len = len;
          make_ambiguous = m.ambiguous;
          break;
        }
      }
      if (!v.make.empty()) break;
    }
  }
  // The model: right after the make any alias of that make; elsewhere only distinctive ones.
  for (size_t i = 0; i < u.words.size() && v.model.empty(); ++i) {
    if (make_at != Utterance::npos && i >= make_at && i < make_at + make_len) continue;
    for (const auto &m : kModels) {
      const bool after_make = make_at != Utterance::npos && i == make_at + make_len;
      if (!v.make.empty() && v.make != m.make) continue;
      for (const char *a : m.aliases) {
        if (needs_make(a) && !after_make) continue;
        if (alias_matches(u, i, a, nullptr)) {
          v.model = m.model;
          if (v.make.empty()) v.make = m.make;
          break;
        }
      }
      if (!v.model.empty()) break;
    }
  }
  if (!v.make.empty() && v.model.empty() && make_at != Utterance::npos) {
    const std::string &next = word_at(u, make_at + make_len);
    // An everyday word that is also a make ("шкода") needs a model we know.
    if (!next.empty() && !not_a_model(next) && !make_ambiguous) v.model = next;
  }
  if (make_ambiguous && v.model.empty() && expect != Expect::size && expect != Expect::vehicle_model) v.make.clear();
  // The year: a four-digit number near the car, or after "рік/year", or when the car was asked.
  const bool car_context = !v.make.empty() || !v.model.empty() || expect == Expect::vehicle_model;
  for (size_t i = 0; i < u.words.size(); ++i) {
    auto n = number_of(u.words[i]);
    if (!n || u.words[i].size() != 4 || *n < 1980 || *n > 2035) continue;
    const std::string &next = word_at(u, i + 1);
    const bool year_word = starts_any(next, {"рок", "рік", "год", "year", "р"}) || (i > 0 && u.words[i - 1] == "year");
    if (car_context || year_word) {
      v.year = *n;
      break;
    }
  }
  return v;
}

// ---- cities ----

namespace {

struct CityDef {
  const char *name;
  std::initializer_list<const char *> stems;  // word prefixes, folded
  std::initializer_list<const char *> exact;  // whole words (where a stem would catch other words)
};

const std::array<CityDef, 23> kCities = {{
    {"Київ", {"київ", "києв", "киев", "kyiv", "kiev"}, {}},
    {"Львів", {"львів", "львов", "lviv", "lvov"}, {}},
    {"Одеса", {"одес", "odes"}, {}},
    {"Дніпро", {"дніпр", "днепр", "dnipr", "dnepr"}, {}},
    {"Харків", {"харків", "харков", "харьков", "kharkiv", "kharkov"}, {}},
    {"Запоріжжя", {"запоріж", "запорож", "zaporiz", "zaporozh"}, {}},
    {"Вінниця", {"вінниц", "винниц", "vinnyts", "vinnits"}, {}},
    {"Полтава", {"полтав", "poltav"}, {}},
    {"Чернігів", {"черніг", "черниг", "chernih"}, {}},
    {"Житомир", {"житомир", "zhytomyr", "zhitomir"}, {}},
    {"Чернівці", {"чернівц", "черновц", "chernivts"}, {}},
    {"Тернопіль", {"тернопол", "тернопіл", "ternopil"}, {}},
    {"Івано-Франківськ", {"франків", "франков", "frankivsk"}, {}},
    {"Луцьк", {"луцьк", "луцк", "lutsk"}, {}},
    {"Рівне", {"rivne"}, {"рівне", "рівному", "рівного", "ровно", "ровном", "ровне"}},
    {"Ужгород", {"ужгород", "uzhhorod", "uzhgorod"}, {}},
    {"Хмельницький", {"хмельниц", "khmelnyts"}, {}},
    {"Черкаси", {"черкас", "cherkas"}, {}},
    {"Суми", {"sumy"}, {"сумах", "сумы", "сум"}},
    {"Миколаїв", {"миколаїв", "миколаєв", "николаев", "mykolaiv", "nikolaev"}, {}},
    {"Херсон", {"херсон", "kherson"}, {}},
    {"Кропивницький", {"кропивниц", "kropyvnyts"}, {}},
    {"Бровари", {"бровар", "brovary"}, {}},
}};

}  // namespace

std::string city_of_word(std::string_view w) {
  for (const auto &c : kCities) {
    for (const char *s : c.stems) {
      if (w.starts_with(s)) return c.name;
    }
    for (const char *e : c.exact) {
      if (w == e) return c.name;
    }
  }
  return {};
}

std::string find_city(const Utterance &u) {
  for (const auto &w : u.words) {
    if (auto c = city_of_word(w); !c.empty()) return c;
  }
  return {};
}

// ---- sizes, seasons, brands ----

std::optional<int> find_diameter(const Utterance &u, Expect expect) {
  auto ok = [](int d) { return d >= 12 && d <= 24; };
  for (size_t i = 0; i < u.words.size(); ++i) {
    const std::string &w = u.words[i];
    // "r16", "р16", "r16c"
    for (std::string_view p : {"r", "р", "zr"}) {
      if (w.size() > p.size() && w.starts_with(p)) {
        std::string_view rest = std::string_view(w).substr(p.size());
        if (!rest.empty() && rest.back() == 'c') rest.remove_suffix(1);
        if (auto n = number_of(rest); n && ok(*n)) return n;
      }
    }
    auto n = number_of(w);
    if (!n || !ok(*n)) continue;
    const std::string &prev = i > 0 ? u.words[i - 1] : word_at(u, u.words.size());
    const std::string &next = word_at(u, i + 1);
    if (in(prev, {"r", "р", "ер", "эр", "радіус", "радиус", "radius", "rim"}) ||
        starts_any(next, {"радіус", "радиус", "radius", "дюйм", "inch", "\"", "диск", "rim", "колес"}) ||
        starts_any(prev, {"радіус", "радиус"})) {
      return n;
    }
    if (expect == Expect::diameter && u.words.size() <= 4) return n;
  }
  return std::nullopt;
}

std::optional<store::Season> find_season(const Utterance &u) {
  if (u.has_any({"всесезон", "allseason", "всепогод", "цілорічн", "круглогодичн"}) ||
      u.phrase_any({"all season*", "all weather", "four season*", "4 season*", "all-season*"})) {
    return store::Season::all_season;
  }
  for (const auto &w : u.words) {
    if (w.starts_with("зим") || w == "winter" || w == "взимку" || w == "зимой") return store::Season::winter;
    if (starts_any(w, {"літн", "летн"}) || in(w, {"літо", "лето", "влітку", "летом", "summer", "літа", "лету"})) {
      return store::Season::summer;
    }
  }
  return std::nullopt;
}

std::string find_brand(const Utterance &u) {
  // normalize_transcript already wrote brands by their catalogue names; phrases of up to three
  // words catch the rest ("бі еф гудріч").
  for (size_t i = 0; i < u.words.size(); ++i) {
    for (size_t n = 3; n >= 1; --n) {
      if (i + n > u.words.size()) continue;
      const std::string_view b = text::canonical_brand(window(u, i, n));
      if (!b.empty()) return std::string(b);
    }
  }
  return {};
}

// ---- dates ----

namespace {

int month_of_word(std::string_view w) {
  static const std::array<std::initializer_list<const char *>, 12> kStems = {{
      {"січ", "январ", "january", "jan"},
      {"лют", "феврал", "february", "feb"},
      {"берез", "март", "march", "mar"},
      {"квіт", "апрел", "april", "apr"},
      {"травн", "трав", "мая", "май", "may"},
      {"червн", "черв", "июн", "june", "jun"},
      {"лип", "июл", "july", "jul"},
      {"серп", "август", "august", "aug"},
      {"верес", "сентябр", "september", "sept", "sep"},
      {"жовт", "октябр", "october", "oct"},
      {"листоп", "ноябр", "november", "nov"},
      {"груд", "декабр", "december", "dec"},
  }};
  for (size_t m = 0; m < kStems.size(); ++m) {
    for (const char *s : kStems[m]) {
      const std::string_view stem(s);
      // Short English forms and "may"/"мая" only as whole words.
      const bool whole = stem.size() <= 4 && (stem[0] >= 'a' && stem[0] <= 'z');
      if (whole ? w == stem : w.starts_with(stem)) return static_cast<int>(m) + 1;
    }
  }
  return 0;
}

// 0 = Monday … 6 = Sunday; -1 when not a weekday.
int weekday_of_word(std::string_view w) {
  static const std::array<std::initializer_list<const char *>, 7> kDays = {{
      {"понеділ", "понедельн", "monday", "mon"},
      {"вівтор", "вторник", "tuesday", "tue", "tues"},
      {"середа", "середу", "середи", "середу", "среда", "среду", "средой", "wednesday", "wed"},
      {"четвер", "thursday", "thu", "thurs"},
      {"п'ятниц", "пятниц", "friday", "fri"},
      {"субот", "суббот", "saturday", "sat"},
      {"неділ", "воскресен", "sunday", "sun"},
  }};
  for (size_t d = 0; d < kDays.size(); ++d) {
    for (const char *s : kDays[d]) {
      const std::string_view stem(s);
      const bool whole = stem.size() <= 5 && stem[0] >= 'a' && stem[0] <= 'z';
      const bool exact_word = stem == "середа" || stem == "середу" || stem == "середи" || stem == "среда" ||
                              stem == "среду" || stem == "средой";
      if ((whole || exact_word) ? w == stem : w.starts_with(stem)) return static_cast<int>(d);
    }
  }
  return -1;
}

std::optional<Day> make_day(int year, int month, int day) {
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  return Day(ymd);
}

// A day of the month without a month: this month if it is still ahead, else the next.
std::optional<Day> day_of_month(int d, Day today) {
  const std::chrono::year_month_day t{today};
  int y = static_cast<int>(t.year()), m = static_cast<int>(static_cast<unsigned>(t.month()));
  if (d < static_cast<int>(static_cast<unsigned>(t.day()))) {
    if (++m > 12) {
      m = 1;
      ++y;
    }
  }
  return make_day(y, m, d);
}

std::optional<Day> day_in_month(int d, int month, Day today) {
  const std::chrono::year_month_day t{today};
  int y = static_cast<int>(t.year());
  auto day = make_day(y, month, d);
  if (day && *day < today) day = make_day(y + 1, month, d);
  return day;
}

// "25th", "1st", "25го", "25-е"
std::optional<int> ordinal_day(const Utterance &u, size_t i) {
  const std::string &w = u.words[i];
  size_t k = 0;
  while (k < w.size() && w[k] >= '0' && w[k] <= '9') ++k;
  if (k == 0 || k > 2) return std::nullopt;
  const int n = std::atoi(w.substr(0, k).c_str());
  if (n < 1 || n > 31) return std::nullopt;
  const std::string_view suffix = std::string_view(w).substr(k);
  if (in(suffix, {"st", "nd", "rd", "th", "го", "е", "ого", "гo"})) return n;
  if (suffix.empty() && in(word_at(u, i + 1), {"го", "е", "числа", "число", "of"})) return n;
  return std::nullopt;
}

// "10.03", "10.03.2026", "2026-03-10" in the normalised text.
std::optional<Day> numeric_date(std::string_view s, Day today) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')) continue;
    size_t j = i;
    auto read = [&](size_t max) {
      int v = 0;
      size_t n = 0;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9' && n < max) {
        v = v * 10 + (s[j] - '0');
        ++j;
        ++n;
      }
      return std::pair<int, size_t>{v, n};
    };
    auto [a, na] = read(4);
    if (na == 4 && j < s.size() && s[j] == '-') {
      ++j;
      auto [m, nm] = read(2);
      if (nm == 2 && j < s.size() && s[j] == '-') {
        ++j;
        auto [d, nd] = read(2);
        if (nd == 2) {
          if (auto day = make_day(a, m, d)) return day;
        }
      }
      continue;
    }
    if (na > 2 || j >= s.size() || s[j] != '.') continue;
    ++j;
    auto [m, nm] = read(2);
    if (nm == 0 || m < 1 || m > 12) continue;
    if (j + 1 < s.size() && s[j] == '.' && s[j + 1] >= '0' && s[j + 1] <= '9') {
      ++j;
      auto [y, ny] = read(4);
      if (ny == 4) {
        if (auto day = make_day(y, m, a)) return day;
      }
      continue;
    }
    if (auto day = day_in_month(a, m, today)) return day;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Day> find_date(const Utterance &u, Day today, Expect expect) {
  using std::chrono::days;
  if (u.phrase_any({"day after tomorrow"}) || u.is_any({"післязавтра", "послезавтра"})) return today + days(2);
  if (u.is_any({"завтра", "tomorrow", "завтрашній", "завтрашний"})) return today + days(1);
  if (u.is_any({"сьогодні", "сегодня", "today", "сьогоднішній"})) return today;
  if (u.phrase_any({"через тиждень", "через неделю", "in a week", "next week"})) return today + days(7);
  for (size_t i = 0; i < u.words.size(); ++i) {
    const int wd = weekday_of_word(u.words[i]);
    if (wd < 0) continue;
    const int now = store::weekday_index(today);
    int ahead = (wd - now + 7) % 7;
    if (ahead == 0) ahead = 7;
    bool next = false;
    for (size_t k = i >= 2 ? i - 2 : 0; k < i; ++k) {
      next = next || starts_any(u.words[k], {"наступн", "следующ", "next", "слідуюч"});
    }
    // "next Friday" said on a Wednesday is the Friday of next week, not the day after tomorrow.
    if (next && now + ahead <= 6) ahead += 7;
    return today + days(ahead);
  }
  if (auto d = numeric_date(u.norm, today)) return d;
  for (size_t i = 0; i < u.words.size(); ++i) {
    auto n = number_of(u.words[i]);
    const int month_after = month_of_word(word_at(u, i + 1));
    const int month_before = i > 0 ? month_of_word(u.words[i - 1]) : 0;
    if (n && *n >= 1 && *n <= 31 && (month_after || month_before)) {
      return day_in_month(*n, month_after ? month_after : month_before, today);
    }
    // "March 25th"
    if (auto od = ordinal_day(u, i)) {
      if (month_before) return day_in_month(*od, month_before, today);
      return day_of_month(*od, today);
    }
  }
  if (expect == Expect::date) {
    for (size_t i = 0; i < u.words.size(); ++i) {
      auto n = number_of(u.words[i]);
      if (!n || *n < 1 || *n > 31) continue;
      const std::string &prev = i > 0 ? u.words[i - 1] : word_at(u, u.words.size());
      if (in(prev, {"о", "об", "at", "в", "во", "к"})) continue;  // a time
      if (u.norm.find(':') != std::string::npos) continue;
      return day_of_month(*n, today);
    }
  }
  return std::nullopt;
}

// ---- times ----

namespace {

bool hour_word(std::string_view w) {
  return starts_any(w, {"годин", "година", "годині", "час", "o'clock", "oclock", "ранку", "утра", "вечора", "вечера",
                        "дня", "ночі", "ночи"}) ||
         in(w, {"am", "pm", "a", "p"});
}

bool pm_word(std::string_view w) { return in(w, {"pm", "p", "вечора", "вечера", "дня"}); }
bool am_word(std::string_view w) { return in(w, {"am", "a", "ранку", "утра"}); }

std::string hhmm(int h, int m) {
  std::string out = std::to_string(h % 24) + ":" + std::to_string(m % 60);
  if (h % 24 < 10) out.insert(0, "0");
  if (m % 60 < 10) out.insert(out.size() - 1, "0");
  return out;
}

// The shop works 8:00–20:00: "о другій", "at three" mean the afternoon unless said otherwise.
int day_hour(int h, bool am, bool pm) {
  if (pm && h < 12) return h + 12;
  if (!am && h >= 1 && h <= 7) return h + 12;
  return h;
}

}  // namespace

std::optional<std::string> find_time(const Utterance &u, Expect expect, DayPart *part) {
  DayPart dp = DayPart::none;
  if (u.has_any({"зранку", "вранці", "ранку", "утром", "утра", "morning", "зрання"})) dp = DayPart::morning;
  if (u.phrase_any({"після обід*", "после обед*", "in the afternoon", "по обіді"}) ||
      u.is_any({"вдень", "днем", "afternoon"})) {
    dp = DayPart::afternoon;
  }
  if (u.has_any({"ввечері", "вечером", "evening", "увечері", "вечір"})) dp = DayPart::evening;
  if (part != nullptr) *part = dp;
  const bool am = dp == DayPart::morning || u.is_any({"am", "ранку", "утра"});
  const bool pm = dp == DayPart::evening || u.is_any({"pm", "вечора", "вечера", "дня"});
  // "10:30", "9:05" in the normalised text.
  const std::string &s = u.norm;
  for (size_t i = 0; i + 3 < s.size() + 1; ++i) {
    if (s[i] != ':') continue;
    size_t b = i;
    while (b > 0 && s[b - 1] >= '0' && s[b - 1] <= '9') --b;
    if (i - b < 1 || i - b > 2 || i + 2 >= s.size() + 0 || !(s[i + 1] >= '0' && s[i + 1] <= '9') ||
        !(s[i + 2] >= '0' && s[i + 2] <= '9')) {
      continue;
    }
    if (i + 3 < s.size() && s[i + 3] >= '0' && s[i + 3] <= '9') continue;
    const int h = std::atoi(s.substr(b, i - b).c_str());
    const int m = std::atoi(s.substr(i + 1, 2).c_str());
    if (h <= 23 && m <= 59) return hhmm(day_hour(h, am, pm), m);
  }
  for (size_t i = 0; i < u.words.size(); ++i) {
    std::string w = u.words[i];
    bool suffix_am = false, suffix_pm = false;
    if (w.size() > 2 && (w.ends_with("am") || w.ends_with("pm")) && all_digits(w.substr(0, w.size() - 2))) {
      suffix_am = w.ends_with("am");
      suffix_pm = !suffix_am;
      w = w.substr(0, w.size() - 2);
    }
    auto n = number_of(w);
    if (!n || *n > 23 || w.size() > 2) continue;
    const std::string &prev = i > 0 ? u.words[i - 1] : word_at(u, u.words.size());
    const std::string &next = word_at(u, i + 1);
    if (month_of_word(next) != 0 ||
        starts_any(next,
                   {"числ", "шин", "шт",  "колес",  "грн",    "хвилин", "минут", "tyre", "tire",   "дн",     "day",
                    "рок",  "рік", "год", "радіус", "радиус", "дюйм",   "inch",  "диск", "відсот", "процент"})) {
      continue;
    }
    const bool at =
        in(prev, {"о", "об", "at", "around", "about", "by", "близько", "около", "після", "после", "after"}) ||
        (in(prev, {"в", "во", "на", "к", "з", "с"}) && expect != Expect::date);
    if (at || hour_word(next) || suffix_am || suffix_pm || (expect == Expect::time && u.words.size() <= 2)) {
      if (*n == 0) continue;
      const bool a = am || suffix_am || am_word(next);
      const bool p = pm || suffix_pm || pm_word(next);
      return hhmm(day_hour(*n, a, p), 0);
    }
  }
  return std::nullopt;
}

// ---- quantities, numbers, phones ----

std::optional<int> find_quantity(const Utterance &u, Expect expect) {
  for (size_t i = 0; i < u.words.size(); ++i) {
    const std::string &next = word_at(u, i + 1);
    const bool unit = starts_any(next, {"шин", "шт", "штук", "колес", "покриш", "покрыш", "tyre", "tire", "pcs",
                                        "piece", "wheel", "резин", "баллон"});
    auto n = number_of(u.words[i]);
    if (n && *n >= 1 && *n <= 99 && unit) return n;
    if (unit && in(u.words[i], {"одну", "одна", "one", "одну", "a"})) return 1;
  }
  if (u.has_any({"комплект", "набір", "набор"}) ||
      u.phrase_any({"all four", "a set", "full set", "всі чотири", "все четыре", "всі 4", "все 4", "all 4"})) {
    return 4;
  }
  if (u.is_any({"пару", "пара", "pair", "couple"})) return 2;
  // Choosing from offers, a lone small number is how many: "the cheapest one, four please".
  if (expect == Expect::product || expect == Expect::order_offer) {
    std::optional<int> only;
    int numbers = 0;
    for (const auto &w : u.words) {
      if (auto n = number_of(w)) {
        ++numbers;
        only = n;
      }
    }
    if (numbers == 1 && *only >= 1 && *only <= 20) return only;
  }
  if (expect == Expect::quantity) {
    for (const auto &w : u.words) {
      auto n = number_of(w);
      if (n && *n >= 1 && *n <= 99) return n;
      if (in(w, {"одну", "одна", "one", "одну"})) return 1;
    }
  }
  return std::nullopt;
}

std::string find_phone(const Utterance &u) {
  for (const auto &p : u.placeholders) {
    if (p.starts_with("[PHONE")) return p;
  }
  // Digit groups the caller dictated: "050 123 45 67", "+38 (050) 123-45-67".
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < u.norm.size(); ++i) {
    const char c = u.norm[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && digits.empty()) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != ',' && c != '.') {
      if (digits.size() >= 10) break;
      digits.clear();
      plus = false;
    }
  }
  if (digits.size() < 10 || digits.size() > 12) return {};
  if (auto p = store::normalize_phone((plus ? "+" : "") + digits)) return *p;
  return {};
}

// ---- answers and choices ----

Answer find_answer(const Utterance &u, bool *backchannel) {
  static const std::initializer_list<std::string_view> kYes = {
      "так",           "да",           "yes",        "yeah",       "yep",        "yup",        "ага",
      "угу",           "ок",           "окей",       "ok",         "okay",       "добре",      "хорошо",
      "гаразд",        "звісно",       "звичайно",   "конечно",    "sure",       "certainly",  "підтверджую",
      "подтверждаю",   "confirm",      "confirmed",  "давайте",    "давай",      "згоден",     "згодна",
      "згодні",        "согласен",     "согласна",   "правильно",  "вірно",      "верно",      "correct",
      "right",         "точно",        "авжеж",      "оформлюйте", "оформляйте", "записуйте",  "записывайте",
      "бронюйте",      "підходить",    "подходит",   "влаштовує",  "устраивает", "fine",       "perfect",
      "great",         "please",       "ладно",      "можна",      "можно",      "хочу",       "absolutely",
      "підтверджуємо", "подтверждаем", "оформлюємо", "оформляем",  "записуємо",  "записываем", "бажано"};
  static const std::initializer_list<std::string_view> kNo = {"ні", "нет", "no", "nope", "неа", "ниет", "nah"};
  const bool neg_phrase =
      u.phrase_any({"не треба", "не надо", "не потрібно", "не нужно", "не хочу", "не варто", "не підходить",
                    "не подходит", "не влаштовує", "не устраивает", "don't", "do not", "not now", "no thanks",
                    "не зараз", "не сейчас", "не підтверджую", "не подтверждаю", "not really"});
  size_t yes_at = Utterance::npos, no_at = Utterance::npos;
  for (size_t i = 0; i < u.words.size(); ++i) {
    if (yes_at == Utterance::npos && in(u.words[i], kYes)) yes_at = i;
    if (no_at == Utterance::npos && in(u.words[i], kNo)) no_at = i;
  }
  if (u.phrase_any({"go ahead", "of course", "that's right", "все вірно", "все верно", "все правильно"})) yes_at = 0;
  if (neg_phrase && (no_at == Utterance::npos)) no_at = u.find_stem("не");
  if (backchannel != nullptr) {
    *backchannel = u.words.size() <= 2 && !u.words.empty() &&
                   std::all_of(u.words.begin(), u.words.end(), [](const std::string &w) {
                     return in(w, {"ага", "угу", "ок", "окей", "ok", "okay", "mhm", "ммм", "мм", "хм", "ну", "ясно",
                                   "зрозуміло", "понятно", "понял", "поняла", "зрозумів", "зрозуміла", "alright"});
                   });
  }
  if (no_at != Utterance::npos && (yes_at == Utterance::npos || no_at <= yes_at || neg_phrase)) return Answer::no;
  if (yes_at != Utterance::npos) return Answer::yes;
  return Answer::none;
}

Choice find_choice(const Utterance &u) {
  // The caller's own words: the normaliser may have made "перший" a digit.
  for (const auto &w : u.raw_words) {
    if (starts_any(w, {"перш", "перв"}) || in(w, {"first", "1st"})) return 0;
    if (in(w, {"другий", "друга", "другу", "другого", "другої", "другій", "друге", "второй", "вторую", "вторая",
               "второе", "второго", "second", "2nd"})) {
      return 1;
    }
    if (starts_any(w, {"трет"}) || in(w, {"третій", "третя", "третю", "third", "3rd"})) return 2;
    if (starts_any(w, {"четверт"}) || in(w, {"fourth", "4th"})) return 3;
    if (starts_any(w, {"останн", "последн"}) || in(w, {"last"})) return -1;
    if (starts_any(w, {"найдешевш", "дешевш", "дешев", "бюджетн", "найдешев"}) ||
        in(w, {"cheapest", "cheaper", "cheap"})) {
      return 0;
    }
    if (starts_any(w, {"середн", "средн"}) || in(w, {"middle", "mid", "medium"})) return 1;
    if (starts_any(w, {"найдорожч", "дорожч", "дорог", "преміум", "премиум", "преміальн", "премиальн"}) ||
        in(w, {"premium", "dearest", "expensive"})) {
      return -1;
    }
  }
  if (u.phrase_any({"most expensive", "the best", "найкращ*", "самые лучшие", "самую лучшую"})) return -1;
  return std::nullopt;
}

Slots extract_slots(const Utterance &u, const SlotContext &ctx) {
  Slots s;
  s.size = text::find_tyre_size(u.norm, ctx.lang);
  if (s.size) {
    s.diameter = s.size->rim;
  } else {
    s.diameter = find_diameter(u, ctx.expect);
  }
  s.season = find_season(u);
  if (!s.season && ctx.expect == Expect::season &&
      (u.phrase_any({"не важливо", "неважливо", "все одно", "будь-як*", "байдуже", "неважно", "всё равно", "все равно",
                     "any", "doesn't matter", "no preference", "whatever", "не має значення", "не имеет значения",
                     "будь як*", "будь які", "любые", "любой", "either"}) ||
       u.has("будь"))) {
    s.any_season = true;
  }
  s.brand = find_brand(u);
  s.vehicle = find_vehicle(u, ctx.expect);
  s.city = find_city(u);
  s.date = find_date(u, ctx.today, ctx.expect);
  s.time = find_time(u, ctx.expect, &s.day_part);
  s.quantity = find_quantity(u, ctx.expect);
  s.phone = find_phone(u);
  for (const auto &w : u.words) {
    if (w.size() >= 5 && w.size() <= 7 && all_digits(w) && !(s.vehicle.year && std::to_string(*s.vehicle.year) == w)) {
      s.number = w;
      break;
    }
  }
  if (!s.phone.empty() && s.number.size() >= 5 && s.phone.find(s.number) != std::string::npos) s.number.clear();
  s.answer = find_answer(u, &s.backchannel);
  s.choice = find_choice(u);
  // "Перший" is the first of a list, "о першій" one o'clock: an ordinal with no digits said and no
  // preposition of time is a choice.
  if (s.choice && s.time) {
    const bool digits = std::any_of(u.raw.begin(), u.raw.end(), [](char c) { return c >= '0' && c <= '9'; });
    bool at = false;
    for (const auto &w : u.raw_words) {
      at = at || in(w, {"о", "об", "at", "в", "во", "на", "к", "до", "з", "с", "після", "после", "around", "by"});
    }
    if (!digits && !at) s.time.reset();
  }

  if (u.has_any({"онлайн", "online", "посиланн", "ссылк", "передоплат", "предоплат", "prepay"}) ||
      u.is_any({"link", "internet", "інтернет"})) {
    s.payment = store::PaymentMethod::online;
  } else if (u.has_any({"карт", "card", "термінал", "терминал"})) {
    s.payment = store::PaymentMethod::card_on_delivery;
  } else if (u.has_any({"накладен", "наложен", "післяплат", "готівк", "наличн", "налож", "cash", "cod"})) {
    s.payment = store::PaymentMethod::cod;
  }

  if (u.has_any({"самовивіз", "самовивоз", "самовывоз", "заберу", "забер", "pickup", "самостійно", "самостоятельно",
                 "самовиз"}) ||
      u.phrase_any({"pick up", "pick it up", "collect", "сам приїду", "сам приеду", "сам заберу"})) {
    s.delivery = store::DeliveryType::pickup;
  } else if (u.has_any({"доставк", "доставит", "доставте", "достав", "delivery", "deliver", "ship", "кур'єр", "курьер",
                        "courier"}) ||
             u.phrase_any({"нов* пошт*", "нов* почт*", "nova poshta", "нп"})) {
    s.delivery = store::DeliveryType::delivery;
  }

  const bool balancing = u.has_any({"балансуван", "балансировк", "balanc", "балансув"});
  const bool change = u.has_any({"монтаж", "шиномонт", "замін", "заміни", "замен", "переобу", "перевзу", "change",
                                 "swap", "fitting", "поміня", "поменя"});
  if (balancing && change) {
    s.service = store::Service::full_service;
  } else if (balancing) {
    s.service = store::Service::balancing;
  } else if (u.phrase_any({"повн* сервіс*", "полн* сервис*", "full service", "комплексн*", "під ключ", "под ключ"})) {
    s.service = store::Service::full_service;
  } else if (change) {
    s.service = store::Service::tire_change;
  }

  if (ctx.expect == Expect::address || ctx.expect == Expect::callback_time) {
    std::string a = u.norm;
    const size_t b = a.find_first_not_of(" ,.");
    const size_t e = a.find_last_not_of(" ,.!?");
    a = b == std::string::npos ? std::string() : a.substr(b, e - b + 1);
    if (ctx.expect == Expect::address) {
      s.address = a;
    } else {
      s.preferred_time = a;
    }
  }
  return s;
}

}  // namespace ca::agent::rule
