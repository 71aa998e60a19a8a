// The SSE parser against the WHATWG rules, under every way a stream can be split into chunks.
#include "net/sse.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using ca::net::SseEvent;
using ca::net::SseParser;

namespace {

struct Got {
  std::string type, data, id;
  bool operator==(const Got &) const = default;
};

std::vector<Got> parse_in(std::string_view stream, const std::vector<size_t> &cuts, bool *mid = nullptr) {
  std::vector<Got> out;
  SseParser p([&](const SseEvent &e) {
    out.push_back({e.type, e.data, e.id});
    return true;
  });
  size_t at = 0;
  for (size_t cut : cuts) {
    p.feed(stream.substr(at, cut - at));
    at = cut;
  }
  p.feed(stream.substr(at));
  if (mid) *mid = p.mid_event();
  return out;
}

std::vector<Got> parse_whole(std::string_view stream) { return parse_in(stream, {}); }

// Every single split point, every pair of split points (for short streams), and 1-byte chunks
// give the same events as the whole stream.
void check_all_splits(std::string_view stream, const std::vector<Got> &want) {
  CAPTURE(stream);
  REQUIRE(parse_whole(stream) == want);
  for (size_t i = 0; i <= stream.size(); ++i) {
    CAPTURE(i);
    CHECK(parse_in(stream, {i}) == want);
  }
  if (stream.size() <= 120) {
    for (size_t i = 0; i <= stream.size(); ++i)
      for (size_t j = i; j <= stream.size(); ++j) REQUIRE(parse_in(stream, {i, j}) == want);
  }
  std::vector<size_t> bytes;
  for (size_t i = 1; i < stream.size(); ++i) bytes.push_back(i);
  CHECK(parse_in(stream, bytes) == want);
}

}  // namespace

TEST_CASE("sse: LF, CRLF and CR line ends give the same events") {
  const std::vector<Got> want = {{"message", "a", ""}, {"ping", "b\nc", ""}};
  check_all_splits("data: a\n\nevent: ping\ndata: b\ndata: c\n\n", want);
  check_all_splits("data: a\r\n\r\nevent: ping\r\ndata: b\r\ndata: c\r\n\r\n", want);
  check_all_splits("data: a\r\revent: ping\rdata: b\rdata: c\r\r", want);
  // Mixed in one stream.
  check_all_splits("data: a\r\n\nevent: ping\rdata: b\ndata: c\r\n\r", want);
}

TEST_CASE("sse: a CRLF split between chunks is one line end, not an empty line") {
  // If CR then LF in the next chunk counted as two line ends, "data: x" would dispatch early and
  // the second data line would become a separate event.
  const std::string s = "data: x\r\ndata: y\r\n\r\n";
  const std::vector<Got> want = {{"message", "x\ny", ""}};
  for (size_t i = 0; i <= s.size(); ++i) CHECK(parse_in(s, {i}) == want);
}

TEST_CASE("sse: comments, fields without a colon, one space stripped, unknown fields") {
  check_all_splits(": keep-alive\n\n:another\ndata:no-space\ndata:  two-spaces\nfoo: bar\n\n",
                   {{"message", "no-space\n two-spaces", ""}});
  // "data" alone is a data line with an empty value: the event has data "" and is dispatched;
  // "data" twice gives "\n".
  check_all_splits("data\n\ndata\ndata\n\n", {{"message", "", ""}, {"message", "\n", ""}});
  // An event with only an event: field (no data) is not dispatched, and its type does not leak.
  check_all_splits("event: lonely\n\ndata: z\n\n", {{"message", "z", ""}});
  // A colon inside the value stays.
  check_all_splits("data: {\"a\":\"b: c\"}\n\n", {{"message", "{\"a\":\"b: c\"}", ""}});
}

TEST_CASE("sse: id persists across events; id with NUL ignored; retry only digits") {
  std::vector<Got> got;
  std::optional<int64_t> retry;
  SseParser p([&](const SseEvent &e) {
    got.push_back({e.type, e.data, e.id});
    return true;
  });
  p.feed("id: 7\nretry: 2500\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
  static constexpr char kNul[] = "id: x\0y\nretry: 12x\ndata: d\n\n";
  p.feed(std::string_view(kNul, sizeof kNul - 1));
  retry = p.retry_ms();
  const std::vector<Got> want = {{"message", "a", "7"}, {"message", "b", "7"}, {"message", "c", ""}, {"message", "d", ""}};
  CHECK(got == want);
  REQUIRE(retry.has_value());
  CHECK(*retry == 2500);
}

TEST_CASE("sse: a leading BOM is dropped, even split byte by byte; only one") {
  check_all_splits("\xEF\xBB\xBF" "data: a\n\n", {{"message", "a", ""}});
  // A second BOM is part of the field name, so the line is an unknown field.
  check_all_splits("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n", {{"message", "b", ""}});
  // Bytes that start like a BOM but are not one are kept.
  check_all_splits("\xEF\xBB" "x\ndata: q\n\n", {{"message", "q", ""}});
}

TEST_CASE("sse: an unfinished event is not dispatched and shows as mid_event") {
  bool mid = false;
  auto got = parse_in("data: a\n\ndata: partial\n", {3}, &mid);
  CHECK(got == std::vector<Got>{{"message", "a", ""}});
  CHECK(mid);
  got = parse_in("data: a\n\ndata: parti", {}, &mid);
  CHECK(mid);
  got = parse_in("data: a\n\n", {}, &mid);
  CHECK_FALSE(mid);
  got = parse_in("data: a\n\n: comment\n", {}, &mid);
  CHECK_FALSE(mid);
}

TEST_CASE("sse: the handler can stop the parser in the middle of a chunk") {
  int n = 0;
  SseParser p([&](const SseEvent &e) {
    ++n;
    return e.data != "stop";
  });
  CHECK_FALSE(p.feed("data: go\n\ndata: stop\n\ndata: never\n\n"));
  CHECK(p.stopped());
  CHECK_FALSE(p.feed("data: later\n\n"));
  CHECK(n == 2);
}

TEST_CASE("sse: vendor-shaped streams under every split") {
  const std::string anthropic =
      "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
      "event: ping\ndata: {\"type\": \"ping\"}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Привіт\"}}\n\n";
  check_all_splits(anthropic, {{"message_start", "{\"type\":\"message_start\"}", ""},
                               {"ping", "{\"type\": \"ping\"}", ""},
                               {"content_block_delta",
                                "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Привіт\"}}", ""}});
  const std::string openai = "data: {\"choices\":[]}\r\n\r\n: OPENROUTER PROCESSING\r\n\r\ndata: [DONE]\r\n\r\n";
  check_all_splits(openai, {{"message", "{\"choices\":[]}", ""}, {"message", "[DONE]", ""}});
}
