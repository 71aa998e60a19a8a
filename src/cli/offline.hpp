// The offline agent: what `callagent serve`, `call` and `demo` use when no plug-ins are configured.
// pocketsphinx hears, the rule-based agent decides, the tyre shop's tools act on the embedded store
// and the demo knowledge base, and espeak-ng speaks — no network and no API key.
#pragma once

#include <string>

#include "core/result.hpp"

namespace ca::cli {

struct OfflineSetup {
  std::string language = "uk";  // [session] language
  std::string work_dir;         // where the store and the knowledge base files go
};

// The articles of the demo knowledge base: the source tree's, else the installed copy; "" if none.
std::string demo_kb_dir();

// Writes <work_dir>/callagent-offline.toml (the offline plug-ins and their files) and fills
// <work_dir>/callagent-kb.db from the demo articles when it is missing. Returns the config path.
Result<std::string> write_offline_config(const OfflineSetup &setup);

}  // namespace ca::cli
