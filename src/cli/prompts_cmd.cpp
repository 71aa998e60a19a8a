// callagent prompts: prompt versions and A/B tests in the journal file, and the report that
// compares a test's variants on the calls they ran.
#include <cmath>
#include <cstdio>
#include <optional>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/clock.hpp"
#include "journal/prompts.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kPromptsOptions = {
    {"db", "FILE", "the journal file (default: $CALLAGENT_DB, else callagent.db here)"},
    {"file", "FILE", "add: the prompt text (- for standard input)"},
    {"note", "TEXT", "add: what changed in this version"},
    {"split", "SHARE", "ab-start: the share of calls that get A, 0..1 (default 0.5)"},
    {"sticky", "", "ab-start: a caller keeps one variant for the whole test (by caller number)"},
    {"name", "TEXT", "ab-start: a name for the test"},
    {"json", "", "report: print JSON instead of text"},
    {"help", "", "this text"},
};

constexpr const char *kPromptsUsage =
    "callagent prompts list\n"
    "       callagent prompts add NAME --file FILE [--note TEXT]\n"
    "       callagent prompts show NAME[@VERSION]\n"
    "       callagent prompts ab-start NAME_A[@V] NAME_B[@V] [--split 0.5] [--sticky] [--name TEXT]\n"
    "       callagent prompts ab-stop\n"
    "       callagent prompts report [TEST_ID] [--json]";

constexpr const char *kPromptsDescription =
    "Manages system-prompt versions and A/B tests in the journal file. Versions are numbered per\n"
    "name from 1 and never change once added; every journaled call records the version it ran.\n"
    "  list      every version, then every A/B test\n"
    "  add       adds the next version of NAME from a file\n"
    "  show      prints a version's text (the latest without @VERSION)\n"
    "  ab-start  starts an A/B test between two versions (the latest where no @V is given),\n"
    "            stopping the active one; --split is A's share of calls\n"
    "  ab-stop   stops the active test\n"
    "  report    compares the variants of a test (default: the latest) on their ended calls:\n"
    "            transfer and resolution rates (two-proportion z-test), mean duration and mean\n"
    "            quality (Welch's t-test); significant means p < 0.05 with at least 10 calls each\n"
    "Exit status: 0 done, 1 not found or the file cannot be used, 2 usage.";

int usage_error(const std::string &msg) {
  std::fprintf(stderr, "callagent prompts: %s (see --help)\n", msg.c_str());
  return 2;
}

int fail(const Error &e) {
  std::fprintf(stderr, "callagent prompts: %s\n", e.message.c_str());
  return 1;
}

std::string test_line(const journal::AbTest &t) {
  char split[32];
  std::snprintf(split, sizeof split, "%.2f", t.split);
  std::string s = "test " + std::to_string(t.id) + (t.name.empty() ? "" : " \"" + t.name + "\"") + ": A " +
                  journal::to_string(t.a) + ", B " + journal::to_string(t.b) + ", split " + split + " to A" +
                  (t.sticky ? ", sticky" : "") + ", " + (t.active ? "active" : "stopped") + " (started " +
                  journal::format_utc(t.started_at);
  if (t.stopped_at) s += ", stopped " + journal::format_utc(*t.stopped_at);
  return s + ")";
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The whole of a file, or of standard input for "-"; nullopt when it cannot be read.
std::optional<std::string> read_all(const std::string &path) {
  std::FILE *f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string text;
  char buf[8192];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) return std::nullopt;
  return text;
}

void print_report(const journal::AbReport &r) {
  std::printf("A/B %s\n\n", test_line(r.test).c_str());
  std::printf("%-18s %-22s %-22s %s\n", "", ("A " + journal::to_string(r.a.prompt)).c_str(),
              ("B " + journal::to_string(r.b.prompt)).c_str(), "test");
  std::printf("%-18s %-22lld %-22lld\n", "calls", static_cast<long long>(r.a.calls), static_cast<long long>(r.b.calls));
  bool any_small = false;
  for (const auto &c : r.comparisons) {
    std::string label, va, vb;
    if (c.metric == "transfer_rate" || c.metric == "resolution_rate") {
      label = c.metric == "transfer_rate" ? "transfer rate" : "resolution rate";
      va = fixed(c.a, 3);
      vb = fixed(c.b, 3);
    } else {
      const bool q = c.metric == "quality";
      label = q ? "mean quality" : "mean duration s";
      const auto &sa = q ? r.a.quality : r.a.duration_s;
      const auto &sb = q ? r.b.quality : r.b.duration_s;
      const int f = q ? 3 : 1;
      va = fixed(sa.mean, f) + " ±" + fixed(std::sqrt(sa.variance), f) + " (n " + std::to_string(sa.n) + ")";
      vb = fixed(sb.mean, f) + " ±" + fixed(std::sqrt(sb.variance), f) + " (n " + std::to_string(sb.n) + ")";
      if (sa.n == 0) va = "-";
      if (sb.n == 0) vb = "-";
    }
    std::string test;
    if (c.result.p) {
      test = c.test == "Welch t" ? "t " + fixed(c.result.statistic, 3) + ", df " + fixed(c.result.df, 1)
                                 : "z " + fixed(c.result.statistic, 3);
      test += ", p " + fixed(*c.result.p, 4);
      if (c.significant) test += "  *";
      else if (*c.result.p < journal::kSignificanceLevel) {
        test += "  (too few calls)";
        any_small = true;
      }
    } else {
      test = "not computable";
    }
    std::printf("%-18s %-22s %-22s %s\n", label.c_str(), va.c_str(), vb.c_str(), test.c_str());
  }
  std::printf("\n* significant at p < %.2f with at least %lld calls in each variant\n", journal::kSignificanceLevel,
              static_cast<long long>(journal::kMinCallsPerVariant));
  if (any_small) {
    std::printf("  (too few calls): p < %.2f, but a variant has fewer calls than that\n", journal::kSignificanceLevel);
  }
}

}  // namespace

int cmd_prompts(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kPromptsOptions)) return usage_error(args.error());
  if (args.has("help")) {
    std::fputs(format_help(kPromptsUsage, kPromptsDescription, kPromptsOptions).c_str(), stdout);
    return 0;
  }
  const auto &pos = args.positional();
  if (pos.empty()) return usage_error("expected list, add, show, ab-start, ab-stop or report");
  const std::string &sub = pos[0];
  const bool writes = sub == "add" || sub == "ab-start" || sub == "ab-stop";
  if (sub != "list" && sub != "show" && sub != "report" && !writes) {
    return usage_error("unknown prompts command \"" + sub + "\"");
  }

  // Check the arguments before touching the file, so a typo creates nothing.
  std::string text;
  double split = 0.5;
  if (sub == "add") {
    if (pos.size() != 2) return usage_error("add takes one NAME");
    auto file = args.get("file");
    if (!file) return usage_error("add needs --file FILE");
    auto content = read_all(*file);
    if (!content) {
      std::fprintf(stderr, "callagent prompts: cannot read %s\n", file->c_str());
      return 1;
    }
    text = std::move(*content);
  } else if (sub == "show") {
    if (pos.size() != 2) return usage_error("show takes one NAME[@VERSION]");
  } else if (sub == "ab-start") {
    if (pos.size() != 3) return usage_error("ab-start takes NAME_A[@V] NAME_B[@V]");
    if (!args.get_double("split", 0.0, 1.0, split)) return usage_error(args.error());
  } else if (sub == "report") {
    if (pos.size() > 2) return usage_error("report takes at most one TEST_ID");
  } else if (pos.size() != 1) {
    return usage_error(sub + " takes no arguments");
  }

  const std::string path = args.get("db").value_or(journal::default_db_path());
  auto db = journal::Db::open(path, {.create = writes});
  if (!db) return fail(db.error());
  journal::Prompts prompts(*db);
  const journal::UnixMillis now = wall_millis();

  if (sub == "list") {
    auto versions = prompts.list();
    if (!versions) return fail(versions.error());
    if (versions->empty()) std::printf("(no prompts)\n");
    for (const auto &v : *versions) {
      std::printf("%-24s %s  %6zu chars  %s\n", (v.name + "@" + std::to_string(v.version)).c_str(),
                  journal::format_utc(v.created_at).c_str(), v.text.size(), v.note.c_str());
    }
    auto tests = prompts.tests();
    if (!tests) return fail(tests.error());
    if (!tests->empty()) std::printf("\nA/B tests:\n");
    for (const auto &t : *tests) std::printf("  %s\n", test_line(t).c_str());
    return 0;
  }
  if (sub == "add") {
    auto v = prompts.add(pos[1], text, args.get("note").value_or(""), now);
    if (!v) return fail(v.error());
    std::printf("added %s@%lld (%zu chars)\n", v->name.c_str(), static_cast<long long>(v->version), v->text.size());
    return 0;
  }
  if (sub == "show") {
    auto ref = journal::parse_prompt_ref(pos[1]);
    if (!ref) return usage_error(ref.error().message);
    auto v = prompts.get(ref->name, ref->version);
    if (!v) return fail(v.error());
    std::fputs(v->text.c_str(), stdout);
    if (!v->text.empty() && v->text.back() != '\n') std::fputs("\n", stdout);
    return 0;
  }
  if (sub == "ab-start") {
    auto a = journal::parse_prompt_ref(pos[1]);
    if (!a) return usage_error(a.error().message);
    auto b = journal::parse_prompt_ref(pos[2]);
    if (!b) return usage_error(b.error().message);
    auto before = prompts.active_test();
    if (!before) return fail(before.error());
    auto t = prompts.start_test(*a, *b, split, args.has("sticky"), args.get("name").value_or(""), now);
    if (!t) return fail(t.error());
    if (*before) std::printf("stopped test %lld\n", static_cast<long long>((*before)->id));
    std::printf("started %s\n", test_line(*t).c_str());
    return 0;
  }
  if (sub == "ab-stop") {
    auto t = prompts.stop_test(now);
    if (!t) return fail(t.error());
    if (!*t) {
      std::printf("no active test\n");
      return 0;
    }
    std::printf("stopped %s\n", test_line(**t).c_str());
    return 0;
  }
  // report
  int64_t id = 0;
  if (pos.size() == 2) {
    char *end = nullptr;
    id = std::strtoll(pos[1].c_str(), &end, 10);
    if (pos[1].empty() || *end != '\0' || id <= 0) return usage_error("TEST_ID must be a positive integer");
  }
  auto r = prompts.report(id);
  if (!r) return fail(r.error());
  if (args.has("json")) std::printf("%s\n", json::dump(journal::to_json(*r)).c_str());
  else print_report(*r);
  return 0;
}

}  // namespace ca::cli
