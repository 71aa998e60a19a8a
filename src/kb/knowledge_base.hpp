// The shop's knowledge base: Markdown articles in SQLite, cut into paragraph-aware chunks, found by
// FTS5 full-text search ranked with BM25 (titles weigh more than bodies) and, when an Embedder is
// configured, by cosine similarity too, the two rankings fused with reciprocal rank fusion.
//
// Tables (all prefixed kb_, so the file can be shared with the rest of the host): kb_meta,
// kb_articles (unique title; source path), kb_chunks (text, embedding BLOB of float32 in host byte
// order, embedding_model) and kb_fts (FTS5, rowid = chunk id, holding the normalized title and text
// — see kb_text.hpp — so ё/е, ґ/г and apostrophes match whichever way they were written).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "kb/article.hpp"
#include "kb/chunker.hpp"
#include "kb/embedder.hpp"

namespace ca::kb {

struct Hit {
  int64_t article_id = 0;
  int64_t chunk_id = 0;
  std::string title;
  std::string category;
  std::string content;  // the chunk's text
  double score = 0;     // higher is better: −bm25 for keyword search, the RRF sum when fused
};

struct Options {
  // Optional dense retrieval. Shared so the host can reuse one HTTP embedder for several bases.
  std::shared_ptr<Embedder> embedder;
  size_t chunk_chars = kDefaultChunkChars;
  // BM25 weight of a title match relative to a body match (1).
  double title_weight = 4.0;
};

enum class ImportAction { added, updated, unchanged };

struct ImportOutcome {
  int64_t article_id = 0;
  ImportAction action = ImportAction::added;
  size_t chunks = 0;  // chunks the article has now
};

struct ImportReport {
  size_t files = 0;  // Markdown files found
  size_t added = 0;
  size_t updated = 0;
  size_t unchanged = 0;
  size_t chunks = 0;    // chunks of the imported articles
  size_t embedded = 0;  // chunks embedded during this import
  // "path: what went wrong" for files skipped, and for embeddings that could not be made (the
  // text is still searchable; embed_pending() retries).
  std::vector<std::string> problems;
  size_t articles() const { return added + updated + unchanged; }
};

class KnowledgeBase {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" works). Fails with
  // Errc::unsupported when SQLite lacks FTS5.
  static Result<std::unique_ptr<KnowledgeBase>> open(const std::string &path, Options options = {});
  ~KnowledgeBase();
  KnowledgeBase(const KnowledgeBase &) = delete;
  KnowledgeBase &operator=(const KnowledgeBase &) = delete;

  // Imports every *.md / *.markdown under `dir` (recursively, in path order) in one transaction,
  // then embeds the new chunks. A re-import updates articles matched by source path or title; an
  // unchanged article is left alone. Files that cannot be used are listed in problems.
  Result<ImportReport> import_directory(const std::string &dir);

  // Adds or updates one article, then embeds its chunks. The article it updates is the one with
  // the same source, else the one with the same title — unless that one's source is a file that
  // still exists (two files claiming one title), which fails with Errc::invalid_argument, as do an
  // empty title or body. An article whose text is unchanged is not rewritten.
  Result<ImportOutcome> import_article(const Article &article);

  // Embeds chunks that have no vector from the configured embedder's model; returns how many.
  // Batches of max_batch(), each written in its own short transaction; 0 without an embedder.
  Result<size_t> embed_pending();

  // The best chunks for what a caller asked, at most `limit` (1..200), optionally in one category.
  // Keyword search only without an embedder; with one, BM25 and cosine rankings fused (RRF, k=60).
  // If the query cannot be embedded, keyword results are returned (and the failure logged).
  // A query with nothing searchable in it gives no hits, not an error.
  Result<std::vector<Hit>> search(std::string_view query, std::string_view category = {}, size_t limit = 5);

  Result<std::vector<std::string>> categories();  // in use, sorted
  Result<size_t> article_count();
  Result<size_t> chunk_count();

 private:
  struct Impl;
  explicit KnowledgeBase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reciprocal rank fusion: score(d) = Σ over rankings of 1 / (k + rank), rank counted from 1. Best
// first; equal scores keep the order in which the ids were first seen.
struct Fused {
  int64_t id = 0;
  double score = 0;
};
std::vector<Fused> reciprocal_rank_fusion(const std::vector<std::vector<int64_t>> &rankings, double k = 60);

// How many chunks the agent's knowledge tool should ask search() for, so that after deduplication
// by article there are still enough distinct articles.
inline constexpr size_t kToolSearchLimit = 15;

// What the LLM gets from its knowledge tool: {"total":N,"articles":[{"title","category","content",
// "relevance"}]}. One entry per article (its best chunk), at most `max_articles`; content cut to
// `max_content_chars` code points at a word boundary, with "…"; relevance is the score relative to
// the best hit, 0..1 with two decimals. total counts the distinct articles among the hits.
json::Value tool_result(const std::vector<Hit> &hits, size_t max_articles = 5, size_t max_content_chars = 300);

}  // namespace ca::kb
