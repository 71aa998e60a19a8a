// The pocketsphinx provider on synthetic speech: 48 utterances of the tyre shop's domain spoken by
// espeak-ng (22.05 kHz, resampled to 16 kHz) and flite (8 kHz, its WAV header says, upsampled),
// generated at test time into a temp dir, decoded at 16 kHz and at 8 kHz (downsampled here,
// upsampled by the provider), scored by word error rate (fails above 35 % at 16 kHz; the target
// is 20 %); out-of-domain speech and noise; interims; decoder reuse; waiting for a decoder;
// cancel; set_vocabulary; the catalogue from a configuration's tool pack; the factory's options;
// the JSGF search. Word error rates are measured with the demo store's catalogue in the model, as
// `callagent serve` runs it.
//
// The provider's tuning (noise floor, cepstral mean, garbage loop, confidence) was measured on a
// separate development set of 30 domain and 6 out-of-domain sentences, not on these.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <callagent/callagent.h>

#include "audio/resampler.hpp"
#include "audio/wav.hpp"
#include "capi/capi_internal.hpp"
#include "core/json.hpp"
#include "providers/pocketsphinx/domain_lm.hpp"
#include "providers/pocketsphinx/sphinx_stt.hpp"
#include "providers/registry.hpp"
#include "store/sqlite_store.hpp"
#include "support/process.hpp"
#include "tools/tyre_tools.hpp"

using namespace ca;
using namespace ca::providers;
namespace fs = std::filesystem;

namespace {

// Written for this test, independently of the vocabulary's templates: what callers of a tyre shop
// say, in their words.
const std::vector<std::string> kUtterances = {
    "I need winter tyres two oh five fifty five R sixteen",
    "do you have Michelin in stock",
    "book a tyre change for tomorrow at ten",
    "what is your return policy",
    "can I speak to a human",
    "hello I am looking for summer tires for my Skoda Octavia",
    "how much are the Nokian winter tyres",
    "is the Continental available in Lviv",
    "my car takes two hundred five sixty R sixteen",
    "I would like to order four Bridgestone tires",
    "what is the status of my order",
    "my order number is four five one two seven",
    "have you got anything in seventeen inch",
    "could I book an appointment for Saturday morning",
    "yes please",
    "no thank you that is all",
    "where is your store in Odesa",
    "which stations do you have in Kharkiv",
    "I want to cancel my booking",
    "how long does delivery take to Dnipro",
    "do you offer tire storage",
    "is there a warranty on Pirelli tyres",
    "transfer me to an operator please",
    "thank you goodbye",
    "are Hankook tires good for snow",
    "I need two Yokohama tyres two fifteen sixty five R seventeen",
    "do you sell Kumho all season tires",
    "how much does a tire change cost",
    "is there a free slot tomorrow afternoon",
    "can I come on Friday at half past three",
    "I will take the cheaper ones",
    "what is the difference between Nexen and Laufenn",
    "do you have Rosava or Belshina tyres",
    "I drive a Volkswagen Passat",
    "reschedule my appointment to next Monday",
    "can you check if you have them in Kyiv",
    "Dunlop winter tyres one ninety five sixty five R fifteen",
    "does the price include balancing",
    "I would like to pick them up at the Obolon store",
    "when will my order arrive",
    "how much is a set of four Toyo tires",
    "okay sounds good",
    "could you repeat that please",
    "what are your working hours",
    "I have changed my mind",
    "do you deliver to Lviv",
    "Goodyear studded tires two twenty five forty five R eighteen",
    "can I pay by card",
};

const std::vector<std::string> kOutOfDomain = {
    "the recipe calls for two cups of flour and a pinch of salt",
    "it will be sunny and warm with a light breeze this afternoon",
    "my grandmother grows tomatoes and cucumbers in her garden",
    "the orchestra played a beautiful symphony last night",
};

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "callagent-sphinx-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string find_program(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const fs::path p = fs::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

// Mono PCM at `rate` from a WAV of whatever rate the synthesiser wrote (its header says which).
std::vector<int16_t> load_at(const std::string &path, int rate, int *native_rate = nullptr) {
  auto wav = audio::read_wav_file(path);
  REQUIRE_MESSAGE(wav.ok(), path);
  if (native_rate) *native_rate = wav->sample_rate;
  std::vector<int16_t> mono = audio::to_mono(*wav);
  return audio::resample(mono, wav->sample_rate, rate);
}

enum class Voice { espeak, flite };
const char *voice_name(Voice v) { return v == Voice::espeak ? "espeak-ng" : "flite"; }

// Speech for `text` at 16 kHz, with a little silence either side as a caller's line would have.
std::vector<int16_t> synthesize(Voice voice, const std::string &text, const fs::path &dir, int index) {
  const std::string file = (dir / (std::string(voice_name(voice)) + "-" + std::to_string(index) + ".wav")).string();
  std::vector<std::string> args;
  if (voice == Voice::espeak) {
    args = {find_program("espeak-ng"), "-v", "en-us", "-w", file, text};
  } else {
    args = {find_program("flite"), "-t", text, "-o", file};
  }
  test::Process p(args);
  REQUIRE(p.wait() == 0);
  int native = 0;
  std::vector<int16_t> pcm = load_at(file, 16000, &native);
  if (voice == Voice::flite) CHECK(native == 8000);  // flite's default voice is 8 kHz: upsampled here
  std::vector<int16_t> out(3200, 0);
  out.insert(out.end(), pcm.begin(), pcm.end());
  out.insert(out.end(), 3200, 0);
  return out;
}

// ---- a sink that records everything ----

struct Recorder final : SttSink {
  std::mutex mu;
  std::condition_variable cv;
  std::map<RequestId, std::vector<SttEvent>> events;
  // When set, the first interim of this stream blocks until `release` (to cancel deterministically).
  RequestId hold_stream = 0;
  bool holding = false;
  bool release = false;

  void on_stt(RequestId id, SttEvent ev) override {
    std::unique_lock lock(mu);
    const bool hold = id == hold_stream && ev.type == SttEvent::Type::interim && !release;
    events[id].push_back(std::move(ev));
    cv.notify_all();
    if (hold) {
      holding = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
  }
  bool finished(RequestId id) {
    auto it = events.find(id);
    return it != events.end() && !it->second.empty() &&
           (it->second.back().type == SttEvent::Type::done || it->second.back().type == SttEvent::Type::error);
  }
  // A generous bound so a broken provider fails the test instead of hanging it; not a timing check.
  bool wait_done(RequestId id) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(240), [&] { return finished(id); });
  }
  std::vector<SttEvent> of(RequestId id) {
    std::lock_guard lock(mu);
    return events[id];
  }
};

struct Outcome {
  std::string text;
  double confidence = 0;
  size_t interims = 0;
  bool interim_before_final = false;
};

Outcome outcome(const std::vector<SttEvent> &evs) {
  Outcome r;
  bool final_seen = false;
  for (const auto &e : evs) {
    if (e.type == SttEvent::Type::interim) {
      ++r.interims;
      if (!final_seen) r.interim_before_final = true;
    }
    if (e.type == SttEvent::Type::final) {
      final_seen = true;
      r.text += (r.text.empty() ? "" : " ") + e.text;
      r.confidence = e.confidence;
    }
  }
  return r;
}

// Pushes `pcm` in 20 ms frames, then finishes.
void stream(SttProvider &p, RequestId id, int rate, const std::vector<int16_t> &pcm, std::shared_ptr<Recorder> rec) {
  SttParams params;
  params.id = id;
  params.sample_rate = rate;
  params.language = "en";
  p.open(params, rec);
  const size_t frame = static_cast<size_t>(rate / 50);
  for (size_t i = 0; i < pcm.size(); i += frame) {
    p.push(id, std::span<const int16_t>(pcm).subspan(i, std::min(frame, pcm.size() - i)));
  }
  p.finish(id);
}

// ---- word error rate ----

std::vector<std::string> normalise(const std::string &text) {
  std::vector<std::string> words;
  std::istringstream in(spoken_words(text));  // lower case, no punctuation, digits as words
  std::string w;
  while (in >> w) {
    if (w == "tires") w = "tyres";
    if (w == "tire") w = "tyre";
    if (w == "ok") w = "okay";
    words.push_back(w);
  }
  return words;
}

size_t edit_distance(const std::vector<std::string> &a, const std::vector<std::string> &b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double provider_threshold() { return SphinxSttOptions{}.min_confidence; }

std::shared_ptr<SphinxStt> make_provider(SphinxSttOptions opt = {}) {
  auto p = SphinxStt::create(std::move(opt));
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message));
  return *p;
}

struct Corpus {
  TempDir dir;
  std::map<Voice, std::vector<std::vector<int16_t>>> audio;  // 16 kHz
};

Corpus &corpus() {
  static Corpus c = [] {
    Corpus k;
    REQUIRE_MESSAGE(!find_program("espeak-ng").empty(), "espeak-ng is not installed");
    REQUIRE_MESSAGE(!find_program("flite").empty(), "flite is not installed");
    for (Voice v : {Voice::espeak, Voice::flite}) {
      for (size_t i = 0; i < kUtterances.size(); ++i) {
        k.audio[v].push_back(synthesize(v, kUtterances[i], k.dir.path, static_cast<int>(i)));
      }
    }
    return k;
  }();
  return c;
}

// The words `callagent serve` gives the recogniser by default: the demo store's catalogue, as the
// tool pack reports it.
SpeechVocabulary demo_catalogue() {
  TempDir dir;
  auto s = store::SqliteStore::open({.path = (dir.path / "shop.db").string(), .clock = {}});
  REQUIRE(s.ok());
  SpeechVocabulary v;
  for (auto &t : tools::make_tyre_tools(s.value(), {})) v.merge(t->speech_vocabulary());
  return v;
}

}  // namespace

TEST_CASE("domain utterances by two voices at 16 and 8 kHz: word error rate") {
  Corpus &c = corpus();
  // Recognition is measured without the confidence threshold (an utterance it rejects would count
  // as deleted words); how many in-domain utterances the default threshold rejects is reported.
  SphinxSttOptions opt;
  opt.min_confidence = 0;
  auto provider = make_provider(opt);
  const SpeechVocabulary catalogue = demo_catalogue();
  REQUIRE(catalogue.brands.size() >= 10);
  provider->use_vocabulary(catalogue);
  REQUIRE(provider->prepare().ok());
  auto rec = std::make_shared<Recorder>();
  RequestId next = 1;
  std::map<std::string, double> wer;
  const double threshold = SphinxSttOptions{}.min_confidence;
  const bool verbose = std::getenv("CALLAGENT_SPHINX_VERBOSE") != nullptr;
  for (int rate : {16000, 8000}) {
    for (Voice v : {Voice::espeak, Voice::flite}) {
      const auto stats0 = provider->stats();
      size_t errors = 0, words = 0, rejected = 0;
      std::vector<RequestId> ids;
      for (size_t i = 0; i < kUtterances.size(); ++i) {
        const std::vector<int16_t> &pcm16 = c.audio[v][i];
        const std::vector<int16_t> pcm = rate == 16000 ? pcm16 : audio::resample(pcm16, 16000, rate);
        const RequestId id = next++;
        ids.push_back(id);
        // One stream at a time: the running cepstral mean then evolves in the same order on
        // every run, so the figures are reproducible (concurrency is exercised further down).
        stream(*provider, id, rate, pcm, rec);
        REQUIRE(rec->wait_done(id));
      }
      for (size_t i = 0; i < ids.size(); ++i) {
        REQUIRE(rec->wait_done(ids[i]));
        const Outcome r = outcome(rec->of(ids[i]));
        const auto ref = normalise(kUtterances[i]);
        const auto hyp = normalise(r.text);
        const size_t e = edit_distance(ref, hyp);
        errors += e;
        words += ref.size();
        rejected += r.confidence < threshold;
        if (verbose || e > 0) {
          std::printf("  [%s %d] %s%zu/%zu  ref: %s\n%*shyp: %s (%.2f)\n", voice_name(v), rate, e ? "" : "ok ", e,
                      ref.size(), kUtterances[i].c_str(), 20, "", r.text.c_str(), r.confidence);
        }
      }
      const auto stats1 = provider->stats();
      const double w = static_cast<double>(errors) / static_cast<double>(words);
      const double audio_s = stats1.audio_seconds - stats0.audio_seconds;
      const double cpu_s = stats1.decode_seconds - stats0.decode_seconds;
      std::printf("WER %-9s %5d Hz: %5.1f %% (%zu errors / %zu words); %zu of %zu utterances under the default "
                  "confidence threshold; real-time factor %.3f (%.1f s CPU for %.1f s audio)\n",
                  voice_name(v), rate, 100 * w, errors, words, rejected, ids.size(), cpu_s / audio_s, cpu_s, audio_s);
      wer[std::string(voice_name(v)) + "@" + std::to_string(rate)] = w;
    }
  }
  std::fflush(stdout);
  // The requirement is at 16 kHz (the target is 20 %); 8 kHz is reported, it is known to be worse.
  CHECK(wer["espeak-ng@16000"] <= 0.35);
  CHECK(wer["flite@16000"] <= 0.35);
  // One decoder (streams one at a time) served all 192 streams.
  CHECK(provider->stats().decoders_created == 1);
}

namespace {

// White noise, seeded: the same every run.
std::vector<int16_t> white_noise(size_t samples, double amplitude) {
  std::mt19937 rng(12345);
  std::normal_distribution<double> n(0.0, amplitude);
  std::vector<int16_t> out(samples);
  for (auto &x : out) x = static_cast<int16_t>(std::clamp(n(rng), -32768.0, 32767.0));
  return out;
}

Outcome decode_one(SttProvider &p, std::shared_ptr<Recorder> rec, RequestId id, const std::vector<int16_t> &pcm16) {
  stream(p, id, 16000, pcm16, rec);
  REQUIRE(rec->wait_done(id));
  return outcome(rec->of(id));
}

}  // namespace

TEST_CASE("out-of-domain speech and noise come back empty (below the confidence threshold)") {
  Corpus &c = corpus();
  auto provider = make_provider();  // the default threshold
  auto rec = std::make_shared<Recorder>();
  RequestId next = 1000;
  size_t rejected = 0, total = 0;
  for (Voice v : {Voice::espeak, Voice::flite}) {
    // A caller has said something in the domain before (the running cepstral mean knows the voice).
    for (size_t i = 0; i < 3; ++i) (void)decode_one(*provider, rec, next++, c.audio[v][i]);
    for (size_t i = 0; i < kOutOfDomain.size(); ++i) {
      const auto pcm = synthesize(v, kOutOfDomain[i], c.dir.path, 900 + static_cast<int>(i));
      const Outcome r = decode_one(*provider, rec, next++, pcm);
      std::printf("out of domain [%s] \"%s\" -> \"%s\" confidence %.2f\n", voice_name(v), kOutOfDomain[i].c_str(),
                  r.text.c_str(), r.confidence);
      ++total;
      if (r.text.empty()) {
        ++rejected;
        CHECK(r.confidence < provider_threshold());
      }
    }
  }
  std::printf("out of domain: %zu of %zu rejected\n", rejected, total);
  // Rejection is statistical: most, not necessarily all, word salad falls under the threshold.
  CHECK(rejected * 4 >= total * 3);

  const Outcome noise = decode_one(*provider, rec, next++, white_noise(16000 * 3, 3000));
  std::printf("white noise -> \"%s\" confidence %.2f\n", noise.text.c_str(), noise.confidence);
  CHECK(noise.text.empty());
  const Outcome silence = decode_one(*provider, rec, next++, std::vector<int16_t>(16000 * 2, 0));
  CHECK(silence.text.empty());
}

TEST_CASE("a long utterance gets interim hypotheses before its final") {
  Corpus &c = corpus();
  auto provider = make_provider();
  auto rec = std::make_shared<Recorder>();
  std::vector<int16_t> pcm;
  for (size_t i : {0, 5, 25}) pcm.insert(pcm.end(), c.audio[Voice::flite][i].begin(), c.audio[Voice::flite][i].end());
  REQUIRE(pcm.size() > 16000 * 6);
  stream(*provider, 1, 16000, pcm, rec);
  REQUIRE(rec->wait_done(1));
  const auto evs = rec->of(1);
  const Outcome r = outcome(evs);
  std::printf("long utterance: %zu interims, final \"%s\" (%.2f)\n", r.interims, r.text.c_str(), r.confidence);
  CHECK(r.interim_before_final);
  CHECK(r.interims >= 2);
  CHECK(!r.text.empty());
  // Interims carry words, never garbage markers; the stream ends with exactly one final and done.
  size_t finals = 0;
  for (const auto &e : evs) {
    if (e.type == SttEvent::Type::interim) {
      CHECK(!e.text.empty());
      CHECK(e.text.find('_') == std::string::npos);
    }
    finals += e.type == SttEvent::Type::final;
  }
  CHECK(finals == 1);
  CHECK(evs.back().type == SttEvent::Type::done);
  // The same audio at 8 kHz: upsampled by the provider, still recognised.
  stream(*provider, 2, 8000, audio::resample(pcm, 16000, 8000), rec);
  REQUIRE(rec->wait_done(2));
  CHECK(!outcome(rec->of(2)).text.empty());
}

TEST_CASE("decoders are pooled: 20 streams, two at a time, reuse two decoders and memory stays flat") {
  Corpus &c = corpus();
  const long rss0 = rss_kb();
  SphinxSttOptions opt;
  opt.decoders = 2;
  opt.threads = 2;
  auto provider = make_provider(opt);
  REQUIRE(provider->prepare().ok());
  const long rss1 = rss_kb();
  auto rec = std::make_shared<Recorder>();
  long rss_after_warmup = 0;
  for (RequestId id = 1; id <= 20; id += 2) {
    stream(*provider, id, 16000, c.audio[Voice::espeak][id % kUtterances.size()], rec);
    stream(*provider, id + 1, 16000, c.audio[Voice::flite][(id + 1) % kUtterances.size()], rec);
    REQUIRE(rec->wait_done(id));
    REQUIRE(rec->wait_done(id + 1));
    if (id == 5) rss_after_warmup = rss_kb();
  }
  const auto st = provider->stats();
  const long rss_end = rss_kb();
  std::printf("pool: %zu decoders created, %zu alive; RSS %ld kB before, +%ld kB with one decoder and the model, "
              "+%ld kB after 6 streams, +%ld kB after 20\n",
              st.decoders_created, st.decoders_alive, rss0, rss1 - rss0, rss_after_warmup - rss0, rss_end - rss0);
  CHECK(st.decoders_created == 2);
  CHECK(st.decoders_alive == 2);
  CHECK(st.decoders_idle == 2);
  CHECK(st.streams == 0);
  CHECK(st.model_builds == 1);
  // Decoding 14 more streams allocates nothing that stays (a generous bound for allocator noise).
  CHECK(rss_end - rss_after_warmup < 8 * 1024);
  for (RequestId id = 1; id <= 20; ++id) CHECK(outcome(rec->of(id)).interims + 1 <= rec->of(id).size());
}

TEST_CASE("more streams than decoders: the extra streams wait for a free one and all finish") {
  Corpus &c = corpus();
  SphinxSttOptions opt;
  opt.decoders = 1;
  opt.threads = 2;
  auto provider = make_provider(opt);
  auto rec = std::make_shared<Recorder>();
  for (RequestId id = 1; id <= 4; ++id) stream(*provider, id, 16000, c.audio[Voice::flite][id], rec);
  for (RequestId id = 1; id <= 4; ++id) {
    REQUIRE(rec->wait_done(id));
    CHECK(!outcome(rec->of(id)).text.empty());
  }
  CHECK(provider->stats().decoders_created == 1);
}

TEST_CASE("cancel drops the stream: no final, no done, and its decoder goes back to the pool") {
  Corpus &c = corpus();
  SphinxSttOptions opt;
  opt.decoders = 1;
  opt.min_confidence = 0;  // the next stream's words are what shows the decoder is usable
  auto provider = make_provider(opt);
  auto rec = std::make_shared<Recorder>();
  std::vector<int16_t> pcm;
  for (size_t i : {1, 2, 3}) pcm.insert(pcm.end(), c.audio[Voice::flite][i].begin(), c.audio[Voice::flite][i].end());
  rec->hold_stream = 7;
  SttParams params;
  params.id = 7;
  params.sample_rate = 16000;
  params.language = "en";
  provider->open(params, rec);
  for (size_t i = 0; i < pcm.size(); i += 320) {
    provider->push(7, std::span<const int16_t>(pcm).subspan(i, std::min<size_t>(320, pcm.size() - i)));
  }
  {
    // The worker is inside the sink with the stream's first interim: cancel lands mid-stream.
    std::unique_lock lock(rec->mu);
    REQUIRE(rec->cv.wait_for(lock, std::chrono::seconds(240), [&] { return rec->holding; }));
  }
  provider->finish(7);
  provider->cancel(7);
  provider->cancel(7);    // twice: a no-op
  provider->cancel(999);  // unknown: a no-op
  {
    std::lock_guard lock(rec->mu);
    rec->release = true;
  }
  rec->cv.notify_all();
  // The one decoder serves the next stream, so the cancelled one gave it back.
  const Outcome next = decode_one(*provider, rec, 8, c.audio[Voice::flite][4]);
  CHECK(!next.text.empty());
  for (const auto &e : rec->of(7)) {
    CHECK(e.type == SttEvent::Type::interim);
  }
  const auto st = provider->stats();
  CHECK(st.streams == 0);
  CHECK(st.decoders_created == 1);
  CHECK(st.decoders_idle == 1);
  // Pushing to or finishing a cancelled stream is ignored too.
  provider->push(7, std::span<const int16_t>(pcm).subspan(0, 320));
  provider->finish(7);
  CHECK(provider->stats().streams == 0);
}

TEST_CASE("set_vocabulary: a brand the defaults lack is recognised once added") {
  Corpus &c = corpus();
  auto provider = make_provider();
  auto rec = std::make_shared<Recorder>();
  DomainVocabulary v = default_tyre_vocabulary();
  v.brands.push_back("matador");
  v.brands.push_back("sava");
  provider->set_vocabulary(v);
  (void)decode_one(*provider, rec, 1, c.audio[Voice::flite][1]);  // the voice, as a caller's first words
  const auto pcm = synthesize(Voice::flite, "do you have Matador winter tyres", c.dir.path, 950);
  const Outcome r = decode_one(*provider, rec, 2, pcm);
  std::printf("added brand: \"%s\" (%.2f)\n", r.text.c_str(), r.confidence);
  CHECK(r.text.find("matador") != std::string::npos);
  CHECK(provider->stats().model_words > 300);
}

TEST_CASE("a configuration's tool pack gives the recogniser its catalogue: a brand only the store sells is heard") {
  Corpus &c = corpus();
  TempDir dir;
  const std::string db = (dir.path / "shop.db").string();
  {
    auto s = store::SqliteStore::open({.path = db, .clock = {}});
    REQUIRE(s.ok());
  }
  {
    // A brand the recogniser's defaults do not have, written as the shop writes it.
    SQLite::Database d(db, SQLite::OPEN_READWRITE);
    d.exec("INSERT INTO brands(name, name_uk, tier, price_pct, country) VALUES('Firestone', 'Файрстоун', 'mid', 100, 'US')");
  }
  const std::string toml = (dir.path / "callagent.toml").string();
  {
    std::ofstream f(toml);
    f << "[stt.ears]\ntype = \"pocketsphinx\"\n\n[tools.shop]\ntype = \"tyre_shop\"\nstore = \"" << db << "\"\n";
  }
  ca_engine_t *engine = nullptr;
  REQUIRE(ca_engine_create(nullptr, &engine) == CA_OK);
  REQUIRE_MESSAGE(ca_engine_load_config(engine, toml.c_str()) == CA_OK, ca_last_error());
  auto provider = std::dynamic_pointer_cast<SphinxStt>(capi::from(engine)->stt.at("ears"));
  REQUIRE(provider != nullptr);
  auto rec = std::make_shared<Recorder>();
  (void)decode_one(*provider, rec, 1, c.audio[Voice::flite][1]);
  const auto pcm = synthesize(Voice::flite, "do you have Firestone winter tyres", c.dir.path, 951);
  const Outcome r = decode_one(*provider, rec, 2, pcm);
  std::printf("store's brand: \"%s\" (%.2f)\n", r.text.c_str(), r.confidence);
  CHECK(r.text.find("firestone") != std::string::npos);
  // Given before the first stream: the model was built once, with the catalogue in it.
  CHECK(provider->stats().model_builds == 1);
  provider.reset();
  ca_engine_destroy(engine);
}

TEST_CASE("the factory: [stt.NAME] type = \"pocketsphinx\" options are checked") {
  const auto &reg = builtin_factories();
  auto it = reg.stt.find("pocketsphinx");
  REQUIRE(it != reg.stt.end());
  auto make = [&](json::Value options) {
    FactoryArgs a;
    a.name = "local";
    a.where = "test.toml:3";
    a.options = std::move(options);
    return it->second(a);
  };
  auto bad = make(json::Value::object().set("threads", 2).set("beam_width", 10));
  REQUIRE(!bad.ok());
  CHECK(bad.error().message.find("beam_width") != std::string::npos);
  CHECK(bad.error().message.find("test.toml:3") != std::string::npos);
  CHECK(!make(json::Value::object().set("threads", "two")).ok());
  CHECK(!make(json::Value::object().set("threads", 0)).ok());
  CHECK(!make(json::Value::object().set("min_confidence", 1.5)).ok());
  CHECK(!make(json::Value::object().set("search", "neural")).ok());
  auto missing = make(json::Value::object().set("model_dir", "/nonexistent/model"));
  REQUIRE(!missing.ok());
  CHECK(missing.error().message.find("/nonexistent/model") != std::string::npos);

  TempDir dir;
  const std::string vocab = (dir.path / "vocab.json").string();
  std::ofstream(vocab) << R"({"brands": ["Matador", "Sava"], "models": ["MP 92 Sibir Snow"],
                             "pronunciations": {"sibir": "S IH B IH R"}})";
  auto ok = make(json::Value::object()
                     .set("threads", 1)
                     .set("decoders", 1)
                     .set("min_confidence", 0.4)
                     .set("interim_interval_ms", 200)
                     .set("vocabulary_file", vocab)
                     .set("search", "lm"));
  REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? "" : ok.error().message));
  CHECK((*ok)->name() == "pocketsphinx");
  const std::string broken = (dir.path / "broken.json").string();
  std::ofstream(broken) << R"({"brandz": ["Matador"]})";
  auto refused = make(json::Value::object().set("vocabulary_file", broken));
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("brandz") != std::string::npos);
}

TEST_CASE("search = jsgf: the grammar built from the same templates also decodes") {
  // Measured far worse than the n-gram model (and much slower), so not the default; kept for
  // deployments that want a closed grammar. One short utterance shows the path works.
  Corpus &c = corpus();
  SphinxSttOptions opt;
  opt.search = SphinxSttOptions::Search::jsgf;
  opt.min_confidence = 0;
  auto provider = make_provider(opt);
  auto rec = std::make_shared<Recorder>();
  const Outcome r = decode_one(*provider, rec, 1, c.audio[Voice::flite][14]);  // "yes please"
  std::printf("jsgf: \"%s\"\n", r.text.c_str());
  const auto evs = rec->of(1);
  REQUIRE(!evs.empty());
  CHECK(evs.back().type == SttEvent::Type::done);
  for (const auto &e : evs) CHECK(e.type != SttEvent::Type::error);
}
