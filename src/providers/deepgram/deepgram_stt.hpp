// Speech recognition with Deepgram live over a WebSocket ({base}/v1/listen), one connection per
// utterance stream, on libwebsockets running on the NetRuntime's libuv loop (a foreign loop: no
// thread of its own, no thread per call).
//
// open() connects: linear16 at the call's rate, mono, the stream's language, interim results,
// endpointing and utterance_end_ms, the model, `Authorization: Token KEY` on the upgrade request.
// Audio pushed before the connection is up is queued (up to max_queued_seconds) and sent in order
// as binary frames. While no audio flows a {"type":"KeepAlive"} text frame goes every
// keepalive_interval (Deepgram drops a connection after 10 s without either).
//
// Results: `is_final:false` → interim; `is_final:true` → a final for that segment (an utterance
// usually has several; empty transcripts are skipped). The utterance ends at a final with
// `speech_final:true`, or at `UtteranceEnd` when no speech_final came (noisy lines): the provider
// then stops sending audio and closes the stream itself as finish() does. finish() sends
// {"type":"CloseStream"}; Deepgram flushes its last results and closes; `done` follows the close
// (or close_timeout, whichever first). cancel() closes the connection at once; nothing reaches the
// sink after it returns.
//
// Errors: a refused upgrade (401, 429, 5xx: no retry — a live stream cannot wait), a connection
// lost, a close frame other than the normal one after CloseStream (its reason carries Deepgram's
// code, e.g. NET-0001) each become one error event. Keys are masked in every error text.
//
// Threads: open/push/finish/cancel from any thread; they post to the loop. Events reach the sink
// on the loop thread. Destroy the provider from any thread but its loop's: the destructor tears
// the connections and the libwebsockets context down on the loop and waits until it is gone.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "providers/net_runtime.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"
#include "providers/speech_vocabulary.hpp"

namespace ca::providers {

struct DeepgramSttOptions {
  std::string base_url = "wss://api.deepgram.com";  // ws:// or wss://, without a trailing '/'
  std::string api_key;
  std::string model = "nova-2";  // nova-2 has Ukrainian and Russian; nova-3 has them since late 2025
  int endpointing_ms = 300;      // silence that makes a final speech_final
  int utterance_end_ms = 1000;   // the UtteranceEnd fallback (needs interim results)
  bool punctuate = true;
  bool smart_format = false;
  bool hints = true;  // the stream's phrase hints as keyterm (nova-3) or keywords (older models)
  Nanos keepalive_interval = seconds(4);
  Nanos connect_timeout = seconds(10);
  Nanos close_timeout = seconds(5);  // after CloseStream, for the last results and the close
  size_t max_queued_seconds = 30;    // audio held while connecting; beyond it is dropped
  std::string ca_file;               // PEM CAs instead of the system store
};

// The path and query of the upgrade request for a stream.
std::string deepgram_listen_target(const DeepgramSttOptions &options, const SttParams &params);

class DeepgramStt final : public SttProvider {
 public:
  DeepgramStt(std::shared_ptr<NetRuntime> runtime, DeepgramSttOptions options);
  ~DeepgramStt() override;
  DeepgramStt(const DeepgramStt &) = delete;
  DeepgramStt &operator=(const DeepgramStt &) = delete;

  std::string_view name() const override { return "deepgram"; }
  void open(const SttParams &params, std::shared_ptr<SttSink> sink) override;
  void push(RequestId stream, std::span<const int16_t> pcm) override;
  void finish(RequestId stream) override;
  void cancel(RequestId stream) override;
  // Sent as keyterms (nova-3) or keywords with each stream's own hints, when `hints` is on.
  void use_vocabulary(const SpeechVocabulary &vocabulary) override { hints_.set(vocabulary); }

  struct Impl;

 private:
  std::shared_ptr<NetRuntime> runtime_;
  PhraseHints hints_;
  Impl *impl_;  // lives on the loop; deleted there once libwebsockets has let go of it
};

// [stt.NAME] type = "deepgram": options base_url (default wss://api.deepgram.com), api_key_env
// (default DEEPGRAM_API_KEY; required), api_key, model, endpointing_ms, utterance_end_ms,
// punctuate, smart_format, hints, keepalive_ms, connect_timeout_ms, close_timeout_ms, ca_file.
Result<std::shared_ptr<SttProvider>> make_deepgram_stt(const FactoryArgs &args);

}  // namespace ca::providers
