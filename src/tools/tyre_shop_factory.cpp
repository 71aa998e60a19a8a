// The tyre shop's tool pack built from configuration: the store (embedded, or a REST service), the
// knowledge base and the operators' working hours behind make_tyre_tools().
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "kb/knowledge_base.hpp"
#include "kb/openai_embedder.hpp"
#include "store/rest_store.hpp"
#include "store/sqlite_store.hpp"
#include "tools/tyre_tools.hpp"
#include "tools/working_hours.hpp"

namespace ca::tools {

Result<std::vector<std::shared_ptr<providers::Tool>>> make_tyre_tools_from_options(const std::string &where,
                                                                                  const json::Value &options) {
  static const std::vector<std::string> kKnown = {"store",          "store_url", "store_token", "store_timeout",
                                                  "knowledge_base", "embed_url", "embed_model", "embed_dimensions",
                                                  "working_hours",  "language"};
  for (const auto &[key, value] : options.members()) {
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      std::string known;
      for (const auto &k : kKnown) known += (known.empty() ? "" : ", ") + k;
      return make_error(Errc::config, where + ": unknown option \"" + key + "\" (known: " + known + ")");
    }
  }
  std::shared_ptr<store::TyreStore> shop;
  if (const json::Value *url = options.find("store_url")) {
    if (options.contains("store"))
      return make_error(Errc::config, where + ": store and store_url exclude each other (a file or a service)");
    store::RestStoreOptions ro;
    ro.base_url = url->as_string();
    if (const json::Value *t = options.find("store_token")) {
      ro.token = t->as_string();
    } else if (const char *env = std::getenv("CALLAGENT_STORE_TOKEN"); env != nullptr) {
      ro.token = env;
    }
    if (const json::Value *t = options.find("store_timeout")) {
      if (!t->is_number() || t->as_double() <= 0 || t->as_double() > 120)
        return make_error(Errc::config, where + ": store_timeout must be seconds, more than 0 and at most 120");
      ro.timeout = static_cast<Nanos>(t->as_double() * 1e9);
    }
    auto rest = store::RestStore::create(std::move(ro));
    if (!rest) return make_error(Errc::config, where + ": store_url: " + rest.error().message);
    shop = std::move(rest).value();
  } else {
    const std::string store_path(options["store"].str("callagent-store.db"));
    store::SqliteStoreOptions so;
    so.path = store_path;
    auto opened = store::SqliteStore::open(so);
    if (!opened) return make_error(Errc::config, where + ": store \"" + store_path + "\": " + opened.error().message);
    shop = std::move(opened).value();
  }

  ToolPackOptions po;
  const std::string language(options["language"].str("uk"));
  if (language != "uk" && language != "ru" && language != "en") {
    return make_error(Errc::config, where + ": language must be \"uk\", \"ru\" or \"en\"");
  }
  po.language = language;
  if (const json::Value *wh = options.find("working_hours")) {
    auto hours = WorkingHours::from_json(*wh);
    if (!hours) return make_error(Errc::config, where + ": working_hours: " + hours.error().message);
    auto shared = std::make_shared<WorkingHours>(std::move(hours).value());
    po.after_hours = [shared, language](TimePoint now) -> std::optional<std::string> {
      if (shared->is_open(now)) return std::nullopt;
      return shared->describe_after_hours(now, language);
    };
  }
  if (const json::Value *kb_path = options.find("knowledge_base")) {
    kb::Options ko;
    if (const json::Value *embed = options.find("embed_url")) {
      kb::OpenAIEmbedderOptions eo;
      eo.base_url = embed->as_string();
      if (const json::Value *m = options.find("embed_model")) eo.model = m->as_string();
      const int64_t dims = options["embed_dimensions"].as_int(0);
      if (dims < 0 || dims > 65536) return make_error(Errc::config, where + ": embed_dimensions out of range");
      eo.dimensions = static_cast<size_t>(dims);
      auto e = kb::OpenAIEmbedder::create(std::move(eo));
      if (!e) return make_error(Errc::config, where + ": embed_url: " + e.error().message);
      ko.embedder = std::move(e).value();
    }
    auto kb = kb::KnowledgeBase::open(kb_path->as_string(), ko);
    if (!kb) return make_error(Errc::config, where + ": knowledge_base: " + kb.error().message);
    std::shared_ptr<kb::KnowledgeBase> base = std::move(kb).value();
    po.knowledge = [base](std::string query, std::string category) -> Result<json::Value> {
      auto hits = base->search(query, category, kb::kToolSearchLimit);
      if (!hits) return hits.error();
      return kb::tool_result(*hits);
    };
  }
  return make_tyre_tools(std::move(shop), std::move(po));
}

}  // namespace ca::tools
