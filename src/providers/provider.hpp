// The provider interfaces: speech recognition, speech synthesis, language model, tools.
//
// Every call is asynchronous and returns at once. Results go to a sink, which may be called from
// any thread (a provider's own worker, an event loop, or the caller's thread for instant fakes);
// the session's sinks only enqueue into its mailbox. A sink is held by shared_ptr so a result
// that arrives after the call ended is dropped safely. Requests carry ids the session allocates;
// cancel() with an unknown or finished id is a no-op. Providers never block the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/message.hpp"

namespace ca::providers {

using RequestId = uint64_t;

// ---- the words of a deployment's domain ----

// What callers name in a deployment, written as its data writes them (any script): a catalogue's
// brands and models, the cities and stations, the cars. Tools report it from their data; when a
// configuration is built, every tool's is handed to every recogniser, which builds its model from
// it (pocketsphinx) or sends it as phrase hints.
struct SpeechVocabulary {
  std::vector<std::string> brands;    // "Michelin"
  std::vector<std::string> models;    // "X-Ice North 4"
  std::vector<std::string> sizes;     // "205/55 R16"
  std::vector<std::string> cities;    // "Київ"
  std::vector<std::string> places;    // districts and named places in them: "Оболонь", "ШинСервіс Оболонь"
  std::vector<std::string> vehicles;  // makes, and models with their make: "Toyota", "Toyota Camry"

  bool empty() const;
  // Appends `other`'s entries that are not already here.
  void merge(const SpeechVocabulary &other);
  // Every entry once, for providers that take a flat list of phrases.
  std::vector<std::string> phrases() const;
};

// ---- speech recognition: one stream per caller utterance ----

struct SttParams {
  RequestId id = 0;
  int sample_rate = 8000;
  std::string language = "uk";           // BCP-47 primary ("uk", "ru", "en")
  std::vector<std::string> alternatives;  // other languages the caller may speak
  std::vector<std::string> hints;         // phrase hints
};

struct SttEvent {
  enum class Type : uint8_t {
    interim,  // a hypothesis that may still change
    final,    // a stable transcript of a segment; an utterance may have several
    done,     // the stream is finished: no more events for this id
    error,    // the stream failed; `text` says why; no more events follow
  };
  Type type = Type::interim;
  std::string text;
  double confidence = 0;
  std::string language;
};

class SttSink {
 public:
  virtual ~SttSink() = default;
  virtual void on_stt(RequestId stream, SttEvent event) = 0;
};

class SttProvider {
 public:
  virtual ~SttProvider() = default;
  virtual std::string_view name() const = 0;
  virtual void open(const SttParams &params, std::shared_ptr<SttSink> sink) = 0;
  // Audio at the stream's rate, in order. The provider copies what it keeps.
  virtual void push(RequestId stream, std::span<const int16_t> pcm) = 0;
  // No more audio: deliver the last final(s), then `done`.
  virtual void finish(RequestId stream) = 0;
  virtual void cancel(RequestId stream) = 0;
  // The deployment's words (see SpeechVocabulary), given when the configuration is built, before
  // the first stream; a provider that cannot use them ignores them.
  virtual void use_vocabulary(const SpeechVocabulary &vocabulary) { (void)vocabulary; }
};

// ---- speech synthesis: one request per clause ----

struct TtsRequest {
  RequestId id = 0;
  std::string text;
  std::string language = "uk";
  std::string voice;     // provider-specific; empty: the provider's default for the language
  int sample_rate = 8000;  // preferred; the provider may answer at another rate (the session resamples)
};

class TtsSink {
 public:
  virtual ~TtsSink() = default;
  // PCM as it is produced, in order; any chunk size.
  virtual void on_tts_audio(RequestId id, std::span<const int16_t> pcm, int sample_rate) = 0;
  virtual void on_tts_done(RequestId id) = 0;
  virtual void on_tts_error(RequestId id, std::string message) = 0;
};

class TtsProvider {
 public:
  virtual ~TtsProvider() = default;
  virtual std::string_view name() const = 0;
  virtual void synthesize(const TtsRequest &request, std::shared_ptr<TtsSink> sink) = 0;
  virtual void cancel(RequestId id) = 0;
};

// ---- language model: one request per round ----

struct LlmRequest {
  RequestId id = 0;
  std::string system_prompt;
  std::vector<agent::Message> messages;
  std::vector<agent::ToolSchema> tools;
};

struct LlmUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

class LlmSink {
 public:
  virtual ~LlmSink() = default;
  virtual void on_llm_text(RequestId id, std::string_view delta) = 0;
  virtual void on_llm_tool_call(RequestId id, agent::ToolCall call) = 0;
  virtual void on_llm_done(RequestId id, LlmUsage usage) = 0;
  virtual void on_llm_error(RequestId id, std::string message) = 0;
};

class LlmProvider {
 public:
  virtual ~LlmProvider() = default;
  virtual std::string_view name() const = 0;
  virtual void start(const LlmRequest &request, std::shared_ptr<LlmSink> sink) = 0;
  virtual void cancel(RequestId id) = 0;
};

// ---- tools ----

struct ToolSpec {
  std::string name;
  std::string description;
  std::string parameters_json = R"({"type":"object","properties":{}})";
  bool side_effecting = false;  // never cancelled by a barge-in; idempotency key on every call
  std::string wait_phrase;      // said while it runs; empty: the generic one
};

struct ToolContext {
  std::string call_id;          // the phone call
  std::string caller_number;
  std::string idempotency_key;  // derived from (call, tool, canonical arguments)
};

struct ToolResult {
  bool ok = true;
  std::string json;  // the result (or error) as a JSON value
  // What the call should do once the result is in: a transfer tool asks for an operator.
  enum class Action : uint8_t { none, transfer, hangup } action = Action::none;
  std::string action_reason;
};

class ToolSink {
 public:
  virtual ~ToolSink() = default;
  virtual void on_tool_result(RequestId invocation, ToolResult result) = 0;
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const ToolSpec &spec() const = 0;
  virtual void invoke(RequestId invocation, std::string_view arguments_json, const ToolContext &context,
                      std::shared_ptr<ToolSink> sink) = 0;
  // Only tools that are not side-effecting are ever cancelled.
  virtual void cancel(RequestId invocation) = 0;
  // The words callers use for this tool's arguments, from its data (a search tool's brands and
  // models). Asked once, when the configuration is built; may block on the tool's backend then.
  virtual SpeechVocabulary speech_vocabulary() { return {}; }
};

}  // namespace ca::providers
