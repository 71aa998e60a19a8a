#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <date/date.h>
#include <date/tz.h>

#include "tools/working_hours.hpp"

using ca::tools::WorkingHours;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

// Europe/Kyiv: EET (UTC+2) in winter, EEST (UTC+3) from 2026-03-29 03:00 local (→ 04:00)
// to 2026-10-25 04:00 local (→ 03:00). 2026-03-23, 2026-03-30, 2026-10-19 and 2026-10-26 are
// Mondays; 2026-03-29 and 2026-10-25 Sundays.
TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return date::sys_days{date::year{y} / date::month{mo} / date::day{d}} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{s};
}

std::string show(const std::optional<WorkingHours::LocalMinutes> &t) {
  return t ? date::format("%F %R", *t) : std::string("none");
}

constexpr const char *kShop =
    R"({"timezone":"Europe/Kyiv","mon":{"start":"09:00","end":"18:00"},"tue":{"start":"09:00","end":"18:00"},)"
    R"("wed":{"start":"09:00","end":"18:00"},"thu":{"start":"09:00","end":"18:00"},"fri":{"start":"09:00","end":"18:00"},)"
    R"("sat":{"start":"10:00","end":"16:00"},"sun":null})";

constexpr const char *kWeekdays =
    R"({"timezone":"Europe/Kyiv","mon":{"start":"09:00","end":"18:00"},"tue":{"start":"09:00","end":"18:00"},)"
    R"("wed":{"start":"09:00","end":"18:00"},"thu":{"start":"09:00","end":"18:00"},"fri":{"start":"09:00","end":"18:00"}})";

WorkingHours load(const char *json) {
  auto wh = WorkingHours::parse(json);
  if (!wh.ok()) FAIL(json, ": ", wh.error().message);
  return *wh;
}

std::string parse_error(const char *json) {
  auto wh = WorkingHours::parse(json);
  if (wh.ok()) return "parsed";
  CHECK(wh.error().code == ca::Errc::config);
  return wh.error().message;
}

}  // namespace

TEST_CASE("parse: the stored shape, days and zone") {
  const WorkingHours wh = load(kShop);
  CHECK_FALSE(wh.always_open());
  CHECK(wh.timezone() == "Europe/Kyiv");
  REQUIRE(wh.day(0).has_value());
  CHECK(wh.day(0)->start == 9 * 60);
  CHECK(wh.day(0)->end == 18 * 60);
  CHECK(wh.day(5)->start == 10 * 60);
  CHECK_FALSE(wh.day(6).has_value());
  // Missing days are closed, like null ones.
  const WorkingHours weekdays = load(kWeekdays);
  CHECK_FALSE(weekdays.day(5).has_value());
  CHECK_FALSE(weekdays.day(6).has_value());
  // No zone given: the shop's own.
  CHECK(load(R"({"mon":{"start":"09:00","end":"18:00"}})").timezone() == "Europe/Kyiv");
  // "24:00" closes at midnight.
  CHECK(load(R"({"timezone":"Europe/Kyiv","fri":{"start":"20:00","end":"24:00"}})").day(4)->end == 24 * 60);
}

TEST_CASE("parse: null, empty or absent means 24/7") {
  for (const char *text : {"null", "{}", "", "  \n", " { } "}) {
    CAPTURE(text);
    const WorkingHours wh = load(text);
    CHECK(wh.always_open());
    CHECK(wh.timezone().empty());
    CHECK(wh.is_open(utc(2026, 3, 29, 1, 30)));  // a Sunday night across the DST jump
    CHECK(wh.is_open(utc(2026, 12, 31, 23, 59)));
    CHECK_FALSE(wh.next_opening(utc(2026, 3, 29, 1, 30)).has_value());
    CHECK(wh.describe("uk") == "цілодобово");
    CHECK(wh.describe("ru") == "круглосуточно");
    CHECK(wh.describe("en") == "24/7");
    CHECK(wh.describe_next_opening(utc(2026, 3, 29, 1, 30), "uk").empty());
    CHECK(wh.describe_after_hours(utc(2026, 3, 29, 1, 30), "uk") == "Ми працюємо цілодобово.");
  }
  CHECK(WorkingHours().always_open());
  CHECK(WorkingHours::from_json(ca::json::Value()).value().always_open());
}

TEST_CASE("parse: invalid input is refused with a clear error") {
  CHECK(parse_error(R"({"timezone":"Europe/Kyiv","mon":{"start":"9:00","end":"18:00"}})").find("\"mon\".start must be a time HH:MM") != std::string::npos);
  CHECK(parse_error(R"({"mon":{"start":"25:00","end":"26:00"}})").find("\"mon\".start") != std::string::npos);
  CHECK(parse_error(R"({"mon":{"start":"09:60","end":"18:00"}})").find("\"mon\".start") != std::string::npos);
  CHECK(parse_error(R"({"mon":{"start":"24:00","end":"24:00"}})").find("\"mon\".start") != std::string::npos);
  CHECK(parse_error(R"({"tue":{"start":"09:00","end":"18:0"}})").find("\"tue\".end must be a time HH:MM") != std::string::npos);
  CHECK(parse_error(R"({"tue":{"start":"09:00","end":"24:30"}})").find("\"tue\".end") != std::string::npos);
  CHECK(parse_error(R"({"wed":{"start":"09:00","end":900}})").find("\"wed\".end") != std::string::npos);
  CHECK(parse_error(R"({"thu":{"start":"18:00","end":"09:00"}})").find("\"thu\" ends at 09:00, not after its start 18:00") != std::string::npos);
  CHECK(parse_error(R"({"fri":{"start":"09:00","end":"09:00"}})").find("not after its start") != std::string::npos);
  CHECK(parse_error(R"({"sat":{"start":"10:00"}})").find("\"sat\" needs both") != std::string::npos);
  CHECK(parse_error(R"({"sat":{"start":"10:00","end":"16:00","lunch":"13:00"}})").find("unknown key \"lunch\"") != std::string::npos);
  CHECK(parse_error(R"({"sun":"10:00-16:00"})").find("\"sun\" must be null (closed) or") != std::string::npos);
  CHECK(parse_error(R"({"monday":{"start":"09:00","end":"18:00"}})").find("unknown key \"monday\"") != std::string::npos);
  CHECK(parse_error(R"({"timezone":"Europe/Atlantis","mon":null})").find("unknown time zone \"Europe/Atlantis\"") != std::string::npos);
  CHECK(parse_error(R"({"timezone":3,"mon":null})").find("\"timezone\" must be") != std::string::npos);
  CHECK(parse_error(R"({"timezone":"Europe/Kyiv"})").find("no day is given") != std::string::npos);
  CHECK(parse_error("[1,2]").find("expected an object") != std::string::npos);
  CHECK(parse_error("\"24/7\"").find("expected an object") != std::string::npos);
  CHECK(parse_error("{\"mon\":").find("working hours:") == 0);
}

TEST_CASE("is_open: start inclusive, end exclusive, at minute precision") {
  const WorkingHours wh = load(kShop);
  // Monday 2026-03-23, winter time (UTC+2).
  CHECK_FALSE(wh.is_open(utc(2026, 3, 23, 6, 59, 59)));  // 08:59:59
  CHECK(wh.is_open(utc(2026, 3, 23, 7, 0)));              // 09:00
  CHECK(wh.is_open(utc(2026, 3, 23, 15, 59, 59)));        // 17:59:59
  CHECK_FALSE(wh.is_open(utc(2026, 3, 23, 16, 0)));       // 18:00
  // Saturday 10:00–16:00, Sunday closed all day.
  CHECK_FALSE(wh.is_open(utc(2026, 3, 28, 7, 59)));  // 09:59
  CHECK(wh.is_open(utc(2026, 3, 28, 8, 0)));         // 10:00
  CHECK_FALSE(wh.is_open(utc(2026, 3, 28, 14, 0)));  // 16:00
  CHECK_FALSE(wh.is_open(utc(2026, 3, 22, 9, 0)));   // Sunday 11:00
  CHECK_FALSE(wh.is_open(utc(2026, 3, 22, 22, 0)));  // Monday 00:00 local, still night
  // The local day, not the UTC day, decides: Sunday 23:30 UTC is Monday 01:30 in Kyiv.
  const WorkingHours night = load(R"({"timezone":"Europe/Kyiv","mon":{"start":"00:00","end":"02:00"}})");
  CHECK(night.is_open(utc(2026, 3, 22, 23, 30)));
  CHECK_FALSE(night.is_open(utc(2026, 3, 23, 23, 30)));  // Tuesday 01:30
  const WorkingHours late = load(R"({"timezone":"Europe/Kyiv","fri":{"start":"20:00","end":"24:00"}})");
  CHECK(late.is_open(utc(2026, 3, 27, 21, 59)));        // Friday 23:59
  CHECK_FALSE(late.is_open(utc(2026, 3, 27, 22, 0)));   // Saturday 00:00
}

TEST_CASE("is_open follows the wall clock across the DST changes in Europe/Kyiv") {
  const WorkingHours wh = load(kShop);
  // The same UTC time of day on two Mondays around 2026-03-29: 06:59 UTC is 08:59 EET (closed)
  // and a week later 09:59 EEST (open).
  CHECK_FALSE(wh.is_open(utc(2026, 3, 23, 6, 59)));
  CHECK(wh.is_open(utc(2026, 3, 30, 6, 59)));
  CHECK(wh.is_open(utc(2026, 3, 30, 6, 0)));          // 09:00 EEST
  CHECK_FALSE(wh.is_open(utc(2026, 3, 30, 5, 59)));   // 08:59 EEST
  CHECK_FALSE(wh.is_open(utc(2026, 3, 30, 15, 0)));   // 18:00 EEST
  CHECK(wh.is_open(utc(2026, 3, 23, 15, 0)));         // 17:00 EET
  // And back on 2026-10-25: 06:00 UTC is 09:00 EEST on 10-19 (open), 08:00 EET on 10-26 (closed).
  CHECK(wh.is_open(utc(2026, 10, 19, 6, 0)));
  CHECK_FALSE(wh.is_open(utc(2026, 10, 26, 6, 0)));
  CHECK_FALSE(wh.is_open(utc(2026, 10, 26, 6, 59)));  // 08:59 EET
  CHECK(wh.is_open(utc(2026, 10, 26, 7, 0)));         // 09:00 EET
  CHECK(wh.is_open(utc(2026, 10, 26, 15, 59)));       // 17:59 EET
  CHECK_FALSE(wh.is_open(utc(2026, 10, 19, 15, 0)));  // 18:00 EEST

  // On the change days themselves. 2026-03-29 03:00 local does not exist: an opening at 03:30
  // starts at the first minute after the jump.
  const WorkingHours spring = load(R"({"timezone":"Europe/Kyiv","sun":{"start":"03:30","end":"05:00"}})");
  CHECK_FALSE(spring.is_open(utc(2026, 3, 29, 0, 59)));  // 02:59 EET
  CHECK(spring.is_open(utc(2026, 3, 29, 1, 0)));         // 04:00 EEST
  CHECK(spring.is_open(utc(2026, 3, 29, 1, 59)));        // 04:59 EEST
  CHECK_FALSE(spring.is_open(utc(2026, 3, 29, 2, 0)));   // 05:00 EEST
  // 2026-10-25 03:00–04:00 local happens twice; both are open.
  const WorkingHours autumn = load(R"({"timezone":"Europe/Kyiv","sun":{"start":"03:00","end":"04:00"}})");
  CHECK_FALSE(autumn.is_open(utc(2026, 10, 24, 23, 59)));  // 02:59 EEST
  CHECK(autumn.is_open(utc(2026, 10, 25, 0, 0)));          // 03:00 EEST
  CHECK(autumn.is_open(utc(2026, 10, 25, 0, 30)));         // 03:30 EEST
  CHECK(autumn.is_open(utc(2026, 10, 25, 1, 30)));         // 03:30 EET, the second time
  CHECK_FALSE(autumn.is_open(utc(2026, 10, 25, 2, 0)));    // 04:00 EET
}

TEST_CASE("next_opening: later today, tomorrow, over the weekend, across DST") {
  const WorkingHours wh = load(kShop);
  CHECK(show(wh.next_opening(utc(2026, 3, 23, 5, 0))) == "2026-03-23 09:00");   // Mon 07:00
  CHECK(show(wh.next_opening(utc(2026, 3, 23, 7, 0))) == "2026-03-24 09:00");   // open now: the next one
  CHECK(show(wh.next_opening(utc(2026, 3, 23, 16, 0))) == "2026-03-24 09:00");  // Mon 18:00
  CHECK(show(wh.next_opening(utc(2026, 3, 27, 16, 0))) == "2026-03-28 10:00");  // Fri 18:00 → Sat
  // Saturday evening, Sunday closed, and the clocks go forward on Sunday: Monday 09:00 EEST,
  // which is 06:00 UTC, not 07:00.
  const auto monday = wh.next_opening(utc(2026, 3, 28, 14, 0));
  CHECK(show(monday) == "2026-03-30 09:00");
  const WorkingHours weekdays = load(kWeekdays);
  const auto after_weekend = weekdays.next_opening(utc(2026, 3, 27, 16, 0));  // Fri 18:00 EET
  REQUIRE(after_weekend.has_value());
  CHECK(show(after_weekend) == "2026-03-30 09:00");
  const date::zoned_time<std::chrono::minutes> z{"Europe/Kyiv", *after_weekend};
  CHECK(z.get_sys_time() == utc(2026, 3, 30, 6, 0));
  // And back in October: Friday 10-23 18:00 EEST → Monday 10-26 09:00 EET (07:00 UTC).
  const auto october = weekdays.next_opening(utc(2026, 10, 23, 15, 0));
  CHECK(show(october) == "2026-10-26 09:00");
  CHECK(date::zoned_time<std::chrono::minutes>{"Europe/Kyiv", *october}.get_sys_time() == utc(2026, 10, 26, 7, 0));
  // An opening inside the spring gap happens at the jump.
  const WorkingHours spring = load(R"({"timezone":"Europe/Kyiv","sun":{"start":"03:30","end":"05:00"}})");
  CHECK(show(spring.next_opening(utc(2026, 3, 28, 12, 0))) == "2026-03-29 04:00");
  // The only open day is today's weekday and it has passed: a week ahead.
  const WorkingHours mondays = load(R"({"timezone":"Europe/Kyiv","mon":{"start":"09:00","end":"18:00"}})");
  CHECK(show(mondays.next_opening(utc(2026, 3, 23, 10, 0))) == "2026-03-30 09:00");
  // Never open.
  const WorkingHours closed = load(R"({"timezone":"Europe/Kyiv","mon":null,"tue":null})");
  CHECK_FALSE(closed.is_open(utc(2026, 3, 23, 10, 0)));
  CHECK_FALSE(closed.next_opening(utc(2026, 3, 23, 10, 0)).has_value());
  CHECK(closed.describe_next_opening(utc(2026, 3, 23, 10, 0), "uk").empty());
}

TEST_CASE("the schedule in words, per language") {
  const WorkingHours wh = load(kShop);
  CHECK(wh.describe("uk") == "Пн–Пт 9:00–18:00, Сб 10:00–16:00, Нд вихідний");
  CHECK(wh.describe("ru") == "Пн–Пт 9:00–18:00, Сб 10:00–16:00, Вс выходной");
  CHECK(wh.describe("en") == "Mon–Fri 9:00–18:00, Sat 10:00–16:00, Sun closed");
  CHECK(wh.describe("uk-UA") == wh.describe("uk"));
  CHECK(wh.describe("ru-RU") == wh.describe("ru"));
  CHECK(wh.describe("de") == wh.describe("uk"));  // the bot speaks Ukrainian otherwise
  const WorkingHours weekdays = load(kWeekdays);
  CHECK(weekdays.describe("uk") == "Пн–Пт 9:00–18:00, Сб–Нд вихідні");
  CHECK(weekdays.describe("ru") == "Пн–Пт 9:00–18:00, Сб–Вс выходные");
  CHECK(weekdays.describe("en") == "Mon–Fri 9:00–18:00, Sat–Sun closed");
  const WorkingHours daily = load(
      R"({"timezone":"Europe/Kyiv","mon":{"start":"08:00","end":"20:30"},"tue":{"start":"08:00","end":"20:30"},)"
      R"("wed":{"start":"08:00","end":"20:30"},"thu":{"start":"08:00","end":"20:30"},"fri":{"start":"08:00","end":"20:30"},)"
      R"("sat":{"start":"08:00","end":"20:30"},"sun":{"start":"08:00","end":"20:30"}})");
  CHECK(daily.describe("uk") == "щодня 8:00–20:30");
  CHECK(daily.describe("ru") == "ежедневно 8:00–20:30");
  CHECK(daily.describe("en") == "daily 8:00–20:30");
  const WorkingHours gaps = load(
      R"({"timezone":"Europe/Kyiv","mon":{"start":"09:00","end":"18:00"},"tue":null,)"
      R"("wed":{"start":"09:00","end":"18:00"},"sun":{"start":"00:00","end":"24:00"}})");
  CHECK(gaps.describe("uk") == "Пн 9:00–18:00, Вт вихідний, Ср 9:00–18:00, Чт–Сб вихідні, Нд 0:00–24:00");
}

TEST_CASE("the next opening in words, and the after-hours sentence") {
  const WorkingHours wh = load(kShop);
  const auto mon_early = utc(2026, 3, 23, 5, 0);   // Mon 07:00
  const auto fri_evening = utc(2026, 3, 27, 16, 0);  // Fri 18:00
  const auto sat_evening = utc(2026, 3, 28, 14, 0);  // Sat 16:00
  CHECK(wh.describe_next_opening(mon_early, "uk") == "сьогодні з 9:00");
  CHECK(wh.describe_next_opening(mon_early, "ru") == "сегодня с 9:00");
  CHECK(wh.describe_next_opening(mon_early, "en") == "today at 9:00");
  CHECK(wh.describe_next_opening(fri_evening, "uk") == "завтра з 10:00");
  CHECK(wh.describe_next_opening(fri_evening, "ru") == "завтра с 10:00");
  CHECK(wh.describe_next_opening(fri_evening, "en") == "tomorrow at 10:00");
  CHECK(wh.describe_next_opening(sat_evening, "uk") == "в понеділок з 9:00");
  CHECK(wh.describe_next_opening(sat_evening, "ru") == "в понедельник с 9:00");
  CHECK(wh.describe_next_opening(sat_evening, "en") == "on Monday at 9:00");
  const WorkingHours tuesdays = load(R"({"timezone":"Europe/Kyiv","tue":{"start":"11:00","end":"15:00"}})");
  CHECK(tuesdays.describe_next_opening(sat_evening, "uk") == "у вівторок з 11:00");
  CHECK(tuesdays.describe_next_opening(sat_evening, "ru") == "во вторник с 11:00");
  const WorkingHours mondays = load(R"({"timezone":"Europe/Kyiv","mon":{"start":"09:00","end":"18:00"}})");
  const auto mon_noon = utc(2026, 3, 23, 10, 0);
  CHECK(mondays.describe_next_opening(mon_noon, "uk") == "в наступний понеділок з 9:00");
  CHECK(mondays.describe_next_opening(mon_noon, "ru") == "в следующий понедельник с 9:00");
  CHECK(mondays.describe_next_opening(mon_noon, "en") == "next Monday at 9:00");

  CHECK(wh.describe_after_hours(fri_evening, "uk") ==
        "Ми працюємо: Пн–Пт 9:00–18:00, Сб 10:00–16:00, Нд вихідний. Відкриємося завтра з 10:00.");
  CHECK(wh.describe_after_hours(sat_evening, "ru") ==
        "Мы работаем: Пн–Пт 9:00–18:00, Сб 10:00–16:00, Вс выходной. Откроемся в понедельник с 9:00.");
  CHECK(wh.describe_after_hours(mon_early, "en") ==
        "Our hours: Mon–Fri 9:00–18:00, Sat 10:00–16:00, Sun closed. We open today at 9:00.");
  const WorkingHours closed = load(R"({"timezone":"Europe/Kyiv","sun":null})");
  CHECK(closed.describe_after_hours(mon_early, "uk") == "Ми працюємо: Пн–Нд вихідні.");
}

TEST_CASE("another zone is honoured, not assumed") {
  const WorkingHours ny = load(R"({"timezone":"America/New_York","mon":{"start":"09:00","end":"17:00"}})");
  CHECK(ny.timezone() == "America/New_York");
  CHECK(ny.is_open(utc(2026, 3, 23, 13, 0)));         // 09:00 EDT
  CHECK_FALSE(ny.is_open(utc(2026, 3, 23, 12, 59)));  // 08:59 EDT
  CHECK_FALSE(ny.is_open(utc(2026, 3, 23, 7, 0)));    // 09:00 in Kyiv, 03:00 in New York
}
