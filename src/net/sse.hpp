// A Server-Sent Events parser (WHATWG HTML, "9.2.6 Interpreting an event stream"), fed the body of
// a text/event-stream response in whatever pieces the network delivers, down to single bytes.
//
// Lines end in CRLF, LF or CR (a CRLF split between two chunks is one line end). A leading BOM
// is dropped. `field: value` lines set the event's fields, one space after the colon being
// stripped; a line without a colon is a field with an empty value; lines starting with ':' are
// comments. `data` lines are joined with "\n"; an empty line dispatches the event unless it has no
// data. `id` persists across events (last event id) unless it contains NUL; `retry` is taken
// only when all digits. Unknown fields are ignored. An event not finished by an empty line when
// the stream ends is never dispatched — that is how a cut stream shows.
//
// Not thread-safe: one stream, one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ca::net {

struct SseEvent {
  std::string type = "message";  // the `event` field, "message" when none was given
  std::string data;              // `data` lines joined with "\n" (no trailing newline)
  std::string id;                // the last event id in force when the event was dispatched
};

class SseParser {
 public:
  // Called once per dispatched event; returning false stops parsing: the rest of that chunk and
  // every later feed() are ignored (the stream's consumer has seen enough, e.g. an error event).
  using Handler = std::function<bool(const SseEvent &event)>;

  explicit SseParser(Handler handler) : handler_(std::move(handler)) {}

  // The next piece of the stream. Returns false once the handler has stopped the parser.
  bool feed(std::string_view chunk);

  // True when bytes of an event that has not been dispatched yet are pending (a partial line or
  // fields without the closing empty line): the stream was cut mid-event if it ends now.
  bool mid_event() const;
  bool stopped() const { return stopped_; }
  const std::string &last_event_id() const { return last_id_; }
  // The last valid `retry` field, in milliseconds.
  std::optional<int64_t> retry_ms() const { return retry_; }
  // Events dispatched so far.
  uint64_t events() const { return events_; }

 private:
  void line(std::string_view text);
  void dispatch();

  Handler handler_;
  std::string line_;        // the current, unfinished line
  std::string data_;        // data buffer of the event being built
  std::string type_;        // event type buffer
  bool has_fields_ = false; // a field line was seen since the last dispatch
  std::string last_id_;
  std::optional<int64_t> retry_;
  size_t bom_seen_ = 0;     // bytes of a leading BOM matched so far
  bool bom_done_ = false;
  bool after_cr_ = false;   // the last byte was a CR: a following LF belongs to it
  bool stopped_ = false;
  uint64_t events_ = 0;
};

}  // namespace ca::net
