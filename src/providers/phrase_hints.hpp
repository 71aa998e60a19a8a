// For recognisers that take phrase hints (Google, Deepgram, OpenAI-compatible): the deployment's
// words, given once by use_vocabulary, added to every stream's own hints.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "providers/provider.hpp"

namespace ca::providers {

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
