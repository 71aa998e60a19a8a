#include "core/secrets.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace ca::secrets {
namespace {

// Copy-on-write list: readers (every log line) take a snapshot without holding the lock while
// they scan; adding a secret, which happens a few times per process, replaces the list.
std::mutex g_mu;
std::shared_ptr<const std::vector<std::string>> g_list;
std::atomic<bool> g_any{false};

std::shared_ptr<const std::vector<std::string>> snapshot() {
  std::lock_guard lock(g_mu);
  return g_list;
}

}  // namespace

void add(std::string_view value) {
  if (value.size() < 8) return;
  std::lock_guard lock(g_mu);
  auto next = std::make_shared<std::vector<std::string>>(g_list ? *g_list : std::vector<std::string>{});
  for (const auto &s : *next) {
    if (s == value) return;
  }
  next->emplace_back(value);
  g_list = std::move(next);
  g_any.store(true, std::memory_order_release);
}

bool any() { return g_any.load(std::memory_order_acquire); }

void redact_to(std::string &out, std::string_view text) {
  if (!any()) {
    out.append(text);
    return;
  }
  const auto list = snapshot();
  size_t i = 0;
  while (i < text.size()) {
    size_t best = std::string_view::npos;
    size_t best_len = 0;
    for (const auto &s : *list) {
      const size_t at = text.find(s, i);
      if (at < best || (at == best && s.size() > best_len)) {
        best = at;
        best_len = s.size();
      }
    }
    if (best == std::string_view::npos) break;
    out.append(text.substr(i, best - i));
    out.append("[SECRET]");
    i = best + best_len;
  }
  out.append(text.substr(i));
}

std::string redact(std::string_view text) {
  std::string out;
  redact_to(out, text);
  return out;
}

}  // namespace ca::secrets
