/* The wake-up hook: a plug-in result for an idle session calls on_wake once, from the thread
 * that delivered it; the next process() takes the result. C11, public header only. */
#include <callagent/callagent.h>
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "plugins.h"

static ca_sink_t *llm_sink = NULL;
static uint64_t llm_id = 0;
static int wakes = 0;
static pthread_t woken_on;
static int turns = 0;
static int answered = 0;

static void stt_open(void *ud, uint64_t id, const ca_stt_params *p, ca_sink_t *sink) {
  (void)ud; (void)p;
  ca_sink_stt_final(sink, id, "hello", 0.9, NULL);
  ca_sink_stt_done(sink, id);
  ca_sink_release(sink);
}
static void llm_start(void *ud, uint64_t id, const ca_llm_request *r, ca_sink_t *sink) {
  (void)ud; (void)r;
  llm_sink = sink; /* answered later, from another thread */
  llm_id = id;
}
static void on_wake(void *ud) {
  (void)ud;
  ++wakes;
  woken_on = pthread_self();
}
static void on_event(const ca_event *e, void *ud) {
  (void)ud;
  if (e->type == CA_EVENT_CALLER_TURN) ++turns;
  if (e->type == CA_EVENT_BOT_CLAUSE && strcmp(e->text, "Hi there.") == 0) ++answered;
}

static void *answer(void *arg) {
  (void)arg;
  ca_sink_llm_text(llm_sink, llm_id, "Hi ", 3);
  ca_sink_llm_text(llm_sink, llm_id, "there.", 6);
  ca_sink_llm_done(llm_sink, llm_id, 1, 2);
  ca_sink_release(llm_sink);
  return NULL;
}

int main(void) {
  ca_engine_t *engine = NULL;
  EXPECT(ca_engine_create(NULL, &engine) == CA_OK);
  EXPECT(register_plugins(engine, "x", stt_open, plugins_silent_tts, llm_start) == CA_OK);

  ca_session_params p;
  plugins_session_params(&p, "x");
  p.on_event = on_event;
  p.on_wake = on_wake;
  ca_session_t *s = NULL;
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);

  /* Drive a turn: speech-like tone for 1 s, then silence until the LLM is asked. */
  int16_t in[160], out[160];
  int64_t t = 0;
  for (int i = 0; i < 150 && llm_sink == NULL; ++i) {
    plugins_speech_frame(in, i, i >= 20 && i < 70);
    t += 20000000;
    EXPECT(ca_session_push_audio(s, in, 160) == CA_OK);
    EXPECT(ca_session_process(s, t) == CA_OK);
    EXPECT(ca_session_pull_audio(s, out, 160, NULL) == CA_OK);
  }
  EXPECT(llm_sink != NULL);
  const int before = wakes;

  /* The answer comes from another thread: one wake-up for the batch, on that thread. */
  pthread_t th;
  EXPECT(pthread_create(&th, NULL, answer, NULL) == 0);
  pthread_join(th, NULL);
  EXPECT(wakes == before + 1);
  EXPECT(pthread_equal(woken_on, th) != 0);
  /* The LLM was asked early; the turn commits and the answer is spoken as time goes on. */
  for (int i = 0; i < 50; ++i) {
    t += 20000000;
    for (int k = 0; k < 160; ++k) in[k] = 0;
    EXPECT(ca_session_push_audio(s, in, 160) == CA_OK);
    EXPECT(ca_session_process(s, t) == CA_OK);
    EXPECT(ca_session_pull_audio(s, out, 160, NULL) == CA_OK);
  }
  EXPECT(turns == 1);
  EXPECT(answered == 1);

  ca_session_destroy(s);
  ca_engine_destroy(engine);
  return check_report();
}
