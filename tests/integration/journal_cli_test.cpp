// `callagent journal` and `callagent prompts` as processes, on a journal file written through the
// library: what an operator reads must be what the host wrote.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.hpp"
#include "journal/journal.hpp"
#include "journal/prompts.hpp"
#include "support/process.hpp"

using namespace ca;
using namespace ca::journal;

namespace {

const std::string kCli = CALLAGENT_CLI_PATH;
constexpr UnixMillis kT0 = 1772323200000;  // 2026-03-01T00:00:00Z

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/callagent-jcli-XXXXXX";
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

struct Run {
  int code;
  std::string out, err;
};

Run run(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  test::Process p(std::move(args));
  const int code = p.wait();
  return {code, p.out(), p.err()};
}

bool has(const std::string &text, const std::string &needle) { return text.find(needle) != std::string::npos; }

// A journal with an A/B test between two prompt versions, 24 calls in it (12 per variant; A
// transfers 10, B 2) and one call with a transcript, a tool call and awkward text.
void write_fixture(const std::string &path) {
  auto db = Db::open(path);
  REQUIRE(db.ok());
  Prompts prompts(*db);
  REQUIRE(prompts.add("greeting", "Ти — Олена.", "first", kT0).ok());
  REQUIRE(prompts.add("greeting", "Ти — Олена, коротко.", "shorter", kT0).ok());
  auto test = prompts.start_test({"greeting", 1}, {"greeting", 2}, 0.5, true, "shorter", kT0);
  REQUIRE(test.ok());

  auto j = Journal::open(path, {.retention_interval = 0});
  REQUIRE(j.ok());
  for (int i = 0; i < 12; ++i) {
    for (const char *variant : {"A", "B"}) {
      const bool a = variant[0] == 'A';
      CallInfo info;
      info.call_id = std::string("ab-") + variant + std::to_string(i);
      info.caller_number = "+38050" + std::to_string(1000000 + i);
      info.started_at = kT0 + i * 600'000;
      info.prompt_name = "greeting";
      info.prompt_version = a ? 1 : 2;
      info.ab_test_id = test->id;
      info.ab_variant = variant;
      REQUIRE((*j)->call_started(info));
      EndInfo end;
      end.ended_at = info.started_at + (a ? 90'000 : 60'000) + i * 1000;
      end.outcome = (a ? i < 10 : i < 2) ? Outcome::transferred : Outcome::completed;
      REQUIRE((*j)->call_ended(info.call_id, end));
    }
  }
  CallInfo info;
  info.call_id = "main-1";
  info.uuid = "0c1e7a52-0000-4000-8000-000000000001";
  info.caller_number = "+380671234567";
  info.tenant = "tyres, \"west\"";
  info.started_at = kT0 + 86'400'000;  // 2026-03-02
  REQUIRE((*j)->call_started(info));
  TurnRecord t1;
  t1.speaker = Speaker::bot;
  t1.text = "Добрий день! Чим допомогти?";
  t1.started_at = info.started_at + 200;
  REQUIRE((*j)->turn("main-1", t1));
  TurnRecord t2;
  t2.speaker = Speaker::caller;
  t2.text = "Чи є зимові шини 205/55 R16?";
  t2.confidence = 0.91;
  t2.started_at = info.started_at + 4000;
  REQUIRE((*j)->turn("main-1", t2));
  ToolCallRecord tool;
  tool.name = "check_stock";
  tool.arguments = json::Value().set("size", "205/55 R16");
  tool.result = json::Value().set("qty", 12);
  tool.duration_ms = 140;
  tool.started_at = info.started_at + 5000;
  REQUIRE((*j)->tool_call("main-1", tool));
  EndInfo end;
  end.ended_at = info.started_at + 61'000;
  end.outcome = Outcome::transferred;
  end.transfer_reason = "wants a person, now";
  end.cost_usd = 0.081;
  REQUIRE((*j)->call_ended("main-1", end));
  REQUIRE((*j)->close().ok());
}

}  // namespace

TEST_CASE("journal list, show and export read what the library wrote") {
  TempDir dir;
  const std::string db = dir.file("calls.db");
  write_fixture(db);

  Run list = run({"journal", "list", "--db", db});
  REQUIRE(list.code == 0);
  CHECK(has(list.out, "main-1"));
  CHECK(has(list.out, "ab-A11"));
  CHECK(has(list.out, "greeting@2"));
  CHECK(list.out.find("main-1") < list.out.find("ab-A11"));  // newest first

  Run newest = run({"journal", "list", "--db", db, "--limit", "1"});
  REQUIRE(newest.code == 0);
  CHECK(has(newest.out, "main-1"));
  CHECK_FALSE(has(newest.out, "ab-"));

  Run since = run({"journal", "list", "--db", db, "--since", "2026-03-02", "--json"});
  REQUIRE(since.code == 0);
  auto since_json = json::parse(since.out);
  REQUIRE(since_json.ok());
  REQUIRE(since_json->size() == 1);
  CHECK(since_json->items()[0]["call_id"].as_string() == "main-1");

  Run by_caller = run({"journal", "list", "--db", db, "--caller", "+380501000003", "--json"});
  REQUIRE(by_caller.code == 0);
  auto caller_json = json::parse(by_caller.out);
  REQUIRE(caller_json.ok());
  CHECK(caller_json->size() == 2);  // that caller's A and B calls

  Run show = run({"journal", "show", "main-1", "--db", db});
  REQUIRE(show.code == 0);
  CHECK(has(show.out, "+380671234567"));
  CHECK(has(show.out, "transferred (wants a person, now)"));
  CHECK(has(show.out, "bot: Добрий день! Чим допомогти?"));
  CHECK(has(show.out, "caller (0.91): Чи є зимові шини 205/55 R16?"));
  CHECK(has(show.out, "tool check_stock ok in 140 ms"));
  CHECK(show.out.find("caller (0.91)") < show.out.find("tool check_stock"));  // time order

  Run missing = run({"journal", "show", "nope", "--db", db});
  CHECK(missing.code == 1);
  CHECK(has(missing.err, "no call nope"));

  Run exported = run({"journal", "export", "--format", "json", "--db", db});
  REQUIRE(exported.code == 0);
  auto all = json::parse(exported.out);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 25);
  const json::Value &main = all->items()[0];
  CHECK(main["call_id"].as_string() == "main-1");
  CHECK(main["tenant"].as_string() == "tyres, \"west\"");
  REQUIRE(main["turns"].size() == 2);
  CHECK(main["turns"].items()[1]["confidence"].as_double() == doctest::Approx(0.91));
  CHECK(main["tool_calls"].items()[0]["result"]["qty"].as_int() == 12);
  CHECK(main["duration_s"].as_double() == doctest::Approx(61.0));

  const std::string csv_path = dir.file("calls.csv");
  Run csv = run({"journal", "export", "--format", "csv", "--db", db, "--since", "2026-03-02", "--output", csv_path});
  REQUIRE(csv.code == 0);
  std::ifstream in(csv_path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  CHECK(text.rfind("call_id,uuid,tenant,", 0) == 0);
  CHECK(has(text, "\r\nmain-1,0c1e7a52-0000-4000-8000-000000000001,\"tyres, \"\"west\"\"\",+380671234567,"));
  CHECK(has(text, ",transferred,\"wants a person, now\","));
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);  // header and one call

  Run no_format = run({"journal", "export", "--db", db});
  CHECK(no_format.code == 2);
  CHECK(has(no_format.err, "--format"));
  Run bad_date = run({"journal", "list", "--db", db, "--since", "last tuesday"});
  CHECK(bad_date.code == 2);
  Run no_file = run({"journal", "list", "--db", dir.file("absent.db")});
  CHECK(no_file.code == 1);
  CHECK(has(no_file.err, "no journal at"));
  CHECK_FALSE(std::filesystem::exists(dir.file("absent.db")));
}

TEST_CASE("the journal file comes from $CALLAGENT_DB when --db is not given") {
  TempDir dir;
  const std::string db = dir.file("env.db");
  write_fixture(db);
  ::setenv("CALLAGENT_DB", db.c_str(), 1);
  Run list = run({"journal", "list"});
  ::unsetenv("CALLAGENT_DB");
  REQUIRE(list.code == 0);
  CHECK(has(list.out, "main-1"));
}

TEST_CASE("prompts: add, show, list, ab-start, report, ab-stop") {
  TempDir dir;
  const std::string db = dir.file("calls.db");
  write_fixture(db);

  const std::string prompt_file = dir.file("sales.txt");
  std::ofstream(prompt_file) << "Ти — Олена з шинного магазину.\nВідповідай коротко.\n";
  Run add = run({"prompts", "add", "sales", "--file", prompt_file, "--note", "new persona", "--db", db});
  REQUIRE(add.code == 0);
  CHECK(has(add.out, "added sales@1"));
  Run add2 = run({"prompts", "add", "sales", "--file", prompt_file, "--db", db});
  REQUIRE(add2.code == 0);
  CHECK(has(add2.out, "added sales@2"));
  Run no_text = run({"prompts", "add", "sales", "--file", dir.file("nope.txt"), "--db", db});
  CHECK(no_text.code == 1);

  Run show = run({"prompts", "show", "sales@1", "--db", db});
  REQUIRE(show.code == 0);
  CHECK(show.out == "Ти — Олена з шинного магазину.\nВідповідай коротко.\n");
  Run show_missing = run({"prompts", "show", "sales@9", "--db", db});
  CHECK(show_missing.code == 1);
  CHECK(has(show_missing.err, "no prompt sales@9"));

  Run list = run({"prompts", "list", "--db", db});
  REQUIRE(list.code == 0);
  CHECK(has(list.out, "greeting@2"));
  CHECK(has(list.out, "sales@2"));
  CHECK(has(list.out, "new persona"));
  CHECK(has(list.out, "test 1 \"shorter\": A greeting@1, B greeting@2, split 0.50 to A, sticky, active"));

  // The fixture's test: A transfers 10 of 12, B 2 of 12. Pooled 12/24 = 0.5, SE = sqrt(0.25 *
  // 2/12) = 0.204124, z = (10/12 - 2/12) / SE = 3.265986, p = erfc(z / sqrt 2) = 0.001091.
  Run report = run({"prompts", "report", "1", "--db", db});
  REQUIRE(report.code == 0);
  CHECK(has(report.out, "transfer rate"));
  CHECK(has(report.out, "0.833"));
  CHECK(has(report.out, "z 3.266, p 0.0011  *"));
  Run report_json = run({"prompts", "report", "--json", "--db", db});
  REQUIRE(report_json.code == 0);
  auto r = json::parse(report_json.out);
  REQUIRE(r.ok());
  CHECK((*r)["test"]["id"].as_int() == 1);
  CHECK((*r)["variants"].items()[0]["calls"].as_int() == 12);
  const json::Value &transfer = (*r)["comparisons"].items()[0];
  CHECK(transfer["metric"].as_string() == "transfer_rate");
  CHECK(transfer["p"].as_double() == doctest::Approx(0.0010909).epsilon(1e-3));
  CHECK(transfer["significant"].as_bool());

  Run start = run({"prompts", "ab-start", "sales@1", "sales", "--split", "0.2", "--db", db});
  REQUIRE(start.code == 0);
  CHECK(has(start.out, "stopped test 1"));
  CHECK(has(start.out, "started test 2: A sales@1, B sales@2, split 0.20 to A, active"));
  Run bad_split = run({"prompts", "ab-start", "sales@1", "sales", "--split", "1.5", "--db", db});
  CHECK(bad_split.code == 2);
  Run latest = run({"prompts", "report", "--db", db});
  REQUIRE(latest.code == 0);
  CHECK(has(latest.out, "A/B test 2"));
  Run stop = run({"prompts", "ab-stop", "--db", db});
  REQUIRE(stop.code == 0);
  CHECK(has(stop.out, "stopped test 2"));
  Run stop_again = run({"prompts", "ab-stop", "--db", db});
  REQUIRE(stop_again.code == 0);
  CHECK(has(stop_again.out, "no active test"));
  Run no_test = run({"prompts", "report", "7", "--db", db});
  CHECK(no_test.code == 1);
  CHECK(has(no_test.err, "no A/B test 7"));
}

TEST_CASE("--help says what each command does; usage errors exit 2") {
  Run jh = run({"journal", "--help"});
  CHECK(jh.code == 0);
  CHECK(has(jh.out, "usage: callagent journal list"));
  CHECK(has(jh.out, "Reads the call journal"));
  CHECK(has(jh.out, "--format FORMAT"));
  Run ph = run({"prompts", "--help"});
  CHECK(ph.code == 0);
  CHECK(has(ph.out, "ab-start"));
  CHECK(has(ph.out, "Welch"));
  Run top = run({"--help"});
  CHECK(top.code == 0);
  CHECK(has(top.out, "journal"));
  CHECK(has(top.out, "prompts"));
  CHECK(run({"journal"}).code == 2);
  CHECK(run({"journal", "frobnicate"}).code == 2);
  CHECK(run({"prompts", "dance"}).code == 2);
  CHECK(run({"journal", "list", "--bogus"}).code == 2);
}
