#include "host/call_journal.hpp"

#include <chrono>

#include "core/log.hpp"
#include "core/pii_sanitizer.hpp"

namespace ca::host {

namespace {

journal::UnixMillis wall_millis_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::Value timeline_json(const ca_turn_timeline &t) {
  // Milliseconds after the caller stopped speaking; absent stages are left out.
  json::Value v = json::Value::object();
  v.set("turn", t.turn);
  auto add = [&](const char *name, int64_t at) {
    if (at != 0 && t.speech_end_ns != 0) v.set(name, static_cast<int64_t>((at - t.speech_end_ns) / 1'000'000));
  };
  add("stt_final_ms", t.stt_final_ns);
  add("llm_request_ms", t.llm_request_ns);
  add("llm_first_token_ms", t.llm_first_token_ns);
  add("first_clause_ms", t.first_clause_ns);
  add("tts_first_audio_ms", t.tts_first_audio_ns);
  add("first_frame_ready_ms", t.first_frame_ready_ns);
  return v;
}

// Tool arguments and results as JSON, with personal data masked for good (the journal keeps
// what happened, not the caller's number); text that is not JSON is kept as a masked string.
json::Value masked_json(std::string_view text) {
  const std::string clean = log::sanitize(text);
  if (auto v = json::parse(clean)) return std::move(v).value();
  return json::Value(clean);
}

}  // namespace

Result<std::shared_ptr<CallJournal>> CallJournal::open(CallJournalOptions options) {
  auto j = journal::Journal::open(options.path, options.journal);
  if (!j) return j.error();
  std::shared_ptr<CallJournal> self(new CallJournal(std::move(options), std::move(j).value()));
  self->refresh_plan();
  self->refresher_ = std::thread([raw = self.get()] { raw->run_refresher(); });
  return self;
}

CallJournal::CallJournal(CallJournalOptions options, std::unique_ptr<journal::Journal> journal)
    : options_(std::move(options)), journal_(std::move(journal)), rng_(std::random_device{}()) {}

CallJournal::~CallJournal() { (void)close(); }

Result<void> CallJournal::close() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  return journal_->close();
}

void CallJournal::run_refresher() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, std::chrono::nanoseconds(options_.plan_refresh), [&] { return stopping_; })) {
    lock.unlock();
    refresh_plan();
    lock.lock();
  }
}

void CallJournal::refresh_plan() {
  auto db = journal::Db::open(options_.path);
  if (!db) {
    log::write(log::Level::warn, {}, "prompts: cannot read the journal", {{"error", db.error().message}});
    return;
  }
  journal::Prompts prompts(*db);
  auto plan = std::make_shared<Plan>();
  if (auto t = prompts.active_test(); t && t->has_value()) {
    auto a = prompts.get((*t)->a.name, (*t)->a.version);
    auto b = prompts.get((*t)->b.name, (*t)->b.version);
    if (a && b) {
      plan->test = **t;
      plan->a = std::move(a).value();
      plan->b = std::move(b).value();
    }
  }
  if (!options_.default_prompt.empty()) {
    if (auto p = prompts.get(options_.default_prompt)) plan->fallback = std::move(p).value();
  }
  std::lock_guard lock(plan_mu_);
  plan_ = std::move(plan);
}

void CallJournal::on_call_start(Start &start) {
  journal::CallInfo info;
  info.call_id = start.uuid;
  info.uuid = start.uuid;
  info.tenant = start.details.tenant;
  info.caller_number = start.details.caller;
  info.called_number = start.details.called;
  info.channel = start.details.channel;
  info.started_at = wall_millis_now();
  {
    std::lock_guard lock(plan_mu_);
    if (plan_ && plan_->test) {
      const journal::AbTest &t = *plan_->test;
      std::uniform_real_distribution<double> uniform(0.0, 1.0);
      const char *variant = journal::choose_variant(t, start.details.caller, [&] { return uniform(rng_); });
      const bool a = std::string_view(variant) == "A";
      journal::Assignment as{a ? plan_->a : plan_->b, t.id, variant};
      journal::record_assignment(as, info);
      start.system_prompt = as.prompt.text;
    } else if (plan_ && plan_->fallback) {
      journal::record_assignment(journal::Assignment{*plan_->fallback, 0, {}}, info);
      start.system_prompt = plan_->fallback->text;
    }
  }
  {
    std::lock_guard lock(calls_mu_);
    calls_[start.uuid] = Call{};
  }
  journal_->call_started(std::move(info));
}

void CallJournal::on_event(const std::string &uuid, const ca_event &e) {
  std::lock_guard lock(calls_mu_);
  auto it = calls_.find(uuid);
  if (it == calls_.end()) return;
  Call &c = it->second;
  switch (e.type) {
    case CA_EVENT_CALLER_TURN: {
      journal::TurnRecord t;
      t.speaker = journal::Speaker::caller;
      t.text = e.text;
      t.started_at = wall_millis_now();
      ++c.turns;
      journal_->turn(uuid, std::move(t));
      break;
    }
    case CA_EVENT_BOT_HEARD: {
      journal::TurnRecord t;
      t.speaker = journal::Speaker::bot;
      t.text = e.text;
      t.timeline = std::move(c.timeline);
      c.timeline = json::Value();
      t.started_at = wall_millis_now();
      journal_->turn(uuid, std::move(t));
      break;
    }
    case CA_EVENT_TURN_TIMELINE:
      if (e.timeline != nullptr) c.timeline = timeline_json(*e.timeline);
      break;
    case CA_EVENT_TOOL_STARTED:
      c.tools_started.push_back(Call::Running{e.text, e.detail, monotonic_now()});
      break;
    case CA_EVENT_TOOL_FINISHED: {
      journal::ToolCallRecord r;
      r.name = e.text;
      r.result = masked_json(e.detail);
      r.ok = e.ok != 0;
      r.turn = c.turns;
      r.started_at = wall_millis_now();
      for (auto s = c.tools_started.begin(); s != c.tools_started.end(); ++s) {
        if (s->name == r.name) {
          r.arguments = masked_json(s->arguments);
          r.duration_ms = (monotonic_now() - s->since) / 1'000'000;
          c.tools_started.erase(s);
          break;
        }
      }
      journal_->tool_call(uuid, std::move(r));
      break;
    }
    case CA_EVENT_TRANSFER_REQUESTED:
      c.transferred = true;
      c.transfer_reason = e.text;
      break;
    case CA_EVENT_ERROR:
      if (e.recoverable == 0) c.failed = true;
      break;
    default: break;
  }
}

void CallJournal::on_call_end(const std::string &uuid, server::EndReason reason, const ca_session_stats &stats) {
  Call c;
  {
    std::lock_guard lock(calls_mu_);
    auto it = calls_.find(uuid);
    if (it == calls_.end()) return;
    c = std::move(it->second);
    calls_.erase(it);
  }
  journal::EndInfo end;
  end.ended_at = wall_millis_now();
  if (c.transferred) {
    end.outcome = journal::Outcome::transferred;
    end.transfer_reason = c.transfer_reason;
  } else if (c.failed || reason == server::EndReason::protocol_error || reason == server::EndReason::io_error) {
    end.outcome = journal::Outcome::error;
  } else if (reason == server::EndReason::caller_hangup && c.turns == 0) {
    end.outcome = journal::Outcome::abandoned;
  } else {
    end.outcome = journal::Outcome::completed;
  }
  end.cost_usd = journal::cost_usd(options_.prices, {stats.llm_input_tokens, stats.llm_output_tokens,
                                                     stats.stt_audio_ms, stats.tts_characters});
  journal_->call_ended(uuid, std::move(end));
}

}  // namespace ca::host
