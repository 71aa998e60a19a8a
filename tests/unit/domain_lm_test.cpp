// The recogniser's domain model: templates, the vocabulary file, the ARPA model, the dictionary.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "providers/pocketsphinx/domain_lm.hpp"

using namespace ca;
using namespace ca::providers;

namespace {

const std::string kDict = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

std::vector<std::string> split(const std::string &s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// ARPA sections as text -> log10 prob, for checking normalisation.
struct Arpa {
  std::map<std::string, double> uni;
  std::map<std::string, std::map<std::string, double>> bi;  // history -> word -> log10 p
  std::map<std::string, double> uni_backoff;
};

Arpa read_arpa(const std::string &text) {
  Arpa a;
  std::istringstream in(text);
  std::string line;
  int order = 0;
  while (std::getline(in, line)) {
    if (line.rfind("\\1-grams:", 0) == 0) order = 1;
    else if (line.rfind("\\2-grams:", 0) == 0) order = 2;
    else if (line.rfind("\\3-grams:", 0) == 0) order = 3;
    else if (line.empty() || line[0] == '\\' || order == 0) continue;
    else {
      auto f = split(line);
      if (order == 1) {
        a.uni[f[1]] = std::stod(f[0]);
        if (f.size() > 2) a.uni_backoff[f[1]] = std::stod(f[2]);
      } else if (order == 2) {
        a.bi[f[1]][f[2]] = std::stod(f[0]);
      }
    }
  }
  return a;
}

}  // namespace

TEST_CASE("catalogue text becomes spoken words") {
  CHECK(spoken_words("X-Ice North 4") == "x ice north four");
  CHECK(spoken_words("R16") == "r sixteen");
  CHECK(spoken_words("205/55 R16") == "two hundred five fifty five r sixteen");
  CHECK(spoken_words("Hakkapeliitta R5 SUV") == "hakkapeliitta r five suv");
  CHECK(spoken_words("order 0042") == "order oh oh four two");
  CHECK(spoken_words("  What's   up?  ") == "what's up");
  CHECK(spoken_words("'quoted'") == "quoted");
  CHECK(spoken_words("Шина 5") == "five");  // Cyrillic is not English speech: dropped
}

TEST_CASE("templates: syntax errors and unknown slots are refused with the reason") {
  CHECK(check_template("(do you have | have you got) [any] {brand} (tyres | tires)").ok());
  CHECK(check_template("i'm looking for {size}").ok());
  auto missing = check_template("(do you have | got");
  REQUIRE(!missing.ok());
  CHECK(missing.error().message.find("missing ')'") != std::string::npos);
  auto slot = check_template("i want {colour} tyres");
  REQUIRE(!slot.ok());
  CHECK(slot.error().message.find("{colour}") != std::string::npos);
  CHECK(!check_template("tyres ]").ok());
  CHECK(!check_template("205 tyres").ok());  // digits must be words
  CHECK(!check_template("{brand").ok());
}

TEST_CASE("the default vocabulary covers the shop's domain in under a thousand words") {
  const DomainVocabulary v = default_tyre_vocabulary();
  for (const char *b : {"michelin", "continental", "nokian", "bridgestone", "goodyear", "hankook", "pirelli", "yokohama",
                        "kumho", "nexen", "laufenn", "rosava", "belshina", "dunlop", "toyo"}) {
    CHECK(std::find(v.brands.begin(), v.brands.end(), b) != v.brands.end());
  }
  for (const char *c : {"kyiv", "lviv", "odesa", "dnipro", "kharkiv"}) {
    CHECK(std::find(v.cities.begin(), v.cities.end(), c) != v.cities.end());
  }
  CHECK(v.intents.size() >= 60);
  for (const auto &t : v.intents) CHECK_MESSAGE(check_template(t).ok(), t);

  auto m = build_domain_model(v, kDict);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
  MESSAGE("words " << m->words.size() << ", sentences " << m->sentences << ", n-grams " << m->ngrams[0] << "/"
                   << m->ngrams[1] << "/" << m->ngrams[2]);
  CHECK(m->words.size() >= 300);
  CHECK(m->words.size() <= 1000);
  const std::set<std::string> words(m->words.begin(), m->words.end());
  // Sizes as callers say them.
  for (const char *w : {"two", "oh", "five", "fifty", "r", "sixteen", "hundred", "inch", "slash"}) CHECK(words.count(w));
  for (const char *w : {"warranty", "return", "delivery", "storage", "operator", "human", "appointment", "tomorrow",
                        "cancel", "status", "goodbye", "mounting", "price", "stock"}) {
    CHECK_MESSAGE(words.count(w), w);
  }
  // Every word has a pronunciation; the brand names the CMU dictionary lacks come from the
  // vocabulary's own, not from letter-to-sound guesses.
  std::set<std::string> in_dict;
  std::istringstream dict(m->dictionary);
  std::string line;
  while (std::getline(dict, line)) {
    std::string w = line.substr(0, line.find(' '));
    if (auto p = w.find('('); p != std::string::npos) w.resize(p);
    in_dict.insert(w);
  }
  for (const auto &w : m->words) CHECK_MESSAGE(in_dict.count(w), w);
  for (const char *b : {"hankook", "laufenn", "nexen", "rosava", "belshina", "nokian", "kyiv", "kharkiv"}) {
    CHECK(std::find(m->guessed.begin(), m->guessed.end(), b) == m->guessed.end());
  }
  CHECK(m->dictionary.find("hankook HH AE N K UH K\n") != std::string::npos);
  // The garbage word: one pronunciation per phone.
  CHECK(m->dictionary.find("_g AA\n") != std::string::npos);
  CHECK(m->dictionary.find("_g(39) ZH\n") != std::string::npos);
  // The grammar alternative is there too.
  CHECK(m->jsgf.rfind("#JSGF V1.0;", 0) == 0);
  CHECK(m->jsgf.find("public <utterance>") != std::string::npos);
  CHECK(m->jsgf.find("<brand> = ") != std::string::npos);
}

TEST_CASE("the ARPA model is normalised and deterministic") {
  auto m = build_domain_model(default_tyre_vocabulary(), kDict);
  REQUIRE(m.ok());
  auto again = build_domain_model(default_tyre_vocabulary(), kDict);
  REQUIRE(again.ok());
  CHECK(m->arpa == again->arpa);  // the corpus is sampled with a fixed seed

  const Arpa a = read_arpa(m->arpa);
  REQUIRE(a.uni.count("<s>"));
  REQUIRE(a.uni.count("</s>"));
  double total = 0;
  for (const auto &[w, lp] : a.uni) {
    if (w != "<s>") total += std::pow(10.0, lp);
  }
  CHECK(total == doctest::Approx(1.0).epsilon(1e-3));
  // For a few histories: the listed bigrams plus backoff * the unigrams of the others sum to 1.
  for (const char *h : {"<s>", "do", "michelin", "two", "tyres"}) {
    CAPTURE(h);
    REQUIRE(a.bi.count(h));
    const auto &next = a.bi.at(h);
    double sum = 0, unseen_uni = 0;
    for (const auto &[w, lp] : a.uni) {
      if (w == "<s>") continue;
      if (auto it = next.find(w); it != next.end()) {
        sum += std::pow(10.0, it->second);
      } else {
        unseen_uni += std::pow(10.0, lp);
      }
    }
    sum += std::pow(10.0, a.uni_backoff.at(h)) * unseen_uni;
    CHECK(sum == doctest::Approx(1.0).epsilon(2e-3));
    // Callers combine phrases freely: every history keeps at least 20 % for the unexpected.
    CHECK(std::pow(10.0, a.uni_backoff.at(h)) >= 0.2 - 1e-6);
  }

  auto scorer = NgramScorer::parse(m->arpa);
  REQUIRE(scorer.ok());
  const double domain = scorer->mean_log10(split("do you have michelin winter tyres"));
  const double salad = scorer->mean_log10(split("tyres the winter have michelin you do"));
  CHECK(domain > salad + 0.5);
  CHECK(scorer->unseen_bigram_share(split("do you have winter tyres")) == doctest::Approx(0.0));
  CHECK(scorer->unseen_bigram_share(split("tyres the have")) >= 0.5);
  CHECK(!NgramScorer::parse("not an arpa file").ok());
}

TEST_CASE("a catalogue's words extend the vocabulary; Cyrillic is transliterated") {
  const DomainVocabulary base = default_tyre_vocabulary();
  SpeechVocabulary c;
  c.brands = {"Matador", "Michelin", "Matador"};
  c.models = {"MP 92 Sibir Snow", "X-Ice North 4", "WinterContact TS 870", "Blizzak DM-V3"};
  c.cities = {"Запоріжжя", "Київ"};
  c.places = {"Оболонський район", "ШинСервіс Оболонь"};
  c.vehicles = {"Toyota", "Toyota Camry", "Geely"};
  c.sizes = {"315/35 R21", "205/55 R16", "not a size"};
  const DomainVocabulary v = with_catalogue(base, c);
  auto added = [](const std::vector<std::string> &before, const std::vector<std::string> &after) {
    REQUIRE(after.size() >= before.size());
    CHECK(std::equal(before.begin(), before.end(), after.begin()));  // the defaults stay, in order
    return std::vector<std::string>(after.begin() + static_cast<std::ptrdiff_t>(before.size()), after.end());
  };
  CHECK(added(base.brands, v.brands) == std::vector<std::string>{"matador"});  // michelin is there already
  CHECK(added(base.models, v.models) ==
        std::vector<std::string>{"m p ninety two sibir snow", "x ice north four", "winter contact t s eight hundred seventy",
                                 "blizzak d m v three"});
  CHECK(added(base.cities, v.cities) == std::vector<std::string>{"zaporizhzhia"});
  // A place by its whole name and by each of its words.
  CHECK(added(base.stations, v.stations) ==
        std::vector<std::string>{"obolonskyi raion", "obolonskyi", "raion", "shyn servis obolon", "shyn", "servis"});
  CHECK(added(base.car_makes, v.car_makes) == std::vector<std::string>{"toyota", "toyota camry", "geely"});
  // Sizes add what the generic ranges lack (315, a 35 profile and a 21 rim are in them).
  CHECK(v.tyre_widths == base.tyre_widths);
  CHECK(v.tyre_profiles == base.tyre_profiles);
  CHECK(v.tyre_rims == base.tyre_rims);
  c.sizes = {"335/25 R23"};
  const DomainVocabulary wide = with_catalogue(base, c);
  CHECK(std::find(wide.tyre_widths.begin(), wide.tyre_widths.end(), "three thirty five") != wide.tyre_widths.end());
  CHECK(added(base.tyre_profiles, wide.tyre_profiles) == std::vector<std::string>{"twenty five"});
  CHECK(added(base.tyre_rims, wide.tyre_rims) == std::vector<std::string>{"twenty three"});
  // The generic parts are never touched.
  CHECK(v.intents == base.intents);
  CHECK(v.times == base.times);
  CHECK(v.short_answers == base.short_answers);
  // The model builds, with the transliterated words in it.
  auto m = build_domain_model(v, kDict);
  REQUIRE(m.ok());
  const std::set<std::string> words(m->words.begin(), m->words.end());
  CHECK(words.count("zaporizhzhia"));
  CHECK(words.count("servis"));
  CHECK(words.count("matador"));
  CHECK(words.count("geely"));
  CHECK(words.size() <= 1000);
}

TEST_CASE("a vocabulary file extends the defaults, or replaces them") {
  DomainVocabulary base = default_tyre_vocabulary();
  auto v = json::parse(R"({"brands": ["Matador", "Sava"], "models": ["MP 92 Sibir Snow", "Eskimo HP"],
                           "cities": ["Zaporizhzhia"],
                           "intents": ["(do you | can you) (stock | sell) {brand} {model}"],
                           "pronunciations": {"sibir": "S IH B IH R", "zaporizhzhia": ["Z AA P AO R IH ZH Y AH"]}})");
  REQUIRE(v.ok());
  auto ext = vocabulary_from_json(*v, base);
  REQUIRE_MESSAGE(ext.ok(), (ext.ok() ? "" : ext.error().message));
  CHECK(ext->brands.size() == base.brands.size() + 2);
  CHECK(ext->brands.back() == "sava");
  CHECK(std::find(ext->models.begin(), ext->models.end(), "mp ninety two sibir snow") != ext->models.end());
  CHECK(ext->intents.size() == base.intents.size() + 1);
  auto m = build_domain_model(*ext, kDict);
  REQUIRE(m.ok());
  CHECK(m->dictionary.find("sibir S IH B IH R\n") != std::string::npos);
  CHECK(m->dictionary.find("zaporizhzhia Z AA P AO R IH ZH Y AH\n") != std::string::npos);
  const std::set<std::string> words(m->words.begin(), m->words.end());
  CHECK(words.count("matador"));
  CHECK(words.count("eskimo"));

  auto rep = vocabulary_from_json(*json::parse(R"({"replace": true, "brands": ["Matador"]})"), base);
  REQUIRE(rep.ok());
  CHECK(rep->brands == std::vector<std::string>{"matador"});
  CHECK(rep->cities == base.cities);  // lists not named keep the defaults

  for (const char *bad : {R"({"brandz": ["x"]})", R"({"brands": "Matador"})", R"({"brands": [5]})",
                          R"({"intents": ["(unclosed"]})", R"({"pronunciations": {"x": "QQ ZZ"}})",
                          R"({"replace": "yes"})", R"([1, 2])"}) {
    CAPTURE(bad);
    auto j = json::parse(bad);
    REQUIRE(j.ok());
    CHECK(!vocabulary_from_json(*j, base).ok());
  }
  CHECK(!load_vocabulary_file("/nonexistent/vocab.json", base).ok());
}

TEST_CASE("words no dictionary knows get letter-to-sound pronunciations") {
  CHECK(guess_pronunciation("sibir") == "S IH B ER");
  CHECK(guess_pronunciation("shina") == "SH IH N AA");
  CHECK(guess_pronunciation("matte") == "M AA T");
  CHECK(guess_pronunciation("cinturato").rfind("S IH N", 0) == 0);
  CHECK(guess_pronunciation("") == "AH");
  DomainVocabulary v = default_tyre_vocabulary();
  v.models.push_back("zorblax");
  auto m = build_domain_model(v, kDict);
  REQUIRE(m.ok());
  CHECK(std::find(m->guessed.begin(), m->guessed.end(), "zorblax") != m->guessed.end());
  CHECK(m->dictionary.find("zorblax Z AO R B L AA K S\n") != std::string::npos);
  CHECK(!build_domain_model(v, "/nonexistent/cmudict").ok());
}
