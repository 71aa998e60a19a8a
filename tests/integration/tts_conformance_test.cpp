// One suite for every network speech-synthesis provider — OpenAI-compatible, Google (API key and
// service account), ElevenLabs (pcm_16000 and ulaw_8000) — each bare and behind the phrase cache,
// against local servers that speak the vendors' wire formats (tests/support/tts_servers.hpp).
#include <doctest/doctest.h>

#include <condition_variable>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "audio/g711.hpp"
#include "core/json.hpp"
#include "providers/elevenlabs/elevenlabs_tts.hpp"
#include "providers/google/google_tts.hpp"
#include "providers/google/service_account.hpp"
#include "providers/net_runtime.hpp"
#include "providers/openai/openai_tts.hpp"
#include "providers/registry.hpp"
#include "providers/tts_cache.hpp"
#include "support/tts_servers.hpp"

using namespace ca;
using namespace ca::providers;
using ca::test::Gate;
using ca::test::Reply;
using ca::test::TtsVendor;
using ca::test::TtsVendorServer;

namespace {

constexpr Nanos kWait = seconds(20);

// Everything one request's sink saw. `cancelled` is set by the test right after cancel() returns:
// a callback after that is a failure.
struct Recorder final : TtsSink {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int16_t> pcm;
  std::set<int> rates;
  int chunks = 0;
  int dones = 0;
  int errors = 0;
  std::string message;
  bool cancelled = false;
  int after_cancel = 0;

  void on_tts_audio(RequestId, std::span<const int16_t> p, int rate) override {
    std::lock_guard l(mu);
    if (cancelled) ++after_cancel;
    pcm.insert(pcm.end(), p.begin(), p.end());
    rates.insert(rate);
    ++chunks;
    cv.notify_all();
  }
  void on_tts_done(RequestId) override {
    std::lock_guard l(mu);
    if (cancelled) ++after_cancel;
    ++dones;
    cv.notify_all();
  }
  void on_tts_error(RequestId, std::string m) override {
    std::lock_guard l(mu);
    if (cancelled) ++after_cancel;
    ++errors;
    message = std::move(m);
    cv.notify_all();
  }
  bool wait_end() {
    std::unique_lock l(mu);
    return cv.wait_for(l, std::chrono::nanoseconds(kWait), [&] { return dones + errors > 0; });
  }
  bool wait_audio() {
    std::unique_lock l(mu);
    return cv.wait_for(l, std::chrono::nanoseconds(kWait), [&] { return !pcm.empty() || dones + errors > 0; });
  }
  void mark_cancelled() {
    std::lock_guard l(mu);
    cancelled = true;
  }
};

// Full-scale noise with the values a byte-order or sign mistake would change.
std::vector<int16_t> test_signal(size_t n) {
  std::mt19937 rng(12345);
  std::vector<int16_t> s(n);
  for (auto &v : s) v = static_cast<int16_t>(static_cast<int32_t>(rng() % 65536) - 32768);
  const int16_t edges[] = {0, 1, -1, 255, 256, -256, 32767, -32768, 0x0102, -0x0102};
  for (size_t i = 0; i < std::size(edges) && i < n; ++i) s[i * 7 % n] = edges[i];
  return s;
}

struct Case {
  std::string label;
  TtsVendor vendor;
  bool service_account = false;  // google
  const char *format = "";       // elevenlabs
  bool cached = false;
};

const Case kCases[] = {
    {"openai", TtsVendor::openai},
    {"google-key", TtsVendor::google},
    {"google-service-account", TtsVendor::google, true},
    {"elevenlabs-pcm16k", TtsVendor::elevenlabs, false, "pcm_16000"},
    {"elevenlabs-ulaw8k", TtsVendor::elevenlabs, false, "ulaw_8000"},
    {"openai+cache", TtsVendor::openai, false, "", true},
    {"google-key+cache", TtsVendor::google, false, "", true},
    {"google-service-account+cache", TtsVendor::google, true, "", true},
    {"elevenlabs-pcm16k+cache", TtsVendor::elevenlabs, false, "pcm_16000", true},
    {"elevenlabs-ulaw8k+cache", TtsVendor::elevenlabs, false, "ulaw_8000", true},
};

constexpr int kGoogleWavRate = 16000;  // not the 8000 asked for: the fmt chunk is what counts

// One provider against its server.
struct Harness {
  Case c;
  std::shared_ptr<NetRuntime> runtime = std::make_shared<NetRuntime>("tts-test");
  std::unique_ptr<TtsVendorServer> server;
  std::unique_ptr<test::GoogleTokenServer> tokens;
  std::string secret;  // what authorises requests: never in an error text
  std::shared_ptr<TtsProvider> tts;
  std::vector<int16_t> expected;
  int rate = 0;
  bool streams = true;  // audio reaches the sink before the answer is complete
  RequestId next_id = 1;

  explicit Harness(const Case &cs, HttpTtsLimits limits = {}) : c(cs) {
    const std::vector<int16_t> audio = test_signal(2400);
    server = std::make_unique<TtsVendorServer>(c.vendor, audio, kGoogleWavRate);
    std::shared_ptr<HttpTts> inner;
    switch (c.vendor) {
      case TtsVendor::openai: {
        OpenAiTtsOptions o;
        o.base_url = server->base_url();
        o.api_key = secret = "sk-test-conformance-0123456789abcdef";
        o.voice = "alloy";
        o.speed = 1.25;
        o.limits = limits;
        inner = make_openai_tts(o, runtime);
        expected = audio;
        rate = kOpenAiPcmRate;
        break;
      }
      case TtsVendor::google: {
        std::shared_ptr<google::GoogleAuth> auth;
        if (c.service_account) {
          static const std::string pem = test::generate_rsa_pem();
          tokens = std::make_unique<test::GoogleTokenServer>(pem);
          auto sa = google::parse_service_account(tokens->key_file_json(pem));
          REQUIRE(sa);
          auto a = google::make_service_account_auth(*sa, runtime);
          REQUIRE(a);
          auth = *a;
          secret = test::GoogleTokenServer::token(1);
        } else {
          secret = "AIzaSyTest-conformance-0123456789";
          auth = google::make_api_key_auth(secret);
        }
        GoogleTtsOptions o;
        o.base_url = server->base_url();
        o.voice_uk = "uk-UA-Chirp3-HD-Kore";
        o.voice_ru = "ru-RU-Chirp3-HD-Aoede";
        o.speaking_rate = 1.1;
        o.limits = limits;
        inner = make_google_tts(o, auth, runtime);
        expected = audio;
        rate = kGoogleWavRate;
        streams = false;
        break;
      }
      case TtsVendor::elevenlabs: {
        ElevenLabsOptions o;
        o.base_url = server->base_url();
        o.api_key = secret = "el-test-conformance-0123456789";
        o.voice_uk = "VoiceUk123";
        o.voice_ru = "VoiceRu456";
        o.voice = "VoiceAny789";
        o.output_format = c.format;
        server->set_elevenlabs_format(c.format);
        o.voice_settings.stability = 0.5;
        o.voice_settings.similarity_boost = 0.75;
        o.limits = limits;
        inner = make_elevenlabs_tts(o, runtime);
        if (std::string_view(c.format) == "ulaw_8000") {
          const std::string codes = test::ulaw_bytes(audio);
          expected.resize(codes.size());
          audio::decode_ulaw(std::span(reinterpret_cast<const uint8_t *>(codes.data()), codes.size()), expected.data());
          rate = 8000;
        } else {
          expected = audio;
          rate = 16000;
        }
        break;
      }
    }
    if (c.cached) {
      TtsCacheOptions co;
      co.settings = c.label;
      auto cached = CachedTts::create(inner, co);
      REQUIRE(cached);
      tts = *cached;
    } else {
      tts = inner;
    }
  }

  ~Harness() {
    tts.reset();
    server->http().stop();
    if (tokens) tokens->http().stop();
  }

  TtsRequest request(std::string text, std::string language = "uk") {
    TtsRequest r;
    r.id = next_id++;
    r.text = std::move(text);
    r.language = std::move(language);
    r.sample_rate = 8000;
    return r;
  }

  // Synthesises and waits for the end.
  std::shared_ptr<Recorder> say(const TtsRequest &r) {
    auto rec = std::make_shared<Recorder>();
    tts->synthesize(r, rec);
    REQUIRE(rec->wait_end());
    return rec;
  }
  std::shared_ptr<Recorder> say(std::string text) { return say(request(std::move(text))); }

  size_t tts_requests() { return server->http().request_count(); }
};

const std::string kText = "Добрий день! Шиномонтаж «Колесо», чим можу допомогти?";

}  // namespace

TEST_CASE("every TTS provider: audio arrives sample-exact under any chunking, at the right rate") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    for (const size_t chunk : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{1001}}) {
      CAPTURE(chunk);
      h.server->set_chunk_size(chunk);
      // A new text each time, so the cache (where there is one) passes every request on.
      auto rec = h.say(kText + " #" + std::to_string(chunk));
      std::lock_guard l(rec->mu);
      CHECK(rec->errors == 0);
      CHECK(rec->message == "");
      CHECK(rec->dones == 1);
      CHECK(rec->pcm.size() == h.expected.size());
      CHECK(rec->pcm == h.expected);
      CHECK(rec->rates == std::set<int>{h.rate});
      // Streamed vendors hand audio on piece by piece, not all at the end.
      if (h.streams && chunk == 7) CHECK(rec->chunks > 10);
    }
  }
}

TEST_CASE("every TTS provider: the request carries the vendor's format exactly") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    auto rec = h.say(kText);
    REQUIRE(rec->dones == 1);
    TtsRequest ru = h.request("Добрый день", "ru");
    auto rec_ru = h.say(ru);
    REQUIRE(rec_ru->dones == 1);
    auto reqs = h.server->http().requests();
    REQUIRE(reqs.size() == 2);
    const auto &q = reqs[0];
    CHECK(q.method == "POST");
    CHECK(h.server->path_ok(q));
    auto body = json::parse(q.body);
    REQUIRE(body);
    auto body_ru = json::parse(reqs[1].body);
    REQUIRE(body_ru);
    CHECK(q.header_value("Content-Type").starts_with("application/json"));
    switch (c.vendor) {
      case TtsVendor::openai:
        CHECK(q.path == "/v1/audio/speech");
        CHECK(q.header_value("Authorization") == "Bearer " + h.secret);
        CHECK((*body)["model"].str() == "gpt-4o-mini-tts");
        CHECK((*body)["input"].str() == kText);
        CHECK((*body)["voice"].str() == "alloy");
        CHECK((*body)["response_format"].str() == "pcm");
        CHECK((*body)["speed"].as_double() == doctest::Approx(1.25));
        CHECK((*body_ru)["input"].str() == "Добрый день");
        break;
      case TtsVendor::google: {
        CHECK(q.path == "/v1/text:synthesize");
        CHECK(q.query.find("key=") == std::string::npos);  // never the key in a URL
        if (c.service_account) {
          CHECK(q.header_value("Authorization") == "Bearer " + h.secret);
          CHECK(q.header("x-goog-api-key") == nullptr);
          CHECK(h.tokens->issued() == 1);  // one token for both requests
        } else {
          CHECK(q.header_value("x-goog-api-key") == h.secret);
          CHECK(q.header("Authorization") == nullptr);
        }
        CHECK((*body)["input"]["text"].str() == kText);
        CHECK((*body)["voice"]["languageCode"].str() == "uk-UA");
        CHECK((*body)["voice"]["name"].str() == "uk-UA-Chirp3-HD-Kore");
        CHECK((*body)["audioConfig"]["audioEncoding"].str() == "LINEAR16");
        CHECK((*body)["audioConfig"]["sampleRateHertz"].as_int() == 8000);
        CHECK((*body)["audioConfig"]["speakingRate"].as_double() == doctest::Approx(1.1));
        CHECK((*body_ru)["voice"]["languageCode"].str() == "ru-RU");
        CHECK((*body_ru)["voice"]["name"].str() == "ru-RU-Chirp3-HD-Aoede");
        break;
      }
      case TtsVendor::elevenlabs:
        CHECK(q.path == "/v1/text-to-speech/VoiceUk123/stream");
        CHECK(reqs[1].path == "/v1/text-to-speech/VoiceRu456/stream");
        // output_format in the query, never in the body.
        CHECK(q.query == std::string("output_format=") + c.format);
        CHECK(body->find("output_format") == nullptr);
        CHECK(q.header_value("xi-api-key") == h.secret);
        CHECK(q.header("Authorization") == nullptr);
        CHECK((*body)["text"].str() == kText);
        CHECK((*body)["model_id"].str() == "eleven_multilingual_v2");
        // multilingual v2 answers language_code with an error: only v2.5 models get it.
        CHECK(body->find("language_code") == nullptr);
        CHECK((*body)["voice_settings"]["stability"].as_double() == doctest::Approx(0.5));
        CHECK((*body)["voice_settings"]["similarity_boost"].as_double() == doctest::Approx(0.75));
        CHECK((*body)["voice_settings"].find("speed") == nullptr);
        break;
    }
  }
}

TEST_CASE("every TTS provider: cancel stops the transfer and nothing reaches the sink after it") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    auto gate = std::make_shared<Gate>();
    Reply r = h.server->audio_reply(0);
    if (h.streams) {
      // Half the audio now, the rest only when the gate opens (after the cancel).
      Reply::Part first{r.body.substr(0, r.body.size() / 2 + 1), 0, nullptr};
      Reply::Part rest{r.body.substr(r.body.size() / 2 + 1), 0, gate};
      r.body.clear();
      r.parts = {first, rest};
      // A byte per write: once the client has closed the connection, a write fails and the
      // server counts the close.
      r.chunk_size = 1;
    } else {
      r = Reply();
      r.stall = true;  // Google answers all at once: hold the answer back entirely
    }
    h.server->push(r);
    auto rec = std::make_shared<Recorder>();
    const TtsRequest req = h.request(kText);
    h.tts->synthesize(req, rec);
    if (h.streams) {
      REQUIRE(rec->wait_audio());
    } else {
      REQUIRE(h.server->http().wait_for_requests(1));
    }
    h.tts->cancel(req.id);
    rec->mark_cancelled();
    gate->open();
    // The connection is closed mid-body, not left to finish.
    CHECK(h.server->http().wait_for_peer_closes(1));
    // A later request completes: anything late for the cancelled one would have come first.
    auto next = h.say(kText + " (again)");
    CHECK(next->dones == 1);
    std::lock_guard l(rec->mu);
    CHECK(rec->after_cancel == 0);
    CHECK(rec->dones == 0);
    CHECK(rec->errors == 0);
    CHECK(rec->pcm.size() < h.expected.size());
  }
}

TEST_CASE("every TTS provider: 429 with Retry-After is honoured, then the answer comes") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    Reply busy = h.server->error_reply(429, "Rate limit reached, try again");
    busy.headers.push_back({"Retry-After", "0"});
    h.server->push(busy);
    auto rec = h.say(kText);
    std::lock_guard l(rec->mu);
    CHECK(rec->errors == 0);
    CHECK(rec->message == "");
    CHECK(rec->dones == 1);
    CHECK(rec->pcm == h.expected);
    CHECK(h.tts_requests() == 2);
  }
}

namespace {

enum class Failure { status_500, cut, stall, no_audio };

void check_failure(Failure kind) {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    HttpTtsLimits limits;
    limits.idle_timeout = millis(300);  // a stall ends here, not after the default 10 s
    Harness h(c, limits);
    Reply r = h.server->audio_reply(0);
    switch (kind) {
      case Failure::status_500: r = h.server->error_reply(500, "Internal error encountered."); break;
      case Failure::cut:
        r.framing = Reply::Framing::content_length;
        r.cut_after = r.body.size() / 2;
        break;
      case Failure::stall: r.stall_after = r.body.size() / 3; break;
      case Failure::no_audio: r.body = c.vendor == TtsVendor::google ? "{}" : ""; break;
    }
    h.server->push(r);
    auto rec = h.say(kText);
    std::lock_guard l(rec->mu);
    CHECK(rec->dones == 0);
    CHECK(rec->errors == 1);
    CHECK(rec->message.starts_with(c.vendor == TtsVendor::openai   ? "openai tts: "
                                   : c.vendor == TtsVendor::google ? "google tts: "
                                                                   : "elevenlabs tts: "));
    CHECK(rec->pcm.size() < h.expected.size());
    switch (kind) {
      case Failure::status_500:
        CHECK(rec->message.find("HTTP 500: Internal error encountered.") != std::string::npos);
        CHECK(h.tts_requests() == 1);  // a 500 is not tried again
        break;
      case Failure::stall: CHECK(rec->message.find("timed out (idle)") != std::string::npos); break;
      case Failure::cut: CHECK(rec->message.find("connection failed") != std::string::npos); break;
      case Failure::no_audio: break;
    }
  }
}

}  // namespace

TEST_CASE("every TTS provider: HTTP 500 is on_tts_error with the vendor's message, not retried") {
  check_failure(Failure::status_500);
}

TEST_CASE("every TTS provider: a connection cut mid-body is on_tts_error") { check_failure(Failure::cut); }

TEST_CASE("every TTS provider: a stall mid-body is on_tts_error once the idle timeout passes") {
  check_failure(Failure::stall);
}

TEST_CASE("every TTS provider: a 200 without audio is on_tts_error") { check_failure(Failure::no_audio); }

TEST_CASE("every TTS provider: a Retry-After longer than a caller can wait fails at once") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    Reply busy = h.server->error_reply(429, "Too many requests");
    busy.headers.push_back({"Retry-After", "3600"});
    h.server->push(busy);
    auto rec = h.say(kText);
    std::lock_guard l(rec->mu);
    CHECK(rec->errors == 1);
    CHECK(rec->message.find("rate limited (HTTP 429)") != std::string::npos);
    CHECK(h.tts_requests() == 1);
  }
}

TEST_CASE("every TTS provider: destroyed with a request in flight, it closes the transfer and calls nobody") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    Reply r;
    r.stall = true;
    h.server->push(r);
    auto rec = std::make_shared<Recorder>();
    h.tts->synthesize(h.request(kText), rec);
    REQUIRE(h.server->http().wait_for_requests(1));
    h.tts.reset();
    rec->mark_cancelled();
    CHECK(h.server->http().wait_for_peer_closes(1));
    // The runtime outlives the provider here: a late callback would still find a live loop.
    auto probe = std::make_shared<std::promise<void>>();
    auto done = probe->get_future();
    h.runtime->loop().post([probe] { probe->set_value(); });
    CHECK(done.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    std::lock_guard l(rec->mu);
    CHECK(rec->after_cancel == 0);
    CHECK(rec->dones + rec->errors == 0);
  }
}

TEST_CASE("every TTS provider: keys and tokens never appear in error texts") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    // A vendor that echoes what it was sent.
    h.server->push(h.server->error_reply(401, "Invalid credentials: " + h.secret));
    auto rec = h.say(kText);
    std::lock_guard l(rec->mu);
    REQUIRE(rec->errors == 1);
    CHECK(rec->message.find("401") != std::string::npos);
    CHECK(rec->message.find(h.secret) == std::string::npos);
    CHECK(rec->message.find("[SECRET]") != std::string::npos);
  }
}

TEST_CASE("every TTS provider: a second identical request is a cache hit with no HTTP request") {
  for (const Case &c : kCases) {
    CAPTURE(c.label);
    Harness h(c);
    // The bare providers get a cache here, as the factories give them.
    std::shared_ptr<CachedTts> cache = std::dynamic_pointer_cast<CachedTts>(h.tts);
    if (!cache) {
      auto made = CachedTts::create(h.tts, TtsCacheOptions{});
      REQUIRE(made);
      cache = *made;
      h.tts = cache;
    }
    h.server->set_chunk_size(3);
    auto first = h.say(kText);
    REQUIRE(first->dones == 1);
    const size_t before = h.tts_requests();
    CHECK(before == 1);
    auto second = h.say(kText);
    std::lock_guard l(second->mu);
    CHECK(second->dones == 1);
    CHECK(second->pcm == h.expected);
    CHECK(second->rates == std::set<int>{h.rate});
    CHECK(h.tts_requests() == before);
    CHECK(cache->stats().hits == 1);
    CHECK(cache->name() == h.tts->name());
  }
}

// ---- vendor details ----

TEST_CASE("ElevenLabs: a v2.5 model gets language_code; a request's voice wins over the options") {
  auto runtime = std::make_shared<NetRuntime>("tts-test");
  TtsVendorServer server(TtsVendor::elevenlabs, test_signal(160));
  ElevenLabsOptions o;
  o.base_url = server.base_url();
  o.api_key = "el-test-key-abcdefgh";
  o.voice = "Fallback1";
  o.model_id = "eleven_flash_v2_5";
  auto tts = make_elevenlabs_tts(o, runtime);
  auto rec = std::make_shared<Recorder>();
  TtsRequest r;
  r.id = 1;
  r.text = "Hello";
  r.language = "en";
  tts->synthesize(r, rec);
  REQUIRE(rec->wait_end());
  r.id = 2;
  r.voice = "Explicit/Voice";
  auto rec2 = std::make_shared<Recorder>();
  tts->synthesize(r, rec2);
  REQUIRE(rec2->wait_end());
  auto reqs = server.http().requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].path == "/v1/text-to-speech/Fallback1/stream");
  CHECK(reqs[1].path == "/v1/text-to-speech/Explicit%2FVoice/stream");
  auto body = json::parse(reqs[0].body);
  REQUIRE(body);
  CHECK((*body)["language_code"].str() == "en");
  CHECK((*body)["model_id"].str() == "eleven_flash_v2_5");
  CHECK(body->find("voice_settings") == nullptr);  // nothing set, nothing sent
}

TEST_CASE("Google: an unusable service account fails the request with the token server's reason") {
  auto runtime = std::make_shared<NetRuntime>("tts-test");
  const std::string pem = test::generate_rsa_pem();
  const std::string other = test::generate_rsa_pem();
  test::GoogleTokenServer tokens(other);  // knows another key: every signature fails
  auto sa = google::parse_service_account(tokens.key_file_json(pem));
  REQUIRE(sa);
  auto auth = google::make_service_account_auth(*sa, runtime);
  REQUIRE(auth);
  TtsVendorServer server(TtsVendor::google, test_signal(160));
  GoogleTtsOptions o;
  o.base_url = server.base_url();
  auto tts = make_google_tts(o, *auth, runtime);
  auto rec = std::make_shared<Recorder>();
  TtsRequest r;
  r.id = 1;
  r.text = "Добрий день";
  tts->synthesize(r, rec);
  REQUIRE(rec->wait_end());
  std::lock_guard l(rec->mu);
  CHECK(rec->errors == 1);
  CHECK(rec->message.find("invalid_grant") != std::string::npos);
  CHECK(server.http().request_count() == 0);
  CHECK(tokens.exchanges().size() == 1);
}

// ---- factories ----

namespace {

providers::FactoryArgs args(const char *name, json::Value options) {
  providers::FactoryArgs a;
  a.name = name;
  a.options = std::move(options);
  a.where = "test.toml:1";
  return a;
}

}  // namespace

TEST_CASE("TTS factories: openai, google and elevenlabs are built from configuration") {
  const auto &f = builtin_factories();
  REQUIRE(f.tts.count("openai") == 1);
  REQUIRE(f.tts.count("google") == 1);
  REQUIRE(f.tts.count("elevenlabs") == 1);

  SUBCASE("openai against a local server, behind the cache") {
    TtsVendorServer server(TtsVendor::openai, test_signal(480));
    auto tts = f.tts.at("openai")(args("cloud", json::Value()
                                                    .set("base_url", server.base_url())
                                                    .set("api_key", "sk-factory-test-0123456789")
                                                    .set("voice", "nova")
                                                    .set("timeout_ms", 5000)));
    REQUIRE(tts);
    CHECK((*tts)->name() == "openai");
    CHECK(std::dynamic_pointer_cast<CachedTts>(*tts) != nullptr);
    for (int i = 0; i < 2; ++i) {
      auto rec = std::make_shared<Recorder>();
      TtsRequest r;
      r.id = static_cast<RequestId>(i + 1);
      r.text = "Так";
      (*tts)->synthesize(r, rec);
      REQUIRE(rec->wait_end());
      CHECK(rec->dones == 1);
      CHECK(rec->pcm == server.audio());
    }
    CHECK(server.http().request_count() == 1);
    auto body = json::parse(server.http().requests()[0].body);
    REQUIRE(body);
    CHECK((*body)["voice"].str() == "nova");
  }
  SUBCASE("openai: a key is required for api.openai.com only") {
    auto bad = f.tts.at("openai")(args("cloud", json::Value().set("api_key_env", "CALLAGENT_TEST_UNSET_VARIABLE")));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("CALLAGENT_TEST_UNSET_VARIABLE") != std::string::npos);
    auto local = f.tts.at("openai")(args("local", json::Value()
                                                     .set("base_url", "http://127.0.0.1:1/v1")
                                                     .set("api_key_env", "CALLAGENT_TEST_UNSET_VARIABLE")));
    CHECK(local);
  }
  SUBCASE("unknown options and bad values are named") {
    auto typo = f.tts.at("openai")(args("x", json::Value().set("base_url", "http://127.0.0.1:1").set("vocie", "a")));
    REQUIRE_FALSE(typo);
    CHECK(typo.error().message.find("vocie") != std::string::npos);
    auto fmt = f.tts.at("elevenlabs")(
        args("x", json::Value().set("api_key", "el-0123456789").set("voice", "v").set("output_format", "mp3_44100_128")));
    REQUIRE_FALSE(fmt);
    CHECK(fmt.error().message.find("output_format") != std::string::npos);
    auto novoice = f.tts.at("elevenlabs")(args("x", json::Value().set("api_key", "el-0123456789")));
    REQUIRE_FALSE(novoice);
    CHECK(novoice.error().message.find("voice") != std::string::npos);
    auto speed = f.tts.at("elevenlabs")(
        args("x", json::Value().set("api_key", "el-0123456789").set("voice", "v").set("speed", 3.0)));
    REQUIRE_FALSE(speed);
    CHECK(speed.error().message.find("speed") != std::string::npos);
  }
  SUBCASE("google without credentials names both kinds") {
    auto none = f.tts.at("google")(args("g", json::Value()
                                                 .set("api_key_env", "CALLAGENT_TEST_UNSET_VARIABLE")
                                                 .set("base_url", "http://127.0.0.1:1")));
    if (std::getenv("GOOGLE_APPLICATION_CREDENTIALS") == nullptr) {
      REQUIRE_FALSE(none);
      CHECK(none.error().message.find("CALLAGENT_TEST_UNSET_VARIABLE") != std::string::npos);
      CHECK(none.error().message.find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
      CHECK(none.error().message.find("credentials_file") != std::string::npos);
    }
  }
  SUBCASE("google with an API key against a local server") {
    TtsVendorServer server(TtsVendor::google, test_signal(480), 8000);
    auto tts = f.tts.at("google")(args("g", json::Value()
                                                .set("base_url", server.base_url())
                                                .set("api_key", "AIzaFactoryTest0123456789")
                                                .set("voice_uk", "uk-UA-Standard-A")
                                                .set("cache_bytes", 0)));
    REQUIRE(tts);
    CHECK(std::dynamic_pointer_cast<CachedTts>(*tts) == nullptr);  // cache_bytes = 0, no dir: none
    auto rec = std::make_shared<Recorder>();
    TtsRequest r;
    r.id = 7;
    r.text = "Так";
    (*tts)->synthesize(r, rec);
    REQUIRE(rec->wait_end());
    CHECK(rec->dones == 1);
    CHECK(rec->pcm == server.audio());
    CHECK(rec->rates == std::set<int>{8000});
    CHECK(server.http().requests()[0].header_value("x-goog-api-key") == "AIzaFactoryTest0123456789");
  }
}
