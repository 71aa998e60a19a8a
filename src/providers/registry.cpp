#include "providers/registry.hpp"

#include <algorithm>

#include "providers/espeak/espeak_tts.hpp"
#include "tools/tyre_tools.hpp"


namespace ca::providers {

namespace {

FactoryRegistry make_builtins() {
  FactoryRegistry r;
  r.tts["espeak"] = make_espeak_tts;
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

}  // namespace ca::providers
