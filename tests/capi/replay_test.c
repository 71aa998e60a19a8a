/* Recording a call through the C ABI and replaying it bit-exactly. C11, public header only. */
#include <callagent/callagent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plugins.h"

static ca_sink_t *stt_sink = NULL;
static uint64_t stt_id = 0;

static void stt_open(void *ud, uint64_t id, const ca_stt_params *p, ca_sink_t *sink) {
  (void)ud; (void)p;
  if (stt_sink != NULL) ca_sink_release(stt_sink);
  stt_sink = sink;
  stt_id = id;
}
static void stt_finish(void *ud, uint64_t id) {
  (void)ud;
  if (stt_sink == NULL || id != stt_id) return;
  ca_sink_stt_final(stt_sink, id, "hello there", 0.9, "en");
  ca_sink_stt_done(stt_sink, id);
  ca_sink_release(stt_sink);
  stt_sink = NULL;
}
static void tts_synth(void *ud, uint64_t id, const ca_tts_request *r, ca_sink_t *sink) {
  (void)ud;
  int16_t pcm[3200];
  const size_t n = strlen(r->text) * 40 < 3200 ? strlen(r->text) * 40 : 3200;
  for (size_t i = 0; i < n; ++i) pcm[i] = (int16_t)((i % 32) < 16 ? 3000 : -3000);
  ca_sink_tts_audio(sink, id, pcm, n, 16000); /* another rate: the session resamples */
  ca_sink_tts_done(sink, id);
  ca_sink_release(sink);
}
static void llm_start(void *ud, uint64_t id, const ca_llm_request *r, ca_sink_t *sink) {
  (void)ud; (void)r;
  ca_sink_llm_text(sink, id, "General Kenobi.", 15);
  ca_sink_llm_done(sink, id, 10, 3);
  ca_sink_release(sink);
}

int main(void) {
  ca_engine_t *engine = NULL;
  EXPECT(ca_engine_create(NULL, &engine) == CA_OK);
  ca_stt_vtable stt;
  memset(&stt, 0, sizeof stt);
  stt.struct_size = sizeof stt;
  stt.open = stt_open;
  stt.push = plugins_noop_push;
  stt.finish = stt_finish;
  EXPECT(ca_engine_register_stt(engine, "rec", &stt) == CA_OK);
  ca_tts_vtable tts;
  memset(&tts, 0, sizeof tts);
  tts.struct_size = sizeof tts;
  tts.synthesize = tts_synth;
  EXPECT(ca_engine_register_tts(engine, "rec", &tts) == CA_OK);
  ca_llm_vtable llm;
  memset(&llm, 0, sizeof llm);
  llm.struct_size = sizeof llm;
  llm.start = llm_start;
  EXPECT(ca_engine_register_llm(engine, "rec", &llm) == CA_OK);

  ca_session_params p;
  ca_session_default_params(&p, sizeof p);
  p.stt = p.tts = p.llm = "rec";
  p.language = "en";
  p.greeting = "Hello.";
  ca_session_t *s = NULL;
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);
  EXPECT(ca_session_save_recording(s, "/dev/null") == CA_ERR_STATE);
  EXPECT(ca_session_start_recording(s) == CA_OK);
  EXPECT(ca_session_start_recording(s) == CA_ERR_STATE);

  int16_t in[160], out[160];
  int64_t t = 0;
  for (int i = 0; i < 250; ++i) {
    const int voiced = i >= 50 && i < 110 && (i % 12) < 9;
    for (int k = 0; k < 160; ++k) in[k] = (int16_t)(voiced ? ((k % 40) < 20 ? 5000 : -5000) : 0);
    t += 20000000;
    EXPECT(ca_session_push_audio(s, in, 160) == CA_OK);
    EXPECT(ca_session_process(s, t) == CA_OK);
    int has = 0;
    EXPECT(ca_session_pull_audio(s, out, 160, &has) == CA_OK);
    if (has) EXPECT(ca_session_push_played(s, 160) == CA_OK);
  }
  EXPECT(ca_session_push_hangup(s) == CA_OK);
  EXPECT(ca_session_process(s, t + 20000000) == CA_OK);
  ca_session_stats st;
  st.struct_size = sizeof st;
  EXPECT(ca_session_get_stats(s, &st) == CA_OK);
  EXPECT(st.turns == 1);

  char path[128];
  snprintf(path, sizeof path, "/tmp/callagent-capi-replay-%d.careplay", (int)getpid());
  EXPECT(ca_session_save_recording(s, path) == CA_OK);
  EXPECT(ca_session_save_recording(s, path) == CA_ERR_STATE); /* saved once */
  ca_session_destroy(s);

  ca_replay_report r;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  EXPECT(ca_replay_file(path, &r) == CA_OK);
  EXPECT(r.identical != 0);
  EXPECT(r.recorded_hash == r.replayed_hash);
  EXPECT(r.frames_pulled == 250);
  EXPECT(r.duration_ns == t + 20000000);
  remove(path);

  EXPECT(ca_replay_file("/nonexistent/x.careplay", &r) == CA_ERR_IO);
  FILE *f = fopen(path, "wb");
  fputs("not a recording at all", f);
  fclose(f);
  EXPECT(ca_replay_file(path, &r) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strlen(ca_last_error()) > 0);
  remove(path);

  ca_engine_destroy(engine);
  return check_report();
}
