// callagent demo: the README's main job. The AudioSocket host runs on loopback with the offline
// agent — exactly what `callagent serve` runs with no configuration — and an Asterisk-like caller
// dials in with 16 kHz audio (kind 0x12, as Dial(AudioSocket/…/c(slin16)) sends), speaks a
// scripted English conversation at real time in a voice other than the bot's, and listens: it
// waits for the bot to finish before its next line and answers what the agent asked (which
// station, which time, confirm?), as a person would. The transcript is printed
// live, the call is written to demo-call.wav (caller left, bot right) and to the journal, and the
// exit status says whether the agent called the expected tools in order.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "audio/wav.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/host.hpp"
#include "cli/offline.hpp"
#include "core/log.hpp"
#include "host/call_details.hpp"
#include "host/call_journal.hpp"
#include "host/session_agent.hpp"
#include "net/http_server.hpp"
#include "net/http_sync.hpp"
#include "providers/espeak/espeak_tts.hpp"
#include "server/audiosocket_server.hpp"
#include "transport/audiosocket_codec.hpp"

namespace ca::cli {

namespace {

namespace as = ca::audiosocket;

constexpr int kRate = 16000;
constexpr size_t kFrame = kRate / 50;

// What the caller wants, in order. Like a person, the caller also answers what the agent asks on
// the way (which station, which time, confirm?) and repeats itself when it was not understood.
constexpr const char *kTyres = "I need winter tyres, size two oh five fifty five R sixteen.";
constexpr const char *kStock = "Do you have the cheaper one in stock?";
constexpr const char *kCity = "In Kyiv, please.";
constexpr const char *kSeason = "Winter tyres, please.";
constexpr const char *kFitting = "I would like to book a tyre fitting in Kyiv.";
constexpr const char *kStation = "The second one, please.";
constexpr const char *kYes = "Yes, please.";
constexpr const char *kWarranty = "What is the warranty on tyres?";
constexpr const char *kOperator = "Can I speak to an operator, please?";
const char *const kGoals[] = {kTyres, kStock, kFitting, kWarranty, kOperator};
// "At eleven o'clock, please." for an hour the agent offered (7:00–20:00). pocketsphinx's acoustic
// model mishears espeak-ng's "seven", "nine", "twelve" and "two" (nasals and short vowels after
// "at"), so the caller prefers the offered hours it is understood saying, as a person on a bad
// line would pick the time they can get across; bench/RESULTS.md has the recogniser's error rates.
constexpr int kFirstHour = 7, kLastHour = 20;
constexpr int kClearHours[] = {8, 10, 11, 13, 15, 16, 17, 18};
std::string at_hour(int h) {
  static const char *const kWords[] = {"twelve", "one", "two",   "three", "four",   "five",  "six",
                                       "seven",  "eight", "nine", "ten",   "eleven", "twelve"};
  return std::string("At ") + kWords[h > 12 ? h - 12 : h] + " o'clock, please.";
}

const char *const kExpectedTools[] = {"search_tires",     "check_availability",    "get_fitting_stations",
                                      "get_fitting_slots", "book_fitting",          "search_knowledge_base",
                                      "transfer_to_operator"};

// Every line the caller may say.
std::vector<std::string> caller_lines() {
  std::vector<std::string> lines = {kTyres, kStock, kFitting, kCity, kSeason, kStation, kYes, kWarranty, kOperator};
  for (int h = kFirstHour; h <= kLastHour; ++h) lines.push_back(at_hour(h));
  return lines;
}

// The hour the caller asks for among the "H:MM" times in `text`: the first offered one it says
// clearly, else the first offered one; -1 when none is offered.
int choose_offered_hour(const std::string &text) {
  std::vector<int> offered;
  for (size_t i = 1; i + 2 < text.size(); ++i) {
    auto digit = [&](size_t k) { return std::isdigit(static_cast<unsigned char>(text[k])) != 0; };
    if (text[i] != ':' || !digit(i - 1) || !digit(i + 1) || !digit(i + 2)) continue;
    int h = text[i - 1] - '0';
    if (i >= 2 && digit(i - 2)) h += 10 * (text[i - 2] - '0');
    if (h >= kFirstHour && h <= kLastHour) offered.push_back(h);
  }
  for (int h : offered) {
    if (std::find(std::begin(kClearHours), std::end(kClearHours), h) != std::end(kClearHours)) return h;
  }
  return offered.empty() ? -1 : offered.front();
}

bool contains(const std::string &text, const char *needle) { return text.find(needle) != std::string::npos; }

// Chooses the caller's next line from what the agent just said.
class Script {
 public:
  // nullptr: nothing left to say.
  const std::string *next(const std::string &bot) {
    // Asked to repeat, prompted after silence, or answered exactly as last time: the agent did not
    // get it.
    const bool not_understood = contains(bot, "didn't quite get") || contains(bot, "I'm still here") ||
                                contains(bot, "Are you still there") || contains(bot, "didn't catch") ||
                                (!bot.empty() && bot == previous_bot_);
    previous_bot_ = bot;
    if (not_understood && last_ != nullptr && repeats_ < 2) {
      ++repeats_;
      return last_;
    }
    repeats_ = 0;
    if (contains(bot, "Which city")) return say(kCity);
    if (contains(bot, "summer, winter or")) return say(kSeason);
    if (contains(bot, "Which one suits you") && !station_given_) {
      station_given_ = true;
      return say(kStation);
    }
    if (contains(bot, "Which time") || contains(bot, "free times")) {
      if (const int h = choose_offered_hour(bot); h > 0) return say(at_hour(h));
    }
    if (contains(bot, "Do you confirm")) return say(kYes);
    if (goal_ >= std::size(kGoals)) return nullptr;
    return say(kGoals[goal_++]);
  }

 private:
  const std::string *say(std::string line) {
    said_.push_back(std::move(line));
    last_ = &said_.back();
    return last_;
  }
  std::deque<std::string> said_;  // stable addresses
  const std::string *last_ = nullptr;
  std::string previous_bot_;
  size_t goal_ = 0;
  int repeats_ = 0;
  bool station_given_ = false;
};

const std::vector<OptionSpec> kDemoCallOptions = {
    {"out", "FILE", "the call as a stereo WAV, caller left, bot right (default demo-call.wav)"},
    {"work-dir", "DIR", "where the store, knowledge base and journal go (default: a new temp dir)"},
    {"load", "", "instead: the echo host and 50 callers for 10 s (the AudioSocket load check)"},
    {"help", "", "this text"},
};

constexpr const char *kDemoCallDescription =
    "The main job: a phone call that works with no network and no API key. Starts the AudioSocket\n"
    "host on 127.0.0.1 with the offline agent (pocketsphinx, the rule-based agent with the tyre\n"
    "shop's tools, espeak-ng), then an Asterisk-like caller rings it at 16 kHz and speaks a scripted\n"
    "conversation: tyres by size and season, availability, a fitting booking with confirmation, a\n"
    "knowledge question, and a transfer to an operator. Prints the transcript with each turn's\n"
    "latency, writes the call to demo-call.wav and the journal, and exits 0 only if every expected\n"
    "tool was called in order.";

// What the agent said since the caller last spoke: the host's thread writes, the caller reads.
class BotWords {
 public:
  void add(const char *clause) {
    std::lock_guard lock(mu_);
    text_ += (text_.empty() ? "" : " ");
    text_ += clause;
  }
  std::string take() {
    std::lock_guard lock(mu_);
    return std::exchange(text_, {});
  }

 private:
  std::mutex mu_;
  std::string text_;
};

// Prints the call as it happens (seconds from the caller's dial) and passes everything on to the
// journal.
class Printer final : public host::CallObserver {
 public:
  Printer(std::shared_ptr<host::CallJournal> journal, std::shared_ptr<BotWords> words)
      : journal_(std::move(journal)), words_(std::move(words)) {}
  void set_origin(Nanos origin) { origin_.store(origin); }

  void on_call_start(Start &s) override {
    std::printf("  [host] call %s connected at %d Hz\n", s.uuid.c_str(), s.sample_rate);
    journal_->on_call_start(s);
  }
  void on_event(const std::string &uuid, const ca_event &e) override {
    const double t = static_cast<double>(e.time_ns - origin_.load()) / 1e9;
    switch (e.type) {
      case CA_EVENT_CALLER_TURN: std::printf("%7.2f  caller (heard): %s\n", t, e.text); break;
      case CA_EVENT_BOT_CLAUSE:
        std::printf("%7.2f  bot:            %s\n", t, e.text);
        words_->add(e.text);
        break;
      case CA_EVENT_TOOL_STARTED: std::printf("%7.2f  tool:           %s %s\n", t, e.text, e.detail); break;
      case CA_EVENT_TURN_TIMELINE:
        if (const ca_turn_timeline *tl = e.timeline; tl != nullptr && tl->speech_end_ns != 0 && tl->first_frame_ready_ns != 0) {
          auto ms = [](int64_t from, int64_t to) { return from != 0 && to != 0 ? static_cast<double>(to - from) / 1e6 : 0.0; };
          std::printf("%7.2f  latency:        %.0f ms from the end of speech to the bot's first audio "
                      "(recognition %.0f, agent and tools %.0f, speech %.0f)\n",
                      t, ms(tl->speech_end_ns, tl->first_frame_ready_ns), ms(tl->speech_end_ns, tl->stt_final_ns),
                      ms(tl->stt_final_ns, tl->first_clause_ns), ms(tl->first_clause_ns, tl->first_frame_ready_ns));
        }
        break;
      case CA_EVENT_TRANSFER_REQUESTED: std::printf("%7.2f  transfer:       %s\n", t, e.text); break;
      default: break;
    }
    std::fflush(stdout);
    journal_->on_event(uuid, e);
  }
  void on_call_end(const std::string &uuid, server::EndReason reason, const ca_session_stats &st) override {
    journal_->on_call_end(uuid, reason, st);
  }

 private:
  std::shared_ptr<host::CallJournal> journal_;
  std::shared_ptr<BotWords> words_;
  std::atomic<Nanos> origin_{0};
};

// The caller's lines, synthesised once before dialling with a male voice (the bot's is female).
using Lines = std::map<std::string, std::vector<int16_t>>;

Result<Lines> synthesise_lines() {
  providers::EspeakOptions o;
  o.voice_en = "en-us";
  o.rate = 150;
  auto tts = providers::EspeakTts::create(o);
  if (!tts) return tts.error();
  struct Collect final : providers::TtsSink {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<int16_t> pcm;
    bool done = false;
    std::string error;
    void on_tts_audio(providers::RequestId, std::span<const int16_t> p, int) override {
      std::lock_guard lock(mu);
      pcm.insert(pcm.end(), p.begin(), p.end());
    }
    void on_tts_done(providers::RequestId) override {
      std::lock_guard lock(mu);
      done = true;
      cv.notify_all();
    }
    void on_tts_error(providers::RequestId, std::string message) override {
      std::lock_guard lock(mu);
      error = std::move(message);
      done = true;
      cv.notify_all();
    }
  };
  Lines out;
  providers::RequestId id = 1;
  for (const std::string &line : caller_lines()) {
    auto sink = std::make_shared<Collect>();
    providers::TtsRequest r;
    r.id = id++;
    r.text = line;
    r.language = "en";
    r.sample_rate = kRate;
    (*tts)->synthesize(r, sink);
    std::unique_lock lock(sink->mu);
    if (!sink->cv.wait_for(lock, std::chrono::seconds(30), [&] { return sink->done; }) || !sink->error.empty()) {
      return make_error(Errc::internal, "cannot synthesise the caller's line: " + sink->error);
    }
    out[line] = std::move(sink->pcm);
  }
  return out;
}

double rms(std::span<const int16_t> pcm) {
  double sum = 0;
  for (int16_t v : pcm) sum += static_cast<double>(v) * v;
  return pcm.empty() ? 0 : std::sqrt(sum / static_cast<double>(pcm.size()));
}

// The Asterisk side: one AudioSocket connection, a frame every 20 ms on absolute deadlines.
class Caller {
 public:
  Caller(uint16_t port, Lines lines, std::shared_ptr<BotWords> words)
      : lines_(std::move(lines)), words_(std::move(words)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Caller() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  // Runs the whole call; returns when the host ends it (00 00 00) or after `limit`.
  void run(const std::string &uuid, std::chrono::seconds limit) {
    std::array<uint8_t, as::kUuidSize> raw{};
    as::uuid_from_string(uuid, raw);
    send(as::encode(as::kind::uuid, raw));
    const auto start = std::chrono::steady_clock::now();
    Script script;
    const std::vector<int16_t> *speech = nullptr;  // the line being said
    size_t pos = 0;
    int bot_voiced = 0, bot_quiet = 0;  // frames
    std::vector<int16_t> frame(kFrame);
    for (int64_t i = 0;; ++i) {
      const auto due = start + std::chrono::milliseconds(20 * i);
      if (due - start > limit) break;
      // The caller speaks once the bot has spoken (the greeting or a reply) and then been quiet
      // for 0.6 s, answering what it heard (the bot's pauses within a reply are under 0.4 s).
      if (speech == nullptr && !done_ && bot_voiced >= 10 && bot_quiet >= 30) {
        const std::string *line = script.next(words_->take());
        if (line == nullptr) {
          done_ = true;
        } else {
          speech = &lines_.at(*line);
          pos = 0;
          ++said_;
          std::printf("%7.2f  caller:         %s\n", 0.02 * static_cast<double>(i), line->c_str());
          std::fflush(stdout);
        }
      }
      std::fill(frame.begin(), frame.end(), int16_t{0});
      if (speech != nullptr) {
        const size_t n = std::min(kFrame, speech->size() - pos);
        std::copy(speech->begin() + static_cast<std::ptrdiff_t>(pos),
                  speech->begin() + static_cast<std::ptrdiff_t>(pos + n), frame.begin());
        pos += n;
        if (pos >= speech->size()) {
          speech = nullptr;
          bot_voiced = bot_quiet = 0;
        }
      }
      uint8_t buf[as::kHeaderSize + kFrame * 2];
      const size_t len = as::serialize_audio(as::kind::slin16, frame, buf);
      if (!send({buf, len})) break;
      sent_.insert(sent_.end(), frame.begin(), frame.end());
      // Take what the host sent until the next deadline.
      while (true) {
        const auto now = std::chrono::steady_clock::now();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due + std::chrono::milliseconds(20) - now);
        if (left.count() <= 0) break;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        uint8_t in[8192];
        const ssize_t got = ::recv(fd_, in, sizeof in, 0);
        if (got <= 0) return;
        bool ended = false;
        parser_.feed({in, static_cast<size_t>(got)}, [&](const as::Message &m) {
          if (m.kind == as::kind::hangup) {
            ended = true;
          } else if (as::is_audio_kind(m.kind)) {
            std::vector<int16_t> pcm(m.payload.size() / 2);
            as::decode_samples(m.payload, pcm.data());
            received_.insert(received_.end(), pcm.begin(), pcm.end());
            if (rms(pcm) > 300) {
              ++bot_voiced;
              bot_quiet = 0;
            } else {
              ++bot_quiet;
            }
          }
        });
        if (ended) {
          hung_up_ = true;
          return;
        }
      }
    }
  }

  bool hung_up() const { return hung_up_; }
  int lines_said() const { return said_; }
  const std::vector<int16_t> &sent() const { return sent_; }
  const std::vector<int16_t> &received() const { return received_; }

 private:
  bool send(std::span<const uint8_t> bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  int fd_ = -1;
  Lines lines_;
  std::shared_ptr<BotWords> words_;
  int said_ = 0;
  bool done_ = false;
  as::Parser parser_;
  std::vector<int16_t> sent_, received_;
  bool hung_up_ = false;
};

constexpr const char *kCallerNumber = "+380671234567";
constexpr const char *kDetailsSecret = "demo-secret";

// What the dialplan line does with CURL() before AudioSocket():
//   Set(R=${CURL(http://127.0.0.1:9093/v1/calls/${CALLUUID},caller=${CALLERID(num)}&called=${EXTEN}…)})
Result<void> post_call_details(uint16_t port, const std::string &uuid) {
  net::EventLoop loop("ca-demo-http");
  net::HttpClient client(loop);
  net::HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/calls/" + uuid;
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Authorization", std::string("Bearer ") + kDetailsSecret}};
  r.body = std::string("caller=%2B") + (kCallerNumber + 1) + "&called=100&channel=PJSIP%2Fdemo-00000001&tenant=demo";
  r.timeouts.total = seconds(5);
  const net::SyncResponse response = net::perform(client, loop, std::move(r));
  if (!response.result.ok()) {
    return make_error(Errc::io, "call details POST: " + std::to_string(response.result.status) + " " +
                                    response.result.message);
  }
  return {};
}

}  // namespace

int cmd_demo_load(int argc, char **argv);

int cmd_demo(int argc, char **argv) {
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--load") return cmd_demo_load(argc, argv);
  }
  Args args;
  if (!args.parse(argc, argv, 2, kDemoCallOptions)) {
    std::fprintf(stderr, "callagent demo: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent demo [options]", kDemoCallDescription, kDemoCallOptions).c_str(), stdout);
    return 0;
  }
  log::set_level(log::Level::warn);
  std::string dir = args.get("work-dir").value_or("");
  if (dir.empty()) {
    char tmpl[] = "/tmp/callagent-demo-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::perror("callagent demo: mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  std::printf("callagent demo: offline call, files in %s\n", dir.c_str());
  auto config = write_offline_config(OfflineSetup{"en", dir});
  if (!config) {
    std::fprintf(stderr, "callagent demo: %s\n", config.error().message.c_str());
    return 1;
  }
  ca_engine_t *raw = nullptr;
  if (ca_engine_create(nullptr, &raw) != CA_OK || ca_engine_load_config(raw, config->c_str()) != CA_OK) {
    std::fprintf(stderr, "callagent demo: %s\n", ca_last_error());
    ca_engine_destroy(raw);
    return 1;
  }
  std::shared_ptr<ca_engine_t> engine(raw, ca_engine_destroy);
  ca_engine_prewarm(engine.get(), kRate, 30000);
  host::CallJournalOptions jo;
  jo.path = dir + "/callagent-journal.db";
  auto journal = host::CallJournal::open(jo);
  if (!journal) {
    std::fprintf(stderr, "callagent demo: journal: %s\n", journal.error().message.c_str());
    return 1;
  }
  auto lines = synthesise_lines();
  if (!lines) {
    std::fprintf(stderr, "callagent demo: %s\n", lines.error().message.c_str());
    return 1;
  }

  host::SessionAgentOptions o;
  o.engine = engine.get();
  o.language = "en";
  auto words = std::make_shared<BotWords>();
  auto printer = std::make_shared<Printer>(*journal, words);
  o.observer = printer;
  // AudioSocket carries only a UUID: the caller's number comes from the dialplan, which POSTs it
  // to the host's HTTP endpoint before AudioSocket() runs — as `callagent serve` with [http].
  auto details = std::make_shared<host::CallDetailsStore>();
  o.details = details;
  net::HttpServer http;
  host::add_call_details_routes(http, *details, kDetailsSecret);
  auto http_port = http.start();
  if (!http_port) {
    std::fprintf(stderr, "callagent demo: call details endpoint: %s\n", http_port.error().message.c_str());
    return 1;
  }
  server::ServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.threads = 1;
  auto srv = server::Server::start(so, host::make_session_agent(o));
  if (!srv) {
    std::fprintf(stderr, "callagent demo: %s\n", srv.error().message.c_str());
    return 1;
  }
  std::printf("  [host] AudioSocket host on 127.0.0.1:%u, call details on http://127.0.0.1:%u\n", (*srv)->port(),
              *http_port);
  const std::string uuid = "7d3c1e2a-5b4f-4a6e-9d8c-1f2e3a4b5c6d";
  if (auto posted = post_call_details(*http_port, uuid); !posted) {
    std::fprintf(stderr, "callagent demo: %s\n", posted.error().message.c_str());
    return 1;
  }
  std::printf("  [dialplan] POST /v1/calls/%s caller=%s\n", uuid.c_str(), kCallerNumber);
  Caller caller((*srv)->port(), std::move(lines).value(), words);
  if (!caller.connected()) {
    std::fprintf(stderr, "callagent demo: cannot connect to the host\n");
    return 1;
  }
  printer->set_origin(monotonic_now());
  caller.run(uuid, std::chrono::seconds(180));
  (*srv)->stop();
  (*srv)->wait();
  if (auto r = (*journal)->close(); !r) std::fprintf(stderr, "callagent demo: journal: %s\n", r.error().message.c_str());

  // The call as the caller's phone would record it.
  const std::string out = args.get("out").value_or("demo-call.wav");
  const std::vector<int16_t> stereo = audio::interleave_stereo(caller.sent(), caller.received());
  const size_t n = stereo.size() / 2;
  if (auto w = audio::write_wav_file(out, kRate, 2, stereo); !w) {
    std::fprintf(stderr, "callagent demo: %s: %s\n", out.c_str(), w.error().message.c_str());
  }

  // What the journal says, and whether the tools came in order.
  auto db = journal::Db::open(jo.path);
  if (!db) {
    std::fprintf(stderr, "callagent demo: %s\n", db.error().message.c_str());
    return 1;
  }
  auto call = journal::get_call(*db, uuid);
  if (!call) {
    std::fprintf(stderr, "callagent demo: the journal has no row for the call: %s\n", call.error().message.c_str());
    return 1;
  }
  std::printf("\njournal (%s): call %s, caller %s, outcome %s, %zu turns, %zu tool calls\n", jo.path.c_str(),
              uuid.c_str(), call->call.info.caller_number.c_str(),
              call->call.outcome ? journal::outcome_name(*call->call.outcome) : "open", call->turns.size(),
              call->tool_calls.size());
  size_t next = 0;
  std::string called;
  for (const auto &t : call->tool_calls) {
    called += (called.empty() ? "" : ", ") + t.name;
    if (next < std::size(kExpectedTools) && t.name == kExpectedTools[next]) ++next;
  }
  std::printf("tools called: %s\n", called.empty() ? "none" : called.c_str());
  std::printf("wrote %s (%.1f s, caller left, bot right)\n", out.c_str(), static_cast<double>(n) / kRate);
  const bool ok = next == std::size(kExpectedTools) && caller.hung_up();
  if (ok) {
    std::printf("PASS: every expected tool was called in order and the call was transferred\n");
    return 0;
  }
  std::printf("FAIL: expected, in order: ");
  for (size_t k = 0; k < std::size(kExpectedTools); ++k) std::printf("%s%s", k ? ", " : "", kExpectedTools[k]);
  std::printf("%s\n", caller.hung_up() ? "" : " (and the host never ended the call)");
  return 1;
}

}  // namespace ca::cli
