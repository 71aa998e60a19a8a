/* Registering minimal C plug-ins for the C11 tests: the vtable boilerplate in one place. */
#ifndef CALLAGENT_TESTS_CAPI_PLUGINS_H
#define CALLAGENT_TESTS_CAPI_PLUGINS_H

#include <callagent/callagent.h>
#include <string.h>

static inline void plugins_noop_push(void *ud, uint64_t id, const int16_t *pcm, size_t n) {
  (void)ud; (void)id; (void)pcm; (void)n;
}
static inline void plugins_noop_finish(void *ud, uint64_t id) { (void)ud; (void)id; }

/* Session parameters for the plug-ins register_plugins registered as `name`: English, greeting
 * "Hi.", everything else at its default. */
static inline void plugins_session_params(ca_session_params *p, const char *name) {
  ca_session_default_params(p, sizeof *p);
  p->stt = name;
  p->tts = name;
  p->llm = name;
  p->language = "en";
  p->greeting = "Hi.";
}

/* A TTS that finishes every request at once, without audio. */
static inline void plugins_silent_tts(void *ud, uint64_t id, const ca_tts_request *r, ca_sink_t *sink) {
  (void)ud; (void)r;
  ca_sink_tts_done(sink, id);
  ca_sink_release(sink);
}

/* Frame `i` (160 samples, 20 ms at 8 kHz) of a speech-like signal when `voiced`: a loud square
 * wave in syllables (9 frames on, 3 off) that the session's voice detector takes for a caller;
 * silence otherwise. */
static inline void plugins_speech_frame(int16_t frame[160], int i, int voiced) {
  for (int k = 0; k < 160; ++k) {
    frame[k] = (int16_t)(voiced ? ((k % 40) < 20 ? 4000 : -4000) * ((i % 12) < 9 ? 1 : 0) : 0);
  }
}

/* Registers an STT, a TTS and an LLM, each called `name`, from the given entries. Returns the
 * first failure, or CA_OK. */
static inline ca_status register_plugins(ca_engine_t *engine, const char *name,
                                  void (*stt_open)(void *, uint64_t, const ca_stt_params *, ca_sink_t *),
                                  void (*tts_synthesize)(void *, uint64_t, const ca_tts_request *, ca_sink_t *),
                                  void (*llm_start)(void *, uint64_t, const ca_llm_request *, ca_sink_t *)) {
  ca_stt_vtable stt;
  memset(&stt, 0, sizeof stt);
  stt.struct_size = sizeof stt;
  stt.open = stt_open;
  stt.push = plugins_noop_push;
  stt.finish = plugins_noop_finish;
  ca_tts_vtable tts;
  memset(&tts, 0, sizeof tts);
  tts.struct_size = sizeof tts;
  tts.synthesize = tts_synthesize;
  ca_llm_vtable llm;
  memset(&llm, 0, sizeof llm);
  llm.struct_size = sizeof llm;
  llm.start = llm_start;
  ca_status st = ca_engine_register_stt(engine, name, &stt);
  if (st == CA_OK) st = ca_engine_register_tts(engine, name, &tts);
  if (st == CA_OK) st = ca_engine_register_llm(engine, name, &llm);
  return st;
}

#endif
