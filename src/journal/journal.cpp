#include "journal/journal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <date/date.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ostream>
#include <random>

#include "core/log.hpp"
#include "journal/siphash.hpp"

namespace ca::journal {

// ---- names and times -----------------------------------------------------------------------

const char *outcome_name(Outcome o) {
  switch (o) {
    case Outcome::completed: return "completed";
    case Outcome::transferred: return "transferred";
    case Outcome::abandoned: return "abandoned";
    case Outcome::error: return "error";
  }
  return "error";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  for (Outcome o : {Outcome::completed, Outcome::transferred, Outcome::abandoned, Outcome::error}) {
    if (text == outcome_name(o)) return o;
  }
  return std::nullopt;
}

const char *speaker_name(Speaker s) { return s == Speaker::bot ? "bot" : "caller"; }

std::string format_utc(UnixMillis t) {
  using std::chrono::milliseconds;
  return date::format("%FT%TZ", date::sys_time<milliseconds>{milliseconds{t}});
}

namespace {

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view s, size_t pos, size_t width, int &out) {
  if (pos + width > s.size()) return false;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::from_chars(s.data() + pos, s.data() + pos + width, out).ec == std::errc{};
}

}  // namespace

std::optional<UnixMillis> parse_utc(std::string_view s) {
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  size_t pos = 10;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    if (!digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, mi)) {
      return std::nullopt;
    }
    pos += 6;
    if (pos < s.size()) {
      if (s[pos] != ':' || !digits(s, pos + 1, 2, sec)) return std::nullopt;
      pos += 3;
      if (pos < s.size()) {
        if (s[pos] != '.' || !digits(s, pos + 1, 3, ms) || pos + 4 != s.size()) return std::nullopt;
        pos += 4;
      }
    }
  }
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const auto days = date::sys_days{ymd}.time_since_epoch().count();
  return static_cast<UnixMillis>(days) * kMillisPerDay + ((h * 60 + mi) * 60 + sec) * 1000LL + ms;
}

// ---- reading -------------------------------------------------------------------------------

namespace {

constexpr const char *kCallColumns =
    "call_id, uuid, tenant, caller_number, called_number, channel, started_at, ended_at, outcome, "
    "transfer_reason, prompt_name, prompt_version, ab_test_id, ab_variant, language, cost_usd, quality_score, turns";

std::string text_at(SQLite::Statement &q, int i) { return q.getColumn(i).getString(); }

CallRow read_call(SQLite::Statement &q) {
  CallRow r;
  r.info.call_id = text_at(q, 0);
  r.info.uuid = text_at(q, 1);
  r.info.tenant = text_at(q, 2);
  r.info.caller_number = text_at(q, 3);
  r.info.called_number = text_at(q, 4);
  r.info.channel = text_at(q, 5);
  r.info.started_at = q.getColumn(6).getInt64();
  if (!q.getColumn(7).isNull()) r.ended_at = q.getColumn(7).getInt64();
  if (!q.getColumn(8).isNull()) r.outcome = parse_outcome(text_at(q, 8));
  r.transfer_reason = text_at(q, 9);
  r.info.prompt_name = text_at(q, 10);
  r.info.prompt_version = q.getColumn(11).getInt64();  // NULL reads as 0
  r.info.ab_test_id = q.getColumn(12).getInt64();
  r.info.ab_variant = text_at(q, 13);
  r.info.language = text_at(q, 14);
  r.cost_usd = q.getColumn(15).getDouble();
  if (!q.getColumn(16).isNull()) r.quality_score = q.getColumn(16).getDouble();
  r.turns = q.getColumn(17).getInt64();
  return r;
}

// Stored JSON back as a value; text that does not parse (it never should) comes back as a string
// rather than failing the whole read.
json::Value stored_json(const std::string &text) {
  auto v = json::parse(text);
  return v ? std::move(*v) : json::Value(text);
}

// Reads one call's turns and tool calls with statements prepared once per read.
class DetailReader {
 public:
  explicit DetailReader(SQLite::Database &db)
      : turns_(db, "SELECT seq, speaker, text, language, confidence, timeline, started_at FROM turns "
                   "WHERE call_id = ? ORDER BY seq"),
        tools_(db, "SELECT seq, turn, name, arguments, result, duration_ms, ok, started_at FROM tool_calls "
                   "WHERE call_id = ? ORDER BY seq") {}

  CallDetail read(CallRow row) {
    CallDetail d;
    turns_.tryReset();
    turns_.bind(1, row.info.call_id);
    while (turns_.executeStep()) {
      TurnRecord t;
      t.seq = turns_.getColumn(0).getInt64();
      t.speaker = text_at(turns_, 1) == "bot" ? Speaker::bot : Speaker::caller;
      t.text = text_at(turns_, 2);
      t.language = text_at(turns_, 3);
      if (!turns_.getColumn(4).isNull()) t.confidence = turns_.getColumn(4).getDouble();
      t.timeline = stored_json(text_at(turns_, 5));
      t.started_at = turns_.getColumn(6).getInt64();
      d.turns.push_back(std::move(t));
    }
    tools_.tryReset();
    tools_.bind(1, row.info.call_id);
    while (tools_.executeStep()) {
      ToolCallRecord c;
      c.seq = tools_.getColumn(0).getInt64();
      c.turn = tools_.getColumn(1).getInt64();
      c.name = text_at(tools_, 2);
      c.arguments = stored_json(text_at(tools_, 3));
      c.result = stored_json(text_at(tools_, 4));
      c.duration_ms = tools_.getColumn(5).getInt64();
      c.ok = tools_.getColumn(6).getInt() != 0;
      c.started_at = tools_.getColumn(7).getInt64();
      d.tool_calls.push_back(std::move(c));
    }
    d.call = std::move(row);
    return d;
  }

 private:
  SQLite::Statement turns_;
  SQLite::Statement tools_;
};

// The SELECT a filter stands for. Clauses are added only for what is set, so the planner can use
// the time and caller indexes.
struct FilterQuery {
  std::string sql;
  void bind(SQLite::Statement &q, const ListFilter &f) const {
    int i = 1;
    if (f.since) q.bind(i++, *f.since);
    if (f.until) q.bind(i++, *f.until);
    if (!f.caller.empty()) q.bind(i++, f.caller);
    if (f.outcome) q.bind(i++, outcome_name(*f.outcome));
    q.bind(i, f.limit > 0 ? f.limit : int64_t{-1});
  }
};

FilterQuery filter_query(const ListFilter &f) {
  std::string where;
  auto add = [&](const char *clause) { where += where.empty() ? " WHERE " : " AND "; where += clause; };
  if (f.since) add("started_at >= ?");
  if (f.until) add("started_at < ?");
  if (!f.caller.empty()) add("caller_number = ?");
  if (f.outcome) add("outcome = ?");
  return {std::string("SELECT ") + kCallColumns + " FROM calls" + where +
          " ORDER BY started_at DESC, call_id DESC LIMIT ?"};
}

Error read_error(std::string_view what, const std::exception &e) {
  return make_error(Errc::io, "journal: " + std::string(what) + ": " + e.what());
}

void append_double(std::string &out, double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

}  // namespace

Result<std::vector<CallRow>> list_calls(Db &db, const ListFilter &filter) {
  try {
    const FilterQuery fq = filter_query(filter);
    SQLite::Statement q(db.sql(), fq.sql);
    fq.bind(q, filter);
    std::vector<CallRow> rows;
    while (q.executeStep()) rows.push_back(read_call(q));
    return rows;
  } catch (const std::exception &e) {
    return read_error("listing calls", e);
  }
}

Result<CallDetail> get_call(Db &db, std::string_view call_id) {
  try {
    SQLite::Transaction snapshot(db.sql());  // the call and its turns from one snapshot
    SQLite::Statement q(db.sql(), std::string("SELECT ") + kCallColumns + " FROM calls WHERE call_id = ?");
    q.bind(1, std::string(call_id));
    if (!q.executeStep()) return make_error(Errc::not_found, "no call " + std::string(call_id) + " in the journal");
    DetailReader details(db.sql());
    return details.read(read_call(q));
  } catch (const std::exception &e) {
    return read_error("reading a call", e);
  }
}

json::Value to_json(const CallDetail &d) {
  const CallRow &c = d.call;
  auto opt_time = [](const std::optional<UnixMillis> &t) { return t ? json::Value(format_utc(*t)) : json::Value(); };
  auto opt_int = [](int64_t v) { return v != 0 ? json::Value(v) : json::Value(); };
  auto opt_str = [](const std::string &s) { return s.empty() ? json::Value() : json::Value(s); };
  json::Value v;
  v.set("call_id", c.info.call_id)
      .set("uuid", c.info.uuid)
      .set("tenant", c.info.tenant)
      .set("caller_number", c.info.caller_number)
      .set("called_number", c.info.called_number)
      .set("channel", c.info.channel)
      .set("started_at", format_utc(c.info.started_at))
      .set("ended_at", opt_time(c.ended_at))
      .set("duration_s", c.ended_at ? json::Value(static_cast<double>(*c.ended_at - c.info.started_at) / 1000.0)
                                    : json::Value())
      .set("outcome", c.outcome ? json::Value(outcome_name(*c.outcome)) : json::Value())
      .set("transfer_reason", c.transfer_reason)
      .set("prompt_name", c.info.prompt_name)
      .set("prompt_version", opt_int(c.info.prompt_version))
      .set("ab_test_id", opt_int(c.info.ab_test_id))
      .set("ab_variant", opt_str(c.info.ab_variant))
      .set("language", c.info.language)
      .set("cost_usd", c.cost_usd)
      .set("quality_score", c.quality_score ? json::Value(*c.quality_score) : json::Value())
      .set("turn_count", c.turns);
  json::Value turns = json::Value::array();
  for (const TurnRecord &t : d.turns) {
    turns.push(json::Value()
                   .set("seq", t.seq)
                   .set("speaker", speaker_name(t.speaker))
                   .set("text", t.text)
                   .set("language", t.language)
                   .set("confidence", t.confidence ? json::Value(*t.confidence) : json::Value())
                   .set("started_at", format_utc(t.started_at))
                   .set("timeline", t.timeline));
  }
  json::Value tools = json::Value::array();
  for (const ToolCallRecord &t : d.tool_calls) {
    tools.push(json::Value()
                   .set("seq", t.seq)
                   .set("turn", opt_int(t.turn))
                   .set("name", t.name)
                   .set("arguments", t.arguments)
                   .set("result", t.result)
                   .set("duration_ms", t.duration_ms)
                   .set("ok", t.ok)
                   .set("started_at", format_utc(t.started_at)));
  }
  v.set("turns", std::move(turns)).set("tool_calls", std::move(tools));
  return v;
}

Result<void> export_json(Db &db, const ListFilter &filter, std::ostream &out) {
  try {
    SQLite::Transaction snapshot(db.sql());  // one consistent picture even while the writer runs
    const FilterQuery fq = filter_query(filter);
    SQLite::Statement q(db.sql(), fq.sql);
    fq.bind(q, filter);
    DetailReader details(db.sql());
    std::string buf = "[";
    bool first = true;
    while (q.executeStep()) {
      if (!first) buf += ",\n";
      first = false;
      json::dump_to(buf, to_json(details.read(read_call(q))));
      out << buf;
      buf.clear();
      if (!out) return make_error(Errc::io, "journal: export: cannot write the output");
    }
    out << buf << "]\n";
    out.flush();
    if (!out) return make_error(Errc::io, "journal: export: cannot write the output");
    return {};
  } catch (const std::exception &e) {
    return read_error("exporting JSON", e);
  }
}

std::string csv_field(std::string_view s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t'));
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<void> export_csv(Db &db, const ListFilter &filter, std::ostream &out) {
  try {
    SQLite::Transaction snapshot(db.sql());
    const FilterQuery fq = filter_query(filter);
    SQLite::Statement q(db.sql(), fq.sql);
    fq.bind(q, filter);
    out << "call_id,uuid,tenant,caller_number,called_number,channel,started_at,ended_at,duration_s,outcome,"
           "transfer_reason,prompt_name,prompt_version,ab_test_id,ab_variant,language,cost_usd,quality_score,turns\r\n";
    std::string line;
    while (q.executeStep()) {
      const CallRow c = read_call(q);
      line.clear();
      for (const std::string *s : {&c.info.call_id, &c.info.uuid, &c.info.tenant, &c.info.caller_number,
                                   &c.info.called_number, &c.info.channel}) {
        line += csv_field(*s);
        line += ',';
      }
      line += format_utc(c.info.started_at) + ',';
      if (c.ended_at) {
        line += format_utc(*c.ended_at) + ',';
        append_double(line, static_cast<double>(*c.ended_at - c.info.started_at) / 1000.0);
      } else {
        line += ',';
      }
      line += ',';
      line += c.outcome ? outcome_name(*c.outcome) : "";
      line += ',' + csv_field(c.transfer_reason) + ',' + csv_field(c.info.prompt_name) + ',';
      if (c.info.prompt_version != 0) line += std::to_string(c.info.prompt_version);
      line += ',';
      if (c.info.ab_test_id != 0) line += std::to_string(c.info.ab_test_id);
      line += ',' + csv_field(c.info.ab_variant) + ',' + csv_field(c.info.language) + ',';
      append_double(line, c.cost_usd);
      line += ',';
      if (c.quality_score) append_double(line, *c.quality_score);
      line += ',' + std::to_string(c.turns) + "\r\n";
      out << line;
      if (!out) return make_error(Errc::io, "journal: export: cannot write the output");
    }
    out.flush();
    if (!out) return make_error(Errc::io, "journal: export: cannot write the output");
    return {};
  } catch (const std::exception &e) {
    return read_error("exporting CSV", e);
  }
}

// ---- retention -----------------------------------------------------------------------------

namespace {

std::string anon_token(const std::array<uint64_t, 2> &key, std::string_view number) {
  std::string buffer;
  const uint64_t h = siphash24(key, phone_digits(number, buffer));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "anon:";
  for (int k = 0; k < 12; ++k) out += kHex[(h >> (60 - 4 * k)) & 0xf];
  return out;
}

}  // namespace

Result<RetentionResult> apply_retention(Db &db, UnixMillis now, RetentionPolicy policy) {
  if (policy.turns_days < 0 || policy.caller_anonymise_days < 0) {
    return make_error(Errc::invalid_argument, "journal: retention periods cannot be negative");
  }
  std::random_device rd;
  const std::array<uint64_t, 2> key{(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd()};
  RetentionResult r;
  try {
    SQLite::Transaction tx(db.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    const UnixMillis turns_cut = now - int64_t{policy.turns_days} * kMillisPerDay;
    SQLite::Statement del_turns(db.sql(),
                                "DELETE FROM turns WHERE call_id IN (SELECT call_id FROM calls WHERE started_at < ?)");
    del_turns.bind(1, turns_cut);
    r.turns_deleted = del_turns.exec();
    SQLite::Statement del_tools(
        db.sql(), "DELETE FROM tool_calls WHERE call_id IN (SELECT call_id FROM calls WHERE started_at < ?)");
    del_tools.bind(1, turns_cut);
    r.tool_calls_deleted = del_tools.exec();

    const UnixMillis anon_cut = now - int64_t{policy.caller_anonymise_days} * kMillisPerDay;
    SQLite::Statement pick(db.sql(),
                           "SELECT call_id, caller_number FROM calls WHERE started_at < ? AND caller_number <> '' "
                           "AND caller_number NOT LIKE 'anon:%'");
    pick.bind(1, anon_cut);
    std::vector<std::pair<std::string, std::string>> updates;
    while (pick.executeStep()) updates.emplace_back(text_at(pick, 0), anon_token(key, text_at(pick, 1)));
    SQLite::Statement upd(db.sql(), "UPDATE calls SET caller_number = ? WHERE call_id = ?");
    for (const auto &[call_id, token] : updates) {
      upd.tryReset();
      upd.bind(1, token);
      upd.bind(2, call_id);
      r.callers_anonymised += upd.exec();
    }
    tx.commit();
  } catch (const std::exception &e) {
    return make_error(Errc::io, std::string("journal: retention: ") + e.what());
  }
  return r;
}

// ---- the writer ----------------------------------------------------------------------------

struct Journal::RetentionJob {
  UnixMillis now = 0;
  RetentionPolicy policy;
  bool done = false;
  Result<RetentionResult> result{RetentionResult{}};
};

// The write connection, its statements and the records taken from the queue but not yet handled.
// Only the writer thread touches it.
class Journal::Writer {
 public:
  explicit Writer(Db db) : db_(std::move(db)) {}

  Db &db() { return db_; }
  std::vector<Op> &work() { return work_; }
  size_t &head() { return head_; }
  size_t backlog() const { return work_.size() - head_; }

  // One transaction over work_[head_, head_ + n). Records the database refuses (a constraint, an
  // unknown call) are counted in `rejected` and skipped; any other failure fails the batch and
  // leaves it for a retry.
  Result<void> write(size_t n, uint64_t &rejected) {
    try {
      prepare();
      SQLite::Transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
      for (size_t i = head_; i < head_ + n; ++i) {
        const Op &op = work_[i];
        try {
          if (!std::visit([this](const auto &o) { return apply(o); }, op)) {
            ++rejected;
            log::write(log::Level::warn, call_of(op), "journal: record refused",
                       {{"kind", kind_of(op)}, {"reason", "no such call, or it has already ended"}});
          }
        } catch (const SQLite::Exception &e) {
          const int code = e.getErrorCode() & 0xff;
          const bool record_level = code == SQLITE_CONSTRAINT || code == SQLITE_MISMATCH ||
                                    code == SQLITE_TOOBIG || code == SQLITE_RANGE;
          // Only a statement-level failure leaves the transaction usable; SQLite rolls the whole
          // transaction back on some errors (full disk, I/O), and then the batch is lost here.
          if (!record_level || sqlite3_get_autocommit(db_.sql().getHandle()) != 0) throw;
          ++rejected;
          log::write(log::Level::error, call_of(op), "journal: record refused",
                     {{"kind", kind_of(op)}, {"reason", e.what()}});
        }
      }
      tx.commit();
      return {};
    } catch (const std::exception &e) {
      return make_error(Errc::io, e.what());
    }
  }

 private:
  static const std::string &call_of(const Op &op) {
    return std::visit(
        [](const auto &o) -> const std::string & {
          if constexpr (std::is_same_v<std::decay_t<decltype(o)>, Start>) return o.info.call_id;
          else return o.call_id;
        },
        op);
  }
  static const char *kind_of(const Op &op) {
    static constexpr const char *kNames[] = {"call_started", "turn", "tool_call", "call_ended", "quality"};
    return kNames[op.index()];
  }

  void prepare() {
    if (ins_call_) return;
    SQLite::Database &d = db_.sql();
    ins_call_ = std::make_unique<SQLite::Statement>(
        d,
        "INSERT INTO calls (call_id, uuid, tenant, caller_number, called_number, channel, started_at, prompt_name, "
        "prompt_version, ab_test_id, ab_variant, language) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    ins_turn_ = std::make_unique<SQLite::Statement>(
        d,
        "INSERT INTO turns (call_id, seq, speaker, text, language, confidence, timeline, started_at) VALUES (?1, "
        "CASE WHEN ?2 > 0 THEN ?2 ELSE (SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE call_id = ?1) END, "
        "?3, ?4, ?5, ?6, ?7, ?8)");
    count_turn_ = std::make_unique<SQLite::Statement>(d, "UPDATE calls SET turns = turns + 1 WHERE call_id = ?1");
    ins_tool_ = std::make_unique<SQLite::Statement>(
        d,
        "INSERT INTO tool_calls (call_id, seq, turn, name, arguments, result, duration_ms, ok, started_at) VALUES "
        "(?1, CASE WHEN ?2 > 0 THEN ?2 ELSE (SELECT COALESCE(MAX(seq), 0) + 1 FROM tool_calls WHERE call_id = ?1) "
        "END, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    end_call_ = std::make_unique<SQLite::Statement>(
        d,
        "UPDATE calls SET ended_at = ?2, outcome = ?3, transfer_reason = ?4, cost_usd = ?5, "
        "quality_score = COALESCE(?6, quality_score), language = CASE WHEN ?7 = '' THEN language ELSE ?7 END "
        "WHERE call_id = ?1 AND ended_at IS NULL");
    set_quality_ = std::make_unique<SQLite::Statement>(d, "UPDATE calls SET quality_score = ?2 WHERE call_id = ?1");
  }

  static SQLite::Statement &fresh(SQLite::Statement &s) {
    s.tryReset();  // after a failed step reset() would rethrow the old error
    s.clearBindings();
    return s;
  }
  static void bind_nonzero(SQLite::Statement &s, int i, int64_t v) {
    if (v != 0) s.bind(i, v);
  }
  static std::string dump_or(const json::Value &v, const char *if_null) {
    return v.is_null() ? std::string(if_null) : json::dump(v);
  }

  bool apply(const Start &o) {
    auto &s = fresh(*ins_call_);
    const CallInfo &c = o.info;
    s.bind(1, c.call_id);
    s.bind(2, c.uuid);
    s.bind(3, c.tenant);
    s.bind(4, c.caller_number);
    s.bind(5, c.called_number);
    s.bind(6, c.channel);
    s.bind(7, c.started_at);
    s.bind(8, c.prompt_name);
    bind_nonzero(s, 9, c.prompt_version);
    bind_nonzero(s, 10, c.ab_test_id);
    if (!c.ab_variant.empty()) s.bind(11, c.ab_variant);
    s.bind(12, c.language);
    return s.exec() == 1;
  }
  bool apply(const Turn &o) {
    auto &s = fresh(*ins_turn_);
    const TurnRecord &t = o.turn;
    s.bind(1, o.call_id);
    s.bind(2, t.seq);
    s.bind(3, speaker_name(t.speaker));
    s.bind(4, t.text);
    s.bind(5, t.language);
    if (t.confidence && std::isfinite(*t.confidence)) s.bind(6, *t.confidence);
    s.bind(7, dump_or(t.timeline, "{}"));
    s.bind(8, t.started_at);
    s.exec();
    auto &n = fresh(*count_turn_);
    n.bind(1, o.call_id);
    return n.exec() == 1;
  }
  bool apply(const Tool &o) {
    auto &s = fresh(*ins_tool_);
    const ToolCallRecord &t = o.call;
    s.bind(1, o.call_id);
    s.bind(2, t.seq);
    bind_nonzero(s, 3, t.turn);
    s.bind(4, t.name);
    s.bind(5, dump_or(t.arguments, "{}"));
    s.bind(6, json::dump(t.result));
    s.bind(7, t.duration_ms);
    s.bind(8, t.ok ? 1 : 0);
    s.bind(9, t.started_at);
    return s.exec() == 1;
  }
  bool apply(const End &o) {
    auto &s = fresh(*end_call_);
    const EndInfo &e = o.end;
    s.bind(1, o.call_id);
    s.bind(2, e.ended_at);
    s.bind(3, outcome_name(e.outcome));
    s.bind(4, e.transfer_reason);
    s.bind(5, std::isfinite(e.cost_usd) ? e.cost_usd : 0.0);
    if (e.quality_score) s.bind(6, *e.quality_score);
    s.bind(7, e.language);
    return s.exec() == 1;
  }
  bool apply(const Quality &o) {
    auto &s = fresh(*set_quality_);
    s.bind(1, o.call_id);
    s.bind(2, o.score);
    return s.exec() == 1;
  }

  Db db_;
  std::unique_ptr<SQLite::Statement> ins_call_, ins_turn_, count_turn_, ins_tool_, end_call_, set_quality_;
  std::vector<Op> work_;
  size_t head_ = 0;
};

Journal::Journal(Db writer, Db reader, JournalOptions options)
    : options_(std::move(options)),
      writer_(std::make_unique<Writer>(std::move(writer))),
      reader_(std::make_unique<Db>(std::move(reader))) {
  if (options_.batch_max == 0) options_.batch_max = 1;
  if (!options_.wall_clock) options_.wall_clock = [] { return static_cast<UnixMillis>(wall_millis()); };
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string &path, JournalOptions options) {
  if (path == ":memory:") {
    return make_error(Errc::invalid_argument, "journal: needs a file (the writer and readers use two connections)");
  }
  auto w = Db::open(path, options.db);
  if (!w) return w.error();
  OpenOptions ro = options.db;
  ro.create = false;
  auto r = Db::open(path, ro);
  if (!r) return r.error();
  std::unique_ptr<Journal> j(new Journal(std::move(*w), std::move(*r), std::move(options)));
  // The writer takes no signals: a host's SIGTERM handler must run on one of the host's threads,
  // whose sleep it is meant to interrupt.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  try {
    j->thread_ = std::thread([p = j.get()] { p->run(); });
  } catch (const std::exception &e) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return make_error(Errc::internal, std::string("journal: cannot start the writer: ") + e.what());
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return j;
}

Journal::~Journal() {
  auto r = close();
  if (!r) log::write(log::Level::error, {}, "journal: closed with losses", {{"error", r.error().message}});
}

bool Journal::enqueue(Op op) {
  std::lock_guard lk(mu_);
  if (closing_ || accepted_ - done_seq_ >= options_.max_pending) {
    ++stats_.dropped;
    return false;
  }
  pending_.push_back(std::move(op));
  ++accepted_;
  ++stats_.enqueued;
  if (pending_.size() == options_.batch_max) wake_.notify_one();
  return true;
}

bool Journal::call_started(CallInfo info) {
  if (info.call_id.empty()) return enqueue_refused();
  return enqueue(Start{std::move(info)});
}

bool Journal::turn(std::string call_id, TurnRecord turn) {
  if (call_id.empty()) return enqueue_refused();
  return enqueue(Turn{std::move(call_id), std::move(turn)});
}

bool Journal::tool_call(std::string call_id, ToolCallRecord call) {
  if (call_id.empty()) return enqueue_refused();
  return enqueue(Tool{std::move(call_id), std::move(call)});
}

bool Journal::call_ended(std::string call_id, EndInfo end) {
  if (call_id.empty() || (end.quality_score && !(*end.quality_score >= 0.0 && *end.quality_score <= 1.0))) {
    return enqueue_refused();
  }
  return enqueue(End{std::move(call_id), std::move(end)});
}

bool Journal::quality(std::string call_id, double score) {
  if (call_id.empty() || !(score >= 0.0 && score <= 1.0)) return enqueue_refused();
  return enqueue(Quality{std::move(call_id), score});
}

bool Journal::enqueue_refused() {
  std::lock_guard lk(mu_);
  ++stats_.dropped;
  return false;
}

Result<void> Journal::flush() {
  std::unique_lock lk(mu_);
  const uint64_t target = accepted_;
  if (done_seq_ >= target) return {};
  if (closed_) return make_error(Errc::io, "journal: closed with records unwritten: " + close_error_);
  const uint64_t failures_before = failures_;
  flush_requested_ = true;
  wake_.notify_one();
  done_.wait(lk, [&] { return done_seq_ >= target || failures_ != failures_before || closed_; });
  if (done_seq_ >= target) return {};
  return make_error(Errc::io, "journal: records not written yet: " + (closed_ ? close_error_ : last_error_));
}

Result<void> Journal::close() {
  std::lock_guard close_lk(close_mu_);
  {
    std::lock_guard lk(mu_);
    closing_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lk(mu_);
  if (!close_error_.empty()) return make_error(Errc::io, "journal: " + close_error_);
  return {};
}

Result<RetentionResult> Journal::apply_retention(UnixMillis now, RetentionPolicy policy) {
  RetentionJob job;
  job.now = now;
  job.policy = policy;
  std::unique_lock lk(mu_);
  if (closing_) return make_error(Errc::invalid_argument, "journal: closed");
  retention_jobs_.push_back(&job);
  flush_requested_ = true;  // what was queued before goes first
  wake_.notify_one();
  done_.wait(lk, [&] { return job.done; });
  return std::move(job.result);
}

Journal::Stats Journal::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

Result<std::vector<CallRow>> Journal::list(const ListFilter &filter) {
  std::lock_guard lk(read_mu_);
  return list_calls(*reader_, filter);
}

Result<CallDetail> Journal::get(std::string_view call_id) {
  std::lock_guard lk(read_mu_);
  return get_call(*reader_, call_id);
}

Result<void> Journal::export_json(const ListFilter &filter, std::ostream &out) {
  std::lock_guard lk(read_mu_);
  return journal::export_json(*reader_, filter, out);
}

Result<void> Journal::export_csv(const ListFilter &filter, std::ostream &out) {
  std::lock_guard lk(read_mu_);
  return journal::export_csv(*reader_, filter, out);
}

void Journal::run() {
  Writer &w = *writer_;
  constexpr Nanos kMinBackoff = millis(100), kMaxBackoff = seconds(5);
  constexpr int kCloseAttempts = 3;
  Nanos backoff = kMinBackoff;
  Nanos retry_at = 0;
  Nanos next_retention = options_.retention_interval > 0 ? monotonic_now() : 0;
  std::deque<RetentionJob *> jobs;
  uint64_t dropped_logged = 0;
  int close_failures = 0;

  for (;;) {
    bool closing = false, write_now = false;
    uint64_t dropped_now = 0;
    {
      std::unique_lock lk(mu_);
      Nanos wait = options_.batch_interval;
      const Nanos now = monotonic_now();
      if (w.backlog() > 0 && retry_at > now) wait = retry_at - now;
      if (next_retention > 0) wait = std::min(wait, std::max<Nanos>(0, next_retention - now));
      if (!(closing_ || flush_requested_ || pending_.size() >= options_.batch_max || !retention_jobs_.empty())) {
        wake_.wait_for(lk, std::chrono::nanoseconds(wait), [&] {
          return closing_ || flush_requested_ || pending_.size() >= options_.batch_max || !retention_jobs_.empty();
        });
      }
      if (w.head() == w.work().size()) {
        w.work().clear();
        w.head() = 0;
        std::swap(w.work(), pending_);  // both buffers keep their capacity
      } else {
        for (Op &op : pending_) w.work().push_back(std::move(op));
        pending_.clear();
      }
      jobs.insert(jobs.end(), retention_jobs_.begin(), retention_jobs_.end());
      retention_jobs_.clear();
      closing = closing_;
      write_now = flush_requested_ || closing;
      flush_requested_ = false;
      dropped_now = stats_.dropped;
    }
    if (dropped_now != dropped_logged) {  // logged here, never under the lock the enqueuers take
      log::write(log::Level::warn, {}, "journal: records dropped at enqueue",
                 {{"dropped", dropped_now - dropped_logged}, {"total", dropped_now}});
      dropped_logged = dropped_now;
    }

    const Nanos now = monotonic_now();
    if (w.backlog() > 0 && (write_now || now >= retry_at)) {
      while (w.backlog() > 0) {
        const size_t n = std::min(w.backlog(), options_.batch_max);
        uint64_t rejected = 0;
        auto r = w.write(n, rejected);
        if (!r) {
          log::write(log::Level::error, {}, "journal: write failed; records kept for a retry",
                     {{"error", r.error().message}, {"queued", w.backlog()}, {"retry_ms", backoff / kNanosPerMilli}});
          retry_at = monotonic_now() + backoff;
          backoff = std::min(backoff * 2, kMaxBackoff);
          std::lock_guard lk(mu_);
          ++failures_;
          ++stats_.failed_batches;
          last_error_ = r.error().message;
          done_.notify_all();
          break;
        }
        std::lock_guard lk(mu_);
        backoff = kMinBackoff;
        w.head() += n;
        done_seq_ += n;
        stats_.written += n - rejected;
        stats_.rejected += rejected;
        ++stats_.batches;
        done_.notify_all();
      }
    }

    auto run_retention = [&](UnixMillis at, const RetentionPolicy &policy) {
      auto r = journal::apply_retention(w.db(), at, policy);
      if (r) {
        log::write(log::Level::info, {}, "journal: retention",
                   {{"turns_deleted", r->turns_deleted}, {"tool_calls_deleted", r->tool_calls_deleted},
                    {"callers_anonymised", r->callers_anonymised}});
      } else {
        log::write(log::Level::error, {}, "journal: retention failed", {{"error", r.error().message}});
      }
      std::lock_guard lk(mu_);
      ++stats_.retention_runs;
      return r;
    };
    while (!jobs.empty()) {
      RetentionJob *job = jobs.front();
      jobs.pop_front();
      auto r = run_retention(job->now, job->policy);
      std::lock_guard lk(mu_);
      job->result = std::move(r);
      job->done = true;
      done_.notify_all();
    }
    if (next_retention > 0 && monotonic_now() >= next_retention && !closing) {
      (void)run_retention(options_.wall_clock(), options_.retention);
      next_retention = monotonic_now() + options_.retention_interval;
    }

    if (!closing) continue;
    std::unique_lock lk(mu_);
    if (w.backlog() == 0 && pending_.empty() && retention_jobs_.empty()) break;
    if (w.backlog() > 0 && ++close_failures >= kCloseAttempts) {
      close_error_ = std::to_string(w.backlog()) + " records could not be written: " + last_error_;
      lk.unlock();
      log::write(log::Level::error, {}, "journal: records lost at close", {{"lost", w.backlog()}});
      break;
    }
  }

  std::lock_guard lk(mu_);
  for (RetentionJob *job : retention_jobs_) {
    job->result = make_error(Errc::invalid_argument, "journal: closed");
    job->done = true;
  }
  retention_jobs_.clear();
  closed_ = true;
  done_.notify_all();
}

}  // namespace ca::journal
