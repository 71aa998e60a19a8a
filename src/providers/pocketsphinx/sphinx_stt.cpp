#include "providers/pocketsphinx/sphinx_stt.hpp"

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/logmath.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "audio/resampler.hpp"
#include "core/log.hpp"

namespace ca::providers {

namespace fs = std::filesystem;

namespace {

constexpr int kModelRate = 16000;
// Audio decoded per turn of a worker before it looks at other streams: long enough to amortise
// the bookkeeping, short enough that one long utterance does not starve the others.
constexpr size_t kBatchSamples = kModelRate / 2;

// A noise floor under every stream: Gaussian, sigma 50 (about -56 dBFS). The acoustic model was
// trained on recordings, which always have some; digitally clean audio (synthetic speech, VoIP
// with silence suppression, the empty upper band of upsampled 8 kHz) has stretches of exact or
// near zeros whose log energies throw the features and the cepstral mean far off. Measured on
// synthetic development speech: espeak-ng at 16 kHz went from 31 % to 12 % WER, at 8 kHz from
// 70 % to 35 %, flite stayed within a point; sigma 20 and 100 were both worse than 50.
constexpr double kNoiseSigma = 50.0;
constexpr uint32_t kNoiseSeed = 0x5eed;

void add_noise_floor(std::vector<int16_t> &pcm, std::mt19937 &rng) {
  std::normal_distribution<double> n(0.0, kNoiseSigma);
  for (int16_t &x : pcm) {
    x = static_cast<int16_t>(std::clamp(static_cast<double>(x) + std::round(n(rng)), -32768.0, 32767.0));
  }
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// pocketsphinx reports through a process-wide callback. Its chatter (configuration dumps, timing)
// is dropped; warnings and errors go to our log.
void sphinx_log(void * /*user_data*/, err_lvl_t level, const char *fmt, ...) {
  if (level < ERR_WARN || level == ERR_INFOCONT) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::string msg(buf);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  if (msg.empty()) return;
  // An utterance of pure silence has no frames to search: not a failure, the result is empty.
  const bool benign = msg.find("Couldn't find <s> in first frame") != std::string::npos;
  log::write(benign ? log::Level::debug : level >= ERR_ERROR ? log::Level::error : log::Level::warn, "",
             "pocketsphinx: " + msg);
}

void install_sphinx_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    err_set_logfp(nullptr);  // also stops the configuration dump ps_init writes to the log file
    err_set_callback(sphinx_log, nullptr);
  });
}

bool file_exists(const std::string &p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// What the decoder returns, without fillers (<sil>, [NOISE]) and the garbage word, spaces
// normalised.
std::string clean_hypothesis(const char *hyp) {
  std::string out;
  if (hyp == nullptr) return out;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    const bool filler = word.front() == '<' || word.front() == '[' || word.front() == '+' || is_garbage_word(word);
    if (!filler) out += (out.empty() ? "" : " ") + word;
    word.clear();
  };
  for (const char *p = hyp; *p; ++p) {
    if (*p == ' ' || *p == '\t') {
      flush();
    } else {
      word.push_back(*p);
    }
  }
  flush();
  return out;
}

// The domain model's files: written once per vocabulary, read by every decoder built from it,
// removed with the last decoder that uses them.
struct BuiltModel {
  uint64_t generation = 0;
  std::string dir;
  std::string lm_path;
  std::string jsgf_path;
  std::string dict_path;
  size_t words = 0;
  NgramScorer scorer;  // read-only once built: shared by the workers without a lock

  BuiltModel() = default;
  BuiltModel(const BuiltModel &) = delete;
  BuiltModel &operator=(const BuiltModel &) = delete;
  ~BuiltModel() {
    if (dir.empty()) return;
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Result<void> write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error(Errc::io, "pocketsphinx: cannot write " + path);
  out << text;
  out.close();
  if (!out) return make_error(Errc::io, "pocketsphinx: cannot write " + path);
  return {};
}

// How many frames (10 ms each) the starting cepstral mean weighs against what a stream brings:
// after a second of speech the stream's own mean counts as much as the prior.
constexpr int kCmnPriorFrames = 100;

struct Decoder {
  ps_decoder_t *ps = nullptr;
  std::shared_ptr<const BuiltModel> model;
  bool in_utterance = false;

  Decoder() = default;
  Decoder(const Decoder &) = delete;
  Decoder &operator=(const Decoder &) = delete;
  ~Decoder() {
    if (ps != nullptr) ps_free(ps);
  }

  cmn_t *cmn() const {
    feat_t *f = ps_get_feat(ps);
    return f != nullptr ? f->cmn_struct : nullptr;
  }

  // Cepstral mean normalisation decides more than anything how well a voice is recognised (the
  // model's built-in starting mean costs 20-60 points of WER on telephone and synthetic voices).
  // pocketsphinx's live CMN moves only every 8 s and only between utterances otherwise, and a
  // pooled decoder would carry the previous caller's mean. So each stream starts from the
  // provider's running mean (`prior`), weighted as kCmnPriorFrames frames, and adapt() moves
  // it towards the stream's own voice as audio comes in.
  bool start(const std::vector<mfcc_t> &prior) {
    if (cmn_t *c = cmn(); c != nullptr && static_cast<size_t>(c->veclen) == prior.size()) {
      for (size_t i = 0; i < prior.size(); ++i) {
        c->cmn_mean[i] = prior[i];
        c->sum[i] = prior[i] * kCmnPriorFrames;
      }
      c->nframe = kCmnPriorFrames;
    }
    in_utterance = ps_start_utt(ps) == 0;
    return in_utterance;
  }
  void adapt() {
    cmn_t *c = cmn();
    if (c == nullptr || c->nframe <= 0) return;
    for (int i = 0; i < c->veclen; ++i) c->cmn_mean[i] = c->sum[i] / static_cast<mfcc_t>(c->nframe);
  }
  std::vector<mfcc_t> mean() const {
    cmn_t *c = cmn();
    if (c == nullptr) return {};
    return std::vector<mfcc_t>(c->cmn_mean, c->cmn_mean + c->veclen);
  }
  void end() {
    if (in_utterance) ps_end_utt(ps);
    in_utterance = false;
  }
};

}  // namespace

struct Stream {
  RequestId id = 0;
  std::shared_ptr<SttSink> sink;
  int rate = kModelRate;
  std::deque<std::vector<int16_t>> queue;  // at the stream's rate
  bool finished = false;
  bool busy = false;    // a worker has it
  bool queued = false;  // in the ready queue
  bool waiting = false; // for a decoder
  bool closed = false;  // done, failed or cancelled: never scheduled again
  std::atomic<bool> cancelled{false};
  // Worker-only state.
  Decoder *decoder = nullptr;
  std::optional<audio::Resampler> resampler;
  std::vector<int16_t> pcm16;
  std::vector<int16_t> noisy;
  std::mt19937 noise{kNoiseSeed};  // the same for every stream: a stream decodes the same every time
  size_t since_interim = 0;
  std::string last_interim;
};

struct SphinxStt::Impl {
  SphinxSttOptions opt;
  std::string hmm_dir;
  std::string cmudict;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::vector<std::thread> workers;

  // Model. The vocabulary and its generation are under `mu`; building is serialised by build_mu.
  DomainVocabulary vocabulary;
  uint64_t generation = 1;
  std::mutex build_mu;
  std::shared_ptr<const BuiltModel> model;  // under mu
  size_t model_builds = 0;

  // Decoders: all of them, the idle ones, and how many are being built right now.
  std::vector<std::unique_ptr<Decoder>> decoders;
  std::vector<Decoder *> idle;
  size_t creating = 0;
  size_t decoders_created = 0;
  std::deque<std::shared_ptr<Stream>> waiting;

  std::unordered_map<RequestId, std::shared_ptr<Stream>> streams;
  std::deque<std::shared_ptr<Stream>> ready;

  double audio_seconds = 0;
  double decode_seconds = 0;
  std::atomic<bool> warned_rate{false};
  std::atomic<bool> warned_language{false};
  std::vector<mfcc_t> cmn_prior;  // under mu: the cepstral mean of the voices heard lately

  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    for (auto &t : workers) t.join();
    idle.clear();
    decoders.clear();
  }

  void start_workers() {
    const int n = std::max(1, opt.threads);
    for (int i = 0; i < n; ++i) workers.emplace_back([this] { worker(); });
  }

  // ---- the model ----

  Result<std::shared_ptr<const BuiltModel>> current_model() {
    std::lock_guard build(build_mu);
    DomainVocabulary v;
    uint64_t gen = 0;
    {
      std::lock_guard lock(mu);
      if (model && model->generation == generation) return model;
      v = vocabulary;
      gen = generation;
    }
    const double t0 = thread_cpu_seconds();
    auto built = build_domain_model(v, cmudict);
    if (!built) return built.error();
    std::string tmpl = (fs::temp_directory_path() / "callagent-sphinx-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return make_error(Errc::io, "pocketsphinx: cannot create a temporary directory for the domain model");
    }
    auto m = std::make_shared<BuiltModel>();
    m->generation = gen;
    m->dir = tmpl;
    m->lm_path = tmpl + "/domain.arpa";
    m->jsgf_path = tmpl + "/domain.gram";
    m->dict_path = tmpl + "/domain.dict";
    m->words = built->words.size();
    auto scorer = NgramScorer::parse(built->arpa);
    if (!scorer) return scorer.error();
    m->scorer = std::move(*scorer);
    if (auto r = write_file(m->lm_path, built->arpa); !r) return r.error();
    if (auto r = write_file(m->jsgf_path, built->jsgf); !r) return r.error();
    if (auto r = write_file(m->dict_path, built->dictionary); !r) return r.error();
    std::string guessed;
    for (const auto &w : built->guessed) guessed += (guessed.empty() ? "" : " ") + w;
    log::write(log::Level::info, "", "pocketsphinx: domain model built",
               {{"words", built->words.size()},
                {"sentences", built->sentences},
                {"bigrams", built->ngrams[1]},
                {"trigrams", built->ngrams[2]},
                {"guessed_pronunciations", guessed},
                {"cpu_ms", static_cast<int64_t>((thread_cpu_seconds() - t0) * 1000)}});
    std::lock_guard lock(mu);
    ++model_builds;
    // A set_vocabulary() during the build: this model is already stale, but it is still a
    // consistent one; the next decoder taken rebuilds.
    if (!model || model->generation < gen) model = m;
    return std::shared_ptr<const BuiltModel>(m);
  }

  Result<std::unique_ptr<Decoder>> make_decoder(const std::shared_ptr<const BuiltModel> &m) {
    install_sphinx_log();
    const bool jsgf = opt.search == SphinxSttOptions::Search::jsgf;
    cmd_ln_t *config = cmd_ln_init(nullptr, ps_args(), TRUE,                              //
                                   "-hmm", hmm_dir.c_str(),                               //
                                   "-dict", m->dict_path.c_str(),                         //
                                   jsgf ? "-jsgf" : "-lm", jsgf ? m->jsgf_path.c_str() : m->lm_path.c_str(),  //
                                   "-samprate", "16000",                                  //
                                   nullptr);
    if (config == nullptr) return make_error(Errc::config, "pocketsphinx: the decoder configuration was refused");
    ps_decoder_t *ps = ps_init(config);
    cmd_ln_free_r(config);
    if (ps == nullptr) {
      return make_error(Errc::config, "pocketsphinx: cannot load the model from " + hmm_dir +
                                          " (see the log for pocketsphinx's reason)");
    }
    auto d = std::make_unique<Decoder>();
    d->ps = ps;
    d->model = m;
    {
      std::lock_guard lock(mu);
      if (cmn_prior.empty()) cmn_prior = d->mean();  // the model's -cmninit, until voices are heard
    }
    return d;
  }

  // ---- the worker ----

  void schedule(const std::shared_ptr<Stream> &s) {  // under mu
    if (s->queued || s->busy || s->waiting || s->closed) return;
    s->queued = true;
    ready.push_back(s);
    cv.notify_one();
  }

  void emit(Stream &s, SttEvent::Type type, std::string text = {}, double confidence = 0) {
    if (s.cancelled.load(std::memory_order_acquire)) return;
    SttEvent ev;
    ev.type = type;
    ev.text = std::move(text);
    ev.confidence = confidence;
    ev.language = "en";
    s.sink->on_stt(s.id, std::move(ev));
  }

  // Gives a decoder back: to the first stream waiting for one, or to the idle pool.
  void release(Decoder *d) {  // under mu
    while (!waiting.empty()) {
      auto next = std::move(waiting.front());
      waiting.pop_front();
      next->waiting = false;
      if (next->cancelled.load()) continue;
      next->decoder = d;
      schedule(next);
      return;
    }
    idle.push_back(d);
  }

  void worker() {
    // Decoding is batch work next to the calls' event loops: it yields to them.
    setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [this] { return stopping || !ready.empty(); });
      if (stopping) return;
      auto s = std::move(ready.front());
      ready.pop_front();
      s->queued = false;
      s->busy = true;
      run(s, lock);
      s->busy = false;
      if (s->cancelled.load() && !s->closed) drop(*s, lock);
      if (!s->closed && (!s->queue.empty() || s->finished)) schedule(s);
    }
  }

  // One turn for a stream. Called and returns with `lock` held; decodes without it.
  void run(const std::shared_ptr<Stream> &s, std::unique_lock<std::mutex> &lock) {
    if (s->cancelled.load()) {
      drop(*s, lock);
      return;
    }
    if (s->decoder == nullptr && !acquire(s, lock)) return;
    if (s->cancelled.load()) {  // while a decoder was being built for it
      drop(*s, lock);
      return;
    }
    // A decoder built from an older vocabulary is rebuilt before it serves a stream (never in the
    // middle of one).
    if (!s->decoder->in_utterance && s->decoder->model->generation != generation) {
      if (!rebuild(*s, lock)) return;
    }
    // Take a batch of audio.
    std::vector<std::vector<int16_t>> batch;
    size_t taken = 0;
    const size_t limit = kBatchSamples * static_cast<size_t>(s->rate) / kModelRate + 1;
    while (!s->queue.empty() && taken < limit) {
      taken += s->queue.front().size();
      batch.push_back(std::move(s->queue.front()));
      s->queue.pop_front();
    }
    const bool finishing = s->finished && s->queue.empty();
    std::vector<mfcc_t> prior;
    if (!s->decoder->in_utterance) prior = cmn_prior;
    lock.unlock();

    Decoder &d = *s->decoder;
    const double t0 = thread_cpu_seconds();
    size_t fed = 0;
    bool ok = true;
    if (!d.in_utterance && !d.start(prior)) ok = false;
    if (ok && s->rate != kModelRate && !s->resampler) {
      auto r = audio::Resampler::create(s->rate, kModelRate);
      if (r) {
        s->resampler.emplace(std::move(*r));
      } else {
        ok = false;
      }
    }
    auto feed = [&](const std::vector<int16_t> &pcm) {
      // 100 ms at a time, so the cepstral mean follows the voice at that pace.
      for (size_t i = 0; ok && i < pcm.size(); i += kModelRate / 10) {
        const size_t n = std::min<size_t>(kModelRate / 10, pcm.size() - i);
        s->noisy.assign(pcm.begin() + static_cast<std::ptrdiff_t>(i), pcm.begin() + static_cast<std::ptrdiff_t>(i + n));
        add_noise_floor(s->noisy, s->noise);
        if (ps_process_raw(d.ps, s->noisy.data(), n, FALSE, FALSE) < 0) ok = false;
        d.adapt();
      }
      fed += pcm.size();
    };
    for (auto &chunk : batch) {
      if (!ok) break;
      if (s->resampler) {
        s->pcm16.clear();
        s->resampler->process(chunk, s->pcm16);
        feed(s->pcm16);
      } else {
        feed(chunk);
      }
    }
    if (ok && finishing && s->resampler) {
      s->pcm16.clear();
      s->resampler->flush(s->pcm16);
      feed(s->pcm16);
    }
    s->since_interim += fed;
    std::optional<std::string> interim;
    const size_t interval = static_cast<size_t>(std::max(opt.interim_interval_ms, 1)) * kModelRate / 1000;
    if (ok && !finishing && s->since_interim >= interval) {
      s->since_interim = 0;
      std::string hyp = clean_hypothesis(ps_get_hyp(d.ps, nullptr));
      if (!hyp.empty() && hyp != s->last_interim) {
        s->last_interim = hyp;
        interim = std::move(hyp);
      }
    }
    std::string final_text;
    double confidence = 0;
    std::vector<mfcc_t> heard;
    if (ok && finishing) {
      d.end();
      const Scored r = score(d);
      final_text = r.text;
      confidence = r.confidence;
      log::write(log::Level::debug, "", "pocketsphinx: final",
                 {{"stream", s->id}, {"text", r.text}, {"confidence", r.confidence}, {"word_posterior", r.log_posterior},
                  {"lm_typicality", r.typicality}, {"unseen_bigrams", r.unseen_bigrams}, {"domain_share", r.domain_share}});
      if (confidence < opt.min_confidence) final_text.clear();
      // A stream with a second of speech or more teaches the prior what voices sound like now.
      if (ps_get_n_frames(d.ps) >= 100) heard = d.mean();
    }
    const double cpu = thread_cpu_seconds() - t0;

    // The decoder goes back to the pool before the last events go out: whoever reacts to `done`
    // by opening the next stream finds it free.
    lock.lock();
    audio_seconds += static_cast<double>(fed) / kModelRate;
    decode_seconds += cpu;
    if (heard.size() == cmn_prior.size()) cmn_prior = std::move(heard);
    if (!ok || finishing || s->cancelled.load()) drop(*s, lock);
    lock.unlock();

    if (interim) emit(*s, SttEvent::Type::interim, *interim);
    if (!ok) {
      emit(*s, SttEvent::Type::error, "pocketsphinx: decoding failed");
    } else if (finishing) {
      emit(*s, SttEvent::Type::final, final_text, confidence);
      emit(*s, SttEvent::Type::done);
    }
    lock.lock();
  }

  struct Scored {
    std::string text;
    double confidence = 0;
    double log_posterior = 0;  // of the best path, per word (natural log)
    double typicality = 0;     // mean log10 LM probability per token
    double domain_share = 0;   // of the words' time, the share of domain words (not garbage)
    double unseen_bigrams = 0; // the share of word pairs the domain model never saw
  };

  // The final hypothesis and how much to trust it, from cheap signals (no second pass): the
  // lattice posterior of the best path per word (low where the decoder hesitated), how typical
  // the word sequence is of the domain and how many of its word pairs the model never saw
  // (speech from elsewhere, forced onto domain words, comes out as word salad), and how much of
  // it the garbage loop took. Calibrated on synthetic development speech (60 domain and 12
  // out-of-domain utterances, none of the test's): every correctly recognised domain utterance
  // scored above -3.5, every out-of-domain one below -3.7 (and misrecognised domain speech
  // spreads over both); the logistic puts 0.5 at -3.6.
  Scored score(Decoder &d) {
    Scored r;
    int32 best = 0;
    const char *hyp = ps_get_hyp(d.ps, &best);
    r.text = clean_hypothesis(hyp);
    if (r.text.empty()) return r;
    std::vector<std::string> tokens;
    size_t words = 0;
    {
      std::string w;
      for (const char *p = hyp; ; ++p) {
        if (*p == ' ' || *p == '\0') {
          if (!w.empty()) {
            if (!is_garbage_word(w)) ++words;
            tokens.push_back(std::move(w));
            w.clear();
          }
          if (*p == '\0') break;
        } else {
          w.push_back(*p);
        }
      }
    }
    double domain = 0, garbage = 0;
    for (ps_seg_t *seg = ps_seg_iter(d.ps); seg != nullptr; seg = ps_seg_next(seg)) {
      const char *w = ps_seg_word(seg);
      if (w == nullptr || w[0] == '<' || w[0] == '[' || w[0] == '+') continue;
      int sf = 0, ef = 0;
      ps_seg_frames(seg, &sf, &ef);
      (is_garbage_word(w) ? garbage : domain) += ef - sf + 1;
    }
    r.domain_share = domain + garbage > 0 ? domain / (domain + garbage) : 0;
    // ps_get_prob is in the decoder's log base; logmath_log_to_ln converts.
    r.log_posterior = logmath_log_to_ln(ps_get_logmath(d.ps), ps_get_prob(d.ps)) /
                      static_cast<double>(std::max<size_t>(words, 1));
    r.typicality = d.model->scorer.mean_log10(tokens);
    r.unseen_bigrams = d.model->scorer.unseen_bigram_share(tokens);
    const double z = r.log_posterior + r.typicality - 3.0 * (1.0 - r.domain_share) - 2.0 * r.unseen_bigrams;
    r.confidence = 1.0 / (1.0 + std::exp(-(z + 3.6) / 0.6));
    return r;
  }

  // Ends the stream: its decoder back to the pool (its utterance, if any, abandoned).
  void drop(Stream &s, std::unique_lock<std::mutex> &lock) {
    s.closed = true;
    s.queue.clear();
    if (auto it = streams.find(s.id); it != streams.end() && it->second.get() == &s) streams.erase(it);
    if (s.decoder == nullptr) return;
    Decoder *d = s.decoder;
    s.decoder = nullptr;
    if (d->in_utterance) {
      lock.unlock();
      d->end();
      lock.lock();
    }
    release(d);
  }

  // A decoder for the stream: an idle one, a new one while under the limit, else wait in line.
  bool acquire(const std::shared_ptr<Stream> &s, std::unique_lock<std::mutex> &lock) {
    if (!idle.empty() && waiting.empty()) {
      s->decoder = idle.back();
      idle.pop_back();
      return true;
    }
    if (decoders.size() + creating < static_cast<size_t>(std::max(1, opt.decoders))) {
      ++creating;
      lock.unlock();
      auto m = current_model();
      Result<std::unique_ptr<Decoder>> d = m ? make_decoder(*m) : Result<std::unique_ptr<Decoder>>(m.error());
      lock.lock();
      --creating;
      if (!d) {
        log::write(log::Level::error, "", "pocketsphinx: " + d.error().message);
        lock.unlock();
        emit(*s, SttEvent::Type::error, d.error().message);
        lock.lock();
        drop(*s, lock);
        // Another stream may be waiting for the decoder that could not be built: let it try.
        if (!waiting.empty()) {
          auto next = std::move(waiting.front());
          waiting.pop_front();
          next->waiting = false;
          schedule(next);
        }
        return false;
      }
      ++decoders_created;
      s->decoder = d->get();
      decoders.push_back(std::move(*d));
      return true;
    }
    s->waiting = true;
    waiting.push_back(s);
    return false;
  }

  bool rebuild(Stream &s, std::unique_lock<std::mutex> &lock) {
    Decoder *old = s.decoder;
    lock.unlock();
    auto m = current_model();
    Result<std::unique_ptr<Decoder>> d = m ? make_decoder(*m) : Result<std::unique_ptr<Decoder>>(m.error());
    lock.lock();
    if (!d) {
      lock.unlock();
      emit(s, SttEvent::Type::error, d.error().message);
      lock.lock();
      drop(s, lock);
      return false;
    }
    ++decoders_created;
    auto it = std::find_if(decoders.begin(), decoders.end(), [&](const auto &p) { return p.get() == old; });
    if (it != decoders.end()) *it = std::move(*d);
    s.decoder = it != decoders.end() ? it->get() : nullptr;
    if (s.decoder == nullptr) {  // cannot happen: every decoder is in the list
      drop(s, lock);
      return false;
    }
    return true;
  }
};

Result<std::shared_ptr<SphinxStt>> SphinxStt::create(SphinxSttOptions options) {
  if (options.threads < 1 || options.threads > 64) {
    return make_error(Errc::config, "pocketsphinx: threads must be 1..64");
  }
  if (options.decoders < 1 || options.decoders > 256) {
    return make_error(Errc::config, "pocketsphinx: decoders must be 1..256");
  }
  if (!(options.min_confidence >= 0 && options.min_confidence <= 1)) {
    return make_error(Errc::config, "pocketsphinx: min_confidence must be within 0..1");
  }
  if (options.interim_interval_ms < 20 || options.interim_interval_ms > 60000) {
    return make_error(Errc::config, "pocketsphinx: interim_interval_ms must be 20..60000");
  }
  auto impl = std::make_unique<Impl>();
  // Debian's layout: model_dir/en-us (the acoustic model) next to model_dir/cmudict-en-us.dict.
  // A directory holding mdef is the acoustic model itself, its dictionary one level up.
  const fs::path dir(options.model_dir);
  if (file_exists((dir / "mdef").string())) {
    impl->hmm_dir = dir.string();
    impl->cmudict = (dir.parent_path() / "cmudict-en-us.dict").string();
  } else {
    impl->hmm_dir = (dir / "en-us").string();
    impl->cmudict = (dir / "cmudict-en-us.dict").string();
  }
  if (!options.dict.empty()) impl->cmudict = options.dict;
  for (const char *f : {"mdef", "means", "variances", "transition_matrices", "feat.params"}) {
    if (!file_exists(impl->hmm_dir + "/" + f)) {
      return make_error(Errc::config, "pocketsphinx: no acoustic model in " + options.model_dir + " (" +
                                          impl->hmm_dir + "/" + f + " is missing)");
    }
  }
  if (!file_exists(impl->cmudict)) {
    return make_error(Errc::config, "pocketsphinx: no pronunciation dictionary at " + impl->cmudict);
  }
  impl->vocabulary = default_tyre_vocabulary();
  if (!options.vocabulary_file.empty()) {
    auto v = load_vocabulary_file(options.vocabulary_file, impl->vocabulary);
    if (!v) return make_error(Errc::config, "pocketsphinx: " + v.error().message);
    impl->vocabulary = std::move(*v);
  }
  impl->opt = std::move(options);
  impl->start_workers();
  return std::shared_ptr<SphinxStt>(new SphinxStt(std::move(impl)));
}

SphinxStt::SphinxStt(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SphinxStt::~SphinxStt() = default;

void SphinxStt::set_vocabulary(DomainVocabulary vocabulary) {
  std::lock_guard lock(impl_->mu);
  impl_->vocabulary = std::move(vocabulary);
  ++impl_->generation;
}

void SphinxStt::use_vocabulary(const SpeechVocabulary &vocabulary) {
  DomainVocabulary v = with_catalogue(default_tyre_vocabulary(), vocabulary);
  if (!impl_->opt.vocabulary_file.empty()) {
    auto extended = load_vocabulary_file(impl_->opt.vocabulary_file, v);
    if (!extended) {
      log::write(log::Level::warn, "",
                 "pocketsphinx: " + extended.error().message + "; the catalogue's words are used without it");
    } else {
      v = std::move(*extended);
    }
  }
  set_vocabulary(std::move(v));
}

Result<void> SphinxStt::prepare() {
  auto m = impl_->current_model();
  if (!m) return m.error();
  std::unique_lock lock(impl_->mu);
  if (!impl_->decoders.empty() || impl_->creating > 0) return {};
  ++impl_->creating;
  lock.unlock();
  auto d = impl_->make_decoder(*m);
  lock.lock();
  --impl_->creating;
  if (!d) return d.error();
  ++impl_->decoders_created;
  impl_->idle.push_back(d->get());
  impl_->decoders.push_back(std::move(*d));
  return {};
}

void SphinxStt::open(const SttParams &params, std::shared_ptr<SttSink> sink) {
  auto s = std::make_shared<Stream>();
  s->id = params.id;
  s->sink = std::move(sink);
  s->rate = params.sample_rate > 0 ? params.sample_rate : kModelRate;
  if (params.language.rfind("en", 0) != 0 && !impl_->warned_language.exchange(true)) {
    log::write(log::Level::warn, "", "pocketsphinx: only English is recognised; the stream is decoded as English",
               {{"language", params.language}});
  }
  if (s->rate < kModelRate && !impl_->warned_rate.exchange(true)) {
    log::write(log::Level::warn, "",
               "pocketsphinx: the en-us model is 16 kHz; audio at a lower rate is upsampled and recognised much "
               "worse",
               {{"sample_rate", s->rate}});
  }
  std::lock_guard lock(impl_->mu);
  auto &slot = impl_->streams[s->id];
  if (slot) {
    // Two open streams with one id: the provider cannot tell their audio apart. The older one is
    // dropped (as if cancelled) rather than fed the newer one's audio.
    log::write(log::Level::warn, "", "pocketsphinx: stream id reused while open; the older stream is dropped",
               {{"stream", s->id}});
    slot->cancelled.store(true);
    slot->queue.clear();
    if (slot->waiting) {
      auto &w = impl_->waiting;
      w.erase(std::remove(w.begin(), w.end(), slot), w.end());
      slot->waiting = false;
    }
    if (slot->decoder != nullptr) impl_->schedule(slot);
  }
  slot = std::move(s);
}

void SphinxStt::push(RequestId stream, std::span<const int16_t> pcm) {
  if (pcm.empty()) return;
  std::vector<int16_t> copy(pcm.begin(), pcm.end());
  std::lock_guard lock(impl_->mu);
  auto it = impl_->streams.find(stream);
  if (it == impl_->streams.end() || it->second->finished) return;
  it->second->queue.push_back(std::move(copy));
  impl_->schedule(it->second);
}

void SphinxStt::finish(RequestId stream) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->streams.find(stream);
  if (it == impl_->streams.end() || it->second->finished) return;
  it->second->finished = true;
  impl_->schedule(it->second);
}

void SphinxStt::cancel(RequestId stream) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->streams.find(stream);
  if (it == impl_->streams.end()) return;
  auto s = std::move(it->second);
  impl_->streams.erase(it);
  s->cancelled.store(true, std::memory_order_release);
  s->queue.clear();
  if (s->decoder == nullptr && !s->busy) s->closed = true;
  if (s->waiting) {
    auto &w = impl_->waiting;
    w.erase(std::remove(w.begin(), w.end(), s), w.end());
    s->waiting = false;
  }
  // A decoder mid-utterance is given back by a worker (ending an utterance is decoding work).
  if (s->decoder != nullptr) impl_->schedule(s);
}

SphinxStt::Stats SphinxStt::stats() const {
  std::lock_guard lock(impl_->mu);
  Stats st;
  st.decoders_created = impl_->decoders_created;
  st.decoders_alive = impl_->decoders.size();
  st.decoders_idle = impl_->idle.size();
  st.streams = impl_->streams.size();
  st.streams_waiting = impl_->waiting.size();
  st.model_words = impl_->model ? impl_->model->words : 0;
  st.model_builds = impl_->model_builds;
  st.audio_seconds = impl_->audio_seconds;
  st.decode_seconds = impl_->decode_seconds;
  return st;
}

Result<std::shared_ptr<SttProvider>> make_sphinx_stt(const FactoryArgs &args) {
  if (auto r = check_option_keys(args, {"model_dir", "dict", "threads", "decoders", "min_confidence",
                                        "interim_interval_ms", "vocabulary_file", "search"});
      !r) {
    return r.error();
  }
  const json::Value &o = args.options;
  const std::string where = args.where + ": " + args.name + ": ";
  SphinxSttOptions opt;
  auto str = [&](std::string_view key, std::string &out) -> Result<void> {
    if (const json::Value *v = o.find(key)) {
      if (!v->is_string()) return make_error(Errc::config, where + std::string(key) + " must be a string");
      out = v->as_string();
    }
    return {};
  };
  auto integer = [&](std::string_view key, int &out) -> Result<void> {
    if (const json::Value *v = o.find(key)) {
      if (!v->is_integer()) return make_error(Errc::config, where + std::string(key) + " must be an integer");
      const int64_t i = v->as_int();
      if (i < 0 || i > 1000000) return make_error(Errc::config, where + std::string(key) + " is out of range");
      out = static_cast<int>(i);
    }
    return {};
  };
  for (auto r : {str("model_dir", opt.model_dir), str("dict", opt.dict), str("vocabulary_file", opt.vocabulary_file),
                 integer("threads", opt.threads), integer("decoders", opt.decoders),
                 integer("interim_interval_ms", opt.interim_interval_ms)}) {
    if (!r) return r.error();
  }
  if (const json::Value *v = o.find("min_confidence")) {
    if (!v->is_number()) return make_error(Errc::config, where + "min_confidence must be a number");
    opt.min_confidence = v->as_double();
  }
  if (const json::Value *v = o.find("search")) {
    if (v->str() == "lm") {
      opt.search = SphinxSttOptions::Search::lm;
    } else if (v->str() == "jsgf") {
      opt.search = SphinxSttOptions::Search::jsgf;
    } else {
      return make_error(Errc::config, where + "search must be \"lm\" or \"jsgf\"");
    }
  }
  auto p = SphinxStt::create(std::move(opt));
  if (!p) return make_error(p.error().code, where + p.error().message);
  return std::shared_ptr<SttProvider>(std::move(*p));
}

}  // namespace ca::providers
