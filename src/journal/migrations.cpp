#include "journal/migrations.hpp"

#include "journal/db.hpp"

namespace ca::journal {

namespace {

// Times are Unix milliseconds (UTC) in INTEGER columns: they sort, compare and index as numbers,
// and every reader formats them the same way.
constexpr const char *kV1Calls = R"sql(
CREATE TABLE calls (
  call_id         TEXT PRIMARY KEY NOT NULL,
  uuid            TEXT NOT NULL DEFAULT '',
  tenant          TEXT NOT NULL DEFAULT '',
  caller_number   TEXT NOT NULL DEFAULT '',
  called_number   TEXT NOT NULL DEFAULT '',
  channel         TEXT NOT NULL DEFAULT '',
  started_at      INTEGER NOT NULL,
  ended_at        INTEGER,
  outcome         TEXT CHECK (outcome IN ('completed', 'transferred', 'abandoned', 'error')),
  transfer_reason TEXT NOT NULL DEFAULT '',
  prompt_name     TEXT NOT NULL DEFAULT '',
  prompt_version  INTEGER,
  ab_test_id      INTEGER,
  ab_variant      TEXT CHECK (ab_variant IN ('A', 'B')),
  language        TEXT NOT NULL DEFAULT '',
  cost_usd        REAL NOT NULL DEFAULT 0,
  quality_score   REAL CHECK (quality_score BETWEEN 0 AND 1),
  turns           INTEGER NOT NULL DEFAULT 0,
  CHECK ((ab_test_id IS NULL) = (ab_variant IS NULL)),
  CHECK (ended_at IS NULL OR outcome IS NOT NULL)
);
CREATE INDEX calls_by_time ON calls (started_at);
CREATE INDEX calls_by_caller ON calls (caller_number, started_at);
CREATE INDEX calls_by_test ON calls (ab_test_id, ab_variant) WHERE ab_test_id IS NOT NULL;

CREATE TABLE turns (
  call_id    TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL CHECK (seq > 0),
  speaker    TEXT NOT NULL CHECK (speaker IN ('caller', 'bot')),
  text       TEXT NOT NULL,
  language   TEXT NOT NULL DEFAULT '',
  confidence REAL,
  timeline   TEXT NOT NULL DEFAULT '{}',
  started_at INTEGER NOT NULL,
  PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;

CREATE TABLE tool_calls (
  call_id     TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL CHECK (seq > 0),
  turn        INTEGER,
  name        TEXT NOT NULL,
  arguments   TEXT NOT NULL DEFAULT '{}',
  result      TEXT NOT NULL DEFAULT 'null',
  duration_ms INTEGER NOT NULL DEFAULT 0,
  ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
  started_at  INTEGER NOT NULL,
  PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;
)sql";

// Prompt versions are immutable once added (a call's row names the exact text it ran with), and
// an A/B test pins both versions when it starts. The partial unique index is what guarantees at
// most one active test, whoever writes the file.
constexpr const char *kV2Prompts = R"sql(
CREATE TABLE prompt_versions (
  name       TEXT NOT NULL CHECK (length(name) > 0),
  version    INTEGER NOT NULL CHECK (version > 0),
  text       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (name, version)
) WITHOUT ROWID;

CREATE TABLE ab_tests (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL DEFAULT '',
  a_name     TEXT NOT NULL,
  a_version  INTEGER NOT NULL,
  b_name     TEXT NOT NULL,
  b_version  INTEGER NOT NULL,
  split      REAL NOT NULL CHECK (split >= 0 AND split <= 1),
  sticky     INTEGER NOT NULL CHECK (sticky IN (0, 1)),
  status     TEXT NOT NULL CHECK (status IN ('active', 'stopped')),
  started_at INTEGER NOT NULL,
  stopped_at INTEGER,
  FOREIGN KEY (a_name, a_version) REFERENCES prompt_versions (name, version),
  FOREIGN KEY (b_name, b_version) REFERENCES prompt_versions (name, version)
);
CREATE UNIQUE INDEX ab_tests_one_active ON ab_tests (status) WHERE status = 'active';
CREATE TRIGGER prompt_versions_immutable BEFORE UPDATE ON prompt_versions
BEGIN
  SELECT RAISE(ABORT, 'prompt versions are immutable: add a new version');
END;
)sql";

constexpr Migration kMigrations[] = {
    {1, "calls, turns and tool calls", kV1Calls},
    {2, "prompt versions and A/B tests", kV2Prompts},
};

static_assert(std::size(kMigrations) == kSchemaVersion, "kSchemaVersion names the last migration");

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace ca::journal
