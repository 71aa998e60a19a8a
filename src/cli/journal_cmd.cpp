// callagent journal: reads the call journal — a list of calls, one call with its transcript and
// tool calls, or everything as JSON or CSV.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/clock.hpp"
#include "journal/journal.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kJournalOptions = {
    {"db", "FILE", "the journal file (default: $CALLAGENT_DB, else callagent.db here)"},
    {"since", "DATE", "calls started at or after DATE (UTC: 2026-03-01, 2026-03-01T09:30, or 7d / 12h ago)"},
    {"until", "DATE", "calls started before DATE"},
    {"caller", "NUMBER", "only this caller number"},
    {"outcome", "OUTCOME", "completed, transferred, abandoned or error"},
    {"limit", "N", "at most N calls, newest first (list: default 50; export: default all)"},
    {"format", "FORMAT", "export: json (calls with nested turns and tool calls) or csv (one row per call)"},
    {"output", "FILE", "export: write to FILE instead of standard output"},
    {"json", "", "list, show: print JSON instead of text"},
    {"help", "", "this text"},
};

constexpr const char *kJournalUsage =
    "callagent journal list [options]\n"
    "       callagent journal show CALL_ID [--json]\n"
    "       callagent journal export --format json|csv [options]";

constexpr const char *kJournalDescription =
    "Reads the call journal that `callagent serve` writes: every call with its caller, outcome,\n"
    "prompt version and A/B variant, cost and quality, what was said and the tools it used.\n"
    "  list    the most recent calls, one line each\n"
    "  show    one call: its details, then its turns and tool calls in time order\n"
    "  export  the selected calls as a JSON array or as CSV (RFC 4180)\n"
    "Times are UTC. Exit status: 0 done, 1 no such call or the journal cannot be read, 2 usage.";

// A DATE argument: an absolute UTC time, or "Nd" / "Nh" before now.
std::optional<journal::UnixMillis> parse_when(const std::string &text) {
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'h')) {
    char *end = nullptr;
    const long long n = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() + text.size() - 1 && n >= 0 && n < 100000) {
      const int64_t unit = text.back() == 'd' ? journal::kMillisPerDay : 3'600'000;
      return wall_millis() - n * unit;
    }
  }
  return journal::parse_utc(text);
}

int usage_error(const std::string &msg) {
  std::fprintf(stderr, "callagent journal: %s (see --help)\n", msg.c_str());
  return 2;
}

std::string prompt_label(const journal::CallInfo &c) {
  if (c.prompt_name.empty()) return "-";
  return c.prompt_version > 0 ? c.prompt_name + "@" + std::to_string(c.prompt_version) : c.prompt_name;
}

// "2026-03-01 09:30:00" from the ISO form, for columns.
std::string short_time(journal::UnixMillis t) {
  std::string s = journal::format_utc(t);
  return s.substr(0, 10) + " " + s.substr(11, 8);
}

void print_list(const std::vector<journal::CallRow> &rows) {
  std::printf("%-19s  %-24s  %-16s  %-11s  %7s  %5s  %-16s  %s\n", "STARTED (UTC)", "CALL", "CALLER", "OUTCOME",
              "SECONDS", "TURNS", "PROMPT", "A/B");
  for (const auto &r : rows) {
    const std::string dur =
        r.ended_at ? std::to_string((*r.ended_at - r.info.started_at) / 1000) : std::string("open");
    const std::string ab =
        r.info.ab_test_id != 0 ? std::to_string(r.info.ab_test_id) + "/" + r.info.ab_variant : std::string("-");
    std::printf("%-19s  %-24s  %-16s  %-11s  %7s  %5lld  %-16s  %s\n", short_time(r.info.started_at).c_str(),
                r.info.call_id.c_str(), r.info.caller_number.empty() ? "-" : r.info.caller_number.c_str(),
                r.outcome ? journal::outcome_name(*r.outcome) : "-", dur.c_str(), static_cast<long long>(r.turns),
                prompt_label(r.info).c_str(), ab.c_str());
  }
  if (rows.empty()) std::printf("(no calls)\n");
}

void print_call(const journal::CallDetail &d) {
  const auto &c = d.call;
  auto line = [](const char *k, const std::string &v) {
    if (!v.empty()) std::printf("%-10s %s\n", k, v.c_str());
  };
  line("call", c.info.call_id);
  line("uuid", c.info.uuid);
  line("tenant", c.info.tenant);
  line("caller", c.info.caller_number);
  line("called", c.info.called_number);
  line("channel", c.info.channel);
  line("started", journal::format_utc(c.info.started_at));
  if (c.ended_at) {
    char dur[64];
    std::snprintf(dur, sizeof dur, " (%.1f s)", static_cast<double>(*c.ended_at - c.info.started_at) / 1000.0);
    line("ended", journal::format_utc(*c.ended_at) + dur);
  } else {
    line("ended", "(still open)");
  }
  if (c.outcome) {
    line("outcome", std::string(journal::outcome_name(*c.outcome)) +
                        (c.transfer_reason.empty() ? "" : " (" + c.transfer_reason + ")"));
  }
  std::string prompt = prompt_label(c.info);
  if (c.info.ab_test_id != 0) prompt += ", A/B test " + std::to_string(c.info.ab_test_id) + " variant " + c.info.ab_variant;
  line("prompt", prompt);
  line("language", c.info.language);
  char num[64];
  std::snprintf(num, sizeof num, "$%.4f", c.cost_usd);
  line("cost", num);
  if (c.quality_score) {
    std::snprintf(num, sizeof num, "%.2f", *c.quality_score);
    line("quality", num);
  }
  line("turns", std::to_string(c.turns) + (d.turns.empty() && c.turns > 0 ? " (transcript deleted by retention)" : ""));
  std::printf("\n");

  // Turns and tool calls in time order; a turn goes before a tool call it started with.
  size_t ti = 0, ki = 0;
  while (ti < d.turns.size() || ki < d.tool_calls.size()) {
    const bool take_turn = ki == d.tool_calls.size() ||
                           (ti < d.turns.size() && d.turns[ti].started_at <= d.tool_calls[ki].started_at);
    if (take_turn) {
      const auto &t = d.turns[ti++];
      std::string who = journal::speaker_name(t.speaker);
      if (t.confidence) {
        std::snprintf(num, sizeof num, " (%.2f)", *t.confidence);
        who += num;
      }
      std::printf("[%s] %s: %s\n", journal::format_utc(t.started_at).substr(11, 12).c_str(), who.c_str(),
                  t.text.c_str());
    } else {
      const auto &k = d.tool_calls[ki++];
      std::printf("[%s] tool %s %s in %lld ms: %s -> %s\n", journal::format_utc(k.started_at).substr(11, 12).c_str(),
                  k.name.c_str(), k.ok ? "ok" : "FAILED", static_cast<long long>(k.duration_ms),
                  json::dump(k.arguments).c_str(), json::dump(k.result).c_str());
    }
  }
}

}  // namespace

int cmd_journal(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kJournalOptions)) return usage_error(args.error());
  if (args.has("help")) {
    std::fputs(format_help(kJournalUsage, kJournalDescription, kJournalOptions).c_str(), stdout);
    return 0;
  }
  const auto &pos = args.positional();
  if (pos.empty()) return usage_error("expected list, show or export");
  const std::string &sub = pos[0];

  journal::ListFilter filter;
  for (const char *name : {"since", "until"}) {
    if (auto v = args.get(name)) {
      auto t = parse_when(*v);
      if (!t) {
        return usage_error("--" + std::string(name) + " must be a date like 2026-03-01 or 2026-03-01T09:30, or 7d, not \"" +
                           *v + "\"");
      }
      (std::string(name) == "since" ? filter.since : filter.until) = *t;
    }
  }
  if (auto v = args.get("caller")) filter.caller = *v;
  if (auto v = args.get("outcome")) {
    filter.outcome = journal::parse_outcome(*v);
    if (!filter.outcome) return usage_error("--outcome must be completed, transferred, abandoned or error");
  }
  filter.limit = sub == "list" ? 50 : 0;
  if (!args.get_int("limit", 1, 100'000'000, filter.limit)) return usage_error(args.error());

  const std::string path = args.get("db").value_or(journal::default_db_path());
  auto opened = journal::Db::open(path, {.create = false});
  auto open_error = [&] {
    std::fprintf(stderr, "callagent journal: %s\n", opened.error().message.c_str());
    return 1;
  };

  if (sub == "list") {
    if (pos.size() != 1) return usage_error("list takes no arguments");
    if (!opened) return open_error();
    auto rows = journal::list_calls(*opened, filter);
    if (!rows) {
      std::fprintf(stderr, "callagent journal: %s\n", rows.error().message.c_str());
      return 1;
    }
    if (args.has("json")) {
      json::Value arr = json::Value::array();
      for (const auto &r : *rows) {
        json::Value v = journal::to_json(journal::CallDetail{r, {}, {}});
        v.erase("turns");
        v.erase("tool_calls");
        arr.push(std::move(v));
      }
      std::printf("%s\n", json::dump(arr).c_str());
    } else {
      print_list(*rows);
    }
    return 0;
  }
  if (sub == "show") {
    if (pos.size() != 2) return usage_error("show takes one CALL_ID");
    if (!opened) return open_error();
    auto d = journal::get_call(*opened, pos[1]);
    if (!d) {
      std::fprintf(stderr, "callagent journal: %s\n", d.error().message.c_str());
      return 1;
    }
    if (args.has("json")) std::printf("%s\n", json::dump(journal::to_json(*d)).c_str());
    else print_call(*d);
    return 0;
  }
  if (sub == "export") {
    if (pos.size() != 1) return usage_error("export takes no arguments");
    const std::string format = args.get("format").value_or("");
    if (format != "json" && format != "csv") return usage_error("export needs --format json or --format csv");
    if (!opened) return open_error();
    std::ofstream file;
    std::ostream *out = &std::cout;
    if (auto f = args.get("output")) {
      file.open(*f, std::ios::binary | std::ios::trunc);
      if (!file) {
        std::fprintf(stderr, "callagent journal: cannot write %s\n", f->c_str());
        return 1;
      }
      out = &file;
    }
    auto r = format == "json" ? journal::export_json(*opened, filter, *out) : journal::export_csv(*opened, filter, *out);
    if (!r) {
      std::fprintf(stderr, "callagent journal: %s\n", r.error().message.c_str());
      return 1;
    }
    return 0;
  }
  return usage_error("unknown journal command \"" + sub + "\"; expected list, show or export");
}

}  // namespace ca::cli
