#include "providers/pocketsphinx/domain_lm.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include "text/translit.hpp"

namespace ca::providers {

namespace {

// The phones of the CMU en-us acoustic model.
constexpr std::array<const char *, 39> kPhones = {
    "AA", "AE", "AH", "AO", "AW", "AY", "B",  "CH", "D",  "DH", "EH", "ER", "EY", "F",  "G",  "HH", "IH", "IY", "JH", "K",
    "L",  "M",  "N",  "NG", "OW", "OY", "P",  "R",  "S",  "SH", "T",  "TH", "UH", "UW", "V",  "W",  "Y",  "Z",  "ZH"};

// ---- numbers said as words ----

constexpr std::array<const char *, 20> kSmall = {
    "zero",    "one",     "two",       "three",    "four",     "five",    "six",
    "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char *, 10> kTens = {"",      "",      "twenty",  "thirty", "forty",
                                                "fifty", "sixty", "seventy", "eighty", "ninety"};

std::string number_words(int n) {
  if (n < 0) return "minus " + number_words(-n);
  if (n < 20) return kSmall[static_cast<size_t>(n)];
  if (n < 100) {
    std::string s = kTens[static_cast<size_t>(n / 10)];
    if (n % 10 != 0) s += std::string(" ") + kSmall[static_cast<size_t>(n % 10)];
    return s;
  }
  if (n < 1000) {
    std::string s = std::string(kSmall[static_cast<size_t>(n / 100)]) + " hundred";
    if (n % 100 != 0) s += " " + number_words(n % 100);
    return s;
  }
  std::string s = number_words(n / 1000) + " thousand";
  if (n % 1000 != 0) s += " " + number_words(n % 1000);
  return s;
}

// The ways a tyre width (three digits) is said: "two oh five", "two hundred five", "two hundred
// and five", "two zero five"; for 195: "one ninety five", "one hundred ninety five", "one nine five".
std::vector<std::string> width_variants(int w) {
  const int h = w / 100;
  const int rest = w % 100;
  const std::string hs = kSmall[static_cast<size_t>(h)];
  std::vector<std::string> out;
  out.push_back(hs + " " + (rest < 10 ? std::string("oh ") + kSmall[static_cast<size_t>(rest)] : number_words(rest)));
  out.push_back(hs + " hundred " + number_words(rest));
  out.push_back(hs + " hundred and " + number_words(rest));
  out.push_back(hs + " " + kSmall[static_cast<size_t>(rest / 10)] + " " + kSmall[static_cast<size_t>(rest % 10)]);
  return out;
}

// ---- templates ----

struct Node {
  enum class Kind : uint8_t { word, slot, seq, alt, opt };
  Kind kind = Kind::seq;
  std::string text;          // word or slot name
  std::vector<Node> kids;    // seq: items; alt/opt: alternatives (each a seq)
};

class TemplateParser {
 public:
  explicit TemplateParser(std::string_view text) : s_(text) {}

  Result<Node> parse() {
    Node top = alternatives_until('\0');
    if (!error_.empty()) return make_error(Errc::invalid_argument, error_ + " in template \"" + std::string(s_) + "\"");
    return top.kids.size() == 1 ? std::move(top.kids[0]) : wrap_alt(std::move(top));
  }

 private:
  static Node wrap_alt(Node alts) {
    alts.kind = Node::Kind::alt;
    return alts;
  }

  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

  // Alternatives separated by '|' up to `close` (or the end when close is '\0').
  Node alternatives_until(char close) {
    Node alts;
    alts.kind = Node::Kind::alt;
    Node seq;
    seq.kind = Node::Kind::seq;
    while (error_.empty()) {
      skip_space();
      if (i_ >= s_.size()) {
        if (close != '\0') error_ = std::string("missing '") + close + "'";
        break;
      }
      const char c = s_[i_];
      if (c == close) {
        ++i_;
        break;
      }
      if (c == '|') {
        ++i_;
        alts.kids.push_back(std::move(seq));
        seq = Node{};
        seq.kind = Node::Kind::seq;
        continue;
      }
      if (c == '(' || c == '[') {
        ++i_;
        Node inner = alternatives_until(c == '(' ? ')' : ']');
        inner.kind = c == '(' ? Node::Kind::alt : Node::Kind::opt;
        seq.kids.push_back(std::move(inner));
        continue;
      }
      if (c == '{') {
        const size_t end = s_.find('}', i_);
        if (end == std::string_view::npos) {
          error_ = "missing '}'";
          break;
        }
        Node slot;
        slot.kind = Node::Kind::slot;
        slot.text = std::string(s_.substr(i_ + 1, end - i_ - 1));
        seq.kids.push_back(std::move(slot));
        i_ = end + 1;
        continue;
      }
      if (c == ')' || c == ']' || c == '}') {
        error_ = std::string("unexpected '") + c + "'";
        break;
      }
      size_t j = i_;
      while (j < s_.size() && !std::isspace(static_cast<unsigned char>(s_[j])) &&
             std::string_view("()[]{}|").find(s_[j]) == std::string_view::npos) {
        ++j;
      }
      Node word;
      word.kind = Node::Kind::word;
      for (size_t k = i_; k < j; ++k) {
        const auto ch = static_cast<unsigned char>(s_[k]);
        if (!std::isalpha(ch) && ch != '\'') {
          error_ = "word \"" + std::string(s_.substr(i_, j - i_)) + "\" has characters other than letters and apostrophes";
          break;
        }
        word.text.push_back(static_cast<char>(std::tolower(ch)));
      }
      seq.kids.push_back(std::move(word));
      i_ = j;
    }
    alts.kids.push_back(std::move(seq));
    return alts;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

constexpr std::array<std::string_view, 16> kSlotNames = {"brand", "model",   "city", "station", "width",  "profile",
                                                         "rim",   "size",    "number", "digit", "quantity", "day",
                                                         "time",  "season", "car",  "short"};

struct Grammar {
  std::vector<Node> intents;
  std::map<std::string, std::vector<Node>, std::less<>> slots;
  std::map<std::string, std::string, std::less<>> intent_names;
};

Result<void> collect_slots(const Node &n, std::set<std::string> &out) {
  if (n.kind == Node::Kind::slot) {
    if (std::find(kSlotNames.begin(), kSlotNames.end(), n.text) == kSlotNames.end()) {
      std::string known;
      for (auto k : kSlotNames) known += (known.empty() ? "" : ", ") + std::string(k);
      return make_error(Errc::invalid_argument, "unknown slot {" + n.text + "} (known: " + known + ")");
    }
    out.insert(n.text);
  }
  for (const Node &k : n.kids) {
    if (auto r = collect_slots(k, out); !r) return r;
  }
  return {};
}

Result<std::vector<Node>> parse_all(const std::vector<std::string> &items, std::string_view what) {
  std::vector<Node> out;
  for (const std::string &t : items) {
    auto n = TemplateParser(t).parse();
    if (!n) return make_error(Errc::invalid_argument, std::string(what) + ": " + n.error().message);
    std::set<std::string> used;
    if (auto r = collect_slots(*n, used); !r) {
      return make_error(Errc::invalid_argument, std::string(what) + ": \"" + t + "\": " + r.error().message);
    }
    out.push_back(std::move(*n));
  }
  return out;
}

// Digits are a slot of their own so order and phone numbers can be read out.
std::vector<std::string> digit_items() {
  std::vector<std::string> d;
  for (int i = 0; i < 10; ++i) d.emplace_back(kSmall[static_cast<size_t>(i)]);
  d.emplace_back("oh");
  return d;
}

// ---- sampling ----

class Sampler {
 public:
  Sampler(const Grammar &g, uint32_t seed) : g_(g), rng_(seed) {}

  // A forced value: the next expansions of `slot` use item `index` (coverage of every value).
  void force(std::string_view slot, size_t index) {
    forced_slot_ = std::string(slot);
    forced_index_ = index;
  }
  void unforce() { forced_slot_.clear(); }

  void expand(const Node &n, std::vector<std::string> &out, int depth = 0) {
    if (depth > 16) return;  // a slot that names itself: stop rather than recurse forever
    switch (n.kind) {
      case Node::Kind::word: out.push_back(n.text); break;
      case Node::Kind::seq:
        for (const Node &k : n.kids) expand(k, out, depth);
        break;
      case Node::Kind::alt:
        if (!n.kids.empty()) expand(n.kids[pick(n.kids.size())], out, depth);
        break;
      case Node::Kind::opt:
        if (!n.kids.empty() && coin()) expand(n.kids[pick(n.kids.size())], out, depth);
        break;
      case Node::Kind::slot: {
        auto it = g_.slots.find(n.text);
        if (it == g_.slots.end() || it->second.empty()) break;
        size_t i = pick(it->second.size());
        if (n.text == forced_slot_ && forced_index_ < it->second.size()) i = forced_index_;
        expand(it->second[i], out, depth + 1);
        break;
      }
    }
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool coin() { return std::uniform_int_distribution<int>(0, 1)(rng_) == 1; }

 private:
  const Grammar &g_;
  std::mt19937 rng_;
  std::string forced_slot_;
  size_t forced_index_ = 0;
};

// How many distinct word patterns a template has, slots counted once (capped).
double variants(const Node &n) {
  switch (n.kind) {
    case Node::Kind::word:
    case Node::Kind::slot: return 1;
    case Node::Kind::seq: {
      double v = 1;
      for (const Node &k : n.kids) v = std::min(v * variants(k), 1e6);
      return v;
    }
    case Node::Kind::alt:
    case Node::Kind::opt: {
      double v = n.kind == Node::Kind::opt ? 1 : 0;
      for (const Node &k : n.kids) v += variants(k);
      return std::min(v, 1e6);
    }
  }
  return 1;
}

bool mentions(const Node &n, std::string_view slot, const Grammar &g, int depth = 0) {
  if (depth > 16) return false;
  if (n.kind == Node::Kind::slot) {
    if (n.text == slot) return true;
    auto it = g.slots.find(n.text);
    if (it == g.slots.end()) return false;
    for (const Node &k : it->second) {
      if (mentions(k, slot, g, depth + 1)) return true;
    }
    return false;
  }
  for (const Node &k : n.kids) {
    if (mentions(k, slot, g, depth)) return true;
  }
  return false;
}

void collect_words(const Node &n, std::set<std::string> &out) {
  if (n.kind == Node::Kind::word) out.insert(n.text);
  for (const Node &k : n.kids) collect_words(k, out);
}

// ---- JSGF ----

void jsgf_node(const Node &n, std::string &out) {
  switch (n.kind) {
    case Node::Kind::word: out += n.text; break;
    case Node::Kind::slot: out += "<" + n.text + ">"; break;
    case Node::Kind::seq:
      if (n.kids.empty()) {
        out += "<NULL>";
        break;
      }
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i) out += ' ';
        jsgf_node(n.kids[i], out);
      }
      break;
    case Node::Kind::alt:
    case Node::Kind::opt:
      out += n.kind == Node::Kind::alt ? "( " : "[ ";
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i) out += " | ";
        jsgf_node(n.kids[i], out);
      }
      out += n.kind == Node::Kind::alt ? " )" : " ]";
      break;
  }
}

std::string make_jsgf(const Grammar &g) {
  std::string out = "#JSGF V1.0;\ngrammar callagent;\n";
  // A caller often says two things at once ("yes, and the Michelin ones"): two sentences fit.
  out += "public <utterance> = <sentence> [ <sentence> ];\n<sentence> = ";
  for (size_t i = 0; i < g.intents.size(); ++i) out += (i ? " | " : "") + std::string("<i") + std::to_string(i) + ">";
  out += ";\n";
  for (size_t i = 0; i < g.intents.size(); ++i) {
    out += "<i" + std::to_string(i) + "> = ";
    jsgf_node(g.intents[i], out);
    out += ";\n";
  }
  for (const auto &[name, items] : g.slots) {
    if (items.empty()) continue;
    out += "<" + name + "> = ";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += " | ";
      out += "( ";
      jsgf_node(items[i], out);
      out += " )";
    }
    out += ";\n";
  }
  return out;
}

// ---- the trigram model ----

using Ngram = std::vector<int>;

std::string log10_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", p > 0 ? std::log10(p) : -99.0);
  return buf;
}

struct ArpaResult {
  std::string text;
  size_t counts[3] = {0, 0, 0};
};

// Interpolated Witten-Bell: P(w|h) = (1 - l(h)) c(h,w)/c(h) + l(h) P_lower(w), with
// l(h) = T(h)/(c(h)+T(h)), T(h) the number of distinct words seen after h, here floored at
// `min_backoff`. For an unseen w that is exactly l(h) P_lower(w), so the ARPA backoff weight of h
// is l(h) and the listed probabilities are the interpolated ones: the model written is the model
// estimated, normalised by construction.
ArpaResult make_arpa(const std::vector<std::vector<int>> &corpus, const std::vector<std::string> &vocab, int bos,
                     int eos, double min_backoff) {
  const size_t V = vocab.size();
  std::vector<double> c1(V, 0);
  std::map<std::pair<int, int>, double> c2;
  std::map<std::array<int, 3>, double> c3;
  double n_tokens = 0;
  for (const auto &s : corpus) {
    std::vector<int> t;
    t.reserve(s.size() + 2);
    t.push_back(bos);
    t.insert(t.end(), s.begin(), s.end());
    t.push_back(eos);
    for (size_t i = 1; i < t.size(); ++i) {
      c1[static_cast<size_t>(t[i])] += 1;
      n_tokens += 1;
      c2[{t[i - 1], t[i]}] += 1;
      if (i >= 2) c3[{t[i - 2], t[i - 1], t[i]}] += 1;
    }
  }
  // Unigrams: add-one over the vocabulary (<s> is never predicted).
  std::vector<double> p1(V, 0);
  const double types = static_cast<double>(V - 1);
  for (size_t w = 0; w < V; ++w) {
    if (static_cast<int>(w) == bos) continue;
    p1[w] = (c1[w] + 1.0) / (n_tokens + types);
  }
  // Bigram histories.
  std::vector<double> h1_count(V, 0), h1_types(V, 0);
  for (const auto &[bg, c] : c2) {
    h1_count[static_cast<size_t>(bg.first)] += c;
    h1_types[static_cast<size_t>(bg.first)] += 1;
  }
  auto lambda = [&](double count, double distinct) {
    return distinct > 0 ? std::max(min_backoff, distinct / (count + distinct)) : 1.0;
  };
  auto alpha1 = [&](int u) {
    const auto i = static_cast<size_t>(u);
    return lambda(h1_count[i], h1_types[i]);
  };
  auto p2 = [&](int u, int w) {
    const auto i = static_cast<size_t>(u);
    auto it = c2.find({u, w});
    const double lower = p1[static_cast<size_t>(w)];
    const double l = alpha1(u);
    if (it == c2.end()) return l * lower;
    return (1 - l) * it->second / h1_count[i] + l * lower;
  };
  std::map<std::pair<int, int>, std::pair<double, double>> h2;  // history -> (count, types)
  for (const auto &[tg, c] : c3) {
    auto &e = h2[{tg[0], tg[1]}];
    e.first += c;
    e.second += 1;
  }

  ArpaResult r;
  std::ostringstream body;
  // Sorted by word text, as some readers expect.
  std::vector<int> order(V);
  for (size_t i = 0; i < V; ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return vocab[static_cast<size_t>(a)] < vocab[static_cast<size_t>(b)]; });

  body << "\n\\1-grams:\n";
  for (int w : order) {
    const auto i = static_cast<size_t>(w);
    body << (w == bos ? std::string("-99.000000") : log10_text(p1[i])) << ' ' << vocab[i];
    if (w != eos) body << ' ' << log10_text(alpha1(w));
    body << '\n';
    ++r.counts[0];
  }
  body << "\n\\2-grams:\n";
  std::vector<std::pair<std::pair<int, int>, double>> bigrams(c2.begin(), c2.end());
  std::sort(bigrams.begin(), bigrams.end(), [&](const auto &a, const auto &b) {
    const auto &[a1, a2] = a.first;
    const auto &[b1, b2] = b.first;
    if (a1 != b1) return vocab[static_cast<size_t>(a1)] < vocab[static_cast<size_t>(b1)];
    return vocab[static_cast<size_t>(a2)] < vocab[static_cast<size_t>(b2)];
  });
  for (const auto &[bg, c] : bigrams) {
    body << log10_text(p2(bg.first, bg.second)) << ' ' << vocab[static_cast<size_t>(bg.first)] << ' '
         << vocab[static_cast<size_t>(bg.second)];
    auto h = h2.find(bg);
    if (bg.second != eos) {
      body << ' ' << (h == h2.end() ? std::string("0.000000") : log10_text(lambda(h->second.first, h->second.second)));
    }
    body << '\n';
    ++r.counts[1];
  }
  body << "\n\\3-grams:\n";
  std::vector<std::pair<std::array<int, 3>, double>> trigrams(c3.begin(), c3.end());
  std::sort(trigrams.begin(), trigrams.end(), [&](const auto &a, const auto &b) {
    for (size_t k = 0; k < 3; ++k) {
      if (a.first[k] != b.first[k]) return vocab[static_cast<size_t>(a.first[k])] < vocab[static_cast<size_t>(b.first[k])];
    }
    return false;
  });
  for (const auto &[tg, c] : trigrams) {
    const auto &h = h2[{tg[0], tg[1]}];
    const double l = lambda(h.first, h.second);
    const double p = (1 - l) * c / h.first + l * p2(tg[1], tg[2]);
    body << log10_text(p) << ' ' << vocab[static_cast<size_t>(tg[0])] << ' ' << vocab[static_cast<size_t>(tg[1])] << ' '
         << vocab[static_cast<size_t>(tg[2])] << '\n';
    ++r.counts[2];
  }
  body << "\n\\end\\\n";
  r.text = "\\data\\\nngram 1=" + std::to_string(r.counts[0]) + "\nngram 2=" + std::to_string(r.counts[1]) +
           "\nngram 3=" + std::to_string(r.counts[2]) + "\n" + body.str();
  return r;
}

// ---- pronunciations ----

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string upper_phones(std::string_view phones) {
  std::string out;
  std::istringstream in{std::string(phones)};
  std::string p;
  while (in >> p) {
    for (char &c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // CMU stress digits are not phones of the acoustic model.
    while (!p.empty() && std::isdigit(static_cast<unsigned char>(p.back()))) p.pop_back();
    if (!p.empty()) out += (out.empty() ? "" : " ") + p;
  }
  return out;
}

bool valid_phones(std::string_view phones) {
  std::istringstream in{std::string(phones)};
  std::string p;
  int n = 0;
  while (in >> p) {
    if (std::find_if(kPhones.begin(), kPhones.end(), [&](const char *k) { return p == k; }) == kPhones.end()) return false;
    ++n;
  }
  return n > 0;
}

}  // namespace

// ---- scoring ----

Result<NgramScorer> NgramScorer::parse(std::string_view arpa) {
  NgramScorer sc;
  int order = 0;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < arpa.size()) {
    size_t end = arpa.find('\n', pos);
    if (end == std::string_view::npos) end = arpa.size();
    std::string_view line = arpa.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '\\') {
      if (line == "\\end\\") break;
      if (line.size() == 9 && line.substr(2) == "-grams:" && line[1] >= '1' && line[1] <= '3') {
        order = line[1] - '0';
      } else if (line != "\\data\\") {
        return make_error(Errc::protocol, "arpa: unexpected section at line " + std::to_string(line_no));
      }
      continue;
    }
    if (order == 0) continue;  // the \data\ counts
    std::istringstream in{std::string(line)};
    Entry e;
    std::string key, w;
    if (!(in >> e.prob)) return make_error(Errc::protocol, "arpa: bad line " + std::to_string(line_no));
    for (int i = 0; i < order; ++i) {
      if (!(in >> w)) return make_error(Errc::protocol, "arpa: short line " + std::to_string(line_no));
      key += (i ? " " : "") + w;
    }
    if (!(in >> e.backoff)) e.backoff = 0;
    sc.grams_[key] = e;
  }
  if (sc.grams_.empty()) return make_error(Errc::protocol, "arpa: no n-grams");
  return sc;
}

double NgramScorer::log10_prob(const std::string &w1, const std::string &w2, const std::string &w3, int order) const {
  // P(w3 | w1 w2) with back-off; order says how much history is real (at the start of a sentence
  // there is only <s>).
  if (order >= 3) {
    if (auto it = grams_.find(w1 + " " + w2 + " " + w3); it != grams_.end()) return it->second.prob;
    double bo = 0;
    if (auto it = grams_.find(w1 + " " + w2); it != grams_.end()) bo = it->second.backoff;
    return bo + log10_prob(w1, w2, w3, 2);
  }
  if (order == 2) {
    if (auto it = grams_.find(w2 + " " + w3); it != grams_.end()) return it->second.prob;
    double bo = 0;
    if (auto it = grams_.find(w2); it != grams_.end()) bo = it->second.backoff;
    return bo + log10_prob(w1, w2, w3, 1);
  }
  if (auto it = grams_.find(w3); it != grams_.end()) return it->second.prob;
  return -6.0;
}

double NgramScorer::mean_log10(const std::vector<std::string> &words) const {
  std::string h1, h2 = "<s>";
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i <= words.size(); ++i) {
    const std::string &w = i < words.size() ? words[i] : std::string("</s>");
    sum += log10_prob(h1, h2, w, i == 0 ? 2 : 3);
    ++n;
    h1 = h2;
    h2 = w;
  }
  return sum / n;
}

double NgramScorer::unseen_bigram_share(const std::vector<std::string> &words) const {
  std::string prev = "<s>";
  int unseen = 0;
  int n = 0;
  for (size_t i = 0; i <= words.size(); ++i) {
    const std::string &w = i < words.size() ? words[i] : std::string("</s>");
    unseen += grams_.count(prev + " " + w) == 0;
    ++n;
    prev = w;
  }
  return static_cast<double>(unseen) / n;
}

// ---- letter-to-sound ----

std::string guess_pronunciation(std::string_view word) {
  std::string w;
  for (char c : word) {
    if (std::isalpha(static_cast<unsigned char>(c))) w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // Longest match first; a final silent "e" after a consonant is dropped.
  static const std::vector<std::pair<std::string_view, std::string_view>> kRules = {
      {"tion", "SH AH N"}, {"sion", "ZH AH N"}, {"ough", "AO"}, {"tch", "CH"}, {"sch", "SH"}, {"igh", "AY"},
      {"shch", "SH CH"},   {"zh", "ZH"},        {"kh", "K"},    {"sh", "SH"},  {"ch", "CH"},  {"th", "TH"},
      {"ph", "F"},         {"ck", "K"},         {"ng", "NG"},   {"qu", "K W"}, {"ee", "IY"},  {"ea", "IY"},
      {"oo", "UW"},        {"ou", "AW"},        {"ow", "OW"},   {"ai", "EY"},  {"ay", "EY"},  {"au", "AO"},
      {"aw", "AO"},        {"oi", "OY"},        {"oy", "OY"},   {"ie", "IY"},  {"ei", "EY"},  {"ey", "EY"},
      {"ue", "UW"},        {"ui", "UW IY"},     {"ia", "IY AH"}, {"io", "IY OW"}, {"iu", "IY UW"}, {"yu", "Y UW"},
      {"ya", "Y AA"},      {"yi", "Y IY"},      {"ye", "Y EH"}, {"yo", "Y OW"}, {"er", "ER"},  {"ir", "ER"},
      {"ur", "ER"},        {"ar", "AA R"},      {"or", "AO R"}, {"x", "K S"},  {"a", "AA"},   {"b", "B"},
      {"c", "K"},          {"d", "D"},          {"e", "EH"},    {"f", "F"},    {"g", "G"},    {"h", "HH"},
      {"i", "IH"},         {"j", "JH"},         {"k", "K"},     {"l", "L"},    {"m", "M"},    {"n", "N"},
      {"o", "OW"},         {"p", "P"},          {"q", "K"},     {"r", "R"},    {"s", "S"},    {"t", "T"},
      {"u", "UW"},         {"v", "V"},          {"w", "W"},     {"y", "IY"},   {"z", "Z"}};
  auto vowel = [](char c) { return std::string_view("aeiouy").find(c) != std::string_view::npos; };
  if (w.size() > 3 && w.back() == 'e' && !vowel(w[w.size() - 2])) w.pop_back();
  std::string out;
  std::string last;
  size_t i = 0;
  while (i < w.size()) {
    std::string_view rest(w.data() + i, w.size() - i);
    // "c" and "g" are soft before e, i, y.
    if ((rest[0] == 'c') && rest.size() > 1 && std::string_view("eiy").find(rest[1]) != std::string_view::npos) {
      out += (out.empty() ? "" : " ") + std::string("S");
      last = "S";
      ++i;
      continue;
    }
    for (const auto &[letters, phones] : kRules) {
      if (rest.substr(0, letters.size()) == letters) {
        // Doubled consonants are one sound.
        if (std::string(phones) != last || vowel(letters[0])) out += (out.empty() ? "" : " ") + std::string(phones);
        last = std::string(phones);
        i += letters.size();
        break;
      }
    }
  }
  return out.empty() ? std::string("AH") : out;
}

std::string spoken_words(std::string_view text) {
  std::string out;
  auto emit = [&](const std::string &w) {
    if (w.empty()) return;
    out += (out.empty() ? "" : " ") + w;
  };
  std::string word;
  std::string digits;
  auto flush_digits = [&] {
    if (digits.empty()) return;
    if (digits.size() <= 4 && !(digits.size() > 1 && digits[0] == '0')) {
      emit(number_words(std::stoi(digits)));
    } else {
      for (char d : digits) emit(d == '0' ? "oh" : kSmall[static_cast<size_t>(d - '0')]);
    }
    digits.clear();
  };
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isdigit(c)) {
      emit(word);
      word.clear();
      digits.push_back(ch);
    } else if (std::isalpha(c) || (ch == '\'' && !word.empty())) {
      flush_digits();
      word.push_back(static_cast<char>(std::tolower(c)));
    } else {
      flush_digits();
      // A trailing apostrophe is quoting, not part of the word.
      while (!word.empty() && word.back() == '\'') word.pop_back();
      emit(word);
      word.clear();
    }
  }
  flush_digits();
  while (!word.empty() && word.back() == '\'') word.pop_back();
  emit(word);
  return out;
}

Result<void> check_template(std::string_view text) {
  auto n = TemplateParser(text).parse();
  if (!n) return n.error();
  std::set<std::string> used;
  return collect_slots(*n, used);
}

// ---- the default vocabulary ----

DomainVocabulary default_tyre_vocabulary() {
  DomainVocabulary v;
  v.brands = {"michelin", "continental", "nokian", "bridgestone", "goodyear", "hankook", "pirelli", "yokohama",
              "kumho", "nexen", "laufenn", "rosava", "belshina", "dunlop", "toyo"};
  v.models = {"alpin",        "primacy",       "pilot sport",  "cross climate", "x ice",       "winter contact",
              "premium contact", "eco contact", "hakkapeliitta", "nordman",      "blizzak",     "turanza",
              "ultra grip",   "eagle",         "winter i cept", "ventus",        "kinergy",     "p zero",
              "ice zero",     "cinturato",     "ice guard",    "geolandar",     "winter craft", "win guard",
              "i fit",        "s fit",         "winter sport", "s p sport",      "observe",     "proxes"};
  v.cities = {"kyiv", "lviv", "odesa", "dnipro", "kharkiv"};
  v.stations = {"pozniaky",  "obolon",   "sviatoshyn", "sykhiv", "levandivka", "tairova",
                "left bank", "saltivka", "city center", "the center"};
  for (int w = 145; w <= 325; w += 10) {
    for (auto &s : width_variants(w)) v.tyre_widths.push_back(s);
  }
  for (int p = 30; p <= 80; p += 5) v.tyre_profiles.push_back(number_words(p));
  for (int r = 13; r <= 22; ++r) v.tyre_rims.push_back(number_words(r));
  v.tyre_sizes = {
      "{width} {profile} [r | radius] {rim}",
      "{width} slash {profile} [r | radius] {rim}",
      "{width} by {profile} [r | radius] {rim}",
      "{width} {profile} [(r | radius) {rim}]",
      "(r | radius) {rim}",
      "{rim} (inch | inches)",
      "{width} wide",
  };
  v.numbers = {"one", "two", "three", "four", "five", "six", "eight", "ten", "twelve", "a pair", "a couple",
               "a set", "a full set", "a set of four", "four of them", "two of them", "both"};
  v.days = {"today",
            "tomorrow",
            "the day after tomorrow",
            "[on | this | next] (monday | tuesday | wednesday | thursday | friday | saturday | sunday)",
            "(this | next) week",
            "[on | this | at the] weekend",
            "(tomorrow | today | this) (morning | afternoon | evening)",
            "in the (morning | afternoon | evening)",
            "on weekdays",
            "[on] the (first | second | third | fourth | fifth | sixth | seventh | eighth | ninth | tenth | "
            "eleventh | twelfth | fifteenth | twentieth | twenty first | thirtieth)",
            "as soon as possible"};
  const std::string hour = "(one | two | three | four | five | six | seven | eight | nine | ten | eleven | twelve)";
  v.times = {hour + " [o'clock]",
             hour + " (fifteen | thirty | forty five)",
             "(half | quarter) past " + hour,
             "quarter to " + hour,
             hour + " (a m | p m | in the morning | in the afternoon | in the evening)",
             "(noon | midday | lunchtime)"};
  v.seasons = {"winter", "summer", "all season", "all weather", "studded", "non studded", "snow"};
  v.car_makes = {"toyota [(corolla | camry | rav four)]", "volkswagen [(golf | passat | tiguan)]",
                 "skoda [(octavia | fabia | superb)]", "renault [(logan | duster | megane)]",
                 "hyundai [(tucson | elantra | accent)]", "kia [(sportage | rio | ceed)]", "bmw", "mercedes", "audi",
                 "nissan [(qashqai | leaf)]", "mazda", "honda [civic]", "ford [focus]", "chevrolet [lacetti]",
                 "mitsubishi [outlander]", "subaru", "lexus", "peugeot", "citroen", "opel", "volvo",
                 "daewoo [lanos]", "tesla", "fiat", "jeep", "suzuki", "land rover", "dacia"};
  v.short_answers = {
      "(yes | yeah | yep | yes please | sure | of course | okay | alright | right | correct | exactly | "
      "that's right | that's correct | absolutely | definitely)",
      "(no | nope | no thanks | no thank you | not really | not yet | not now | no need)",
      "(uh huh | mhm | hmm | i see | got it | understood | fine | good | great | perfect | sounds good | "
      "that works | that's fine | that's good)",
      "(wait | one moment | hold on | just a second | let me think | let me check)",
      "(sorry | pardon | excuse me) [what did you say | can you repeat that | i didn't catch that]",
      "(can | could) you (repeat | say) that again [please]",
      "i (don't know | am not sure | have no idea)",
      "(hello | hi | good morning | good afternoon | good evening) [there]",
      "(thank you | thanks) [(very much | a lot | so much | for your help)]",
      "(bye | goodbye | bye bye | see you) [then]",
      "have a (nice | good | great) day",
      "(that's | that is) (all | everything | it) [for now] [thank you | thanks]",
      "(ok | okay | yes | alright) (thanks | thank you | bye | goodbye)",
  };
  v.intents = {
      // search
      "[{short}] (i need | i want | i would like | i'd like | i am looking for | i'm looking for | we need) [to buy] [a set of | "
      "some | new | a pair of | {quantity}] [new] [{season}] (tyres | tires) [for my {car}]",
      "i (need | want | would like | am looking for) [{season}] (tyres | tires) [in] [size] {size}",
      "i (need | want | am looking for | would like) {quantity} [{brand}] [{season}] (tyres | tires) [size {size}]",
      "(do you have | have you got | do you sell | do you carry | are there | is there) [any] [{brand}] [{model}] "
      "[{season}] (tyres | tires) [in | for] [size] [{size}]",
      "(do you have | have you got | do you sell) (anything | something) (in | for) {size}",
      "[i'm | i am] looking for [the] {brand} [{model}] [{season}] [(tyres | tires)]",
      "(what | which) [{season}] (tyres | tires | brands | models) (do you have | can you offer | would you "
      "recommend | can you recommend | are available) [for {size} | for my {car} | in {size} | in stock]",
      "(my car | my {car} | the car | it) (needs | uses | takes | has) {size} [(tyres | tires)]",
      "(the | my) (size | tire size | tyre size) is {size}",
      "[it's | it is | size] {size} [please]",
      "(tyres | tires) (for | in) {size}",
      "[i need | i want | something] [{season}] (tyres | tires) (for | in) {rim} (inch | inches)",
      "(i have | i drive | it's | it is | it's for) a {car}",
      "(show me | tell me about | what about | how about) [the] {brand} [{model}] [(tyres | tires)]",
      "(do you have | are there) (other | more | different | cheaper) (options | brands | models)",
      "(something | anything) (cheaper | better | quieter | more expensive) [please]",
      "i (prefer | like | want) {brand} [or {brand}]",
      "{brand} [{model}] [in] {size}",
      // choosing among the offers the agent read out
      "[(i'll take | i want | i'd like | give me | let's go with)] (the | that) (first | second | third | last | "
      "cheapest | cheaper | middle | premium | most expensive) (one | option | model | set) [please]",
      "(do you have | have you got | is there) (the | that) (first | second | third | last | cheapest | cheaper | "
      "premium) (one | option | model) in stock",
      "(is | how much is) (the | that) (first | second | third | last | cheapest | cheaper | premium) (one | option "
      "| model) [(in stock | available)]",
      // availability
      "(is | are) [the] {brand} [{model}] [{season}] [(tyres | tires)] [{size}] (in stock | available)",
      "(do you have | have you got) (it | them | this | that | these | those | this model | that model) in stock",
      "(is | are) (it | they | this | that | these | those) (available | in stock) [at the {station} (station | "
      "store) | in {city} | {day}]",
      "how many [of them | of these | {brand}] (do you have | are (available | in stock | left))",
      "(can | could) you check (availability | the stock | if you have (it | them)) [for {brand} | in {city}]",
      "when will (it | they | the {brand}) be (available | in stock | back in stock)",
      "(are | is) (they | it) available (for pickup | for delivery) [in {city}] [{day}]",
      // price
      "how much (is | are | does | do | would) (it | they | this | that | these | those | the {brand} [{model}] | a "
      "set [of four] | {quantity} [(tyres | tires)]) [cost]",
      "(what is | what's | tell me) the price (of | for) [the] [{brand}] [{model}] [(tyres | tires)] [in {size}]",
      "(what is | what's) the price",
      "how much (does | would | will) (it | the fitting | the mounting | a tire change | a tyre change | the set | "
      "balancing | the whole set) cost",
      "(is there | do you have | can i get | can you give me) (a discount | any discounts | a better price | a "
      "cheaper option)",
      "(that's | that is | it's) (too expensive | a bit expensive | expensive | cheap | a good price)",
      "(what is | what's) the total [price | cost] [with fitting | with delivery]",
      "how much [is it] (in hryvnias | per tire | per tyre | for four | for the set)",
      // order
      "(i want | i would like | i'd like) to (order | buy | purchase) [them | it | {quantity} [of them] | the {brand} "
      "[{model}] [(tyres | tires)] | a set [of four] | these | those]",
      "(please | can you | could you) (place an order | order them | reserve them | put them aside | reserve "
      "it) [for me]",
      "i'll take (them | it | {quantity} | the {brand} [ones] | the cheaper ones | those | these | the first "
      "one | the second one)",
      "(can i | could i | how can i) (pay | order) (online | by card | in cash | on delivery | when i pick them up)",
      "(i want | i'd like | i would like) (delivery | pickup | to pick them up) [in {city} | at the {station} "
      "(station | store)]",
      "(deliver | send) (them | it) to {city}",
      "(add | put) (them | {quantity} [more]) [to my order]",
      // order status
      "(what's | what is) the status of my order [number {digit} {digit} {digit} {digit} {digit}]",
      "(where is | can you check | check) my order [please]",
      "(has | is) my order (arrived | shipped | ready | been delivered | been shipped | ready for pickup)",
      "my order number is {digit} {digit} {digit} {digit} [{digit}] [{digit}]",
      "i (placed | made) an order [(yesterday | last week | {day})] [and] [i want to know when it (arrives | will "
      "arrive)]",
      "when will my order (arrive | be ready | be delivered | come)",
      "(my | the) (phone | phone number | number) is {digit} {digit} {digit} {digit} {digit} {digit} {digit} "
      "[{digit} {digit} {digit}]",
      // fitting, booking
      "i (need | want | would like) (a tire change | a tyre change | tire fitting | tyre fitting | fitting | "
      "mounting | balancing | wheel alignment | my (tires | tyres) changed | to change my (tires | tyres) | a "
      "seasonal change)",
      "(can | could) i (book | make | get | schedule) (an appointment | a slot | a time | a visit | a booking) "
      "[for (fitting | mounting | a tire change | a tyre change | tire fitting | tyre fitting | balancing)] [{day}] "
      "[at {time}]",
      "(book | schedule | reserve) [me] (an appointment | a slot | a time | a tire change | a tyre change | tire "
      "fitting | tyre fitting | mounting) [{day}] [at {time}] [at the {station} (station | store)]",
      "(is there | do you have | are there) (a | any) (free | available | open) (slot | slots | time | times | "
      "window) [{day}] [at {time}]",
      "(what | which) times (are available | are free | do you have) [{day}]",
      "[(how about | what about | can i come | let's say | maybe)] {day} [at {time}] [please]",
      "[(how about | what about | can i come | let's say | maybe)] at {time} [{day}] [please]",
      "({day} | at {time}) (works for me | is fine | would be good | is good | suits me)",
      "(do you work | are you open) (on | at) (weekends | the weekend | saturday | sunday | {day} | weekdays)",
      "(what are your | what's your | when are your) (opening hours | working hours | hours)",
      "(when | what time) (do you open | do you close | are you open)",
      "(where is | where's) (your | the) (station | store | shop | service center) [in {city} | in {station}]",
      "(which | what) (stations | stores | service centers | addresses) do you have in {city}",
      "(i live | i'm | i am) in {city}",
      "[the one] (at | in | near) [the] {station} [(station | store)]",
      "(i'd like | i would like | i want) to (come | come in | drop by) (to | at) the {station} [(station | store)] "
      "[in {city}]",
      "how long does (it | the fitting | a tire change | a tyre change | mounting) take",
      "(i have | i'll bring | with) my own (tires | tyres | wheels)",
      // cancel, reschedule
      "(i want to | i'd like to | please | can you | could you | i need to) cancel [my | the] (order | appointment "
      "| booking | reservation)",
      "(cancel | forget) (it | that | everything)",
      "(i changed | i have changed | i've changed) my mind",
      "(move | reschedule | change) (my | the) (appointment | booking | visit) [to {day}] [at {time}]",
      "never mind",
      // knowledge
      "(what is | what's | tell me about | explain) [your | the] (warranty | guarantee | return policy | returns | "
      "delivery | shipping | storage | tire storage | tyre storage | seasonal storage | payment options)",
      "(do you | can you) (deliver | offer delivery | store (tyres | tires) | store my (tyres | tires) | offer "
      "storage | give a warranty | give a guarantee | do balancing | do wheel alignment)",
      "how (long | much) (is | does) (the warranty | delivery | storage | shipping) [take | cost | last]",
      "(can i | how do i | how can i) return (the | my) (tyres | tires) [if they don't fit]",
      "how (long | much) does delivery (take | cost) [to {city}]",
      "(does | do) (the price | it | they) include (fitting | mounting | balancing | delivery | valves)",
      "(what is | what's) the difference between {brand} and {brand}",
      "(which | what) (tyres | tires | brand | one) (is | are) (better | the best | quieter | cheaper) [for (winter "
      "| snow | ice | rain | my {car})]",
      "(are | is) (they | it | {brand} | these | those) (good | reliable | quiet | durable) [for (winter | snow | "
      "ice | rain)]",
      "(what is | what's) the (load index | speed index | tread depth | production date)",
      "(when | how often) should i (change | replace) my (tires | tyres)",
      "(is it | when is it) time to (change | switch) to (winter | summer) (tires | tyres)",
      // operator
      "(can | could | may) i (speak | talk) (to | with) (a human | a person | a real person | an operator | an "
      "agent | a manager | someone | somebody | a live person)",
      "(connect | transfer | put) me (to | through to) (a human | an operator | an agent | a manager | someone | a "
      "person)",
      "i (want | need | would like) to (speak | talk) to (a human | an operator | a person | a manager | someone)",
      "(operator | human | agent | manager | real person) [please]",
      "(please | can you | could you) call me back [later | {day}]",
      "(you don't understand | you are not helping | this is not helpful)",
  };
  v.pronunciations = {
      {"nokian", "N OW K IY AH N"},     {"hankook", "HH AE N K UH K"},   {"hankook", "HH AA N K UH K"},
      {"nexen", "N EH K S AH N"},       {"laufenn", "L AW F AH N"},      {"laufenn", "L AO F EH N"},
      {"rosava", "R OW S AA V AH"},     {"rosava", "R AH S AA V AH"},    {"belshina", "B EH L SH IY N AH"},
      {"belshina", "B EH L SH IH N AH"}, {"michelin", "M IH CH AH L IH N"}, {"pirelli", "P AY R EH L IY"},
      {"toyo", "T OY OW"},              {"kumho", "K UW M HH OW"},       {"kyiv", "K IY V"},
      {"kyiv", "K IY IH V"},            {"kyiv", "K Y IH V"},            {"kyiv", "K IY EH V"},
      {"lviv", "L V IY V"},             {"lviv", "AH L V IY V"},         {"lviv", "EH L V AY V"},
      {"odesa", "OW D EH S AH"},        {"odesa", "AH D EH S AH"},       {"dnipro", "D N IY P R OW"},
      {"dnipro", "D AH N IY P R OW"},   {"dnipro", "D IY N IH P R OW"},  {"kharkiv", "K AA R K IH V"},
      {"kharkiv", "K AA R K IY V"},     {"hryvnias", "HH R IH V N IY AH Z"}, {"hryvnias", "G R IH V N IY AH Z"},
      {"pozniaky", "P OW Z N Y AA K IY"}, {"obolon", "OW B OW L OW N"},  {"obolon", "AH B AH L AH N"},
      {"sviatoshyn", "S V Y AA T AO SH IH N"}, {"sykhiv", "S IH K HH IH V"}, {"sykhiv", "S IY K IY V"},
      {"levandivka", "L EH V AA N D IH V K AH"}, {"tairova", "T AY R OW V AH"}, {"saltivka", "S AA L T IH V K AH"},
      {"hakkapeliitta", "HH AA K AH P EH L IY T AH"}, {"nordman", "N AO R D M AH N"}, {"blizzak", "B L IH Z AH K"},
      {"turanza", "T UH R AA N Z AH"},  {"ventus", "V EH N T AH S"},    {"kinergy", "K IH N ER JH IY"},
      {"cinturato", "CH IH N T UH R AA T OW"}, {"geolandar", "JH IY OW L AE N D ER"},
      {"proxes", "P R AA K S EH S"},    {"cept", "S EH P T"},            {"sportage", "S P AO R T IH JH"},
      {"sportage", "S P AO R T AA ZH"}, {"qashqai", "K AE SH K AY"},     {"lanos", "L AA N OW S"},
      {"tiguan", "T IH G W AA N"},      {"fabia", "F AA B IY AH"},       {"megane", "M EY G AE N"},
      {"elantra", "EH L AE N T R AH"},  {"ceed", "S IY D"},              {"lacetti", "L AH CH EH T IY"},
      {"lunchtime", "L AH N CH T AY M"}, {"outlander", "AW T L AE N D ER"}, {"rav", "R AE V"}, {"studless", "S T AH D L AH S"}, {"mhm", "M HH M"},
  };
  return v;
}

// ---- vocabulary files ----

Result<DomainVocabulary> vocabulary_from_json(const json::Value &v, DomainVocabulary base) {
  if (!v.is_object()) return make_error(Errc::invalid_argument, "vocabulary: expected a JSON object");
  const bool replace = v["replace"].as_bool(false);
  if (v.contains("replace") && !v["replace"].is_bool()) {
    return make_error(Errc::invalid_argument, "vocabulary: \"replace\" must be true or false");
  }
  struct Field {
    std::string_view key;
    std::vector<std::string> DomainVocabulary::*member;
  };
  static const Field kFields[] = {
      {"brands", &DomainVocabulary::brands},       {"models", &DomainVocabulary::models},
      {"cities", &DomainVocabulary::cities},       {"stations", &DomainVocabulary::stations},
      {"tyre_widths", &DomainVocabulary::tyre_widths}, {"tyre_profiles", &DomainVocabulary::tyre_profiles},
      {"tyre_rims", &DomainVocabulary::tyre_rims}, {"tyre_sizes", &DomainVocabulary::tyre_sizes},
      {"numbers", &DomainVocabulary::numbers},     {"days", &DomainVocabulary::days},
      {"times", &DomainVocabulary::times},         {"seasons", &DomainVocabulary::seasons},
      {"car_makes", &DomainVocabulary::car_makes}, {"intents", &DomainVocabulary::intents},
      {"short_answers", &DomainVocabulary::short_answers}};
  for (const auto &[key, value] : v.members()) {
    if (key == "replace") continue;
    if (key == "pronunciations") {
      if (!value.is_object()) return make_error(Errc::invalid_argument, "vocabulary: \"pronunciations\" must be an object");
      if (replace) base.pronunciations.clear();
      for (const auto &[word, phones] : value.members()) {
        std::vector<std::string> list;
        if (phones.is_string()) {
          list.push_back(phones.as_string());
        } else if (phones.is_array()) {
          for (const auto &p : phones.items()) {
            if (!p.is_string()) {
              return make_error(Errc::invalid_argument, "vocabulary: pronunciation of \"" + word + "\" must be strings");
            }
            list.push_back(p.as_string());
          }
        } else {
          return make_error(Errc::invalid_argument, "vocabulary: pronunciation of \"" + word + "\" must be a string or a list");
        }
        for (const auto &p : list) {
          const std::string up = upper_phones(p);
          if (!valid_phones(up)) {
            return make_error(Errc::invalid_argument,
                              "vocabulary: \"" + p + "\" (for \"" + word + "\") is not a list of CMU phones");
          }
          base.pronunciations.emplace_back(spoken_words(word), up);
        }
      }
      continue;
    }
    const Field *f = nullptr;
    for (const Field &k : kFields) {
      if (k.key == key) f = &k;
    }
    if (f == nullptr) return make_error(Errc::invalid_argument, "vocabulary: unknown field \"" + key + "\"");
    if (!value.is_array()) return make_error(Errc::invalid_argument, "vocabulary: \"" + key + "\" must be a list of strings");
    std::vector<std::string> &list = base.*(f->member);
    if (replace) list.clear();
    const bool is_template = key == "intents" || key == "tyre_sizes" || key == "short_answers" || key == "days" ||
                             key == "times" || key == "car_makes";
    for (const auto &item : value.items()) {
      if (!item.is_string()) return make_error(Errc::invalid_argument, "vocabulary: \"" + key + "\" must be a list of strings");
      // Catalogue names ("X-Ice North 4") become spoken words; templates are kept as written.
      std::string text = is_template ? item.as_string() : spoken_words(item.as_string());
      if (text.empty()) continue;
      if (auto r = check_template(text); !r) {
        return make_error(Errc::invalid_argument, "vocabulary: \"" + key + "\": " + r.error().message);
      }
      if (std::find(list.begin(), list.end(), text) == list.end()) list.push_back(std::move(text));
    }
  }
  return base;
}

namespace {

// A catalogue's spelling as it is said: Cyrillic transliterated, joined words apart
// ("WinterContact" → "winter contact"), short capitals spelled ("DM-V3" → "d m v three"), then
// spoken_words.
std::string catalogue_spoken(std::string_view written) {
  const std::string t = text::transliterate(written);
  auto alpha = [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0; };
  auto upper = [](char ch) { return std::isupper(static_cast<unsigned char>(ch)) != 0; };
  auto lower = [](char ch) { return std::islower(static_cast<unsigned char>(ch)) != 0; };
  std::string out;
  for (size_t i = 0; i < t.size();) {
    if (!alpha(t[i])) {
      out += t[i++];
      continue;
    }
    size_t j = i;
    while (j < t.size() && alpha(t[j])) ++j;
    const std::string_view word(t.data() + i, j - i);
    if (word.size() <= 3 && std::all_of(word.begin(), word.end(), upper)) {
      for (char ch : word) out += std::string(" ") + ch + " ";
    } else {
      for (size_t k = 0; k < word.size(); ++k) {
        if (k > 0 && lower(word[k - 1]) && upper(word[k])) out += ' ';
        out += word[k];
      }
    }
    i = j;
  }
  return spoken_words(out);
}

}  // namespace

DomainVocabulary with_catalogue(DomainVocabulary base, const SpeechVocabulary &catalogue) {
  auto add = [](std::vector<std::string> &list, std::string w) {
    if (!w.empty() && std::find(list.begin(), list.end(), w) == list.end()) list.push_back(std::move(w));
  };
  auto extend = [&](std::vector<std::string> &list, const std::vector<std::string> &from) {
    for (const auto &s : from) add(list, catalogue_spoken(s));
  };
  extend(base.brands, catalogue.brands);
  extend(base.models, catalogue.models);
  extend(base.cities, catalogue.cities);
  extend(base.car_makes, catalogue.vehicles);
  // A place is often named by one word of its name ("ШинСервіс Оболонь" as "Obolon").
  for (const auto &place : catalogue.places) {
    const std::string spoken = catalogue_spoken(place);
    add(base.stations, spoken);
    std::istringstream in(spoken);
    for (std::string w; in >> w;) {
      if (w != spoken) add(base.stations, w);
    }
  }
  for (const auto &s : catalogue.sizes) {
    int w = 0, p = 0, r = 0;
    if (std::sscanf(s.c_str(), "%d/%d R%d", &w, &p, &r) != 3 || w < 100 || w > 999 || p <= 0 || r <= 0) continue;
    for (auto &v : width_variants(w)) add(base.tyre_widths, std::move(v));
    add(base.tyre_profiles, number_words(p));
    add(base.tyre_rims, number_words(r));
  }
  return base;
}

Result<DomainVocabulary> load_vocabulary_file(const std::string &path, DomainVocabulary base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, "vocabulary: cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto v = json::parse(ss.str());
  if (!v) return make_error(Errc::invalid_argument, "vocabulary: " + path + ": " + v.error().message);
  auto r = vocabulary_from_json(*v, std::move(base));
  if (!r) return make_error(r.error().code, path + ": " + r.error().message);
  return r;
}

// ---- the model ----

Result<DomainModel> build_domain_model(const DomainVocabulary &vocabulary, const std::string &cmudict_path,
                                       const DomainModelOptions &options) {
  Grammar g;
  auto slot = [&](std::string_view name, const std::vector<std::string> &items) -> Result<void> {
    auto nodes = parse_all(items, name);
    if (!nodes) return nodes.error();
    g.slots[std::string(name)] = std::move(*nodes);
    return {};
  };
  const std::pair<std::string_view, const std::vector<std::string> *> slot_lists[] = {
      {"brand", &vocabulary.brands},         {"model", &vocabulary.models},
      {"city", &vocabulary.cities},          {"station", &vocabulary.stations},
      {"width", &vocabulary.tyre_widths},    {"profile", &vocabulary.tyre_profiles},
      {"rim", &vocabulary.tyre_rims},        {"size", &vocabulary.tyre_sizes},
      {"number", &vocabulary.numbers},       {"quantity", &vocabulary.numbers},
      {"day", &vocabulary.days},             {"time", &vocabulary.times},
      {"season", &vocabulary.seasons},       {"car", &vocabulary.car_makes},
      {"short", &vocabulary.short_answers}};
  for (const auto &[name, items] : slot_lists) {
    if (auto r = slot(name, *items); !r) return r.error();
  }
  const std::vector<std::string> digits = digit_items();
  if (auto r = slot("digit", digits); !r) return r.error();
  auto intents = parse_all(vocabulary.intents, "intents");
  if (!intents) return intents.error();
  g.intents = std::move(*intents);
  // Short answers are utterances of their own too.
  for (const Node &n : g.slots["short"]) g.intents.push_back(n);
  if (g.intents.empty()) return make_error(Errc::invalid_argument, "vocabulary: no intents");

  // The corpus: each template sampled in proportion to its variety, then every slot value placed
  // at least twice in a template that uses it, so no word of the vocabulary is left unseen.
  Sampler sampler(g, options.seed);
  std::vector<std::vector<std::string>> sentences;
  for (const Node &t : g.intents) {
    const double v = variants(t);
    const int n = std::clamp(static_cast<int>(std::sqrt(v) * 6), options.min_samples, options.max_samples);
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> s;
      sampler.expand(t, s);
      if (!s.empty()) sentences.push_back(std::move(s));
    }
  }
  for (const auto &[name, items] : g.slots) {
    if (name == "short") continue;
    std::vector<const Node *> users;
    for (const Node &t : g.intents) {
      if (mentions(t, name, g)) users.push_back(&t);
    }
    if (users.empty()) continue;
    for (size_t i = 0; i < items.size(); ++i) {
      sampler.force(name, i);
      for (int k = 0; k < 2; ++k) {
        std::vector<std::string> s;
        sampler.expand(*users[sampler.pick(users.size())], s);
        if (!s.empty()) sentences.push_back(std::move(s));
      }
      sampler.unforce();
    }
  }

  // The garbage phone loop: whole garbage utterances, and domain sentences with a garbage run
  // where a word the vocabulary lacks would be.
  const size_t domain_sentences = sentences.size();
  // Run lengths are geometric: P(_g | _g) comes out as garbage_loop, the price of each phone.
  const double loop = std::clamp(options.garbage_loop, 0.0, 0.99);
  std::bernoulli_distribution more(loop);
  std::mt19937 grng(options.seed + 1);
  auto garbage_run = [&](std::vector<std::string> &out) {
    out.emplace_back(kGarbageWord);
    while (more(grng)) out.emplace_back(kGarbageWord);
  };
  const auto n_garbage = static_cast<size_t>(std::max(0.0, options.garbage_sentences) * static_cast<double>(domain_sentences));
  for (size_t i = 0; i < n_garbage; ++i) {
    std::vector<std::string> s;
    garbage_run(s);
    sentences.push_back(std::move(s));
  }
  const auto n_inserts = static_cast<size_t>(std::max(0.0, options.garbage_inserts) * static_cast<double>(domain_sentences));
  for (size_t i = 0; i < n_inserts && domain_sentences > 0; ++i) {
    const auto &base = sentences[sampler.pick(domain_sentences)];
    const size_t at = sampler.pick(base.size() + 1);
    std::vector<std::string> s(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(at));
    garbage_run(s);
    s.insert(s.end(), base.begin() + static_cast<std::ptrdiff_t>(at), base.end());
    sentences.push_back(std::move(s));
  }

  // Words and their ids; <s> and </s> are the model's own.
  std::set<std::string> word_set;
  for (const auto &s : sentences) word_set.insert(s.begin(), s.end());
  DomainModel model;
  for (const auto &w : word_set) {
    if (!is_garbage_word(w)) model.words.push_back(w);
  }
  std::vector<std::string> vocab(word_set.begin(), word_set.end());
  vocab.emplace_back("<s>");
  vocab.emplace_back("</s>");
  const int bos = static_cast<int>(vocab.size() - 2);
  const int eos = static_cast<int>(vocab.size() - 1);
  std::unordered_map<std::string, int> ids;
  for (size_t i = 0; i < vocab.size(); ++i) ids[vocab[i]] = static_cast<int>(i);
  std::vector<std::vector<int>> corpus;
  corpus.reserve(sentences.size());
  for (const auto &s : sentences) {
    std::vector<int> t;
    t.reserve(s.size());
    for (const auto &w : s) t.push_back(ids[w]);
    corpus.push_back(std::move(t));
  }
  ArpaResult arpa = make_arpa(corpus, vocab, bos, eos, std::clamp(options.min_backoff, 0.0, 0.99));
  model.arpa = std::move(arpa.text);
  for (size_t k = 0; k < 3; ++k) model.ngrams[k] = arpa.counts[k];
  model.sentences = sentences.size();
  model.jsgf = make_jsgf(g);

  // The grammar may use words the sampled corpus missed (an alternative never drawn): the
  // dictionary covers the grammar's words as well.
  std::set<std::string> dict_words(word_set);
  for (const Node &t : g.intents) collect_words(t, dict_words);
  for (const auto &[name, items] : g.slots) {
    for (const Node &n : items) collect_words(n, dict_words);
  }

  // Pronunciations: the vocabulary's own first (they may correct the dictionary's), then the
  // CMU dictionary's, then letter-to-sound rules.
  std::map<std::string, std::vector<std::string>> pron;
  std::map<std::string, std::vector<std::string>> extra;
  for (const auto &[word, phones] : vocabulary.pronunciations) {
    const std::string up = upper_phones(phones);
    if (!valid_phones(up)) {
      return make_error(Errc::invalid_argument,
                        "vocabulary: \"" + phones + "\" (for \"" + word + "\") is not a list of CMU phones");
    }
    auto &list = extra[word];
    if (std::find(list.begin(), list.end(), up) == list.end()) list.push_back(up);
  }
  {
    std::ifstream in(cmudict_path);
    if (!in) return make_error(Errc::io, "pocketsphinx: cannot read the dictionary " + cmudict_path);
    std::string line;
    while (std::getline(in, line)) {
      const size_t sp = line.find_first_of(" \t");
      if (sp == std::string::npos) continue;
      std::string word = line.substr(0, sp);
      if (const size_t paren = word.find('('); paren != std::string::npos) word.resize(paren);
      if (!dict_words.count(word)) continue;
      std::string phones = trim(std::string_view(line).substr(sp));
      if (const size_t hash = phones.find('#'); hash != std::string::npos) phones = trim(phones.substr(0, hash));
      auto &list = pron[word];
      if (std::find(list.begin(), list.end(), phones) == list.end()) list.push_back(std::move(phones));
    }
  }
  std::ostringstream dict;
  for (const std::string &w : dict_words) {
    if (is_garbage_word(w)) {
      // One LM word, a pronunciation per phone: a run of it is a phone loop whose every step
      // costs one LM transition, not a choice among 39 words.
      for (size_t i = 0; i < kPhones.size(); ++i) {
        dict << w;
        if (i > 0) dict << '(' << (i + 1) << ')';
        dict << ' ' << kPhones[i] << '\n';
      }
      continue;
    }
    std::vector<std::string> list;
    if (auto e = extra.find(w); e != extra.end()) list = e->second;
    if (auto p = pron.find(w); p != pron.end()) {
      for (const auto &ph : p->second) {
        if (std::find(list.begin(), list.end(), ph) == list.end()) list.push_back(ph);
      }
    }
    if (list.empty()) {
      list.push_back(guess_pronunciation(w));
      model.guessed.push_back(w);
    }
    for (size_t i = 0; i < list.size(); ++i) {
      dict << w;
      if (i > 0) dict << '(' << (i + 1) << ')';
      dict << ' ' << list[i] << '\n';
    }
  }
  model.dictionary = dict.str();
  return model;
}

}  // namespace ca::providers
