// Factories: how a plug-in named in the configuration ([llm.NAME] type = "rule_based") is built.
//
// A factory takes the section's options (JSON, `type` removed) and returns the provider, or an
// error that names what is wrong with the options. The library's own types are listed in
// builtin_factories(); an engine can add or override types (the C API's ca_engine_register_factory).
// Factories run when a configuration is loaded, never on a session's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "providers/provider.hpp"

namespace ca::providers {

struct FactoryArgs {
  std::string name;      // the instance's name: NAME of [llm.NAME]
  json::Value options;   // the section without `type`: an object
  std::string where;     // "file:line" of the section, for messages
  // An [llm.*] provider built from an earlier section (or registered by the application), by
  // name; null when there is none. For chains ("fallback"); may be empty.
  std::function<std::shared_ptr<LlmProvider>(std::string_view name)> find_llm = nullptr;
};

using SttFactory = std::function<Result<std::shared_ptr<SttProvider>>(const FactoryArgs &)>;
using TtsFactory = std::function<Result<std::shared_ptr<TtsProvider>>(const FactoryArgs &)>;
using LlmFactory = std::function<Result<std::shared_ptr<LlmProvider>>(const FactoryArgs &)>;
// A tools section may build several tools at once (a tool pack).
using ToolsFactory = std::function<Result<std::vector<std::shared_ptr<Tool>>>(const FactoryArgs &)>;

struct FactoryRegistry {
  std::map<std::string, SttFactory, std::less<>> stt;
  std::map<std::string, TtsFactory, std::less<>> tts;
  std::map<std::string, LlmFactory, std::less<>> llm;
  std::map<std::string, ToolsFactory, std::less<>> tools;
};

// The library's own types (built once, then only read).
const FactoryRegistry &builtin_factories();

// Helpers for factories: options that are not expected are errors, so a typo is not ignored.
// `known` lists the accepted keys; the error names the first unknown one and the section.
Result<void> check_option_keys(const FactoryArgs &args, std::initializer_list<std::string_view> known);

// Typed options: `fallback` when absent; a value of the wrong type or out of [min, max] is an error
// naming the option and the section. `present` (when given) says whether the option was there.
Result<std::string> string_option(const FactoryArgs &args, std::string_view key, std::string fallback);
Result<int64_t> int_option(const FactoryArgs &args, std::string_view key, int64_t fallback, int64_t min, int64_t max);
Result<double> number_option(const FactoryArgs &args, std::string_view key, double fallback, double min, double max,
                             bool *present = nullptr);

}  // namespace ca::providers
