// The host's journal of calls: a CallObserver that turns session events into journal records
// (calls, turns as heard, tool calls with masked arguments) and picks each call's system prompt —
// the active A/B test's variant or the latest version of the default prompt — recording which.
// Nothing here touches SQLite on a call's thread: records are enqueued to the journal's writer,
// and the prompt plan is read by a background thread every few seconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "host/session_agent.hpp"
#include "journal/cost.hpp"
#include "journal/journal.hpp"
#include "journal/prompts.hpp"

namespace ca::host {

struct CallJournalOptions {
  std::string path;             // the SQLite file
  std::string default_prompt;   // a versioned prompt's name; "": calls keep the configured prompt
  Nanos plan_refresh = seconds(5);
  journal::JournalOptions journal{};
  journal::Prices prices;  // each call's cost_usd from its session's usage
};

class CallJournal final : public CallObserver {
 public:
  static Result<std::shared_ptr<CallJournal>> open(CallJournalOptions options);
  ~CallJournal() override;  // close()
  CallJournal(const CallJournal &) = delete;
  CallJournal &operator=(const CallJournal &) = delete;

  void on_call_start(Start &start) override;
  void on_event(const std::string &uuid, const ca_event &event) override;
  void on_call_end(const std::string &uuid, server::EndReason reason, const ca_session_stats &stats) override;

  // Writes what is queued and stops (SIGTERM: nothing enqueued is lost).
  Result<void> close();
  journal::Journal &journal() { return *journal_; }

 private:
  struct Plan {
    std::optional<journal::AbTest> test;
    journal::PromptVersion a, b;                  // the test's versions
    std::optional<journal::PromptVersion> fallback;  // the default prompt's latest version
  };
  struct Call {
    int64_t turns = 0;
    bool transferred = false;
    bool failed = false;
    std::string transfer_reason;
    json::Value timeline;  // the last turn's, written with the bot's next turn
    struct Running {
      std::string name;
      std::string arguments;
      Nanos since;  // monotonic
    };
    std::vector<Running> tools_started;
    std::string language;
  };

  CallJournal(CallJournalOptions options, std::unique_ptr<journal::Journal> journal);
  void refresh_plan();
  void run_refresher();

  CallJournalOptions options_;
  std::unique_ptr<journal::Journal> journal_;

  std::mutex plan_mu_;
  std::shared_ptr<const Plan> plan_;
  std::mt19937_64 rng_;

  std::mutex calls_mu_;
  std::map<std::string, Call, std::less<>> calls_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace ca::host
