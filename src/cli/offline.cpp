#include "cli/offline.hpp"

#include <unistd.h>

#include <fstream>

#include "kb/knowledge_base.hpp"

namespace ca::cli {

std::string demo_kb_dir() {
  for (const char *dir : {CALLAGENT_KB_SOURCE_DIR, CALLAGENT_KB_INSTALL_DIR}) {
    if (::access(dir, R_OK) == 0) return dir;
  }
  return {};
}

Result<OfflineWorkDir> OfflineWorkDir::make(std::string given, const char *prefix) {
  if (!given.empty()) return OfflineWorkDir(std::move(given), false);
  std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return make_error(Errc::io, "cannot create a directory under /tmp");
  return OfflineWorkDir(std::move(tmpl), true);
}

OfflineWorkDir::~OfflineWorkDir() {
  if (!owned_) return;
  for (const char *f : {"/callagent-offline.toml", "/callagent-kb.db", "/callagent-kb.db-wal", "/callagent-kb.db-shm",
                        "/callagent-store.db", "/callagent-store.db-wal", "/callagent-store.db-shm"}) {
    ::unlink((path_ + f).c_str());
  }
  ::rmdir(path_.c_str());
}

Result<std::string> write_offline_config(const OfflineSetup &setup) {
  const std::string dir = setup.work_dir.empty() ? std::string(".") : setup.work_dir;
  const std::string kb_path = dir + "/callagent-kb.db";
  if (::access(kb_path.c_str(), R_OK) != 0) {
    const std::string articles = demo_kb_dir();
    if (articles.empty()) return make_error(Errc::not_found, "the demo knowledge base articles are not installed");
    auto kb = kb::KnowledgeBase::open(kb_path);
    if (!kb) return make_error(kb.error().code, kb_path + ": " + kb.error().message);
    auto imported = (*kb)->import_directory(articles);
    if (!imported) return make_error(imported.error().code, articles + ": " + imported.error().message);
  }
  const std::string path = dir + "/callagent-offline.toml";
  std::ofstream out(path, std::ios::trunc);
  if (!out) return make_error(Errc::io, path + ": cannot write");
  out << "# Written by callagent: the offline agent (no network, no API key).\n"
      << "[session]\n"
      << "language = \"" << setup.language << "\"\n"
      << "stt = \"sphinx\"\n"
      << "tts = \"espeak\"\n"
      << "llm = \"agent\"\n\n"
      << "[stt.sphinx]\ntype = \"pocketsphinx\"\n\n"
      << "[tts.espeak]\ntype = \"espeak\"\n\n"
      << "[llm.agent]\ntype = \"rule_based\"\nlanguage = \"" << setup.language << "\"\n\n"
      << "[tools.shop]\ntype = \"tyre_shop\"\nstore = \"" << dir << "/callagent-store.db\"\n"
      << "knowledge_base = \"" << kb_path << "\"\nlanguage = \"" << setup.language << "\"\n";
  if (!out.flush()) return make_error(Errc::io, path + ": cannot write");
  return path;
}

}  // namespace ca::cli
