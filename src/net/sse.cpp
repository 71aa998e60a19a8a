#include "net/sse.hpp"

namespace ca::net {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}

bool SseParser::feed(std::string_view chunk) {
  if (stopped_) return false;
  if (!bom_done_) {
    // The BOM may itself arrive a byte at a time; bytes that turn out not to be one are text.
    while (!chunk.empty() && bom_seen_ < kBom.size() && chunk.front() == kBom[bom_seen_]) {
      ++bom_seen_;
      chunk.remove_prefix(1);
    }
    if (bom_seen_ == kBom.size()) {
      bom_done_ = true;
    } else if (!chunk.empty()) {
      bom_done_ = true;
      line_.append(kBom.substr(0, bom_seen_));
    } else {
      return true;
    }
  }
  while (!chunk.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (chunk.front() == '\n') {
        chunk.remove_prefix(1);
        continue;
      }
    }
    const size_t end = chunk.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(chunk);
      break;
    }
    after_cr_ = chunk[end] == '\r';
    if (line_.empty()) {
      line(chunk.substr(0, end));
    } else {
      line_.append(chunk.substr(0, end));
      const std::string whole = std::move(line_);
      line_.clear();
      line(whole);
    }
    if (stopped_) return false;
    chunk.remove_prefix(end + 1);
  }
  return true;
}

bool SseParser::mid_event() const { return !line_.empty() || has_fields_ || (!bom_done_ && bom_seen_ > 0); }

void SseParser::line(std::string_view text) {
  if (text.empty()) {
    dispatch();
    return;
  }
  if (text.front() == ':') return;  // a comment (servers send them as keep-alives)
  has_fields_ = true;
  std::string_view field = text;
  std::string_view value;
  if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    if (value.empty()) return;
    int64_t ms = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return;
      if (ms > (INT64_MAX - 9) / 10) return;  // absurdly long: ignored like any invalid value
      ms = ms * 10 + (c - '0');
    }
    retry_ = ms;
  }
}

void SseParser::dispatch() {
  has_fields_ = false;
  if (data_.empty()) {
    type_.clear();
    return;
  }
  SseEvent e;
  data_.pop_back();  // the newline the last data line added
  e.data = std::move(data_);
  if (!type_.empty()) e.type = std::move(type_);
  e.id = last_id_;
  data_.clear();
  type_.clear();
  ++events_;
  if (!handler_(e)) stopped_ = true;
}

}  // namespace ca::net
