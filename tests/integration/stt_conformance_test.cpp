// One conformance suite for every network speech recognizer — OpenAI-compatible transcriptions
// (OpenAI's path and whisper.cpp's /inference), Google speech:recognize, Deepgram live — each
// against a local server speaking the vendor's wire format (tests/support/*_server.hpp):
//   a scripted transcript arrives intact under the worst chunking (1-byte HTTP writes; WebSocket
//   messages split into 3-byte continuation frames written a byte at a time); silence gives
//   `done` without a final; cancel stops the transfer and nothing reaches the sink afterwards;
//   429 with Retry-After, 500 and a cut connection each become one error event (after the HTTP
//   client's retries); keys never appear in error texts; the request carries the rate, language
//   and format the vendor needs.
// Then what is Deepgram's alone: KeepAlive in silence, CloseStream on finish, the end of an
// utterance by speech_final or by UtteranceEnd, interim results, an error close.
#include <doctest/doctest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/secrets.hpp"
#include "providers/deepgram/deepgram_stt.hpp"
#include "providers/google/google_stt.hpp"
#include "providers/http_tts.hpp"
#include "providers/net_runtime.hpp"
#include "providers/openai/openai_stt.hpp"
#include "providers/registry.hpp"
#include "support/deepgram_test_server.hpp"
#include "support/google_stt_server.hpp"
#include "support/openai_stt_server.hpp"

using namespace ca;
using namespace ca::providers;
using ca::test::Reply;

namespace {

constexpr const char *kKey = "sk-test-9f3a7c1e5b2d4a6c8e0f";

struct Recorded {
  RequestId id;
  SttEvent event;
};

class Collector final : public SttSink {
 public:
  void on_stt(RequestId id, SttEvent e) override {
    std::lock_guard lock(mu_);
    events_.push_back({id, std::move(e)});
    cv_.notify_all();
  }
  // Until `id` got done or error.
  bool wait_end(RequestId id) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(15), [&] {
      for (const auto &r : events_)
        if (r.id == id && (r.event.type == SttEvent::Type::done || r.event.type == SttEvent::Type::error)) return true;
      return false;
    });
  }
  bool wait_count(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(15), [&] { return events_.size() >= n; });
  }
  std::vector<SttEvent> of(RequestId id) const {
    std::lock_guard lock(mu_);
    std::vector<SttEvent> out;
    for (const auto &r : events_)
      if (r.id == id) out.push_back(r.event);
    return out;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Recorded> events_;
};

// Every task posted to the loop before this has run (so any delivery in flight is done).
void flush(NetRuntime &rt) {
  std::promise<void> p;
  auto f = p.get_future();
  REQUIRE(rt.loop().post([&] { p.set_value(); }));
  f.wait();
}

std::vector<int16_t> tone(size_t n) {
  std::vector<int16_t> pcm(n);
  for (size_t i = 0; i < n; ++i) pcm[i] = static_cast<int16_t>((static_cast<int>(i * 37) % 2000) - 1000);
  return pcm;
}

SttParams params_for(RequestId id, int rate = 8000) {
  SttParams p;
  p.id = id;
  p.sample_rate = rate;
  p.language = "uk";
  p.alternatives = {"ru"};
  p.hints = {"шиномонтаж", "Michelin", "205/55 R16"};
  return p;
}

// open, push in 20 ms frames, finish.
void speak(SttProvider &stt, const SttParams &p, std::shared_ptr<Collector> sink, const std::vector<int16_t> &pcm,
           bool finish = true) {
  stt.open(p, std::move(sink));
  const size_t frame = static_cast<size_t>(p.sample_rate / 50);
  for (size_t at = 0; at < pcm.size(); at += frame)
    stt.push(p.id, std::span<const int16_t>(pcm).subspan(at, std::min(frame, pcm.size() - at)));
  if (finish) stt.finish(p.id);
}

std::string finals_text(const std::vector<SttEvent> &events) {
  std::string out;
  for (const auto &e : events) {
    if (e.type != SttEvent::Type::final) continue;
    if (!out.empty()) out += ' ';
    out += e.text;
  }
  return out;
}

net::RetryPolicy fast_retries() {
  BatchSttOptions defaults;
  net::RetryPolicy p = defaults.retry;
  p.base_delay = millis(2);
  p.max_delay = millis(10);
  return p;
}

enum class Failure { too_many_requests, server_error, cut };

// ---- the vendors, behind one shape ----

template <bool Whisper>
struct OpenAiHarness {
  static constexpr const char *kName = Whisper ? "whisper.cpp" : "openai";
  static constexpr int kAttempts = 3;
  test::OpenAiSttServer server{Whisper ? "/inference" : "/v1/audio/transcriptions", kKey};
  std::shared_ptr<NetRuntime> rt = std::make_shared<NetRuntime>("stt-test");
  std::shared_ptr<SttProvider> stt;

  OpenAiHarness() {
    OpenAiSttOptions o;
    o.base_url = Whisper ? server.origin() : server.origin() + "/v1";
    o.path = Whisper ? "/inference" : "/audio/transcriptions";
    o.api_key = kKey;
    o.batch.retry = fast_retries();
    stt = make_openai_stt(rt, o);
  }
  ~OpenAiHarness() { stt.reset(); }

  void script_transcript(const std::vector<std::string> &segments) {
    std::string text;
    for (const auto &s : segments) text += (text.empty() ? "" : " ") + s;
    server.push_transcript(text, 1);
  }
  void script_silence() { server.push_transcript("", 1); }
  void script_stall() {
    Reply r;
    r.stall = true;
    server.push(r);
  }
  void script_failure(Failure f) {
    for (int i = 0; i < kAttempts; ++i) {
      if (f == Failure::too_many_requests) server.push(Reply::retry_after(429, "0", R"({"error":{"message":"Rate limit reached"}})"));
      if (f == Failure::server_error) server.push(Reply::json(500, R"({"error":{"message":"The server had an error"}})"));
    }
    if (f == Failure::cut) {
      Reply r = Reply::json(200, R"({"text":"добрий день, мені потрібні шини"})");
      r.cut_after = 10;
      server.push(r);
    }
  }
  // How many requests a failure should have cost.
  static size_t attempts_for(Failure f) { return f == Failure::cut ? 1 : kAttempts; }
  void script_key_echo() {
    server.push(Reply::json(400, std::string(R"({"error":{"message":"Invalid file, key )") + kKey + R"("}})"));
  }
  bool wait_in_flight() { return server.http().wait_for_requests(1); }
  bool wait_transfer_stopped() { return server.http().wait_for_peer_closes(1); }
  size_t requests() { return server.http().request_count(); }

  void check_request(const SttParams &p, const std::vector<int16_t> &pcm) {
    const auto uploads = server.uploads();
    REQUIRE(uploads.size() == 1);
    const auto &u = uploads[0];
    CHECK(u.request.method == "POST");
    CHECK(u.request.path == (Whisper ? "/inference" : "/v1/audio/transcriptions"));
    CHECK(u.request.header_value("Content-Type").starts_with("multipart/form-data; boundary="));
    CHECK(u.request.header_value("Authorization") == std::string("Bearer ") + kKey);
    CHECK(u.filename == "audio.wav");
    CHECK(u.wav_ok);
    CHECK(u.sample_rate == p.sample_rate);
    CHECK(u.channels == 1);
    CHECK(u.samples == pcm);
    CHECK(u.fields.at("model") == "whisper-1");
    CHECK(u.fields.at("language") == "uk");
    CHECK(u.fields.at("response_format") == "json");
  }
};

struct GoogleHarness {
  static constexpr const char *kName = "google";
  static constexpr int kAttempts = 3;

  // A test-only credential: the API key header, as make_google_auth gives for api_key.
  class KeyAuth final : public google::GoogleAuth {
   public:
    void headers(std::function<void(Result<net::Headers>)> done) override {
      done(net::Headers{{"x-goog-api-key", kKey}});
    }
  };

  test::GoogleSttServer server{kKey};
  std::shared_ptr<NetRuntime> rt = std::make_shared<NetRuntime>("stt-test");
  std::shared_ptr<SttProvider> stt;

  GoogleHarness() {
    GoogleSttOptions o;
    o.base_url = server.base_url();
    o.batch.retry = fast_retries();
    o.batch.api_key = kKey;
    stt = make_google_stt(rt, std::make_shared<KeyAuth>(), o);
  }
  ~GoogleHarness() { stt.reset(); }

  void script_transcript(const std::vector<std::string> &segments) {
    std::vector<std::pair<std::string, double>> results;
    for (const auto &s : segments) results.emplace_back(s, 0.91);
    Reply r = Reply::json(200, test::GoogleSttServer::results_json(results));
    r.chunk_size = 1;
    server.push(r);
  }
  void script_silence() {
    Reply r = Reply::json(200, "{}");
    r.chunk_size = 1;
    server.push(r);
  }
  void script_stall() {
    Reply r;
    r.stall = true;
    server.push(r);
  }
  void script_failure(Failure f) {
    for (int i = 0; i < kAttempts; ++i) {
      if (f == Failure::too_many_requests)
        server.push(Reply::retry_after(429, "0", R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})"));
      if (f == Failure::server_error)
        server.push(Reply::json(500, R"({"error":{"code":500,"message":"Internal error","status":"INTERNAL"}})"));
    }
    if (f == Failure::cut) {
      Reply r = Reply::json(200, test::GoogleSttServer::results_json({{"добрий день", 0.9}}));
      r.cut_after = 10;
      server.push(r);
    }
  }
  static size_t attempts_for(Failure f) { return f == Failure::cut ? 1 : kAttempts; }
  void script_key_echo() {
    server.push(Reply::json(400, std::string(R"({"error":{"code":400,"message":"bad request from key )") + kKey +
                                     R"(","status":"INVALID_ARGUMENT"}})"));
  }
  bool wait_in_flight() { return server.http().wait_for_requests(1); }
  bool wait_transfer_stopped() { return server.http().wait_for_peer_closes(1); }
  size_t requests() { return server.http().request_count(); }

  void check_request(const SttParams &p, const std::vector<int16_t> &pcm) {
    const auto reqs = server.recognized();
    REQUIRE(reqs.size() == 1);
    const auto &r = reqs[0];
    CHECK(r.request.method == "POST");
    CHECK(r.request.path == "/v1/speech:recognize");
    CHECK(r.request.header_value("x-goog-api-key") == kKey);
    CHECK(r.request.header_value("Content-Type").starts_with("application/json"));
    const json::Value &c = r.body["config"];
    CHECK(c["encoding"].str() == "LINEAR16");
    CHECK(c["sampleRateHertz"].as_int() == p.sample_rate);
    CHECK(c["languageCode"].str() == "uk-UA");
    REQUIRE(c["alternativeLanguageCodes"].size() == 1);
    CHECK(c["alternativeLanguageCodes"].items()[0].str() == "ru-RU");
    REQUIRE(c["speechContexts"].size() == 1);
    const json::Value &phrases = c["speechContexts"].items()[0]["phrases"];
    REQUIRE(phrases.size() == p.hints.size());
    for (size_t i = 0; i < p.hints.size(); ++i) CHECK(phrases.items()[i].str() == p.hints[i]);
    CHECK(r.samples == pcm);
  }
};

struct DeepgramHarness {
  static constexpr const char *kName = "deepgram";
  test::DeepgramTestServer server;
  std::shared_ptr<NetRuntime> rt = std::make_shared<NetRuntime>("stt-test");
  std::shared_ptr<SttProvider> stt;

  explicit DeepgramHarness(Nanos keepalive = seconds(4)) {
    DeepgramSttOptions o;
    o.base_url = server.base_url();
    o.api_key = kKey;
    o.keepalive_interval = keepalive;
    stt = std::make_shared<DeepgramStt>(rt, o);
    // The worst chunking for every message the server sends.
    server.set_fragment_size(3);
    server.set_write_chunk(1);
  }
  ~DeepgramHarness() { stt.reset(); }

  static std::string result(std::string_view text, bool is_final, bool speech_final) {
    json::Value alt;
    alt.set("transcript", text).set("confidence", 0.97);
    json::Value v;
    v.set("type", "Results").set("channel_index", json::Value::array().push(0).push(1)).set("start", 0.0);
    v.set("duration", 1.4).set("is_final", is_final).set("speech_final", speech_final).set("from_finalize", false);
    v.set("channel", json::Value().set("alternatives", json::Value::array().push(std::move(alt))));
    return json::dump(v);
  }
  static std::string metadata() {
    return R"({"type":"Metadata","transaction_key":"deprecated","request_id":"r1","sha256":"x","created":"2025-01-01T00:00:00Z","duration":1.5,"channels":1})";
  }

  void script_transcript(const std::vector<std::string> &segments) {
    std::vector<std::string> msgs;
    msgs.push_back(result(segments.front().substr(0, segments.front().size() / 2), false, false));
    for (size_t i = 0; i < segments.size(); ++i) msgs.push_back(result(segments[i], true, i + 1 == segments.size()));
    msgs.push_back(metadata());
    server.on_close_stream(msgs);
  }
  void script_silence() { server.on_close_stream({result("", true, false), metadata()}); }
  void script_stall() { server.on_close_stream({}, false); }
  void script_failure(Failure f) {
    if (f == Failure::too_many_requests)
      server.refuse_next({429, {{"Retry-After", "1"}, {"Content-Type", "application/json"}}, R"({"err_code":"TOO_MANY_REQUESTS"})"});
    if (f == Failure::server_error) server.refuse_next({500, {}, "oops"});
    if (f == Failure::cut) {
      server.on_close_stream({}, false);  // CloseStream is left unanswered: the cut comes first
      cut_pending_ = true;
    }
  }
  static size_t attempts_for(Failure) { return 1; }
  void script_key_echo() {
    server.on_close_stream({}, false);
    close_with_key_ = true;
  }
  bool wait_in_flight() { return server.wait_for_connection(1); }
  bool wait_transfer_stopped() { return server.wait_for_end(0); }
  size_t requests() { return server.connection_count(); }

  // What the scripted failures need once the stream is up.
  void after_speaking() {
    if (cut_pending_) {
      REQUIRE(server.wait_for_connection(1));
      server.cut(0);
    }
    if (close_with_key_) {
      REQUIRE(server.wait_for_connection(1));
      server.send_close(0, 1008, std::string("DATA-0000 bad key ") + kKey);
    }
  }

  void check_request(const SttParams &p, const std::vector<int16_t> &pcm) {
    REQUIRE(server.connection_count() == 1);
    const auto c = server.connection(0);
    CHECK(c.upgrade.method == "GET");
    CHECK(c.upgrade.path == "/v1/listen");
    CHECK(c.upgrade.header_value("Authorization") == std::string("Token ") + kKey);
    for (const std::string &want : std::vector<std::string>{"encoding=linear16", "sample_rate=" + std::to_string(p.sample_rate), "channels=1",
                                   "language=uk", "interim_results=true", "endpointing=300", "utterance_end_ms=1000",
                                   "model=nova-2"}) {
      CHECK_MESSAGE(("&" + c.upgrade.query + "&").find("&" + want + "&") != std::string::npos, want);
    }
    for (const std::string &hint : p.hints) {
      const std::string want = "keywords=" + url_encode(hint);
      CHECK_MESSAGE(("&" + c.upgrade.query + "&").find("&" + want + "&") != std::string::npos, want);
    }
    CHECK(c.audio.size() == pcm.size() * 2);
    CHECK(std::memcmp(c.audio.data(), pcm.data(), std::min(c.audio.size(), pcm.size() * 2)) == 0);
    CHECK_FALSE(c.unmasked_frame);
    REQUIRE_FALSE(c.texts.empty());
    CHECK(c.texts.back() == R"({"type":"CloseStream"})");
  }

  bool cut_pending_ = false;
  bool close_with_key_ = false;
};

template <class H>
void after_speaking(H &) {}
template <>
void after_speaking(DeepgramHarness &h) {
  h.after_speaking();
}

}  // namespace

#define STT_HARNESSES OpenAiHarness<false>, OpenAiHarness<true>, GoogleHarness, DeepgramHarness

TEST_CASE_TEMPLATE("stt conformance: a scripted transcript arrives intact under any chunking", H, STT_HARNESSES) {
  H h;
  CAPTURE(H::kName);
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(1, 16000);
  const auto pcm = tone(16000);  // 1 s
  h.script_transcript({"добрий день,", "мені потрібні зимові шини 205/55 R16"});
  speak(*h.stt, p, sink, pcm);
  REQUIRE(sink->wait_end(1));
  const auto events = sink->of(1);
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().type == SttEvent::Type::done);
  CHECK(finals_text(events) == "добрий день, мені потрібні зимові шини 205/55 R16");
  for (const auto &e : events) {
    if (e.type == SttEvent::Type::final) {
      CHECK(e.language == "uk");
      CHECK(e.confidence >= 0.0);
    }
  }
  // Exactly one terminal event, last.
  size_t terminal = 0;
  for (const auto &e : events) terminal += e.type == SttEvent::Type::done || e.type == SttEvent::Type::error;
  CHECK(terminal == 1);
  h.check_request(p, pcm);
}

TEST_CASE_TEMPLATE("stt conformance: the deployment's words go with every stream's own hints", H, STT_HARNESSES) {
  H h;
  CAPTURE(H::kName);
  SpeechVocabulary words;
  words.brands = {"Michelin", "Matador"};  // Michelin is a hint of the stream already: sent once
  words.cities = {"Київ"};
  h.stt->use_vocabulary(words);
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(3, 16000);
  const auto pcm = tone(8000);
  h.script_transcript({"так"});
  speak(*h.stt, p, sink, pcm);
  REQUIRE(sink->wait_end(3));
  SttParams sent = p;
  sent.hints.push_back("Matador");
  sent.hints.push_back("Київ");
  h.check_request(sent, pcm);  // Google's phrases and Deepgram's keywords; whisper's prompt is off by default
}

TEST_CASE_TEMPLATE("stt conformance: silence gives done without a final", H, STT_HARNESSES) {
  H h;
  CAPTURE(H::kName);
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(7);
  h.script_silence();
  speak(*h.stt, p, sink, std::vector<int16_t>(4000, 0));
  REQUIRE(sink->wait_end(7));
  const auto events = sink->of(7);
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == SttEvent::Type::done);
}

TEST_CASE_TEMPLATE("stt conformance: cancel stops the transfer and nothing reaches the sink after", H, STT_HARNESSES) {
  H h;
  CAPTURE(H::kName);
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(3);
  h.script_stall();
  speak(*h.stt, p, sink, tone(8000));
  REQUIRE(h.wait_in_flight());
  h.stt->cancel(3);
  CHECK(h.wait_transfer_stopped());
  flush(*h.rt);
  CHECK(sink->count() == 0);
  // The stream is gone: more calls on it are no-ops.
  h.stt->push(3, tone(160));
  h.stt->finish(3);
  h.stt->cancel(3);
  flush(*h.rt);
  CHECK(sink->count() == 0);
}

TEST_CASE_TEMPLATE("stt conformance: 429, 500 and a cut connection become one error event", H, STT_HARNESSES) {
  for (const Failure f : {Failure::too_many_requests, Failure::server_error, Failure::cut}) {
    H h;
    CAPTURE(H::kName);
    CAPTURE(static_cast<int>(f));
    auto sink = std::make_shared<Collector>();
    const SttParams p = params_for(11);
    h.script_failure(f);
    speak(*h.stt, p, sink, tone(8000));
    after_speaking(h);
    REQUIRE(sink->wait_end(11));
    flush(*h.rt);
    const auto events = sink->of(11);
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == SttEvent::Type::error);
    CHECK_FALSE(events[0].text.empty());
    if (f == Failure::too_many_requests) CHECK(events[0].text.find("429") != std::string::npos);
    if (f == Failure::server_error) CHECK(events[0].text.find("500") != std::string::npos);
    CHECK(h.requests() == H::attempts_for(f));
  }
}

TEST_CASE_TEMPLATE("stt conformance: keys never appear in error texts", H, STT_HARNESSES) {
  H h;
  CAPTURE(H::kName);
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(5);
  h.script_key_echo();
  speak(*h.stt, p, sink, tone(8000));
  after_speaking(h);
  REQUIRE(sink->wait_end(5));
  const auto events = sink->of(5);
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == SttEvent::Type::error);
  CHECK(events[0].text.find(kKey) == std::string::npos);
  CHECK(events[0].text.find("[SECRET]") != std::string::npos);  // the server did send it
}

// ---- Deepgram's own behaviour ----

TEST_CASE("deepgram: KeepAlive text frames while no audio flows, CloseStream on finish") {
  DeepgramHarness h(millis(20));
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(21);
  h.stt->open(p, sink);
  REQUIRE(h.server.wait_for_connection(1));
  REQUIRE(h.server.wait_for_text(0, "KeepAlive"));
  auto c = h.server.connection(0);
  CHECK(c.audio.empty());
  for (const auto &t : c.texts) CHECK(t == R"({"type":"KeepAlive"})");
  h.server.on_close_stream({DeepgramHarness::result("так", true, true)});
  h.stt->finish(21);
  REQUIRE(sink->wait_end(21));
  c = h.server.connection(0);
  CHECK(c.texts.back() == R"({"type":"CloseStream"})");
  const auto events = sink->of(21);
  CHECK(finals_text(events) == "так");
  CHECK(events.back().type == SttEvent::Type::done);
}

TEST_CASE("deepgram: interim results, then UtteranceEnd ends the utterance when no speech_final came") {
  DeepgramHarness h;
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(22);
  h.server.on_close_stream({DeepgramHarness::metadata()});
  speak(*h.stt, p, sink, tone(8000), /*finish=*/false);
  REQUIRE(h.server.wait_for_audio(0, 16000));
  REQUIRE(h.server.send_text(0, DeepgramHarness::result("добрий", false, false)));
  REQUIRE(h.server.send_text(0, DeepgramHarness::result("добрий день", true, false)));
  REQUIRE(sink->wait_count(2));
  REQUIRE(h.server.send_text(0, R"({"type":"UtteranceEnd","channel":[0,1],"last_word_end":1.21})"));
  // Without finish(): the provider closes the stream itself.
  REQUIRE(sink->wait_end(22));
  CHECK(h.server.connection(0).texts.back() == R"({"type":"CloseStream"})");
  const auto events = sink->of(22);
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == SttEvent::Type::interim);
  CHECK(events[0].text == "добрий");
  CHECK(events[1].type == SttEvent::Type::final);
  CHECK(events[1].text == "добрий день");
  CHECK(events[1].confidence == doctest::Approx(0.97));
  CHECK(events[2].type == SttEvent::Type::done);
  // Audio after the end of the utterance is not sent.
  const size_t sent = h.server.connection(0).audio.size();
  h.stt->push(22, tone(800));
  flush(*h.rt);
  CHECK(h.server.connection(0).audio.size() == sent);
}

TEST_CASE("deepgram: speech_final ends the utterance; finals are accumulated until then") {
  DeepgramHarness h;
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(23);
  h.server.on_close_stream({DeepgramHarness::metadata()});
  speak(*h.stt, p, sink, tone(8000), /*finish=*/false);
  REQUIRE(h.server.wait_for_audio(0, 16000));
  REQUIRE(h.server.send_text(0, DeepgramHarness::result("маю запис", true, false)));
  REQUIRE(h.server.send_text(0, DeepgramHarness::result("на завтра", true, true)));
  REQUIRE(sink->wait_end(23));
  const auto events = sink->of(23);
  CHECK(finals_text(events) == "маю запис на завтра");
  CHECK(events.back().type == SttEvent::Type::done);
  CHECK(h.server.wait_for_text(0, "CloseStream"));
}

TEST_CASE("deepgram: a close with an error code is an error event naming it") {
  DeepgramHarness h;
  auto sink = std::make_shared<Collector>();
  const SttParams p = params_for(24);
  speak(*h.stt, p, sink, tone(800), /*finish=*/false);
  REQUIRE(h.server.wait_for_audio(0, 1600));
  REQUIRE(h.server.send_close(0, 1011, "NET-0001"));
  REQUIRE(sink->wait_end(24));
  const auto events = sink->of(24);
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == SttEvent::Type::error);
  CHECK(events[0].text.find("NET-0001") != std::string::npos);
}

TEST_CASE("deepgram: several streams at once on one provider, each its own connection") {
  DeepgramHarness h;
  auto a = std::make_shared<Collector>();
  h.server.on_close_stream({DeepgramHarness::result("так", true, true)});
  for (RequestId id = 31; id <= 33; ++id) speak(*h.stt, params_for(id), a, tone(1600));
  for (RequestId id = 31; id <= 33; ++id) {
    REQUIRE(a->wait_end(id));
    CHECK(finals_text(a->of(id)) == "так");
    CHECK(a->of(id).back().type == SttEvent::Type::done);
  }
  CHECK(h.server.connection_count() == 3);
}

// ---- factories ----

TEST_CASE("stt factories: the network types are registered and check their options") {
  const auto &f = builtin_factories();
  REQUIRE(f.stt.count("openai") == 1);
  REQUIRE(f.stt.count("google") == 1);
  REQUIRE(f.stt.count("deepgram") == 1);

  FactoryArgs a{"whisper", json::Value::object(), "test.toml:1"};
  a.options.set("base_url", "http://127.0.0.1:8080").set("path", "/inference").set("api_key_env", "CA_TEST_NO_SUCH_VAR");
  auto whisper = f.stt.at("openai")(a);
  REQUIRE(whisper.ok());  // a self-hosted server needs no key
  CHECK((*whisper)->name() == "openai stt");

  FactoryArgs official{"oa", json::Value::object(), "test.toml:5"};
  official.options.set("api_key_env", "CA_TEST_NO_SUCH_VAR");
  auto missing = f.stt.at("openai")(official);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("CA_TEST_NO_SUCH_VAR") != std::string::npos);

  FactoryArgs typo{"oa", json::Value::object(), "test.toml:9"};
  typo.options.set("base_url", "http://127.0.0.1:1").set("modle", "x");
  auto bad = f.stt.at("openai")(typo);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("modle") != std::string::npos);

  FactoryArgs dg{"dg", json::Value::object(), "test.toml:12"};
  dg.options.set("api_key_env", "CA_TEST_NO_SUCH_VAR");
  auto no_key = f.stt.at("deepgram")(dg);
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.error().message.find("CA_TEST_NO_SUCH_VAR") != std::string::npos);

  FactoryArgs dg2{"dg", json::Value::object(), "test.toml:15"};
  dg2.options.set("api_key", "dg-key-0123456789").set("base_url", "ftp://x").set("keepalive_ms", 500);
  CHECK_FALSE(f.stt.at("deepgram")(dg2).ok());
  dg2.options.set("base_url", "ws://127.0.0.1:9");
  CHECK(f.stt.at("deepgram")(dg2).ok());

  FactoryArgs g{"g", json::Value::object(), "test.toml:20"};
  g.options.set("api_key", "AIza-test-0123456789").set("model", "telephony").set("boost", 10);
  CHECK(f.stt.at("google")(g).ok());
  g.options.set("boost", 50);
  CHECK_FALSE(f.stt.at("google")(g).ok());
}

TEST_CASE("stt request builders: language codes, hints, the listen URL") {
  CHECK(google_language_code("uk") == "uk-UA");
  CHECK(google_language_code("ru") == "ru-RU");
  CHECK(google_language_code("en-GB") == "en-GB");

  SttParams p = params_for(1);
  p.alternatives = {"ru", "uk", "en", "pl", "de"};  // the primary is dropped, at most 3 remain
  p.hints.push_back(std::string(150, 'a'));         // over Google's 100 characters: left out
  auto body = json::parse(google_stt_body(GoogleSttOptions{}, p, tone(3)));
  REQUIRE(body.ok());
  const json::Value &c = (*body)["config"];
  REQUIRE(c["alternativeLanguageCodes"].size() == 3);
  CHECK(c["alternativeLanguageCodes"].items()[2].str() == "pl-PL");
  CHECK(c["speechContexts"].items()[0]["phrases"].size() == 3);
  CHECK((*body)["audio"]["content"].str().size() == 8);  // 6 bytes of base64

  DeepgramSttOptions o;
  o.model = "nova-3";
  const std::string target = deepgram_listen_target(o, params_for(1));
  CHECK(target.starts_with("/v1/listen?encoding=linear16&sample_rate=8000&channels=1&language=uk"));
  CHECK(target.find("&keyterm=%D1%88") != std::string::npos);  // Cyrillic, percent-encoded
  CHECK(target.find("&keyterm=205%2F55%20R16") != std::string::npos);
}
