#include "providers/tts_cache.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <list>
#include <span>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "audio/wav.hpp"
#include "core/log.hpp"
#include "core/sha256.hpp"

namespace ca::providers {

namespace fs = std::filesystem;

namespace {

constexpr size_t kEntryOverhead = 128;                // list node, map slot, key: counted per entry
constexpr int kReplayChunkMs = 100;                   // a hit is replayed in chunks of this length
constexpr RequestId kInternalIds = RequestId{1} << 62;  // prewarm ids, apart from sessions' small ones
constexpr auto kStaleTemp = std::chrono::minutes(10);  // older temporaries are a crashed writer's

std::atomic<RequestId> g_next_internal{kInternalIds};
std::atomic<uint64_t> g_next_temp{1};

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool is_key_file(const fs::path &p, std::string &key) {
  if (p.extension() != ".wav") return false;
  key = p.stem().string();
  if (key.size() != 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// One request as the cache sees it. Callbacks to the sink happen under mu, so cancel() (which
// takes it) returns only when none is running and none will follow; recursive, so a sink may
// cancel from inside a callback.
struct Flight {
  RequestId id = 0;
  std::shared_ptr<TtsSink> sink;
  std::recursive_mutex mu;
  bool ended = false;
  // Recording (a miss): the audio as it passes, kept only if it completes.
  bool record = false;
  std::string key;
  int rate = 0;
  std::vector<int16_t> pcm;
  size_t limit = 0;  // bytes; more than the memory tier could hold is not recorded
};

// The disk worker's queue. Its thread holds it by shared_ptr, so the cache can be destroyed on
// any thread, the worker's included; queued tasks are finished before the thread exits.
struct IoQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  bool stop = false;

  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return stop || !tasks.empty(); });
        if (tasks.empty()) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }
};

}  // namespace

// ---- prewarm progress ----

bool TtsPrewarm::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock l(mu_);
  return cv_.wait_for(l, timeout, [&] { return cached_ + failed_ + skipped_ >= total_; });
}

size_t TtsPrewarm::cached() const {
  std::lock_guard l(mu_);
  return cached_;
}

size_t TtsPrewarm::failed() const {
  std::lock_guard l(mu_);
  return failed_;
}

size_t TtsPrewarm::skipped() const {
  std::lock_guard l(mu_);
  return skipped_;
}

void TtsPrewarm::end(Outcome outcome) {
  {
    std::lock_guard l(mu_);
    switch (outcome) {
      case Outcome::cached: ++cached_; break;
      case Outcome::failed: ++failed_; break;
      case Outcome::skipped: ++skipped_; break;
    }
  }
  cv_.notify_all();
}

// ---- the store ----

struct CachedTts::Store : std::enable_shared_from_this<CachedTts::Store> {
  struct Entry {
    std::string key;
    int rate = 0;
    std::shared_ptr<const std::vector<int16_t>> pcm;
    size_t cost = 0;
  };

  TtsCacheOptions opt;
  std::string provider;
  std::shared_ptr<TtsProvider> inner;

  mutable std::mutex mu;
  std::list<Entry> lru;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
  size_t bytes = 0;
  std::unordered_set<std::string> on_disk;
  std::unordered_multimap<RequestId, std::weak_ptr<Flight>> flights;
  size_t sweep_at = 64;  // flights.size() that triggers dropping expired entries
  TtsCacheStats st;

  std::shared_ptr<IoQueue> io;  // null without a directory
  std::thread io_thread;

  Store(std::shared_ptr<TtsProvider> p, TtsCacheOptions o)
      : opt(std::move(o)), provider(p ? std::string(p->name()) : std::string()), inner(std::move(p)) {}

  ~Store() { stop_io(); }

  // Lets the worker finish what is queued, then ends it. The cache calls this while it still holds
  // the store, so the store is never destroyed on the worker (a task's weak_ptr::lock() would
  // otherwise make the worker the last owner, and the destructor could not wait for it).
  void stop_io() {
    if (!io || !io_thread.joinable()) return;
    {
      std::lock_guard l(io->mu);
      io->stop = true;
    }
    io->cv.notify_all();
    if (io_thread.get_id() == std::this_thread::get_id()) {
      io_thread.detach();  // only if a sink on the worker dropped the cache; the thread owns its queue
    } else {
      io_thread.join();
    }
  }

  std::string path_of(const std::string &key) const { return (fs::path(opt.dir) / (key + ".wav")).string(); }

  void post(std::function<void()> task) {
    {
      std::lock_guard l(io->mu);
      if (io->stop) return;  // the cache is going away: a late recording is not written
      io->tasks.push_back(std::move(task));
    }
    io->cv.notify_one();
  }

  void start_disk();
  void load_disk();

  // Under mu.
  void evict_to_fit() {
    while (bytes > opt.max_bytes && !lru.empty()) {
      bytes -= lru.back().cost;
      index.erase(lru.back().key);
      lru.pop_back();
      ++st.evicted;
    }
  }
  void put_memory(const std::string &key, int rate, std::shared_ptr<const std::vector<int16_t>> pcm) {
    const size_t cost = pcm->size() * sizeof(int16_t) + key.size() + kEntryOverhead;
    if (cost > opt.max_bytes) return;
    if (auto it = index.find(key); it != index.end()) {
      bytes -= it->second->cost;
      lru.erase(it->second);
      index.erase(it);
    }
    lru.push_front(Entry{key, rate, std::move(pcm), cost});
    index[key] = lru.begin();
    bytes += cost;
    evict_to_fit();
  }
  void track(const std::shared_ptr<Flight> &f) {
    if (flights.size() >= sweep_at) {
      std::erase_if(flights, [](const auto &kv) { return kv.second.expired(); });
      sweep_at = std::max<size_t>(64, flights.size() * 2);
    }
    flights.emplace(f->id, f);
  }
  void forget(const Flight *f) {
    std::lock_guard l(mu);
    auto [b, e] = flights.equal_range(f->id);
    for (auto it = b; it != e; ++it) {
      if (it->second.lock().get() == f) {
        flights.erase(it);
        return;
      }
    }
  }

  // A completed synthesis: into memory, and onto disk when there is a directory.
  void store(const std::string &key, int rate, std::vector<int16_t> pcm) {
    auto shared = std::make_shared<const std::vector<int16_t>>(std::move(pcm));
    std::lock_guard l(mu);
    ++st.stored;
    if (opt.max_bytes > 0) put_memory(key, rate, shared);
    // The queue is FIFO, so a read queued after this write finds the file: it counts as on disk now.
    if (io && on_disk.insert(key).second) {
      std::weak_ptr<Store> weak = weak_from_this();
      post([weak, path = path_of(key), dir = opt.dir, key, rate, shared] {
        const std::string tmp =
            (fs::path(dir) / ("." + key + "." + std::to_string(getpid()) + "." +
                              std::to_string(g_next_temp.fetch_add(1)) + ".tmp"))
                .string();
        std::string error;
        if (auto w = audio::write_wav_file(tmp, rate, 1, *shared); !w) {
          error = w.error().message;
        } else if (std::rename(tmp.c_str(), path.c_str()) != 0) {
          error = "rename to " + path + " failed";
        }
        auto s = weak.lock();
        if (error.empty()) {
          if (s) {
            std::lock_guard l2(s->mu);
            ++s->st.disk_written;
          }
          return;
        }
        std::error_code ec;
        fs::remove(tmp, ec);
        log::write(log::Level::warn, {}, "tts cache: a phrase could not be written", {{"error", error}});
        if (s) {
          std::lock_guard l2(s->mu);
          ++s->st.disk_errors;
          s->on_disk.erase(key);
        }
      });
    }
  }
};

namespace {

// Forwards to the request's sink unless it was cancelled, recording a miss as it passes.
class FlightSink final : public TtsSink {
 public:
  FlightSink(std::shared_ptr<Flight> f, std::weak_ptr<CachedTts::Store> s) : f_(std::move(f)), s_(std::move(s)) {}

  void on_tts_audio(RequestId, std::span<const int16_t> pcm, int rate) override {
    std::lock_guard l(f_->mu);
    if (f_->ended) return;
    if (f_->record) {
      if (f_->rate == 0) f_->rate = rate;
      if (rate != f_->rate || (f_->pcm.size() + pcm.size()) * sizeof(int16_t) > f_->limit) {
        f_->record = false;  // not something the cache would keep
        std::vector<int16_t>().swap(f_->pcm);
      } else {
        f_->pcm.insert(f_->pcm.end(), pcm.begin(), pcm.end());
      }
    }
    f_->sink->on_tts_audio(f_->id, pcm, rate);
  }

  void on_tts_done(RequestId) override {
    {
      std::lock_guard l(f_->mu);
      if (f_->ended) return;
      f_->ended = true;
      // Stored before the sink hears "done", so a request that follows it finds the phrase.
      if (f_->record && !f_->pcm.empty()) {
        if (auto s = s_.lock()) s->store(f_->key, f_->rate, std::move(f_->pcm));
      }
      f_->sink->on_tts_done(f_->id);
    }
    if (auto s = s_.lock()) s->forget(f_.get());
  }

  void on_tts_error(RequestId, std::string message) override {
    {
      std::lock_guard l(f_->mu);
      if (f_->ended) return;
      f_->ended = true;
      f_->sink->on_tts_error(f_->id, std::move(message));
    }
    if (auto s = s_.lock()) s->forget(f_.get());
  }

 private:
  std::shared_ptr<Flight> f_;
  std::weak_ptr<CachedTts::Store> s_;
};

// Plays cached audio to a flight's sink in chunks, then "done"; stops if it is cancelled.
void replay(Flight &f, const std::vector<int16_t> &pcm, int rate) {
  const size_t chunk = std::max<size_t>(1, static_cast<size_t>(rate) * kReplayChunkMs / 1000);
  const std::span<const int16_t> all(pcm);
  for (size_t off = 0; off < all.size(); off += chunk) {
    std::lock_guard l(f.mu);
    if (f.ended) return;
    f.sink->on_tts_audio(f.id, all.subspan(off, std::min(chunk, all.size() - off)), rate);
  }
  std::lock_guard l(f.mu);
  if (f.ended) return;
  f.ended = true;
  f.sink->on_tts_done(f.id);
}

// Collects a prewarm request's outcome; the audio itself is recorded by the FlightSink in front.
class PrewarmSink final : public TtsSink {
 public:
  explicit PrewarmSink(std::shared_ptr<TtsPrewarm> p) : p_(std::move(p)) {}
  void on_tts_audio(RequestId, std::span<const int16_t>, int) override {}
  void on_tts_done(RequestId) override { p_->end(TtsPrewarm::Outcome::cached); }
  void on_tts_error(RequestId, std::string message) override {
    log::write(log::Level::warn, {}, "tts cache: prewarm failed", {{"error", message}});
    p_->end(TtsPrewarm::Outcome::failed);
  }

 private:
  std::shared_ptr<TtsPrewarm> p_;
};

}  // namespace

void CachedTts::Store::start_disk() {
  io = std::make_shared<IoQueue>();
  io_thread = std::thread([q = io] { q->run(); });
}

// Indexes the directory and loads the newest phrases into memory, up to the bound. Runs in the
// constructor, which factories call where blocking is fine.
void CachedTts::Store::load_disk() {
  struct File {
    fs::file_time_type mtime;
    std::string key;
    fs::path path;
  };
  std::vector<File> files;
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(opt.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path &p = it->path();
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    std::string key;
    if (is_key_file(p, key)) {
      files.push_back({it->last_write_time(e2), std::move(key), p});
    } else if (p.extension() == ".tmp" && p.filename().string().starts_with(".")) {
      if (now - it->last_write_time(e2) > kStaleTemp) fs::remove(p, e2);
    }
  }
  std::sort(files.begin(), files.end(), [](const File &a, const File &b) { return a.mtime > b.mtime; });
  std::lock_guard l(mu);
  size_t budget = opt.max_bytes;
  for (const File &f : files) {
    on_disk.insert(f.key);
    if (opt.max_bytes == 0) continue;
    std::error_code e2;
    const auto size = fs::file_size(f.path, e2);
    if (e2 || size > budget) continue;
    auto wav = audio::read_wav_file(f.path.string());
    if (!wav || wav->channels != 1 || wav->sample_rate <= 0) {
      ++st.disk_errors;
      on_disk.erase(f.key);
      fs::remove(f.path, e2);
      continue;
    }
    const size_t cost = wav->samples.size() * sizeof(int16_t) + f.key.size() + kEntryOverhead;
    if (cost > budget) continue;
    budget -= cost;
    // Oldest last: push_back keeps the newest-first order of the sorted list.
    lru.push_back(Entry{f.key, wav->sample_rate,
                        std::make_shared<const std::vector<int16_t>>(std::move(wav->samples)), cost});
    index[f.key] = std::prev(lru.end());
    bytes += cost;
  }
}

// ---- the decorator ----

Result<std::shared_ptr<CachedTts>> CachedTts::create(std::shared_ptr<TtsProvider> inner, TtsCacheOptions options) {
  if (!inner) return make_error(Errc::invalid_argument, "tts cache: no provider");
  if (!options.dir.empty()) {
    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec) return make_error(Errc::io, "tts cache: cannot create " + options.dir + ": " + ec.message());
    if (access(options.dir.c_str(), W_OK | X_OK) != 0) {
      return make_error(Errc::io, "tts cache: " + options.dir + " is not writable");
    }
  }
  return std::make_shared<CachedTts>(std::move(inner), std::move(options));
}

CachedTts::CachedTts(std::shared_ptr<TtsProvider> inner, TtsCacheOptions options)
    : inner_(inner), store_(std::make_shared<Store>(std::move(inner), std::move(options))) {
  if (store_->opt.dir.empty()) return;
  std::error_code ec;
  fs::create_directories(store_->opt.dir, ec);
  if (ec || access(store_->opt.dir.c_str(), W_OK | X_OK) != 0) {
    log::write(log::Level::error, {}, "tts cache: the directory cannot be used; memory only",
               {{"dir", store_->opt.dir}});
    return;
  }
  store_->load_disk();
  store_->start_disk();
}

CachedTts::~CachedTts() { store_->stop_io(); }

std::string_view CachedTts::name() const { return inner_ ? inner_->name() : std::string_view("cache"); }

const TtsCacheOptions &CachedTts::options() const { return store_->opt; }

std::string CachedTts::key_for(const TtsRequest &r) const {
  // Length-prefixed fields: no two different tuples give the same text.
  std::string m = "callagent-tts-cache-1";
  auto field = [&](std::string_view f) {
    m += '\n';
    m += std::to_string(f.size());
    m += ':';
    m += f;
  };
  field(store_->provider);
  field(store_->opt.settings);
  field(r.voice);
  field(r.language);
  field(std::to_string(r.sample_rate));
  field(r.text);
  return sha256_hex(m);
}

void CachedTts::synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) {
  if (!sink || !inner_) return;
  Store &s = *store_;
  auto f = std::make_shared<Flight>();
  f->id = request.id;
  f->sink = std::move(sink);
  const bool cacheable = !request.text.empty() && code_points(request.text) <= s.opt.max_text_chars &&
                         (s.opt.max_bytes > 0 || s.io != nullptr);
  enum class Path : uint8_t { pass, memory, disk, miss } path = Path::pass;
  std::shared_ptr<const std::vector<int16_t>> pcm;
  int rate = 0;
  std::string key = cacheable ? key_for(request) : std::string();
  {
    std::lock_guard l(s.mu);
    if (!cacheable) {
      ++s.st.uncacheable;
    } else if (auto it = s.index.find(key); it != s.index.end()) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      pcm = it->second->pcm;
      rate = it->second->rate;
      ++s.st.hits;
      path = Path::memory;
    } else if (s.io && s.on_disk.count(key) > 0) {
      path = Path::disk;  // counted when the file is read
    } else {
      ++s.st.misses;
      path = Path::miss;
    }
    s.track(f);
  }
  switch (path) {
    case Path::memory:
      replay(*f, *pcm, rate);
      s.forget(f.get());
      return;
    case Path::disk: {
      std::weak_ptr<Store> weak = store_;
      s.post([weak, f, request, key, file = s.path_of(key), inner = inner_] {
        auto wav = audio::read_wav_file(file);
        auto st = weak.lock();
        if (wav && wav->channels == 1 && wav->sample_rate > 0 && !wav->samples.empty()) {
          auto shared = std::make_shared<const std::vector<int16_t>>(std::move(wav->samples));
          if (st) {
            std::lock_guard l(st->mu);
            ++st->st.hits;
            ++st->st.disk_hits;
            if (st->opt.max_bytes > 0) st->put_memory(key, wav->sample_rate, shared);
          }
          replay(*f, *shared, wav->sample_rate);
          if (st) st->forget(f.get());
          return;
        }
        // Gone or damaged: synthesise again (and rewrite it).
        std::error_code ec;
        fs::remove(file, ec);
        if (st) {
          std::lock_guard l(st->mu);
          ++st->st.misses;
          ++st->st.disk_errors;
          st->on_disk.erase(key);
          f->record = true;
          f->key = key;
          f->limit = std::max(st->opt.max_bytes, size_t{64} << 20);
        }
        inner->synthesize(request, std::make_shared<FlightSink>(f, weak));
      });
      return;
    }
    case Path::miss:
      f->record = true;
      f->key = std::move(key);
      // Without a memory tier the disk still wants the phrase; bound the recording anyway.
      f->limit = s.opt.max_bytes > 0 ? s.opt.max_bytes : size_t{64} << 20;
      [[fallthrough]];
    case Path::pass:
      inner_->synthesize(request, std::make_shared<FlightSink>(f, store_));
      return;
  }
}

void CachedTts::cancel(RequestId id) {
  std::vector<std::shared_ptr<Flight>> hit;
  {
    std::lock_guard l(store_->mu);
    auto [b, e] = store_->flights.equal_range(id);
    for (auto it = b; it != e; ++it) {
      if (auto f = it->second.lock()) hit.push_back(std::move(f));
    }
    store_->flights.erase(id);
  }
  for (auto &f : hit) {
    std::lock_guard l(f->mu);
    f->ended = true;
    f->record = false;
  }
  if (inner_) inner_->cancel(id);
}

std::shared_ptr<TtsPrewarm> CachedTts::prewarm(const std::vector<PrewarmPhrase> &phrases, int sample_rate) {
  auto progress = std::make_shared<TtsPrewarm>(phrases.size());
  Store &s = *store_;
  std::unordered_set<std::string> seen;
  for (const PrewarmPhrase &p : phrases) {
    TtsRequest r;
    r.id = g_next_internal.fetch_add(1);
    r.text = p.text;
    r.language = p.language;
    r.voice = p.voice;
    r.sample_rate = sample_rate;
    if (!inner_ || r.text.empty() || code_points(r.text) > s.opt.max_text_chars ||
        (s.opt.max_bytes == 0 && !s.io)) {
      progress->end(TtsPrewarm::Outcome::skipped);
      continue;
    }
    std::string key = key_for(r);
    if (!seen.insert(key).second) {
      progress->end(TtsPrewarm::Outcome::skipped);
      continue;
    }
    bool cached = false;
    {
      std::lock_guard l(s.mu);
      cached = s.index.count(key) > 0 || (s.io && s.on_disk.count(key) > 0);
    }
    if (cached) {
      progress->end(TtsPrewarm::Outcome::cached);
      continue;
    }
    auto f = std::make_shared<Flight>();
    f->id = r.id;
    f->sink = std::make_shared<PrewarmSink>(progress);
    f->record = true;
    f->key = std::move(key);
    f->limit = s.opt.max_bytes > 0 ? s.opt.max_bytes : size_t{64} << 20;
    {
      std::lock_guard l(s.mu);
      s.track(f);
    }
    inner_->synthesize(r, std::make_shared<FlightSink>(f, store_));
  }
  return progress;
}

TtsCacheStats CachedTts::stats() const {
  std::lock_guard l(store_->mu);
  TtsCacheStats st = store_->st;
  st.entries = store_->lru.size();
  st.bytes = store_->bytes;
  st.disk_entries = store_->on_disk.size();
  return st;
}

// ---- configuration ----

Result<TtsCacheOptions> tts_cache_options(const FactoryArgs &args) {
  TtsCacheOptions o;
  if (const json::Value *v = args.options.find("cache_bytes")) {
    if (!v->is_integer() || v->as_int() < 0) {
      return make_error(Errc::config, args.where + ": " + args.name + ": cache_bytes must be an integer >= 0");
    }
    o.max_bytes = static_cast<size_t>(v->as_int());
  }
  if (const json::Value *v = args.options.find("cache_dir")) {
    if (!v->is_string()) return make_error(Errc::config, args.where + ": " + args.name + ": cache_dir must be a string");
    o.dir = v->as_string();
  }
  return o;
}

Result<std::shared_ptr<TtsProvider>> with_tts_cache(std::shared_ptr<TtsProvider> inner, TtsCacheOptions options) {
  if (options.max_bytes == 0 && options.dir.empty()) return inner;
  auto c = CachedTts::create(std::move(inner), std::move(options));
  if (!c) return c.error();
  return std::shared_ptr<TtsProvider>(std::move(*c));
}

}  // namespace ca::providers
