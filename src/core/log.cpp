#include "core/log.hpp"

#include "core/pii_sanitizer.hpp"
#include "core/secrets.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace ca::log {

namespace detail {
std::atomic<Level> g_level{Level::info};
}

namespace {
std::atomic<int> g_fd{2};
std::atomic<Sink> g_sink{nullptr};
std::atomic<void *> g_sink_data{nullptr};
std::atomic<bool> g_sanitize{true};

void append_timestamp(std::string &out) {
  const int64_t ms = wall_millis();
  const time_t secs = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                              utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                              static_cast<int>(ms % 1000));
  out.append(buf, static_cast<size_t>(n));
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t cp;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xe0) == 0xc0) { len = 2; cp = b0 & 0x1fu; }
  else if ((b0 & 0xf0) == 0xe0) { len = 3; cp = b0 & 0x0fu; }
  else if ((b0 & 0xf8) == 0xf0) { len = 4; cp = b0 & 0x07u; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return len;
}
// A string of a line, with phones, cards, IBANs and e-mails masked when sanitising is on. Text
// without a digit or '@' (most lines) costs one scan and no copy.
void append_clean_string(std::string &out, std::string_view s) {
  // Keys are masked whatever the sanitising setting says.
  thread_local std::string unkeyed;
  if (secrets::any()) {
    unkeyed.clear();
    secrets::redact_to(unkeyed, s);
    s = unkeyed;
  }
  if (!g_sanitize.load(std::memory_order_relaxed) || !may_contain_pii(s)) {
    append_json_string(out, s);
    return;
  }
  thread_local std::string clean;
  clean.clear();
  sanitize_to(clean, s);
  append_json_string(out, clean);
}
}  // namespace

void set_sanitize(bool on) { g_sanitize.store(on, std::memory_order_relaxed); }
bool sanitize_enabled() { return g_sanitize.load(std::memory_order_relaxed); }

const char *level_name(Level l) {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "unknown";
}

bool parse_level(std::string_view text, Level &out) {
  for (Level l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error, Level::off}) {
    if (text == level_name(l)) {
      out = l;
      return true;
    }
  }
  if (text == "warning") {
    out = Level::warn;
    return true;
  }
  return false;
}

void set_level(Level l) { detail::g_level.store(l, std::memory_order_relaxed); }
Level level() { return detail::g_level.load(std::memory_order_relaxed); }
void set_fd(int fd) { g_fd.store(fd, std::memory_order_relaxed); }

void set_sink(Sink sink, void *user_data) {
  g_sink_data.store(user_data, std::memory_order_relaxed);
  g_sink.store(sink, std::memory_order_release);
}

void append_json_string(std::string &out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t len = utf8_sequence(s, i);
      if (len == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void write(Level l, std::string_view call, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(l)) return;
  thread_local std::string line;
  line.clear();
  line.append("{\"ts\":\"");
  append_timestamp(line);
  line.append("\",\"level\":\"");
  line.append(level_name(l));
  line.push_back('"');
  if (!call.empty()) {
    line.append(",\"call\":");
    append_json_string(line, call);
  }
  line.append(",\"msg\":");
  append_clean_string(line, msg);
  for (const Field &f : fields) {
    line.push_back(',');
    append_json_string(line, f.key);
    line.push_back(':');
    switch (f.type) {
      case Field::Type::str: append_clean_string(line, f.s); break;
      case Field::Type::i64: line.append(std::to_string(f.i)); break;
      case Field::Type::boolean: line.append(f.i ? "true" : "false"); break;
      case Field::Type::f64: {
        char buf[32];
        const int n = std::snprintf(buf, sizeof buf, "%.6g", f.d);
        line.append(buf, static_cast<size_t>(n));
        break;
      }
    }
  }
  line.push_back('}');
  if (Sink sink = g_sink.load(std::memory_order_acquire)) {
    sink(l, line, g_sink_data.load(std::memory_order_relaxed));
    return;
  }
  line.push_back('\n');
  const int fd = g_fd.load(std::memory_order_relaxed);
  const char *p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written must not stop a call
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool RateLimiter::allow(Nanos now, uint64_t &suppressed) {
  if (last_ != 0) {
    tokens_ += static_cast<double>(now - last_) / 1e9 * rate_;
    if (tokens_ > burst_) tokens_ = burst_;
  }
  last_ = now;
  if (tokens_ < 1.0) {
    ++dropped_;
    return false;
  }
  tokens_ -= 1.0;
  suppressed = dropped_;
  dropped_ = 0;
  return true;
}

void write_limited(RateLimiter &limiter, Level l, std::string_view call, std::string_view msg,
                   std::initializer_list<Field> fields) {
  if (!enabled(l)) return;
  uint64_t suppressed = 0;
  if (!limiter.allow(monotonic_now(), suppressed)) return;
  if (suppressed == 0) {
    write(l, call, msg, fields);
    return;
  }
  write(Level::warn, call, "log lines suppressed by the rate limit", {{"suppressed", suppressed}});
  write(l, call, msg, fields);
}

}  // namespace ca::log
