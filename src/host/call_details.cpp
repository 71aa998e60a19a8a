#include "host/call_details.hpp"

#include <cctype>

#include "core/json.hpp"
#include "core/log.hpp"

namespace ca::host {

namespace {

constexpr size_t kMaxValue = 256;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte.
bool url_decode(std::string_view in, std::string &out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return true;
}

bool set_field(CallDetails &d, std::string_view key, std::string value, std::string &secret) {
  if (value.size() > kMaxValue) return false;
  if (key == "caller") d.caller = std::move(value);
  else if (key == "called") d.called = std::move(value);
  else if (key == "channel") d.channel = std::move(value);
  else if (key == "tenant") d.tenant = std::move(value);
  else if (key == "secret") secret = std::move(value);
  return true;
}

Result<CallDetails> parse_with_secret(std::string_view body, std::string_view content_type, std::string &secret) {
  CallDetails d;
  const bool json_body = content_type.find("json") != std::string_view::npos ||
                         (!body.empty() && body.front() == '{');
  if (json_body) {
    auto v = json::parse(body);
    if (!v) return v.error();
    if (!v->is_object()) return make_error(Errc::invalid_argument, "the body must be a JSON object");
    for (const auto &[k, value] : v->members()) {
      if (!value.is_string() && !value.is_null()) {
        return make_error(Errc::invalid_argument, "\"" + k + "\" must be a string");
      }
      if (!set_field(d, k, value.as_string(), secret)) {
        return make_error(Errc::invalid_argument, "\"" + k + "\" is longer than 256 bytes");
      }
    }
    return d;
  }
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!url_decode(pair.substr(0, eq), key) ||
        !url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), value)) {
      return make_error(Errc::invalid_argument, "malformed form encoding");
    }
    if (!set_field(d, key, std::move(value), secret)) {
      return make_error(Errc::invalid_argument, "\"" + key + "\" is longer than 256 bytes");
    }
  }
  return d;
}

// Asterisk's ${UUID()}: 36 characters, hex and dashes in the 8-4-4-4-12 places.
bool valid_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : hex_digit(s[i]) < 0) return false;
  }
  return true;
}

// Lower case, as the AudioSocket host formats the UUID it receives.
std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Compares without an early exit, so the time taken does not tell how much of a guess was right.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

bool CallDetailsStore::put(std::string uuid, CallDetails details, Nanos now) {
  std::lock_guard lock(mu_);
  expire(now);
  auto it = entries_.find(uuid);
  if (it == entries_.end() && entries_.size() >= max_) return false;
  entries_[std::move(uuid)] = Entry{std::move(details), now + ttl_};
  return true;
}

std::optional<CallDetails> CallDetailsStore::take(std::string_view uuid, Nanos now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(uuid);
  if (it == entries_.end()) return std::nullopt;
  std::optional<CallDetails> out;
  if (it->second.expires > now) out = std::move(it->second.details);
  entries_.erase(it);
  return out;
}

size_t CallDetailsStore::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void CallDetailsStore::expire(Nanos now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
  }
}

Result<CallDetails> parse_call_details(std::string_view body, std::string_view content_type) {
  std::string ignored;
  return parse_with_secret(body, content_type, ignored);
}

void add_call_details_routes(net::HttpServer &server, CallDetailsStore &store, std::string secret) {
  server.route("POST", "/v1/calls/{uuid}", [&store, secret](const net::ServerRequest &req) {
    const std::string uuid = req.param("uuid");
    if (!valid_uuid(uuid)) return net::ServerResponse::text(400, "the UUID must be 8-4-4-4-12 hex digits\n");
    const std::string *type = req.header("content-type");
    std::string given;
    auto details = parse_with_secret(req.body, type != nullptr ? *type : std::string_view(), given);
    if (!secret.empty()) {
      if (const std::string *auth = req.header("authorization"); auth != nullptr && auth->rfind("Bearer ", 0) == 0) {
        given = auth->substr(7);
      }
      if (!same_secret(given, secret)) {
        log::write(log::Level::warn, uuid, "call details refused: wrong or missing secret");
        return net::ServerResponse::text(401, "a valid secret is required\n");
      }
    }
    if (!details) return net::ServerResponse::text(400, details.error().message + "\n");
    if (!store.put(lower(uuid), std::move(details).value(), monotonic_now())) {
      return net::ServerResponse::text(503, "too many pending calls\n");
    }
    log::write(log::Level::debug, lower(uuid), "call details stored");
    return net::ServerResponse{204, {}, {}};
  });
  server.route("GET", "/v1/health", [](const net::ServerRequest &) { return net::ServerResponse::text(200, "ok\n"); });
}

}  // namespace ca::host
