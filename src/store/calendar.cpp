#include "store/calendar.hpp"

#include <date/tz.h>

#include <array>
#include <atomic>
#include <cstdio>

#include "core/log.hpp"

namespace ca::store {

namespace {

// Offset from UTC of `zone` at `now`; UTC+2 when there is no tz database to ask.
std::chrono::seconds utc_offset(TimePoint now, std::string_view zone) {
  try {
    const date::time_zone *tz = date::locate_zone(zone);
    return tz->get_info(std::chrono::time_point_cast<std::chrono::seconds>(now)).offset;
  } catch (const std::exception &e) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      log::write(log::Level::warn, "", "time zone unavailable; using UTC+2", {{"zone", zone}, {"error", e.what()}});
    }
    return std::chrono::hours(2);
  }
}

}  // namespace

Day local_day(TimePoint now, std::string_view zone) {
  return std::chrono::floor<std::chrono::days>(now + utc_offset(now, zone));
}

int local_minutes(TimePoint now, std::string_view zone) {
  const auto local = now + utc_offset(now, zone);
  const auto since_midnight = local - std::chrono::floor<std::chrono::days>(local);
  return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(since_midnight).count());
}

std::string format_date(Day d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<Day> parse_iso_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  auto num = [&](size_t from, size_t n) -> int {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return Day(ymd);
}

int weekday_index(Day d) { return static_cast<int>(std::chrono::weekday(d).iso_encoding()) - 1; }

std::string_view weekday_uk(Day d) {
  static constexpr std::array<std::string_view, 7> kNames = {"понеділок", "вівторок", "середа", "четвер",
                                                             "п'ятниця",  "субота",   "неділя"};
  return kNames[static_cast<size_t>(weekday_index(d))];
}

std::string on_date_uk(Day d) {
  static constexpr std::array<std::string_view, 7> kAccusative = {"понеділок", "вівторок", "середу", "четвер",
                                                                  "п'ятницю",  "суботу",   "неділю"};
  const std::string s = spoken_date_uk(d);
  return "на " + std::string(kAccusative[static_cast<size_t>(weekday_index(d))]) + s.substr(s.find(','));
}

std::string spoken_date_uk(Day d) {
  static constexpr std::array<std::string_view, 12> kMonths = {"січня",   "лютого", "березня",   "квітня",
                                                               "травня",  "червня", "липня",     "серпня",
                                                               "вересня", "жовтня", "листопада", "грудня"};
  const std::chrono::year_month_day ymd{d};
  std::string s(weekday_uk(d));
  s += ", ";
  s += std::to_string(static_cast<unsigned>(ymd.day()));
  s += ' ';
  s += kMonths[static_cast<unsigned>(ymd.month()) - 1];
  return s;
}

std::optional<std::string> normalize_time(std::string_view t) {
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  int h = -1, m = 0;
  size_t i = 0;
  auto digits = [&](int &out) {
    size_t n = 0;
    int v = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9' && n < 2) {
      v = v * 10 + (t[i] - '0');
      ++i;
      ++n;
    }
    if (n == 0) return false;
    out = v;
    return true;
  };
  if (!digits(h)) return std::nullopt;
  if (i < t.size()) {
    if (t[i] != ':' && t[i] != '.') return std::nullopt;
    ++i;
    const size_t before = i;
    if (!digits(m) || i - before != 2) return std::nullopt;
  }
  if (i != t.size() || h > 23 || m > 59) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", h, m);
  return std::string(buf);
}

std::optional<int> time_minutes(std::string_view hhmm) {
  auto n = normalize_time(hhmm);
  if (!n) return std::nullopt;
  return ((*n)[0] - '0') * 600 + ((*n)[1] - '0') * 60 + ((*n)[3] - '0') * 10 + ((*n)[4] - '0');
}

}  // namespace ca::store
