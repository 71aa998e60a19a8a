#include "journal/db.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/log.hpp"
#include "journal/migrations.hpp"

namespace ca::journal {

Db::Db(std::unique_ptr<SQLite::Database> db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
Db::Db(Db &&) noexcept = default;
Db &Db::operator=(Db &&) noexcept = default;
Db::~Db() = default;

std::string default_db_path() {
  const char *env = std::getenv("CALLAGENT_DB");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("callagent.db");
}

Result<int> schema_version(SQLite::Database &db) {
  try {
    return db.execAndGet("PRAGMA user_version").getInt();
  } catch (const std::exception &e) {
    return make_error(Errc::io, std::string("reading the schema version: ") + e.what());
  }
}

Result<int> migrate(SQLite::Database &db) {
  auto current = schema_version(db);
  if (!current) return current.error();
  if (*current > kSchemaVersion) {
    return make_error(Errc::unsupported, db.getFilename() + " has journal schema version " +
                                             std::to_string(*current) + "; this build knows versions up to " +
                                             std::to_string(kSchemaVersion) + " (a newer callagent wrote it)");
  }
  int at = *current;
  for (const Migration &m : migrations()) {
    if (m.version <= at) continue;
    try {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      // Another process may have migrated between our read and our lock.
      const int now_at = db.execAndGet("PRAGMA user_version").getInt();
      if (now_at >= m.version) {
        at = now_at;
        continue;  // the transaction rolls back, having changed nothing
      }
      db.exec(m.sql);
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
      tx.commit();
      at = m.version;
      log::write(log::Level::info, {}, "journal migrated",
                 {{"file", db.getFilename()}, {"version", m.version}, {"what", m.what}});
    } catch (const std::exception &e) {
      return make_error(Errc::io, db.getFilename() + ": migration to version " + std::to_string(m.version) + " (" +
                                      m.what + ") failed: " + e.what());
    }
  }
  if (at > kSchemaVersion) {
    return make_error(Errc::unsupported, db.getFilename() + " was migrated by a newer callagent to version " +
                                             std::to_string(at));
  }
  return at;
}

Result<Db> Db::open(const std::string &path, OpenOptions options) {
  if (path.empty()) return make_error(Errc::invalid_argument, "journal: empty database path");
  if (!options.create && path != ":memory:") {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "no journal at " + path);
  }
  std::unique_ptr<SQLite::Database> db;
  try {
    const int flags = SQLite::OPEN_READWRITE | (options.create ? SQLite::OPEN_CREATE : 0);
    db = std::make_unique<SQLite::Database>(path, flags, options.busy_timeout_ms);
    // Reading the header first turns "not a database" into a clear error before any pragma.
    db->execAndGet("PRAGMA user_version");
    const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal" && mode != "memory") {
      return make_error(Errc::io, path + ": cannot switch to WAL mode (journal_mode is " + mode + ")");
    }
    db->exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db->exec("PRAGMA foreign_keys = ON");
  } catch (const std::exception &e) {
    return make_error(Errc::io, path + ": " + e.what());
  }
  auto v = migrate(*db);
  if (!v) return v.error();
  return Db(std::move(db), path);
}

}  // namespace ca::journal
