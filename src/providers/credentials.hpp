// Where a network provider's key comes from, the same way for every provider:
//   api_key_env = "NAME"   the environment variable holding it (each provider has a default,
//                          e.g. ANTHROPIC_API_KEY)
//   api_key     = "..."    the key itself (possible, but a key in a file is easily leaked)
// A key that is found is registered as a secret (core/secrets.hpp): it is masked in every log line
// and error text from then on.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/registry.hpp"

namespace ca::providers {

// The key for the provider built from `args`. `required`: a missing key is an error naming the
// variable and the section; otherwise an empty string comes back (self-hosted servers often need
// none).
Result<std::string> resolve_api_key(const FactoryArgs &args, std::string_view default_env, bool required);

// The options `base_url` (default `fallback`), without a trailing '/'. Only http:// and https://.
Result<std::string> resolve_base_url(const FactoryArgs &args, std::string_view fallback);

}  // namespace ca::providers
