#include "text/brands.hpp"

#include <algorithm>
#include <bitset>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/scan.hpp"

namespace ca::text {

namespace {

struct Brand {
  detail::BrandInfo info;
  std::vector<const char *> aliases;  // lower case; the Latin name is added automatically
};

// Aliases in Key form (lower case, ё → е, apostrophe '). Cyrillic aliases ending in a consonant,
// ь, а or я also match their inflected forms (мішленом, континенталі, росаву, белшиною).
const std::vector<Brand> &brands() {
  static const std::vector<Brand> list = {
      {{"Michelin", "Мішлен", "Мишлен"},
       {"мішлен", "мишлен", "мішелін", "мишелин", "мішлін", "мишлин", "мічелін", "мичелин", "мішелен", "мишелен",
        "мішленівські"}},
      {{"Continental", "Континенталь", "Континенталь"},
       {"континенталь", "континентал", "контінентал", "контіненталь", "континенталь", "конті", "конти"}},
      {{"Nokian", "Нокіан", "Нокиан"}, {"нокіан", "нокиан", "нокіян", "нокиян", "нокія", "нокиа", "нокіа", "nokia"}},
      {{"Bridgestone", "Бріджстоун", "Бриджстоун"},
       {"бріджстоун", "бриджстоун", "бріджестоун", "бриджестоун", "бріджстон", "бриджстон", "бріджстоун", "бріцтоун"}},
      {{"Goodyear", "Гудієр", "Гудиер"},
       {"гудієр", "гудиер", "гудъир", "гудьір", "гудйір", "гудїр", "гудєар", "гудйеар", "гудиар", "гудір", "гудир",
        "гудєр", "гудьер", "гуд йеар", "гуд єар", "гуд ієр", "гуд иер", "гуд еар", "good year"}},
      {{"Hankook", "Ханкук", "Ханкук"}, {"ханкук", "хенкук", "ханкок", "хэнкук", "ханкук", "хан кук", "ганкук"}},
      {{"Pirelli", "Піреллі", "Пирелли"}, {"піреллі", "пірелі", "пирелли", "пирели", "пірелли"}},
      {{"Yokohama", "Йокогама", "Йокохама"},
       {"йокогама", "йокохама", "йокагама", "йокахама", "екохама", "іокогама", "йокохамма"}},
      {{"Kumho", "Кумхо", "Кумхо"}, {"кумхо", "кумго", "кумхоу"}},
      {{"Nexen", "Нексен", "Нексен"}, {"нексен", "нексан", "нексин"}},
      {{"Laufenn", "Лауфен", "Лауфен"}, {"лауфен", "лауфенн", "лафен", "лауфн"}},
      {{"Rosava", "Росава", "Росава"}, {"росава"}},
      {{"Belshina", "Белшина", "Белшина"}, {"белшина", "бєлшина", "білшина", "бєлшина", "бел шина"}},
      {{"Dunlop", "Данлоп", "Данлоп"}, {"данлоп", "донлоп", "данлап", "дунлоп"}},
      {{"Toyo", "Тойо", "Тойо"}, {"тойо", "тоё", "тойоу"}},
      {{"Falken", "Фалкен", "Фалкен"}, {"фалкен", "фалькен", "фолкен"}},
      {{"Matador", "Матадор", "Матадор"}, {"матадор"}},
      {{"Barum", "Барум", "Барум"}, {"барум"}},
      {{"Kleber", "Клебер", "Клебер"}, {"клебер", "клєбер", "клебэр"}},
      {{"BFGoodrich", "Бі Еф Гудріч", "Би Эф Гудрич"},
       {"bf goodrich", "b f goodrich", "goodrich", "бі еф гудріч", "бі еф гудрич", "бе еф гудріч", "би эф гудрич",
        "би еф гудрич", "бф гудріч", "бф гудрич", "бфгудріч", "бфгудрич", "гудріч", "гудрич"}},
      {{"Sava", "Сава", "Сава"}, {"сава"}},
      {{"Dębica", "Дембіца", "Дембица"},
       {"debica", "дембіца", "дембица", "дебіца", "дебица", "дэмбица", "дембіца", "дембиця"}},
      {{"Tigar", "Тігар", "Тигар"}, {"тігар", "тигар"}},
      {{"Kormoran", "Корморан", "Корморан"}, {"корморан", "карморан"}},
      {{"Triangle", "Тріангл", "Триангл"}, {"тріангл", "триангл", "тріангле", "трайенгл", "трайангл", "тріенгл"}},
      {{"Sailun", "Сайлун", "Сайлун"}, {"сайлун", "саілун", "сейлун", "сайлан"}},
      {{"Premiorri", "Преміоррі", "Премиорри"}, {"преміорі", "преміоррі", "премиорри", "премиори", "премьори"}},
      {{"Vredestein", "Вредештайн", "Вредестайн"}, {"вредештайн", "вредестейн", "вредестайн", "вредештейн"}},
      {{"Gislaved", "Гіславед", "Гиславед"}, {"гіславед", "гиславед"}},
      {{"Fulda", "Фульда", "Фульда"}, {"фульда", "фулда"}},
      {{"Semperit", "Семперит", "Семперит"}, {"семперит", "семперіт"}},
      {{"Uniroyal", "Юніроял", "Юнироял"}, {"юніроял", "юнироял", "юнірояль"}},
      {{"Cordiant", "Кордіант", "Кордиант"}, {"кордіант", "кордиант"}},
      {{"Viatti", "Віатті", "Виатти"}, {"віатті", "виатти", "віаті", "виати"}},
      {{"Linglong", "Лінлонг", "Линглонг"}, {"лінглонг", "линглонг", "лінлонг", "линлонг", "ling long"}},
      {{"Westlake", "Вестлейк", "Вестлейк"}, {"вестлейк", "вестлэйк", "вестлейг", "west lake"}},
      {{"Maxxis", "Максіс", "Максис"}, {"максіс", "максис", "макссіс"}},
      {{"Nitto", "Нітто", "Нитто"}, {"нітто", "нитто", "ніто"}},
      {{"Lassa", "Ласса", "Ласса"}, {"ласса"}},
      {{"Petlas", "Петлас", "Петлас"}, {"петлас"}},
      {{"Kelly", "Келлі", "Келли"}, {"келлі", "келли"}},
      {{"General Tire", "Дженерал Тайр", "Дженерал Тайр"}, {"general tire", "дженерал", "дженерал тайр"}},
      {{"Firestone", "Файрстоун", "Файрстоун"}, {"файрстоун", "фаєрстоун", "фаерстоун", "файрстон"}},
      {{"Cooper", "Купер", "Купер"}, {"купер"}},
      {{"Nordman", "Нордман", "Нордман"}, {"нордман"}},
      {{"Roadstone", "Роудстоун", "Роудстоун"}, {"роудстоун", "роадстоун", "родстоун"}},
      {{"Achilles", "Ахіллес", "Ахиллес"}, {"ахіллес", "ахиллес", "ахілес", "ахилес"}},
      {{"Armstrong", "Армстронг", "Армстронг"}, {"армстронг"}},
      {{"Goodride", "Гудрайд", "Гудрайд"}, {"гудрайд", "гуд райд"}},
      {{"Hifly", "Хайфлай", "Хайфлай"}, {"хайфлай", "хай флай", "hi fly"}},
      {{"Amtel", "Амтел", "Амтел"}, {"амтел", "амтель"}},
      {{"Tunga", "Тунга", "Тунга"}, {"тунга"}},
      {{"Kama", "Кама", "Кама"}, {}},
      {{"GT Radial", "Джі Ті Радіал", "Джи Ти Радиал"}, {"gt radial", "джі ті радіал", "джи ти радиал"}},
      {{"Marshal", "Маршал", "Маршал"}, {}},
      {{"Mazzini", "Мадзіні", "Маццини"}, {"мадзіні", "маззіні", "маццини"}},
  };
  return list;
}

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Map = std::unordered_map<std::string, const detail::BrandInfo *, Hash, std::equal_to<>>;

struct Tables {
  Map exact;
  Map stems;
  std::bitset<4096> prefixes;              // hashed first two code points of every alias
  std::vector<std::string> phrase_starts;  // first words of multi-word aliases
};

// The first two code points of a word (bytes), hashed into the prefix filter.
size_t prefix_bit(std::string_view key) {
  size_t end = 0;
  for (int cps = 0; cps < 2 && end < key.size(); ++cps) {
    const auto b = static_cast<unsigned char>(key[end]);
    end += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }
  return std::hash<std::string_view>{}(key.substr(0, std::min(end, key.size()))) % 4096;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has_non_ascii(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

const Tables &tables() {
  static const Tables t = [] {
    Tables tb;
    for (const Brand &b : brands()) {
      auto add = [&](std::string_view alias) {
        const std::string a(alias);
        tb.exact.emplace(a, &b.info);
        tb.prefixes.set(prefix_bit(a));
        if (const size_t sp = a.find(' '); sp != std::string::npos) tb.phrase_starts.push_back(a.substr(0, sp));
        if (!has_non_ascii(a)) return;
        // Declinable: ends in a consonant, ь, а or я. The stem drops a final ь/а/я.
        for (const std::string_view soft : {"ь", "а", "я"}) {
          if (ends_with(a, soft)) {
            tb.stems.emplace(a.substr(0, a.size() - soft.size()), &b.info);
            return;
          }
        }
        for (const std::string_view vowel : {"о", "і", "и", "е", "у", "ю", "є", "ї", "ы", "э"})
          if (ends_with(a, vowel)) return;
        tb.stems.emplace(a, &b.info);
      };
      detail::Key k(b.info.name);
      add(k.view());
      for (const char *alias : b.aliases) add(alias);
    }
    // Latin names written together or apart.
    tb.exact.emplace("bfgoodrich", tb.exact.at("bf goodrich"));
    tb.exact.emplace("generaltire", tb.exact.at("general tire"));
    tb.exact.emplace("gtradial", tb.exact.at("gt radial"));
    std::sort(tb.phrase_starts.begin(), tb.phrase_starts.end());
    tb.phrase_starts.erase(std::unique(tb.phrase_starts.begin(), tb.phrase_starts.end()), tb.phrase_starts.end());
    return tb;
  }();
  return t;
}

constexpr std::string_view kEndings[] = {"ами", "ями", "ові", "еві", "ого", "ому", "ом", "ем", "ою", "ею", "ам", "ах",
                                         "ів",  "ей",  "ой",  "у",   "ю",   "а",   "я",  "і",  "и",  "е",  "ї",  "ы"};

}  // namespace

namespace detail {

const BrandInfo *find_brand(std::string_view key) {
  const Tables &t = tables();
  if (const auto it = t.exact.find(key); it != t.exact.end()) return it->second;
  if (!has_non_ascii(key)) return nullptr;
  for (const std::string_view e : kEndings) {
    // At least three letters of stem, so short words never match by accident.
    if (key.size() < e.size() + 6 || !ends_with(key, e)) continue;
    if (const auto it = t.stems.find(key.substr(0, key.size() - e.size())); it != t.stems.end()) return it->second;
  }
  return nullptr;
}

bool may_start_brand(std::string_view key) { return !key.empty() && tables().prefixes.test(prefix_bit(key)); }

bool may_start_brand_phrase(std::string_view key) {
  const auto &starts = tables().phrase_starts;
  return std::binary_search(starts.begin(), starts.end(), key);
}

}  // namespace detail

std::string_view canonical_brand(std::string_view phrase) {
  std::vector<detail::Token> toks;
  detail::tokenize(phrase, toks);
  std::string key;
  detail::Key k;
  size_t words = 0;
  for (const detail::Token &t : toks) {
    if (t.kind == detail::TokKind::space) continue;
    if (t.kind != detail::TokKind::word) return {};
    k.assign(phrase.substr(t.begin, t.size()));
    if (!k.ok() || ++words > 3) return {};
    if (!key.empty()) key.push_back(' ');
    key.append(k.view());
  }
  const detail::BrandInfo *b = detail::find_brand(key);
  return b ? b->name : std::string_view{};
}

std::string_view spoken_brand(std::string_view name, Lang lang) {
  if (lang == Lang::en) return {};
  const std::string_view canon = canonical_brand(name);
  if (canon.empty()) return {};
  const detail::BrandInfo *b = detail::find_brand(detail::Key(canon).view());
  if (!b) return {};
  return lang == Lang::ru ? b->ru : b->uk;
}

}  // namespace ca::text
