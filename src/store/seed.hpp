// The demo shop's data, generated in code: the same `today` gives the same database, byte for
// byte in content, on every machine (our own PRNG, no std distributions, no clock, no locale).
// Internal to the SQLite store.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <string_view>

#include "store/calendar.hpp"

namespace ca::store::seed {

constexpr int kSchemaVersion = 1;
// How far ahead slots are generated when the database is seeded and kept topped up after.
constexpr int kSlotDaysAhead = 21;

// Creates every table (IF NOT EXISTS).
void create_schema(SQLite::Database &db);
// Fills an empty schema: catalogue, stock, stations, slots for [today, today + 21], vehicles,
// fitting prices, sample orders and a booking. Runs inside the caller's transaction.
void populate(SQLite::Database &db, Day today);
// Adds the slot rows of [from, to] that are missing, for one station or (empty id) every
// station. Whether a generated slot starts taken depends only on (station, date, time), so days
// generated later match what an earlier seed would have made.
void ensure_slots(SQLite::Database &db, std::string_view station_id, Day from, Day to);

// splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [lo, hi] for seed data.
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }

 private:
  uint64_t s_;
};

uint64_t fnv1a(std::string_view s);

}  // namespace ca::store::seed
