#include "agent/pii_vault.hpp"

#include <utility>

namespace ca::agent {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of a placeholder-shaped token "[WORD_123]" at text[i], or 0.
size_t placeholder_length(std::string_view text, size_t i) {
  size_t j = i + 1;
  const size_t word = j;
  while (j < text.size() && is_upper(text[j])) ++j;
  if (j == word || j >= text.size() || text[j] != '_') return 0;
  const size_t num = ++j;
  while (j < text.size() && is_digit(text[j])) ++j;
  if (j == num || j >= text.size() || text[j] != ']') return 0;
  return j + 1 - i;
}

template <class F>
void for_each_string(json::Value &v, const F &f) {
  switch (v.type()) {
    case json::Value::Type::string: v = json::Value(f(v.as_string())); break;
    case json::Value::Type::array:
      for (json::Value &item : v.items_mut()) for_each_string(item, f);
      break;
    case json::Value::Type::object:
      for (auto &member : v.members_mut()) for_each_string(member.second, f);
      break;
    default: break;
  }
}

}  // namespace

const PiiVault::Entry &PiiVault::entry_for(const ca::log::PiiMatch &m, std::string_view original) {
  for (const Entry &e : entries_)
    if (e.kind == m.kind && e.normalized == m.normalized) return e;
  const unsigned n = ++counts_[static_cast<size_t>(m.kind)];
  std::string placeholder = "[";
  placeholder.append(ca::log::pii_kind_name(m.kind)).append("_").append(std::to_string(n)).append("]");
  entries_.push_back(Entry{m.kind, std::move(placeholder), std::string(original), m.normalized});
  return entries_.back();
}

std::string PiiVault::mask(std::string_view text) {
  ca::log::find_pii(text, matches_);
  if (matches_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const ca::log::PiiMatch &m : matches_) {
    out.append(text.substr(at, m.begin - at));
    out.append(entry_for(m, text.substr(m.begin, m.end - m.begin)).placeholder);
    at = m.end;
  }
  out.append(text.substr(at));
  return out;
}

json::Value PiiVault::mask_in_json(json::Value v) {
  for_each_string(v, [this](const std::string &s) { return mask(s); });
  return v;
}

const PiiVault::Entry *PiiVault::find(std::string_view placeholder) const {
  for (const Entry &e : entries_)
    if (e.placeholder == placeholder) return &e;
  return nullptr;
}

std::string PiiVault::restore(std::string_view text) const {
  if (entries_.empty() || text.find('[') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (size_t i = text.find('['); i != std::string_view::npos; i = text.find('[', i + 1)) {
    const size_t len = placeholder_length(text, i);
    if (len == 0) continue;
    if (const Entry *e = find(text.substr(i, len))) {
      out.append(text.substr(at, i - at));
      out.append(e->original);
      at = i + len;
      i = at - 1;
    }
  }
  out.append(text.substr(at));
  return out;
}

json::Value PiiVault::restore_in_json(json::Value v) const {
  if (!entries_.empty()) for_each_string(v, [this](const std::string &s) { return restore(s); });
  return v;
}

}  // namespace ca::agent
