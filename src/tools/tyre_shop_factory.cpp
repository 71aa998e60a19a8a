// The tyre shop's tool pack built from configuration: the embedded store, the knowledge base and
// the operators' working hours behind make_tyre_tools().
#include <memory>
#include <mutex>

#include "kb/knowledge_base.hpp"
#include "store/sqlite_store.hpp"
#include "tools/tyre_tools.hpp"
#include "tools/working_hours.hpp"

namespace ca::tools {

Result<std::vector<std::shared_ptr<providers::Tool>>> make_tyre_tools_from_options(const std::string &where,
                                                                                  const json::Value &options) {
  for (const auto &[key, value] : options.members()) {
    if (key != "store" && key != "knowledge_base" && key != "working_hours" && key != "language") {
      return make_error(Errc::config, where + ": unknown option \"" + key +
                                          "\" (known: store, knowledge_base, working_hours, language)");
    }
  }
  const std::string store_path(options["store"].str("callagent-store.db"));
  store::SqliteStoreOptions so;
  so.path = store_path;
  auto store = store::SqliteStore::open(so);
  if (!store) return make_error(Errc::config, where + ": store \"" + store_path + "\": " + store.error().message);

  ToolPackOptions po;
  const std::string language(options["language"].str("uk"));
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
    auto kb = kb::KnowledgeBase::open(kb_path->as_string());
    if (!kb) return make_error(Errc::config, where + ": knowledge_base: " + kb.error().message);
    std::shared_ptr<kb::KnowledgeBase> base = std::move(kb).value();
    po.knowledge = [base](std::string query, std::string category) -> Result<json::Value> {
      auto hits = base->search(query, category, kb::kToolSearchLimit);
      if (!hits) return hits.error();
      return kb::tool_result(*hits);
    };
  }
  return make_tyre_tools(std::move(store).value(), std::move(po));
}

}  // namespace ca::tools
