/* Engine configuration from a TOML file: its [session] section sets the defaults of sessions,
 * and a broken file is refused with the file and line. C11, public header only. */
#include <callagent/callagent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plugins.h"

/* Plug-ins that accept every request and never answer: this test only looks at what the session
 * says first. */
static void stt_open(void *ud, uint64_t id, const ca_stt_params *p, ca_sink_t *sink) {
  (void)ud; (void)id; (void)p;
  ca_sink_release(sink);
}
static void tts_synth(void *ud, uint64_t id, const ca_tts_request *r, ca_sink_t *sink) {
  (void)ud; (void)id; (void)r;
  ca_sink_release(sink);
}
static void llm_start(void *ud, uint64_t id, const ca_llm_request *r, ca_sink_t *sink) {
  (void)ud; (void)id; (void)r;
  ca_sink_release(sink);
}

static char first_clause[256];

static void on_event(const ca_event *e, void *ud) {
  (void)ud;
  if (e->type == CA_EVENT_BOT_CLAUSE && first_clause[0] == '\0') {
    snprintf(first_clause, sizeof first_clause, "%s", e->text);
  }
}

static const char *write_file(const char *name, const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "/tmp/callagent-capi-%d-%s", (int)getpid(), name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

static ca_status make_session(ca_engine_t *engine, const char *greeting, ca_session_t **s) {
  ca_session_params p;
  ca_session_default_params(&p, sizeof p);
  p.stt = "null";
  p.tts = "null";
  p.llm = "null";
  p.greeting = greeting;
  p.on_event = on_event;
  return ca_session_create(engine, &p, s);
}

int main(void) {
  ca_engine_t *engine = NULL;
  EXPECT(ca_engine_create(NULL, &engine) == CA_OK);
  EXPECT(register_plugins(engine, "null", stt_open, tts_synth, llm_start) == CA_OK);

  /* A broken file: refused, with the file and the line, and nothing changes. */
  const char *bad = write_file("bad.toml", "[session]\nlanguage = \"en\"\nend_of_turn_silens = 0.5\n");
  EXPECT(bad != NULL);
  EXPECT(ca_engine_load_config(engine, bad) == CA_ERR_CONFIG);
  EXPECT(strstr(ca_last_error(), ":3: unknown key \"end_of_turn_silens\" in [session]") != NULL);
  EXPECT(ca_engine_load_config(engine, "/nonexistent/callagent.toml") == CA_ERR_CONFIG);
  remove(bad);

  /* A good one: its greeting is what a session says first, unless the params say otherwise. */
  const char *good = write_file("good.toml", "[session]\nlanguage = \"en\"\ngreeting = \"Configured greeting.\"\n");
  EXPECT(ca_engine_load_config(engine, good) == CA_OK);
  remove(good);
  ca_session_t *s = NULL;
  EXPECT(make_session(engine, NULL, &s) == CA_OK);
  EXPECT(ca_session_process(s, 0) == CA_OK);
  EXPECT(strcmp(first_clause, "Configured greeting.") == 0);
  ca_session_destroy(s);

  first_clause[0] = '\0';
  EXPECT(make_session(engine, "From the params.", &s) == CA_OK);
  EXPECT(ca_session_process(s, 0) == CA_OK);
  EXPECT(strcmp(first_clause, "From the params.") == 0);
  ca_session_destroy(s);

  EXPECT(ca_engine_load_config(NULL, NULL) == CA_ERR_INVALID_ARGUMENT);
  ca_engine_destroy(engine);
  return check_report();
}
