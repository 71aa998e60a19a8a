#include "providers/espeak/espeak_tts.hpp"

#include <espeak-ng/speak_lib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "audio/resampler.hpp"
#include "core/log.hpp"
#include "providers/tts_cache.hpp"

namespace ca::providers {

namespace {

constexpr int kBufferMs = 50;               // one synth callback per 50 ms of speech
constexpr size_t kMaxTextBytes = 20000;     // a clause is far shorter; this bounds a runaway request
constexpr int kNice = 10;
constexpr auto kProbeTimeout = std::chrono::seconds(20);

struct VoiceParams {
  std::string voice;
  int rate = 0;
  int pitch = 0;
  int volume = 0;
  bool operator==(const VoiceParams &) const = default;
};

struct Job {
  enum class Kind : uint8_t { synth, probe };
  Kind kind = Kind::synth;
  uint64_t owner = 0;
  RequestId id = 0;
  std::string text;
  VoiceParams params;
  int out_rate = 0;  // 0: espeak-ng's own
  std::shared_ptr<TtsSink> sink;
  std::string error;  // found at submission; reported from the engine thread
  // Every callback to the sink happens under deliver_mu, so cancel() (which takes it) returns
  // only when no callback is running and none will follow. Recursive: a sink may cancel its own
  // request from inside a callback.
  std::recursive_mutex deliver_mu;
  bool ended = false;                  // cancelled, or done/error reported; under deliver_mu
  std::atomic<bool> cancelled{false};  // read by espeak-ng's callback to abort early
  std::promise<std::string> probe;     // probes: empty when the voice exists
};

// Engine-wide facts for espeak_engine_info().
std::mutex g_info_mu;
int g_instances = 0;
uint64_t g_threads_started = 0;

// An engine thread holds this for its whole life, so an engine that starts while the previous
// one is still shutting down waits instead of racing on espeak-ng's globals.
std::mutex g_espeak_mu;
int g_native_rate = 0;  // espeak-ng's output rate once initialised; under g_espeak_mu

std::mutex g_engine_mu;
std::weak_ptr<EspeakEngine> g_engine;

std::atomic<uint64_t> g_next_owner{1};

}  // namespace

// The queue and everything the engine thread uses. The thread holds it by shared_ptr, so the
// engine handle can go away on any thread (even the engine thread itself) safely.
struct EngineState {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Job>> queue;
  std::shared_ptr<Job> current;
  std::atomic<bool> stop{false};

  // Engine thread only.
  int native_rate = 0;
  std::string init_error;
  std::optional<VoiceParams> applied;  // what espeak-ng is set to now

  void run();
  void execute(Job &job);
  void probe(Job &job);
  bool apply(const VoiceParams &p, std::string &error);
};

namespace {

// The synth callback's view of the running request. espeak-ng calls back on the engine thread
// only, inside espeak_Synth, so a plain pointer set around that call is enough.
struct SynthContext {
  EngineState *state = nullptr;
  Job *job = nullptr;
  int out_rate = 0;
  std::optional<audio::Resampler> resampler;
  std::vector<int16_t> out;
  bool sink_threw = false;
  bool aborted_for_stop = false;
};
SynthContext *g_context = nullptr;

// Hands audio to the sink unless the request was cancelled; false when it was (then or inside
// the callback), which aborts the synthesis.
bool deliver(SynthContext &c, std::span<const int16_t> pcm) {
  Job &j = *c.job;
  std::lock_guard lock(j.deliver_mu);
  if (j.ended) return false;
  try {
    j.sink->on_tts_audio(j.id, pcm, c.out_rate);
  } catch (const std::exception &e) {
    log::write(log::Level::error, {}, "espeak: a sink threw", {{"what", e.what()}});
    c.sink_threw = true;
    return false;
  } catch (...) {
    c.sink_threw = true;
    return false;
  }
  return !j.ended;
}

int synth_callback(short *wav, int samples, espeak_EVENT *) {
  SynthContext *c = g_context;
  if (c == nullptr) return 0;
  if (c->state->stop.load(std::memory_order_relaxed)) {
    c->aborted_for_stop = true;
    return 1;
  }
  if (c->job->cancelled.load(std::memory_order_relaxed)) return 1;
  if (wav == nullptr || samples <= 0) return 0;
  const std::span<const int16_t> in(wav, static_cast<size_t>(samples));
  if (!c->resampler) return deliver(*c, in) ? 0 : 1;
  c->out.clear();
  c->resampler->process(in, c->out);
  if (c->out.empty()) return 0;
  return deliver(*c, c->out) ? 0 : 1;
}

void report_done(Job &j) {
  std::lock_guard lock(j.deliver_mu);
  if (j.ended) return;
  j.ended = true;
  try {
    j.sink->on_tts_done(j.id);
  } catch (...) {
    log::write(log::Level::error, {}, "espeak: a sink threw in on_tts_done");
  }
}

void report_error(Job &j, const std::string &message) {
  std::lock_guard lock(j.deliver_mu);
  if (j.ended) return;
  j.ended = true;
  try {
    j.sink->on_tts_error(j.id, message);
  } catch (...) {
    log::write(log::Level::error, {}, "espeak: a sink threw in on_tts_error");
  }
}

// Marks a request cancelled: after this returns no callback for it runs or will run.
void mark_cancelled(Job &j) {
  j.cancelled.store(true, std::memory_order_relaxed);
  std::lock_guard lock(j.deliver_mu);  // waits for a callback in progress on another thread
  j.ended = true;
}

}  // namespace

bool EngineState::apply(const VoiceParams &p, std::string &error) {
  if (applied && *applied == p) return true;
  if (!applied || applied->voice != p.voice) {
    const espeak_ERROR e = espeak_SetVoiceByName(p.voice.c_str());
    if (e != EE_OK) {
      applied.reset();
      error = "espeak: espeak-ng has no voice \"" + p.voice + "\"";
      return false;
    }
  }
  // Parameters are set again after every voice change: loading a voice may reset them.
  espeak_SetParameter(espeakRATE, p.rate, 0);
  espeak_SetParameter(espeakPITCH, p.pitch, 0);
  espeak_SetParameter(espeakVOLUME, p.volume, 0);
  applied = p;
  return true;
}

void EngineState::probe(Job &job) {
  if (!init_error.empty()) {
    job.probe.set_value(init_error);
    return;
  }
  applied.reset();  // the probe changes espeak-ng's voice whatever the outcome
  const espeak_ERROR e = espeak_SetVoiceByName(job.params.voice.c_str());
  job.probe.set_value(e == EE_OK ? std::string() : "espeak-ng has no voice \"" + job.params.voice + "\"");
}

void EngineState::execute(Job &job) {
  if (job.cancelled.load()) return;
  if (!init_error.empty()) return report_error(job, init_error);
  if (!job.error.empty()) return report_error(job, job.error);
  if (job.text.empty()) return report_done(job);
  std::string error;
  if (!apply(job.params, error)) return report_error(job, error);

  SynthContext c;
  c.state = this;
  c.job = &job;
  c.out_rate = native_rate;
  if (job.out_rate > 0 && job.out_rate != native_rate) {
    if (auto r = audio::Resampler::create(native_rate, job.out_rate)) {
      c.resampler.emplace(std::move(*r));
      c.out_rate = job.out_rate;
    }  // else: answer at espeak-ng's rate, which the interface allows
  }
  g_context = &c;
  const espeak_ERROR e = espeak_Synth(job.text.c_str(), job.text.size() + 1, 0, POS_CHARACTER, 0,
                                      espeakCHARS_UTF8 | espeakENDPAUSE, nullptr, nullptr);
  g_context = nullptr;
  if (c.sink_threw) return report_error(job, "espeak: the sink failed");
  if (c.aborted_for_stop) return report_error(job, "espeak: the engine stopped");
  if (job.cancelled.load()) return;
  if (e != EE_OK) return report_error(job, "espeak: espeak_Synth failed (" + std::to_string(static_cast<int>(e)) + ")");
  if (c.resampler) {
    c.out.clear();
    c.resampler->flush(c.out);
    if (!c.out.empty() && !deliver(c, c.out)) return;
  }
  report_done(job);
}

void EngineState::run() {
  std::lock_guard espeak_lock(g_espeak_mu);
  {
    std::lock_guard l(g_info_mu);
    ++g_threads_started;
  }
  // Linux gives each thread its own nice value; this lowers only the synthesis thread.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice) != 0) {
    log::write(log::Level::warn, {}, "espeak: could not lower the synthesis thread's priority",
               {{"errno", errno}});
  }
  // espeak-ng is initialised once per process and never terminated: in 1.51 espeak_Terminate()
  // can hang joining espeak-ng's own (idle) event thread when it follows initialisation closely,
  // and an engine that stops and starts again must not risk that. Its memory stays until exit.
  if (g_native_rate <= 0) {
    g_native_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, kBufferMs, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (g_native_rate > 0) {
      log::write(log::Level::info, {}, "espeak: espeak-ng initialised",
                 {{"version", espeak_Info(nullptr)}, {"sample_rate", g_native_rate}});
    }
  }
  native_rate = g_native_rate;
  if (native_rate <= 0) {
    const char *path = nullptr;
    espeak_Info(&path);
    init_error = std::string("espeak: espeak-ng could not initialise (data path ") + (path ? path : "?") + ")";
    log::write(log::Level::error, {}, init_error);
  } else {
    espeak_SetSynthCallback(synth_callback);
  }

  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return stop.load() || !queue.empty(); });
      if (stop.load()) break;
      job = std::move(queue.front());
      queue.pop_front();
      current = job;
    }
    if (job->kind == Job::Kind::probe) {
      probe(*job);
    } else {
      execute(*job);
    }
    {
      std::lock_guard l(mu);
      current.reset();
    }
  }

  // Requests still queued end with an error, as every request not cancelled must end.
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard l(mu);
    left.swap(queue);
  }
  for (auto &j : left) {
    if (j->kind == Job::Kind::probe) {
      j->probe.set_value("espeak: the engine stopped");
    } else {
      report_error(*j, "espeak: the engine stopped");
    }
  }
}

class EspeakEngine {
 public:
  EspeakEngine() : state_(std::make_shared<EngineState>()) {
    thread_ = std::thread([s = state_] { s->run(); });
  }
  ~EspeakEngine() {
    {
      std::lock_guard l(state_->mu);
      state_->stop.store(true);
    }
    state_->cv.notify_all();
    // The last reference can be dropped by a sink on the engine thread itself; the thread owns
    // its state, so it may then finish on its own.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
  EspeakEngine(const EspeakEngine &) = delete;
  EspeakEngine &operator=(const EspeakEngine &) = delete;

  void submit(std::shared_ptr<Job> job, bool front = false) {
    {
      std::lock_guard l(state_->mu);
      if (front) {
        state_->queue.push_front(std::move(job));
      } else {
        state_->queue.push_back(std::move(job));
      }
    }
    state_->cv.notify_one();
  }

  void cancel(uint64_t owner, RequestId id) {
    std::vector<std::shared_ptr<Job>> hit;
    {
      std::lock_guard l(state_->mu);
      auto &q = state_->queue;
      for (auto it = q.begin(); it != q.end();) {
        if ((*it)->kind == Job::Kind::synth && (*it)->owner == owner && (*it)->id == id) {
          hit.push_back(std::move(*it));
          it = q.erase(it);
        } else {
          ++it;
        }
      }
      if (state_->current && state_->current->kind == Job::Kind::synth && state_->current->owner == owner &&
          state_->current->id == id) {
        hit.push_back(state_->current);
      }
    }
    for (auto &j : hit) mark_cancelled(*j);
  }

  std::string probe(const std::string &voice) {
    auto job = std::make_shared<Job>();
    job->kind = Job::Kind::probe;
    job->params.voice = voice;
    auto answer = job->probe.get_future();
    submit(job, /*front=*/true);
    if (answer.wait_for(kProbeTimeout) != std::future_status::ready) {
      return "espeak: the engine did not answer within " + std::to_string(kProbeTimeout.count()) + " s";
    }
    return answer.get();
  }

 private:
  std::shared_ptr<EngineState> state_;
  std::thread thread_;
};

namespace {

std::shared_ptr<EspeakEngine> acquire_engine() {
  std::lock_guard l(g_engine_mu);
  if (auto e = g_engine.lock()) return e;
  auto e = std::make_shared<EspeakEngine>();
  g_engine = e;
  return e;
}

}  // namespace

// ---- the provider ----

Result<std::shared_ptr<EspeakTts>> EspeakTts::create(EspeakOptions options) {
  if (options.rate < espeakRATE_MINIMUM || options.rate > espeakRATE_MAXIMUM) {
    return make_error(Errc::config, "rate " + std::to_string(options.rate) + " is outside " +
                                        std::to_string(espeakRATE_MINIMUM) + ".." + std::to_string(espeakRATE_MAXIMUM) +
                                        " words per minute");
  }
  if (options.pitch < 0 || options.pitch > 100) {
    return make_error(Errc::config, "pitch " + std::to_string(options.pitch) + " is outside 0..100");
  }
  if (options.volume < 0 || options.volume > 200) {
    return make_error(Errc::config, "volume " + std::to_string(options.volume) + " is outside 0..200");
  }
  auto engine = acquire_engine();
  const std::pair<const char *, const std::string *> voices[] = {
      {"voice_uk", &options.voice_uk}, {"voice_ru", &options.voice_ru}, {"voice_en", &options.voice_en}};
  for (const auto &[key, voice] : voices) {
    if (voice->empty()) return make_error(Errc::config, std::string(key) + " is empty");
    if (std::string err = engine->probe(*voice); !err.empty()) {
      return make_error(Errc::config, std::string(key) + ": " + err);
    }
  }
  return std::make_shared<EspeakTts>(std::move(engine), std::move(options));
}

EspeakTts::EspeakTts(std::shared_ptr<EspeakEngine> engine, EspeakOptions options)
    : engine_(std::move(engine)), options_(std::move(options)), owner_(g_next_owner.fetch_add(1)) {
  std::lock_guard l(g_info_mu);
  ++g_instances;
}

EspeakTts::~EspeakTts() {
  {
    std::lock_guard l(g_info_mu);
    --g_instances;
  }
  // engine_ goes with the object; the last instance's stops the engine (joining its thread). An
  // instance created meanwhile starts a new engine, whose thread waits on g_espeak_mu until the
  // old one has let go of espeak-ng.
}

std::string EspeakTts::voice_for(std::string_view language) const {
  std::string lang;
  for (char ch : language) {
    if (ch == '-' || ch == '_') break;
    lang += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  }
  if (lang == "uk" || lang == "ua") return options_.voice_uk;
  if (lang == "ru") return options_.voice_ru;
  if (lang == "en") return options_.voice_en;
  return {};
}

void EspeakTts::synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) {
  if (!sink) return;
  auto job = std::make_shared<Job>();
  job->owner = owner_;
  job->id = request.id;
  job->sink = std::move(sink);
  job->out_rate = request.sample_rate >= 1000 && request.sample_rate <= 192000 ? request.sample_rate : 0;
  job->params.voice = request.voice.empty() ? voice_for(request.language) : request.voice;
  job->params.rate = options_.rate;
  job->params.pitch = options_.pitch;
  job->params.volume = options_.volume;
  if (job->params.voice.empty()) {
    job->error = "espeak: no voice for language \"" + request.language + "\"";
  } else if (request.text.size() > kMaxTextBytes) {
    job->error = "espeak: the text is " + std::to_string(request.text.size()) + " bytes; the limit is " +
                 std::to_string(kMaxTextBytes);
  } else {
    job->text = espeak_clean_text(request.text);
  }
  engine_->submit(std::move(job));
}

void EspeakTts::cancel(RequestId id) { engine_->cancel(owner_, id); }

std::string EspeakTts::settings_fingerprint() const {
  return std::string("espeak-ng ") + espeak_Info(nullptr) + ";uk=" + options_.voice_uk + ";ru=" + options_.voice_ru +
         ";en=" + options_.voice_en + ";rate=" + std::to_string(options_.rate) +
         ";pitch=" + std::to_string(options_.pitch) + ";volume=" + std::to_string(options_.volume);
}

EspeakEngineInfo espeak_engine_info() {
  EspeakEngineInfo info;
  {
    std::lock_guard l(g_engine_mu);
    info.running = !g_engine.expired();
  }
  std::lock_guard l(g_info_mu);
  info.instances = g_instances;
  info.threads_started = g_threads_started;
  return info;
}

// ---- text ----

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is invalid (overlong,
// surrogate, beyond U+10FFFF, truncated).
size_t decode_utf8(std::string_view s, size_t i, char32_t &cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t n = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool is_tag_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Length of an HTML-like tag (<b>, </i>, <br/>, <speak rate="x">) starting at s[i] == '<', or 0.
size_t tag_length(std::string_view s, size_t i) {
  size_t k = i + 1;
  if (k < s.size() && s[k] == '/') ++k;
  const size_t name = k;
  while (k < s.size() && is_tag_char(s[k])) ++k;
  if (k == name || !((s[name] >= 'a' && s[name] <= 'z') || (s[name] >= 'A' && s[name] <= 'Z'))) return 0;
  for (; k < s.size() && k - i < 128; ++k) {
    if (s[k] == '>') return k - i + 1;
    if (s[k] == '<') return 0;
  }
  return 0;
}

}  // namespace

std::string espeak_clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const size_t n = decode_utf8(text, i, cp);
    if (n == 0) {  // invalid byte: dropped
      ++i;
      continue;
    }
    if (cp == '<') {
      if (const size_t t = tag_length(text, i); t > 0) {
        space();
        i += t;
        continue;
      }
    }
    const std::string_view raw = text.substr(i, n);
    i += n;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == ' ' || cp == 0xA0 || cp == 0x2007 || cp == 0x202F) {
      space();
    } else if (cp == '*' || cp == '#' || cp == '`' || cp == '~' || cp == '^') {
      // markdown markers: espeak-ng would spell them out
    } else if (cp == 0x0300 || cp == 0x0301) {
      // stress marks (grave, acute): other combining marks are kept, since a decomposed й or ї
      // needs its breve or diaeresis
    } else if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
               cp == 0xFEFF) {
      // zero-width and direction marks
    } else if (cp == 0x02BC) {
      out += '\'';  // Ukrainian apostrophe as a modifier letter: espeak-ng reads it as a sound
    } else {
      out += raw;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// ---- the factory ----

Result<std::shared_ptr<TtsProvider>> make_espeak_tts(const FactoryArgs &args) {
  if (auto r = check_option_keys(args, {"voice_uk", "voice_ru", "voice_en", "rate", "pitch", "volume", "cache_bytes",
                                        "cache_dir"});
      !r) {
    return r.error();
  }
  EspeakOptions o;
  for (auto [key, field] : {std::pair{"voice_uk", &o.voice_uk}, std::pair{"voice_ru", &o.voice_ru},
                            std::pair{"voice_en", &o.voice_en}}) {
    auto v = string_option(args, key, *field);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  for (auto [key, field] : {std::pair{"rate", &o.rate}, std::pair{"pitch", &o.pitch}, std::pair{"volume", &o.volume}}) {
    // Ranges are EspeakTts::create's to check, with its own message.
    auto v = int_option(args, key, *field, INT32_MIN, INT32_MAX);
    if (!v) return v.error();
    *field = static_cast<int>(*v);
  }
  auto cache = tts_cache_options(args);
  if (!cache) return cache.error();
  auto tts = EspeakTts::create(std::move(o));
  if (!tts) return make_error(Errc::config, args.where + ": " + args.name + ": " + tts.error().message);
  cache->settings = (*tts)->settings_fingerprint();
  return with_tts_cache(std::move(*tts), std::move(*cache));
}

}  // namespace ca::providers
