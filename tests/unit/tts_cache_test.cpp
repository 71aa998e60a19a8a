// The phrase cache in front of a scripted provider: keys, hits and misses, LRU eviction by bytes,
// the disk store across instances, what is never cached (cancelled, failed, too long), cancelling
// a replay, prewarm with the session's phrase tables, and concurrent callers. SHA-256 against the
// FIPS 180-2 examples.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audio/wav.hpp"
#include "core/sha256.hpp"
#include "providers/tts_cache.hpp"
#include "session/phrases.hpp"

namespace {

namespace fs = std::filesystem;
using ca::providers::CachedTts;
using ca::providers::PrewarmPhrase;
using ca::providers::RequestId;
using ca::providers::TtsCacheOptions;
using ca::providers::TtsRequest;
using ca::providers::TtsSink;
using namespace std::chrono_literals;

constexpr auto kWait = 30s;

// Audio a text stands for: 4 ms per byte at the request's rate, a pattern from the text.
std::vector<int16_t> audio_for(const TtsRequest &r) {
  std::vector<int16_t> v(r.text.size() * static_cast<size_t>(r.sample_rate) / 250);
  uint32_t h = 2166136261u;
  for (char c : r.text + r.language + r.voice) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int16_t>((h >> (i % 17)) & 0x3fff) - 8000;
  return v;
}

// A provider the test drives. Instant: answers inside synthesize() in 50 ms chunks. Manual: holds
// requests until the test emits, finishes or fails them. Threaded: a worker answers in order.
class ScriptTts final : public ca::providers::TtsProvider {
 public:
  enum class Mode { instant, manual, threaded };
  explicit ScriptTts(Mode m) : mode_(m) {
    if (m == Mode::threaded) worker_ = std::thread([this] { work(); });
  }
  ~ScriptTts() override {
    if (worker_.joinable()) {
      {
        std::lock_guard l(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      worker_.join();
    }
  }
  std::string_view name() const override { return "script"; }

  void synthesize(const TtsRequest &r, std::shared_ptr<TtsSink> sink) override {
    {
      std::lock_guard l(mu_);
      requests_.push_back(r);
      if (mode_ != Mode::instant) {
        pending_[r.id] = {r, sink};
        queue_.push_back(r.id);
        cv_.notify_all();
        return;
      }
    }
    answer(r, *sink);
  }
  void cancel(RequestId id) override {
    std::lock_guard l(mu_);
    cancels_.push_back(id);
  }

  // Manual mode. A provider that ignores cancel() keeps talking: the cache must still be silent.
  void emit_all(RequestId id) {
    auto [r, sink] = take(id, false);
    const auto pcm = audio_for(r);
    sink->on_tts_audio(id, pcm, r.sample_rate);
  }
  void finish(RequestId id) {
    auto [r, sink] = take(id, true);
    answer(r, *sink);
  }
  void fail(RequestId id) {
    auto [r, sink] = take(id, true);
    sink->on_tts_error(id, "scripted failure");
  }
  void fail_all_with(std::function<bool(const TtsRequest &)> pred) { fail_if_ = std::move(pred); }

  size_t calls() {
    std::lock_guard l(mu_);
    return requests_.size();
  }
  std::vector<RequestId> cancels() {
    std::lock_guard l(mu_);
    return cancels_;
  }

 private:
  void answer(const TtsRequest &r, TtsSink &sink) {
    if (fail_if_ && fail_if_(r)) {
      sink.on_tts_error(r.id, "scripted failure");
      return;
    }
    const auto pcm = audio_for(r);
    const size_t chunk = static_cast<size_t>(r.sample_rate) / 20;
    for (size_t off = 0; off < pcm.size(); off += chunk) {
      sink.on_tts_audio(r.id, std::span<const int16_t>(pcm).subspan(off, std::min(chunk, pcm.size() - off)),
                        r.sample_rate);
    }
    sink.on_tts_done(r.id);
  }
  std::pair<TtsRequest, std::shared_ptr<TtsSink>> take(RequestId id, bool erase) {
    std::lock_guard l(mu_);
    auto it = pending_.find(id);
    REQUIRE(it != pending_.end());
    auto v = it->second;
    if (erase) pending_.erase(it);
    return v;
  }
  void work() {
    for (;;) {
      std::pair<TtsRequest, std::shared_ptr<TtsSink>> job;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        const RequestId id = queue_.front();
        queue_.pop_front();
        job = pending_[id];
        pending_.erase(id);
      }
      answer(job.first, *job.second);
    }
  }

  Mode mode_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<TtsRequest> requests_;
  std::vector<RequestId> cancels_;
  std::map<RequestId, std::pair<TtsRequest, std::shared_ptr<TtsSink>>> pending_;
  std::deque<RequestId> queue_;
  std::function<bool(const TtsRequest &)> fail_if_;
  bool stop_ = false;
  std::thread worker_;
};

class Recorder final : public TtsSink {
 public:
  struct Req {
    std::vector<int16_t> pcm;
    int chunks = 0;
    int rate = 0;
    bool done = false;
    bool error = false;
    int after_end = 0;
  };
  std::function<void(RequestId, int)> on_chunk;

  void on_tts_audio(RequestId id, std::span<const int16_t> pcm, int rate) override {
    int n = 0;
    {
      std::lock_guard l(mu_);
      Req &r = reqs_[id];
      if (r.done || r.error) ++r.after_end;
      r.pcm.insert(r.pcm.end(), pcm.begin(), pcm.end());
      n = ++r.chunks;
      r.rate = rate;
    }
    if (on_chunk) on_chunk(id, n);
  }
  void on_tts_done(RequestId id) override {
    {
      std::lock_guard l(mu_);
      Req &r = reqs_[id];
      if (r.done || r.error) ++r.after_end;
      r.done = true;
    }
    cv_.notify_all();
  }
  void on_tts_error(RequestId id, std::string) override {
    {
      std::lock_guard l(mu_);
      Req &r = reqs_[id];
      if (r.done || r.error) ++r.after_end;
      r.error = true;
    }
    cv_.notify_all();
  }
  bool wait_ended(RequestId id) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, kWait, [&] { return reqs_[id].done || reqs_[id].error; });
  }
  Req get(RequestId id) {
    std::lock_guard l(mu_);
    return reqs_[id];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<RequestId, Req> reqs_;
};

TtsRequest req(RequestId id, std::string text, int rate = 8000, std::string language = "uk") {
  TtsRequest r;
  r.id = id;
  r.text = std::move(text);
  r.language = std::move(language);
  r.sample_rate = rate;
  return r;
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tts_cache_XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  size_t wav_files() const {
    size_t n = 0;
    for (const auto &e : fs::directory_iterator(path)) n += e.path().extension() == ".wav" ? 1 : 0;
    return n;
  }
};

}  // namespace

TEST_CASE("sha256: FIPS 180-2 examples, whole and in pieces") {
  CHECK(ca::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ca::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(ca::sha256_hex(two_blocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  CHECK(ca::sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  ca::Sha256 s;
  for (size_t off = 0; off < two_blocks.size(); off += 7) s.update(std::string_view(two_blocks).substr(off, 7));
  const auto d = s.finish();
  CHECK(d == ca::sha256(two_blocks));
}

TEST_CASE("tts cache: a miss records, a hit replays at once and identically; hits and misses are counted") {
  auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
  CachedTts cache(inner, TtsCacheOptions{});
  auto sink = std::make_shared<Recorder>();

  cache.synthesize(req(1, "Добрий день."), sink);
  CHECK(sink->get(1).done);
  CHECK(inner->calls() == 1);
  CHECK(sink->get(1).pcm.size() == 22 * 32);  // 22 bytes at 4 ms each
  cache.synthesize(req(2, "Добрий день."), sink);
  // Answered inside synthesize(): already done when it returns, and the provider was not asked.
  CHECK(sink->get(2).done);
  CHECK(inner->calls() == 1);
  CHECK(sink->get(2).pcm == sink->get(1).pcm);
  CHECK(sink->get(2).rate == 8000);
  // In 100 ms chunks (800 samples at 8 kHz).
  CHECK(static_cast<size_t>(sink->get(2).chunks) == (sink->get(2).pcm.size() + 799) / 800);
  CHECK(sink->get(2).after_end == 0);

  // Every part of the key matters.
  auto other_lang = req(3, "Добрий день.", 8000, "ru");
  auto other_voice = req(4, "Добрий день.");
  other_voice.voice = "uk+m1";
  cache.synthesize(other_lang, sink);
  cache.synthesize(other_voice, sink);
  cache.synthesize(req(5, "Добрий день.", 16000), sink);
  cache.synthesize(req(6, "Добрий день!"), sink);
  CHECK(inner->calls() == 5);
  CHECK(cache.key_for(req(1, "a")) == cache.key_for(req(99, "a")));  // the id is not part of it
  CHECK(cache.key_for(req(1, "a")) != cache.key_for(req(1, "b")));
  TtsCacheOptions other_settings;
  other_settings.settings = "rate=200";
  CachedTts cache2(inner, other_settings);
  CHECK(cache2.key_for(req(1, "a")) != cache.key_for(req(1, "a")));

  cache.synthesize(req(7, "Добрий день.", 16000), sink);
  const auto st = cache.stats();
  CHECK(st.hits == 2);
  CHECK(st.misses == 5);
  CHECK(st.stored == 5);
  CHECK(st.entries == 5);
  CHECK(st.uncacheable == 0);
}

TEST_CASE("tts cache: the memory tier is an LRU bounded in bytes") {
  auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
  auto sink = std::make_shared<Recorder>();
  // Texts of one length cost the same; measure one entry, then allow room for two and a half.
  CachedTts probe(inner, TtsCacheOptions{});
  probe.synthesize(req(1, "phrase-A"), sink);
  const size_t cost = probe.stats().bytes;
  REQUIRE(cost > 8 * 2 * 32);  // the audio itself is counted (8 bytes x 4 ms x 8 kHz x 2 bytes)

  TtsCacheOptions o;
  o.max_bytes = cost * 5 / 2;
  CachedTts cache(inner, o);
  RequestId id = 10;
  auto say = [&](const char *text) { cache.synthesize(req(id++, text), sink); };
  say("phrase-A");
  say("phrase-B");
  CHECK(cache.stats().entries == 2);
  CHECK(cache.stats().bytes == 2 * cost);
  say("phrase-A");  // a hit makes A the most recent
  CHECK(cache.stats().hits == 1);
  say("phrase-C");  // B, the least recent, goes
  CHECK(cache.stats().entries == 2);
  CHECK(cache.stats().evicted == 1);
  CHECK(cache.stats().bytes <= o.max_bytes);
  const size_t calls = inner->calls();
  say("phrase-A");
  say("phrase-C");
  CHECK(inner->calls() == calls);  // both hits
  say("phrase-B");
  CHECK(inner->calls() == calls + 1);  // evicted: synthesised again
  CHECK(cache.stats().hits == 3);

  // An entry larger than the whole bound is never kept.
  TtsCacheOptions tiny;
  tiny.max_bytes = cost / 2;
  CachedTts small(inner, tiny);
  small.synthesize(req(50, "phrase-A"), sink);
  small.synthesize(req(51, "phrase-A"), sink);
  CHECK(small.stats().entries == 0);
  CHECK(small.stats().misses == 2);
  CHECK(sink->get(51).done);
}

TEST_CASE("tts cache: texts over the limit pass through uncached; the limit counts characters, not bytes") {
  auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
  CachedTts cache(inner, TtsCacheOptions{});
  auto sink = std::make_shared<Recorder>();
  std::string cyrillic;
  for (int i = 0; i < 200; ++i) cyrillic += "ш";  // 200 characters, 400 bytes
  const std::string longer = cyrillic + "ш";
  cache.synthesize(req(1, cyrillic), sink);
  cache.synthesize(req(2, cyrillic), sink);
  cache.synthesize(req(3, longer), sink);
  cache.synthesize(req(4, longer), sink);
  CHECK(inner->calls() == 3);
  CHECK(cache.stats().hits == 1);
  CHECK(cache.stats().uncacheable == 2);
  CHECK(sink->get(4).done);
  CHECK(sink->get(4).pcm == sink->get(3).pcm);
}

TEST_CASE("tts cache: cancelled and failed syntheses are not cached, and a cancelled one stays silent") {
  auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::manual);
  CachedTts cache(inner, TtsCacheOptions{});
  auto sink = std::make_shared<Recorder>();

  cache.synthesize(req(1, "Зараз."), sink);
  inner->emit_all(1);
  CHECK(sink->get(1).chunks == 1);
  cache.cancel(1);
  CHECK(inner->cancels() == std::vector<RequestId>{1});  // passed on
  // This provider ignores the cancel and finishes anyway: the cache neither forwards nor keeps it.
  inner->finish(1);
  CHECK(sink->get(1).chunks == 1);
  CHECK_FALSE(sink->get(1).done);
  CHECK(cache.stats().entries == 0);

  cache.synthesize(req(2, "Зараз."), sink);
  inner->fail(2);
  CHECK(sink->get(2).error);
  CHECK(cache.stats().entries == 0);

  cache.synthesize(req(3, "Зараз."), sink);
  inner->finish(3);
  CHECK(sink->get(3).done);
  CHECK(cache.stats().entries == 1);
  CHECK(cache.stats().misses == 3);
  CHECK(cache.stats().stored == 1);

  // A hit being replayed stops when its sink cancels it.
  sink->on_chunk = [&](RequestId id, int n) {
    if (id == 4 && n == 1) cache.cancel(4);
  };
  cache.synthesize(req(4, "Зараз."), sink);
  CHECK(sink->get(4).chunks == 1);
  CHECK_FALSE(sink->get(4).done);
  CHECK(cache.stats().hits == 1);
}

TEST_CASE("tts cache: the disk store survives a new cache instance") {
  TempDir dir;
  auto sink = std::make_shared<Recorder>();
  std::vector<int16_t> first;
  std::string key;
  {
    auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
    TtsCacheOptions o;
    o.dir = dir.path.string();
    auto cache = CachedTts::create(inner, o);
    REQUIRE(cache.ok());
    (*cache)->synthesize(req(1, "Дякую за дзвінок, до побачення."), sink);
    (*cache)->synthesize(req(2, "Зачекайте, будь ласка.", 16000), sink);
    first = sink->get(1).pcm;
    key = (*cache)->key_for(req(1, "Дякую за дзвінок, до побачення."));
  }  // the destructor waits for the writes
  CHECK(dir.wav_files() == 2);
  REQUIRE(fs::exists(dir.path / (key + ".wav")));
  auto wav = ca::audio::read_wav_file((dir.path / (key + ".wav")).string());
  REQUIRE(wav.ok());
  CHECK(wav->sample_rate == 8000);
  CHECK(wav->samples == first);

  SUBCASE("loaded into memory at start") {
    auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
    TtsCacheOptions o;
    o.dir = dir.path.string();
    CachedTts cache(inner, o);
    CHECK(cache.stats().entries == 2);
    CHECK(cache.stats().disk_entries == 2);
    cache.synthesize(req(3, "Дякую за дзвінок, до побачення."), sink);
    CHECK(sink->get(3).done);  // at once
    CHECK(sink->get(3).pcm == first);
    CHECK(inner->calls() == 0);
    CHECK(cache.stats().hits == 1);
  }

  SUBCASE("read on demand when memory is off") {
    auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
    TtsCacheOptions o;
    o.dir = dir.path.string();
    o.max_bytes = 0;
    CachedTts cache(inner, o);
    CHECK(cache.stats().entries == 0);
    cache.synthesize(req(3, "Дякую за дзвінок, до побачення."), sink);
    REQUIRE(sink->wait_ended(3));  // from the cache's I/O thread
    CHECK(sink->get(3).pcm == first);
    CHECK(sink->get(3).after_end == 0);
    CHECK(inner->calls() == 0);
    CHECK(cache.stats().hits == 1);
    CHECK(cache.stats().disk_hits == 1);
  }

  SUBCASE("a damaged file is synthesised again and rewritten") {
    {
      std::FILE *f = std::fopen((dir.path / (key + ".wav")).c_str(), "wb");
      REQUIRE(f != nullptr);
      std::fputs("RIFF-not-really", f);
      std::fclose(f);
    }
    auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::instant);
    TtsCacheOptions o;
    o.dir = dir.path.string();
    o.max_bytes = 0;
    {
      CachedTts cache(inner, o);
      cache.synthesize(req(3, "Дякую за дзвінок, до побачення."), sink);
      REQUIRE(sink->wait_ended(3));
      CHECK(sink->get(3).done);
      CHECK(sink->get(3).pcm == first);
      CHECK(inner->calls() == 1);
      CHECK(cache.stats().misses == 1);
    }
    auto again = ca::audio::read_wav_file((dir.path / (key + ".wav")).string());
    REQUIRE(again.ok());
    CHECK(again->samples == first);
  }

  SUBCASE("an unusable directory is an error for create()") {
    const fs::path file = dir.path / "plain-file";
    std::FILE *f = std::fopen(file.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fclose(f);
    TtsCacheOptions o;
    o.dir = (file / "sub").string();
    auto bad = CachedTts::create(std::make_shared<ScriptTts>(ScriptTts::Mode::instant), o);
    CHECK_FALSE(bad.ok());
  }
}

TEST_CASE("tts cache: prewarm synthesises the session's fixed phrases and can be waited for") {
  auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::threaded);
  inner->fail_all_with([](const TtsRequest &r) { return r.text == "fails"; });
  CachedTts cache(inner, TtsCacheOptions{});

  std::vector<PrewarmPhrase> phrases;
  std::vector<std::string> texts;
  for (const char *lang : {"uk", "ru", "en"}) {
    const auto &p = ca::session::default_phrases(lang);
    std::vector<std::string> fixed = {p.greeting, p.reprompt,  p.reprompt_confirm, p.still_there,
                                      p.farewell, p.tool_wait, p.transfer,         p.transfer_failed};
    fixed.insert(fixed.end(), p.fillers.begin(), p.fillers.end());
    for (auto &t : fixed) phrases.push_back({t, lang, ""});
  }
  const size_t fixed_count = phrases.size();
  phrases.push_back({"fails", "en", ""});
  phrases.push_back({std::string(300, 'x'), "en", ""});  // too long: skipped
  phrases.push_back(phrases.front());                    // duplicate: skipped

  // The greeting carries a legal disclosure and may be over the 200-character limit: count what
  // is cacheable the way the cache does.
  size_t too_long = 0;
  for (size_t i = 0; i < fixed_count; ++i) {
    size_t cp = 0;
    for (char c : phrases[i].text) cp += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    too_long += cp > 200 ? 1 : 0;
  }

  auto progress = cache.prewarm(phrases, 8000);
  REQUIRE(progress->wait_for(kWait));
  CHECK(progress->total() == phrases.size());
  CHECK(progress->failed() == 1);
  CHECK(progress->skipped() == 2 + too_long);
  CHECK(progress->cached() == fixed_count - too_long);
  CHECK(cache.stats().entries == fixed_count - too_long);
  CHECK(cache.stats().hits == 0);  // prewarm is not traffic
  CHECK(cache.stats().misses == 0);

  // A call now finds them: no provider work, answered inside synthesize().
  const size_t calls = inner->calls();
  auto sink = std::make_shared<Recorder>();
  RequestId id = 1;
  for (const char *lang : {"uk", "ru", "en"}) {
    for (const std::string &f : ca::session::default_phrases(lang).fillers) {
      cache.synthesize(req(id, f, 8000, lang), sink);
      CHECK(sink->get(id).done);
      ++id;
    }
  }
  CHECK(inner->calls() == calls);
  CHECK(cache.stats().hits == id - 1);

  // Prewarming again finds everything cached.
  auto again = cache.prewarm(std::vector<PrewarmPhrase>(phrases.begin(), phrases.begin() + fixed_count), 8000);
  CHECK(again->wait_for(0ms));
  CHECK(again->cached() == fixed_count - too_long);
  CHECK(again->skipped() == too_long);
  CHECK(inner->calls() == calls);
}

TEST_CASE("tts cache: concurrent callers on a threaded provider") {
  auto inner = std::make_shared<ScriptTts>(ScriptTts::Mode::threaded);
  TtsCacheOptions o;
  o.max_bytes = 20000;  // small: evictions happen while requests are in flight
  CachedTts cache(inner, o);
  auto sink = std::make_shared<Recorder>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const RequestId id = static_cast<RequestId>(1000 * (t + 1) + i);
        cache.synthesize(req(id, "phrase " + std::to_string((i * 7 + t) % 9)), sink);
        if (i % 10 == 9) cache.cancel(id);
      }
    });
  }
  for (auto &th : threads) th.join();
  size_t ended = 0;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 50; ++i) {
      const RequestId id = static_cast<RequestId>(1000 * (t + 1) + i);
      if (i % 10 == 9) continue;  // may or may not have ended before its cancel
      REQUIRE(sink->wait_ended(id));
      const auto r = sink->get(id);
      CHECK(r.done);
      CHECK(r.after_end == 0);
      ++ended;
    }
  }
  CHECK(ended == 180);
  const auto st = cache.stats();
  CHECK(st.hits + st.misses == 200);
  CHECK(st.bytes <= o.max_bytes);
}
