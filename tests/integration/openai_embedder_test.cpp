// OpenAIEmbedder against the scripted server speaking the embeddings wire format: the request it
// sends, vectors placed by index, batches, errors, retries — and the knowledge base's fused search
// through it end to end, which must rank exactly as with the same vectors computed locally.
#include "kb/openai_embedder.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "core/json.hpp"
#include "kb/embedder.hpp"
#include "kb/knowledge_base.hpp"
#include "support/http_test_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace ca;
using namespace ca::kb;

namespace {

struct NoProxyEnv {
  NoProxyEnv() {
    for (const char *v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      ::unsetenv(v);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::unsetenv("OPENAI_API_KEY");
  }
};
const NoProxyEnv no_proxy_env;

// {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]}, ...]} in the given order.
std::string answer(const std::vector<std::pair<int, std::vector<float>>> &items) {
  json::Value data = json::Value::array();
  for (const auto &[i, v] : items) {
    json::Value vec = json::Value::array();
    for (float x : v) vec.push(static_cast<double>(x));
    data.push(json::Value().set("object", "embedding").set("index", i).set("embedding", std::move(vec)));
  }
  return json::dump(json::Value()
                        .set("object", "list")
                        .set("data", std::move(data))
                        .set("model", "m")
                        .set("usage", json::Value().set("prompt_tokens", 1).set("total_tokens", 1)));
}

std::vector<std::string> inputs_of(const test::ReceivedRequest &q) {
  std::vector<std::string> out;
  auto body = json::parse(q.body);
  if (!body) return out;
  for (const auto &x : (*body)["input"].items()) out.push_back(x.as_string());
  return out;
}

// A vector that says which text it is for.
std::vector<float> mark(const std::string &text) {
  return {static_cast<float>(text.size()), static_cast<float>(static_cast<unsigned char>(text.empty() ? 0 : text[0]))};
}

// Answers every request with mark() vectors, listed last input first.
test::Reply marking(const test::ReceivedRequest &q) {
  const auto in = inputs_of(q);
  std::vector<std::pair<int, std::vector<float>>> items;
  for (size_t i = in.size(); i-- > 0;) items.emplace_back(static_cast<int>(i), mark(in[i]));
  return test::Reply::json(200, answer(items));
}

std::shared_ptr<OpenAIEmbedder> make(const std::string &url,
                                     const std::function<void(OpenAIEmbedderOptions &)> &tweak = {}) {
  OpenAIEmbedderOptions o;
  o.base_url = url;
  o.model = "test-embed";
  o.dimensions = 2;
  o.http.seed = 3;
  if (tweak) tweak(o);
  auto e = OpenAIEmbedder::create(std::move(o));
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
  return e.value();
}

}  // namespace

TEST_CASE("embeddings: the URL rule") {
  CHECK(embeddings_url("https://api.openai.com") == "https://api.openai.com/v1/embeddings");
  CHECK(embeddings_url("https://api.openai.com/") == "https://api.openai.com/v1/embeddings");
  CHECK(embeddings_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1/embeddings");
  CHECK(embeddings_url("http://127.0.0.1:8000/v1/") == "http://127.0.0.1:8000/v1/embeddings");
  CHECK(embeddings_url("http://gw/openai/deployments/e3/embeddings") == "http://gw/openai/deployments/e3/embeddings");
  CHECK(embeddings_url("http://h/api") == "http://h/api/v1/embeddings");
  OpenAIEmbedderOptions no_scheme;
  no_scheme.base_url = "localhost:8000";
  CHECK(OpenAIEmbedder::create(std::move(no_scheme)).error().code == Errc::config);
}

TEST_CASE("embeddings: the request, the key, the dimension learnt from a probe, vectors placed by index") {
  test::HttpTestServer srv;
  srv.push(test::Reply::json(200, answer({{0, {0.5f, -0.25f, 1.0f}}})));
  auto e = make(srv.url("/"), [](OpenAIEmbedderOptions &o) {
    o.dimensions = 0;
    o.api_key = "sk-test-123";
  });
  CHECK(e->dimensions() == 3);
  CHECK(e->model() == "test-embed");
  REQUIRE(srv.request_count() == 1);
  const auto probe = srv.requests()[0];
  CHECK(probe.method == "POST");
  CHECK(probe.path == "/v1/embeddings");
  CHECK(probe.header_value("Authorization") == "Bearer sk-test-123");
  CHECK(probe.header_value("Content-Type") == "application/json");
  CHECK(probe.body == R"({"model":"test-embed","input":["dimension probe"]})");

  srv.push(test::Reply::json(200, answer({{2, {3, 3, 3}}, {0, {1, 1, 1}}, {1, {2, 2, 2}}})));
  auto v = e->embed({"a", "b", "c"});
  REQUIRE(v.ok());
  REQUIRE(v->size() == 3);
  CHECK((*v)[0] == std::vector<float>{1, 1, 1});
  CHECK((*v)[1] == std::vector<float>{2, 2, 2});
  CHECK((*v)[2] == std::vector<float>{3, 3, 3});
  CHECK(srv.requests()[1].body == R"({"model":"test-embed","input":["a","b","c"]})");
  // A vector of another length is an error, not a silent mix of spaces.
  srv.push(test::Reply::json(200, answer({{0, {1, 1}}})));
  auto wrong = e->embed({"x"});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == Errc::protocol);

  // The key from the environment; a base URL ending in /v1 gets /embeddings only.
  ::setenv("OPENAI_API_KEY", "sk-env-456", 1);
  auto from_env = make(srv.url("/v1"));
  ::unsetenv("OPENAI_API_KEY");
  srv.push(test::Reply::json(200, answer({{0, {1, 2}}})));
  REQUIRE(from_env->embed({"x"}).ok());
  const auto last = srv.requests().back();
  CHECK(last.path == "/v1/embeddings");
  CHECK(last.header_value("Authorization") == "Bearer sk-env-456");
  CHECK(from_env->embed({}).value().empty());
}

TEST_CASE("embeddings: texts beyond the batch size go in several requests, in order") {
  test::HttpTestServer srv(marking);
  auto e = make(srv.url("/v1"), [](OpenAIEmbedderOptions &o) { o.max_batch = 2; });
  const std::vector<std::string> texts = {"alpha", "b", "gamma!", "de", "epsilon-x"};
  auto v = e->embed(texts);
  REQUIRE(v.ok());
  REQUIRE(v->size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) CHECK((*v)[i] == mark(texts[i]));
  const auto reqs = srv.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(inputs_of(reqs[0]) == std::vector<std::string>{"alpha", "b"});
  CHECK(inputs_of(reqs[1]) == std::vector<std::string>{"gamma!", "de"});
  CHECK(inputs_of(reqs[2]) == std::vector<std::string>{"epsilon-x"});
}

TEST_CASE("embeddings: HTTP errors, error bodies and malformed answers are errors; the key never shows") {
  test::HttpTestServer srv;
  auto e = make(srv.url("/"), [](OpenAIEmbedderOptions &o) {
    o.api_key = "sk-secret-999";
    o.retries = 0;
  });
  srv.push(test::Reply::json(
      400, R"({"error":{"message":"The model `nope` does not exist","type":"invalid_request_error"}})"));
  auto bad = e->embed({"x"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::invalid_argument);
  CHECK(bad.error().message.find("does not exist") != std::string::npos);

  srv.push(test::Reply::json(401, R"({"error":{"message":"Incorrect API key provided: sk-secret-999."}})"));
  auto denied = e->embed({"x"});
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().code == Errc::config);
  CHECK(denied.error().message.find("sk-secret-999") == std::string::npos);
  CHECK(denied.error().message.find("[key]") != std::string::npos);

  const std::vector<std::string> malformed = {
      R"({"error":{"message":"overloaded"}})",
      R"({"data":[]})",
      R"({"data":[{"index":0,"embedding":[1,2]},{"index":0,"embedding":[1,2]}]})",
      R"({"data":[{"embedding":[1,2]},{"index":1,"embedding":[1,2]}]})",
      R"({"data":[{"index":0,"embedding":[1,2]},{"index":2,"embedding":[1,2]}]})",
      R"({"data":[{"index":0,"embedding":[1,"x"]},{"index":1,"embedding":[1,2]}]})",
      R"({"data":[{"index":0,"embedding":[1,2,3]},{"index":1,"embedding":[1,2,3]}]})",
      R"({"data":{"index":0}})",
      "not json",
  };
  for (const std::string &body : malformed) {
    srv.push(test::Reply::json(200, body));
    auto r = e->embed({"x", "y"});
    INFO(body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::protocol);
  }
  srv.push(test::Reply::json(500, "{}"));
  CHECK(e->embed({"x"}).error().code == Errc::io);
  CHECK(srv.request_count() == 2 + malformed.size() + 1);
}

TEST_CASE("embeddings: 429 and 5xx are retried, honouring Retry-After") {
  test::HttpTestServer srv;
  auto e = make(srv.url("/"));
  srv.push(test::Reply::retry_after(429, "0", R"({"error":{"message":"rate limited"}})"));
  srv.push(test::Reply::json(503, "{}"));
  srv.push(test::Reply::json(200, answer({{0, {4, 2}}})));
  auto v = e->embed({"x"});
  REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().message));
  CHECK((*v)[0] == std::vector<float>{4, 2});
  const auto reqs = srv.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].body == reqs[2].body);
  // Three attempts in all: a fourth failure is reported.
  for (int i = 0; i < 3; ++i) srv.push(test::Reply::retry_after(429, "0"));
  CHECK(e->embed({"x"}).error().code == Errc::io);
  CHECK(srv.request_count() == 6);
}

TEST_CASE("embeddings: the knowledge base's fused search through the service ranks as the same vectors do locally") {
  constexpr size_t kDims = 256;
  // The service computes trigram vectors server-side and lists them in reverse.
  TrigramEmbedder local(kDims);
  test::HttpTestServer srv([&local](const test::ReceivedRequest &q) {
    const auto in = inputs_of(q);
    std::vector<std::pair<int, std::vector<float>>> items;
    for (size_t i = in.size(); i-- > 0;) items.emplace_back(static_cast<int>(i), local.embed_one(in[i]));
    return test::Reply::json(200, answer(items));
  });
  auto remote = make(srv.url("/v1"), [](OpenAIEmbedderOptions &o) {
    o.dimensions = 0;  // learnt: 256
    o.max_batch = 16;
  });
  REQUIRE(remote->dimensions() == kDims);

  test::TempDir dir;
  const std::string articles = std::string(CALLAGENT_SOURCE_DIR) + "/examples/kb";
  auto a = KnowledgeBase::open(dir.file("remote.db"), {.embedder = remote});
  auto b = KnowledgeBase::open(dir.file("local.db"), {.embedder = std::make_shared<TrigramEmbedder>(kDims)});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto ra = (*a)->import_directory(articles);
  auto rb = (*b)->import_directory(articles);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(ra->problems.empty());
  CHECK(ra->embedded > 16);  // several batches
  CHECK(ra->embedded == rb->embedded);
  const size_t after_import = srv.request_count();
  CHECK(after_import >= 1 + (ra->embedded + 15) / 16);

  for (const char *query : {"коли міняти літню гуму на зимову", "шипи", "return tyres within 14 days",
                            "як читати маркування шини", "зимові шини для позашляховика"}) {
    auto ha = (*a)->search(query, "", 5);
    auto hb = (*b)->search(query, "", 5);
    REQUIRE(ha.ok());
    REQUIRE(hb.ok());
    INFO(query);
    REQUIRE(ha->size() == hb->size());
    CHECK_FALSE(ha->empty());
    for (size_t i = 0; i < ha->size(); ++i) {
      CHECK((*ha)[i].chunk_id == (*hb)[i].chunk_id);
      CHECK((*ha)[i].score == doctest::Approx((*hb)[i].score));
    }
  }
  CHECK(srv.request_count() == after_import + 5);  // one query embedding per search
}

TEST_CASE("embeddings: callagent kb import and search with --embed-url") {
  TrigramEmbedder local(64);
  test::HttpTestServer srv([&local](const test::ReceivedRequest &q) {
    const auto in = inputs_of(q);
    std::vector<std::pair<int, std::vector<float>>> items;
    for (size_t i = 0; i < in.size(); ++i) items.emplace_back(static_cast<int>(i), local.embed_one(in[i]));
    return test::Reply::json(200, answer(items));
  });
  test::TempDir dir;
  const std::string cli = CALLAGENT_CLI_PATH;
  const std::string db = dir.file("kb.db");
  const std::string articles = std::string(CALLAGENT_SOURCE_DIR) + "/examples/kb";
  test::Process imp(
      {cli, "kb", "import", articles, "--db", db, "--embed-url", srv.url("/v1"), "--embed-model", "tri-64"});
  REQUIRE_MESSAGE(imp.wait() == 0, imp.err());
  CHECK(imp.out().find("with tri-64") != std::string::npos);
  CHECK(imp.out().find("embedded 0 chunks") == std::string::npos);
  const size_t after_import = srv.request_count();
  CHECK(after_import >= 2);  // the dimension probe, then the chunks

  test::Process search({cli, "kb", "search", "шипи", "--db", db, "--json", "--embed-url", srv.url("/v1/embeddings"),
                        "--embed-model", "tri-64", "--embed-dims", "64"});
  REQUIRE_MESSAGE(search.wait() == 0, search.err());
  auto hits = json::parse(search.out());
  REQUIRE(hits.ok());
  CHECK(hits->size() >= 1);
  CHECK(srv.request_count() == after_import + 1);  // the query, and no probe with --embed-dims
  const auto last = srv.requests().back();
  CHECK(last.body == R"({"model":"tri-64","input":["шипи"]})");

  test::Process lonely({cli, "kb", "search", "шипи", "--db", db, "--embed-model", "tri-64"});
  CHECK(lonely.wait() == 2);
  CHECK(lonely.err().find("--embed-url") != std::string::npos);
}
