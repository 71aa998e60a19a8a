// callagent call: a whole session over a caller's recording, offline. The caller's audio is fed
// frame by frame; the bot's answers are written out beside it. By default the clock is virtual:
// while the session waits for a plug-in the run keeps real time (so recognition, the agent and
// synthesis cost what they really cost), and the rest — the caller talking, silences — passes at
// once. --realtime paces every frame like a phone line.
#include <callagent/callagent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio/resampler.hpp"
#include "audio/wav.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/offline.hpp"
#include "core/clock.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kCallOptions = {
    {"in", "FILE", "the caller's recording: a WAV at any rate, mono or stereo (required)"},
    {"out", "FILE", "write the call as a stereo WAV: caller left, bot right"},
    {"bot-out", "FILE", "write the bot's audio alone (mono WAV)"},
    {"lang", "LANG", "uk, ru or en: the session's language (default uk)"},
    {"rate", "HZ", "the call's rate, 8000 or 16000 (default: 16000, or 8000 for an 8 kHz recording)"},
    {"config", "FILE", "plug-ins and settings (default: the offline agent: pocketsphinx, rule-based, espeak-ng)"},
    {"caller", "NUMBER", "the caller's number the session and the tools see (default +380501234567)"},
    {"tail", "S", "seconds of silence after the recording for the bot to finish (default 10)"},
    {"realtime", "", "pace every 20 ms frame in real time"},
    {"record", "FILE", "also save the session for `callagent replay`"},
    {"work-dir", "DIR", "where the offline agent keeps its store and knowledge base (default: a temp dir)"},
    {"help", "", "this text"},
};

constexpr const char *kCallDescription =
    "Runs a whole call over a caller's recording without a phone: prints the transcript with each\n"
    "turn's latency (the caller's end of speech to the bot's first audio), and writes what the bot\n"
    "said. The clock is virtual unless --realtime: silences pass at once, while the plug-ins'\n"
    "own time is kept, so latencies are what a live call would see.";

struct Run {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  bool hangup = false;
  bool transfer = false;
  int64_t now_ns = 0;
  int turns = 0;
  int tool_calls = 0;
};

double secs(int64_t ns) { return static_cast<double>(ns) / 1e9; }

void on_event(const ca_event *e, void *user_data) {
  auto *run = static_cast<Run *>(user_data);
  const double t = secs(e->time_ns);
  switch (e->type) {
    case CA_EVENT_CALLER_TURN:
      ++run->turns;
      std::printf("%7.2f  caller: %s\n", t, e->text);
      break;
    case CA_EVENT_BOT_CLAUSE: std::printf("%7.2f  bot:    %s\n", t, e->text); break;
    case CA_EVENT_TOOL_STARTED:
      ++run->tool_calls;
      std::printf("%7.2f  tool:   %s %s\n", t, e->text, e->detail);
      break;
    case CA_EVENT_TOOL_FINISHED: std::printf("%7.2f  result: %s %s\n", t, e->text, e->detail); break;
    case CA_EVENT_BARGE_IN_COMMITTED: std::printf("%7.2f  (the caller interrupts)\n", t); break;
    case CA_EVENT_TURN_TIMELINE:
      if (e->timeline != nullptr && e->timeline->speech_end_ns != 0 && e->timeline->first_frame_ready_ns != 0) {
        std::printf("%7.2f  latency: %.0f ms from the caller's end of speech to the bot's first audio\n", t,
                    static_cast<double>(e->timeline->first_frame_ready_ns - e->timeline->speech_end_ns) / 1e6);
      }
      break;
    case CA_EVENT_TRANSFER_REQUESTED:
      run->transfer = true;
      std::printf("%7.2f  transfer to an operator: %s\n", t, e->text);
      break;
    case CA_EVENT_HANGUP_REQUESTED:
      run->hangup = true;
      std::printf("%7.2f  the bot hangs up: %s\n", t, e->text);
      break;
    case CA_EVENT_ERROR: std::printf("%7.2f  error: %s\n", t, e->text); break;
    default: break;
  }
  std::fflush(stdout);
}

void on_wake(void *user_data) {
  auto *run = static_cast<Run *>(user_data);
  {
    std::lock_guard lock(run->mu);
    run->woken = true;
  }
  run->cv.notify_one();
}

}  // namespace

int cmd_call(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kCallOptions)) {
    std::fprintf(stderr, "callagent call: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent call --in caller.wav [options]", kCallDescription, kCallOptions).c_str(), stdout);
    return 0;
  }
  if (!args.has("in")) {
    std::fprintf(stderr, "callagent call: --in FILE is required (see --help)\n");
    return 2;
  }
  double tail = 10;
  int64_t rate_opt = 0;
  if (!args.get_double("tail", 0, 600, tail) || !args.get_int("rate", 8000, 16000, rate_opt)) {
    std::fprintf(stderr, "callagent call: %s\n", args.error().c_str());
    return 2;
  }
  if (rate_opt != 0 && rate_opt != 8000 && rate_opt != 16000) {
    std::fprintf(stderr, "callagent call: --rate must be 8000 or 16000\n");
    return 2;
  }
  const std::string lang = args.get("lang").value_or("uk");
  if (lang != "uk" && lang != "ru" && lang != "en") {
    std::fprintf(stderr, "callagent call: --lang must be uk, ru or en\n");
    return 2;
  }

  auto wav = audio::read_wav_file(*args.get("in"));
  if (!wav) {
    std::fprintf(stderr, "callagent call: %s: %s\n", args.get("in")->c_str(), wav.error().message.c_str());
    return 1;
  }
  const int rate = rate_opt != 0 ? static_cast<int>(rate_opt) : (wav->sample_rate <= 8000 ? 8000 : 16000);
  std::vector<int16_t> caller = audio::to_mono(*wav);
  if (wav->sample_rate != rate) {
    auto rs = audio::Resampler::create(wav->sample_rate, rate, SRC_SINC_MEDIUM_QUALITY);
    if (!rs) {
      std::fprintf(stderr, "callagent call: %s\n", rs.error().message.c_str());
      return 1;
    }
    std::vector<int16_t> out;
    rs->process(caller, out);
    rs->flush(out);
    caller = std::move(out);
  }

  // The plug-ins: the given configuration, or the offline agent.
  std::string config = args.get("config").value_or("");
  std::optional<OfflineWorkDir> work_dir;
  if (config.empty()) {
    auto made = OfflineWorkDir::make(args.get("work-dir").value_or(""), "callagent-call");
    if (!made) {
      std::fprintf(stderr, "callagent call: %s\n", made.error().message.c_str());
      return 1;
    }
    work_dir.emplace(std::move(made).value());
    auto written = write_offline_config(OfflineSetup{lang, work_dir->path()});
    if (!written) {
      std::fprintf(stderr, "callagent call: %s\n", written.error().message.c_str());
      return 1;
    }
    config = *written;
  }
  ca_engine_t *engine = nullptr;
  if (ca_engine_create(nullptr, &engine) != CA_OK || ca_engine_load_config(engine, config.c_str()) != CA_OK) {
    std::fprintf(stderr, "callagent call: %s\n", ca_last_error());
    ca_engine_destroy(engine);
    return 1;
  }

  Run run;
  ca_session_params p;
  ca_session_default_params(&p, sizeof p);
  p.sample_rate = rate;
  p.language = lang.c_str();
  const std::string caller_number = args.get("caller").value_or("+380501234567");
  p.caller_number = caller_number.c_str();
  p.on_event = on_event;
  p.event_user_data = &run;
  p.on_wake = on_wake;
  p.wake_user_data = &run;
  ca_session_t *s = nullptr;
  if (ca_session_create(engine, &p, &s) != CA_OK) {
    std::fprintf(stderr, "callagent call: %s\n", ca_last_error());
    ca_engine_destroy(engine);
    return 1;
  }
  if (args.has("record")) ca_session_start_recording(s);

  const size_t n = static_cast<size_t>(rate / 50);
  const size_t caller_frames = (caller.size() + n - 1) / n;
  const size_t max_frames = caller_frames + static_cast<size_t>(tail * 50);
  std::vector<int16_t> bot, frame(n), out(n);
  bot.reserve(max_frames * n);
  const bool realtime = args.has("realtime");
  const auto real_start = std::chrono::steady_clock::now();
  int64_t skipped = 0;  // virtual time that passed without waiting
  size_t quiet_frames = 0;
  size_t i = 0;
  for (; i < max_frames; ++i) {
    const int64_t now = static_cast<int64_t>(i) * 20'000'000;
    std::fill(frame.begin(), frame.end(), int16_t{0});
    if (i < caller_frames) {
      const size_t from = i * n;
      std::copy(caller.begin() + static_cast<std::ptrdiff_t>(from),
                caller.begin() + static_cast<std::ptrdiff_t>(std::min(from + n, caller.size())), frame.begin());
    }
    if (realtime || ca_session_waiting(s)) {
      // Keep real time: the plug-ins' work takes what it takes.
      const auto due = real_start + std::chrono::nanoseconds(now - skipped);
      std::unique_lock lock(run.mu);
      run.cv.wait_until(lock, due, [&] { return false; });
    } else {
      skipped += 20'000'000;
    }
    ca_session_push_audio(s, frame.data(), n);
    ca_session_process(s, now);
    int has_audio = 0;
    ca_session_pull_audio(s, out.data(), n, &has_audio);
    if (has_audio) ca_session_push_played(s, n);
    bot.insert(bot.end(), out.begin(), out.end());
    if (run.transfer) {
      run.transfer = false;
      ca_session_push_transfer_result(s, 1);  // offline, the transfer "succeeds": the call ends here
      run.hangup = true;
    }
    if (run.hangup || ca_session_state(s) == CA_STATE_ENDED) {
      ++i;
      break;
    }
    // After the recording, stop once the bot has been quiet and idle for 2 s.
    quiet_frames = (i >= caller_frames && !has_audio && !ca_session_waiting(s)) ? quiet_frames + 1 : 0;
    if (quiet_frames >= 100) {
      ++i;
      break;
    }
  }
  if (!run.hangup) ca_session_push_hangup(s);
  ca_session_process(s, static_cast<int64_t>(i) * 20'000'000);

  int status = 0;
  if (auto path = args.get("record")) {
    if (ca_session_save_recording(s, path->c_str()) != CA_OK) {
      std::fprintf(stderr, "callagent call: %s\n", ca_last_error());
      status = 1;
    }
  }
  ca_session_destroy(s);
  ca_engine_destroy(engine);

  caller.resize(bot.size(), 0);
  if (auto path = args.get("out")) {
    if (auto w = audio::write_wav_file(*path, rate, 2, audio::interleave_stereo(caller, bot)); !w) {
      std::fprintf(stderr, "callagent call: %s: %s\n", path->c_str(), w.error().message.c_str());
      status = 1;
    }
  }
  if (auto path = args.get("bot-out")) {
    if (auto w = audio::write_wav_file(*path, rate, 1, bot); !w) {
      std::fprintf(stderr, "callagent call: %s: %s\n", path->c_str(), w.error().message.c_str());
      status = 1;
    }
  }
  std::printf("call: %.1f s, %d caller turns, %d tool calls, wall %.1f s\n", secs(static_cast<int64_t>(i) * 20'000'000),
              run.turns, run.tool_calls,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - real_start).count());
  return status;
}

}  // namespace ca::cli
