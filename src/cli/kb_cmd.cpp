// callagent kb: fills the knowledge base from a directory of Markdown articles and searches it the
// way the agent's knowledge tool does.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/json.hpp"
#include "kb/knowledge_base.hpp"
#include "kb/openai_embedder.hpp"

namespace ca::cli {

namespace {

constexpr const char *kKbUsage =
    "usage: callagent kb <import|search> ...\n"
    "\n"
    "The shop's knowledge base: Markdown articles in SQLite, searched with FTS5/BM25.\n"
    "\n"
    "commands:\n"
    "  import DIR      import (or update) the articles under DIR\n"
    "  search \"TEXT\"   find the articles that answer TEXT\n"
    "\n"
    "`callagent kb <command> --help` describes a command.\n";

// Dense retrieval through an OpenAI-compatible embeddings service; the same three options on
// import and search, so both use one vector space.
const OptionSpec kEmbedUrl = {"embed-url", "URL",
                              "also embed with an OpenAI-compatible service: a base URL (https://api.openai.com, "
                              "http://host:8000/v1) or the full .../embeddings URL; key from $OPENAI_API_KEY"};
const OptionSpec kEmbedModel = {"embed-model", "NAME", "the embedding model (default text-embedding-3-small)"};
const OptionSpec kEmbedDims = {"embed-dims", "N", "its vector length (default: asked of the service once)"};

const std::vector<OptionSpec> kImportOptions = {
    {"db", "FILE", "the database (default: $CALLAGENT_DB, else callagent.db here)"},
    kEmbedUrl,
    kEmbedModel,
    kEmbedDims,
    {"help", "", "this text"},
};

constexpr const char *kImportDescription =
    "Imports every *.md file under DIR. The title is the first `# ` heading (else the file name); the\n"
    "category comes from front matter (`category: faq`) or a file name `NN_<category>_topic.md`, else\n"
    "\"general\"; the language from front matter or the text. Articles are cut into paragraph-aware\n"
    "chunks of about 2000 characters. Importing again updates changed articles (matched by path or\n"
    "title) and leaves unchanged ones alone. With --embed-url every chunk not yet embedded by that\n"
    "model is embedded as well (for search with the same options).\n"
    "Exit status: 0 when all files were imported, 1 when some could not be, 2 on errors.";

const std::vector<OptionSpec> kSearchOptions = {
    {"category", "C", "only articles of category C (faq, guides, delivery, ...)"},
    {"limit", "N", "at most N chunks (1-200, default 5)"},
    {"db", "FILE", "the database (default: $CALLAGENT_DB, else callagent.db here)"},
    {"json", "", "print the hits as a JSON array"},
    kEmbedUrl,
    kEmbedModel,
    kEmbedDims,
    {"help", "", "this text"},
};

constexpr const char *kSearchDescription =
    "Searches the knowledge base as the agent does: the words of TEXT (stop words dropped, endings\n"
    "trimmed so inflected forms match) are looked up with FTS5 and ranked with BM25, titles counting\n"
    "more than bodies. With --embed-url (the same service and model the import used) the query is\n"
    "embedded too and the keyword and vector rankings are fused. Prints the best chunks, best first.";

std::string database_path(const Args &args) {
  if (auto db = args.get("db")) return *db;
  if (const char *env = std::getenv("CALLAGENT_DB"); env != nullptr && *env != '\0') return env;
  return "callagent.db";
}

// Knowledge-base options from --embed-*: no embedder without --embed-url.
Result<kb::Options> kb_options(Args &args) {
  kb::Options o;
  const auto url = args.get("embed-url");
  if (!url) {
    if (args.has("embed-model") || args.has("embed-dims"))
      return make_error(Errc::invalid_argument, "--embed-model and --embed-dims need --embed-url");
    return o;
  }
  int64_t dims = 0;
  if (!args.get_int("embed-dims", 1, 65536, dims)) return make_error(Errc::invalid_argument, args.error());
  kb::OpenAIEmbedderOptions eo;
  eo.base_url = *url;
  if (auto m = args.get("embed-model")) eo.model = *m;
  eo.dimensions = static_cast<size_t>(dims);
  auto e = kb::OpenAIEmbedder::create(std::move(eo));
  if (!e) return e.error();
  o.embedder = std::move(e).value();
  return o;
}

int kb_import(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 3, kImportOptions)) {
    std::fprintf(stderr, "callagent kb import: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent kb import DIR [--db FILE] [--embed-url URL [--embed-model M]]",
                           kImportDescription, kImportOptions)
                   .c_str(),
               stdout);
    return 0;
  }
  if (args.positional().size() != 1) {
    std::fprintf(stderr, "callagent kb import: expected one directory\n");
    return 2;
  }
  const std::string db_path = database_path(args);
  auto options = kb_options(args);
  if (!options) {
    std::fprintf(stderr, "callagent kb import: %s\n", options.error().message.c_str());
    return 2;
  }
  auto kb = kb::KnowledgeBase::open(db_path, *options);
  if (!kb) {
    std::fprintf(stderr, "callagent kb import: %s\n", kb.error().message.c_str());
    return 2;
  }
  auto report = (*kb)->import_directory(args.positional()[0]);
  if (!report) {
    std::fprintf(stderr, "callagent kb import: %s\n", report.error().message.c_str());
    return 2;
  }
  for (const std::string &p : report->problems) std::fprintf(stderr, "callagent kb import: %s\n", p.c_str());
  std::printf("imported %zu articles (%zu new, %zu updated, %zu unchanged), %zu chunks, from %zu files into %s\n",
              report->articles(), report->added, report->updated, report->unchanged, report->chunks, report->files,
              db_path.c_str());
  if (options->embedder)
    std::printf("embedded %zu chunks with %s\n", report->embedded, options->embedder->model().c_str());
  return report->problems.empty() ? 0 : 1;
}

int kb_search(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 3, kSearchOptions)) {
    std::fprintf(stderr, "callagent kb search: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent kb search \"TEXT\" [--category C] [--limit N] [--db FILE] [--json]",
                           kSearchDescription, kSearchOptions)
                   .c_str(),
               stdout);
    return 0;
  }
  int64_t limit = 5;
  if (!args.get_int("limit", 1, 200, limit)) {
    std::fprintf(stderr, "callagent kb search: %s\n", args.error().c_str());
    return 2;
  }
  if (args.positional().empty()) {
    std::fprintf(stderr, "callagent kb search: expected the text to search for\n");
    return 2;
  }
  std::string query;
  for (const std::string &p : args.positional()) query += (query.empty() ? "" : " ") + p;
  const std::string db_path = database_path(args);
  auto options = kb_options(args);
  if (!options) {
    std::fprintf(stderr, "callagent kb search: %s\n", options.error().message.c_str());
    return 2;
  }
  auto kb = kb::KnowledgeBase::open(db_path, *options);
  if (!kb) {
    std::fprintf(stderr, "callagent kb search: %s\n", kb.error().message.c_str());
    return 2;
  }
  auto hits = (*kb)->search(query, args.get("category").value_or(""), static_cast<size_t>(limit));
  if (!hits) {
    std::fprintf(stderr, "callagent kb search: %s\n", hits.error().message.c_str());
    return 2;
  }
  if (args.has("json")) {
    json::Value out = json::Value::array();
    for (const kb::Hit &h : *hits) {
      out.push(json::Value::object()
                   .set("article_id", h.article_id)
                   .set("title", h.title)
                   .set("category", h.category)
                   .set("score", h.score)
                   .set("content", h.content));
    }
    std::printf("%s\n", json::dump(out).c_str());
    return 0;
  }
  if (hits->empty()) {
    std::printf("no matches\n");
    return 0;
  }
  for (size_t i = 0; i < hits->size(); ++i) {
    const kb::Hit &h = (*hits)[i];
    std::string snippet = kb::tool_result({h}, 1, 160)["articles"].items()[0]["content"].as_string();
    std::printf("%zu. [%s] %s  (score %.3f, article %lld)\n   %s\n", i + 1, h.category.c_str(), h.title.c_str(),
                h.score, static_cast<long long>(h.article_id), snippet.c_str());
  }
  return 0;
}

}  // namespace

int cmd_kb(int argc, char **argv) {
  const std::string sub = argc >= 3 ? argv[2] : "";
  if (sub == "import") return kb_import(argc, argv);
  if (sub == "search") return kb_search(argc, argv);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kKbUsage, stdout);
    return 0;
  }
  if (sub.empty())
    std::fputs(kKbUsage, stderr);
  else
    std::fprintf(stderr, "callagent kb: unknown command \"%s\"\n\n%s", sub.c_str(), kKbUsage);
  return 2;
}

}  // namespace ca::cli
