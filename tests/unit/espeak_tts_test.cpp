// The espeak-ng provider against the real engine: speech of plausible length and level in each
// language and rate, streamed in chunks, one low-priority thread for everything, cancellation
// that silences a request at once, ordering under concurrent callers, and the factory's checks.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/json.hpp"
#include "providers/espeak/espeak_tts.hpp"
#include "providers/registry.hpp"
#include "providers/tts_cache.hpp"

namespace {

using ca::providers::EspeakOptions;
using ca::providers::EspeakTts;
using ca::providers::RequestId;
using ca::providers::TtsRequest;
using namespace std::chrono_literals;

constexpr auto kWait = 60s;  // bounds every wait; a healthy run needs a fraction of it

// Records every callback per request, and where it ran.
class Recorder final : public ca::providers::TtsSink {
 public:
  struct Req {
    std::vector<int16_t> pcm;
    int chunks = 0;
    int rate = 0;
    bool done = false;
    bool error = false;
    std::string message;
    int after_end = 0;  // callbacks after done/error: must stay 0
    std::set<std::thread::id> threads;
    int nice = -100;
  };

  // Runs after a chunk is recorded, outside the lock, on the calling (engine) thread.
  std::function<void(RequestId, int chunk)> on_chunk;

  void on_tts_audio(RequestId id, std::span<const int16_t> pcm, int rate) override {
    int chunk = 0;
    {
      std::lock_guard l(mu_);
      Req &r = reqs_[id];
      if (r.done || r.error) ++r.after_end;
      r.pcm.insert(r.pcm.end(), pcm.begin(), pcm.end());
      chunk = ++r.chunks;
      if (r.rate != 0 && r.rate != rate) ++r.after_end;  // a rate change mid-request is as wrong
      r.rate = rate;
      r.threads.insert(std::this_thread::get_id());
      r.nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    }
    if (on_chunk) on_chunk(id, chunk);
    cv_.notify_all();
  }
  void on_tts_done(RequestId id) override {
    {
      std::lock_guard l(mu_);
      Req &r = reqs_[id];
      if (r.done || r.error) ++r.after_end;
      r.done = true;
      r.threads.insert(std::this_thread::get_id());
      order_.push_back(id);
    }
    cv_.notify_all();
  }
  void on_tts_error(RequestId id, std::string message) override {
    {
      std::lock_guard l(mu_);
      Req &r = reqs_[id];
      if (r.done || r.error) ++r.after_end;
      r.error = true;
      r.message = std::move(message);
      order_.push_back(id);
    }
    cv_.notify_all();
  }

  bool wait_ended(RequestId id) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, kWait, [&] { return reqs_[id].done || reqs_[id].error; });
  }
  bool wait_chunks(RequestId id, int n) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, kWait, [&] { return reqs_[id].chunks >= n || reqs_[id].done || reqs_[id].error; });
  }
  bool wait_all_ended(size_t n) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, kWait, [&] { return order_.size() >= n; });
  }
  Req get(RequestId id) {
    std::lock_guard l(mu_);
    return reqs_[id];
  }
  std::vector<RequestId> order() {
    std::lock_guard l(mu_);
    return order_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<RequestId, Req> reqs_;
  std::vector<RequestId> order_;
};

struct Sentence {
  const char *language;
  const char *text;  // ten words
};
constexpr Sentence kSentences[] = {
    {"uk", "Добрий день, я допоможу вам підібрати зимові шини для автомобіля."},
    {"ru", "Добрый день, я помогу вам подобрать зимние шины для автомобиля."},
    {"en", "Hello, I will help you choose new winter tyres today."},
};
constexpr const char *kLong =
    "Добрий день, я допоможу вам підібрати зимові шини для вашого автомобіля, перевірю наявність на складі, "
    "розрахую вартість шиномонтажу і запишу вас на зручний час у найближчий сервісний центр.";

double dbfs_rms(const std::vector<int16_t> &v) {
  double sum = 0;
  for (int16_t s : v) sum += static_cast<double>(s) * s;
  return 20 * std::log10(std::sqrt(sum / static_cast<double>(std::max<size_t>(v.size(), 1))) / 32768.0);
}

std::shared_ptr<EspeakTts> make_tts(EspeakOptions o = {}) {
  auto r = EspeakTts::create(std::move(o));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
  return *r;
}

TtsRequest request(RequestId id, std::string text, std::string language, int rate = 8000) {
  TtsRequest r;
  r.id = id;
  r.text = std::move(text);
  r.language = std::move(language);
  r.sample_rate = rate;
  return r;
}

}  // namespace

TEST_CASE("espeak: uk, ru and en speak a ten-word sentence at a plausible length and level, at 8 and 16 kHz") {
  auto tts = make_tts();
  auto sink = std::make_shared<Recorder>();
  RequestId id = 1;
  std::map<RequestId, std::pair<std::string, int>> asked;
  for (int rate : {8000, 16000}) {
    for (const Sentence &s : kSentences) {
      asked[id] = {s.language, rate};
      tts->synthesize(request(id++, s.text, s.language, rate), sink);
    }
  }
  for (const auto &[rid, what] : asked) {
    CAPTURE(what.first);
    CAPTURE(what.second);
    REQUIRE(sink->wait_ended(rid));
    const auto r = sink->get(rid);
    CHECK(r.done);
    CHECK_FALSE(r.error);
    CHECK(r.after_end == 0);
    CHECK(r.rate == what.second);
    const double seconds = static_cast<double>(r.pcm.size()) / r.rate;
    CHECK(seconds >= 1.5);
    CHECK(seconds <= 6.0);
    const double level = dbfs_rms(r.pcm);
    CHECK(level >= -35.0);
    CHECK(level <= -6.0);
    int clipped = 0;
    for (int16_t v : r.pcm) clipped += (v == INT16_MAX || v == INT16_MIN) ? 1 : 0;
    CHECK(clipped == 0);
    // Speech has pauses and sound: some 20 ms frames are quiet, most are not.
    const size_t frame = static_cast<size_t>(r.rate / 50);
    size_t active = 0, frames = 0;
    for (size_t off = 0; off + frame <= r.pcm.size(); off += frame, ++frames) {
      std::vector<int16_t> f(r.pcm.begin() + static_cast<long>(off), r.pcm.begin() + static_cast<long>(off + frame));
      if (dbfs_rms(f) > -40) ++active;
    }
    const double share = static_cast<double>(active) / static_cast<double>(frames);
    CHECK(share > 0.4);
    CHECK(share < 0.97);
    // Streamed as produced: a 50 ms callback at a time, so many chunks.
    CHECK(r.chunks >= 10);
  }
}

TEST_CASE("espeak: one nice-10 thread serves every request of every instance, never the caller's") {
  auto a = make_tts();
  auto b = make_tts();
  CHECK(ca::providers::espeak_engine_info().running);
  CHECK(ca::providers::espeak_engine_info().instances >= 2);
  auto sink = std::make_shared<Recorder>();
  a->synthesize(request(1, "Так.", "uk"), sink);
  b->synthesize(request(1, "Да.", "ru"), std::make_shared<Recorder>());  // same id, other instance
  b->synthesize(request(2, "Yes.", "en"), sink);
  REQUIRE(sink->wait_ended(1));
  REQUIRE(sink->wait_ended(2));
  const auto r1 = sink->get(1), r2 = sink->get(2);
  REQUIRE(r1.threads.size() == 1);
  REQUIRE(r2.threads.size() == 1);
  CHECK(*r1.threads.begin() == *r2.threads.begin());
  CHECK(*r1.threads.begin() != std::this_thread::get_id());
  CHECK(r1.nice == 10);
  CHECK(r2.nice == 10);
}

TEST_CASE("espeak: the engine stops with its last instance and starts again") {
  REQUIRE_FALSE(ca::providers::espeak_engine_info().running);  // the cases before let theirs go
  const uint64_t before = ca::providers::espeak_engine_info().threads_started;
  {
    auto tts = make_tts();
    CHECK(ca::providers::espeak_engine_info().running);
  }
  CHECK_FALSE(ca::providers::espeak_engine_info().running);
  auto tts = make_tts();
  CHECK(ca::providers::espeak_engine_info().threads_started == before + 2);
  auto sink = std::make_shared<Recorder>();
  tts->synthesize(request(7, "Добрий день.", "uk"), sink);
  REQUIRE(sink->wait_ended(7));
  CHECK(sink->get(7).done);
  CHECK(sink->get(7).pcm.size() > 4000);
}

TEST_CASE("espeak: cancelling mid-sentence stops the audio and nothing more arrives for it") {
  auto tts = make_tts();
  auto sink = std::make_shared<Recorder>();

  SUBCASE("from inside the sink, on the engine thread") {
    sink->on_chunk = [&](RequestId id, int chunk) {
      if (id == 1 && chunk == 3) tts->cancel(1);
    };
    tts->synthesize(request(1, kLong, "uk"), sink);
    tts->synthesize(request(2, "Так.", "uk"), sink);  // queued behind it: ends after anything of 1 would
    REQUIRE(sink->wait_ended(2));
    const auto r = sink->get(1);
    CHECK(r.chunks == 3);
    CHECK_FALSE(r.done);
    CHECK_FALSE(r.error);
    CHECK(sink->get(2).done);
  }

  SUBCASE("from another thread") {
    tts->synthesize(request(1, kLong, "uk"), sink);
    REQUIRE(sink->wait_chunks(1, 1));
    tts->cancel(1);
    const auto at_cancel = sink->get(1);
    tts->synthesize(request(2, "Так.", "uk"), sink);
    REQUIRE(sink->wait_ended(2));
    const auto r = sink->get(1);
    CHECK(r.chunks == at_cancel.chunks);  // not one chunk once cancel() returned
    CHECK_FALSE(r.done);
    CHECK_FALSE(r.error);
    // The whole sentence is over ten seconds of speech; far less of it came out.
    CHECK(static_cast<double>(r.pcm.size()) / 8000 < 5.0);
  }

  SUBCASE("while still queued: skipped, never reported") {
    tts->synthesize(request(1, kLong, "uk"), sink);
    tts->synthesize(request(2, "Перше.", "uk"), sink);
    tts->synthesize(request(3, "Друге.", "uk"), sink);
    tts->cancel(2);
    REQUIRE(sink->wait_ended(3));
    REQUIRE(sink->wait_ended(1));
    CHECK(sink->get(1).done);
    CHECK(sink->get(3).done);
    const auto r2 = sink->get(2);
    CHECK(r2.chunks == 0);
    CHECK_FALSE(r2.done);
    CHECK_FALSE(r2.error);
    CHECK(sink->order() == std::vector<RequestId>{1, 3});
  }

  SUBCASE("an unknown or finished id is a no-op") {
    tts->synthesize(request(1, "Так.", "uk"), sink);
    REQUIRE(sink->wait_ended(1));
    tts->cancel(1);
    tts->cancel(999);
    tts->synthesize(request(2, "Ні.", "uk"), sink);
    REQUIRE(sink->wait_ended(2));
    CHECK(sink->get(1).done);
    CHECK(sink->get(2).done);
    CHECK(sink->get(1).after_end == 0);
  }
}

TEST_CASE("espeak: 20 requests from 4 threads all complete, each in order and in its caller's order") {
  auto tts = make_tts();
  auto sink = std::make_shared<Recorder>();
  const char *langs[] = {"uk", "ru", "en", "uk"};
  const char *texts[] = {"Добрий день, слухаю вас.", "Добрый день, слушаю вас.", "Good afternoon, I am listening.",
                         "Зачекайте, будь ласка."};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        tts->synthesize(request(static_cast<RequestId>(100 * (t + 1) + i), texts[t], langs[t], t % 2 ? 16000 : 8000),
                        sink);
      }
    });
  }
  for (auto &th : threads) th.join();
  REQUIRE(sink->wait_all_ended(20));
  const auto order = sink->order();
  CHECK(order.size() == 20);
  for (int t = 0; t < 4; ++t) {
    std::vector<RequestId> mine;
    for (RequestId id : order) {
      if (id / 100 == static_cast<RequestId>(t + 1)) mine.push_back(id);
    }
    REQUIRE(mine.size() == 5);
    for (size_t i = 0; i < 5; ++i) CHECK(mine[i] == static_cast<RequestId>(100 * (t + 1)) + i);
    for (RequestId id : mine) {
      const auto r = sink->get(id);
      CHECK(r.done);
      CHECK(r.chunks >= 3);
      CHECK(r.after_end == 0);
      CHECK(r.rate == (t % 2 ? 16000 : 8000));
    }
  }
}

TEST_CASE("espeak: requests it cannot serve end with an error, not silence") {
  auto tts = make_tts();
  auto sink = std::make_shared<Recorder>();
  tts->synthesize(request(1, "Dzień dobry.", "pl"), sink);
  auto named = request(2, "Так.", "uk");
  named.voice = "no-such-voice";
  tts->synthesize(named, sink);
  tts->synthesize(request(3, "  **  ", "uk"), sink);  // nothing to say: done, no audio
  REQUIRE(sink->wait_ended(1));
  REQUIRE(sink->wait_ended(2));
  REQUIRE(sink->wait_ended(3));
  CHECK(sink->get(1).error);
  CHECK(sink->get(1).message.find("pl") != std::string::npos);
  CHECK(sink->get(2).error);
  CHECK(sink->get(2).message.find("no-such-voice") != std::string::npos);
  CHECK(sink->get(3).done);
  CHECK(sink->get(3).pcm.empty());
  // The engine is still fine afterwards.
  tts->synthesize(request(4, "Так.", "uk"), sink);
  REQUIRE(sink->wait_ended(4));
  CHECK(sink->get(4).done);
}

TEST_CASE("espeak: voices per language, rate, pitch and volume are applied") {
  EspeakOptions quiet;
  quiet.volume = 40;
  EspeakOptions fast;
  fast.rate = 320;
  auto normal_tts = make_tts();
  auto quiet_tts = make_tts(quiet);
  auto fast_tts = make_tts(fast);
  CHECK(normal_tts->voice_for("ru-RU") == "ru+f3");
  CHECK(normal_tts->voice_for("EN") == "en-us+f3");
  CHECK(normal_tts->voice_for("de").empty());
  auto sink = std::make_shared<Recorder>();
  const char *text = kSentences[0].text;
  normal_tts->synthesize(request(1, text, "uk"), sink);
  quiet_tts->synthesize(request(2, text, "uk"), sink);
  fast_tts->synthesize(request(3, text, "uk"), sink);
  REQUIRE(sink->wait_all_ended(3));
  const auto n = sink->get(1), q = sink->get(2), f = sink->get(3);
  CHECK(dbfs_rms(q.pcm) < dbfs_rms(n.pcm) - 4);
  CHECK(static_cast<double>(f.pcm.size()) < 0.75 * static_cast<double>(n.pcm.size()));
}

TEST_CASE("espeak: text cleaning") {
  using ca::providers::espeak_clean_text;
  CHECK(espeak_clean_text("**Ціна** 800 грн") == "Ціна 800 грн");
  CHECK(espeak_clean_text("# Заголовок `код` ~так~ ^") == "Заголовок код так");
  CHECK(espeak_clean_text("Ці\u0301на") == "Ціна");
  CHECK(espeak_clean_text("мʼясо") == "м'ясо");
  CHECK(espeak_clean_text("м’ясо") == "м’ясо");
  CHECK(espeak_clean_text("так\u200b\u00a0ні\tі\nабо") == "так ні і або");
  CHECK(espeak_clean_text("<b>так</b> <speak rate=\"1\">ні</speak>") == "так ні");
  CHECK(espeak_clean_text("5 < 7 і 8 > 3") == "5 < 7 і 8 > 3");
  CHECK(espeak_clean_text("й") == "й");                    // a decomposed й keeps its breve
  CHECK(espeak_clean_text("ok\xff\xfe end") == "ok end");  // invalid UTF-8 dropped
  CHECK(espeak_clean_text("  ") == "");
}

TEST_CASE("espeak: the factory takes its options, refuses unknown ones and checks values") {
  const auto &factories = ca::providers::builtin_factories();
  REQUIRE(factories.tts.count("espeak") == 1);
  const auto &make = factories.tts.at("espeak");
  auto args = [](const char *json) {
    ca::providers::FactoryArgs a;
    a.name = "speech";
    a.where = "test.toml:3";
    auto v = ca::json::parse(json);
    REQUIRE(v.ok());
    a.options = *v;
    return a;
  };

  auto bad = make(args(R"({"voice_uk":"uk","speed":200})"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ca::Errc::config);
  CHECK(bad.error().message.find("speed") != std::string::npos);
  CHECK(bad.error().message.find("test.toml:3") != std::string::npos);

  for (const char *json : {R"({"rate":"fast"})", R"({"rate":20})", R"({"pitch":101})", R"({"volume":-1})",
                           R"({"voice_ru":"xx-none"})", R"({"voice_en":""})", R"({"cache_bytes":-5})",
                           R"({"cache_dir":7})"}) {
    CAPTURE(json);
    auto r = make(args(json));
    CHECK_FALSE(r.ok());
  }
  auto wrong_voice = make(args(R"({"voice_ru":"xx-none"})"));
  REQUIRE_FALSE(wrong_voice.ok());
  CHECK(wrong_voice.error().message.find("voice_ru") != std::string::npos);

  const auto dir = std::filesystem::temp_directory_path() / ("espeak_factory_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  const std::string full = R"({"voice_uk":"uk","voice_ru":"ru","voice_en":"en","rate":170,"pitch":40,"volume":90,)"
                           R"("cache_bytes":1000000,"cache_dir":")" +
                           dir.string() + R"("})";
  auto good = make(args(full.c_str()));
  REQUIRE_MESSAGE(good.ok(), (good.ok() ? std::string() : good.error().message));
  CHECK((*good)->name() == "espeak");
  auto *cached = dynamic_cast<ca::providers::CachedTts *>(good->get());
  REQUIRE(cached != nullptr);  // every espeak provider has its phrase cache by default
  auto sink = std::make_shared<Recorder>();
  (*good)->synthesize(request(1, "Добрий день.", "uk"), sink);
  REQUIRE(sink->wait_ended(1));
  (*good)->synthesize(request(2, "Добрий день.", "uk"), sink);
  REQUIRE(sink->wait_ended(2));
  CHECK(sink->get(1).pcm == sink->get(2).pcm);
  CHECK(cached->stats().hits == 1);
  CHECK(cached->stats().misses == 1);

  auto uncached = make(args(R"({"cache_bytes":0})"));
  REQUIRE(uncached.ok());
  CHECK(dynamic_cast<ca::providers::CachedTts *>(uncached->get()) == nullptr);
  good = make(args("{}"));
  REQUIRE(good.ok());
  std::filesystem::remove_all(dir);
}
