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

// The directory the offline files go to: the one given, or a new temp dir that is removed, with
// the files write_offline_config() put there, when this object goes.
class OfflineWorkDir {
 public:
  // `given` empty: a new /tmp/<prefix>-XXXXXX.
  static Result<OfflineWorkDir> make(std::string given, const char *prefix);
  OfflineWorkDir(OfflineWorkDir &&other) noexcept : path_(std::move(other.path_)), owned_(other.owned_) {
    other.owned_ = false;
  }
  OfflineWorkDir &operator=(OfflineWorkDir &&) = delete;
  ~OfflineWorkDir();
  const std::string &path() const { return path_; }

 private:
  OfflineWorkDir(std::string path, bool owned) : path_(std::move(path)), owned_(owned) {}
  std::string path_;
  bool owned_ = false;
};

// Writes <work_dir>/callagent-offline.toml (the offline plug-ins and their files) and fills
// <work_dir>/callagent-kb.db from the demo articles when it is missing. Returns the config path.
Result<std::string> write_offline_config(const OfflineSetup &setup);

}  // namespace ca::cli
