// Base64 (RFC 4648): the standard alphabet for JSON bytes fields (Google's audioContent) and the
// URL-safe one without padding for JSON Web Tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ca::base64 {

// Standard alphabet, padded with '='.
std::string encode(std::span<const uint8_t> bytes);
std::string encode(std::string_view bytes);
// URL-safe alphabet ('-', '_'), no padding (JWT's base64url).
std::string encode_url(std::string_view bytes);

// Either alphabet, padding optional (protobuf's JSON mapping accepts both, so senders vary);
// whitespace and line breaks are skipped. nullopt on any other character, on data after
// padding, or on a length no encoder produces.
std::optional<std::string> decode(std::string_view text);

}  // namespace ca::base64
