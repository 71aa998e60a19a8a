// `callagent kb` as a process: import the shipped demo articles, search them, help and errors.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/json.hpp"
#include "support/process.hpp"

using namespace ca;
namespace fs = std::filesystem;

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;
const std::string kArticles = std::string(CALLAGENT_SOURCE_DIR) + "/examples/kb";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "callagent-kbcli-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct Run {
  int status;
  std::string out, err;
};

Run run(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  test::Process p(std::move(args));
  const int status = p.wait();
  return {status, p.out(), p.err()};
}

}  // namespace

TEST_CASE("kb import, then search: plain, JSON, by category; re-import updates nothing") {
  TempDir dir;
  const std::string db = (dir.path / "kb.db").string();
  size_t files = 0;
  for (const auto &e : fs::directory_iterator(kArticles)) files += e.path().extension() == ".md";
  REQUIRE(files >= 20);

  const Run imp = run({"kb", "import", kArticles, "--db", db});
  INFO(imp.err);
  REQUIRE(imp.status == 0);
  CHECK(imp.out.find("imported " + std::to_string(files) + " articles (" + std::to_string(files) + " new, 0 updated") !=
        std::string::npos);
  CHECK(imp.out.find(" chunks, from " + std::to_string(files) + " files into " + db) != std::string::npos);

  const Run again = run({"kb", "import", kArticles, "--db", db});
  REQUIRE(again.status == 0);
  CHECK(again.out.find("(0 new, 0 updated, " + std::to_string(files) + " unchanged)") != std::string::npos);

  const Run plain = run({"kb", "search", "коли міняти літню гуму на зимову", "--db", db});
  REQUIRE(plain.status == 0);
  CHECK(plain.out.rfind("1. [", 0) == 0);
  CHECK(plain.out.find("+7 °C") != std::string::npos);

  const Run js = run({"kb", "search", "return tyres within 14 days", "--db", db, "--json", "--limit", "3"});
  REQUIRE(js.status == 0);
  auto hits = json::parse(js.out);
  REQUIRE(hits.ok());
  REQUIRE(hits->is_array());
  REQUIRE(hits->size() >= 1);
  CHECK(hits->size() <= 3);
  CHECK((*hits).items()[0]["category"].as_string() == "returns");
  CHECK((*hits).items()[0]["score"].as_double() > 0);
  CHECK((*hits).items()[0]["article_id"].as_int() > 0);

  const Run cat = run({"kb", "search", "шини", "--db", db, "--json", "--category", "delivery", "--limit", "20"});
  REQUIRE(cat.status == 0);
  auto in_cat = json::parse(cat.out);
  REQUIRE(in_cat.ok());
  REQUIRE(in_cat->size() >= 1);
  for (const auto &h : in_cat->items()) CHECK(h["category"].as_string() == "delivery");

  // The database comes from $CALLAGENT_DB when --db is not given.
  ::setenv("CALLAGENT_DB", db.c_str(), 1);
  const Run env = run({"kb", "search", "Nova Poshta delivery", "--json"});
  ::unsetenv("CALLAGENT_DB");
  REQUIRE(env.status == 0);
  CHECK(json::parse(env.out)->size() >= 1);

  const Run none = run({"kb", "search", "а що?", "--db", db});
  CHECK(none.status == 0);
  CHECK(none.out == "no matches\n");
}

TEST_CASE("kb: help and usage errors") {
  const Run help = run({"kb", "--help"});
  CHECK(help.status == 0);
  CHECK(help.out.find("import DIR") != std::string::npos);
  const Run ih = run({"kb", "import", "--help"});
  CHECK(ih.status == 0);
  CHECK(ih.out.find("usage: callagent kb import DIR [--db FILE]") != std::string::npos);
  const Run sh = run({"kb", "search", "--help"});
  CHECK(sh.status == 0);
  CHECK(sh.out.find("--category C") != std::string::npos);
  CHECK(sh.out.find("--json") != std::string::npos);
  const Run top = run({"--help"});
  CHECK(top.out.find("  kb ") != std::string::npos);

  TempDir dir;
  const std::string db = (dir.path / "kb.db").string();
  CHECK(run({"kb"}).status == 2);
  CHECK(run({"kb", "frobnicate"}).status == 2);
  CHECK(run({"kb", "import", "--db", db}).status == 2);
  const Run missing = run({"kb", "import", (dir.path / "nope").string(), "--db", db});
  CHECK(missing.status == 2);
  CHECK(missing.err.find("is not a directory") != std::string::npos);
  CHECK(run({"kb", "search", "--db", db}).status == 2);
  const Run bad_limit = run({"kb", "search", "шини", "--limit", "0", "--db", db});
  CHECK(bad_limit.status == 2);
  CHECK(bad_limit.err.find("--limit must be an integer from 1 to 200") != std::string::npos);
  CHECK(run({"kb", "search", "шини", "--bogus", "--db", db}).status == 2);

  // A file that cannot be used is reported, the rest imported, and the exit status says so.
  fs::create_directories(dir.path / "articles");
  { std::ofstream(dir.path / "articles" / "01_faq_ok.md") << "# Fine\n\nSome text.\n"; }
  { std::ofstream(dir.path / "articles" / "02_faq_empty.md") << "# Empty\n"; }
  const Run partial = run({"kb", "import", (dir.path / "articles").string(), "--db", db});
  CHECK(partial.status == 1);
  CHECK(partial.err.find("02_faq_empty.md") != std::string::npos);
  CHECK(partial.out.find("imported 1 articles") != std::string::npos);
}
