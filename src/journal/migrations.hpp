// The journal's schema as an ordered list of migrations. A migration is never edited once it has
// shipped: a change is a new migration with the next version.
#pragma once

#include <span>

namespace ca::journal {

struct Migration {
  int version;           // PRAGMA user_version after it ran; 1, 2, 3 ... without gaps
  const char *what;      // for the log
  const char *sql;       // one or more statements
};

std::span<const Migration> migrations();

}  // namespace ca::journal
