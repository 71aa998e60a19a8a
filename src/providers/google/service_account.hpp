// The parts of Google credentials that make_google_auth (google_auth.hpp) is built from, open for
// tests and for callers with their own clock: a service-account key file, the RS256-signed JWT
// it is exchanged with (OpenSSL 3 EVP), and the two GoogleAuth kinds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "providers/google/google_auth.hpp"

namespace ca::providers::google {

inline constexpr std::string_view kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::string_view kDefaultTokenUri = "https://oauth2.googleapis.com/token";

struct ServiceAccount {
  std::string client_email;
  std::string private_key;     // PEM (PKCS#8 as Google issues it; PKCS#1 works too)
  std::string private_key_id;  // the JWT header's "kid" when present
  std::string token_uri = std::string(kDefaultTokenUri);
};

// The key file's JSON. The private key must be an RSA key OpenSSL can read; it is registered as a
// secret (core/secrets.hpp).
Result<ServiceAccount> parse_service_account(std::string_view json_text);
Result<ServiceAccount> read_service_account(const std::string &path);

// header.claims.signature, each base64url without padding: header {"alg":"RS256","typ":"JWT"
// (,"kid")}, claims {iss, scope, aud, iat, exp = iat + lifetime}, signed with RSA-SHA256.
Result<std::string> sign_jwt(const ServiceAccount &account, std::string_view scope, std::string_view audience,
                             int64_t now_unix, int64_t lifetime_s = 3600);

struct ServiceAccountAuthOptions {
  std::string token_url;  // empty: the account's token_uri
  std::string scope = std::string(kCloudPlatformScope);
  // A token is renewed this long before it expires; requests wait for the renewal.
  int64_t refresh_margin_s = 300;
  Nanos timeout = seconds(15);  // one exchange, retries included
  // Seconds since the epoch (JWTs carry wall time). Empty: the system clock.
  std::function<int64_t()> clock;
};

// A service account: tokens are fetched on first use, cached, and renewed refresh_margin_s
// before they expire; requests that arrive during an exchange wait for that one exchange. A
// failed exchange fails the requests that waited for it; the next request tries again. Tokens are
// registered as secrets.
Result<std::shared_ptr<GoogleAuth>> make_service_account_auth(ServiceAccount account,
                                                              std::shared_ptr<NetRuntime> runtime,
                                                              ServiceAccountAuthOptions options = {});

// An API key, sent as x-goog-api-key (never in the URL, where proxies and logs would keep it).
std::shared_ptr<GoogleAuth> make_api_key_auth(std::string key);

}  // namespace ca::providers::google
