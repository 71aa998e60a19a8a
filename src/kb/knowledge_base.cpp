#include "kb/knowledge_base.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "core/log.hpp"
#include "kb/kb_text.hpp"

namespace ca::kb {

namespace fs = std::filesystem;

namespace {

// Bumped when normalize() or the FTS table definition changes: the index is rebuilt at open.
constexpr const char *kIndexVersion = "1";

constexpr const char *kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kb_meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kb_articles(
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL UNIQUE,
  category TEXT NOT NULL,
  language TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kb_articles_source ON kb_articles(source);
CREATE INDEX IF NOT EXISTS kb_articles_category ON kb_articles(category);
CREATE TABLE IF NOT EXISTS kb_chunks(
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  embedding BLOB,
  embedding_model TEXT
);
CREATE INDEX IF NOT EXISTS kb_chunks_article ON kb_chunks(article_id);
)sql";

// The prefix indexes match the stem lengths kb_text produces, so prefix queries need no scan.
constexpr const char *kFtsSchema =
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6')";

std::string content_hash(const Article &a, size_t chunk_chars) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xFF;  // field separator that no UTF-8 text contains
    h *= 1099511628211ull;
  };
  mix(a.title);
  mix(a.category);
  mix(a.language);
  mix(a.body);
  mix(std::to_string(chunk_chars));
  mix(kIndexVersion);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error db_error(const std::exception &e, std::string_view what) {
  return make_error(Errc::io, "knowledge base: " + std::string(what) + ": " + e.what());
}

struct DenseVector {
  int64_t chunk_id = 0;
  std::string category;
  std::vector<float> v;
};

}  // namespace

struct KnowledgeBase::Impl {
  Impl(SQLite::Database database, Options o) : db(std::move(database)), options(std::move(o)) {}

  SQLite::Database db;
  Options options;
  std::mutex mu;  // one connection; searches may come from several tool workers
  bool dense_loaded = false;
  std::vector<DenseVector> dense;

  Result<ImportOutcome> write_article(const Article &a);
  void insert_chunks(int64_t article_id, const Article &a, const std::vector<std::string> &chunks);
  Result<size_t> embed_pending_locked();
  void load_dense();
  void rebuild_index();
  std::vector<Hit> keyword(const std::string &match, const std::string &category, size_t limit);
  std::vector<std::pair<int64_t, double>> nearest(const std::vector<float> &q, const std::string &category,
                                                  size_t limit);
  bool fetch_chunk(int64_t chunk_id, Hit &out);
};

void KnowledgeBase::Impl::insert_chunks(int64_t article_id, const Article &a, const std::vector<std::string> &chunks) {
  SQLite::Statement ins(db, "INSERT INTO kb_chunks(article_id, seq, text) VALUES(?, ?, ?)");
  SQLite::Statement fts(db, "INSERT INTO kb_fts(rowid, title, body) VALUES(?, ?, ?)");
  const std::string title = normalize(a.title);
  for (size_t i = 0; i < chunks.size(); ++i) {
    ins.bind(1, article_id);
    ins.bind(2, static_cast<int64_t>(i));
    ins.bind(3, chunks[i]);
    ins.exec();
    ins.reset();
    fts.bind(1, db.getLastInsertRowid());
    fts.bind(2, title);
    fts.bind(3, normalize(chunks[i]));
    fts.exec();
    fts.reset();
  }
}

// Inside a transaction the caller holds.
Result<ImportOutcome> KnowledgeBase::Impl::write_article(const Article &a) {
  if (a.title.empty()) return make_error(Errc::invalid_argument, "the article has no title");
  const std::vector<std::string> chunks = chunk_text(a.body, options.chunk_chars);
  if (chunks.empty()) return make_error(Errc::invalid_argument, "the article \"" + a.title + "\" has no text");
  const std::string hash = content_hash(a, options.chunk_chars);

  int64_t id = 0;
  std::string old_hash;
  if (!a.source.empty()) {
    SQLite::Statement q(db, "SELECT id, content_hash FROM kb_articles WHERE source = ? ORDER BY id LIMIT 1");
    q.bind(1, a.source);
    if (q.executeStep()) {
      id = q.getColumn(0).getInt64();
      old_hash = q.getColumn(1).getString();
    }
  }
  {
    SQLite::Statement q(db, "SELECT id, content_hash, source FROM kb_articles WHERE title = ?");
    q.bind(1, a.title);
    if (q.executeStep()) {
      const int64_t owner = q.getColumn(0).getInt64();
      const std::string owner_source = q.getColumn(2).getString();
      // The same title from another file is that article moved or renamed, unless its old file
      // is still there: then two files claim one title.
      std::error_code ec;
      const bool owner_present = !owner_source.empty() && owner_source != a.source && fs::exists(owner_source, ec);
      if (owner != id && (id != 0 || owner_present)) {
        return make_error(Errc::invalid_argument, "the title \"" + a.title + "\" is already used by " +
                                                      (owner_source.empty() ? "another article" : owner_source));
      }
      if (id == 0) {
        id = owner;
        old_hash = q.getColumn(1).getString();
      }
    }
  }

  ImportOutcome out;
  out.chunks = chunks.size();
  if (id != 0 && old_hash == hash) {
    SQLite::Statement up(db, "UPDATE kb_articles SET source = ? WHERE id = ?");
    up.bind(1, a.source);
    up.bind(2, id);
    up.exec();
    SQLite::Statement n(db, "SELECT count(*) FROM kb_chunks WHERE article_id = ?");
    n.bind(1, id);
    n.executeStep();
    out.chunks = static_cast<size_t>(n.getColumn(0).getInt64());
    out.article_id = id;
    out.action = ImportAction::unchanged;
    return out;
  }
  if (id != 0) {
    SQLite::Statement del_fts(db, "DELETE FROM kb_fts WHERE rowid IN (SELECT id FROM kb_chunks WHERE article_id = ?)");
    del_fts.bind(1, id);
    del_fts.exec();
    SQLite::Statement del(db, "DELETE FROM kb_chunks WHERE article_id = ?");
    del.bind(1, id);
    del.exec();
    SQLite::Statement up(db,
                         "UPDATE kb_articles SET title = ?, category = ?, language = ?, source = ?, body = ?, "
                         "content_hash = ?, updated_at = ? WHERE id = ?");
    up.bind(1, a.title);
    up.bind(2, a.category);
    up.bind(3, a.language);
    up.bind(4, a.source);
    up.bind(5, a.body);
    up.bind(6, hash);
    up.bind(7, unix_now());
    up.bind(8, id);
    up.exec();
    out.action = ImportAction::updated;
  } else {
    SQLite::Statement ins(db,
                          "INSERT INTO kb_articles(title, category, language, source, body, content_hash, updated_at) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, a.title);
    ins.bind(2, a.category);
    ins.bind(3, a.language);
    ins.bind(4, a.source);
    ins.bind(5, a.body);
    ins.bind(6, hash);
    ins.bind(7, unix_now());
    ins.exec();
    id = db.getLastInsertRowid();
    out.action = ImportAction::added;
  }
  insert_chunks(id, a, chunks);
  out.article_id = id;
  dense_loaded = false;
  return out;
}

Result<size_t> KnowledgeBase::Impl::embed_pending_locked() {
  Embedder *e = options.embedder.get();
  if (e == nullptr) return size_t{0};
  const std::string model = e->model();
  const size_t dims = e->dimensions();
  const size_t batch = std::max<size_t>(1, e->max_batch());
  const auto bytes = static_cast<int64_t>(dims * sizeof(float));
  size_t done = 0;
  int64_t after = 0;  // a cursor, so a chunk the embedder keeps failing on is not retried forever
  for (;;) {
    std::vector<int64_t> ids;
    std::vector<std::string> texts;
    {
      SQLite::Statement q(db,
                          "SELECT c.id, a.title, c.text FROM kb_chunks c JOIN kb_articles a ON a.id = c.article_id "
                          "WHERE c.id > ? AND (c.embedding IS NULL OR c.embedding_model IS NOT ? "
                          "OR length(c.embedding) != ?) ORDER BY c.id LIMIT ?");
      q.bind(1, after);
      q.bind(2, model);
      q.bind(3, bytes);
      q.bind(4, static_cast<int64_t>(batch));
      while (q.executeStep()) {
        ids.push_back(q.getColumn(0).getInt64());
        // As the system this replaces did: the title gives a chunk its topic.
        texts.push_back(q.getColumn(1).getString() + "\n\n" + q.getColumn(2).getString());
      }
    }
    if (ids.empty()) break;
    after = ids.back();
    auto vectors = e->embed(texts);
    if (!vectors) {
      return make_error(vectors.error().code, "embedding with " + model + " failed after " + std::to_string(done) +
                                                  " chunks: " + vectors.error().message);
    }
    if (vectors->size() != ids.size()) {
      return make_error(Errc::protocol, "embedder " + model + " returned " + std::to_string(vectors->size()) +
                                            " vectors for " + std::to_string(ids.size()) + " texts");
    }
    SQLite::Transaction tx(db);
    SQLite::Statement up(db, "UPDATE kb_chunks SET embedding = ?, embedding_model = ? WHERE id = ?");
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::vector<float> &v = (*vectors)[i];
      if (v.size() != dims) {
        return make_error(Errc::protocol, "embedder " + model + " returned a vector of " + std::to_string(v.size()) +
                                              " numbers, not " + std::to_string(dims));
      }
      up.bind(1, v.data(), static_cast<int>(bytes));
      up.bind(2, model);
      up.bind(3, ids[i]);
      up.exec();
      up.reset();
    }
    tx.commit();
    done += ids.size();
    dense_loaded = false;
  }
  return done;
}

void KnowledgeBase::Impl::load_dense() {
  dense.clear();
  Embedder *e = options.embedder.get();
  const size_t dims = e->dimensions();
  SQLite::Statement q(db,
                      "SELECT c.id, a.category, c.embedding FROM kb_chunks c JOIN kb_articles a ON a.id = c.article_id "
                      "WHERE c.embedding_model = ? AND length(c.embedding) = ?");
  q.bind(1, e->model());
  q.bind(2, static_cast<int64_t>(dims * sizeof(float)));
  while (q.executeStep()) {
    DenseVector d;
    d.chunk_id = q.getColumn(0).getInt64();
    d.category = q.getColumn(1).getString();
    d.v.resize(dims);
    std::memcpy(d.v.data(), q.getColumn(2).getBlob(), dims * sizeof(float));
    dense.push_back(std::move(d));
  }
  dense_loaded = true;
}

void KnowledgeBase::Impl::rebuild_index() {
  SQLite::Transaction tx(db);
  db.exec("DELETE FROM kb_fts");
  SQLite::Statement q(db, "SELECT c.id, a.title, c.text FROM kb_chunks c JOIN kb_articles a ON a.id = c.article_id");
  SQLite::Statement ins(db, "INSERT INTO kb_fts(rowid, title, body) VALUES(?, ?, ?)");
  while (q.executeStep()) {
    ins.bind(1, q.getColumn(0).getInt64());
    ins.bind(2, normalize(q.getColumn(1).getString()));
    ins.bind(3, normalize(q.getColumn(2).getString()));
    ins.exec();
    ins.reset();
  }
  SQLite::Statement v(db, "INSERT OR REPLACE INTO kb_meta(key, value) VALUES('index_version', ?)");
  v.bind(1, kIndexVersion);
  v.exec();
  tx.commit();
}

std::vector<Hit> KnowledgeBase::Impl::keyword(const std::string &match, const std::string &category, size_t limit) {
  std::vector<Hit> hits;
  if (match.empty()) return hits;
  SQLite::Statement q(db,
                      "SELECT c.id, c.article_id, a.title, a.category, c.text, bm25(kb_fts, ?, 1.0) AS rank "
                      "FROM kb_fts JOIN kb_chunks c ON c.id = kb_fts.rowid JOIN kb_articles a ON a.id = c.article_id "
                      "WHERE kb_fts MATCH ? AND (? = '' OR a.category = ?) ORDER BY rank LIMIT ?");
  q.bind(1, options.title_weight);
  q.bind(2, match);
  q.bind(3, category);
  q.bind(4, category);
  q.bind(5, static_cast<int64_t>(limit));
  while (q.executeStep()) {
    Hit h;
    h.chunk_id = q.getColumn(0).getInt64();
    h.article_id = q.getColumn(1).getInt64();
    h.title = q.getColumn(2).getString();
    h.category = q.getColumn(3).getString();
    h.content = q.getColumn(4).getString();
    h.score = -q.getColumn(5).getDouble();
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<std::pair<int64_t, double>> KnowledgeBase::Impl::nearest(const std::vector<float> &q,
                                                                     const std::string &category, size_t limit) {
  if (!dense_loaded) load_dense();
  std::vector<std::pair<int64_t, double>> scored;
  for (const DenseVector &d : dense) {
    if (!category.empty() && d.category != category) continue;
    const double s = cosine(q, d.v);
    if (s > 0) scored.emplace_back(d.chunk_id, s);
  }
  const size_t n = std::min(limit, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const auto &a, const auto &b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
  scored.resize(n);
  return scored;
}

bool KnowledgeBase::Impl::fetch_chunk(int64_t chunk_id, Hit &out) {
  SQLite::Statement q(db,
                      "SELECT c.article_id, a.title, a.category, c.text FROM kb_chunks c "
                      "JOIN kb_articles a ON a.id = c.article_id WHERE c.id = ?");
  q.bind(1, chunk_id);
  if (!q.executeStep()) return false;
  out.chunk_id = chunk_id;
  out.article_id = q.getColumn(0).getInt64();
  out.title = q.getColumn(1).getString();
  out.category = q.getColumn(2).getString();
  out.content = q.getColumn(3).getString();
  return true;
}

KnowledgeBase::KnowledgeBase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KnowledgeBase::~KnowledgeBase() = default;

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::open(const std::string &path, Options options) {
  try {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    if (path != ":memory:") db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(kSchema);
    try {
      db.exec(kFtsSchema);
    } catch (const std::exception &e) {
      return make_error(Errc::unsupported, std::string("knowledge base: SQLite has no FTS5: ") + e.what());
    }
    auto impl = std::make_unique<Impl>(std::move(db), std::move(options));
    std::string version;
    {
      SQLite::Statement q(impl->db, "SELECT value FROM kb_meta WHERE key = 'index_version'");
      if (q.executeStep()) version = q.getColumn(0).getString();
    }
    if (version != kIndexVersion) impl->rebuild_index();
    return std::unique_ptr<KnowledgeBase>(new KnowledgeBase(std::move(impl)));
  } catch (const std::exception &e) {
    return db_error(e, "cannot open " + path);
  }
}

Result<ImportOutcome> KnowledgeBase::import_article(const Article &article) {
  std::lock_guard lock(impl_->mu);
  Result<ImportOutcome> out = make_error(Errc::internal, "");
  try {
    SQLite::Transaction tx(impl_->db);
    out = impl_->write_article(article);
    if (!out) return out;
    tx.commit();
  } catch (const std::exception &e) {
    impl_->dense_loaded = false;
    return db_error(e, "cannot import \"" + article.title + "\"");
  }
  try {
    if (auto e = impl_->embed_pending_locked(); !e) {
      log::write(log::Level::warn, "", "kb: embedding failed", {{"error", e.error().message}});
    }
  } catch (const std::exception &e) {
    log::write(log::Level::warn, "", "kb: embedding failed", {{"error", std::string(e.what())}});
  }
  return out;
}

Result<ImportReport> KnowledgeBase::import_directory(const std::string &dir) {
  std::vector<fs::path> files;
  try {
    if (!fs::is_directory(dir)) return make_error(Errc::not_found, "knowledge base: " + dir + " is not a directory");
    for (const auto &entry : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied)) {
      if (!entry.is_regular_file()) continue;
      const std::string ext = entry.path().extension().string();
      if (ext == ".md" || ext == ".markdown") files.push_back(entry.path());
    }
  } catch (const std::exception &e) {
    return make_error(Errc::io, "knowledge base: cannot list " + dir + ": " + e.what());
  }
  std::sort(files.begin(), files.end());

  ImportReport report;
  report.files = files.size();
  std::lock_guard lock(impl_->mu);
  try {
    SQLite::Transaction tx(impl_->db);
    for (const fs::path &p : files) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) {
        report.problems.push_back(p.string() + ": cannot read");
        continue;
      }
      std::error_code ec;
      fs::path source = fs::weakly_canonical(p, ec);
      if (ec) source = p;
      Article a = parse_markdown(text.str(), p.filename().string());
      a.source = source.string();
      auto r = impl_->write_article(a);
      if (!r) {
        report.problems.push_back(p.string() + ": " + r.error().message);
        continue;
      }
      report.chunks += r->chunks;
      switch (r->action) {
        case ImportAction::added: ++report.added; break;
        case ImportAction::updated: ++report.updated; break;
        case ImportAction::unchanged: ++report.unchanged; break;
      }
    }
    tx.commit();
  } catch (const std::exception &e) {
    impl_->dense_loaded = false;
    return db_error(e, "cannot import " + dir);
  }
  try {
    auto e = impl_->embed_pending_locked();
    if (e)
      report.embedded = *e;
    else
      report.problems.push_back("embeddings: " + e.error().message);
  } catch (const std::exception &e) {
    report.problems.push_back(std::string("embeddings: ") + e.what());
  }
  return report;
}

Result<size_t> KnowledgeBase::embed_pending() {
  std::lock_guard lock(impl_->mu);
  try {
    return impl_->embed_pending_locked();
  } catch (const std::exception &e) {
    return db_error(e, "cannot store embeddings");
  }
}

Result<std::vector<Hit>> KnowledgeBase::search(std::string_view query, std::string_view category, size_t limit) {
  limit = std::clamp<size_t>(limit, 1, 200);
  const std::string match = build_match_query(query);
  const std::string cat(category);
  Embedder *e = impl_->options.embedder.get();
  // The query is embedded before the lock is taken: a remote embedder's round trip must not hold
  // up the other calls' searches.
  std::optional<Result<std::vector<std::vector<float>>>> qv;
  if (e != nullptr) {
    try {
      qv.emplace(e->embed({std::string(query)}));
    } catch (const std::exception &ex) {
      qv.emplace(make_error(Errc::internal, ex.what()));
    }
  }
  std::lock_guard lock(impl_->mu);
  try {
    if (e == nullptr) return impl_->keyword(match, cat, limit);

    // Each list is cut deeper than `limit`, so a chunk ranked well by one and fair by the other
    // can still win the fusion.
    const size_t depth = std::max<size_t>(limit * 3, 30);
    std::vector<Hit> lexical = impl_->keyword(match, cat, depth);
    const auto &vectors = *qv;
    if (!vectors || vectors->size() != 1 || vectors->front().size() != e->dimensions()) {
      log::write(log::Level::warn, "", "kb: query embedding failed, keyword results only",
                 {{"error", vectors ? std::string("wrong shape") : vectors.error().message}});
      if (lexical.size() > limit) lexical.resize(limit);
      return lexical;
    }
    const auto dense = impl_->nearest(vectors->front(), cat, depth);

    std::vector<std::vector<int64_t>> rankings(2);
    std::unordered_map<int64_t, size_t> by_chunk;
    for (size_t i = 0; i < lexical.size(); ++i) {
      rankings[0].push_back(lexical[i].chunk_id);
      by_chunk.emplace(lexical[i].chunk_id, i);
    }
    for (const auto &[id, score] : dense) rankings[1].push_back(id);
    std::vector<Hit> hits;
    for (const Fused &f : reciprocal_rank_fusion(rankings)) {
      if (hits.size() >= limit) break;
      Hit h;
      if (auto it = by_chunk.find(f.id); it != by_chunk.end())
        h = lexical[it->second];
      else if (!impl_->fetch_chunk(f.id, h))
        continue;
      h.score = f.score;
      hits.push_back(std::move(h));
    }
    return hits;
  } catch (const std::exception &ex) {
    return db_error(ex, "search failed");
  }
}

Result<std::vector<std::string>> KnowledgeBase::categories() {
  std::lock_guard lock(impl_->mu);
  try {
    std::vector<std::string> out;
    SQLite::Statement q(impl_->db, "SELECT DISTINCT category FROM kb_articles ORDER BY category");
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  } catch (const std::exception &e) {
    return db_error(e, "cannot list categories");
  }
}

Result<size_t> KnowledgeBase::article_count() {
  std::lock_guard lock(impl_->mu);
  try {
    return static_cast<size_t>(impl_->db.execAndGet("SELECT count(*) FROM kb_articles").getInt64());
  } catch (const std::exception &e) {
    return db_error(e, "cannot count articles");
  }
}

Result<size_t> KnowledgeBase::chunk_count() {
  std::lock_guard lock(impl_->mu);
  try {
    return static_cast<size_t>(impl_->db.execAndGet("SELECT count(*) FROM kb_chunks").getInt64());
  } catch (const std::exception &e) {
    return db_error(e, "cannot count chunks");
  }
}

std::vector<Fused> reciprocal_rank_fusion(const std::vector<std::vector<int64_t>> &rankings, double k) {
  std::vector<Fused> out;
  std::unordered_map<int64_t, size_t> index;
  for (const auto &ranking : rankings) {
    for (size_t r = 0; r < ranking.size(); ++r) {
      auto [it, fresh] = index.emplace(ranking[r], out.size());
      if (fresh) out.push_back({ranking[r], 0.0});
      out[it->second].score += 1.0 / (k + static_cast<double>(r + 1));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Fused &a, const Fused &b) { return a.score > b.score; });
  return out;
}

json::Value tool_result(const std::vector<Hit> &hits, size_t max_articles, size_t max_content_chars) {
  std::vector<const Hit *> best;  // first (best) hit of each article
  for (const Hit &h : hits) {
    bool seen = false;
    for (const Hit *b : best) seen = seen || b->article_id == h.article_id;
    if (!seen) best.push_back(&h);
  }
  const double top = best.empty() ? 0.0 : best.front()->score;
  json::Value articles = json::Value::array();
  for (size_t i = 0; i < best.size() && i < max_articles; ++i) {
    const Hit &h = *best[i];
    // One line: the model gets prose, not Markdown layout.
    std::string content;
    for (const char c : h.content) {
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (!space) content += c;
      else if (!content.empty() && content.back() != ' ') content += ' ';
    }
    while (!content.empty() && content.back() == ' ') content.pop_back();
    if (utf8_length(content) > max_content_chars) {
      const size_t room = max_content_chars > 0 ? max_content_chars - 1 : 0;  // for the ellipsis
      std::string_view cut = utf8_prefix(content, room);
      if (const size_t space = cut.rfind(' '); space != std::string_view::npos && space > cut.size() / 2)
        cut = cut.substr(0, space);
      while (!cut.empty() && (cut.back() == ' ' || cut.back() == ',' || cut.back() == ';' || cut.back() == ':'))
        cut.remove_suffix(1);
      content = std::string(cut) + "…";
    }
    double relevance = top > 0 ? h.score / top : 0.0;
    relevance = std::round(std::clamp(relevance, 0.0, 1.0) * 100.0) / 100.0;
    articles.push(json::Value::object()
                      .set("title", h.title)
                      .set("category", h.category)
                      .set("content", content)
                      .set("relevance", relevance));
  }
  return json::Value::object().set("total", static_cast<int64_t>(best.size())).set("articles", std::move(articles));
}

}  // namespace ca::kb
