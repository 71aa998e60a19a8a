// Ukrainian (and Russian) letters in Latin: shop data an English voice has to read, and the words
// of a Cyrillic catalogue an English recogniser has to know.
#pragma once

#include <string>
#include <string_view>

namespace ca::text {

// The Ukrainian national romanisation (2010), with the Russian-only letters added: "вул.
// Драгоманова" → "vul. Drahomanova", "Київ" → "Kyiv". Case is kept; anything not Cyrillic passes
// through unchanged.
std::string transliterate(std::string_view s);

}  // namespace ca::text
