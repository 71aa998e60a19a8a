// Structured logs: one JSON object per line, stamped with the call's UUID where there is one.
// Lines are formatted in a thread-local buffer and written with a single write(2), so lines from
// different threads never interleave and no lock is taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/clock.hpp"

namespace ca::log {

enum class Level : uint8_t { trace = 0, debug, info, warn, error, off };

const char *level_name(Level l);
// Parses "trace" … "error" / "off"; false when the text is not a level.
bool parse_level(std::string_view text, Level &out);

void set_level(Level l);
Level level();
inline bool enabled(Level l);

// Log lines are sanitised by default: phones, cards, IBANs and e-mails in the message and in every
// string field are masked irreversibly (core/pii_sanitizer.hpp). Tests and local debugging may
// turn it off.
void set_sanitize(bool on);
bool sanitize_enabled();

// Where lines go: a file descriptor (default 2, stderr). The caller keeps it open.
void set_fd(int fd);

// Receives every line instead of the fd when set (the C API's log callback). `line` is the JSON
// text without the newline and lives only during the call.
using Sink = void (*)(Level, std::string_view line, void *user_data);
void set_sink(Sink sink, void *user_data);

// One key/value of a line.
struct Field {
  enum class Type : uint8_t { str, i64, f64, boolean } type;
  std::string_view key;
  std::string_view s;
  int64_t i = 0;
  double d = 0;

  Field(std::string_view k, std::string_view v) : type(Type::str), key(k), s(v) {}
  Field(std::string_view k, const char *v) : type(Type::str), key(k), s(v ? v : "") {}
  Field(std::string_view k, const std::string &v) : type(Type::str), key(k), s(v) {}
  Field(std::string_view k, bool v) : type(Type::boolean), key(k), i(v ? 1 : 0) {}
  Field(std::string_view k, double v) : type(Type::f64), key(k), d(v) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Field(std::string_view k, I v) : type(Type::i64), key(k), i(static_cast<int64_t>(v)) {}
};

// Writes one line when `l` is enabled. `call` may be empty.
void write(Level l, std::string_view call, std::string_view msg, std::initializer_list<Field> fields = {});

// Appends `s` to `out` as a JSON string literal (quotes included). Control characters are escaped
// and invalid UTF-8 becomes U+FFFD, so a line stays valid JSON whatever a peer sent.
void append_json_string(std::string &out, std::string_view s);

// Per-connection rate limit: a token bucket (burst lines, then `per_second`). A line refused is
// counted, and the next line let through carries the count as "suppressed".
class RateLimiter {
 public:
  RateLimiter(double per_second = 20, double burst = 40) : rate_(per_second), burst_(burst), tokens_(burst) {}
  // True when a line may be written at `now`; sets `suppressed` to the lines refused since the
  // last one let through.
  bool allow(Nanos now, uint64_t &suppressed);

 private:
  double rate_;
  double burst_;
  double tokens_;
  Nanos last_ = 0;
  uint64_t dropped_ = 0;
};

// Like write(), through a limiter (uses the monotonic clock).
void write_limited(RateLimiter &limiter, Level l, std::string_view call, std::string_view msg,
                   std::initializer_list<Field> fields = {});

namespace detail {
extern std::atomic<Level> g_level;
}
inline bool enabled(Level l) { return l >= detail::g_level.load(std::memory_order_relaxed) && l != Level::off; }

}  // namespace ca::log
