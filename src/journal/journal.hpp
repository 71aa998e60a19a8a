// The call journal: every call, what was said in it, the tools it used and how it ended, in a
// SQLite file (see db.hpp). Calls come from audio and loop threads, so the write side only
// enqueues; one writer thread owns the write connection and commits in batches. The read side
// (list, get, export) and retention are plain functions on a connection, for the CLI and for
// whatever serves operators.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "journal/db.hpp"

namespace ca::journal {

// Wall-clock milliseconds since 1970-01-01 UTC: the journal's only notion of time.
using UnixMillis = int64_t;
inline constexpr UnixMillis kMillisPerDay = 86'400'000;

enum class Outcome : uint8_t { completed, transferred, abandoned, error };
const char *outcome_name(Outcome o);
std::optional<Outcome> parse_outcome(std::string_view text);

enum class Speaker : uint8_t { caller, bot };
const char *speaker_name(Speaker s);

// What is known when a call starts. The prompt fields are what the call actually runs with (see
// Prompts::assign and record_assignment), never a placeholder.
struct CallInfo {
  std::string call_id;        // the journal's key; required
  std::string uuid;           // the AudioSocket UUID
  std::string tenant;
  std::string caller_number;
  std::string called_number;
  std::string channel;
  UnixMillis started_at = 0;
  std::string prompt_name;
  int64_t prompt_version = 0;  // 0: no versioned prompt
  int64_t ab_test_id = 0;      // 0: not in an A/B test
  std::string ab_variant;      // "A" or "B" when in a test
  std::string language;
};

struct TurnRecord {
  int64_t seq = 0;               // 0: the next after the call's last turn
  Speaker speaker = Speaker::caller;
  std::string text;              // as heard: a bot turn cut by barge-in holds only what was played
  std::string language;
  std::optional<double> confidence;  // the recogniser's, for caller turns
  json::Value timeline;          // the session's per-turn times, as the host chose to write them
  UnixMillis started_at = 0;
};

struct ToolCallRecord {
  int64_t seq = 0;               // 0: the next after the call's last tool call
  int64_t turn = 0;              // the turn that asked for it; 0: not known
  std::string name;
  json::Value arguments;         // already masked by whoever calls the journal
  json::Value result;
  int64_t duration_ms = 0;
  bool ok = true;
  UnixMillis started_at = 0;
};

struct EndInfo {
  UnixMillis ended_at = 0;
  Outcome outcome = Outcome::completed;
  std::string transfer_reason;
  double cost_usd = 0;
  std::optional<double> quality_score;  // 0..1; usually set later with Journal::quality
  std::string language;                 // empty keeps the one given at the start
};

// ---- read side -------------------------------------------------------------------------------

struct CallRow {
  CallInfo info;
  std::optional<UnixMillis> ended_at;   // absent while the call is open
  std::optional<Outcome> outcome;
  std::string transfer_reason;
  double cost_usd = 0;
  std::optional<double> quality_score;
  int64_t turns = 0;                    // turns journaled; kept when retention deletes them
};

struct CallDetail {
  CallRow call;
  std::vector<TurnRecord> turns;
  std::vector<ToolCallRecord> tool_calls;
};

struct ListFilter {
  std::optional<UnixMillis> since{};  // started_at >= since
  std::optional<UnixMillis> until{};  // started_at < until
  std::string caller{};               // exact caller number; empty: any
  std::optional<Outcome> outcome{};
  int64_t limit = 100;                // newest first; 0: no limit
};

// Newest first.
Result<std::vector<CallRow>> list_calls(Db &db, const ListFilter &filter);
// Errc::not_found for an unknown call.
Result<CallDetail> get_call(Db &db, std::string_view call_id);

// One call with its turns and tool calls as exported; times as ISO 8601 UTC strings.
json::Value to_json(const CallDetail &call);
// A JSON array of the calls the filter selects (newest first), each with nested "turns" and
// "tool_calls". Streams: memory does not grow with the journal.
Result<void> export_json(Db &db, const ListFilter &filter, std::ostream &out);
// RFC 4180 CSV, one row per call, a header row first, CRLF line ends.
Result<void> export_csv(Db &db, const ListFilter &filter, std::ostream &out);
// One CSV field, quoted when it has a comma, a quote, a line break or edge spaces.
std::string csv_field(std::string_view s);

// "2026-03-01T09:30:00.000Z".
std::string format_utc(UnixMillis t);
// "2026-03-01", "2026-03-01T09:30", "2026-03-01 09:30:15", optionally ending in "Z"; always UTC.
std::optional<UnixMillis> parse_utc(std::string_view text);

// ---- retention -------------------------------------------------------------------------------

struct RetentionPolicy {
  int turns_days = 90;                // transcripts and tool calls of calls older than this go
  int caller_anonymise_days = 365;    // caller numbers older than this become "anon:…"
};

struct RetentionResult {
  int64_t turns_deleted = 0;
  int64_t tool_calls_deleted = 0;
  int64_t callers_anonymised = 0;
};

// Ages are measured from the call's start, so a call's transcript goes as a whole. A caller
// number is replaced by "anon:" and 12 hex digits of a hash keyed with a random secret that is
// made for this run and never stored: calls of one caller anonymised together share a token, and
// no one holding the file can get the number back by hashing every possible number. Call rows,
// outcomes, costs and prompt fields stay. One transaction.
Result<RetentionResult> apply_retention(Db &db, UnixMillis now, RetentionPolicy policy = {});

// ---- write side ------------------------------------------------------------------------------

struct JournalOptions {
  size_t batch_max = 500;              // records per transaction at most
  Nanos batch_interval = millis(50);   // how long a record may wait for its batch
  size_t max_pending = 1'000'000;      // records queued at most; beyond that new ones are dropped
  // Retention on the writer thread: once soon after open, then every interval; 0 turns it off.
  Nanos retention_interval = seconds(6 * 3600);
  RetentionPolicy retention{};
  std::function<UnixMillis()> wall_clock{};  // for periodic retention; default: the system clock
  OpenOptions db{};
};

class Journal {
 public:
  struct Stats {
    uint64_t enqueued = 0;        // records accepted by the enqueue calls
    uint64_t written = 0;         // committed
    uint64_t rejected = 0;        // refused by the database (unknown call, duplicate id ...)
    uint64_t dropped = 0;         // refused at enqueue: closed, queue full or invalid
    uint64_t batches = 0;         // transactions committed
    uint64_t failed_batches = 0;  // transactions that failed (kept and retried)
    uint64_t retention_runs = 0;
  };

  // Opens (and migrates) the file and starts the writer thread.
  static Result<std::unique_ptr<Journal>> open(const std::string &path, JournalOptions options = {});
  ~Journal();  // close()
  Journal(const Journal &) = delete;
  Journal &operator=(const Journal &) = delete;

  // Any thread, never blocks on SQLite: each takes a short lock and appends to a vector. False
  // when the record was not accepted (journal closed, queue full, missing call id, a quality score
  // outside 0..1); the writer logs what the database refuses. Records are written in the order
  // they were enqueued, so a call's start enqueued before its turns lands before them.
  bool call_started(CallInfo info);
  bool turn(std::string call_id, TurnRecord turn);
  bool tool_call(std::string call_id, ToolCallRecord call);
  bool call_ended(std::string call_id, EndInfo end);
  // A post-call quality score (0..1) for a call already journaled.
  bool quality(std::string call_id, double score);

  // Waits until everything enqueued before the call is committed (or refused by the database).
  // An error when a write attempt failed meanwhile (full disk ...): the records stay queued and
  // the writer retries them.
  Result<void> flush();
  // Writes everything still queued, stops the writer and joins it. Idempotent. An error when some
  // records could not be written after retries (they are counted and logged, then dropped).
  Result<void> close();

  // Retention now, on the writer thread (it is the only writer), after what is queued before it.
  Result<RetentionResult> apply_retention(UnixMillis now, RetentionPolicy policy);

  // Reads on a second connection: they see what is committed (flush() first to see your own).
  Result<std::vector<CallRow>> list(const ListFilter &filter);
  Result<CallDetail> get(std::string_view call_id);
  Result<void> export_json(const ListFilter &filter, std::ostream &out);
  Result<void> export_csv(const ListFilter &filter, std::ostream &out);

  Stats stats() const;

 private:
  struct Start { CallInfo info; };
  struct Turn { std::string call_id; TurnRecord turn; };
  struct Tool { std::string call_id; ToolCallRecord call; };
  struct End { std::string call_id; EndInfo end; };
  struct Quality { std::string call_id; double score; };
  using Op = std::variant<Start, Turn, Tool, End, Quality>;
  struct RetentionJob;
  class Writer;

  Journal(Db writer, Db reader, JournalOptions options);
  bool enqueue(Op op);
  bool enqueue_refused();
  void run();

  JournalOptions options_;
  std::unique_ptr<Writer> writer_;  // touched only by the writer thread after open
  std::mutex read_mu_;
  std::unique_ptr<Db> reader_;

  mutable std::mutex mu_;
  std::condition_variable wake_;  // the writer waits on it
  std::condition_variable done_;  // flush() and apply_retention() wait on it
  std::vector<Op> pending_;       // swapped with the writer's emptied vector: both buffers are reused
  std::deque<RetentionJob *> retention_jobs_;
  uint64_t accepted_ = 0;         // records accepted so far; the n-th has sequence number n
  uint64_t done_seq_ = 0;         // records handled (committed or refused), a prefix of accepted_
  bool flush_requested_ = false;  // write now, even while backing off after a failure
  uint64_t failures_ = 0;
  std::string last_error_;
  bool closing_ = false;
  bool closed_ = false;
  Stats stats_;
  std::string close_error_;
  std::thread thread_;
  std::mutex close_mu_;
};

}  // namespace ca::journal
