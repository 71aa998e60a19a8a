// Call details for the AudioSocket host. AudioSocket carries only a UUID, so the dialplan posts
// what Asterisk knows about the call (caller and called number, channel, tenant) under that UUID
// just before AudioSocket() runs; the session picks it up when the call connects:
//
//   exten => 100,1,Answer()
//    same => n,Set(CALLUUID=${UUID()})
//    same => n,Set(CURLOPT(httpheader)=Authorization: Bearer ${CALLAGENT_SECRET})
//    same => n,Set(R=${CURL(http://127.0.0.1:9093/v1/calls/${CALLUUID},caller=${CALLERID(num)}&called=${EXTEN}&channel=${CHANNEL}&tenant=shop1)})
//    same => n,AudioSocket(${CALLUUID},127.0.0.1:9092)
//
// The body may be that form encoding (what Asterisk's CURL() sends) or a JSON object with the same
// keys. Entries live for a short TTL: a call that never connects leaves nothing behind.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http_server.hpp"

namespace ca::host {

struct CallDetails {
  std::string caller;
  std::string called;
  std::string channel;
  std::string tenant;
};

// Thread-safe: the HTTP thread puts, loop threads take.
class CallDetailsStore {
 public:
  explicit CallDetailsStore(Nanos ttl = seconds(60), size_t max_entries = 100000) : ttl_(ttl), max_(max_entries) {}

  // Replaces what the UUID had. False when the store is full of live entries.
  bool put(std::string uuid, CallDetails details, Nanos now);
  // The details of `uuid`, removed from the store; nullopt when none arrived or they expired.
  std::optional<CallDetails> take(std::string_view uuid, Nanos now);
  size_t size() const;

 private:
  void expire(Nanos now);

  struct Entry {
    CallDetails details;
    Nanos expires;
  };
  Nanos ttl_;
  size_t max_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// Parses a posted body: JSON object, or application/x-www-form-urlencoded. Keys caller, called,
// channel, tenant; others are ignored; values are limited to 256 bytes.
Result<CallDetails> parse_call_details(std::string_view body, std::string_view content_type);

// POST /v1/calls/{uuid} on `server`: 204 when stored; 401 without the secret (an
// "Authorization: Bearer <secret>" header, or a `secret` field in the body) when `secret` is not
// empty; 400 for a malformed UUID or body; 503 when the store is full. GET /v1/health answers 200.
void add_call_details_routes(net::HttpServer &server, CallDetailsStore &store, std::string secret);

}  // namespace ca::host
