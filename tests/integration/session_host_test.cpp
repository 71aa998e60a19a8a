// The AudioSocket host driving real sessions through the public API, with plug-ins registered
// through callagent.hpp, over a real socket.
#include <doctest/doctest.h>

#include <callagent/callagent.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <future>

#include "core/log.hpp"
#include "host/call_details.hpp"
#include "host/call_journal.hpp"
#include "host/session_agent.hpp"
#include "journal/prompts.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "server/audiosocket_server.hpp"
#include "support/audiosocket_client.hpp"
#include "support/signals.hpp"

using namespace ca;
namespace as = ca::audiosocket;

namespace {

// Instant plug-ins: the STT hears "hello" in every utterance, the LLM answers at once, the TTS
// speaks a tone of 40 ms per character. All answer from inside the call, on the loop thread.
class InstantStt final : public callagent::SttPlugin {
 public:
  void open(uint64_t stream, const callagent::SttParams &, callagent::SttSink sink) override {
    std::lock_guard lock(mu_);
    sinks_.emplace(stream, std::move(sink));
  }
  void push(uint64_t, const int16_t *, size_t) override {}
  void finish(uint64_t stream) override {
    std::lock_guard lock(mu_);
    auto it = sinks_.find(stream);
    if (it == sinks_.end()) return;
    (void)it->second.final("hello", 0.9);
    (void)it->second.done();
    sinks_.erase(it);
  }
  void cancel(uint64_t stream) override {
    std::lock_guard lock(mu_);
    sinks_.erase(stream);
  }

 private:
  std::mutex mu_;
  std::map<uint64_t, callagent::SttSink> sinks_;
};

class InstantLlm final : public callagent::LlmPlugin {
 public:
  void start(uint64_t, const callagent::LlmRequest &, callagent::LlmSink sink) override {
    (void)sink.text("Hi, how can I help?");
    (void)sink.done();
  }
};

class ToneTts final : public callagent::TtsPlugin {
 public:
  void synthesize(uint64_t, const callagent::TtsRequest &r, callagent::TtsSink sink) override {
    const size_t n = static_cast<size_t>(r.sample_rate) * 40 * r.text.size() / 1000;
    std::vector<int16_t> pcm(n);
    for (size_t i = 0; i < n; ++i) pcm[i] = static_cast<int16_t>(3000 * std::sin(0.3 * static_cast<double>(i)));
    (void)sink.audio(pcm, r.sample_rate);
    (void)sink.done();
  }
};

struct Host {
  callagent::Engine engine;
  std::unique_ptr<server::Server> srv;

  explicit Host(std::string record_dir = {}, std::shared_ptr<host::CallObserver> observer = nullptr,
                std::shared_ptr<host::CallDetailsStore> details = nullptr) {
    log::set_level(log::Level::error);
    REQUIRE(callagent::Engine::create(engine).ok());
    REQUIRE(engine.register_stt("instant", std::make_shared<InstantStt>()).ok());
    REQUIRE(engine.register_llm("instant", std::make_shared<InstantLlm>()).ok());
    REQUIRE(engine.register_tts("tone", std::make_shared<ToneTts>()).ok());
    host::SessionAgentOptions o;
    o.engine = engine.get();
    o.stt = "instant";
    o.llm = "instant";
    o.tts = "tone";
    o.language = "en";
    o.greeting = "Hello.";  // 6 characters: 240 ms of tone
    o.record_dir = std::move(record_dir);
    o.observer = std::move(observer);
    o.details = std::move(details);
    server::ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    so.threads = 1;
    auto s = server::Server::start(so, host::make_session_agent(o));
    REQUIRE(s.ok());
    srv = std::move(*s);
  }
  ~Host() {
    srv->stop();
    srv->wait();
  }
};

bool loud(const test::Received &m) {
  for (size_t i = 0; i + 1 < m.payload.size(); i += 2) {
    const auto v = static_cast<int16_t>(m.payload[i] | (m.payload[i + 1] << 8));
    if (v > 1000 || v < -1000) return true;
  }
  return false;
}

// Sends `frames` 20 ms frames on absolute deadlines (speech between `speech_from` and
// `speech_to`, silence otherwise) and returns what the host sent meanwhile.
std::vector<test::Received> converse(test::Client &c, int rate, int frames, int speech_from, int speech_to) {
  const size_t n = static_cast<size_t>(rate / 50);
  auto voice = test::speechlike(n * static_cast<size_t>(speech_to - speech_from), rate, 5);
  double peak = 0;
  for (double v : voice) peak = std::max(peak, std::abs(v));
  std::vector<test::Received> got;
  const uint8_t kind = as::audio_kind_for_rate(rate);
  const Nanos start = monotonic_now();
  for (int i = 0; i < frames; ++i) {
    std::vector<int16_t> frame(n, 0);
    if (i >= speech_from && i < speech_to) {
      for (size_t k = 0; k < n; ++k) {
        frame[k] = static_cast<int16_t>(voice[static_cast<size_t>(i - speech_from) * n + k] / peak * 6000);
      }
    }
    if (!c.send_audio(kind, frame)) break;
    const Nanos next = start + (i + 1) * millis(20);
    while (monotonic_now() < next) {
      if (auto m = c.next(std::max<Nanos>(next - monotonic_now(), 0))) got.push_back(std::move(*m));
    }
  }
  return got;
}

}  // namespace

TEST_CASE("a call through the host: greeting, the caller speaks, the bot answers") {
  for (int rate : {8000, 16000}) {
    CAPTURE(rate);
    Host h;
    test::Client c(h.srv->port());
    REQUIRE(c.send_uuid());
    // 1 s of silence, 1 s of speech, 2.5 s of silence.
    auto got = converse(c, rate, 225, 50, 100);
    REQUIRE(got.size() >= 200);
    const uint8_t kind = as::audio_kind_for_rate(rate);
    size_t greeting = 0, reply = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (i > 0) CHECK(got[i].kind == kind);
      if (!loud(got[i])) continue;
      if (i < 50) ++greeting;
      else if (i >= 100) ++reply;
    }
    CHECK(greeting >= 10);  // 240 ms of greeting
    CHECK(reply >= 30);     // "Hi, how can I help?": 760 ms
    CHECK_FALSE(c.eof());
    c.close();
    auto s = h.srv->stats();
    CHECK(s.calls_started == 1);
  }
}

TEST_CASE("the operator digit ends the AudioSocket leg with 00 00 00 after the transfer phrase") {
  Host h;
  test::Client c(h.srv->port());
  REQUIRE(c.send_uuid());
  auto got = converse(c, 8000, 25, 0, 0);
  const uint8_t zero = '0';
  REQUIRE(c.send_msg(as::kind::dtmf, {&zero, 1}));
  auto rest = c.drain_until_eof(seconds(8));
  REQUIRE(!rest.empty());
  CHECK(rest.back().kind == as::kind::hangup);
  size_t spoken = 0;
  for (const auto &m : rest) spoken += loud(m) ? 1 : 0;
  CHECK(spoken >= 50);  // the transfer phrase was said before the leg ended
  CHECK(c.eof());
}

TEST_CASE("with a record directory every call is saved and replays bit-exactly") {
  const std::string dir = "/tmp/callagent-host-rec-" + std::to_string(::getpid());
  REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
  const std::string uuid = "3b1f0c2e-9d4a-4e8b-a6c5-7f2e1d0b9a88";
  {
    Host h(dir);
    test::Client c(h.srv->port());
    REQUIRE(c.send_uuid(uuid));
    converse(c, 8000, 150, 25, 75);
    c.close();
    // The server ends the call at its next tick; wait for the file rather than for a time.
    const std::string path = dir + "/" + uuid + ".careplay";
    const Nanos deadline = monotonic_now() + seconds(5);
    while (::access(path.c_str(), R_OK) != 0 && monotonic_now() < deadline) ::poll(nullptr, 0, 10);
  }
  const std::string path = dir + "/" + uuid + ".careplay";
  ca_replay_report r{};
  r.struct_size = sizeof r;
  REQUIRE(ca_replay_file(path.c_str(), &r) == CA_OK);
  CHECK(r.identical != 0);
  CHECK(r.frames_pulled >= 100);
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("the dialplan's call details reach the session and the journal records the call") {
  const std::string db = "/tmp/callagent-host-journal-" + std::to_string(::getpid()) + ".db";
  std::remove(db.c_str());
  {  // a versioned prompt the calls run with
    auto d = journal::Db::open(db);
    REQUIRE(d.ok());
    journal::Prompts prompts(*d);
    REQUIRE(prompts.add("shop", "You are the tyre shop's assistant.", "", 1).ok());
  }
  host::CallJournalOptions jo;
  jo.path = db;
  jo.default_prompt = "shop";
  jo.prices.stt_per_minute = 0.006;
  jo.prices.tts_per_mchar = 15;
  auto journal = host::CallJournal::open(jo);
  REQUIRE(journal.ok());
  auto details = std::make_shared<host::CallDetailsStore>(seconds(30));
  net::HttpServer http;
  host::add_call_details_routes(http, *details, "s3cret");
  auto http_port = http.start();
  REQUIRE(http_port.ok());

  const std::string uuid = "5c7d2a10-8e3f-4b6a-9c1d-2e4f6a8b0c1d";
  net::EventLoop loop;
  net::HttpClient client(loop);
  auto post = [&](const std::string &secret, const std::string &body) {
    std::promise<net::HttpResult> done;
    net::HttpRequest r;
    r.method = "POST";
    r.url = "http://127.0.0.1:" + std::to_string(*http_port) + "/v1/calls/" + uuid;
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (!secret.empty()) r.headers.push_back({"Authorization", "Bearer " + secret});
    r.body = body;
    net::HttpCallbacks cb;
    cb.on_complete = [&](const net::HttpResult &res) { done.set_value(res); };
    client.request(std::move(r), std::move(cb));
    return done.get_future().get();
  };
  CHECK(post("wrong", "caller=%2B380671234567").status == 401);
  CHECK(details->size() == 0);
  // As Asterisk's CURL() posts it.
  const auto stored = post("s3cret", "caller=%2B380671234567&called=100&channel=PJSIP%2Ftrunk-0001&tenant=shop1");
  CHECK(stored.status == 204);
  CHECK(details->size() == 1);

  {
    Host h({}, *journal, details);
    test::Client c(h.srv->port());
    REQUIRE(c.send_uuid(uuid));
    converse(c, 8000, 150, 25, 75);  // "hello" → "Hi, how can I help?"
    const uint8_t zero = '0';
    REQUIRE(c.send_msg(as::kind::dtmf, {&zero, 1}));
    c.drain_until_eof(seconds(8));
  }
  CHECK(details->size() == 0);  // taken by the call
  REQUIRE((*journal)->close().ok());

  auto d = journal::Db::open(db);
  REQUIRE(d.ok());
  auto call = journal::get_call(*d, uuid);
  REQUIRE(call.ok());
  CHECK(call->call.info.caller_number == "+380671234567");
  CHECK(call->call.info.called_number == "100");
  CHECK(call->call.info.channel == "PJSIP/trunk-0001");
  CHECK(call->call.info.tenant == "shop1");
  CHECK(call->call.info.prompt_name == "shop");
  CHECK(call->call.info.prompt_version == 1);
  REQUIRE(call->call.outcome.has_value());
  CHECK(*call->call.outcome == journal::Outcome::transferred);
  REQUIRE(call->turns.size() >= 2);
  CHECK(call->turns[0].speaker == journal::Speaker::caller);
  CHECK(call->turns[0].text == "hello");
  CHECK(call->turns[1].speaker == journal::Speaker::bot);
  CHECK(call->turns[1].text == "Hi, how can I help?");
  CHECK(call->turns[1].timeline["turn"].as_int() == 1);
  // Priced from the session's usage: seconds of "hello" recognised, the replies synthesised.
  CHECK(call->call.cost_usd > 0);
  CHECK(call->call.cost_usd < 0.01);
  std::remove(db.c_str());
}
