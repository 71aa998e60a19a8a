// Secrets (API keys, OAuth tokens) the process holds: registered once when loaded, then masked in
// every log line and in every error text a provider builds, so a key never reaches logs, the
// journal or a replay file — even when PII sanitising is turned off.
#pragma once

#include <string>
#include <string_view>

namespace ca::secrets {

// Remembers `value` as a secret (values shorter than 8 characters are ignored: masking them would
// mangle ordinary text). Any thread.
void add(std::string_view value);

// `text` with every registered secret replaced by "[SECRET]". Cheap when none is registered.
std::string redact(std::string_view text);
// Appends redact(text) to `out`.
void redact_to(std::string &out, std::string_view text);

// True once any secret has been registered.
bool any();

}  // namespace ca::secrets
