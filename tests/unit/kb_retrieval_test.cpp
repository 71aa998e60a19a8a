// Retrieval quality on the shipped demo articles (examples/kb): questions phrased the way callers
// ask them, each with the article(s) that answer it. Recall@3 — the share of questions with an
// expected article among the first three distinct articles — must stay at 0.8 or above, for
// keyword search alone and fused with the local trigram embedder.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kb/knowledge_base.hpp"

using namespace ca;
using namespace ca::kb;
namespace fs = std::filesystem;

namespace {

struct Case {
  const char *query;
  std::vector<const char *> expected;  // file-name prefixes ("04" for 04_faq_when_to_change_seasonal.md)
};

// Ukrainian, English and Russian, as a recogniser would write them down.
const std::vector<Case> kCases = {
    // uk
    {"скажіть а до якої температури можна їздити на літній гумі", {"04", "03"}},
    {"що означають цифри двісті п'ять п'ятдесят п'ять на боковині колеса", {"01"}},
    {"у мене шина дев'ятнадцятого року випуску як дізнатися її вік", {"07"}},
    {"який мінімальний залишок протектора щоб не оштрафували", {"08"}},
    {"а що входить у переобування і скільки часу це займає", {"09"}},
    {"ви можете залишити мої колеса у себе до весни", {"10"}},
    {"кермо вібрує на швидкості під сто кілометрів", {"11"}},
    {"на панелі загорілась лампочка тиску в колесах", {"12", "20"}},
    {"за скільки днів прийде посилка новою поштою", {"13"}},
    {"чи можна розрахуватися карткою при отриманні", {"14", "13"}},
    {"шини не підійшли, я можу їх повернути?", {"15"}},
    {"через місяць на новій шині вилізла грижа це гарантійний випадок", {"16"}},
    {"яка фірма краща мішлен чи хенкук", {"17", "18"}},
    {"чи є сенс переплачувати за дорогі шини", {"18"}},
    {"чи потрібні мені шипи якщо я їжджу тільки по місту", {"05"}},
    {"на бмв стоять ранфлет чи можна їхати з проколом", {"06"}},
    {"що означає дев'яносто один V на шині, яку вагу вона витримує", {"02"}},
    {"скільки атмосфер накачувати в колеса", {"20"}},
    {"ви працюєте в неділю", {"19"}},
    {"я пробив колесо саморізом, можна заклеїти?", {"21"}},
    {"всесезонка нормально взимку поїздить?", {"03"}},
    {"можна оплатити частинами", {"14"}},
    {"скільки коштує шиномонтаж на r17", {"09"}},
    {"у вас є доставка в Одесу", {"13"}},
    {"чи можна поставити шини з меншим індексом швидкості", {"02"}},
    {"колесо потроху спускає що робити", {"21", "20"}},
    {"мені потрібна накладна з ПДВ для фірми", {"14"}},
    // en
    {"how do I know how old my tyres are", {"36", "07"}},
    {"what does two twenty five forty five R17 mean on the tyre", {"30", "01"}},
    {"can I send the tyres back if I change my mind", {"33"}},
    {"do you deliver to Lviv and how long does it take", {"32"}},
    {"the tire got a bulge after I hit a pothole, is that covered", {"34"}},
    {"how much is it to fit four tires and balance them", {"35"}},
    {"are all season tyres good enough for the winter", {"31"}},
    {"which brands are cheap but still decent", {"37"}},
    {"can I pay in installments", {"38"}},
    {"how worn can the tread be before it's illegal", {"36"}},
    {"do you sell Michelin", {"37", "17"}},
    {"how long do you keep my order for pickup", {"32"}},
    // ru
    {"когда переобуваться на зимнюю резину", {"40", "04"}},
    {"можно у вас оставить шины на хранение до весны", {"41", "10"}},
    {"сколько стоит доставка новой почтой", {"42", "13"}},
    {"хочу вернуть шины они не подошли", {"15", "33"}},
    {"какой должен быть остаток протектора", {"08", "36"}},
    {"как узнать год выпуска шины", {"07", "36"}},
    {"коли краще купувати зимові шини", {"04"}},
};

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "callagent-kbr-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Title → file-name prefix, read from the articles themselves.
std::map<std::string, std::string> title_to_prefix(const fs::path &dir) {
  std::map<std::string, std::string> out;
  for (const auto &e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".md") continue;
    std::ifstream in(e.path());
    std::stringstream s;
    s << in.rdbuf();
    const std::string name = e.path().filename().string();
    out[parse_markdown(s.str(), name).title] = name.substr(0, name.find('_'));
  }
  return out;
}

double recall_at_3(KnowledgeBase &kb, const std::map<std::string, std::string> &prefix, const char *label) {
  size_t found = 0;
  for (const Case &c : kCases) {
    auto hits = kb.search(c.query, "", kToolSearchLimit);
    REQUIRE_MESSAGE(hits.ok(), c.query);
    std::vector<std::string> top;  // distinct articles, best first
    for (const Hit &h : *hits) {
      const std::string p = prefix.at(h.title);
      if (std::find(top.begin(), top.end(), p) == top.end()) top.push_back(p);
      if (top.size() == 3) break;
    }
    bool ok = false;
    for (const char *want : c.expected) ok = ok || std::find(top.begin(), top.end(), want) != top.end();
    if (ok) {
      ++found;
    } else {
      std::string got;
      for (const auto &p : top) got += (got.empty() ? "" : ",") + p;
      std::string want;
      for (const char *w : c.expected) want += (want.empty() ? "" : ",") + std::string(w);
      std::printf("  [%s] MISS \"%s\": expected %s, top 3 %s\n", label, c.query, want.c_str(),
                  got.empty() ? "(none)" : got.c_str());
    }
  }
  const double recall = static_cast<double>(found) / static_cast<double>(kCases.size());
  std::printf("kb retrieval [%s]: recall@3 = %.3f (%zu of %zu queries)\n", label, recall, found, kCases.size());
  return recall;
}

}  // namespace

TEST_CASE("the demo knowledge base answers callers' questions (recall@3 >= 0.8)") {
  REQUIRE(kCases.size() >= 30);
  const fs::path articles = fs::path(CALLAGENT_SOURCE_DIR) / "examples" / "kb";
  const auto prefix = title_to_prefix(articles);
  REQUIRE(prefix.size() >= 20);
  for (const Case &c : kCases)
    for (const char *want : c.expected) {
      bool exists = false;
      for (const auto &[t, p] : prefix) exists = exists || p == want;
      CHECK_MESSAGE(exists, "no article " << want << " for \"" << c.query << "\"");
    }

  TempDir dir;
  const std::string db = (dir.path / "kb.db").string();
  auto embedded = KnowledgeBase::open(db, {.embedder = std::make_shared<TrigramEmbedder>()});
  REQUIRE(embedded.ok());
  auto report = (*embedded)->import_directory(articles.string());
  REQUIRE(report.ok());
  CHECK(report->problems.empty());
  CHECK(report->articles() == prefix.size());
  CHECK(report->embedded == report->chunks);

  auto keyword = KnowledgeBase::open(db);  // the same file, no embedder: BM25 only
  REQUIRE(keyword.ok());
  const double bm25 = recall_at_3(**keyword, prefix, "bm25");
  const double fused = recall_at_3(**embedded, prefix, "bm25+trigram rrf");
  CHECK(bm25 >= 0.8);
  CHECK(fused >= 0.8);
}
