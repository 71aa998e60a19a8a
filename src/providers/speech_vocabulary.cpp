#include <algorithm>

#include "core/json.hpp"
#include "providers/phrase_hints.hpp"
#include "providers/provider.hpp"

namespace ca::providers {

namespace {

void add_new(std::vector<std::string> &to, const std::vector<std::string> &from) {
  for (const auto &s : from) {
    if (!s.empty() && std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
  }
}

}  // namespace

bool SpeechVocabulary::empty() const {
  return brands.empty() && models.empty() && sizes.empty() && cities.empty() && places.empty() && vehicles.empty();
}

void SpeechVocabulary::merge(const SpeechVocabulary &other) {
  add_new(brands, other.brands);
  add_new(models, other.models);
  add_new(sizes, other.sizes);
  add_new(cities, other.cities);
  add_new(places, other.places);
  add_new(vehicles, other.vehicles);
}

std::vector<std::string> SpeechVocabulary::phrases() const {
  std::vector<std::string> out;
  for (const auto *l : {&brands, &models, &sizes, &cities, &places, &vehicles}) add_new(out, *l);
  return out;
}

Result<SpeechVocabulary> speech_vocabulary_from_json(std::string_view text) {
  auto v = json::parse(text);
  if (!v) return make_error(Errc::invalid_argument, "speech words: " + v.error().message);
  if (!v->is_object()) return make_error(Errc::invalid_argument, "speech words: not a JSON object");
  SpeechVocabulary out;
  const std::pair<const char *, std::vector<std::string> *> lists[] = {
      {"brands", &out.brands}, {"models", &out.models}, {"sizes", &out.sizes},
      {"cities", &out.cities}, {"places", &out.places}, {"vehicles", &out.vehicles}};
  for (const auto &[key, value] : v->members()) {
    const auto *it = std::find_if(std::begin(lists), std::end(lists), [&](const auto &l) { return key == l.first; });
    if (it == std::end(lists)) {
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
