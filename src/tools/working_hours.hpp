// When the shop's operators take calls: a weekly schedule in the shop's own time zone, as the
// tenant stores it:
//   {"timezone":"Europe/Kyiv","mon":{"start":"09:00","end":"18:00"}, …, "sun":null}
// A null or missing day is closed; a null, empty or absent schedule means 24/7. Times are the
// wall clock of the zone, so the same UTC instant can be 08:59 (closed) in winter and 09:59 (open)
// in summer; the date library's tz database applies the DST rules.
//
// transfer_to_operator checks is_open(); after hours it tells the caller the schedule and the
// next opening (describe_after_hours) and offers a callback.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/tz.h>

#include "core/json.hpp"
#include "core/result.hpp"

namespace ca::tools {

// One open interval of a day, minutes after local midnight: open for start <= t < end.
struct DayHours {
  int start = 0;
  int end = 0;  // up to 24 * 60 ("24:00" closes at midnight)
  friend bool operator==(const DayHours &, const DayHours &) = default;
};

class WorkingHours {
 public:
  using LocalMinutes = date::local_time<std::chrono::minutes>;

  // Open all the time.
  WorkingHours() = default;

  // The stored JSON (text or value). Errors say which day or field is wrong: a time that is not
  // HH:MM, an end not after its start, an unknown zone, an unknown key, a day that is neither
  // null nor {"start","end"}. A schedule without "timezone" is in Europe/Kyiv.
  static Result<WorkingHours> parse(std::string_view json_text);
  static Result<WorkingHours> from_json(const json::Value &v);

  bool always_open() const { return zone_ == nullptr; }
  // "Europe/Kyiv"; empty when always open.
  std::string_view timezone() const;
  // Monday = 0 … Sunday = 6; nullopt when closed that day.
  const std::optional<DayHours> &day(int weekday) const { return days_[static_cast<size_t>(weekday)]; }

  // Whether the line is open at `t` (minute precision: 17:59:59 is open until 18:00, 18:00 is not).
  bool is_open(std::chrono::system_clock::time_point t) const;

  // The start of the next opening strictly after `t`, in the zone's local time; nullopt when
  // always open or never open. An opening at a wall time that a DST jump skips happens at the
  // first local minute after the jump.
  std::optional<LocalMinutes> next_opening(std::chrono::system_clock::time_point t) const;

  // The schedule in words, grouping days with equal hours: "Пн–Пт 9:00–18:00, Сб 10:00–16:00,
  // Нд вихідний" (uk), "… Вс выходной" (ru), "Mon–Fri 9:00–18:00, Sat 10:00–16:00, Sun closed" (en).
  // `lang` is "uk", "ru", "en" or a locale such as "ru-RU"; anything else speaks Ukrainian.
  std::string describe(std::string_view lang) const;

  // When the next opening is, seen from `now`: "сьогодні з 14:00", "завтра з 9:00",
  // "в понеділок з 9:00" (uk); "завтра с 9:00", "в понедельник с 9:00" (ru); "tomorrow at 9:00",
  // "on Monday at 9:00" (en). Empty when there is no next opening.
  std::string describe_next_opening(std::chrono::system_clock::time_point now, std::string_view lang) const;

  // The sentence for a caller after hours: the schedule, then when the line opens again.
  //   uk: "Ми працюємо: Пн–Пт 9:00–18:00, Сб 10:00–16:00, Нд вихідний. Відкриємося завтра з 9:00."
  //   ru: "Мы работаем: …. Откроемся в понедельник с 9:00."  en: "Our hours: …. We open today at 14:00."
  std::string describe_after_hours(std::chrono::system_clock::time_point now, std::string_view lang) const;

 private:
  const date::time_zone *zone_ = nullptr;
  std::array<std::optional<DayHours>, 7> days_{};
};

}  // namespace ca::tools
