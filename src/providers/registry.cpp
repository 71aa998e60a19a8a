#include "providers/registry.hpp"

#include <algorithm>

#include "agent/rule_agent/rule_agent.hpp"
#include "providers/anthropic/anthropic_llm.hpp"
#include "providers/deepgram/deepgram_stt.hpp"
#include "providers/elevenlabs/elevenlabs_tts.hpp"
#include "providers/espeak/espeak_tts.hpp"
#include "providers/google/google_stt.hpp"
#include "providers/google/google_tts.hpp"
#include "providers/llm_fallback.hpp"
#include "providers/openai/openai_llm.hpp"
#include "providers/openai/openai_stt.hpp"
#include "providers/openai/openai_tts.hpp"
#include "providers/pocketsphinx/sphinx_stt.hpp"
#include "text/lang.hpp"
#include "tools/tyre_tools.hpp"


namespace ca::providers {

namespace {

// [llm.NAME] type = "rule_based": language = "uk" | "ru" | "en" (when the caller's words do not
// tell), time_zone = "Europe/Kyiv" (what "tomorrow" means).
Result<std::shared_ptr<LlmProvider>> make_rule_agent(const FactoryArgs &a) {
  if (auto ok = check_option_keys(a, {"language", "time_zone"}); !ok) return ok.error();
  agent::RuleAgentOptions o;
  if (const json::Value *lang = a.options.find("language")) {
    const std::string_view tag = lang->str();
    if (!lang->is_string() || (tag != "uk" && tag != "ru" && tag != "en")) {
      return make_error(Errc::config, a.where + ": " + a.name + ": language must be \"uk\", \"ru\" or \"en\"");
    }
    o.language = text::parse_lang(tag);
  }
  if (const json::Value *tz = a.options.find("time_zone")) {
    if (!tz->is_string() || tz->str().empty()) {
      return make_error(Errc::config, a.where + ": " + a.name + ": time_zone must be an IANA zone name");
    }
    o.time_zone = std::string(tz->str());
  }
  o.clock = [] { return std::chrono::system_clock::now(); };
  return std::shared_ptr<LlmProvider>(std::make_shared<agent::RuleAgent>(std::move(o)));
}

FactoryRegistry make_builtins() {
  FactoryRegistry r;
  r.tts["espeak"] = make_espeak_tts;
  r.tts["openai"] = make_openai_tts_factory;
  r.tts["google"] = make_google_tts_factory;
  r.tts["elevenlabs"] = make_elevenlabs_tts_factory;
  r.stt["pocketsphinx"] = make_sphinx_stt;
  r.stt["openai"] = make_openai_stt_from_args;
  r.stt["google"] = make_google_stt_from_args;
  r.stt["deepgram"] = make_deepgram_stt;
  r.llm.emplace("rule_based", make_rule_agent);
  r.llm.emplace("anthropic", make_anthropic_llm);
  r.llm.emplace("openai", make_openai_llm);
  r.llm.emplace("fallback", [](const FactoryArgs &a) { return make_llm_fallback(a, a.find_llm); });
  r.tools.emplace("tyre_shop", [](const FactoryArgs &a) {
    return tools::make_tyre_tools_from_options(a.where + ": [tools." + a.name + "]", a.options);
  });
  return r;
}

}  // namespace

const FactoryRegistry &builtin_factories() {
  static const FactoryRegistry registry = make_builtins();
  return registry;
}

Result<void> check_option_keys(const FactoryArgs &args, std::initializer_list<std::string_view> known) {
  for (const auto &[key, value] : args.options.members()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return make_error(Errc::config, args.where + ": " + args.name + ": unknown option \"" + key + "\"" +
                                          (list.empty() ? std::string(" (it takes none)") : " (known: " + list + ")"));
    }
  }
  return {};
}

Result<std::string> string_option(const FactoryArgs &args, std::string_view key, std::string fallback) {
  const json::Value *v = args.options.find(key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) {
    return make_error(Errc::config, args.where + ": " + args.name + ": " + std::string(key) + " must be a string");
  }
  return v->as_string();
}

Result<int64_t> int_option(const FactoryArgs &args, std::string_view key, int64_t fallback, int64_t min, int64_t max) {
  const json::Value *v = args.options.find(key);
  if (v == nullptr) return fallback;
  if (!v->is_integer() || v->as_int() < min || v->as_int() > max) {
    return make_error(Errc::config, args.where + ": " + args.name + ": " + std::string(key) + " must be an integer from " +
                                        std::to_string(min) + " to " + std::to_string(max));
  }
  return v->as_int();
}

Result<double> number_option(const FactoryArgs &args, std::string_view key, double fallback, double min, double max,
                             bool *present) {
  const json::Value *v = args.options.find(key);
  if (present != nullptr) *present = v != nullptr;
  if (v == nullptr) return fallback;
  if (!v->is_number() || v->as_double() < min || v->as_double() > max) {
    char range[64];
    std::snprintf(range, sizeof range, " must be a number from %g to %g", min, max);
    return make_error(Errc::config, args.where + ": " + args.name + ": " + std::string(key) + range);
  }
  return v->as_double();
}

}  // namespace ca::providers
