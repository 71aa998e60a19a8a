#include "providers/speech_vocabulary.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "core/json.hpp"

namespace ca::providers {

namespace {

void add_new(std::vector<std::string> &to, const std::vector<std::string> &from) {
  for (const auto &s : from) {
    if (!s.empty() && std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
  }
}

// The lists with their JSON names, in the order phrases() gives them: the one place that
// enumerates them (V is SpeechVocabulary or const SpeechVocabulary).
template <class V>
auto lists(V &v) {
  return std::array{std::pair{"brands", &v.brands}, std::pair{"models", &v.models}, std::pair{"sizes", &v.sizes},
                    std::pair{"cities", &v.cities}, std::pair{"places", &v.places},
                    std::pair{"vehicles", &v.vehicles}};
}

}  // namespace

bool SpeechVocabulary::empty() const {
  for (const auto &[name, list] : lists(*this)) {
    if (!list->empty()) return false;
  }
  return true;
}

void SpeechVocabulary::merge(const SpeechVocabulary &other) {
  const auto from = lists(other);
  const auto to = lists(*this);
  for (size_t i = 0; i < to.size(); ++i) add_new(*to[i].second, *from[i].second);
}

std::vector<std::string> SpeechVocabulary::phrases() const {
  std::vector<std::string> out;
  for (const auto &[name, list] : lists(*this)) add_new(out, *list);
  return out;
}

Result<SpeechVocabulary> speech_vocabulary_from_json(std::string_view text) {
  auto v = json::parse(text);
  if (!v) return make_error(Errc::invalid_argument, "speech words: " + v.error().message);
  if (!v->is_object()) return make_error(Errc::invalid_argument, "speech words: not a JSON object");
  SpeechVocabulary out;
  const auto known = lists(out);
  for (const auto &[key, value] : v->members()) {
    const auto it = std::find_if(known.begin(), known.end(), [&](const auto &l) { return key == l.first; });
    if (it == known.end()) {
      return make_error(Errc::invalid_argument, "speech words: unknown key \"" + key +
                                                    "\" (known: brands, models, sizes, cities, places, vehicles)");
    }
    if (!value.is_array()) return make_error(Errc::invalid_argument, "speech words: " + key + " must be an array");
    for (const auto &s : value.items()) {
      if (!s.is_string()) {
        return make_error(Errc::invalid_argument, "speech words: " + key + " must hold strings only");
      }
      it->second->emplace_back(s.str());
    }
  }
  return out;
}

void PhraseHints::set(const SpeechVocabulary &vocabulary) {
  auto p = std::make_shared<const std::vector<std::string>>(vocabulary.phrases());
  std::lock_guard lock(mu_);
  phrases_ = std::move(p);
}

SttParams PhraseHints::add_to(SttParams params) const {
  std::shared_ptr<const std::vector<std::string>> p;
  {
    std::lock_guard lock(mu_);
    p = phrases_;
  }
  if (p) add_new(params.hints, *p);
  return params;
}

}  // namespace ca::providers
