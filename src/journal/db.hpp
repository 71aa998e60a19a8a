// The journal's SQLite file: one connection with the pragmas every user of the file needs (WAL,
// a busy timeout, foreign keys) and the schema brought up to date. SQLiteCpp stays behind this
// adapter: its exceptions are caught here and in the journal's .cpp files and become Results.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace SQLite {
class Database;
}

namespace ca::journal {

struct OpenOptions {
  bool create = true;             // false: a missing file is Errc::not_found instead of a new journal
  int busy_timeout_ms = 5000;     // how long a statement waits for another connection's lock
  // FULL syncs the WAL on every commit, so what flush() reported survives a power cut; the writer
  // commits in batches, which keeps that affordable. NORMAL survives a crash of the process only.
  bool synchronous_full = true;
};

// The schema this build writes. A file with a higher PRAGMA user_version was written by a newer
// build and is refused rather than misread.
inline constexpr int kSchemaVersion = 2;

// One connection. Not thread-safe: one thread uses it at a time.
class Db {
 public:
  // Opens (creating unless options.create is false) and migrates. Errors: not_found (no file and
  // create off), unsupported (a newer schema), io (not a database, cannot be written, ...).
  static Result<Db> open(const std::string &path, OpenOptions options = {});

  Db(Db &&) noexcept;
  Db &operator=(Db &&) noexcept;
  ~Db();

  SQLite::Database &sql() { return *db_; }
  const std::string &path() const { return path_; }

 private:
  Db(std::unique_ptr<SQLite::Database> db, std::string path);
  std::unique_ptr<SQLite::Database> db_;
  std::string path_;
};

// The journal file a command uses when none is named: $CALLAGENT_DB, else callagent.db in the
// working directory.
std::string default_db_path();

// Applies every migration above the file's PRAGMA user_version, each in its own IMMEDIATE
// transaction that re-reads the version first (two processes opening a new file at once do not
// both migrate). Returns the version the file is at afterwards.
Result<int> migrate(SQLite::Database &db);

// The schema version of an open connection (PRAGMA user_version).
Result<int> schema_version(SQLite::Database &db);

}  // namespace ca::journal
