// Embedding a session in your own telephony loop, in C++ with callagent.hpp: plug-ins written as
// C++ classes, your clock driving push / process / pull every 20 ms. Here the "line" is a loop over
// a virtual clock and the caller is a tone burst; in a real host the frames come from the network.
//
// Build: c++ -std=c++17 own_loop.cpp $(pkg-config --cflags --libs callagent)
#include <callagent/callagent.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr int kRate = 8000;
constexpr size_t kFrame = kRate / 50;

// Recognises any utterance as one sentence, delivered when the session finishes the stream.
class FixedStt final : public callagent::SttPlugin {
 public:
  void open(uint64_t stream, const callagent::SttParams &, callagent::SttSink sink) override {
    sinks_.emplace(stream, std::move(sink));
  }
  void push(uint64_t, const int16_t *, size_t) override {}
  void finish(uint64_t stream) override {
    auto it = sinks_.find(stream);
    if (it == sinks_.end()) return;
    (void)it->second.final("how much is fitting for sixteen inch wheels", 0.9);
    (void)it->second.done();
    sinks_.erase(it);
  }
  void cancel(uint64_t stream) override { sinks_.erase(stream); }

 private:
  std::map<uint64_t, callagent::SttSink> sinks_;
};

// Speaks each clause as a 440 Hz tone, 30 ms per character.
class ToneTts final : public callagent::TtsPlugin {
 public:
  void synthesize(uint64_t, const callagent::TtsRequest &r, callagent::TtsSink sink) override {
    std::vector<int16_t> pcm(r.text.size() * kRate * 30 / 1000);
    for (size_t i = 0; i < pcm.size(); ++i) {
      pcm[i] = static_cast<int16_t>(3000 * std::sin(2 * M_PI * 440 * static_cast<double>(i) / kRate));
    }
    (void)sink.audio(pcm, kRate);
    (void)sink.done();
  }
};

// Looks the price up with a tool, then says it.
class PriceLlm final : public callagent::LlmPlugin {
 public:
  void start(uint64_t, const callagent::LlmRequest &r, callagent::LlmSink sink) override {
    if (r.messages.back().role == callagent::Role::tool) {
      (void)sink.text("Fitting for sixteen inch wheels costs " + r.messages.back().text + " hryvnias for four.");
    } else {
      (void)sink.tool_call("c1", "get_fitting_price", R"({"tire_diameter":16})");
    }
    (void)sink.done();
  }
};

class PriceTool final : public callagent::ToolPlugin {
 public:
  void invoke(uint64_t, const std::string &, const callagent::ToolContext &, callagent::ToolSink sink) override {
    (void)sink.result(true, "800");
  }
};

}  // namespace

int main() {
  callagent::Engine engine;
  if (auto st = callagent::Engine::create(engine); !st) return std::fprintf(stderr, "%s\n", st.detail().c_str()), 1;
  callagent::ToolSpec price;
  price.name = "get_fitting_price";
  price.description = "Price of fitting four tyres";
  price.parameters_json = R"({"type":"object"})";
  for (const callagent::Status &st :
       {engine.register_stt("fixed", std::make_shared<FixedStt>()), engine.register_tts("tone", std::make_shared<ToneTts>()),
        engine.register_llm("price", std::make_shared<PriceLlm>()),
        engine.register_tool(price, std::make_shared<PriceTool>())}) {
    if (!st) return std::fprintf(stderr, "register: %s\n", st.detail().c_str()), 1;
  }

  callagent::SessionOptions o;
  o.language = "en";
  o.greeting = "Tyre shop, hello.";
  o.stt = "fixed";
  o.tts = "tone";
  o.llm = "price";
  o.on_event = [](const callagent::Event &e) {
    const double t = static_cast<double>(e.time_ns) / 1e9;
    if (e.type == CA_EVENT_CALLER_TURN) std::printf("%6.2f  caller: %.*s\n", t, int(e.text.size()), e.text.data());
    if (e.type == CA_EVENT_BOT_CLAUSE) std::printf("%6.2f  bot:    %.*s\n", t, int(e.text.size()), e.text.data());
    if (e.type == CA_EVENT_TOOL_STARTED) std::printf("%6.2f  tool:   %.*s\n", t, int(e.text.size()), e.text.data());
  };
  callagent::Session session;
  if (auto st = callagent::Session::create(engine, std::move(o), session); !st) {
    return std::fprintf(stderr, "session: %s\n", st.detail().c_str()), 1;
  }

  // The caller speaks from 3.0 s to 4.5 s; the loop runs 10 s of call on the virtual clock.
  std::vector<int16_t> in(kFrame), out;
  int audible_frames = 0;
  for (int64_t ms = 0; ms < 10000; ms += 20) {
    const bool speaking = ms >= 3000 && ms < 4500;
    for (size_t i = 0; i < kFrame; ++i) {
      const double t = static_cast<double>(ms) / 1000 + static_cast<double>(i) / kRate;
      const double env = 0.55 + 0.45 * std::sin(2 * M_PI * 4 * t);
      in[i] = speaking ? static_cast<int16_t>(4000 * env * std::sin(2 * M_PI * 180 * t)) : 0;
    }
    bool has_audio = false;
    if (!session.push_audio(in) || !session.process(ms * 1'000'000) || !session.pull_audio(out, has_audio)) return 1;
    if (has_audio) {
      ++audible_frames;
      (void)session.push_played(kFrame);  // a real host reports what actually left for the caller
    }
  }
  ca_session_stats stats;
  (void)session.stats(stats);
  std::printf("turns %llu, tool calls %llu, audible frames %d\n", static_cast<unsigned long long>(stats.turns),
              static_cast<unsigned long long>(stats.tool_calls), audible_frames);
  return stats.turns == 1 && stats.tool_calls == 1 ? 0 : 1;
}
