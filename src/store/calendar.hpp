// Calendar days in the shop's time zone (Europe/Kyiv): what "today" is, ISO dates, and dates
// said the Ukrainian way. Booking windows and slot days are counted in these days.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ca::store {

using Day = std::chrono::sys_days;
using TimePoint = std::chrono::system_clock::time_point;

// The local calendar day of `now` in `zone` (an IANA name). An unknown zone (no tz database)
// falls back to UTC+2 so a day is still defined; the first such use is logged.
Day local_day(TimePoint now, std::string_view zone = "Europe/Kyiv");
// Minutes since local midnight of `now` in `zone`.
int local_minutes(TimePoint now, std::string_view zone = "Europe/Kyiv");

std::string format_date(Day d);                            // "2026-03-10"
std::optional<Day> parse_iso_date(std::string_view text);  // "2026-03-10" only; invalid dates refused
int weekday_index(Day d);                                  // 0 = Monday … 6 = Sunday
std::string_view weekday_uk(Day d);                        // "вівторок"
std::string spoken_date_uk(Day d);                         // "вівторок, 10 березня"
std::string on_date_uk(Day d);                             // "на середу, 11 березня"

// "09:00", "9:00", "9.00", "9" → "09:00"; nullopt when not a time of day.
std::optional<std::string> normalize_time(std::string_view text);
// "09:00" → 540.
std::optional<int> time_minutes(std::string_view hhmm);

}  // namespace ca::store
