#include "providers/google/google_auth.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "core/base64.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "providers/credentials.hpp"
#include "providers/google/service_account.hpp"
#include "providers/http_tts.hpp"
#include "providers/net_runtime.hpp"

namespace ca::providers::google {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO *b) const { BIO_free(b); }
};

// OpenSSL's reason for the last failure, and its queue emptied.
std::string openssl_error() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("unknown OpenSSL error") : out;
}

// No passphrase: without this callback OpenSSL would prompt on the terminal for an encrypted key.
int no_passphrase(char *, int, int, void *) { return 0; }

Result<std::shared_ptr<EVP_PKEY>> load_rsa_key(std::string_view pem) {
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error(Errc::internal, "out of memory");
  EVP_PKEY *raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    // Not the OpenSSL text: it may quote the key's bytes.
    ERR_clear_error();
    return make_error(Errc::config, "private_key is not a PEM private key OpenSSL can read");
  }
  std::shared_ptr<EVP_PKEY> key(raw, PkeyFree{});
  if (EVP_PKEY_is_a(key.get(), "RSA") != 1) return make_error(Errc::config, "private_key is not an RSA key (RS256)");
  return key;
}

Result<std::string> rs256(EVP_PKEY *key, std::string_view data) {
  ERR_clear_error();
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return make_error(Errc::internal, "JWT signing: " + openssl_error());
  }
  const auto *p = reinterpret_cast<const unsigned char *>(data.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, p, data.size()) != 1) {
    return make_error(Errc::internal, "JWT signing: " + openssl_error());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len, p, data.size()) != 1) {
    return make_error(Errc::internal, "JWT signing: " + openssl_error());
  }
  sig.resize(len);
  return sig;
}

int64_t system_unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::string> read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::config, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ApiKeyAuth final : public GoogleAuth {
 public:
  explicit ApiKeyAuth(std::string key) : key_(std::move(key)) {}
  void headers(std::function<void(Result<net::Headers>)> done) override {
    done(net::Headers{{"x-goog-api-key", key_}});
  }

 private:
  std::string key_;
};

using HeadersDone = std::function<void(Result<net::Headers>)>;

// The token and the exchange in progress. Loop thread only, except `closed`. Holds the client by
// pointer: the auth object that owns this state holds the runtime, and nothing here touches the
// client once `closed` is set.
struct TokenState : std::enable_shared_from_this<TokenState> {
  net::HttpClient *http = nullptr;
  ServiceAccount account;
  std::shared_ptr<EVP_PKEY> key;
  ServiceAccountAuthOptions opt;
  std::string url;  // where the JWT is posted
  std::atomic<bool> closed{false};

  std::string token;
  int64_t expires_at = 0;  // unix seconds
  int64_t margin = 0;      // of this token: the option, at most half its life
  bool in_flight = false;
  std::vector<HeadersDone> waiters;

  int64_t now() const { return opt.clock ? opt.clock() : system_unix_seconds(); }

  net::Headers bearer() const { return net::Headers{{"Authorization", "Bearer " + token}}; }

  void finish(const Result<void> &outcome) {
    in_flight = false;
    std::vector<HeadersDone> ready;
    ready.swap(waiters);  // a waiter may ask again, and must then find a fresh list
    for (auto &w : ready) {
      if (outcome) {
        w(bearer());
      } else {
        w(outcome.error());
      }
    }
  }

  void fail(Errc code, const std::string &message) {
    std::string text = secrets::redact("google auth: token exchange failed: " + message);
    log::write(log::Level::warn, {}, "google auth: token exchange failed", {{"error", text}});
    finish(make_error(code, std::move(text)));
  }

  void exchange() {
    in_flight = true;
    const int64_t started = now();
    auto jwt = sign_jwt(account, opt.scope, account.token_uri, started);
    if (!jwt) {
      fail(jwt.error().code, jwt.error().message);
      return;
    }
    net::HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.headers.push_back({"Accept", "application/json"});
    // A token request may be repeated harmlessly; the key lets the client retry the POST.
    static std::atomic<uint64_t> serial{1};
    req.headers.push_back({"Idempotency-Key", "jwt-" + std::to_string(started) + "-" + std::to_string(serial++)});
    req.body = "grant_type=" + url_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
               "&assertion=" + url_encode(*jwt);
    req.timeouts.total = opt.timeout;
    req.retry.statuses = {429, 500, 502, 503, 504};
    req.retry.max_retry_after = opt.timeout;

    net::HttpCallbacks cb;
    auto collected = std::make_shared<std::string>();
    cb.on_data = [collected](std::string_view chunk) {
      if (collected->size() < (size_t{1} << 20)) collected->append(chunk);
    };
    cb.on_complete = [self = shared_from_this(), collected, started](const net::HttpResult &r) {
      self->complete(r, *collected, started);
    };
    if (http->request(std::move(req), std::move(cb)) == 0) fail(Errc::io, "the network loop has stopped");
  }

  void complete(const net::HttpResult &r, const std::string &body, int64_t started) {
    if (r.outcome == net::HttpOutcome::http_error) {
      std::string detail;
      if (auto j = json::parse(r.body)) {
        // OAuth errors: {"error":"invalid_grant","error_description":"..."}
        detail = std::string((*j)["error"].str());
        if (const std::string_view d = (*j)["error_description"].str(); !d.empty()) detail += ": " + std::string(d);
      }
      const Errc code = r.status == 400 || r.status == 401 || r.status == 403 ? Errc::config : Errc::io;
      fail(code, "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail.substr(0, 300)));
      return;
    }
    if (r.outcome == net::HttpOutcome::timeout) {
      fail(Errc::timeout, std::string("timed out (") + net::timeout_name(r.timeout) + ")");
      return;
    }
    if (!r.ok()) {
      fail(Errc::io, r.outcome == net::HttpOutcome::cancelled ? std::string("cancelled") : r.message);
      return;
    }
    auto j = json::parse(body);
    if (!j) {
      fail(Errc::protocol, "the answer is not JSON");
      return;
    }
    const json::Value &tok = (*j)["access_token"];
    if (!tok.is_string() || tok.as_string().empty()) {
      fail(Errc::protocol, "the answer has no access_token");
      return;
    }
    if (const std::string_view type = (*j)["token_type"].str("Bearer"); type != "Bearer" && type != "bearer") {
      fail(Errc::protocol, "unexpected token_type \"" + std::string(type) + "\"");
      return;
    }
    const int64_t life = std::max<int64_t>(1, (*j)["expires_in"].as_int(3600));
    secrets::add(tok.as_string());
    token = tok.as_string();
    // From when the exchange began: the token's clock started no earlier than that.
    expires_at = started + life;
    margin = std::min(opt.refresh_margin_s, life / 2);
    log::write(log::Level::debug, {}, "google auth: token obtained", {{"expires_in", life}});
    finish({});
  }
};

class ServiceAccountAuth final : public GoogleAuth {
 public:
  ServiceAccountAuth(std::shared_ptr<NetRuntime> runtime, std::shared_ptr<TokenState> state)
      : runtime_(std::move(runtime)), state_(std::move(state)) {}
  ~ServiceAccountAuth() override {
    state_->closed = true;
  }
  ServiceAccountAuth(const ServiceAccountAuth &) = delete;
  ServiceAccountAuth &operator=(const ServiceAccountAuth &) = delete;

  void headers(std::function<void(Result<net::Headers>)> done) override {
    TokenState &s = *state_;
    if (s.closed) {
      done(make_error(Errc::io, "google auth: closed"));
      return;
    }
    if (!s.token.empty() && s.now() < s.expires_at - s.margin) {
      done(s.bearer());
      return;
    }
    s.waiters.push_back(std::move(done));
    if (!s.in_flight) s.exchange();
  }

 private:
  std::shared_ptr<NetRuntime> runtime_;
  std::shared_ptr<TokenState> state_;
};

}  // namespace

// ---- service accounts ----

Result<ServiceAccount> parse_service_account(std::string_view json_text) {
  auto j = json::parse(json_text);
  if (!j || !j->is_object()) return make_error(Errc::config, "the service-account key is not a JSON object");
  if (const json::Value *type = j->find("type"); type != nullptr && type->str() != "service_account") {
    return make_error(Errc::config, "the credentials are not a service-account key (type \"" +
                                        std::string(type->str()) + "\")");
  }
  ServiceAccount sa;
  sa.client_email = std::string((*j)["client_email"].str());
  sa.private_key = std::string((*j)["private_key"].str());
  sa.private_key_id = std::string((*j)["private_key_id"].str());
  if (const std::string_view uri = (*j)["token_uri"].str(); !uri.empty()) sa.token_uri = std::string(uri);
  if (sa.client_email.empty()) return make_error(Errc::config, "the service-account key has no client_email");
  if (sa.private_key.empty()) return make_error(Errc::config, "the service-account key has no private_key");
  if (!sa.token_uri.starts_with("https://") && !sa.token_uri.starts_with("http://")) {
    return make_error(Errc::config, "the service-account key's token_uri is not an http(s) URL");
  }
  secrets::add(sa.private_key);
  if (auto key = load_rsa_key(sa.private_key); !key) return key.error();
  return sa;
}

Result<ServiceAccount> read_service_account(const std::string &path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto sa = parse_service_account(*text);
  if (!sa) return make_error(sa.error().code, path + ": " + sa.error().message);
  return sa;
}

Result<std::string> sign_jwt(const ServiceAccount &account, std::string_view scope, std::string_view audience,
                             int64_t now_unix, int64_t lifetime_s) {
  auto key = load_rsa_key(account.private_key);
  if (!key) return key.error();
  json::Value header;
  header.set("alg", "RS256").set("typ", "JWT");
  if (!account.private_key_id.empty()) header.set("kid", account.private_key_id);
  json::Value claims;
  claims.set("iss", account.client_email)
      .set("scope", scope)
      .set("aud", audience)
      .set("iat", now_unix)
      .set("exp", now_unix + lifetime_s);
  std::string signing_input = base64::encode_url(json::dump(header)) + "." + base64::encode_url(json::dump(claims));
  auto sig = rs256(key->get(), signing_input);
  if (!sig) return sig.error();
  return signing_input + "." + base64::encode_url(*sig);
}

Result<std::shared_ptr<GoogleAuth>> make_service_account_auth(ServiceAccount account,
                                                              std::shared_ptr<NetRuntime> runtime,
                                                              ServiceAccountAuthOptions options) {
  if (!runtime) return make_error(Errc::invalid_argument, "google auth: no network runtime");
  auto key = load_rsa_key(account.private_key);
  if (!key) return key.error();
  secrets::add(account.private_key);
  auto state = std::make_shared<TokenState>();
  state->http = &runtime->http();
  state->key = std::move(*key);
  state->url = options.token_url.empty() ? account.token_uri : options.token_url;
  if (!state->url.starts_with("https://") && !state->url.starts_with("http://")) {
    return make_error(Errc::config, "google auth: token_url must start with http:// or https://");
  }
  state->account = std::move(account);
  state->opt = std::move(options);
  return std::shared_ptr<GoogleAuth>(std::make_shared<ServiceAccountAuth>(std::move(runtime), std::move(state)));
}

std::shared_ptr<GoogleAuth> make_api_key_auth(std::string key) {
  secrets::add(key);
  return std::make_shared<ApiKeyAuth>(std::move(key));
}

Result<std::shared_ptr<GoogleAuth>> make_google_auth(const FactoryArgs &args, std::shared_ptr<NetRuntime> runtime) {
  const std::string where = args.where + ": " + args.name + ": ";
  for (const char *k : {"credentials_file", "token_url"}) {
    if (const json::Value *v = args.options.find(k); v != nullptr && !v->is_string()) {
      return make_error(Errc::config, where + k + " must be a string");
    }
  }
  ServiceAccountAuthOptions opt;
  opt.token_url = std::string(args.options["token_url"].str());
  auto from_file = [&](const std::string &path) -> Result<std::shared_ptr<GoogleAuth>> {
    auto sa = read_service_account(path);
    if (!sa) return make_error(Errc::config, where + sa.error().message);
    auto auth = make_service_account_auth(std::move(*sa), runtime, opt);
    if (!auth) return make_error(Errc::config, where + auth.error().message);
    return auth;
  };
  // An explicit key file wins; then a key (api_key, api_key_env, GOOGLE_API_KEY); then the
  // environment's key file.
  if (const std::string_view file = args.options["credentials_file"].str(); !file.empty()) {
    return from_file(std::string(file));
  }
  auto key = resolve_api_key(args, "GOOGLE_API_KEY", false);
  if (!key) return make_error(Errc::config, key.error().message);
  if (!key->empty()) return make_api_key_auth(std::move(*key));
  if (const char *env = std::getenv("GOOGLE_APPLICATION_CREDENTIALS"); env != nullptr && *env != '\0') {
    return from_file(env);
  }
  const std::string_view variable = args.options["api_key_env"].str("GOOGLE_API_KEY");
  return make_error(Errc::config, where + "no Google credentials: set " + std::string(variable) +
                                      " (or api_key_env / api_key), or give a service-account key file "
                                      "(credentials_file or GOOGLE_APPLICATION_CREDENTIALS)");
}

}  // namespace ca::providers::google
