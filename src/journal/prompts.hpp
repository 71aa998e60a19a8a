// Prompt versions and A/B tests, in the journal's file. A version is immutable once added, and a
// call's row names the exact version it ran with (the system we replace wrote "default" on every
// call, so its A/B reports never matched a call). Reports compare the variants on the journaled
// calls with real significance tests (stats.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "journal/db.hpp"
#include "journal/journal.hpp"
#include "journal/stats.hpp"

namespace ca::journal {

struct PromptVersion {
  std::string name;
  int64_t version = 0;
  std::string text;
  UnixMillis created_at = 0;
  std::string note;
};

// "name" (version 0: the latest) or "name@3".
struct PromptRef {
  std::string name;
  int64_t version = 0;
};
Result<PromptRef> parse_prompt_ref(std::string_view text);
std::string to_string(const PromptRef &ref);

struct AbTest {
  int64_t id = 0;
  std::string name;
  PromptRef a, b;           // pinned versions, never 0
  double split = 0.5;       // the share of calls that get A
  bool sticky = false;      // a caller keeps one variant for the whole test
  bool active = false;
  UnixMillis started_at = 0;
  std::optional<UnixMillis> stopped_at;
};

// What a call runs with.
struct Assignment {
  PromptVersion prompt;
  int64_t test_id = 0;      // 0: no test was active
  std::string variant;      // "A" or "B" in a test
};

// Copies the assignment into the call's journal row.
void record_assignment(const Assignment &a, CallInfo &call);

// A uniform number in [0, 1).
using RandomSource = std::function<double()>;

// The point in [0, 1) a caller falls on for a sticky test: SipHash of the caller's digits keyed
// with the test id, so the same caller lands on the same variant for the whole test while
// different tests split callers independently.
double sticky_point(int64_t test_id, std::string_view caller_number);
// "A" when the point (sticky_point, or random() for a non-sticky test or a caller with no
// number) is below the split, else "B".
const char *choose_variant(const AbTest &test, std::string_view caller_number, const RandomSource &random);

struct VariantStats {
  std::string variant;
  PromptRef prompt;
  int64_t calls = 0;             // ended calls in this variant
  int64_t transferred = 0;
  int64_t resolved = 0;          // completed without a transfer
  double transfer_rate = 0;
  double resolution_rate = 0;
  stats::Sample duration_s;
  stats::Sample quality;         // scored calls only
};

struct Comparison {
  std::string metric;            // "transfer_rate", "resolution_rate", "duration_s", "quality"
  std::string test;              // "two-proportion z" or "Welch t"
  double a = 0, b = 0;           // the rates or means compared
  int64_t n_a = 0, n_b = 0;      // the samples behind them
  stats::TestResult result;
  bool significant = false;      // p < 0.05 and at least kMinCallsPerVariant on each side
};

inline constexpr int64_t kMinCallsPerVariant = 10;
inline constexpr double kSignificanceLevel = 0.05;

struct AbReport {
  AbTest test;
  VariantStats a, b;
  std::vector<Comparison> comparisons;
};
json::Value to_json(const AbReport &report);

class Prompts {
 public:
  // Uses `db` (not owned; one thread at a time, like the Db itself).
  explicit Prompts(Db &db) : db_(db) {}

  // Adds the next version of `name` (1 for a new name).
  Result<PromptVersion> add(std::string_view name, std::string_view text, std::string_view note, UnixMillis now);
  // version 0: the latest. Errc::not_found when absent.
  Result<PromptVersion> get(std::string_view name, int64_t version = 0);
  // Every version of every prompt, by name then version.
  Result<std::vector<PromptVersion>> list();

  // Starts a test between two versions (version 0 pins the latest now), stopping any active test
  // in the same transaction. split is the share of calls that get A, 0..1.
  Result<AbTest> start_test(const PromptRef &a, const PromptRef &b, double split, bool sticky, std::string_view name,
                            UnixMillis now);
  // Stops the active test; nullopt when none was active.
  Result<std::optional<AbTest>> stop_test(UnixMillis now);
  Result<std::optional<AbTest>> active_test();
  // id 0: the most recent test. Errc::not_found when absent.
  Result<AbTest> test(int64_t id);
  Result<std::vector<AbTest>> tests();

  // Which prompt a new call runs with: a variant of the active test, or else the latest version
  // of `default_name`. Errc::not_found when there is neither.
  Result<Assignment> assign(std::string_view caller_number, const RandomSource &random,
                            std::string_view default_name = {});

  // Compares the variants of test `id` (0: the most recent) on its ended calls.
  Result<AbReport> report(int64_t id = 0);

 private:
  Db &db_;
};

}  // namespace ca::journal
