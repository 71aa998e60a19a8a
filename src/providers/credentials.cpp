#include "providers/credentials.hpp"

#include <cstdlib>

#include "core/secrets.hpp"

namespace ca::providers {

Result<std::string> resolve_api_key(const FactoryArgs &args, std::string_view default_env, bool required) {
  const json::Value &literal = args.options["api_key"];
  const json::Value &env_name = args.options["api_key_env"];
  if (!literal.is_null() && !literal.is_string()) {
    return make_error(Errc::invalid_argument, args.where + ": api_key must be a string");
  }
  if (!env_name.is_null() && !env_name.is_string()) {
    return make_error(Errc::invalid_argument, args.where + ": api_key_env must be a string");
  }
  std::string key;
  std::string variable = env_name.is_string() ? env_name.as_string() : std::string(default_env);
  if (literal.is_string()) {
    key = literal.as_string();
  } else if (!variable.empty()) {
    if (const char *v = std::getenv(variable.c_str())) key = v;
  }
  if (key.empty() && required) {
    return make_error(Errc::invalid_argument,
                      args.where + ": no API key: set " + (variable.empty() ? "api_key" : variable) +
                          " in the environment (or api_key_env / api_key in [" + args.name + "])");
  }
  secrets::add(key);
  return key;
}

Result<std::string> resolve_base_url(const FactoryArgs &args, std::string_view fallback) {
  const json::Value &v = args.options["base_url"];
  if (!v.is_null() && !v.is_string()) {
    return make_error(Errc::invalid_argument, args.where + ": base_url must be a string");
  }
  std::string url = v.is_string() ? v.as_string() : std::string(fallback);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return make_error(Errc::invalid_argument, args.where + ": base_url must start with http:// or https://");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace ca::providers
