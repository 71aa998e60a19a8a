// How requests to Google Cloud APIs are authorised: an API key (x-goog-api-key) or a service
// account whose signed JWT is exchanged for an OAuth access token, refreshed before it expires.
// Shared by the Google STT and TTS providers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "net/http_client.hpp"
#include "providers/registry.hpp"

namespace ca::providers {
class NetRuntime;
}

namespace ca::providers::google {

class GoogleAuth {
 public:
  virtual ~GoogleAuth() = default;
  // Calls `done` with the headers to add to a request, on the runtime's loop thread — at once when
  // a valid credential is at hand, after a token exchange otherwise. Only from the loop thread.
  virtual void headers(std::function<void(Result<net::Headers>)> done) = 0;
};

// The options every Google provider accepts for its credentials:
//   api_key_env / api_key        an API key (default variable GOOGLE_API_KEY)
//   credentials_file             a service-account JSON (default: GOOGLE_APPLICATION_CREDENTIALS)
//   token_url                    where the JWT is exchanged (default: the file's token_uri)
// With neither a key nor a service account the factory fails, naming both.
Result<std::shared_ptr<GoogleAuth>> make_google_auth(const FactoryArgs &args, std::shared_ptr<NetRuntime> runtime);

}  // namespace ca::providers::google
