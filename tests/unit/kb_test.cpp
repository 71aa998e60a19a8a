// The knowledge base: chunking, Markdown import, the query builder, search over a real SQLite file,
// reciprocal rank fusion and the dense path with a real local embedder.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "kb/chunker.hpp"
#include "kb/kb_text.hpp"
#include "kb/knowledge_base.hpp"

using namespace ca;
using namespace ca::kb;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "callagent-kb-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string &name) const { return (path / name).string(); }
  void write(const std::string &name, const std::string &text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

std::string repeat_sentence(const std::string &sentence, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (out.empty() ? "" : " ") + sentence;
  return out;
}

// The words of a text in order: chunking must neither lose nor invent any.
std::vector<std::string> all_words(const std::vector<std::string> &chunks) {
  std::vector<std::string> out;
  for (const auto &c : chunks)
    for (auto &w : words(c)) out.push_back(w);
  return out;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::unique_ptr<KnowledgeBase> open_kb(const std::string &path, Options options = {}) {
  auto kb = KnowledgeBase::open(path, std::move(options));
  REQUIRE_MESSAGE(kb.ok(), (kb.ok() ? "" : kb.error().message));
  return std::move(kb).value();
}

Article article(std::string title, std::string body, std::string category = "faq", std::string source = "") {
  Article a;
  a.title = std::move(title);
  a.body = std::move(body);
  a.category = std::move(category);
  a.language = detect_language(a.body);
  a.source = std::move(source);
  return a;
}

std::vector<std::string> titles(const std::vector<Hit> &hits) {
  std::vector<std::string> out;
  for (const auto &h : hits) out.push_back(h.title);
  return out;
}

bool has_title(const std::vector<Hit> &hits, const std::string &title) {
  for (const auto &h : hits)
    if (h.title == title) return true;
  return false;
}

// An embedder that delegates to the trigram one and counts what it is asked, or fails on demand.
class CountingEmbedder : public Embedder {
 public:
  explicit CountingEmbedder(std::string model_suffix = "") : suffix_(std::move(model_suffix)) {}
  std::string model() const override { return inner_.model() + suffix_; }
  size_t dimensions() const override { return inner_.dimensions(); }
  size_t max_batch() const override { return 3; }
  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string> &texts) override {
    ++calls;
    largest_batch = std::max(largest_batch, texts.size());
    texts_seen += texts.size();
    if (fail) return make_error(Errc::io, "embedding service unreachable");
    return inner_.embed(texts);
  }
  std::atomic<bool> fail{false};
  size_t calls = 0, largest_batch = 0, texts_seen = 0;

 private:
  TrigramEmbedder inner_;
  std::string suffix_;
};

}  // namespace

TEST_CASE("chunker: blank text gives no chunks; small paragraphs are merged up to the limit") {
  CHECK(chunk_text("").empty());
  CHECK(chunk_text(" \n\n \t\n").empty());

  const std::string p(100, 'a');
  const std::string text = p + "\n\n" + p + "\n   \n" + p;
  const auto one = chunk_text(text, 2000);
  REQUIRE(one.size() == 1);
  CHECK(one[0] == p + "\n\n" + p + "\n\n" + p);

  const auto two = chunk_text(text, 250);  // 100 + 2 + 100 fits, a third does not
  REQUIRE(two.size() == 2);
  CHECK(two[0] == p + "\n\n" + p);
  CHECK(two[1] == p);
}

TEST_CASE("chunker: the limit is inclusive and counted in code points, not bytes") {
  const std::string a(99, 'x'), b(99, 'y');
  CHECK(chunk_text(a + "\n\n" + b, 200).size() == 1);  // 99 + 2 + 99 = 200
  CHECK(chunk_text(a + "\n\n" + b, 199).size() == 2);

  std::string cyr;
  for (int i = 0; i < 100; ++i) cyr += "ши";  // 200 code points, 400 bytes
  const auto c = chunk_text(cyr, 200);
  REQUIRE(c.size() == 1);
  CHECK(c[0] == cyr);
  CHECK(chunk_text(cyr, 199).size() == 2);
}

TEST_CASE("chunker: an oversized paragraph is split on sentence boundaries, never beyond the limit") {
  const std::string s1 = "Шини треба міняти, коли температура нижче семи градусів.";
  const std::string s2 = "Is this a question?";
  const std::string s3 = "Так! Ось чому.";
  std::string para;
  for (int i = 0; i < 12; ++i) para += (para.empty() ? "" : " ") + s1 + " " + s2 + " " + s3;
  const std::string text = "Вступ.\n\n" + para + "\n\nКінець.";
  const auto chunks = chunk_text(text, 200);
  REQUIRE(chunks.size() > 3);
  for (const auto &c : chunks) {
    CHECK(utf8_length(c) <= 200);
    const char last = c.back();
    CHECK_MESSAGE((last == '.' || last == '?' || last == '!'), c);  // whole sentences only
  }
  CHECK(all_words(chunks) == words(text));
  // The short first paragraph is merged with the first sentences of the long one.
  CHECK(chunks[0].rfind("Вступ.\n\n" + s1, 0) == 0);
}

TEST_CASE("chunker: a sentence longer than the limit is cut at spaces; a run with no space at code points") {
  const std::string sentence = repeat_sentence("протектор", 60) + ".";  // ~600 code points, one sentence
  const auto chunks = chunk_text(sentence, 100);
  REQUIRE(chunks.size() >= 6);
  for (const auto &c : chunks) {
    CHECK(utf8_length(c) <= 100);
    for (const auto &w : words(c)) CHECK(w == "протектор");  // no word was cut
  }
  CHECK(all_words(chunks).size() == 60);

  std::string blob;
  for (int i = 0; i < 150; ++i) blob += "ї";
  const auto cut = chunk_text(blob, 40);
  REQUIRE(cut.size() == 4);  // 40 + 40 + 40 + 30
  for (const auto &c : cut) {
    CHECK(valid_utf8(c));
    CHECK(utf8_length(c) <= 40);
  }
  CHECK(utf8_length(cut.back()) == 30);
}

TEST_CASE("chunker: line breaks inside an oversized list survive; tiny limits are raised") {
  std::string list;
  for (int i = 0; i < 30; ++i) list += "- пункт номер " + std::to_string(i) + "\n";
  const auto chunks = chunk_text(list, 120);
  REQUIRE(chunks.size() > 1);
  for (const auto &c : chunks) {
    CHECK(utf8_length(c) <= 120);
    CHECK(c.rfind("- пункт", 0) == 0);
  }
  CHECK(chunks[0].find("\n- пункт номер 1") != std::string::npos);
  for (const auto &c : chunk_text(std::string(200, 'z'), 1)) CHECK(c.size() == kMinChunkChars);
}

TEST_CASE("markdown: front matter, H1 title, category from the file name, language") {
  const auto a = parse_markdown(
      "---\ncategory: FAQ\nlanguage: uk\n---\n# Коли міняти **шини**\n\nТекст [із посиланням](http://x) і `кодом`.\n"
      "\n## Підзаголовок\nЩе текст.\n",
      "07_guides_something.md");
  CHECK(a.title == "Коли міняти шини");
  CHECK(a.category == "faq");  // front matter wins over the file name
  CHECK(a.language == "uk");
  CHECK(a.body == "Текст із посиланням і кодом.\n\nПідзаголовок\nЩе текст.");

  const auto b = parse_markdown("No heading here, just English text about tyres.", "12_delivery_nova_poshta.md");
  CHECK(b.title == "nova poshta");
  CHECK(b.category == "delivery");
  CHECK(b.language == "en");

  const auto c = parse_markdown("# Хранение шин\n\nМы храним шины в тёплом складе, это удобно.", "notes.md");
  CHECK(c.category == "general");
  CHECK(c.language == "ru");

  const auto d = parse_markdown("# Зберігання\n\nМи зберігаємо шини на складі.", "03_unknowncat_topic.md");
  CHECK(d.category == "general");
  CHECK(d.title == "Зберігання");
  CHECK(d.language == "uk");

  // An unterminated front matter is text, and a '# ' inside a code fence is not the title.
  const auto e = parse_markdown("---\ncategory: x\n```\n# not a title\n```\nbody", "5_faq.md");
  CHECK(e.category == "faq");
  CHECK(e.title == "5 faq");
  CHECK(e.body.find("# not a title") != std::string::npos);
}

TEST_CASE("query builder: stop words dropped, stems as quoted prefixes, numbers whole") {
  CHECK(build_match_query("Підкажіть, будь ласка, які у вас є зимові шини?") == "\"зим\"* OR \"шин\"*");
  CHECK(build_match_query("шинами") == "\"шин\"*");
  CHECK(build_match_query("205/55 R16") == "\"205\" OR \"55\" OR \"r16\"*");
  CHECK(build_match_query("балансування") == "\"баланс\"*");
  CHECK(build_match_query("Do you deliver tires?") == "\"deliver\"* OR \"tir\"* OR \"tyr\"*");
  CHECK(build_match_query("а що у вас є?").empty());
  CHECK(build_match_query("").empty());
  // ё/е, ґ/г and apostrophes are normalized the same way the index is.
  CHECK(build_match_query("п'ять") == build_match_query("пять"));
  CHECK(build_match_query("п’ять") == build_match_query("ПЯТЬ"));
  CHECK(stem(normalize("ЇЖАК")) == stem("їжак"));
  CHECK(stem("ґанок") == "ґанок");  // stem() takes normalized words; normalize() makes it 'ганок'
}

TEST_CASE("query builder: whatever the caller says, the expression is only quoted terms") {
  const std::regex shape(R"(^("[^"]*"\*?( OR "[^"]*"\*?)*)?$)");
  for (const char *q : {"шина\" OR \"", "NEAR(шина зима, 2)", "title:шина", "*", "\"", "-шина", "шина AND",
                        "(", "^шина", "{title body}: шина", "шина\" NOT \"зима", "a\"b", "''''", "шина*)"}) {
    const std::string m = build_match_query(q);
    CHECK_MESSAGE(std::regex_match(m, shape), q << " -> " << m);
  }
}

TEST_CASE("import: articles and chunks; re-import updates in place; unchanged files are left alone") {
  TempDir dir;
  dir.write("kb/01_faq_winter.md", "---\ncategory: faq\n---\n# Зимові шини\n\nЗимові шини ставимо при +7.\n");
  dir.write("kb/sub/02_delivery_np.md", "# Delivery\n\nWe ship with Nova Poshta in 1-3 days.\n");
  dir.write("kb/readme.txt", "not an article");
  auto kb = open_kb(dir.file("kb.db"));

  auto r1 = kb->import_directory(dir.file("kb"));
  REQUIRE(r1.ok());
  CHECK(r1->files == 2);
  CHECK(r1->added == 2);
  CHECK(r1->chunks == 2);
  CHECK(r1->problems.empty());
  CHECK(*kb->article_count() == 2);
  CHECK(*kb->categories() == std::vector<std::string>{"delivery", "faq"});

  auto r2 = kb->import_directory(dir.file("kb"));
  REQUIRE(r2.ok());
  CHECK(r2->unchanged == 2);
  CHECK(r2->added + r2->updated == 0);
  CHECK(*kb->article_count() == 2);
  CHECK(*kb->chunk_count() == 2);

  dir.write("kb/01_faq_winter.md", "---\ncategory: faq\n---\n# Зимові шини\n\nШипи дозволені в Україні.\n");
  auto r3 = kb->import_directory(dir.file("kb"));
  REQUIRE(r3.ok());
  CHECK(r3->updated == 1);
  CHECK(r3->unchanged == 1);
  CHECK(*kb->article_count() == 2);
  CHECK(*kb->chunk_count() == 2);
  CHECK(kb->search("шипи")->size() == 1);
  CHECK(kb->search("температура +7 ставимо")->empty());  // the old text left the index too

  // Moved to another file name with the same title: still one article, found by title.
  fs::rename(dir.path / "kb/01_faq_winter.md", dir.path / "kb/09_faq_winter_renamed.md");
  auto r4 = kb->import_directory(dir.file("kb"));
  REQUIRE(r4.ok());
  CHECK(r4->unchanged == 2);
  CHECK(*kb->article_count() == 2);

  // Another file claiming a title that is taken is reported and skipped.
  dir.write("kb/10_faq_copy.md", "# Delivery\n\nA second article with the same title.\n");
  dir.write("kb/11_faq_empty.md", "# Empty\n\n   \n");
  auto r5 = kb->import_directory(dir.file("kb"));
  REQUIRE(r5.ok());
  REQUIRE(r5->problems.size() == 2);
  CHECK(r5->problems[0].find("10_faq_copy.md: the title \"Delivery\" is already used by") != std::string::npos);
  CHECK(r5->problems[1].find("11_faq_empty.md") != std::string::npos);
  CHECK(*kb->article_count() == 2);

  CHECK(kb->import_directory(dir.file("missing")).error().code == Errc::not_found);
}

TEST_CASE("import: the database keeps the articles across opens, and a long article gives several chunks") {
  TempDir dir;
  std::string body;
  for (int i = 0; i < 8; ++i) body += repeat_sentence("Шиномонтаж займає близько години.", 12) + "\n\n";
  {
    auto kb = open_kb(dir.file("kb.db"));
    auto r = kb->import_article(article("Шиномонтаж", body, "fitting"));
    REQUIRE(r.ok());
    CHECK(r->action == ImportAction::added);
    CHECK(r->chunks == chunk_text(body).size());
    CHECK(r->chunks > 1);
  }
  auto kb = open_kb(dir.file("kb.db"));
  CHECK(*kb->article_count() == 1);
  auto hits = kb->search("шиномонтаж", "", 50);
  REQUIRE(hits.ok());
  CHECK(hits->size() == chunk_text(body).size());
  for (const auto &h : *hits) {
    CHECK(h.title == "Шиномонтаж");
    CHECK(h.category == "fitting");
    CHECK(h.article_id == hits->front().article_id);
    CHECK(utf8_length(h.content) <= kDefaultChunkChars);
  }
  CHECK(kb->import_article(article("", "text")).error().code == Errc::invalid_argument);
  CHECK(kb->import_article(article("No body", " \n ")).error().code == Errc::invalid_argument);
}

TEST_CASE("search: Cyrillic case folding, ё/е and apostrophes") {
  TempDir dir;
  auto kb = open_kb(dir.file("kb.db"));
  REQUIRE(kb->import_article(article("ШИНОМОНТАЖ У ЛЬВОВІ", "ҐАНОК, ЇЖАК і ЄНОТ чекають на п’ять коліс.")).ok());
  REQUIRE(kb->import_article(article("Ёлочные игрушки", "Продаём ёлки и всё для праздника.")).ok());
  REQUIRE(kb->import_article(article("Other", "Nothing related at all.")).ok());
  for (const char *q : {"шиномонтаж", "Шиномонтаж", "ґанок", "Ганок", "їжак", "ЇЖАК", "єнот", "пять", "п'ять"}) {
    auto hits = kb->search(q);
    REQUIRE(hits.ok());
    CHECK_MESSAGE(titles(*hits) == std::vector<std::string>{"ШИНОМОНТАЖ У ЛЬВОВІ"}, q);
  }
  for (const char *q : {"елочные", "ЁЛКИ", "ёлки"}) {
    auto hits = kb->search(q);
    REQUIRE(hits.ok());
    CHECK_MESSAGE(titles(*hits) == std::vector<std::string>{"Ёлочные игрушки"}, q);
  }
}

TEST_CASE("search: inflected forms find each other through stems and prefixes") {
  TempDir dir;
  auto kb = open_kb(dir.file("kb.db"));
  REQUIRE(kb->import_article(article("Про шину", "Шина — основа безпеки. Зимова гума м'якша за літню.")).ok());
  REQUIRE(kb->import_article(article("Balancing", "Wheel balancing removes vibration at speed.")).ok());
  REQUIRE(kb->import_article(article("Доставка", "Відправляємо Новою Поштою.")).ok());
  for (const char *q : {"шини", "шин", "шинами", "ШИНАМИ", "шині", "зимових", "зимою", "гуму", "резина"}) {
    auto hits = kb->search(q);
    REQUIRE(hits.ok());
    CHECK_MESSAGE(has_title(*hits, "Про шину"), q);
    CHECK_MESSAGE(!has_title(*hits, "Доставка"), q);
  }
  for (const char *q : {"balance", "balanced", "vibrations", "wheels"}) CHECK_MESSAGE(has_title(*kb->search(q), "Balancing"), q);
  for (const char *q : {"доставку", "доставки", "пошта", "поштою", "почтой"}) CHECK_MESSAGE(has_title(*kb->search(q), "Доставка"), q);
}

TEST_CASE("search: FTS syntax in a query is harmless text") {
  TempDir dir;
  auto kb = open_kb(dir.file("kb.db"));
  REQUIRE(kb->import_article(article("Шина", "Шина і диск.")).ok());
  for (const char *q : {"шина\" OR \"", "NEAR(шина диск, 2)", "title:шина", "-шина", "шина AND", "шина)",
                        "^шина", "{title body}: шина", "шина\" NOT \"диск", "шина*", "\"шина\""}) {
    auto hits = kb->search(q);
    REQUIRE_MESSAGE(hits.ok(), q << ": " << (hits.ok() ? "" : hits.error().message));
    CHECK_MESSAGE(hits->size() == 1, q);
  }
  for (const char *q : {"*", "\"", "(", ")", "AND", "OR NOT", ":", "\"\"\"", "", "   "}) {
    auto hits = kb->search(q);
    REQUIRE_MESSAGE(hits.ok(), q);
    CHECK_MESSAGE(hits->empty(), q);
  }
}

TEST_CASE("search: the category filter, the limit and BM25 order with titles weighted") {
  TempDir dir;
  auto kb = open_kb(dir.file("kb.db"));
  REQUIRE(kb->import_article(article("Повернення шин", "Умови повернення товару.", "returns")).ok());
  REQUIRE(kb->import_article(article("Гарантія", "Гарантія не заміняє повернення шин у 14 днів.", "warranty")).ok());
  REQUIRE(kb->import_article(article("Доставка", "Доставка і повернення посилок.", "delivery")).ok());

  auto all = kb->search("повернення шин");
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK(all->front().title == "Повернення шин");  // the title match ranks first
  for (size_t i = 1; i < all->size(); ++i) CHECK((*all)[i - 1].score >= (*all)[i].score);
  CHECK(all->back().score > 0);

  auto only = kb->search("повернення шин", "warranty");
  REQUIRE(only.ok());
  CHECK(titles(*only) == std::vector<std::string>{"Гарантія"});
  CHECK(kb->search("повернення", "news")->empty());
  CHECK(kb->search("повернення", "", 2)->size() == 2);
}

TEST_CASE("reciprocal rank fusion: 1/(k+rank) summed over the lists") {
  const auto fused = reciprocal_rank_fusion({{1, 2, 3}, {3, 1}}, 60);
  REQUIRE(fused.size() == 3);
  CHECK(fused[0].id == 1);
  CHECK(fused[0].score == doctest::Approx(1.0 / 61 + 1.0 / 62));
  CHECK(fused[1].id == 3);
  CHECK(fused[1].score == doctest::Approx(1.0 / 63 + 1.0 / 61));
  CHECK(fused[2].id == 2);
  CHECK(fused[2].score == doctest::Approx(1.0 / 62));

  const auto ties = reciprocal_rank_fusion({{5}, {6}});
  REQUIRE(ties.size() == 2);
  CHECK(ties[0].id == 5);  // equal scores keep first-seen order
  CHECK(ties[0].score == doctest::Approx(ties[1].score));

  // An item second in both lists beats one first in a single list.
  const auto both = reciprocal_rank_fusion({{7, 8}, {9, 8}});
  CHECK(both[0].id == 8);
  CHECK(reciprocal_rank_fusion({}).empty());
  CHECK(reciprocal_rank_fusion({{}, {}}).empty());
  CHECK(reciprocal_rank_fusion({{4}}, 1)[0].score == doctest::Approx(0.5));
}

TEST_CASE("trigram embedder: unit vectors, deterministic, near for shared trigrams") {
  TrigramEmbedder e(256);
  CHECK(e.dimensions() == 256);
  CHECK(e.model() == "local-trigram-v1-256");
  auto v = e.embed({"Балансування коліс", "балансування колеса", "доставка новою поштою", ""});
  REQUIRE(v.ok());
  REQUIRE(v->size() == 4);
  double norm = 0;
  for (float x : (*v)[0]) norm += double(x) * double(x);
  CHECK(norm == doctest::Approx(1.0));
  CHECK(e.embed_one("Балансування коліс") == (*v)[0]);
  CHECK(cosine((*v)[0], (*v)[1]) > 0.6);
  CHECK(cosine((*v)[0], (*v)[1]) > cosine((*v)[0], (*v)[2]) + 0.3);
  CHECK(cosine((*v)[0], (*v)[3]) == 0.0);  // nothing to embed: the zero vector
  CHECK(cosine({1, 0}, {1, 0, 0}) == 0.0);
}

TEST_CASE("dense path: chunks embedded at import, in batches, once; the query fused with BM25") {
  TempDir dir;
  dir.write("kb/01_fitting_balancing.md", "# Балансування коліс\n\nБалансування прибирає вібрацію керма.\n");
  dir.write("kb/02_delivery_np.md", "# Доставка\n\nВідправляємо Новою Поштою за 1-3 дні.\n");
  dir.write("kb/03_faq_pressure.md", "# Тиск у шинах\n\nТиск перевіряйте щомісяця на холодних шинах.\n");
  dir.write("kb/04_faq_dot.md", "# Вік шини\n\nКод DOT показує тиждень і рік виробництва.\n");
  auto emb = std::make_shared<CountingEmbedder>();
  auto kb = open_kb(dir.file("kb.db"), {.embedder = emb});

  auto r = kb->import_directory(dir.file("kb"));
  REQUIRE(r.ok());
  CHECK(r->problems.empty());
  CHECK(r->embedded == 4);
  CHECK(emb->texts_seen == 4);
  CHECK(emb->largest_batch == 3);  // max_batch() respected: 3 + 1
  CHECK(emb->calls == 2);

  auto again = kb->import_directory(dir.file("kb"));
  REQUIRE(again.ok());
  CHECK(again->embedded == 0);  // unchanged articles keep their vectors
  CHECK(emb->texts_seen == 4);

  // A misspelling no stem matches: keyword search alone finds nothing, the fused search does.
  auto keyword_only = open_kb(dir.file("kb.db"));
  CHECK(keyword_only->search("баллансуваня")->empty());
  auto fused = kb->search("баллансуваня");
  REQUIRE(fused.ok());
  REQUIRE(!fused->empty());
  CHECK(fused->front().title == "Балансування коліс");
  CHECK(fused->front().score == doctest::Approx(1.0 / 61));  // first in the dense list only

  // Found by both lists: the fused score is the sum of both reciprocal ranks.
  auto both = kb->search("балансування");
  REQUIRE(both.ok());
  CHECK(both->front().title == "Балансування коліс");
  CHECK(both->front().score == doctest::Approx(2.0 / 61));

  auto filtered = kb->search("баллансуваня", "delivery");
  REQUIRE(filtered.ok());
  for (const auto &h : *filtered) CHECK(h.category == "delivery");

  // Another model's vectors are never compared: they are re-embedded.
  auto other = std::make_shared<CountingEmbedder>("-b");
  auto kb2 = open_kb(dir.file("kb.db"), {.embedder = other});
  CHECK(*kb2->embed_pending() == 4);
  CHECK(*kb2->embed_pending() == 0);
}

TEST_CASE("dense path: a failing embedder leaves the text searchable by keywords") {
  TempDir dir;
  dir.write("kb/01_faq_a.md", "# Гарантія\n\nГарантія на шини від виробника.\n");
  auto emb = std::make_shared<CountingEmbedder>();
  emb->fail = true;
  auto kb = open_kb(dir.file("kb.db"), {.embedder = emb});
  auto r = kb->import_directory(dir.file("kb"));
  REQUIRE(r.ok());
  CHECK(r->added == 1);
  CHECK(r->embedded == 0);
  REQUIRE(r->problems.size() == 1);
  CHECK(r->problems[0].find("embedding service unreachable") != std::string::npos);

  auto hits = kb->search("гарантія");
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 1);
  CHECK(hits->front().score != doctest::Approx(1.0 / 61));  // a BM25 score, not an RRF one: the fallback
  CHECK(hits->front().score != doctest::Approx(2.0 / 61));

  emb->fail = false;
  CHECK(*kb->embed_pending() == 1);
  CHECK(kb->search("гарантія")->front().score == doctest::Approx(2.0 / 61));
}

TEST_CASE("tool result: one entry per article, top five, short content, relative relevance") {
  std::vector<Hit> hits;
  const std::string longtext = repeat_sentence("Шини ставимо і балансуємо швидко.", 30);
  for (int i = 0; i < 8; ++i) {
    Hit h;
    h.article_id = i == 1 ? 0 : i;  // the second hit repeats the first article
    h.chunk_id = 100 + i;
    h.title = "T" + std::to_string(h.article_id);
    h.category = "faq";
    h.content = i == 0 ? longtext : "line one\n\nline two";
    h.score = 10.0 - i;
    hits.push_back(h);
  }
  const json::Value r = tool_result(hits);
  CHECK(r["total"].as_int() == 7);
  const auto &arts = r["articles"].items();
  REQUIRE(arts.size() == 5);
  CHECK(arts[0]["title"].as_string() == "T0");
  CHECK(arts[1]["title"].as_string() == "T2");
  CHECK(arts[0]["relevance"].as_double() == doctest::Approx(1.0));
  CHECK(arts[1]["relevance"].as_double() == doctest::Approx(0.8));
  CHECK(arts[1]["content"].as_string() == "line one line two");
  const std::string &c = arts[0]["content"].as_string();
  CHECK(utf8_length(c) <= 300);
  CHECK(utf8_length(c) > 250);
  CHECK(c.substr(c.size() - 3) == "…");
  CHECK(valid_utf8(c));
  CHECK(json::dump(tool_result({})) == "{\"total\":0,\"articles\":[]}");
  const std::string dumped = json::dump(tool_result({hits[2]}));
  CHECK(dumped == "{\"total\":1,\"articles\":[{\"title\":\"T2\",\"category\":\"faq\",\"content\":\"line one line two\","
                  "\"relevance\":1}]}");
}
