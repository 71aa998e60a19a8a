// callagent chat: a text conversation with the configured agent — its LLM, system prompt and tools,
// the same conversation window and PII masking as a call — for trying prompts and tools without a
// phone. Lines come from the terminal (or a pipe); each reply, tool call and result is printed.
#include <callagent/callagent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>

#include "agent/conversation.hpp"
#include "agent/pii_vault.hpp"
#include "agent/tool_key.hpp"
#include "capi/capi_internal.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/offline.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "session/llm_request.hpp"
#include "session/session.hpp"

namespace ca::cli {

namespace {

const std::vector<OptionSpec> kChatOptions = {
    {"config", "FILE", "plug-ins and settings (default: the offline agent: rule-based, the tyre shop's tools)"},
    {"llm", "NAME", "the [llm.NAME] to talk to (default: [session] llm)"},
    {"lang", "uk|ru|en", "the offline agent's language (without --config; default uk)"},
    {"caller", "NUMBER", "the caller's number the tools see (default +380501234567)"},
    {"work-dir", "DIR", "where the offline agent's store and knowledge base go (default: a temp dir)"},
    {"timeout", "SECONDS", "the longest wait for one LLM round or tool (default 60)"},
    {"help", "", "this text"},
};

constexpr const char *kChatDescription =
    "A text conversation with the agent from the terminal: type what a caller would say; the agent\n"
    "answers with the configured LLM, system prompt and tools, exactly as in a call (the same\n"
    "conversation window and PII masking), and every tool call and result is shown. Reads lines\n"
    "from standard input, so a conversation can be piped in. An empty line or end of input ends it.";

// Collects one LLM round.
struct Round final : providers::LlmSink {
  std::mutex mu;
  std::condition_variable cv;
  std::string text;
  std::vector<agent::ToolCall> calls;
  std::optional<std::string> error;
  bool done = false;

  void on_llm_text(providers::RequestId, std::string_view delta) override {
    std::lock_guard lock(mu);
    text.append(delta);
  }
  void on_llm_tool_call(providers::RequestId, agent::ToolCall call) override {
    std::lock_guard lock(mu);
    calls.push_back(std::move(call));
  }
  void on_llm_done(providers::RequestId, providers::LlmUsage) override {
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  }
  void on_llm_error(providers::RequestId, std::string message) override {
    std::lock_guard lock(mu);
    error = std::move(message);
    done = true;
    cv.notify_all();
  }
};

struct ToolWait final : providers::ToolSink {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<providers::ToolResult> result;
  void on_tool_result(providers::RequestId, providers::ToolResult r) override {
    std::lock_guard lock(mu);
    result = std::move(r);
    cv.notify_all();
  }
};

class Chat {
 public:
  Chat(std::shared_ptr<providers::LlmProvider> llm, std::vector<std::shared_ptr<providers::Tool>> tools,
       const session::SessionConfig &cfg, std::chrono::seconds timeout)
      : llm_(std::move(llm)), tools_(std::move(tools)), cfg_(cfg), timeout_(timeout) {}

  // One caller line: LLM rounds and tools until the agent answers in words. False when the call
  // would end here (a transfer or hang-up, or the LLM failed).
  bool say(const std::string &line) {
    conversation_.add_user(line);
    for (int round = 0; round <= cfg_.max_tool_rounds; ++round) {
      auto r = std::make_shared<Round>();
      llm_->start(request(), r);
      std::unique_lock lock(r->mu);
      if (!r->cv.wait_for(lock, timeout_, [&] { return r->done; })) {
        llm_->cancel(next_id_ - 1);
        std::printf("  [llm] no answer in %lld s\n", static_cast<long long>(timeout_.count()));
        return false;
      }
      if (r->error) {
        std::printf("  [llm] error: %s\n", r->error->c_str());
        return false;
      }
      const std::string text = cfg_.pii_masking ? vault_.restore(r->text) : r->text;
      std::vector<agent::ToolCall> calls = r->calls;
      for (auto &c : calls) {
        if (cfg_.pii_masking) c.arguments_json = vault_.restore(c.arguments_json);
      }
      if (!text.empty()) std::printf("bot: %s\n", text.c_str());
      conversation_.add_assistant(text, calls);
      if (calls.empty()) return true;
      bool go_on = true;
      for (const auto &c : calls) go_on = run_tool(c) && go_on;
      if (!go_on) return false;
    }
    std::printf("  [agent] still calling tools after %d rounds\n", cfg_.max_tool_rounds);
    return true;
  }

 private:
  providers::LlmRequest request() {
    session::LlmRequestInput in;
    in.conversation = &conversation_;
    in.window = cfg_.history_window;
    in.system_prompt = cfg_.system_prompt;
    if (cfg_.pii_masking) in.vault = &vault_;
    in.tools = &tools_;
    providers::LlmRequest r = session::build_llm_request(in);
    r.id = next_id_++;
    return r;
  }

  bool run_tool(const agent::ToolCall &call) {
    std::printf("  tool: %s %s\n", call.name.c_str(), call.arguments_json.c_str());
    providers::Tool *tool = nullptr;
    for (const auto &t : tools_) {
      if (t->spec().name == call.name) tool = t.get();
    }
    std::string result_json;
    bool ok = false;
    providers::ToolResult::Action action = providers::ToolResult::Action::none;
    if (tool == nullptr) {
      result_json = R"({"error":"unknown tool"})";
    } else {
      providers::ToolContext ctx;
      ctx.call_id = cfg_.call_id;
      ctx.caller_number = cfg_.caller_number;
      ctx.idempotency_key = agent::idempotency_key(cfg_.call_id, call);
      auto wait = std::make_shared<ToolWait>();
      tool->invoke(next_id_++, call.arguments_json, ctx, wait);
      std::unique_lock lock(wait->mu);
      if (!wait->cv.wait_for(lock, timeout_, [&] { return wait->result.has_value(); })) {
        result_json = R"({"error":"the tool did not answer in time"})";
      } else {
        result_json = wait->result->json;
        ok = wait->result->ok;
        action = wait->result->action;
      }
    }
    std::printf("    -> %s%s\n", ok ? "" : "error: ", result_json.c_str());
    std::string masked = result_json;
    if (cfg_.pii_masking) {
      if (auto parsed = json::parse(result_json)) masked = json::dump(vault_.mask_in_json(std::move(parsed).value()));
    }
    conversation_.add_tool_result(call, masked, !ok);
    if (action == providers::ToolResult::Action::transfer) {
      std::printf("  [call] transferred to an operator\n");
      return false;
    }
    if (action == providers::ToolResult::Action::hangup) {
      std::printf("  [call] the agent hangs up\n");
      return false;
    }
    return true;
  }

  std::shared_ptr<providers::LlmProvider> llm_;
  std::vector<std::shared_ptr<providers::Tool>> tools_;
  session::SessionConfig cfg_;
  std::chrono::seconds timeout_;
  agent::Conversation conversation_;
  agent::PiiVault vault_;
  providers::RequestId next_id_ = 1;
};

}  // namespace

int cmd_chat(int argc, char **argv) {
  Args args;
  if (!args.parse(argc, argv, 2, kChatOptions)) {
    std::fprintf(stderr, "callagent chat: %s (see --help)\n", args.error().c_str());
    return 2;
  }
  if (args.has("help")) {
    std::fputs(format_help("callagent chat [options]", kChatDescription, kChatOptions).c_str(), stdout);
    return 0;
  }
  int64_t timeout = 60;
  if (!args.get_int("timeout", 1, 3600, timeout)) {
    std::fprintf(stderr, "callagent chat: %s\n", args.error().c_str());
    return 2;
  }
  const std::string lang = args.get("lang").value_or("uk");
  if (lang != "uk" && lang != "ru" && lang != "en") {
    std::fprintf(stderr, "callagent chat: --lang must be uk, ru or en\n");
    return 2;
  }
  log::set_level(log::Level::warn);
  std::string config = args.get("config").value_or("");
  std::optional<OfflineWorkDir> work_dir;
  if (config.empty()) {
    auto made = OfflineWorkDir::make(args.get("work-dir").value_or(""), "callagent-chat");
    if (!made) {
      std::fprintf(stderr, "callagent chat: %s\n", made.error().message.c_str());
      return 1;
    }
    work_dir.emplace(std::move(made).value());
    auto written = write_offline_config(OfflineSetup{lang, work_dir->path()});
    if (!written) {
      std::fprintf(stderr, "callagent chat: %s\n", written.error().message.c_str());
      return 1;
    }
    config = *written;
  }
  ca_engine_t *raw = nullptr;
  if (ca_engine_create(nullptr, &raw) != CA_OK || ca_engine_load_config(raw, config.c_str()) != CA_OK) {
    std::fprintf(stderr, "callagent chat: %s\n", ca_last_error());
    ca_engine_destroy(raw);
    return 1;
  }
  std::unique_ptr<ca_engine_t, void (*)(ca_engine_t *)> engine(raw, ca_engine_destroy);
  capi::Engine *e = capi::from(raw);

  session::SessionConfig cfg = e->session_defaults ? *e->session_defaults : session::SessionConfig{};
  cfg.call_id = "chat-" + std::to_string(::getpid());
  cfg.caller_number = args.get("caller").value_or("+380501234567");
  std::shared_ptr<providers::LlmProvider> llm;
  std::vector<std::shared_ptr<providers::Tool>> tools;
  {
    std::lock_guard lock(e->mu);
    const std::string name = args.get("llm").value_or(e->default_llm);
    if (auto it = e->llm.find(name); it != e->llm.end()) llm = it->second;
    if (!llm) {
      std::fprintf(stderr, "callagent chat: no LLM named \"%s\" in %s\n", name.c_str(), config.c_str());
      return 1;
    }
    for (const auto &t : e->tools) {
      const auto &wanted = e->default_tools;
      if (wanted.empty() || std::find(wanted.begin(), wanted.end(), t->spec().name) != wanted.end()) tools.push_back(t);
    }
  }
  const bool interactive = ::isatty(0) != 0;
  if (interactive) {
    std::printf("callagent chat: %zu tools; an empty line ends the conversation\n", tools.size());
  }
  Chat chat(std::move(llm), std::move(tools), cfg, std::chrono::seconds(timeout));
  std::string line;
  while (true) {
    if (interactive) {
      std::printf("you> ");
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line) || line.empty()) break;
    if (!interactive) std::printf("you: %s\n", line.c_str());
    const bool go_on = chat.say(line);
    std::fflush(stdout);
    if (!go_on) break;
  }
  return 0;
}

}  // namespace ca::cli
