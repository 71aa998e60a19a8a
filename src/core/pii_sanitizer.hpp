// Personal data in free text: Ukrainian phone numbers, e-mails, payment card numbers and
// Ukrainian IBANs. One detector serves two uses: the log sanitiser here masks irreversibly (logs
// must never carry a caller's number), and the agent's PII vault (agent/pii_vault.hpp) swaps the
// same spans for reversible placeholders before text reaches the LLM.
//
// The detector is deliberately narrow. A tyre shop's calls are full of digits that are not
// personal: tyre sizes (205/55 R16), order and booking numbers (AI-000123, 12345678), dates,
// times, prices (2 150 грн), car plates (AA1234BB) and 11-digit zero-padded SKUs, which the
// replaced system's phone regex turned into placeholders. So a phone needs a Ukrainian shape
// (380 or a leading 0, then a real operator or area code, then exactly nine digits in all), a
// card must pass the Luhn check, and an IBAN its mod-97 checksum; a number glued to letters, a
// hyphenated identifier or a decimal/date fragment is never a match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ca::log {

enum class PiiKind : uint8_t { phone, email, card, iban };

// "PHONE", "EMAIL", "CARD", "IBAN": the vault's placeholder stems.
const char *pii_kind_name(PiiKind kind);

struct PiiMatch {
  PiiKind kind = PiiKind::phone;
  size_t begin = 0;  // byte span in the scanned text, [begin, end)
  size_t end = 0;
  // One spelling per value, so equal values compare equal however they were written:
  // phone "+380671234567", card digits only, IBAN upper-case without spaces, e-mail lower-case.
  std::string normalized;
};

// True when `text` has an ASCII digit or '@'; every kind needs one, so text without them is
// returned untouched after this single pass (the cost of sanitising an ordinary log line).
bool may_contain_pii(std::string_view text);

// Appends to `out` the matches in `text`, left to right and non-overlapping (`out` is cleared
// first). Text that is not UTF-8 is scanned byte-wise and never makes this fail.
void find_pii(std::string_view text, std::vector<PiiMatch> &out);

// The irreversible mask of one match: phone "+38067***67", card "4111 **** **** 1111",
// IBAN "UA21 **** **** 6001", e-mail "u***@***.com".
std::string mask_pii(const PiiMatch &match);

// `text` with every match replaced by its mask, appended to `out`.
void sanitize_to(std::string &out, std::string_view text);
std::string sanitize(std::string_view text);

// The checks behind the card and IBAN kinds, exposed for tests and for tools that validate input.
// `digits` holds ASCII digits only.
bool luhn_valid(std::string_view digits);
// `iban` without spaces, letters upper-case ("UA213223130000026007233566001").
bool iban_checksum_valid(std::string_view iban);

}  // namespace ca::log
