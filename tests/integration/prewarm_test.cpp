// ca_engine_prewarm: the fixed phrases of the configured language are synthesised into every TTS
// plug-in's phrase cache before the first call, so a call's greeting is a cache hit.
#include <doctest/doctest.h>

#include <callagent/callagent.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

#include "capi/capi_internal.hpp"
#include "providers/tts_cache.hpp"
#include "session/phrases.hpp"

TEST_CASE("prewarm fills the espeak phrase cache with the configured language's fixed phrases") {
  const std::string path = "/tmp/callagent-prewarm-" + std::to_string(::getpid()) + ".toml";
  {
    std::ofstream f(path);
    f << "[session]\nlanguage = \"en\"\n[tts.voice]\ntype = \"espeak\"\n";
  }
  ca_engine_t *engine = nullptr;
  REQUIRE(ca_engine_create(nullptr, &engine) == CA_OK);
  REQUIRE(ca_engine_load_config(engine, path.c_str()) == CA_OK);
  std::remove(path.c_str());

  auto cache = std::dynamic_pointer_cast<ca::providers::CachedTts>(ca::capi::from(engine)->tts.at("voice"));
  REQUIRE(cache != nullptr);
  CHECK(cache->stats().stored == 0);
  CHECK(ca_engine_prewarm(engine, 8000, 60000) == CA_OK);
  const ca::session::Phrases &ph = ca::session::default_phrases("en");
  const size_t phrases = 11 + ph.fillers.size();  // greeting, ten fixed phrases, the fillers
  CHECK(cache->stats().stored + 1 >= phrases);    // two phrases may be equal
  CHECK(cache->stats().stored <= phrases);
  // Again: everything is cached already, nothing is synthesised.
  const auto stored = cache->stats().stored;
  CHECK(ca_engine_prewarm(engine, 8000, 60000) == CA_OK);
  CHECK(cache->stats().stored == stored);

  CHECK(ca_engine_prewarm(nullptr, 8000, 0) == CA_ERR_INVALID_ARGUMENT);
  CHECK(ca_engine_prewarm(engine, 100, 0) == CA_ERR_INVALID_ARGUMENT);
  ca_engine_destroy(engine);
}
