// Reversible masking of personal data toward the LLM, one vault per call. Phones, e-mails,
// payment cards and IBANs in what the caller said, in the CallerID and in tool results become
// placeholders ([PHONE_1], [EMAIL_1], [CARD_1], [IBAN_1]) before the text leaves for a provider;
// the placeholders in the model's tool arguments and replies are put back before a tool runs.
// Detection is the log sanitiser's (core/pii_sanitizer.hpp), so both agree on what is personal.
//
// One value keeps one placeholder for the whole call, however it is spelled: "067 123 45 67" and
// "+380671234567" are both [PHONE_1]. Not thread-safe: the session that owns the call uses it.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/pii_sanitizer.hpp"

namespace ca::agent {

using PiiKind = ca::log::PiiKind;

class PiiVault {
 public:
  struct Entry {
    PiiKind kind;
    std::string placeholder;  // "[PHONE_1]"
    std::string original;     // the spelling first seen in the call: what restore() puts back
    std::string normalized;   // "+380671234567", card digits, IBAN without spaces, e-mail lower-case
  };

  // `text` with every phone, e-mail, card and IBAN replaced by its placeholder. Placeholders are
  // numbered per kind in order of first appearance.
  std::string mask(std::string_view text);
  // mask() over every string in a JSON value (tool results); keys are left alone.
  json::Value mask_in_json(json::Value v);

  // Placeholders of this vault replaced by the originals; anything else, including placeholders
  // this vault never issued, stays as written.
  std::string restore(std::string_view text) const;
  // restore() over every string in a JSON value, at any depth (the model's tool arguments).
  json::Value restore_in_json(json::Value v) const;

  // The entry behind a placeholder ("[PHONE_1]"), or nullptr.
  const Entry *find(std::string_view placeholder) const;
  const std::vector<Entry> &entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  const Entry &entry_for(const ca::log::PiiMatch &m, std::string_view original);

  std::vector<Entry> entries_;
  std::array<unsigned, 4> counts_{};
  std::vector<ca::log::PiiMatch> matches_;  // reused between calls to mask()
};

}  // namespace ca::agent
