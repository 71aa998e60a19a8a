/* Plug-ins built from configuration: factories registered by type, sections [stt.NAME] … with
 * their options, [session] defaults naming them, errors naming the section, reloads replacing
 * what was built, and every built instance destroyed exactly once. C11, public header only. */
#include <callagent/callagent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plugins.h"

/* One built plug-in instance: what the factory was given. */
typedef struct instance {
  int kind;
  char name[64];
  char options[256];
  int live;
} instance;

static instance instances[32];
static int instance_count = 0;
static int factory_destroyed = 0;
static char spoken[256];

static int live_instances(void) {
  int n = 0;
  for (int i = 0; i < instance_count; ++i) n += instances[i].live;
  return n;
}

static void instance_destroy(void *ud) { ((instance *)ud)->live = 0; }

static void stt_open(void *ud, uint64_t id, const ca_stt_params *p, ca_sink_t *sink) {
  (void)ud; (void)id; (void)p;
  ca_sink_release(sink);
}
static void tts_synth(void *ud, uint64_t id, const ca_tts_request *r, ca_sink_t *sink) {
  (void)id;
  /* Which instance speaks, and what: "<name>:<text>". */
  snprintf(spoken, sizeof spoken, "%s:%s", ((instance *)ud)->name, r->text);
  ca_sink_release(sink);
}
static void llm_start(void *ud, uint64_t id, const ca_llm_request *r, ca_sink_t *sink) {
  (void)ud; (void)id; (void)r;
  ca_sink_release(sink);
}
static void tool_invoke(void *ud, uint64_t id, const char *args, const ca_tool_context *c, ca_sink_t *sink) {
  (void)ud; (void)args; (void)c;
  ca_sink_tool_result(sink, id, 1, "{}", 0, NULL);
  ca_sink_release(sink);
}

/* The factory: refuses options with "bad": true, else builds an instance of `kind`. */
static ca_status create(void *ud, int kind, const char *name, const char *options, void *vtable, char *error,
                        size_t error_size) {
  (void)ud;
  if (strstr(options, "\"bad\":true") != NULL) {
    snprintf(error, error_size, "option bad must not be true");
    return CA_ERR_CONFIG;
  }
  if (instance_count == 32) return CA_ERR_NO_MEMORY;
  instance *in = &instances[instance_count++];
  in->kind = kind;
  snprintf(in->name, sizeof in->name, "%s", name);
  snprintf(in->options, sizeof in->options, "%s", options);
  in->live = 1;
  switch (kind) {
    case CA_PLUGIN_STT: {
      ca_stt_vtable *vt = vtable;
      vt->user_data = in;
      vt->open = stt_open;
      vt->push = plugins_noop_push;
      vt->finish = plugins_noop_finish;
      vt->destroy = instance_destroy;
      break;
    }
    case CA_PLUGIN_TTS: {
      ca_tts_vtable *vt = vtable;
      vt->user_data = in;
      vt->synthesize = tts_synth;
      vt->destroy = instance_destroy;
      break;
    }
    case CA_PLUGIN_LLM: {
      ca_llm_vtable *vt = vtable;
      vt->user_data = in;
      vt->start = llm_start;
      vt->destroy = instance_destroy;
      break;
    }
    default: {
      ca_tool_vtable *vt = vtable;
      vt->user_data = in;
      vt->invoke = tool_invoke; /* the name stays NULL: it becomes NAME */
      vt->destroy = instance_destroy;
      break;
    }
  }
  return CA_OK;
}

static void factory_destroy(void *ud) {
  (void)ud;
  ++factory_destroyed;
}

static const char *write_file(const char *name, const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "/tmp/callagent-capi-factory-%d-%s", (int)getpid(), name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

static ca_status load(ca_engine_t *engine, const char *text) {
  const char *path = write_file("c.toml", text);
  if (path == NULL) return CA_ERR_IO;
  ca_status st = ca_engine_load_config(engine, path);
  remove(path);
  return st;
}

static const instance *find_instance(const char *name, int kind) {
  for (int i = instance_count - 1; i >= 0; --i) {
    if (instances[i].kind == kind && strcmp(instances[i].name, name) == 0) return &instances[i];
  }
  return NULL;
}

static const char *const kConfig =
    "[session]\n"
    "language = \"en\"\n"
    "greeting = \"Hello from the configuration.\"\n"
    "stt = \"ears\"\n"
    "tts = \"voice\"\n"
    "llm = \"brain\"\n"
    "tools = [\"lookup\"]\n"
    "[stt.ears]\n"
    "type = \"c_test\"\n"
    "model = \"small\"\n"
    "[tts.voice]\n"
    "type = \"c_test\"\n"
    "rate = 1.25\n"
    "[llm.brain]\n"
    "type = \"c_test\"\n"
    "replies = [\"one\", \"two\"]\n"
    "[tools.lookup]\n"
    "type = \"c_test\"\n"
    "[tools.other]\n"
    "type = \"c_test\"\n";

int main(void) {
  ca_engine_t *engine = NULL;
  EXPECT(ca_engine_create(NULL, &engine) == CA_OK);

  ca_factory f;
  memset(&f, 0, sizeof f);
  f.struct_size = sizeof f;
  f.create = create;
  f.destroy = factory_destroy;
  for (int kind = CA_PLUGIN_STT; kind <= CA_PLUGIN_TOOL; ++kind) {
    EXPECT(ca_engine_register_factory(engine, kind, "c_test", &f) == CA_OK);
  }
  /* Refused registrations keep nothing. */
  EXPECT(ca_engine_register_factory(engine, CA_PLUGIN_LLM, "c_test", &f) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_engine_register_factory(engine, 7, "x", &f) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_engine_register_factory(engine, CA_PLUGIN_LLM, "", &f) == CA_ERR_INVALID_ARGUMENT);
  ca_factory no_create = f;
  no_create.create = NULL;
  EXPECT(ca_engine_register_factory(engine, CA_PLUGIN_LLM, "y", &no_create) == CA_ERR_INVALID_ARGUMENT);

  /* An unknown type names the section and what is known. */
  EXPECT(load(engine, "[llm.brain]\ntype = \"nope\"\n") == CA_ERR_CONFIG);
  EXPECT(strstr(ca_last_error(), ":1: [llm.brain]: unknown type \"nope\"") != NULL);
  EXPECT(strstr(ca_last_error(), "c_test") != NULL);
  /* A section without a type. */
  EXPECT(load(engine, "[stt.ears]\nmodel = \"x\"\n") == CA_ERR_CONFIG);
  EXPECT(strstr(ca_last_error(), "[stt.ears] needs type") != NULL);
  /* Options the factory refuses: its message, with the line and the name; and what the factory
   * built for the sections before it is destroyed again. */
  EXPECT(load(engine, "[stt.ears]\ntype = \"c_test\"\n\n[tts.voice]\ntype = \"c_test\"\nbad = true\n") == CA_ERR_CONFIG);
  EXPECT(strstr(ca_last_error(), ":4: voice: option bad must not be true") != NULL);
  EXPECT(live_instances() == 0);

  /* The good configuration: each section reaches its factory with its options as JSON. */
  EXPECT(load(engine, kConfig) == CA_OK);
  const instance *ears = find_instance("ears", CA_PLUGIN_STT);
  const instance *voice = find_instance("voice", CA_PLUGIN_TTS);
  const instance *brain = find_instance("brain", CA_PLUGIN_LLM);
  EXPECT(ears != NULL && strcmp(ears->options, "{\"model\":\"small\"}") == 0);
  EXPECT(voice != NULL && strcmp(voice->options, "{\"rate\":1.25}") == 0);
  EXPECT(brain != NULL && strcmp(brain->options, "{\"replies\":[\"one\",\"two\"]}") == 0);
  EXPECT(find_instance("lookup", CA_PLUGIN_TOOL) != NULL);
  EXPECT(live_instances() == 5);

  /* A session naming nothing uses [session] stt, tts, llm: the configured voice speaks. */
  ca_session_params p;
  ca_session_default_params(&p, sizeof p);
  ca_session_t *s = NULL;
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);
  EXPECT(ca_session_process(s, 0) == CA_OK);
  EXPECT(strcmp(spoken, "voice:Hello from the configuration.") == 0);
  /* The voice never answers: the session is waiting for a plug-in. */
  EXPECT(ca_session_waiting(s) == 1);
  EXPECT(ca_session_waiting(NULL) == 0);

  /* An application's own registration of a configured name is refused on reload. */
  EXPECT(register_plugins(engine, "mine", stt_open, tts_synth, llm_start) == CA_OK);
  EXPECT(load(engine, "[llm.mine]\ntype = \"c_test\"\n") == CA_ERR_CONFIG);
  EXPECT(strstr(ca_last_error(), "llm \"mine\" is already registered by the application") != NULL);

  /* Reloading replaces what was built: the old instances go once no session uses them. */
  EXPECT(load(engine, "[session]\ngreeting = \"Second.\"\nstt = \"ears\"\ntts = \"voice\"\nllm = \"brain\"\n"
                      "[stt.ears]\ntype = \"c_test\"\n[tts.voice]\ntype = \"c_test\"\n[llm.brain]\ntype = \"c_test\"\n") ==
         CA_OK);
  /* The old stt, tts, llm and the "lookup" tool are still the running session's; "other" went. */
  EXPECT(live_instances() == 3 + 4);
  ca_session_destroy(s);
  EXPECT(live_instances() == 3);
  /* The tools sections are gone with the old configuration. */
  const char *lookup = "lookup";
  ca_session_default_params(&p, sizeof p);
  p.tools = &lookup;
  p.tool_count = 1;
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_NOT_FOUND);
  EXPECT(s == NULL);

  ca_session_default_params(&p, sizeof p);
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);
  spoken[0] = '\0';
  EXPECT(ca_session_process(s, 0) == CA_OK);
  EXPECT(strcmp(spoken, "voice:Second.") == 0);
  ca_session_destroy(s);

  /* With no defaults configured, a session must name its plug-ins. */
  EXPECT(load(engine, "") == CA_OK);
  EXPECT(live_instances() == 0);
  ca_session_default_params(&p, sizeof p);
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_INVALID_ARGUMENT);

  EXPECT(factory_destroyed == 0);
  ca_engine_destroy(engine);
  EXPECT(factory_destroyed == 4);
  return check_report();
}
