#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "providers/credentials.hpp"

using namespace ca;

namespace {
std::string g_lines;
void capture(log::Level, std::string_view line, void *) {
  g_lines.append(line);
  g_lines.push_back('\n');
}
}  // namespace

TEST_CASE("registered secrets are masked in text and in every log line, sanitising on or off") {
  secrets::add("short");  // too short to mask safely: ignored
  CHECK(secrets::redact("a short word") == "a short word");

  secrets::add("sk-ant-api03-abcdefgh");
  secrets::add("sk-ant-api03-abcdefgh-longer");
  CHECK(secrets::redact("key sk-ant-api03-abcdefgh-longer and sk-ant-api03-abcdefgh.") ==
        "key [SECRET] and [SECRET].");

  log::set_sink(&capture, nullptr);
  log::set_sanitize(false);
  log::write(log::Level::error, "", "request failed: x-api-key: sk-ant-api03-abcdefgh",
             {{"body", "echo sk-ant-api03-abcdefgh"}});
  log::set_sanitize(true);
  log::write(log::Level::error, "", "again sk-ant-api03-abcdefgh", {{"phone", "+380 67 123 45 67"}});
  log::set_sink(nullptr, nullptr);
  CHECK(g_lines.find("abcdefgh") == std::string::npos);
  CHECK(g_lines.find("[SECRET]") != std::string::npos);
  CHECK(g_lines.find("123 45 67") == std::string::npos);  // PII masking still applies
}

TEST_CASE("API keys come from the named environment variable and become secrets") {
  providers::FactoryArgs args;
  args.name = "claude";
  args.where = "test.toml:3";
  args.options = json::Value::object();
  ::setenv("CA_TEST_KEY_FOR_SECRETS", "k-0123456789-test", 1);
  auto key = providers::resolve_api_key(args, "CA_TEST_KEY_FOR_SECRETS", true);
  REQUIRE(key.ok());
  CHECK(*key == "k-0123456789-test");
  CHECK(secrets::redact("k-0123456789-test") == "[SECRET]");

  args.options.set("api_key_env", "CA_TEST_KEY_THAT_IS_NOT_SET");
  auto missing = providers::resolve_api_key(args, "CA_TEST_KEY_FOR_SECRETS", true);
  REQUIRE(!missing.ok());
  CHECK(missing.error().message.find("CA_TEST_KEY_THAT_IS_NOT_SET") != std::string::npos);
  CHECK(missing.error().message.find("test.toml:3") != std::string::npos);
  auto optional = providers::resolve_api_key(args, "CA_TEST_KEY_FOR_SECRETS", false);
  REQUIRE(optional.ok());
  CHECK(optional->empty());

  args.options.set("base_url", "http://127.0.0.1:8080/v1/");
  auto url = providers::resolve_base_url(args, "https://api.example.com");
  REQUIRE(url.ok());
  CHECK(*url == "http://127.0.0.1:8080/v1");
  args.options.set("base_url", "ftp://x");
  CHECK(!providers::resolve_base_url(args, "https://api.example.com").ok());
}
