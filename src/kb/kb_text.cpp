#include "kb/kb_text.hpp"

#include "core/utf8.hpp"
#include "text/lang.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

namespace ca::kb {

namespace {

using utf8::CodePoint;
using utf8::decode;
inline void append_utf8(std::string &out, char32_t cp) { utf8::append(out, cp); }

char32_t fold(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c < 0x400 || c > 0x4FF) return c;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;  // А..Я
  if (c <= 0x40F) c += 0x50;                      // Ѐ..Џ, with Ё Є І Ї Ў
  if (c == 0x490) c = 0x491;                      // Ґ
  if (c == 0x451) return 0x435;                   // ё → е
  if (c == 0x491) return 0x433;                   // ґ → г
  return c;
}

bool is_apostrophe(char32_t c) {
  return c == U'\'' || c == U'`' || c == 0xB4 || c == 0x2BC || c == 0x2018 || c == 0x2019;
}

// Letters and digits, as unicode61 sees them for the scripts of the calls; anything else
// separates tokens.
bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9');
  if (c <= 0xBF || c == 0xD7 || c == 0xF7) return false;
  if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) ||
      (c >= 0xFE30 && c <= 0xFE4F) || c == 0xFEFF || c == 0x2BC)
    return false;
  return true;
}

bool is_cyrillic(char32_t c) { return c >= 0x400 && c <= 0x52F; }

bool is_digits(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Normalized already: no apostrophes, ё written е, ґ written г.
constexpr std::array kStopWords = {
    // Ukrainian
    "а", "але", "б", "би", "бо", "в", "вам", "вас", "ваш", "ваша", "ваше", "ваші", "вашу", "вашого", "вже", "ви",
    "від", "він", "вона", "вони", "воно", "все", "всі", "де", "для", "до", "добрий", "доброго", "день", "дня",
    "дякую", "є", "ж", "же", "за", "з", "зі", "із", "і", "й", "їх", "її", "к", "коли", "куди", "ласка", "будь",
    "мене", "мені", "ми", "мій", "моя", "моє", "мої", "мою", "мого", "може", "можна", "можу", "можете", "мабуть",
    "на", "над", "нам", "нас", "наш", "не", "немає", "нема", "ні", "ну", "о", "от", "ось", "по", "під",
    "підкажіть", "підкажи", "скажіть", "скажи", "поясніть", "розкажіть", "про", "при", "привіт", "так", "там",
    "те", "тепер", "ти", "то", "тобто", "треба", "тут", "у", "хочу", "хотів", "хотіла", "хотілося", "це", "цей",
    "ця", "ці", "цього", "чи", "що", "щоб", "як", "який", "яка", "яке", "які", "якщо", "якої", "якого", "яку",
    "алло", "слухайте", "дуже", "просто", "ще", "також", "теж", "мати", "маєте", "маю", "буде", "було", "бути",
    "взагалі", "цікавить", "цікавлять", "питання", "запитання", "знати", "скільки", "потрібно", "потрібні",
    "потрібна", "потрібен", "чому", "зараз", "вже", "або", "тоді", "там", "його", "мені", "собі", "свої", "свою",
    "без", "через", "після", "перед", "вони", "ваших", "вашої", "вашій", "ось", "щось", "якийсь", "трохи", "ага",
    // Russian
    "бы", "вот", "вы", "да", "добрый", "если", "есть", "еще", "и", "из", "или", "их", "как", "какие", "какой",
    "какая", "какое", "когда", "кто", "ли", "меня", "мне", "мы", "нет", "об", "подскажите", "пожалуйста", "с",
    "скажите", "расскажите", "хотел", "хотела", "что", "чтобы", "это", "эти", "этот", "эта", "я", "очень",
    "нужно", "надо", "нужны", "нужен", "нужна", "сколько", "где", "почему", "интересует", "вопрос", "спасибо",
    "будет", "быть", "был", "была", "у", "вас", "ваши", "здравствуйте", "здрастуйте", "можно", "ваш", "они",
    "он", "она", "оно", "там", "тут", "сейчас", "уже", "тоже", "также", "без", "после", "чем", "мой", "моя",
    "мои", "свои", "его", "ее", "или", "либо", "ещё",
    // English
    "a", "an", "the", "and", "or", "but", "i", "im", "ive", "me", "my", "mine", "we", "you", "your", "do", "does",
    "did", "is", "are", "was", "were", "be", "been", "to", "of", "in", "on", "at", "for", "with", "about", "can",
    "could", "would", "should", "will", "what", "whats", "which", "how", "when", "where", "who", "why", "it",
    "its", "this", "that", "these", "those", "have", "has", "had", "hi", "hello", "please", "tell", "know", "want",
    "need", "like", "there", "any", "some", "so", "if", "just", "okay", "ok", "yes", "no", "not", "much", "many",
    "get", "got", "from", "by", "as", "up", "out", "am", "dont", "thanks", "thank", "hey", "also", "too", "than",
    "then", "um", "uh", "us", "our", "they", "them", "their", "he", "she", "his", "her", "still", "whether",
    "wondering", "id", "im", "one", "ones", "something", "anything", "really", "very", "here", "into", "after"};

// Greedy longest match; normalized (е for ё, г for ґ).
constexpr std::array kCyrillicEndings = {
    "ування", "ювання", "уванні", "ованих", "ування", "ення", "ання", "яння", "іння", "ості", "ість", "ость",
    "ости", "ться", "тися", "ують", "ются", "ются", "ами", "ями", "ові", "еві", "ого", "ому", "ими", "іми", "ать",
    "ять", "ити", "ати", "іти", "ють", "ете", "єте", "ите", "іть", "ємо", "имо", "емо", "ого", "его", "ому", "ему",
    "ыми", "ах", "ях", "ою", "ею", "ом", "ем", "ів", "їв", "ей", "ий", "ій", "ої", "их", "ім", "им", "ую", "юю",
    "ая", "яя", "ое", "ее", "ые", "ие", "ым", "ов", "ев", "ть", "ти", "ся", "сь", "ує", "ют", "ут", "ам", "ям",
    "ой", "ых", "ия", "ии", "ью", "ки", "ку", "а", "я", "о", "е", "и", "і", "ї", "у", "ю", "ь", "й", "ы", "є"};

constexpr std::array kLatinEndings = {"ies", "ing", "ed", "es", "ly", "s", "y", "e"};

constexpr size_t kMinStem = 3;
constexpr size_t kMaxCyrillicStem = 6;

// Word pairs whose stems a caller uses for one thing: colloquial "резина"/"гума" for tyres,
// Russian words for the Ukrainian ones the articles use, American spelling for British.
constexpr std::pair<const char *, const char *> kEquivalents[] = {
    {"резина", "шина"},         {"резину", "шина"},       {"гума", "шина"},         {"гуму", "шина"},
    {"tire", "tyre"},           {"tires", "tyre"},        {"зимние", "зимові"},     {"зимняя", "зимова"},
    {"зимнюю", "зимова"},       {"летние", "літні"},      {"летняя", "літня"},      {"летнюю", "літня"},
    {"возврат", "повернення"},  {"вернуть", "повернути"}, {"хранение", "зберігання"}, {"хранить", "зберігати"},
    {"давление", "тиск"},       {"износ", "знос"},        {"глубина", "глибина"},   {"размер", "розмір"},
    {"нагрузка", "навантаження"}, {"скорость", "швидкість"}, {"индекс", "індекс"},  {"руль", "кермо"},
    {"наложенный", "накладений"}, {"почта", "пошта"},     {"почтой", "пошта"},      {"посылка", "посилка"},
    {"цена", "ціна"},           {"стоимость", "вартість"}, {"проколол", "прокол"},  {"колеса", "колесо"},
    {"колес", "колесо"},        {"всесезонка", "всесезонні"}, {"доставляете", "доставка"}, {"хранения", "зберігання"},
};

const std::unordered_set<std::string> &stop_words() {
  static const std::unordered_set<std::string> set = [] {
    std::unordered_set<std::string> s;
    for (const char *w : kStopWords) s.insert(normalize(w));
    return s;
  }();
  return set;
}

const std::unordered_multimap<std::string, std::string> &equivalents() {
  static const std::unordered_multimap<std::string, std::string> map = [] {
    std::unordered_multimap<std::string, std::string> m;
    for (const auto &[from, to] : kEquivalents) {
      const std::string a = stem(normalize(from)), b = stem(normalize(to));
      if (a == b) continue;
      bool seen = false;
      for (auto [it, end] = m.equal_range(a); it != end; ++it) seen = seen || it->second == b;
      if (!seen) m.emplace(a, b);
    }
    return m;
  }();
  return map;
}

template <size_t N>
std::vector<std::string_view> longest_first(const std::array<const char *, N> &endings) {
  std::vector<std::string_view> v(endings.begin(), endings.end());
  std::stable_sort(v.begin(), v.end(),
                   [](std::string_view a, std::string_view b) { return utf8_length(a) > utf8_length(b); });
  return v;
}

const std::vector<std::string_view> &cyrillic_endings() {
  static const std::vector<std::string_view> v = longest_first(kCyrillicEndings);
  return v;
}

const std::vector<std::string_view> &latin_endings() {
  static const std::vector<std::string_view> v = longest_first(kLatinEndings);
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string_view utf8_prefix(std::string_view s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == n) return s.substr(0, i);
      ++count;
    }
  }
  return s;
}

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char32_t prev = 0;
  for (size_t i = 0; i < text.size();) {
    const CodePoint cp = decode(text, i);
    if (!cp.valid) {
      out.push_back(text[i]);
      prev = 0;
      i += 1;
      continue;
    }
    if (is_apostrophe(cp.value) && is_word_char(prev) && i + cp.length < text.size()) {
      const CodePoint next = decode(text, i + cp.length);
      if (next.valid && is_word_char(next.value)) {
        i += cp.length;  // inside a word: dropped
        continue;
      }
    }
    append_utf8(out, fold(cp.value));
    prev = cp.value;
    i += cp.length;
  }
  return out;
}

std::vector<std::string> words(std::string_view text) {
  const std::string norm = normalize(text);
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < norm.size();) {
    const CodePoint cp = decode(norm, i);
    if (cp.valid && is_word_char(cp.value)) {
      cur.append(norm, i, cp.length);
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
    i += cp.length;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool is_stop_word(std::string_view word) { return stop_words().count(std::string(word)) != 0; }

std::string stem(std::string_view word) {
  if (is_digits(word)) return std::string(word);
  bool cyrillic = false;
  for (size_t i = 0; i < word.size();) {
    const CodePoint cp = decode(word, i);
    cyrillic = cyrillic || (cp.valid && is_cyrillic(cp.value));
    i += cp.length;
  }
  const size_t len = utf8_length(word);
  std::string_view s = word;
  auto strip = [&](const std::vector<std::string_view> &endings) {
    for (const std::string_view e : endings) {
      if (ends_with(s, e) && len - utf8_length(e) >= kMinStem) {
        s.remove_suffix(e.size());
        return;
      }
    }
  };
  if (cyrillic) {
    strip(cyrillic_endings());
    s = utf8_prefix(s, kMaxCyrillicStem);
  } else {
    strip(latin_endings());
  }
  return std::string(s);
}

std::vector<QueryTerm> query_terms(std::string_view query, size_t max_terms) {
  std::vector<QueryTerm> out;
  auto add = [&](std::string t, bool prefix) {
    if (out.size() >= max_terms) return;
    for (const auto &q : out)
      if (q.text == t) return;
    out.push_back({std::move(t), prefix});
  };
  for (const std::string &w : words(query)) {
    if (is_stop_word(w)) continue;
    if (is_digits(w)) {
      add(w, false);
      continue;
    }
    if (utf8_length(w) < 2) continue;
    const std::string s = stem(w);
    add(s, true);
    for (auto [it, end] = equivalents().equal_range(s); it != end; ++it) add(it->second, true);
  }
  return out;
}

std::string build_match_query(std::string_view query) {
  std::string out;
  for (const QueryTerm &t : query_terms(query)) {
    if (!out.empty()) out += " OR ";
    out += '"';
    for (const char c : t.text) {
      out += c;
      if (c == '"') out += '"';
    }
    out += '"';
    if (t.prefix) out += '*';
  }
  return out;
}

std::string detect_language(std::string_view text) { return std::string(text::lang_code(text::detect_lang(text))); }

}  // namespace ca::kb
