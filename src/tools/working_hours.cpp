#include "tools/working_hours.hpp"

#include <algorithm>
#include <exception>
#include <utility>

namespace ca::tools {

namespace {

using std::chrono::minutes;
using std::chrono::system_clock;

constexpr std::array<const char *, 7> kDayKeys = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::string_view kDefaultZone = "Europe/Kyiv";

enum class Lang { uk, ru, en };

Lang lang_of(std::string_view lang) {
  if (lang.size() >= 2) {
    const char a = static_cast<char>(lang[0] | 0x20);
    const char b = static_cast<char>(lang[1] | 0x20);
    if (a == 'r' && b == 'u') return Lang::ru;
    if (a == 'e' && b == 'n') return Lang::en;
  }
  return Lang::uk;  // the bot speaks Ukrainian unless told otherwise
}

struct Words {
  std::array<const char *, 7> short_days;
  std::array<const char *, 7> on_day;       // "в понеділок"
  std::array<const char *, 7> on_next_day;  // "в наступний понеділок"
  const char *closed_one;
  const char *closed_many;
  const char *daily;
  const char *always;
  const char *today;
  const char *tomorrow;
  const char *from;  // before the time: "з 9:00"
  const char *hours_intro;   // "Ми працюємо: "
  const char *always_intro;  // "Ми працюємо "
  const char *opens_intro;   // "Відкриємося "
};

const Words &words_for(Lang lang) {
  static const Words uk{
      {"Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Нд"},
      {"в понеділок", "у вівторок", "в середу", "в четвер", "в п’ятницю", "в суботу", "в неділю"},
      {"в наступний понеділок", "в наступний вівторок", "в наступну середу", "в наступний четвер",
       "в наступну п’ятницю", "в наступну суботу", "в наступну неділю"},
      "вихідний", "вихідні", "щодня", "цілодобово", "сьогодні", "завтра", "з",
      "Ми працюємо: ", "Ми працюємо ", "Відкриємося "};
  static const Words ru{
      {"Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"},
      {"в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу", "в воскресенье"},
      {"в следующий понедельник", "в следующий вторник", "в следующую среду", "в следующий четверг",
       "в следующую пятницу", "в следующую субботу", "в следующее воскресенье"},
      "выходной", "выходные", "ежедневно", "круглосуточно", "сегодня", "завтра", "с",
      "Мы работаем: ", "Мы работаем ", "Откроемся "};
  static const Words en{
      {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
      {"on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday"},
      {"next Monday", "next Tuesday", "next Wednesday", "next Thursday", "next Friday", "next Saturday",
       "next Sunday"},
      "closed", "closed", "daily", "24/7", "today", "tomorrow", "at",
      "Our hours: ", "We are open ", "We open "};
  switch (lang) {
    case Lang::ru: return ru;
    case Lang::en: return en;
    case Lang::uk: break;
  }
  return uk;
}

// "HH:MM" → minutes after midnight; "24:00" only where `allow_midnight_end`.
bool parse_hhmm(std::string_view t, bool allow_midnight_end, int &out) {
  if (t.size() != 5 || t[2] != ':') return false;
  for (size_t k : {0u, 1u, 3u, 4u})
    if (t[k] < '0' || t[k] > '9') return false;
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (m > 59) return false;
  if (h > 23 && !(allow_midnight_end && h == 24 && m == 0)) return false;
  out = h * 60 + m;
  return true;
}

std::string hhmm(int minute) {
  std::string s = std::to_string(minute / 60);
  s.push_back(':');
  const int m = minute % 60;
  s.push_back(static_cast<char>('0' + m / 10));
  s.push_back(static_cast<char>('0' + m % 10));
  return s;
}

// Monday = 0 … Sunday = 6.
size_t weekday_index(date::local_days d) { return date::weekday(d).iso_encoding() - 1; }

Error config_error(std::string message) { return make_error(Errc::config, "working hours: " + std::move(message)); }

}  // namespace

Result<WorkingHours> WorkingHours::parse(std::string_view json_text) {
  const size_t first = json_text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return WorkingHours{};
  auto v = json::parse(json_text);
  if (!v) return config_error(v.error().message);
  return from_json(*v);
}

Result<WorkingHours> WorkingHours::from_json(const json::Value &v) {
  if (v.is_null() || (v.is_object() && v.size() == 0)) return WorkingHours{};
  if (!v.is_object()) return config_error("expected an object like {\"timezone\":\"Europe/Kyiv\",\"mon\":{…}} or null");

  WorkingHours wh;
  std::string_view zone_name = kDefaultZone;
  bool any_day = false;
  for (const auto &[key, value] : v.members()) {
    if (key == "timezone") {
      if (!value.is_string() || value.as_string().empty()) return config_error("\"timezone\" must be a zone name such as \"Europe/Kyiv\"");
      zone_name = value.as_string();
      continue;
    }
    size_t day = kDayKeys.size();
    for (size_t k = 0; k < kDayKeys.size(); ++k)
      if (key == kDayKeys[k]) day = k;
    if (day == kDayKeys.size())
      return config_error("unknown key \"" + key + "\" (expected \"timezone\" and the days mon, tue, wed, thu, fri, sat, sun)");
    any_day = true;
    if (value.is_null()) continue;  // closed
    if (!value.is_object())
      return config_error("\"" + key + "\" must be null (closed) or {\"start\":\"HH:MM\",\"end\":\"HH:MM\"}");
    for (const auto &member : value.members())
      if (member.first != "start" && member.first != "end")
        return config_error("\"" + key + "\" has unknown key \"" + member.first + "\" (expected start and end)");
    const json::Value *start = value.find("start");
    const json::Value *end = value.find("end");
    if (start == nullptr || end == nullptr) return config_error("\"" + key + "\" needs both \"start\" and \"end\"");
    DayHours h;
    if (!start->is_string() || !parse_hhmm(start->as_string(), false, h.start))
      return config_error("\"" + key + "\".start must be a time HH:MM from 00:00 to 23:59, got " + json::dump(*start));
    if (!end->is_string() || !parse_hhmm(end->as_string(), true, h.end))
      return config_error("\"" + key + "\".end must be a time HH:MM from 00:01 to 24:00, got " + json::dump(*end));
    if (h.end <= h.start)
      return config_error("\"" + key + "\" ends at " + end->as_string() + ", not after its start " + start->as_string());
    wh.days_[day] = h;
  }
  if (!any_day) return config_error("no day is given; use null for 24/7 or list the days (null = closed)");
  try {
    wh.zone_ = date::locate_zone(zone_name);
  } catch (const std::exception &e) {
    return config_error("unknown time zone \"" + std::string(zone_name) + "\" (" + e.what() + ")");
  }
  return wh;
}

std::string_view WorkingHours::timezone() const { return zone_ ? std::string_view(zone_->name()) : std::string_view(); }

bool WorkingHours::is_open(system_clock::time_point t) const {
  if (zone_ == nullptr) return true;
  const auto local = date::floor<minutes>(zone_->to_local(t));
  const auto day = date::floor<date::days>(local);
  const auto &h = days_[weekday_index(day)];
  if (!h) return false;
  const auto minute = static_cast<int>((local - day).count());
  return h->start <= minute && minute < h->end;
}

std::optional<WorkingHours::LocalMinutes> WorkingHours::next_opening(system_clock::time_point t) const {
  if (zone_ == nullptr) return std::nullopt;
  const auto today = date::floor<date::days>(zone_->to_local(t));
  // Eight days: today's weekday a week later may be the only open one.
  for (int k = 0; k <= 7; ++k) {
    const date::local_days day = today + date::days{k};
    const auto &h = days_[weekday_index(day)];
    if (!h) continue;
    const LocalMinutes start = day + minutes{h->start};
    // A wall time in a DST gap maps to the jump; a repeated one to its first occurrence.
    const auto at = zone_->to_sys(start, date::choose::earliest);
    if (at > t) return date::floor<minutes>(zone_->to_local(at));
  }
  return std::nullopt;
}

std::string WorkingHours::describe(std::string_view lang) const {
  const Words &w = words_for(lang_of(lang));
  if (zone_ == nullptr) return w.always;
  if (days_[0] && std::all_of(days_.begin(), days_.end(), [&](const auto &d) { return d == days_[0]; }))
    return std::string(w.daily) + " " + hhmm(days_[0]->start) + "–" + hhmm(days_[0]->end);
  std::string out;
  for (size_t first = 0; first < days_.size();) {
    size_t last = first;
    while (last + 1 < days_.size() && days_[last + 1] == days_[first]) ++last;
    if (!out.empty()) out.append(", ");
    out.append(w.short_days[first]);
    if (last > first) out.append("–").append(w.short_days[last]);
    out.push_back(' ');
    if (const auto &h = days_[first]) out.append(hhmm(h->start)).append("–").append(hhmm(h->end));
    else out.append(last > first ? w.closed_many : w.closed_one);
    first = last + 1;
  }
  return out;
}

std::string WorkingHours::describe_next_opening(system_clock::time_point now, std::string_view lang) const {
  const auto next = next_opening(now);
  if (!next) return {};
  const Words &w = words_for(lang_of(lang));
  const auto today = date::floor<date::days>(zone_->to_local(now));
  const auto day = date::floor<date::days>(*next);
  const auto ahead = (day - today).count();
  std::string out;
  if (ahead == 0) out = w.today;
  else if (ahead == 1) out = w.tomorrow;
  else if (ahead < 7) out = w.on_day[weekday_index(day)];
  else out = w.on_next_day[weekday_index(day)];
  out.push_back(' ');
  out.append(w.from).push_back(' ');
  out.append(hhmm(static_cast<int>((*next - day).count())));
  return out;
}

std::string WorkingHours::describe_after_hours(system_clock::time_point now, std::string_view lang) const {
  const Words &w = words_for(lang_of(lang));
  if (zone_ == nullptr) return std::string(w.always_intro) + w.always + ".";
  std::string out = std::string(w.hours_intro) + describe(lang) + ".";
  if (const std::string next = describe_next_opening(now, lang); !next.empty()) {
    out.append(" ").append(w.opens_intro).append(next).append(".");
  }
  return out;
}

}  // namespace ca::tools
