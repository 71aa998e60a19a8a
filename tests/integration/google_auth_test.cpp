// Google credentials: an API key, and a service account whose RS256 JWT (checked by a local token
// server with the account's key) is exchanged for a token that is cached and renewed before it
// expires, on an injected clock.
#include "providers/google/google_auth.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <vector>

#include "core/json.hpp"
#include "core/secrets.hpp"
#include "providers/google/service_account.hpp"
#include "providers/net_runtime.hpp"
#include "support/temp_dir.hpp"
#include "support/tts_servers.hpp"

using namespace ca;
using namespace ca::providers;
using namespace ca::providers::google;

namespace {

const std::string &test_pem() {
  static const std::string pem = test::generate_rsa_pem();
  return pem;
}

// headers() from the loop thread, as providers call it; waits for the answer.
Result<net::Headers> get_headers(NetRuntime &rt, GoogleAuth &auth) {
  auto p = std::make_shared<std::promise<Result<net::Headers>>>();
  auto f = p->get_future();
  rt.loop().post([&auth, p] { auth.headers([p](Result<net::Headers> h) { p->set_value(std::move(h)); }); });
  REQUIRE(f.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  return f.get();
}

std::string bearer(const Result<net::Headers> &h) {
  if (!h || h->empty()) return {};
  const std::string *v = net::find_header(h.value(), "Authorization");
  return v ? *v : std::string();
}

struct Fixture {
  std::shared_ptr<NetRuntime> rt = std::make_shared<NetRuntime>("auth-test");
  test::GoogleTokenServer tokens{test_pem()};
  std::atomic<int64_t> now{1'700'000'000};
  std::shared_ptr<GoogleAuth> auth;

  explicit Fixture(int64_t margin = 300) {
    auto sa = parse_service_account(tokens.key_file_json(test_pem()));
    REQUIRE(sa);
    ServiceAccountAuthOptions o;
    o.refresh_margin_s = margin;
    o.clock = [this] { return now.load(); };
    auto a = make_service_account_auth(*sa, rt, o);
    REQUIRE(a);
    auth = *a;
  }
};

}  // namespace

TEST_CASE("service account: the JWT is RS256-signed with the account's key and carries the claims") {
  Fixture fx;
  auto h = get_headers(*fx.rt, *fx.auth);
  REQUIRE(h);
  CHECK(bearer(h) == "Bearer " + test::GoogleTokenServer::token(1));
  auto ex = fx.tokens.exchanges();
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].signature_ok);
  CHECK(ex[0].grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer");
  CHECK(ex[0].content_type == "application/x-www-form-urlencoded");
  CHECK(ex[0].header["alg"].str() == "RS256");
  CHECK(ex[0].header["typ"].str() == "JWT");
  CHECK(ex[0].header["kid"].str() == "kid-0123456789");
  CHECK(ex[0].claims["iss"].str() == "tts@test-project.iam.gserviceaccount.com");
  CHECK(ex[0].claims["scope"].str() == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(ex[0].claims["aud"].str() == fx.tokens.token_uri());
  CHECK(ex[0].claims["iat"].as_int() == 1'700'000'000);
  CHECK(ex[0].claims["exp"].as_int() == 1'700'000'000 + 3600);
  // The token is a secret from now on.
  CHECK(secrets::redact("t=" + test::GoogleTokenServer::token(1)) == "t=[SECRET]");
}

TEST_CASE("service account: the token is cached, and renewed once the clock reaches expiry minus the margin") {
  Fixture fx;
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer " + test::GoogleTokenServer::token(1));
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer " + test::GoogleTokenServer::token(1));
  CHECK(fx.tokens.issued() == 1);
  fx.now += 3600 - 300 - 1;  // one second before the renewal point
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer " + test::GoogleTokenServer::token(1));
  CHECK(fx.tokens.issued() == 1);
  fx.now += 1;  // the renewal point
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer " + test::GoogleTokenServer::token(2));
  CHECK(fx.tokens.issued() == 2);
  auto ex = fx.tokens.exchanges();
  REQUIRE(ex.size() == 2);
  CHECK(ex[1].signature_ok);
  CHECK(ex[1].claims["iat"].as_int() == 1'700'000'000 + 3600 - 300);
}

TEST_CASE("service account: requests during an exchange wait for that one exchange") {
  Fixture fx;
  auto gate = std::make_shared<test::Gate>();
  // The token answer waits for the gate, so every request below arrives during the exchange.
  test::Reply held = test::Reply::json(200, json::dump(json::Value()
                                                           .set("access_token", "ya29.held-token-0123456789")
                                                           .set("expires_in", 3600)
                                                           .set("token_type", "Bearer")));
  held.parts.push_back({held.body, 0, gate});
  held.body.clear();
  fx.tokens.http().push(held);

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  constexpr int kRequests = 5;
  for (int i = 0; i < kRequests; ++i) {
    fx.rt->loop().post([&] {
      fx.auth->headers([&](Result<net::Headers> h) {
        std::lock_guard l(mu);
        got.push_back(bearer(h));
        cv.notify_all();
      });
    });
  }
  REQUIRE(fx.tokens.http().wait_for_requests(1));
  gate->open();
  std::unique_lock l(mu);
  REQUIRE(cv.wait_for(l, std::chrono::seconds(20), [&] { return got.size() == kRequests; }));
  for (const auto &b : got) CHECK(b == "Bearer ya29.held-token-0123456789");
  CHECK(fx.tokens.http().request_count() == 1);
}

TEST_CASE("service account: a failed exchange fails its waiters; the next request tries again") {
  Fixture fx;
  fx.tokens.http().push(test::Reply::json(400, R"({"error":"invalid_grant","error_description":"Bad clock."})"));
  auto first = get_headers(*fx.rt, *fx.auth);
  REQUIRE_FALSE(first);
  CHECK(first.error().message.find("invalid_grant: Bad clock.") != std::string::npos);
  CHECK(first.error().message.find("400") != std::string::npos);
  auto second = get_headers(*fx.rt, *fx.auth);
  REQUIRE(second);
  CHECK(bearer(second) == "Bearer " + test::GoogleTokenServer::token(1));
}

TEST_CASE("service account: a short-lived token is renewed at half its life, not on every request") {
  Fixture fx(300);
  fx.tokens.http().push(test::Reply::json(
      200, R"({"access_token":"ya29.short-lived-0123456789","expires_in":120,"token_type":"Bearer"})"));
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer ya29.short-lived-0123456789");
  fx.now += 59;
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer ya29.short-lived-0123456789");
  fx.now += 1;
  CHECK(bearer(get_headers(*fx.rt, *fx.auth)) == "Bearer " + test::GoogleTokenServer::token(1));
}

TEST_CASE("service account key files: what is wrong is named, and the key is never quoted") {
  const std::string pem = test_pem();
  auto good = [&] {
    return json::Value()
        .set("type", "service_account")
        .set("client_email", "a@b.iam.gserviceaccount.com")
        .set("private_key", pem);
  };
  CHECK(parse_service_account(json::dump(good())));
  CHECK(parse_service_account(json::dump(good()))->token_uri == "https://oauth2.googleapis.com/token");
  auto no_email = good();
  no_email.erase("client_email");
  CHECK(parse_service_account(json::dump(no_email)).error().message.find("client_email") != std::string::npos);
  auto user = good();
  user.set("type", "authorized_user");
  CHECK(parse_service_account(json::dump(user)).error().message.find("authorized_user") != std::string::npos);
  auto garbage = good();
  garbage.set("private_key", "-----BEGIN PRIVATE KEY-----\nnot-a-key-at-all\n-----END PRIVATE KEY-----\n");
  auto bad = parse_service_account(json::dump(garbage));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("not-a-key") == std::string::npos);
  // An EC key cannot sign RS256.
  EVP_PKEY *ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
  char *data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  auto ec_key = good();
  ec_key.set("private_key", std::string(data, static_cast<size_t>(n)));
  BIO_free(bio);
  EVP_PKEY_free(ec);
  auto not_rsa = parse_service_account(json::dump(ec_key));
  REQUIRE_FALSE(not_rsa);
  CHECK(not_rsa.error().message.find("RSA") != std::string::npos);
  CHECK_FALSE(parse_service_account("[1,2]"));
}

TEST_CASE("make_google_auth: an API key goes in x-goog-api-key; a key file gives a service account") {
  auto rt = std::make_shared<NetRuntime>("auth-test");
  FactoryArgs a;
  a.name = "g";
  a.where = "test.toml:3";
  SUBCASE("api_key") {
    a.options.set("api_key", "AIzaMakeAuthTest0123456789");
    auto auth = make_google_auth(a, rt);
    REQUIRE(auth);
    auto h = get_headers(*rt, **auth);
    REQUIRE(h);
    REQUIRE(h->size() == 1);
    CHECK((*h)[0].name == "x-goog-api-key");
    CHECK((*h)[0].value == "AIzaMakeAuthTest0123456789");
  }
  SUBCASE("api_key_env") {
    ::setenv("CALLAGENT_TEST_GOOGLE_KEY", "AIzaFromEnvironment0123456789", 1);
    a.options.set("api_key_env", "CALLAGENT_TEST_GOOGLE_KEY");
    auto auth = make_google_auth(a, rt);
    ::unsetenv("CALLAGENT_TEST_GOOGLE_KEY");
    REQUIRE(auth);
    auto h = get_headers(*rt, **auth);
    REQUIRE(h);
    CHECK(net::find_header(*h, "x-goog-api-key") != nullptr);
    CHECK(*net::find_header(*h, "x-goog-api-key") == "AIzaFromEnvironment0123456789");
  }
  SUBCASE("credentials_file, with token_url overriding the file's token_uri") {
    test::GoogleTokenServer tokens(test_pem());
    test::TempDir dir;
    {
      // token_uri points nowhere: token_url must win, while aud stays the file's token_uri.
      auto key = json::parse(tokens.key_file_json(test_pem()));
      REQUIRE(key);
      key->set("token_uri", "http://127.0.0.1:1/token");
      std::ofstream(dir.file("sa.json")) << json::dump(*key);
    }
    a.options.set("credentials_file", dir.file("sa.json")).set("token_url", tokens.token_uri());
    auto auth = make_google_auth(a, rt);
    REQUIRE(auth);
    auto h = get_headers(*rt, **auth);
    REQUIRE(h);
    CHECK(bearer(h) == "Bearer " + test::GoogleTokenServer::token(1));
    auto ex = tokens.exchanges();
    REQUIRE(ex.size() == 1);
    CHECK(ex[0].signature_ok);
    CHECK(ex[0].claims["aud"].str() == "http://127.0.0.1:1/token");
  }
  SUBCASE("a missing key file is named") {
    a.options.set("credentials_file", "/nonexistent/sa.json");
    auto auth = make_google_auth(a, rt);
    REQUIRE_FALSE(auth);
    CHECK(auth.error().message.find("/nonexistent/sa.json") != std::string::npos);
    CHECK(auth.error().message.find("test.toml:3") != std::string::npos);
  }
}
