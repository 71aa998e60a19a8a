#include "journal/prompts.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <charconv>
#include <cmath>

#include "journal/siphash.hpp"

namespace ca::journal {

namespace {

Error db_error(std::string_view what, const std::exception &e) {
  return make_error(Errc::io, "prompts: " + std::string(what) + ": " + e.what());
}

PromptVersion read_version(SQLite::Statement &q) {
  PromptVersion v;
  v.name = q.getColumn(0).getString();
  v.version = q.getColumn(1).getInt64();
  v.text = q.getColumn(2).getString();
  v.created_at = q.getColumn(3).getInt64();
  v.note = q.getColumn(4).getString();
  return v;
}

constexpr const char *kTestColumns =
    "id, name, a_name, a_version, b_name, b_version, split, sticky, status, started_at, stopped_at";

AbTest read_test(SQLite::Statement &q) {
  AbTest t;
  t.id = q.getColumn(0).getInt64();
  t.name = q.getColumn(1).getString();
  t.a = {q.getColumn(2).getString(), q.getColumn(3).getInt64()};
  t.b = {q.getColumn(4).getString(), q.getColumn(5).getInt64()};
  t.split = q.getColumn(6).getDouble();
  t.sticky = q.getColumn(7).getInt() != 0;
  t.active = q.getColumn(8).getString() == "active";
  t.started_at = q.getColumn(9).getInt64();
  if (!q.getColumn(10).isNull()) t.stopped_at = q.getColumn(10).getInt64();
  return t;
}

// Throws nothing of its own: SQLite errors propagate to the caller's catch.
std::optional<PromptVersion> find_version(SQLite::Database &db, std::string_view name, int64_t version) {
  SQLite::Statement q(db, version > 0 ? "SELECT name, version, text, created_at, note FROM prompt_versions "
                                        "WHERE name = ? AND version = ?"
                                      : "SELECT name, version, text, created_at, note FROM prompt_versions "
                                        "WHERE name = ? ORDER BY version DESC LIMIT 1");
  q.bind(1, std::string(name));
  if (version > 0) q.bind(2, version);
  if (!q.executeStep()) return std::nullopt;
  return read_version(q);
}

Error no_prompt(std::string_view name, int64_t version) {
  return make_error(Errc::not_found, "no prompt " + to_string(PromptRef{std::string(name), version}));
}

std::optional<AbTest> find_test(SQLite::Database &db, const char *where, int64_t id) {
  SQLite::Statement q(db, std::string("SELECT ") + kTestColumns + " FROM ab_tests " + where);
  if (id > 0) q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_test(q);
}

}  // namespace

Result<PromptRef> parse_prompt_ref(std::string_view text) {
  PromptRef ref;
  const size_t at = text.rfind('@');
  ref.name = std::string(text.substr(0, at));
  if (at != std::string_view::npos) {
    const std::string_view v = text.substr(at + 1);
    auto r = std::from_chars(v.data(), v.data() + v.size(), ref.version);
    if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size() || ref.version <= 0) {
      return make_error(Errc::invalid_argument, "prompt version must be a positive integer: \"" + std::string(text) + "\"");
    }
  }
  if (ref.name.empty()) return make_error(Errc::invalid_argument, "empty prompt name in \"" + std::string(text) + "\"");
  return ref;
}

std::string to_string(const PromptRef &ref) {
  return ref.version > 0 ? ref.name + "@" + std::to_string(ref.version) : ref.name;
}

void record_assignment(const Assignment &a, CallInfo &call) {
  call.prompt_name = a.prompt.name;
  call.prompt_version = a.prompt.version;
  call.ab_test_id = a.test_id;
  call.ab_variant = a.variant;
}

double sticky_point(int64_t test_id, std::string_view caller_number) {
  std::string buffer;
  const std::array<uint64_t, 2> key{static_cast<uint64_t>(test_id), 0x63616c6c6167656eULL};
  const uint64_t h = siphash24(key, phone_digits(caller_number, buffer));
  return static_cast<double>(h >> 11) * 0x1.0p-53;  // the top 53 bits: exactly representable, < 1
}

const char *choose_variant(const AbTest &test, std::string_view caller_number, const RandomSource &random) {
  const bool by_caller = test.sticky && !caller_number.empty();
  const double point = by_caller ? sticky_point(test.id, caller_number) : random();
  return point < test.split ? "A" : "B";
}

// ---- versions ------------------------------------------------------------------------------

Result<PromptVersion> Prompts::add(std::string_view name, std::string_view text, std::string_view note,
                                   UnixMillis now) {
  if (name.empty() || name.find_first_of("@ \t\r\n") != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "prompt names are non-empty, without spaces or '@': \"" +
                                                  std::string(name) + "\"");
  }
  if (text.empty()) return make_error(Errc::invalid_argument, "prompt " + std::string(name) + ": empty text");
  try {
    SQLite::Database &db = db_.sql();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement next(db, "SELECT COALESCE(MAX(version), 0) + 1 FROM prompt_versions WHERE name = ?");
    next.bind(1, std::string(name));
    next.executeStep();
    PromptVersion v{std::string(name), next.getColumn(0).getInt64(), std::string(text), now, std::string(note)};
    SQLite::Statement ins(db, "INSERT INTO prompt_versions (name, version, text, created_at, note) VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, v.name);
    ins.bind(2, v.version);
    ins.bind(3, v.text);
    ins.bind(4, v.created_at);
    ins.bind(5, v.note);
    ins.exec();
    tx.commit();
    return v;
  } catch (const std::exception &e) {
    return db_error("adding a version", e);
  }
}

Result<PromptVersion> Prompts::get(std::string_view name, int64_t version) {
  try {
    auto v = find_version(db_.sql(), name, version);
    if (!v) return no_prompt(name, version);
    return std::move(*v);
  } catch (const std::exception &e) {
    return db_error("reading a version", e);
  }
}

Result<std::vector<PromptVersion>> Prompts::list() {
  try {
    SQLite::Statement q(db_.sql(),
                        "SELECT name, version, text, created_at, note FROM prompt_versions ORDER BY name, version");
    std::vector<PromptVersion> out;
    while (q.executeStep()) out.push_back(read_version(q));
    return out;
  } catch (const std::exception &e) {
    return db_error("listing", e);
  }
}

// ---- tests ---------------------------------------------------------------------------------

Result<AbTest> Prompts::start_test(const PromptRef &a, const PromptRef &b, double split, bool sticky,
                                   std::string_view name, UnixMillis now) {
  if (!(split >= 0.0 && split <= 1.0)) {
    return make_error(Errc::invalid_argument, "the traffic split is the share of calls for A, from 0 to 1");
  }
  try {
    SQLite::Database &db = db_.sql();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    auto va = find_version(db, a.name, a.version);
    if (!va) return no_prompt(a.name, a.version);
    auto vb = find_version(db, b.name, b.version);
    if (!vb) return no_prompt(b.name, b.version);
    SQLite::Statement stop(db, "UPDATE ab_tests SET status = 'stopped', stopped_at = ? WHERE status = 'active'");
    stop.bind(1, now);
    stop.exec();
    SQLite::Statement ins(db,
                          "INSERT INTO ab_tests (name, a_name, a_version, b_name, b_version, split, sticky, status, "
                          "started_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)");
    AbTest t;
    t.name = std::string(name);
    t.a = {va->name, va->version};
    t.b = {vb->name, vb->version};
    t.split = split;
    t.sticky = sticky;
    t.active = true;
    t.started_at = now;
    ins.bind(1, t.name);
    ins.bind(2, t.a.name);
    ins.bind(3, t.a.version);
    ins.bind(4, t.b.name);
    ins.bind(5, t.b.version);
    ins.bind(6, t.split);
    ins.bind(7, t.sticky ? 1 : 0);
    ins.bind(8, t.started_at);
    ins.exec();
    t.id = db.getLastInsertRowid();
    tx.commit();
    return t;
  } catch (const std::exception &e) {
    return db_error("starting a test", e);
  }
}

Result<std::optional<AbTest>> Prompts::stop_test(UnixMillis now) {
  try {
    SQLite::Database &db = db_.sql();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    auto t = find_test(db, "WHERE status = 'active'", 0);
    if (!t) return std::optional<AbTest>{};
    SQLite::Statement stop(db, "UPDATE ab_tests SET status = 'stopped', stopped_at = ? WHERE id = ?");
    stop.bind(1, now);
    stop.bind(2, t->id);
    stop.exec();
    tx.commit();
    t->active = false;
    t->stopped_at = now;
    return t;
  } catch (const std::exception &e) {
    return db_error("stopping the test", e);
  }
}

Result<std::optional<AbTest>> Prompts::active_test() {
  try {
    return find_test(db_.sql(), "WHERE status = 'active'", 0);
  } catch (const std::exception &e) {
    return db_error("reading the active test", e);
  }
}

Result<AbTest> Prompts::test(int64_t id) {
  try {
    auto t = id > 0 ? find_test(db_.sql(), "WHERE id = ?", id) : find_test(db_.sql(), "ORDER BY id DESC LIMIT 1", 0);
    if (!t) return make_error(Errc::not_found, id > 0 ? "no A/B test " + std::to_string(id) : "no A/B test yet");
    return std::move(*t);
  } catch (const std::exception &e) {
    return db_error("reading a test", e);
  }
}

Result<std::vector<AbTest>> Prompts::tests() {
  try {
    SQLite::Statement q(db_.sql(), std::string("SELECT ") + kTestColumns + " FROM ab_tests ORDER BY id");
    std::vector<AbTest> out;
    while (q.executeStep()) out.push_back(read_test(q));
    return out;
  } catch (const std::exception &e) {
    return db_error("listing tests", e);
  }
}

Result<Assignment> Prompts::assign(std::string_view caller_number, const RandomSource &random,
                                   std::string_view default_name) {
  auto active = active_test();
  if (!active) return active.error();
  Assignment a;
  if (*active) {
    const AbTest &t = **active;
    a.test_id = t.id;
    a.variant = choose_variant(t, caller_number, random);
    const PromptRef &ref = a.variant == "A" ? t.a : t.b;
    auto v = get(ref.name, ref.version);
    if (!v) return v.error();
    a.prompt = std::move(*v);
    return a;
  }
  if (default_name.empty()) return make_error(Errc::not_found, "no active A/B test and no default prompt");
  auto v = get(default_name, 0);
  if (!v) return v.error();
  a.prompt = std::move(*v);
  return a;
}

// ---- reports -------------------------------------------------------------------------------

namespace {

struct Tally {
  int64_t calls = 0, transferred = 0, resolved = 0;
  std::vector<double> durations, qualities;

  VariantStats finish(std::string variant, PromptRef prompt) const {
    VariantStats s;
    s.variant = std::move(variant);
    s.prompt = std::move(prompt);
    s.calls = calls;
    s.transferred = transferred;
    s.resolved = resolved;
    if (calls > 0) {
      s.transfer_rate = static_cast<double>(transferred) / static_cast<double>(calls);
      s.resolution_rate = static_cast<double>(resolved) / static_cast<double>(calls);
    }
    s.duration_s = stats::describe(durations);
    s.quality = stats::describe(qualities);
    return s;
  }
};

Comparison compare_rates(const char *metric, int64_t xa, int64_t na, int64_t xb, int64_t nb) {
  Comparison c;
  c.metric = metric;
  c.test = "two-proportion z";
  c.n_a = na;
  c.n_b = nb;
  c.a = na > 0 ? static_cast<double>(xa) / static_cast<double>(na) : 0.0;
  c.b = nb > 0 ? static_cast<double>(xb) / static_cast<double>(nb) : 0.0;
  c.result = stats::two_proportion_z(xa, na, xb, nb);
  return c;
}

Comparison compare_means(const char *metric, const stats::Sample &a, const stats::Sample &b) {
  Comparison c;
  c.metric = metric;
  c.test = "Welch t";
  c.n_a = a.n;
  c.n_b = b.n;
  c.a = a.mean;
  c.b = b.mean;
  c.result = stats::welch_t(a, b);
  return c;
}

json::Value sample_json(const stats::Sample &s) {
  return json::Value().set("n", s.n).set("mean", s.mean).set("sd", std::sqrt(s.variance));
}

json::Value variant_json(const VariantStats &v) {
  return json::Value()
      .set("variant", v.variant)
      .set("prompt", to_string(v.prompt))
      .set("calls", v.calls)
      .set("transferred", v.transferred)
      .set("resolved", v.resolved)
      .set("transfer_rate", v.transfer_rate)
      .set("resolution_rate", v.resolution_rate)
      .set("duration_s", sample_json(v.duration_s))
      .set("quality", sample_json(v.quality));
}

}  // namespace

Result<AbReport> Prompts::report(int64_t id) {
  auto t = test(id);
  if (!t) return t.error();
  AbReport r;
  r.test = std::move(*t);
  Tally ta, tb;
  try {
    SQLite::Statement q(db_.sql(),
                        "SELECT ab_variant, outcome, started_at, ended_at, quality_score FROM calls "
                        "WHERE ab_test_id = ? AND ended_at IS NOT NULL");
    q.bind(1, r.test.id);
    while (q.executeStep()) {
      Tally &tally = q.getColumn(0).getString() == "A" ? ta : tb;
      const std::string outcome = q.getColumn(1).getString();
      ++tally.calls;
      if (outcome == "transferred") ++tally.transferred;
      if (outcome == "completed") ++tally.resolved;
      tally.durations.push_back(static_cast<double>(q.getColumn(3).getInt64() - q.getColumn(2).getInt64()) / 1000.0);
      if (!q.getColumn(4).isNull()) tally.qualities.push_back(q.getColumn(4).getDouble());
    }
  } catch (const std::exception &e) {
    return db_error("reading the test's calls", e);
  }
  r.a = ta.finish("A", r.test.a);
  r.b = tb.finish("B", r.test.b);
  r.comparisons.push_back(compare_rates("transfer_rate", ta.transferred, ta.calls, tb.transferred, tb.calls));
  r.comparisons.push_back(compare_rates("resolution_rate", ta.resolved, ta.calls, tb.resolved, tb.calls));
  r.comparisons.push_back(compare_means("duration_s", r.a.duration_s, r.b.duration_s));
  r.comparisons.push_back(compare_means("quality", r.a.quality, r.b.quality));
  for (Comparison &c : r.comparisons) {
    c.significant = c.result.p && *c.result.p < kSignificanceLevel && c.n_a >= kMinCallsPerVariant &&
                    c.n_b >= kMinCallsPerVariant;
  }
  return r;
}

json::Value to_json(const AbReport &r) {
  json::Value test;
  test.set("id", r.test.id)
      .set("name", r.test.name)
      .set("a", to_string(r.test.a))
      .set("b", to_string(r.test.b))
      .set("split", r.test.split)
      .set("sticky", r.test.sticky)
      .set("status", r.test.active ? "active" : "stopped")
      .set("started_at", format_utc(r.test.started_at))
      .set("stopped_at", r.test.stopped_at ? json::Value(format_utc(*r.test.stopped_at)) : json::Value());
  json::Value comparisons = json::Value::array();
  for (const Comparison &c : r.comparisons) {
    comparisons.push(json::Value()
                         .set("metric", c.metric)
                         .set("test", c.test)
                         .set("a", c.a)
                         .set("b", c.b)
                         .set("n_a", c.n_a)
                         .set("n_b", c.n_b)
                         .set("statistic", c.result.statistic)
                         .set("df", c.result.df > 0 ? json::Value(c.result.df) : json::Value())
                         .set("p", c.result.p ? json::Value(*c.result.p) : json::Value())
                         .set("significant", c.significant));
  }
  return json::Value()
      .set("test", std::move(test))
      .set("variants", json::Value::array().push(variant_json(r.a)).push(variant_json(r.b)))
      .set("comparisons", std::move(comparisons))
      .set("alpha", kSignificanceLevel)
      .set("min_calls_per_variant", kMinCallsPerVariant);
}

}  // namespace ca::journal
