// Helpers around SpeechVocabulary (providers/provider.hpp), the words of a deployment's domain:
// reading it from JSON (the C API's tools), and adding it to every stream's phrase hints for the
// recognisers that take them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace ca::providers {

// A SpeechVocabulary from JSON: an object with any of the arrays "brands", "models", "sizes",
// "cities", "places", "vehicles" of strings (the C API's ca_tool_vtable.speech_words_json). An
// unknown key, a value that is not an array of strings, or text that is not JSON is an error.
Result<SpeechVocabulary> speech_vocabulary_from_json(std::string_view text);

// For recognisers that take phrase hints (Google, Deepgram, OpenAI-compatible, C plug-ins): the
// words given once by use_vocabulary, added to every stream's own hints.
class PhraseHints {
 public:
  void set(const SpeechVocabulary &vocabulary);
  // `params` with the deployment's phrases after its own hints, none twice.
  SttParams add_to(SttParams params) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<std::string>> phrases_;
};

}  // namespace ca::providers
