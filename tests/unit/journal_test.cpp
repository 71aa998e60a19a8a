// The call journal on real SQLite files in a temporary directory: schema migrations, the
// batching writer under concurrency and at shutdown, the read side and exports, and retention.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

#include "core/json.hpp"
#include "journal/db.hpp"
#include "journal/cost.hpp"
#include "journal/journal.hpp"

using namespace ca;
using namespace ca::journal;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/callagent-journal-XXXXXX";
    const char *p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string &name) const { return path + "/" + name; }
};

// 2026-03-01T00:00:00Z.
constexpr UnixMillis kT0 = 1772323200000;

JournalOptions quiet_options() {
  JournalOptions o;
  o.retention_interval = 0;  // tests use fixed times; retention runs only where a test asks
  return o;
}

CallInfo call_info(const std::string &id, UnixMillis started, const std::string &caller = "+380671234567") {
  CallInfo c;
  c.call_id = id;
  c.uuid = "uuid-" + id;
  c.tenant = "shop";
  c.caller_number = caller;
  c.called_number = "1001";
  c.channel = "PJSIP/trunk-0001";
  c.started_at = started;
  c.language = "uk";
  return c;
}

TurnRecord turn_record(Speaker who, const std::string &text, UnixMillis at) {
  TurnRecord t;
  t.speaker = who;
  t.text = text;
  t.language = "uk";
  if (who == Speaker::caller) t.confidence = 0.875;
  t.timeline = json::Value().set("speech_end_ms", 100).set("stt_final_ms", 250);
  t.started_at = at;
  return t;
}

ToolCallRecord tool_record(const std::string &name, UnixMillis at) {
  ToolCallRecord t;
  t.turn = 1;
  t.name = name;
  t.arguments = json::Value().set("size", "205/55 R16").set("phone", "[PHONE_1]");
  t.result = json::Value().set("items", json::Value::array().push(json::Value().set("qty", 12)));
  t.duration_ms = 120;
  t.ok = true;
  t.started_at = at;
  return t;
}

EndInfo end_info(UnixMillis ended, Outcome outcome, const std::string &reason = "") {
  EndInfo e;
  e.ended_at = ended;
  e.outcome = outcome;
  e.transfer_reason = reason;
  e.cost_usd = 0.0725;
  return e;
}

int64_t count(Db &db, const std::string &sql) { return db.sql().execAndGet(sql).getInt64(); }

// A minimal RFC 4180 reader for checking the export: quoted fields, doubled quotes, CRLF.
std::vector<std::vector<std::string>> parse_csv(const std::string &text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (!field.empty() || was_quoted) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

}  // namespace

TEST_CASE("migrations: an empty file gets the latest schema, and re-opening keeps data and version") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  {
    auto db = Db::open(path);
    REQUIRE(db.ok());
    CHECK(*schema_version(db->sql()) == kSchemaVersion);
    for (const char *table : {"calls", "turns", "tool_calls", "prompt_versions", "ab_tests"}) {
      CHECK(db->sql().tableExists(table));
    }
    CHECK(db->sql().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db->sql().execAndGet("PRAGMA foreign_keys").getInt() == 1);
    db->sql().exec("INSERT INTO calls (call_id, started_at) VALUES ('keep-me', 1)");
  }
  auto again = Db::open(path);
  REQUIRE(again.ok());
  CHECK(*schema_version(again->sql()) == kSchemaVersion);
  CHECK(count(*again, "SELECT COUNT(*) FROM calls WHERE call_id = 'keep-me'") == 1);
  auto migrated = migrate(again->sql());
  REQUIRE(migrated.ok());
  CHECK(*migrated == kSchemaVersion);
}

TEST_CASE("migrations: a file at version 1 is brought to the latest") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    auto db = Db::open(path);
    REQUIRE(db.ok());
    db->sql().exec("DROP TABLE ab_tests; DROP TABLE prompt_versions; PRAGMA user_version = 1;");
    db->sql().exec("INSERT INTO calls (call_id, started_at) VALUES ('old', 5)");
  }
  auto db = Db::open(path);
  REQUIRE(db.ok());
  CHECK(*schema_version(db->sql()) == kSchemaVersion);
  CHECK(db->sql().tableExists("ab_tests"));
  CHECK(count(*db, "SELECT COUNT(*) FROM calls") == 1);
}

TEST_CASE("migrations: a migration that fails midway leaves the file at the version before it") {
  TempDir dir;
  const std::string path = dir.file("half.db");
  {
    auto db = Db::open(path);
    REQUIRE(db.ok());
    // Migration 2 creates prompt_versions and then ab_tests; with ab_tests already there its
    // second statement fails, and its first must be rolled back with it.
    db->sql().exec("DROP TABLE ab_tests; DROP TABLE prompt_versions; PRAGMA user_version = 1;");
    db->sql().exec("CREATE TABLE ab_tests (x INTEGER)");
  }
  auto db = Db::open(path);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().message.find("migration to version 2") != std::string::npos);
  SQLite::Database raw(path);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 1);
  CHECK_FALSE(raw.tableExists("prompt_versions"));
}

TEST_CASE("a file written by a newer build is refused with a clear error") {
  TempDir dir;
  const std::string path = dir.file("new.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 99");
  }
  auto db = Db::open(path);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().code == Errc::unsupported);
  CHECK(db.error().message.find("version 99") != std::string::npos);
  CHECK(db.error().message.find("newer") != std::string::npos);
  auto j = Journal::open(path, quiet_options());
  CHECK_FALSE(j.ok());
}

TEST_CASE("opening: a missing file without create, and a file that is not a database") {
  TempDir dir;
  auto missing = Db::open(dir.file("none.db"), {.create = false});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK_FALSE(std::filesystem::exists(dir.file("none.db")));

  std::ofstream(dir.file("junk.db")) << "this is not a database, just some text that is long enough......."
                                        "................................................................";
  auto junk = Db::open(dir.file("junk.db"));
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.error().code == Errc::io);
  CHECK(junk.error().message.find("junk.db") != std::string::npos);
}

TEST_CASE("a call round-trips: start, turns, tool calls, end, quality; seq numbers follow arrival") {
  TempDir dir;
  auto j = Journal::open(dir.file("j.db"), quiet_options());
  REQUIRE(j.ok());
  CallInfo info = call_info("c1", kT0);
  info.prompt_name = "greeting";
  info.prompt_version = 3;
  info.ab_test_id = 7;
  info.ab_variant = "B";
  CHECK((*j)->call_started(info));
  CHECK((*j)->turn("c1", turn_record(Speaker::bot, "Добрий день! Це Олена.", kT0 + 100)));
  CHECK((*j)->turn("c1", turn_record(Speaker::caller, "Чи є зимові шини 205/55 R16?", kT0 + 3000)));
  CHECK((*j)->tool_call("c1", tool_record("check_stock", kT0 + 3500)));
  CHECK((*j)->turn("c1", turn_record(Speaker::bot, "Так, маємо дванадцять", kT0 + 4000)));
  CHECK((*j)->call_ended("c1", end_info(kT0 + 75'500, Outcome::transferred, "asked for a person")));
  CHECK((*j)->quality("c1", 0.85));
  REQUIRE((*j)->flush().ok());

  auto d = (*j)->get("c1");
  REQUIRE(d.ok());
  const CallRow &c = d->call;
  CHECK(c.info.uuid == "uuid-c1");
  CHECK(c.info.tenant == "shop");
  CHECK(c.info.caller_number == "+380671234567");
  CHECK(c.info.called_number == "1001");
  CHECK(c.info.channel == "PJSIP/trunk-0001");
  CHECK(c.info.started_at == kT0);
  REQUIRE(c.ended_at.has_value());
  CHECK(*c.ended_at == kT0 + 75'500);
  REQUIRE(c.outcome.has_value());
  CHECK(*c.outcome == Outcome::transferred);
  CHECK(c.transfer_reason == "asked for a person");
  CHECK(c.info.prompt_name == "greeting");
  CHECK(c.info.prompt_version == 3);
  CHECK(c.info.ab_test_id == 7);
  CHECK(c.info.ab_variant == "B");
  CHECK(c.cost_usd == doctest::Approx(0.0725));
  REQUIRE(c.quality_score.has_value());
  CHECK(*c.quality_score == doctest::Approx(0.85));
  CHECK(c.turns == 3);
  REQUIRE(d->turns.size() == 3);
  CHECK(d->turns[0].seq == 1);
  CHECK(d->turns[0].speaker == Speaker::bot);
  CHECK_FALSE(d->turns[0].confidence.has_value());
  CHECK(d->turns[1].seq == 2);
  CHECK(d->turns[1].text == "Чи є зимові шини 205/55 R16?");
  REQUIRE(d->turns[1].confidence.has_value());
  CHECK(*d->turns[1].confidence == doctest::Approx(0.875));
  CHECK(d->turns[1].timeline["stt_final_ms"].as_int() == 250);
  CHECK(d->turns[2].seq == 3);
  REQUIRE(d->tool_calls.size() == 1);
  CHECK(d->tool_calls[0].seq == 1);
  CHECK(d->tool_calls[0].name == "check_stock");
  CHECK(d->tool_calls[0].arguments["phone"].as_string() == "[PHONE_1]");
  CHECK(d->tool_calls[0].result["items"].items().at(0)["qty"].as_int() == 12);
  CHECK(d->tool_calls[0].duration_ms == 120);
  CHECK(d->tool_calls[0].ok);

  auto missing = (*j)->get("nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("list: newest first, filtered by time, caller and outcome, limited") {
  TempDir dir;
  auto j = Journal::open(dir.file("j.db"), quiet_options());
  REQUIRE(j.ok());
  for (int i = 0; i < 10; ++i) {
    const std::string id = "c" + std::to_string(i);
    REQUIRE((*j)->call_started(call_info(id, kT0 + i * 60'000, i % 2 == 0 ? "+380501111111" : "+380502222222")));
    REQUIRE((*j)->call_ended(id, end_info(kT0 + i * 60'000 + 30'000, i % 3 == 0 ? Outcome::transferred : Outcome::completed)));
  }
  REQUIRE((*j)->call_started(call_info("open", kT0 + 11 * 60'000)));
  REQUIRE((*j)->flush().ok());

  auto all = (*j)->list({.limit = 0});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 11);
  CHECK(all->front().info.call_id == "open");
  CHECK_FALSE(all->front().ended_at.has_value());
  CHECK(all->back().info.call_id == "c0");

  auto window = (*j)->list({.since = kT0 + 2 * 60'000, .until = kT0 + 5 * 60'000});
  REQUIRE(window.ok());
  REQUIRE(window->size() == 3);
  CHECK((*window)[0].info.call_id == "c4");
  CHECK((*window)[2].info.call_id == "c2");

  auto by_caller = (*j)->list({.caller = "+380502222222"});
  REQUIRE(by_caller.ok());
  CHECK(by_caller->size() == 5);
  for (const auto &r : *by_caller) CHECK(r.info.caller_number == "+380502222222");

  auto transferred = (*j)->list({.outcome = Outcome::transferred});
  REQUIRE(transferred.ok());
  CHECK(transferred->size() == 4);  // c0 c3 c6 c9

  auto two = (*j)->list({.limit = 2});
  REQUIRE(two.ok());
  CHECK(two->size() == 2);
}

TEST_CASE("200 calls ended at once from 8 threads are all on disk") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  constexpr int kThreads = 8, kPerThread = 25;
  {
    auto j = Journal::open(path, quiet_options());
    REQUIRE(j.ok());
    Journal &journal = **j;
    std::latch started(kThreads), end_together(1);
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int k = 0; k < kPerThread; ++k) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(k);
          const UnixMillis at = kT0 + (t * kPerThread + k) * 1000;
          if (!journal.call_started(call_info(id, at))) ++refused;
          for (int n = 0; n < 3; ++n) {
            if (!journal.turn(id, turn_record(n % 2 ? Speaker::caller : Speaker::bot, "turn " + std::to_string(n), at + n))) {
              ++refused;
            }
          }
          if (!journal.tool_call(id, tool_record("check_stock", at + 5))) ++refused;
        }
        started.count_down();
        end_together.wait();  // every call of every thread ends in the same instant
        for (int k = 0; k < kPerThread; ++k) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(k);
          const UnixMillis at = kT0 + (t * kPerThread + k) * 1000;
          if (!journal.call_ended(id, end_info(at + 60'000, k % 2 ? Outcome::completed : Outcome::abandoned))) ++refused;
        }
      });
    }
    started.wait();
    end_together.count_down();
    for (auto &th : threads) th.join();
    CHECK(refused.load() == 0);
    REQUIRE(journal.close().ok());
    const auto s = journal.stats();
    CHECK(s.enqueued == kThreads * kPerThread * 6);
    CHECK(s.written == s.enqueued);
    CHECK(s.rejected == 0);
    CHECK(s.dropped == 0);
  }
  auto db = Db::open(path, {.create = false});
  REQUIRE(db.ok());
  CHECK(count(*db, "SELECT COUNT(*) FROM calls") == 200);
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL") == 200);
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE turns = 3") == 200);
  CHECK(count(*db, "SELECT COUNT(*) FROM turns") == 600);
  CHECK(count(*db, "SELECT COUNT(*) FROM tool_calls") == 200);
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE outcome = 'completed'") == 8 * 12);
  // Each call's turns are numbered 1..3 in the order its thread enqueued them.
  CHECK(count(*db, "SELECT COUNT(*) FROM turns WHERE text = 'turn ' || (seq - 1)") == 600);
}

TEST_CASE("flush: what was enqueued before it is visible to another connection when it returns") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  JournalOptions o = quiet_options();
  o.batch_interval = seconds(3600);  // only flush (or a full batch) can make the writer write
  o.batch_max = 100000;
  auto j = Journal::open(path, o);
  REQUIRE(j.ok());
  auto other = Db::open(path, {.create = false});
  REQUIRE(other.ok());
  for (int i = 0; i < 300; ++i) REQUIRE((*j)->call_started(call_info("f" + std::to_string(i), kT0 + i)));
  REQUIRE((*j)->flush().ok());
  CHECK(count(*other, "SELECT COUNT(*) FROM calls") == 300);
  CHECK((*j)->stats().written == 300);
  // Nothing pending: returns at once, still fine.
  REQUIRE((*j)->flush().ok());
}

TEST_CASE("close: drains everything without a flush, joins, refuses later records, is idempotent") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  JournalOptions o = quiet_options();
  o.batch_interval = seconds(3600);
  o.batch_max = 100000;
  auto j = Journal::open(path, o);
  REQUIRE(j.ok());
  for (int i = 0; i < 1000; ++i) {
    const std::string id = "x" + std::to_string(i);
    REQUIRE((*j)->call_started(call_info(id, kT0 + i)));
    REQUIRE((*j)->call_ended(id, end_info(kT0 + i + 10, Outcome::completed)));
  }
  REQUIRE((*j)->close().ok());
  CHECK_FALSE((*j)->call_started(call_info("late", kT0)));
  CHECK((*j)->stats().dropped == 1);
  REQUIRE((*j)->close().ok());
  REQUIRE((*j)->flush().ok());  // everything accepted was written
  auto db = Db::open(path, {.create = false});
  REQUIRE(db.ok());
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE outcome = 'completed'") == 1000);
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE call_id = 'late'") == 0);
}

TEST_CASE("the destructor closes: records enqueued just before it are on disk") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  {
    auto j = Journal::open(path, quiet_options());
    REQUIRE(j.ok());
    for (int i = 0; i < 50; ++i) REQUIRE((*j)->call_started(call_info("d" + std::to_string(i), kT0 + i)));
  }
  auto db = Db::open(path, {.create = false});
  REQUIRE(db.ok());
  CHECK(count(*db, "SELECT COUNT(*) FROM calls") == 50);
}

TEST_CASE("a record the database refuses is skipped without taking its batch down") {
  TempDir dir;
  auto j = Journal::open(dir.file("j.db"), quiet_options());
  REQUIRE(j.ok());
  REQUIRE((*j)->call_started(call_info("ok1", kT0)));
  REQUIRE((*j)->turn("ghost", turn_record(Speaker::caller, "no such call", kT0)));      // foreign key
  REQUIRE((*j)->call_started(call_info("ok1", kT0 + 1)));                                // duplicate id
  REQUIRE((*j)->call_ended("ghost", end_info(kT0 + 5, Outcome::completed)));            // unknown call
  CallInfo bad_variant = call_info("bad", kT0);
  bad_variant.ab_test_id = 3;  // a test without a variant violates a CHECK
  REQUIRE((*j)->call_started(bad_variant));
  REQUIRE((*j)->turn("ok1", turn_record(Speaker::caller, "hello", kT0 + 2)));
  REQUIRE((*j)->call_ended("ok1", end_info(kT0 + 9, Outcome::completed)));
  REQUIRE((*j)->call_ended("ok1", end_info(kT0 + 99, Outcome::error)));                 // already ended
  CHECK_FALSE((*j)->quality("ok1", 1.5));
  CHECK_FALSE((*j)->call_started(call_info("", kT0)));
  REQUIRE((*j)->flush().ok());
  const auto s = (*j)->stats();
  CHECK(s.rejected == 5);
  CHECK(s.written == 3);
  CHECK(s.dropped == 2);
  auto d = (*j)->get("ok1");
  REQUIRE(d.ok());
  CHECK(d->call.info.started_at == kT0);
  CHECK(*d->call.ended_at == kT0 + 9);
  CHECK(*d->call.outcome == Outcome::completed);
  CHECK(d->turns.size() == 1);
  CHECK_FALSE((*j)->get("bad").ok());
}

TEST_CASE("a locked database fails flush with an error, loses nothing, and the writer catches up") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  JournalOptions o = quiet_options();
  o.db.busy_timeout_ms = 20;
  auto j = Journal::open(path, o);
  REQUIRE(j.ok());
  SQLite::Database locker(path, SQLite::OPEN_READWRITE);
  locker.exec("BEGIN EXCLUSIVE");
  for (int i = 0; i < 20; ++i) REQUIRE((*j)->call_started(call_info("l" + std::to_string(i), kT0 + i)));
  auto failed = (*j)->flush();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("locked") != std::string::npos);
  CHECK((*j)->stats().failed_batches >= 1);
  locker.exec("COMMIT");
  REQUIRE((*j)->flush().ok());
  auto rows = (*j)->list({.limit = 0});
  REQUIRE(rows.ok());
  CHECK(rows->size() == 20);
}

TEST_CASE("export JSON parses back to the calls with their turns and tool calls") {
  TempDir dir;
  auto j = Journal::open(dir.file("j.db"), quiet_options());
  REQUIRE(j.ok());
  REQUIRE((*j)->call_started(call_info("a", kT0)));
  REQUIRE((*j)->turn("a", turn_record(Speaker::caller, "він сказав \"так\",\nі пішов", kT0 + 10)));
  REQUIRE((*j)->tool_call("a", tool_record("check_stock", kT0 + 20)));
  REQUIRE((*j)->call_ended("a", end_info(kT0 + 61'250, Outcome::completed)));
  REQUIRE((*j)->call_started(call_info("b", kT0 + 100'000)));
  REQUIRE((*j)->flush().ok());

  std::ostringstream out;
  REQUIRE((*j)->export_json({.limit = 0}, out).ok());
  auto v = json::parse(out.str());
  REQUIRE(v.ok());
  REQUIRE(v->is_array());
  REQUIRE(v->size() == 2);
  const json::Value &b = v->items()[0];
  const json::Value &a = v->items()[1];
  CHECK(b["call_id"].as_string() == "b");
  CHECK(b["ended_at"].is_null());
  CHECK(b["outcome"].is_null());
  CHECK(b["turns"].size() == 0);
  CHECK(a["call_id"].as_string() == "a");
  CHECK(a["started_at"].as_string() == "2026-03-01T00:00:00.000Z");
  CHECK(a["ended_at"].as_string() == "2026-03-01T00:01:01.250Z");
  CHECK(a["duration_s"].as_double() == doctest::Approx(61.25));
  CHECK(a["outcome"].as_string() == "completed");
  CHECK(a["prompt_version"].is_null());
  CHECK(a["turn_count"].as_int() == 1);
  REQUIRE(a["turns"].size() == 1);
  CHECK(a["turns"].items()[0]["text"].as_string() == "він сказав \"так\",\nі пішов");
  CHECK(a["turns"].items()[0]["speaker"].as_string() == "caller");
  CHECK(a["turns"].items()[0]["timeline"]["speech_end_ms"].as_int() == 100);
  REQUIRE(a["tool_calls"].size() == 1);
  CHECK(a["tool_calls"].items()[0]["arguments"]["size"].as_string() == "205/55 R16");
  CHECK(a["tool_calls"].items()[0]["ok"].as_bool());

  std::ostringstream none;
  REQUIRE((*j)->export_json({.since = kT0 + 999'999'999}, none).ok());
  auto empty = json::parse(none.str());
  REQUIRE(empty.ok());
  CHECK(empty->is_array());
  CHECK(empty->size() == 0);
}

TEST_CASE("export CSV: a header, one row per call, RFC 4180 quoting") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field(" edge") == "\" edge\"");
  CHECK(csv_field("") == "");

  TempDir dir;
  auto j = Journal::open(dir.file("j.db"), quiet_options());
  REQUIRE(j.ok());
  CallInfo tricky = call_info("q1", kT0, "+380 (67), \"home\"");
  tricky.tenant = "line1\r\nline2";
  REQUIRE((*j)->call_started(tricky));
  REQUIRE((*j)->call_ended("q1", end_info(kT0 + 1500, Outcome::transferred, "wants \"a human\", now")));
  REQUIRE((*j)->quality("q1", 0.5));
  REQUIRE((*j)->call_started(call_info("q2", kT0 + 5000)));
  REQUIRE((*j)->flush().ok());

  std::ostringstream out;
  REQUIRE((*j)->export_csv({}, out).ok());
  const std::string text = out.str();
  CHECK(text.rfind("call_id,uuid,tenant,caller_number,", 0) == 0);
  const auto rows = parse_csv(text);
  REQUIRE(rows.size() == 3);
  const auto &header = rows[0];
  for (const auto &r : rows) CHECK(r.size() == header.size());
  auto col = [&](const std::string &name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const auto &q2 = rows[1];
  const auto &q1 = rows[2];
  CHECK(q2[col("call_id")] == "q2");
  CHECK(q2[col("ended_at")] == "");
  CHECK(q2[col("outcome")] == "");
  CHECK(q1[col("call_id")] == "q1");
  CHECK(q1[col("caller_number")] == "+380 (67), \"home\"");
  CHECK(q1[col("tenant")] == "line1\r\nline2");
  CHECK(q1[col("transfer_reason")] == "wants \"a human\", now");
  CHECK(q1[col("outcome")] == "transferred");
  CHECK(q1[col("duration_s")] == "1.5");
  CHECK(q1[col("quality_score")] == "0.5");
  CHECK(q1[col("started_at")] == "2026-03-01T00:00:00.000Z");
}

TEST_CASE("times: UTC formatting and the DATE forms the CLI accepts") {
  CHECK(format_utc(kT0 + 1234) == "2026-03-01T00:00:01.234Z");
  CHECK(format_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(parse_utc("2026-03-01") == kT0);
  CHECK(parse_utc("2026-03-01T00:00:01.234Z") == kT0 + 1234);
  CHECK(parse_utc("2026-03-01 09:30") == kT0 + (9 * 60 + 30) * 60'000);
  CHECK(parse_utc("2026-03-01T09:30:15Z") == kT0 + ((9 * 60 + 30) * 60 + 15) * 1000);
  CHECK(parse_utc("2024-02-29") == 1709164800000);
  CHECK_FALSE(parse_utc("2026-02-29").has_value());
  CHECK_FALSE(parse_utc("2026-13-01").has_value());
  CHECK_FALSE(parse_utc("2026-03-01T25:00").has_value());
  CHECK_FALSE(parse_utc("yesterday").has_value());
  CHECK_FALSE(parse_utc("2026-03-01T09").has_value());
  CHECK_FALSE(parse_utc("").has_value());
}

namespace {

// Three calls at fixed ages before `now`, each with a turn and a tool call.
void seed_ages(Journal &j, UnixMillis now) {
  const UnixMillis day = kMillisPerDay;
  struct Seed { const char *id; int64_t age_days; const char *caller; };
  for (const Seed &s : {Seed{"old1", 400, "+380501111111"}, Seed{"old2", 380, "380 50 111 11 11"},
                        Seed{"old3", 370, "+380672222222"}, Seed{"mid", 100, "+380501111111"},
                        Seed{"new", 10, "+380501111111"}}) {
    const UnixMillis at = now - s.age_days * day;
    REQUIRE(j.call_started(call_info(s.id, at, s.caller)));
    REQUIRE(j.turn(s.id, turn_record(Speaker::caller, "my number is 0501111111", at + 10)));
    REQUIRE(j.tool_call(s.id, tool_record("check_stock", at + 20)));
    REQUIRE(j.call_ended(s.id, end_info(at + 60'000, Outcome::completed)));
  }
}

void check_aged(Db &db) {
  // Transcripts and tool calls of calls older than 90 days are gone; their call rows stay.
  CHECK(count(db, "SELECT COUNT(*) FROM calls") == 5);
  CHECK(count(db, "SELECT COUNT(*) FROM turns") == 1);
  CHECK(count(db, "SELECT COUNT(*) FROM turns WHERE call_id = 'new'") == 1);
  CHECK(count(db, "SELECT COUNT(*) FROM tool_calls") == 1);
  CHECK(count(db, "SELECT turns FROM calls WHERE call_id = 'old1'") == 1);
  // Caller numbers older than 365 days are tokens; the same caller's calls share one.
  auto caller = [&](const char *id) {
    return db.sql().execAndGet(std::string("SELECT caller_number FROM calls WHERE call_id = '") + id + "'").getString();
  };
  const std::string t1 = caller("old1"), t2 = caller("old2"), t3 = caller("old3");
  CHECK(t1.rfind("anon:", 0) == 0);
  CHECK(t1.size() == 5 + 12);
  CHECK(t1 == t2);
  CHECK(t3.rfind("anon:", 0) == 0);
  CHECK(t3 != t1);
  CHECK(caller("mid") == "+380501111111");
  CHECK(caller("new") == "+380501111111");
  CHECK(count(db, "SELECT COUNT(*) FROM calls WHERE caller_number LIKE '%1111111%'") == 2);
}

}  // namespace

TEST_CASE("retention with a fixed now: old transcripts deleted, old callers anonymised, idempotent") {
  TempDir dir;
  const std::string path = dir.file("j.db");
  const UnixMillis now = kT0 + 500 * kMillisPerDay;
  {
    auto j = Journal::open(path, quiet_options());
    REQUIRE(j.ok());
    seed_ages(**j, now);
    REQUIRE((*j)->close().ok());
  }
  auto db = Db::open(path, {.create = false});
  REQUIRE(db.ok());
  auto r = apply_retention(*db, now, {.turns_days = 90, .caller_anonymise_days = 365});
  REQUIRE(r.ok());
  CHECK(r->turns_deleted == 4);
  CHECK(r->tool_calls_deleted == 4);
  CHECK(r->callers_anonymised == 3);
  check_aged(*db);
  const std::string token = db->sql().execAndGet("SELECT caller_number FROM calls WHERE call_id = 'old1'").getString();

  auto again = apply_retention(*db, now, {});
  REQUIRE(again.ok());
  CHECK(again->turns_deleted == 0);
  CHECK(again->callers_anonymised == 0);
  CHECK(db->sql().execAndGet("SELECT caller_number FROM calls WHERE call_id = 'old1'").getString() == token);

  CHECK_FALSE(apply_retention(*db, now, {.turns_days = -1}).ok());
}

TEST_CASE("retention through the journal runs on the writer thread after what was queued") {
  TempDir dir;
  const UnixMillis now = kT0 + 500 * kMillisPerDay;
  auto j = Journal::open(dir.file("j.db"), quiet_options());
  REQUIRE(j.ok());
  seed_ages(**j, now);  // not flushed: retention must come after these records
  auto r = (*j)->apply_retention(now, {});
  REQUIRE(r.ok());
  CHECK(r->turns_deleted == 4);
  CHECK(r->callers_anonymised == 3);
  CHECK((*j)->stats().retention_runs == 1);
  REQUIRE((*j)->close().ok());
  auto db = Db::open(dir.file("j.db"), {.create = false});
  REQUIRE(db.ok());
  check_aged(*db);
  CHECK_FALSE((*j)->apply_retention(now, {}).ok());  // closed
}

TEST_CASE("periodic retention on the writer thread uses the configured clock and policy") {
  TempDir dir;
  const UnixMillis now = kT0 + 500 * kMillisPerDay;
  JournalOptions o = quiet_options();
  o.retention_interval = millis(1);
  o.wall_clock = [now] { return now; };
  auto j = Journal::open(dir.file("j.db"), o);
  REQUIRE(j.ok());
  seed_ages(**j, now);
  REQUIRE((*j)->flush().ok());
  // The writer writes before it runs retention; two runs after the flush guarantee one saw the data.
  const uint64_t runs = (*j)->stats().retention_runs;
  const Nanos deadline = monotonic_now() + seconds(30);
  while ((*j)->stats().retention_runs < runs + 2 && monotonic_now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling, not timing
  }
  REQUIRE((*j)->stats().retention_runs >= runs + 2);
  REQUIRE((*j)->close().ok());
  auto db = Db::open(dir.file("j.db"), {.create = false});
  REQUIRE(db.ok());
  check_aged(*db);
}

// The shutdown path a host uses: SIGTERM's handler only sets a flag, the main loop sees it and
// calls close(), and everything enqueued before the signal is on disk afterwards. The child
// stops after 500 of its 1000 calls in a blocking read (where a host's loop would sit in
// epoll_wait); the parent sends SIGTERM before it lets the read return, so the flag is set when
// the loop looks at it. The child's writer is told not to write on its own (no timer, no batch
// limit reached), so every record is still queued at the signal and only close() can save them.
TEST_CASE("a child sent SIGTERM mid-stream closes its journal and keeps every call it enqueued") {
  TempDir dir;
  const std::string path = dir.file("child.db");
  int ready[2], go[2], report[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  REQUIRE(::pipe(report) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    ::close(go[1]);
    ::close(report[0]);
    static volatile sig_atomic_t stop = 0;
    struct sigaction sa {};
    sa.sa_handler = [](int) { stop = 1; };
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    JournalOptions o;
    o.retention_interval = 0;
    o.batch_interval = seconds(3600);
    o.batch_max = 1'000'000;
    auto j = Journal::open(path, o);
    if (!j) ::_exit(3);
    int64_t enqueued = 0;
    uint64_t written_at_signal = 0;
    for (int i = 0; i < 1000; ++i) {
      if (stop) break;
      const std::string id = "k" + std::to_string(i);
      const UnixMillis at = kT0 + i * 1000;
      bool ok = (*j)->call_started(call_info(id, at));
      ok = (*j)->turn(id, turn_record(Speaker::caller, "hello", at + 1)) && ok;
      ok = (*j)->call_ended(id, end_info(at + 500, Outcome::completed)) && ok;
      if (!ok) ::_exit(4);
      ++enqueued;
      if (i == 499) {
        if (::write(ready[1], "r", 1) != 1) ::_exit(5);
        char c;
        (void)::read(go[0], &c, 1);  // returns with 'g' or EINTR, after the handler has run
        written_at_signal = (*j)->stats().written;
      }
    }
    const bool closed = (*j)->close().ok() && stop;
    const std::string msg =
        std::to_string(enqueued) + " " + std::to_string(written_at_signal) + (closed ? " ok" : " failed");
    if (::write(report[1], msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) ::_exit(6);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(go[0]);
  ::close(report[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(::kill(pid, SIGTERM) == 0);
  REQUIRE(::write(go[1], "g", 1) == 1);
  std::string msg;
  char buf[64];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  ::close(ready[0]);
  ::close(go[1]);
  ::close(report[0]);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  INFO("child reported: ", msg);
  REQUIRE(msg.find(" ok") != std::string::npos);
  char *end = nullptr;
  const int64_t enqueued = std::strtoll(msg.c_str(), &end, 10);
  const int64_t written_at_signal = std::strtoll(end, nullptr, 10);
  CHECK(enqueued == 500);          // the loop stopped at the signal, half way
  CHECK(written_at_signal == 0);   // all 1500 records were still queued then
  auto db = Db::open(path, {.create = false});
  REQUIRE(db.ok());
  CHECK(count(*db, "SELECT COUNT(*) FROM calls") == enqueued);
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE outcome = 'completed' AND turns = 1") == enqueued);
  CHECK(count(*db, "SELECT COUNT(*) FROM turns") == enqueued);
  CHECK(count(*db, "SELECT COUNT(*) FROM calls WHERE CAST(substr(call_id, 2) AS INTEGER) < " +
                       std::to_string(enqueued)) == enqueued);
}

TEST_CASE("a call's cost is its usage at the configured prices") {
  journal::Prices p;
  p.llm_input_per_mtok = 3;    // USD per million
  p.llm_output_per_mtok = 15;
  p.stt_per_minute = 0.016;
  p.tts_per_mchar = 16;
  journal::Usage u{200'000, 10'000, 90'000, 5'000};
  CHECK(journal::cost_usd(p, u) == doctest::Approx(0.6 + 0.15 + 0.024 + 0.08));
  CHECK(journal::cost_usd(journal::Prices{}, u) == 0);
  CHECK(journal::cost_usd(p, journal::Usage{}) == 0);
}
