// Tyre brands: what callers and recognisers make of them (uk/ru spellings, phonetic variants,
// common mishears, inflected forms) → the Latin name the catalogue uses; and back, the Cyrillic
// spelling a Ukrainian or Russian voice pronounces well.
#pragma once

#include <string_view>

#include "text/lang.hpp"

namespace ca::text {

// "мішленом" → "Michelin", "континенталі" → "Continental", "бі еф гудріч" → "BFGoodrich",
// "MICHELIN" → "Michelin". Case-insensitive; one word or a phrase of up to three words.
// "" when not a known brand.
std::string_view canonical_brand(std::string_view phrase);

// "Michelin" (or any alias) → "Мішлен" (uk) / "Мишлен" (ru); "" for en or an unknown brand.
std::string_view spoken_brand(std::string_view name, Lang lang);

namespace detail {
struct BrandInfo {
  std::string_view name;  // Latin, as in the catalogue
  std::string_view uk;    // spoken spellings for TTS
  std::string_view ru;
};
// `key` is lower-case words joined by single spaces (Key form). nullptr when unknown.
const BrandInfo *find_brand(std::string_view key);
// Cheap filters for scanning text word by word: can a brand (or a brand phrase) start with the
// word `key`? False means find_brand need not be asked.
bool may_start_brand(std::string_view key);
bool may_start_brand_phrase(std::string_view key);
}  // namespace detail

}  // namespace ca::text
