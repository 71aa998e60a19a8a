/* A C tool's speech_words_json reaches a C recogniser's ca_stt_params.hints once a configuration
 * is loaded, after the stream's own hints; text that is not a word list is refused at
 * registration; a 0.3 vtable (without the field) still registers. C11, public header only. */
#include <callagent/callagent.h>
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "plugins.h"

static int opened = 0;
static size_t hint_count = 0;
static int has_michelin = 0, has_kyiv = 0, michelins = 0;

static void stt_open(void *ud, uint64_t id, const ca_stt_params *p, ca_sink_t *sink) {
  (void)ud;
  ++opened;
  hint_count = p->hint_count;
  michelins = 0;
  for (size_t i = 0; i < p->hint_count; ++i) {
    if (strcmp(p->hints[i], "Michelin") == 0) ++michelins;
    if (strcmp(p->hints[i], "Київ") == 0) has_kyiv = 1;
  }
  has_michelin = michelins > 0;
  ca_sink_stt_done(sink, id);
  ca_sink_release(sink);
}
static void llm_start(void *ud, uint64_t id, const ca_llm_request *r, ca_sink_t *sink) {
  (void)ud; (void)r;
  ca_sink_llm_done(sink, id, 0, 0);
  ca_sink_release(sink);
}
static void tool_invoke(void *ud, uint64_t id, const char *args, const ca_tool_context *c, ca_sink_t *sink) {
  (void)ud; (void)args; (void)c;
  ca_sink_tool_result(sink, id, 1, "{}", 0, NULL);
  ca_sink_release(sink);
}

static ca_status register_tool(ca_engine_t *engine, const char *name, const char *words, uint32_t size) {
  ca_tool_vtable t;
  memset(&t, 0, sizeof t);
  t.struct_size = size;
  t.name = name;
  t.invoke = tool_invoke;
  t.speech_words_json = words;
  return ca_engine_register_tool(engine, &t);
}

int main(void) {
  ca_engine_t *engine = NULL;
  EXPECT(ca_engine_create(NULL, &engine) == CA_OK);
  EXPECT(register_plugins(engine, "x", stt_open, plugins_silent_tts, llm_start) == CA_OK);

  /* Not a word list: refused, saying what is wrong; nothing registered. */
  EXPECT(register_tool(engine, "bad", "{\"brands\":\"Michelin\"}", sizeof(ca_tool_vtable)) ==
         CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "brands must be an array") != NULL);
  EXPECT(register_tool(engine, "bad", "{\"colours\":[\"red\"]}", sizeof(ca_tool_vtable)) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "unknown key \"colours\"") != NULL);
  EXPECT(register_tool(engine, "bad", "{\"brands\":[", sizeof(ca_tool_vtable)) == CA_ERR_INVALID_ARGUMENT);
  /* A 0.3 vtable ends before speech_words_json: whatever lies there is not read. */
  EXPECT(register_tool(engine, "old", "not json", (uint32_t)offsetof(ca_tool_vtable, speech_words_json)) == CA_OK);
  EXPECT(register_tool(engine, "shop", "{\"brands\":[\"Michelin\",\"Nokian\"],\"cities\":[\"Київ\"]}",
                       sizeof(ca_tool_vtable)) == CA_OK);

  /* Loading a configuration (here: the environment alone) hands the tools' words over. */
  EXPECT(ca_engine_load_config(engine, NULL) == CA_OK);

  ca_session_params p;
  plugins_session_params(&p, "x");
  ca_session_t *s = NULL;
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);
  /* Speech-like tone: the session opens a recognition stream. */
  int16_t in[160], out[160];
  int64_t t = 0;
  for (int i = 0; i < 100 && opened == 0; ++i) {
    plugins_speech_frame(in, i, i >= 20);
    t += 20000000;
    EXPECT(ca_session_push_audio(s, in, 160) == CA_OK);
    EXPECT(ca_session_process(s, t) == CA_OK);
    EXPECT(ca_session_pull_audio(s, out, 160, NULL) == CA_OK);
  }
  EXPECT(opened >= 1);
  EXPECT(hint_count == 3);
  EXPECT(has_michelin);
  EXPECT(michelins == 1);
  EXPECT(has_kyiv);

  ca_session_destroy(s);
  ca_engine_destroy(engine);
  return check_report();
}
