// Prompt versions, A/B tests and their reports on a real SQLite file, and the significance tests
// against reference values: closed forms, statistical tables and published worked examples.
// Every reference was also checked with mpmath 1.3 at 30 digits (betainc(..., regularized=True)
// and erfc), an implementation independent of this one.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <unistd.h>

#include "journal/db.hpp"
#include "journal/journal.hpp"
#include "journal/prompts.hpp"
#include "journal/stats.hpp"

using namespace ca;
using namespace ca::journal;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/callagent-prompts-XXXXXX";
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

constexpr UnixMillis kT0 = 1772323200000;  // 2026-03-01T00:00:00Z

std::string caller(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+38050%07d", i);
  return buf;
}

}  // namespace

// ---- statistics ------------------------------------------------------------------------------

TEST_CASE("normal p-values: the two-sided table values") {
  // z = 1.96 is the 5 % point, 2.5758293035489 the 1 % point; P(|Z| > 1) = 1 - 0.682689492137.
  CHECK(stats::normal_two_sided_p(1.96) == doctest::Approx(0.0499957902964).epsilon(1e-10));
  CHECK(stats::normal_two_sided_p(-1.96) == doctest::Approx(0.0499957902964).epsilon(1e-10));
  CHECK(stats::normal_two_sided_p(2.5758293035489) == doctest::Approx(0.01).epsilon(1e-10));
  CHECK(stats::normal_two_sided_p(1.0) == doctest::Approx(0.317310507863).epsilon(1e-10));
  CHECK(stats::normal_two_sided_p(0.0) == 1.0);
}

TEST_CASE("the regularized incomplete beta function against closed forms") {
  // I_x(2,3) = sum_{j=2..4} C(4,j) x^j (1-x)^(4-j); at 0.3: 0.2646 + 0.0756 + 0.0081 = 0.3483.
  CHECK(stats::incomplete_beta(2, 3, 0.3) == doctest::Approx(0.3483).epsilon(1e-12));
  CHECK(stats::incomplete_beta(1, 1, 0.37) == doctest::Approx(0.37).epsilon(1e-12));         // I_x(1,1) = x
  CHECK(stats::incomplete_beta(3, 1, 0.7) == doctest::Approx(0.343).epsilon(1e-12));         // I_x(a,1) = x^a
  CHECK(stats::incomplete_beta(1, 4, 0.2) == doctest::Approx(0.5904).epsilon(1e-12));        // 1 - (1-x)^b
  CHECK(stats::incomplete_beta(7.5, 7.5, 0.5) == doctest::Approx(0.5).epsilon(1e-12));       // symmetry
  CHECK(stats::incomplete_beta(50, 60, 0.4) == doctest::Approx(0.124706858343).epsilon(1e-9));  // mpmath
  CHECK(stats::incomplete_beta(2, 3, 0.0) == 0.0);
  CHECK(stats::incomplete_beta(2, 3, 1.0) == 1.0);
  CHECK(std::isnan(stats::incomplete_beta(0, 3, 0.5)));
  CHECK(std::isnan(stats::incomplete_beta(2, 3, 1.5)));
}

TEST_CASE("Student's t p-values: closed forms for 1 and 2 df, and the t table") {
  // df = 1 is the Cauchy distribution: p = 1 - (2/pi) atan|t|, so t = 1 gives exactly 0.5.
  CHECK(stats::student_t_two_sided_p(1.0, 1) == doctest::Approx(0.5).epsilon(1e-12));
  // df = 2: p = 1 - |t| / sqrt(2 + t^2); t = 2 gives 1 - 2/sqrt(6) = 0.183503419072.
  CHECK(stats::student_t_two_sided_p(2.0, 2) == doctest::Approx(0.183503419072).epsilon(1e-10));
  CHECK(stats::student_t_two_sided_p(-2.0, 2) == doctest::Approx(0.183503419072).epsilon(1e-10));
  // Two-sided critical values from the t table: t(0.05, 10) = 2.228, t(0.01, 5) = 4.032,
  // t(0.05, 30) = 2.042 (to 12 digits: 2.228138851986, 4.032142983557, 2.042272456301).
  CHECK(stats::student_t_two_sided_p(2.228138851986, 10) == doctest::Approx(0.05).epsilon(1e-9));
  CHECK(stats::student_t_two_sided_p(4.032142983557, 5) == doctest::Approx(0.01).epsilon(1e-9));
  CHECK(stats::student_t_two_sided_p(2.042272456301, 30) == doctest::Approx(0.05).epsilon(1e-9));
  // Very many degrees of freedom approach the normal: mpmath gives 0.0499960675853.
  CHECK(stats::student_t_two_sided_p(1.96, 1e6) == doctest::Approx(0.0499960675853).epsilon(1e-8));
  CHECK(stats::student_t_two_sided_p(0.0, 7) == doctest::Approx(1.0));
}

TEST_CASE("two-proportion z-test: a worked example by hand") {
  // 45/100 against 30/100: pooled p = 75/200 = 0.375; SE = sqrt(0.375 * 0.625 * (1/100 + 1/100))
  // = sqrt(0.0046875) = 0.0684653197; z = 0.15 / SE = 2.19089023; p = erfc(z / sqrt 2) = 0.0284597369.
  const auto r = stats::two_proportion_z(45, 100, 30, 100);
  CHECK(r.statistic == doctest::Approx(2.19089023002).epsilon(1e-10));
  REQUIRE(r.p.has_value());
  CHECK(*r.p == doctest::Approx(0.0284597369163).epsilon(1e-9));
  // Both rates zero: nothing to tell apart.
  const auto none = stats::two_proportion_z(0, 50, 0, 60);
  REQUIRE(none.p.has_value());
  CHECK(*none.p == 1.0);
  CHECK_FALSE(stats::two_proportion_z(1, 0, 1, 10).p.has_value());
}

TEST_CASE("Welch's t-test: a textbook exercise and Wikipedia's worked example") {
  // n = 20, mean 100, s = 15 against n = 20, mean 95, s = 20: SE = sqrt(11.25 + 20) = 5.590,
  // t = 5 / 5.590 = 0.894 (= 2/sqrt 5), df = 31.25^2 / ((11.25^2 + 20^2) / 19) = 35.24;
  // p = 0.377162248 (mpmath).
  const auto r = stats::welch_t({20, 100, 225}, {20, 95, 400});
  CHECK(r.statistic == doctest::Approx(0.894427191).epsilon(1e-9));
  CHECK(r.df == doctest::Approx(35.2373887240).epsilon(1e-9));
  REQUIRE(r.p.has_value());
  CHECK(*r.p == doctest::Approx(0.377162248300).epsilon(1e-8));

  // Wikipedia, "Welch's t-test", example 1: t = -2.46, df = 24.99, p = 0.021
  // (to 12 digits: -2.45535639829, 24.9885292902, 0.0213780014629).
  const double a1[] = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
  const double a2[] = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};
  const auto sa = stats::describe(a1), sb = stats::describe(a2);
  CHECK(sa.mean == doctest::Approx(20.82).epsilon(1e-12));
  CHECK(sa.variance == doctest::Approx(7.86742857143).epsilon(1e-10));
  CHECK(sb.variance == doctest::Approx(3.81266666667).epsilon(1e-10));
  const auto w = stats::welch_t(sa, sb);
  CHECK(w.statistic == doctest::Approx(-2.45535639829).epsilon(1e-9));
  CHECK(w.df == doctest::Approx(24.9885292902).epsilon(1e-9));
  REQUIRE(w.p.has_value());
  CHECK(*w.p == doctest::Approx(0.0213780014629).epsilon(1e-8));

  CHECK_FALSE(stats::welch_t({1, 3, 0}, {5, 2, 1}).p.has_value());  // one observation
  const auto same = stats::welch_t({5, 2, 0}, {5, 2, 0});
  REQUIRE(same.p.has_value());
  CHECK(*same.p == 1.0);
}

// ---- versions and tests ----------------------------------------------------------------------

TEST_CASE("prompt versions: numbered per name from 1, immutable, latest by default") {
  TempDir dir;
  auto db = Db::open(dir.file("p.db"));
  REQUIRE(db.ok());
  Prompts p(*db);
  auto g1 = p.add("greeting", "Добрий день!", "first", kT0);
  REQUIRE(g1.ok());
  CHECK(g1->version == 1);
  auto s1 = p.add("sales", "Sell tyres.", "", kT0 + 1);
  REQUIRE(s1.ok());
  CHECK(s1->version == 1);
  auto g2 = p.add("greeting", "Вітаю!", "shorter", kT0 + 2);
  REQUIRE(g2.ok());
  CHECK(g2->version == 2);

  auto latest = p.get("greeting");
  REQUIRE(latest.ok());
  CHECK(latest->version == 2);
  CHECK(latest->text == "Вітаю!");
  CHECK(latest->note == "shorter");
  auto first = p.get("greeting", 1);
  REQUIRE(first.ok());
  CHECK(first->text == "Добрий день!");
  CHECK(first->created_at == kT0);
  auto missing = p.get("greeting", 3);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("greeting@3") != std::string::npos);

  auto all = p.list();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].name == "greeting");
  CHECK((*all)[1].version == 2);
  CHECK((*all)[2].name == "sales");

  CHECK_FALSE(p.add("has@at", "x", "", kT0).ok());
  CHECK_FALSE(p.add("", "x", "", kT0).ok());
  CHECK_FALSE(p.add("empty", "", "", kT0).ok());
  // The text of a version cannot be changed behind a call that ran with it.
  CHECK_THROWS(db->sql().exec("INSERT INTO prompt_versions (name, version, text, created_at) VALUES ('greeting', 1, 'x', 0)"));
  CHECK_THROWS(db->sql().exec("UPDATE prompt_versions SET text = 'changed' WHERE name = 'greeting'"));
  CHECK(p.get("greeting", 1)->text == "Добрий день!");

  auto ref = parse_prompt_ref("greeting@2");
  REQUIRE(ref.ok());
  CHECK(ref->name == "greeting");
  CHECK(ref->version == 2);
  auto bare = parse_prompt_ref("greeting");
  REQUIRE(bare.ok());
  CHECK(bare->version == 0);
  CHECK_FALSE(parse_prompt_ref("greeting@").ok());
  CHECK_FALSE(parse_prompt_ref("greeting@0").ok());
  CHECK_FALSE(parse_prompt_ref("greeting@x2").ok());
  CHECK_FALSE(parse_prompt_ref("@2").ok());
}

TEST_CASE("A/B tests: versions pinned at start, starting one stops the active one") {
  TempDir dir;
  auto db = Db::open(dir.file("p.db"));
  REQUIRE(db.ok());
  Prompts p(*db);
  REQUIRE(p.add("g", "one", "", kT0).ok());
  REQUIRE(p.add("g", "two", "", kT0).ok());
  REQUIRE(p.add("h", "other", "", kT0).ok());

  auto none = p.active_test();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  auto t1 = p.start_test({"g", 1}, {"g", 0}, 0.3, true, "shorter greeting", kT0 + 10);
  REQUIRE(t1.ok());
  CHECK(t1->a.version == 1);
  CHECK(t1->b.version == 2);  // "latest" pinned now
  CHECK(t1->active);
  REQUIRE(p.add("g", "three", "", kT0 + 11).ok());
  auto still = p.test(t1->id);
  REQUIRE(still.ok());
  CHECK(still->b.version == 2);  // a later version does not change a running test
  CHECK(still->split == doctest::Approx(0.3));
  CHECK(still->sticky);
  CHECK(still->name == "shorter greeting");

  auto t2 = p.start_test({"g", 3}, {"h", 0}, 0.5, false, "", kT0 + 20);
  REQUIRE(t2.ok());
  auto old = p.test(t1->id);
  REQUIRE(old.ok());
  CHECK_FALSE(old->active);
  REQUIRE(old->stopped_at.has_value());
  CHECK(*old->stopped_at == kT0 + 20);
  auto active = p.active_test();
  REQUIRE(active.ok());
  REQUIRE(active->has_value());
  CHECK((*active)->id == t2->id);
  auto latest = p.test(0);
  REQUIRE(latest.ok());
  CHECK(latest->id == t2->id);

  CHECK_FALSE(p.start_test({"g", 9}, {"h", 0}, 0.5, false, "", kT0).ok());
  CHECK_FALSE(p.start_test({"nope", 0}, {"h", 0}, 0.5, false, "", kT0).ok());
  CHECK_FALSE(p.start_test({"g", 1}, {"h", 0}, 1.5, false, "", kT0).ok());
  active = p.active_test();
  REQUIRE(active.ok());
  CHECK((*active)->id == t2->id);  // failed starts stopped nothing

  auto stopped = p.stop_test(kT0 + 30);
  REQUIRE(stopped.ok());
  REQUIRE(stopped->has_value());
  CHECK((*stopped)->id == t2->id);
  auto again = p.stop_test(kT0 + 31);
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_value());
  auto tests = p.tests();
  REQUIRE(tests.ok());
  CHECK(tests->size() == 2);
  // The schema itself allows one active test at most.
  CHECK_THROWS(db->sql().exec("UPDATE ab_tests SET status = 'active', stopped_at = NULL"));
}

TEST_CASE("assignment: sticky by caller number, the split honoured, independent across tests") {
  AbTest t;
  t.id = 4;
  t.split = 0.3;
  t.sticky = true;
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const RandomSource random = [&] { return uniform(rng); };

  constexpr int kCallers = 20000;
  int a = 0;
  for (int i = 0; i < kCallers; ++i) {
    const std::string v = choose_variant(t, caller(i), random);
    if (v == "A") ++a;
    // The same caller, with other random numbers and another spelling of the number, again.
    for (int k = 0; k < 3; ++k) REQUIRE(std::string(choose_variant(t, caller(i), random)) == v);
  }
  // Binomial(20000, 0.3): sd = sqrt(20000 * 0.3 * 0.7) = 64.8 calls; 0.02 is over six sd.
  CHECK(static_cast<double>(a) / kCallers == doctest::Approx(0.3).epsilon(0.02 / 0.3));
  CHECK(std::string(choose_variant(t, "+380 (50) 000-00-07", random)) == choose_variant(t, "380500000007", random));

  // Another test id splits the same callers independently: about half agree at a 0.5 split.
  AbTest u = t, w = t;
  u.split = w.split = 0.5;
  w.id = 5;
  int agree = 0;
  for (int i = 0; i < kCallers; ++i) {
    agree += std::string(choose_variant(u, caller(i), random)) == choose_variant(w, caller(i), random);
  }
  CHECK(static_cast<double>(agree) / kCallers == doctest::Approx(0.5).epsilon(0.02 / 0.5));

  // Not sticky: random per call, so one caller sees both variants; the split still holds.
  t.sticky = false;
  int a_random = 0;
  for (int i = 0; i < kCallers; ++i) a_random += std::string(choose_variant(t, "+380501234567", random)) == "A";
  CHECK(a_random > 0);
  CHECK(a_random < kCallers);
  CHECK(static_cast<double>(a_random) / kCallers == doctest::Approx(0.3).epsilon(0.02 / 0.3));

  // A sticky test with an anonymous caller falls back to random rather than lumping them.
  t.sticky = true;
  int a_anon = 0;
  for (int i = 0; i < 2000; ++i) a_anon += std::string(choose_variant(t, "", random)) == "A";
  CHECK(a_anon > 400);
  CHECK(a_anon < 800);

  t.split = 0.0;
  CHECK(std::string(choose_variant(t, caller(1), random)) == "B");
  t.split = 1.0;
  CHECK(std::string(choose_variant(t, caller(1), random)) == "A");

  for (int i = 0; i < 1000; ++i) {
    const double x = sticky_point(9, caller(i));
    REQUIRE(x >= 0.0);
    REQUIRE(x < 1.0);
  }
}

TEST_CASE("assign from the database: the test's pinned prompt, else the default, and the call row records it") {
  TempDir dir;
  const std::string path = dir.file("p.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  Prompts p(*db);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const RandomSource random = [&] { return uniform(rng); };

  auto nothing = p.assign(caller(1), random);
  REQUIRE_FALSE(nothing.ok());
  CHECK(nothing.error().code == Errc::not_found);

  REQUIRE(p.add("main", "v1 text", "", kT0).ok());
  REQUIRE(p.add("main", "v2 text", "", kT0).ok());
  auto plain = p.assign(caller(1), random, "main");
  REQUIRE(plain.ok());
  CHECK(plain->test_id == 0);
  CHECK(plain->variant.empty());
  CHECK(plain->prompt.version == 2);

  auto t = p.start_test({"main", 1}, {"main", 2}, 0.5, true, "", kT0);
  REQUIRE(t.ok());
  int a = 0;
  for (int i = 0; i < 2000; ++i) {
    auto got = p.assign(caller(i), random, "main");
    REQUIRE(got.ok());
    REQUIRE(got->test_id == t->id);
    if (got->variant == "A") {
      ++a;
      REQUIRE(got->prompt.version == 1);
      REQUIRE(got->prompt.text == "v1 text");
    } else {
      REQUIRE(got->variant == "B");
      REQUIRE(got->prompt.version == 2);
    }
  }
  CHECK(a > 900);  // binomial(2000, 0.5): sd 22
  CHECK(a < 1100);

  auto journal = Journal::open(path, {.retention_interval = 0});
  REQUIRE(journal.ok());
  auto got = p.assign(caller(42), random, "main");
  REQUIRE(got.ok());
  CallInfo info;
  info.call_id = "call-42";
  info.caller_number = caller(42);
  info.started_at = kT0;
  record_assignment(*got, info);
  REQUIRE((*journal)->call_started(info));
  REQUIRE((*journal)->flush().ok());
  auto row = (*journal)->get("call-42");
  REQUIRE(row.ok());
  CHECK(row->call.info.prompt_name == "main");
  CHECK(row->call.info.prompt_version == got->prompt.version);
  CHECK(row->call.info.ab_test_id == t->id);
  CHECK(row->call.info.ab_variant == got->variant);
}

TEST_CASE("report: rates and means per variant with significance, checked against hand computations") {
  TempDir dir;
  const std::string path = dir.file("p.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  Prompts p(*db);
  REQUIRE(p.add("g", "A text", "", kT0).ok());
  REQUIRE(p.add("g", "B text", "", kT0).ok());
  auto t = p.start_test({"g", 1}, {"g", 2}, 0.5, false, "report", kT0);
  REQUIRE(t.ok());

  // Durations are Wikipedia's Welch example (seconds). A: 9 of 15 transferred, B: 3 of 15.
  const double a1[] = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
  const double a2[] = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};
  const double qa[] = {0.9, 0.95, 0.92, 0.91, 0.93};
  const double qb[] = {0.5, 0.55, 0.52, 0.51, 0.53};
  {
    auto j = Journal::open(path, {.retention_interval = 0});
    REQUIRE(j.ok());
    for (int i = 0; i < 15; ++i) {
      for (const char *variant : {"A", "B"}) {
        const bool is_a = variant[0] == 'A';
        CallInfo info;
        info.call_id = std::string(variant) + std::to_string(i);
        info.started_at = kT0 + i * 100'000;
        info.prompt_name = "g";
        info.prompt_version = is_a ? 1 : 2;
        info.ab_test_id = t->id;
        info.ab_variant = variant;
        REQUIRE((*j)->call_started(info));
        EndInfo end;
        end.ended_at = info.started_at + std::llround((is_a ? a1[i] : a2[i]) * 1000);
        end.outcome = (is_a ? i < 9 : i < 3) ? Outcome::transferred : Outcome::completed;
        if (i < 5) end.quality_score = is_a ? qa[i] : qb[i];
        REQUIRE((*j)->call_ended(info.call_id, end));
      }
    }
    // Not counted: an open call in the test, and a call outside any test.
    CallInfo open;
    open.call_id = "open";
    open.started_at = kT0;
    open.ab_test_id = t->id;
    open.ab_variant = "A";
    REQUIRE((*j)->call_started(open));
    CallInfo outside;
    outside.call_id = "outside";
    outside.started_at = kT0;
    REQUIRE((*j)->call_started(outside));
    REQUIRE((*j)->call_ended("outside", EndInfo{kT0 + 1000, Outcome::transferred, "", 0, {}, ""}));
    REQUIRE((*j)->close().ok());
  }

  auto r = p.report(t->id);
  REQUIRE(r.ok());
  CHECK(r->a.calls == 15);
  CHECK(r->b.calls == 15);
  CHECK(r->a.transferred == 9);
  CHECK(r->b.resolved == 12);
  CHECK(r->a.transfer_rate == doctest::Approx(0.6));
  CHECK(r->b.resolution_rate == doctest::Approx(0.8));
  CHECK(r->a.duration_s.mean == doctest::Approx(20.82));
  CHECK(r->a.quality.n == 5);
  REQUIRE(r->comparisons.size() == 4);

  // Transfer rate 9/15 against 3/15: pooled 12/30 = 0.4; SE = sqrt(0.4 * 0.6 * 2/15) = sqrt(0.032)
  // = 0.178885; z = 0.4 / 0.178885 = 2.236068 (= sqrt 5); p = erfc(sqrt(5/2)) = 0.0253473186775.
  const Comparison &transfer = r->comparisons[0];
  CHECK(transfer.metric == "transfer_rate");
  CHECK(transfer.result.statistic == doctest::Approx(std::sqrt(5.0)).epsilon(1e-12));
  CHECK(*transfer.result.p == doctest::Approx(0.0253473186775).epsilon(1e-9));
  CHECK(transfer.significant);
  const Comparison &resolution = r->comparisons[1];
  CHECK(resolution.result.statistic == doctest::Approx(-std::sqrt(5.0)).epsilon(1e-12));
  CHECK(resolution.significant);
  // Duration: Wikipedia's example again, t = -2.455, df = 24.99, p = 0.02138: significant.
  const Comparison &duration = r->comparisons[2];
  CHECK(duration.test == "Welch t");
  CHECK(duration.result.statistic == doctest::Approx(-2.45535639829).epsilon(1e-9));
  CHECK(duration.result.df == doctest::Approx(24.9885292902).epsilon(1e-9));
  CHECK(*duration.result.p == doctest::Approx(0.0213780014629).epsilon(1e-8));
  CHECK(duration.significant);
  // Quality: 5 scored calls each; t = 32.88, df = 8, p = 7.98e-10 (mpmath) — far below 0.05, but
  // not significant with fewer than 10 calls per variant.
  const Comparison &quality = r->comparisons[3];
  CHECK(quality.n_a == 5);
  CHECK(quality.result.statistic == doctest::Approx(32.8797974611).epsilon(1e-8));
  CHECK(*quality.result.p == doctest::Approx(7.98467488194e-10).epsilon(1e-6));
  CHECK_FALSE(quality.significant);

  const json::Value v = to_json(*r);
  CHECK(v["test"]["id"].as_int() == t->id);
  CHECK(v["variants"].items()[0]["prompt"].as_string() == "g@1");
  CHECK(v["comparisons"].items()[2]["significant"].as_bool());
  CHECK_FALSE(v["comparisons"].items()[3]["significant"].as_bool());

  auto latest = p.report();
  REQUIRE(latest.ok());
  CHECK(latest->test.id == t->id);
  auto missing = p.report(99);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("report: below 10 calls a variant is never significant, however small p is") {
  TempDir dir;
  const std::string path = dir.file("p.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  Prompts p(*db);
  REQUIRE(p.add("g", "x", "", kT0).ok());
  auto t = p.start_test({"g", 1}, {"g", 1}, 0.5, false, "", kT0);  // an A/A test is allowed
  REQUIRE(t.ok());
  {
    auto j = Journal::open(path, {.retention_interval = 0});
    REQUIRE(j.ok());
    for (int i = 0; i < 9; ++i) {
      for (const char *variant : {"A", "B"}) {
        CallInfo info;
        info.call_id = std::string(variant) + std::to_string(i);
        info.started_at = kT0;
        info.ab_test_id = t->id;
        info.ab_variant = variant;
        REQUIRE((*j)->call_started(info));
        const bool a = variant[0] == 'A';
        const EndInfo end{kT0 + (a ? 10'000 + i : 90'000 + i), a ? Outcome::completed : Outcome::transferred, "", 0, {}, ""};
        REQUIRE((*j)->call_ended(info.call_id, end));
      }
    }
  }
  auto r = p.report(t->id);
  REQUIRE(r.ok());
  for (const Comparison &c : r->comparisons) {
    if (c.metric == "quality") {
      CHECK_FALSE(c.result.p.has_value());  // nothing scored
    } else {
      REQUIRE(c.result.p.has_value());
      CHECK(*c.result.p < 0.001);
    }
    CHECK_FALSE(c.significant);
  }
}
