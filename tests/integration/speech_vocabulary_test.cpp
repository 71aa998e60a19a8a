// The configured tools' words reach every configured recogniser: a [tools.*] tyre_shop section's
// catalogue (from a real SQLite store) arrives as phrase hints at a recogniser a C factory built,
// after the stream's own hints and none twice.
#include <doctest/doctest.h>

#include <callagent/callagent.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "capi/capi_internal.hpp"
#include "providers/provider.hpp"
#include "store/sqlite_store.hpp"

namespace {

std::vector<std::string> g_hints;  // what the plug-in's open() was given

void stt_open(void *, uint64_t, const ca_stt_params *p, ca_sink_t *sink) {
  g_hints.clear();
  for (size_t i = 0; i < p->hint_count; ++i) g_hints.emplace_back(p->hints[i]);
  ca_sink_release(sink);
}
void stt_push(void *, uint64_t, const int16_t *, size_t) {}
void stt_finish(void *, uint64_t) {}

ca_status create(void *, int kind, const char *, const char *, void *vtable, char *, size_t) {
  if (kind != CA_PLUGIN_STT) return CA_ERR_CONFIG;
  auto *vt = static_cast<ca_stt_vtable *>(vtable);
  vt->open = stt_open;
  vt->push = stt_push;
  vt->finish = stt_finish;
  return CA_OK;
}

struct NullSink final : ca::providers::SttSink {
  void on_stt(ca::providers::RequestId, ca::providers::SttEvent) override {}
};

bool has(const std::vector<std::string> &v, const std::string &s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("a configured tool pack's catalogue reaches a configured recogniser as phrase hints") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("callagent-vocab-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "shop.db").string();
  std::vector<std::string> brands;
  {
    auto s = ca::store::SqliteStore::open({.path = db, .clock = {}});
    REQUIRE(s.ok());
    auto v = s.value()->vocabulary();
    REQUIRE(v.ok());
    brands = v->brands;
  }
  REQUIRE(brands.size() >= 10);
  const std::string toml = (dir / "callagent.toml").string();
  {
    std::ofstream f(toml);
    f << "[stt.ears]\ntype = \"hinted\"\n\n[tools.shop]\ntype = \"tyre_shop\"\nstore = \"" << db << "\"\n";
  }
  ca_engine_t *engine = nullptr;
  REQUIRE(ca_engine_create(nullptr, &engine) == CA_OK);
  ca_factory factory{};
  factory.struct_size = sizeof factory;
  factory.create = create;
  REQUIRE(ca_engine_register_factory(engine, CA_PLUGIN_STT, "hinted", &factory) == CA_OK);
  REQUIRE_MESSAGE(ca_engine_load_config(engine, toml.c_str()) == CA_OK, ca_last_error());

  ca::providers::SttParams p;
  p.id = 1;
  p.sample_rate = 8000;
  p.language = "uk";
  p.hints = {"шиномонтаж", "Michelin"};
  ca::capi::from(engine)->stt.at("ears")->open(p, std::make_shared<NullSink>());
  REQUIRE(g_hints.size() > 2);
  CHECK(g_hints[0] == "шиномонтаж");  // the stream's own first
  CHECK(g_hints[1] == "Michelin");
  for (const auto &b : brands) CHECK_MESSAGE(has(g_hints, b), b);
  CHECK(std::count(g_hints.begin(), g_hints.end(), "Michelin") == 1);
  CHECK(has(g_hints, "Київ"));               // the stations' cities
  CHECK(has(g_hints, "ШинСервіс Оболонь"));  // and the stations
  CHECK(has(g_hints, "205/55 R16"));         // the catalogue's sizes
  CHECK(has(g_hints, "Toyota Camry"));       // cars with their make
  ca_engine_destroy(engine);
  std::filesystem::remove_all(dir);
}
