#include "testkit/testkit.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "audio/frame.hpp"

namespace ca::testkit {

namespace {
constexpr Nanos kFrame = millis(20);

std::vector<std::string> split_tokens(const std::string &text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    j = j == std::string::npos ? text.size() : j + 1;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

// ---- scheduler ----

void Scheduler::at(Nanos t, std::function<void()> fn) { items_.emplace(std::make_pair(std::max(t, now_), seq_++), std::move(fn)); }

Nanos Scheduler::next_time() const { return items_.empty() ? kNever : items_.begin()->first.first; }

void Scheduler::run_until(Nanos t) {
  while (!items_.empty() && items_.begin()->first.first <= t) {
    const Nanos due = items_.begin()->first.first;
    auto fn = std::move(items_.begin()->second);
    items_.erase(items_.begin());
    now_ = std::max(now_, due);
    fn();
  }
  now_ = std::max(now_, t);
}

// ---- speech-like signal ----

void speech_like(std::vector<int16_t> &out, size_t offset, size_t n, int sample_rate, double level_dbfs,
                 uint32_t seed) {
  const double amp = std::pow(10.0, level_dbfs / 20.0) * 32767.0 * std::numbers::sqrt2;
  const double f0 = 110.0 + 15.0 * (seed % 7);
  for (size_t k = 0; k < n; ++k) {
    const double t = static_cast<double>(offset + k) / sample_rate;
    const double pitch = f0 * (1.0 + 0.08 * std::sin(2 * std::numbers::pi * 0.7 * t));
    double v = 0;
    for (int h = 1; h <= 8; ++h) v += std::sin(2 * std::numbers::pi * pitch * h * t + h * 0.3) / h;
    const double syllable = 0.55 + 0.45 * std::sin(2 * std::numbers::pi * 4.0 * t + seed);
    out.push_back(static_cast<int16_t>(std::clamp(amp * 0.5 * v * syllable, -32767.0, 32767.0)));
  }
}

// ---- STT ----

ScriptedStt::ScriptedStt(Scheduler &s, TranscriptSource source, Options o)
    : s_(s), source_(std::move(source)), o_(o) {}

void ScriptedStt::open(const providers::SttParams &p, std::shared_ptr<providers::SttSink> sink) {
  ++opened_;
  rate_ = p.sample_rate;
  Stream st;
  st.sink = std::move(sink);
  st.opened = s_.now();
  st.audio_start = s_.now();
  streams_[p.id] = std::move(st);
  const providers::RequestId id = p.id;
  if (o_.fail) {
    s_.after(millis(50), [this, id] {
      auto it = streams_.find(id);
      if (it == streams_.end() || !it->second.live) return;
      it->second.live = false;
      it->second.sink->on_stt(id, {providers::SttEvent::Type::error, "scripted failure", 0, ""});
    });
  }
}

void ScriptedStt::push(providers::RequestId id, std::span<const int16_t> pcm) {
  auto it = streams_.find(id);
  if (it == streams_.end() || !it->second.live) return;
  Stream &st = it->second;
  // The pre-roll arrives at once on open: it reaches back in time by its length.
  if (s_.now() == st.opened) st.audio_start -= audio::samples_duration(rate_, pcm.size());
  if (!o_.interims || st.interim_sent) return;
  if (s_.now() - st.opened < o_.interim_latency) return;
  const std::string heard = source_(st.audio_start, s_.now());
  if (heard.empty()) return;
  st.interim_sent = true;
  const std::string first = heard.substr(0, heard.find(' '));
  st.sink->on_stt(id, {providers::SttEvent::Type::interim, first, 0.5, ""});
}

void ScriptedStt::finish(providers::RequestId id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || !it->second.live) return;
  const Nanos from = it->second.audio_start, to = s_.now();
  s_.after(o_.final_latency, [this, id, from, to] {
    auto st = streams_.find(id);
    if (st == streams_.end() || !st->second.live) return;
    st->second.live = false;
    const std::string text = source_(from, to);
    st->second.sink->on_stt(id, {providers::SttEvent::Type::final, text, 0.9, ""});
    st->second.sink->on_stt(id, {providers::SttEvent::Type::done, "", 0, ""});
  });
}

void ScriptedStt::cancel(providers::RequestId id) {
  auto it = streams_.find(id);
  if (it != streams_.end()) it->second.live = false;
}

// ---- LLM ----

ScriptedLlm::ScriptedLlm(Scheduler &s, std::vector<LlmReply> script) : s_(s), script_(std::move(script)) {}
ScriptedLlm::ScriptedLlm(Scheduler &s, Responder responder) : s_(s), responder_(std::move(responder)) {}

void ScriptedLlm::start(const providers::LlmRequest &r, std::shared_ptr<providers::LlmSink> sink) {
  const int index = static_cast<int>(requests_.size());
  requests_.push_back(r);
  LlmReply reply;
  if (responder_) reply = responder_(r, index);
  else if (index < static_cast<int>(script_.size())) reply = script_[static_cast<size_t>(index)];
  else reply.text = "Scripted reply " + std::to_string(index) + ".";
  const providers::RequestId id = r.id;
  live_[id] = true;
  const auto tokens = split_tokens(reply.text);
  const Nanos per_token = reply.tokens_per_second > 0 ? static_cast<Nanos>(1e9 / reply.tokens_per_second) : 0;
  Nanos t = reply.first_token;
  for (size_t k = 0; k <= tokens.size(); ++k) {
    if (reply.fail_after_tokens >= 0 && static_cast<int>(k) == reply.fail_after_tokens) {
      s_.after(t, [this, id, sink] {
        if (!live_[id]) return;
        live_[id] = false;
        sink->on_llm_error(id, "scripted failure");
      });
      return;
    }
    if (k == tokens.size()) break;
    const std::string tok = tokens[k];
    s_.after(t, [this, id, sink, tok] {
      if (live_[id]) sink->on_llm_text(id, tok);
    });
    t += per_token;
  }
  if (reply.never_finish) return;
  const auto calls = reply.tool_calls;
  // Usage as a vendor would bill it: about four characters of prompt per input token; a word or
  // a tool call per output token.
  size_t prompt_chars = r.system_prompt.size();
  for (const auto &m : r.messages) prompt_chars += m.text.size();
  providers::LlmUsage usage;
  usage.input_tokens = static_cast<int64_t>(prompt_chars / 4);
  usage.output_tokens = static_cast<int64_t>(tokens.size() + calls.size());
  s_.after(std::max(t, reply.first_token), [this, id, sink, calls, usage] {
    if (!live_[id]) return;
    for (const auto &c : calls) sink->on_llm_tool_call(id, c);
    live_[id] = false;
    sink->on_llm_done(id, usage);
  });
}

void ScriptedLlm::cancel(providers::RequestId id) {
  auto it = live_.find(id);
  if (it != live_.end() && it->second) {
    it->second = false;
    ++cancelled_;
  }
}

// ---- TTS ----

ScriptedTts::ScriptedTts(Scheduler &s, Options o) : s_(s), o_(o) {}

Nanos ScriptedTts::duration_of(const std::string &text, double ms_per_char) {
  return static_cast<Nanos>(static_cast<double>(text.size()) * ms_per_char * 1e6);
}

void ScriptedTts::synthesize(const providers::TtsRequest &r, std::shared_ptr<providers::TtsSink> sink) {
  texts_.push_back(r.text);
  languages_.push_back(r.language);
  const providers::RequestId id = r.id;
  live_[id] = true;
  if (o_.fail) {
    s_.after(o_.first_audio, [this, id, sink] {
      if (live_[id]) sink->on_tts_error(id, "scripted failure");
      live_[id] = false;
    });
    return;
  }
  const int rate = o_.sample_rate > 0 ? o_.sample_rate : r.sample_rate;
  const Nanos total = duration_of(r.text, o_.ms_per_char);
  const size_t total_samples = static_cast<size_t>(total / kNanosPerMilli) * static_cast<size_t>(rate) / 1000;
  const size_t chunk = audio::samples_per_frame(rate, 20);
  const auto seed = static_cast<uint32_t>(r.text.size() * 31u + static_cast<uint32_t>(r.id));
  Nanos t = o_.first_audio;
  const Nanos step = static_cast<Nanos>(static_cast<double>(kFrame) / o_.realtime_factor);
  for (size_t off = 0; off < total_samples; off += chunk) {
    const size_t n = std::min(chunk, total_samples - off);
    s_.after(t, [this, id, sink, off, n, rate, seed] {
      if (!live_[id]) return;
      std::vector<int16_t> pcm;
      speech_like(pcm, off, n, rate, o_.level_dbfs, seed);
      sink->on_tts_audio(id, pcm, rate);
    });
    t += step;
  }
  s_.after(t, [this, id, sink] {
    if (!live_[id]) return;
    live_[id] = false;
    sink->on_tts_done(id);
  });
}

void ScriptedTts::cancel(providers::RequestId id) {
  auto it = live_.find(id);
  if (it != live_.end() && it->second) {
    it->second = false;
    ++cancelled_;
  }
}

// ---- tools ----

ScriptedTool::ScriptedTool(Scheduler &s, providers::ToolSpec spec, std::string result_json, Nanos latency,
                           providers::ToolResult::Action action)
    : s_(s), spec_(std::move(spec)), result_(std::move(result_json)), latency_(latency), action_(action) {}

void ScriptedTool::invoke(providers::RequestId id, std::string_view args, const providers::ToolContext &ctx,
                          std::shared_ptr<providers::ToolSink> sink) {
  invocations_.push_back({s_.now(), std::string(args), ctx.idempotency_key});
  s_.after(latency_, [this, id, sink] {
    providers::ToolResult r;
    r.ok = true;
    r.json = result_;
    r.action = action_;
    sink->on_tool_result(id, std::move(r));
  });
}

void ScriptedTool::cancel(providers::RequestId) { ++cancelled_; }

// ---- results ----

const TimedEvent *SimResult::first(session::Event::Type t, Nanos from) const {
  for (const auto &e : events) {
    if (e.event.type == t && e.at >= from) return &e;
  }
  return nullptr;
}

std::vector<const TimedEvent *> SimResult::all(session::Event::Type t) const {
  std::vector<const TimedEvent *> out;
  for (const auto &e : events) {
    if (e.event.type == t) out.push_back(&e);
  }
  return out;
}

std::vector<std::pair<Nanos, Nanos>> SimResult::bot_audio_spans(int sample_rate) const {
  std::vector<std::pair<Nanos, Nanos>> spans;
  const size_t frame = audio::samples_per_frame(sample_rate, 20);
  bool in = false;
  Nanos start = 0;
  for (size_t i = 0; i * frame < outbound.size(); ++i) {
    bool loud = false;
    for (size_t k = i * frame; k < std::min(outbound.size(), (i + 1) * frame); ++k) {
      if (outbound[k] != 0) {
        loud = true;
        break;
      }
    }
    const Nanos t = static_cast<Nanos>(i + 1) * kFrame;  // frame i is pulled at the tick that ends it
    if (loud && !in) {
      in = true;
      start = t;
    } else if (!loud && in) {
      in = false;
      spans.emplace_back(start, t);
    }
  }
  if (in) spans.emplace_back(start, static_cast<Nanos>(outbound.size() / frame + 1) * kFrame);
  return spans;
}

// ---- simulator ----

CallSimulator::CallSimulator(session::SessionConfig config, CallerScript script)
    : cfg_(std::move(config)), script_(std::move(script)) {}

TranscriptSource transcript_of(std::vector<CallerScript::Speech> speech) {
  // Words of every utterance that overlaps [from, to] by at least half its length or 300 ms.
  return [speech = std::move(speech)](Nanos from, Nanos to) {
    std::string out;
    for (const auto &s : speech) {
      const Nanos a = std::max(from, s.at), b = std::min(to, s.at + s.duration);
      if (b - a < std::min(s.duration / 2, millis(300)) || s.text.empty()) continue;
      if (!out.empty()) out.push_back(' ');
      out += s.text;
    }
    return out;
  };
}

TranscriptSource CallSimulator::transcript_source() const { return transcript_of(script_.speech); }

void CallSimulator::make_caller_frame(Nanos t, std::vector<int16_t> &frame) {
  const size_t n = audio::samples_per_frame(cfg_.sample_rate, 20);
  frame.assign(n, 0);
  // Speech of the frame that ends at t.
  const Nanos start = t - kFrame;
  for (size_t i = 0; i < script_.speech.size(); ++i) {
    const auto &s = script_.speech[i];
    if (start + kFrame <= s.at || start >= s.at + s.duration) continue;
    std::vector<int16_t> sig;
    const auto offset = static_cast<size_t>((start - s.at) / kNanosPerMilli) * static_cast<size_t>(cfg_.sample_rate) / 1000;
    speech_like(sig, offset, n, cfg_.sample_rate, s.level_dbfs, static_cast<uint32_t>(i + 1));
    for (size_t k = 0; k < n; ++k) frame[k] = static_cast<int16_t>(std::clamp(frame[k] + sig[k], -32767, 32767));
  }
  if (script_.echo) {
    const double gain = std::pow(10.0, script_.echo_db / 20.0);
    const auto delay = static_cast<size_t>(script_.echo_delay / kNanosPerMilli) * static_cast<size_t>(cfg_.sample_rate) / 1000;
    // outbound_ holds everything pulled up to the previous frame; this frame's echo is the bot's
    // audio from `delay` earlier.
    const size_t end = outbound_.size();
    for (size_t k = 0; k < n; ++k) {
      const auto idx = static_cast<std::ptrdiff_t>(end) - static_cast<std::ptrdiff_t>(n) + static_cast<std::ptrdiff_t>(k) -
                       static_cast<std::ptrdiff_t>(delay);
      if (idx < 0 || idx >= static_cast<std::ptrdiff_t>(end)) continue;
      const double v = frame[k] + gain * outbound_[static_cast<size_t>(idx)];
      frame[k] = static_cast<int16_t>(std::clamp(v, -32767.0, 32767.0));
    }
  }
}

SimResult CallSimulator::run(Nanos until) {
  SimResult result;
  session_ = std::make_unique<session::Session>(cfg_, providers_, [&](const session::Event &e) {
    result.events.push_back({sched_.now(), e});
    if (e.type == session::Event::Type::transfer_requested) {
      const size_t k = static_cast<size_t>(std::count_if(result.events.begin(), result.events.end(), [](const TimedEvent &x) {
        return x.event.type == session::Event::Type::transfer_requested;
      }));
      const bool ok = k <= script_.transfer_results.size() ? script_.transfer_results[k - 1] : true;
      sched_.after(script_.transfer_delay, [this, ok] { session_->push_transfer_result(ok); });
    }
  });
  if (record_) (void)session_->start_recording();
  for (const auto &[t, d] : script_.dtmf) {
    const char digit = d;
    sched_.at(t, [this, digit] { session_->push_dtmf(digit); });
  }
  if (script_.hangup_at != kNever) sched_.at(script_.hangup_at, [this] { session_->push_hangup(); });

  const size_t n = audio::samples_per_frame(cfg_.sample_rate, 20);
  std::vector<int16_t> in, out(n);
  // A frame of caller audio arrives, and one is pulled, at every tick: 20 ms, 40 ms, ...
  Nanos next_tick = kFrame;
  Nanos last_process = 0;
  session_->process(0);
  ++result.process_calls;
  while (next_tick <= until && !session_->ended()) {
    Nanos deadline = session_->next_deadline();
    if (deadline <= last_process) {
      // process() already ran at that time: a deadline that does not move is a session bug.
      ++result.stuck_deadlines;
      deadline = kNever;
    }
    const Nanos next = std::min({next_tick, sched_.next_time(), deadline});
    sched_.run_until(next);
    if (session_->ended()) break;
    if (next == next_tick) {
      make_caller_frame(next_tick, in);
      session_->push_audio(in);
      session_->process(next_tick);
      ++result.process_calls;
      last_process = next_tick;
      if (session_->ended()) break;
      // Played as the hosts report it: the frames that carried the bot's audio.
      if (session_->pull(out)) session_->push_played(n);
      outbound_.insert(outbound_.end(), out.begin(), out.end());
      next_tick += kFrame;
    } else {
      session_->process(next);
      ++result.process_calls;
      last_process = next;
    }
  }
  if (record_) result.recording = session_->stop_recording();
  result.outbound = outbound_;
  result.final_state = session_->state();
  if (session_->ended()) result.ended_at = sched_.now();
  return result;
}

}  // namespace ca::testkit
