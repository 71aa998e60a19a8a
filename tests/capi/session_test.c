/*
 * The session through the C ABI, from C11 with plug-ins written in C: a whole call with a tool
 * round on a virtual clock, then the error paths the header promises.
 *
 * The plug-ins never use threads: each keeps its results in a pending list with a due time, and
 * the test's loop delivers them as its virtual clock passes that time, so every run is the same.
 */
#include <callagent/callagent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define RATE 8000
#define FRAME (RATE / 50)
#define MS 1000000LL

static const char *const kCallerText = "do you have winter tyres";
static const char *const kToolArgs = "{\"size\":\"205/55 R16\",\"season\":\"winter\"}";
static const char *const kToolResult = "{\"in_stock\":true,\"count\":12}";

/* ---- a sine without libm: range reduction and a Taylor polynomial (error < 1e-5) ---- */

static double approx_sin(double x) {
  const double pi = 3.14159265358979323846;
  double x2, r;
  x -= 2.0 * pi * (double)(long long)(x / (2.0 * pi));
  if (x > pi) x -= 2.0 * pi;
  if (x < -pi) x += 2.0 * pi;
  if (x > pi / 2) x = pi - x;
  if (x < -pi / 2) x = -pi - x;
  x2 = x * x;
  r = x * (1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72))));
  return r;
}

/* ---- results the plug-ins deliver later ---- */

enum pending_kind { P_STT_FINAL, P_LLM_TOOL_CALL, P_LLM_TEXT, P_TTS, P_TOOL };

typedef struct pending {
  int used;
  int cancelled;
  int64_t due_ms;
  enum pending_kind kind;
  ca_sink_t *sink; /* the plug-in's reference, released after delivery */
  uint64_t id;
  const char *text;
  size_t samples; /* P_TTS */
} pending;

#define MAX_PENDING 64
#define MAX_REQUESTS 16

typedef struct rig {
  int64_t now_ms;
  pending items[MAX_PENDING];
  int16_t tone[RATE * 4];

  /* STT */
  int stt_opens, stt_finishes, stt_cancels;
  size_t stt_samples;
  ca_sink_t *stt_open_sink; /* the stream not finished yet */
  uint64_t stt_open_id;
  ca_status misuse_kind, misuse_id;
  int stt_language_ok;

  /* LLM */
  int llm_requests, llm_cancels;
  int request_saw_tool_result[MAX_REQUESTS];
  int request_saw_tool_call[MAX_REQUESTS];
  int request_saw_caller_text[MAX_REQUESTS];
  int request_tool_schema_ok[MAX_REQUESTS];
  int request_system_ok[MAX_REQUESTS];

  /* TTS */
  int tts_requests, tts_cancels;
  char tts_texts[MAX_REQUESTS][128];

  /* tool */
  int tool_invocations, tool_cancels;
  char tool_args[256];
  char tool_key[256];
  char tool_call_id[64];
  char tool_caller[64];

  int destroyed[4]; /* stt, tts, llm, tool */

  /* events */
  ca_session_t *session;
  int event_counts[16];
  int events_total;
  int bad_event;
  char caller_turn[128];
  int64_t caller_turn_ms;
  char tool_started_detail[256];
  char tool_finished_detail[256];
  int tool_finished_ok;
  char hangup_reason[64];
  int states[32];
  int state_count;
  ca_status reentrant_status;
  int timeline_ok;
} rig;

static rig R;

static void schedule(int64_t delay_ms, enum pending_kind kind, ca_sink_t *sink, uint64_t id, const char *text,
                     size_t samples) {
  int i;
  for (i = 0; i < MAX_PENDING; ++i) {
    if (!R.items[i].used) {
      pending *p = &R.items[i];
      memset(p, 0, sizeof *p);
      p->used = 1;
      p->due_ms = R.now_ms + delay_ms;
      p->kind = kind;
      p->sink = sink;
      p->id = id;
      p->text = text;
      p->samples = samples;
      return;
    }
  }
  fprintf(stderr, "pending list full\n");
  abort();
}

static void cancel_pending(enum pending_kind a, enum pending_kind b, uint64_t id) {
  int i;
  for (i = 0; i < MAX_PENDING; ++i) {
    pending *p = &R.items[i];
    if (p->used && (p->kind == a || p->kind == b) && p->id == id) p->cancelled = 1;
  }
}

static void deliver(pending *p) {
  if (!p->cancelled) {
    switch (p->kind) {
      case P_STT_FINAL:
        EXPECT(ca_sink_stt_final(p->sink, p->id, p->text, 0.9, "en") == CA_OK);
        EXPECT(ca_sink_stt_done(p->sink, p->id) == CA_OK);
        break;
      case P_LLM_TOOL_CALL:
        EXPECT(ca_sink_llm_tool_call(p->sink, p->id, "call_1", "check_stock", kToolArgs) == CA_OK);
        EXPECT(ca_sink_llm_done(p->sink, p->id, 100, 20) == CA_OK);
        break;
      case P_LLM_TEXT:
        /* In two pieces, the first without its NUL, as a streaming model would. */
        EXPECT(ca_sink_llm_text(p->sink, p->id, p->text, 3) == CA_OK);
        EXPECT(ca_sink_llm_text(p->sink, p->id, p->text + 3, strlen(p->text) - 3) == CA_OK);
        EXPECT(ca_sink_llm_done(p->sink, p->id, 120, 5) == CA_OK);
        break;
      case P_TTS:
        EXPECT(ca_sink_tts_audio(p->sink, p->id, R.tone, p->samples, RATE) == CA_OK);
        EXPECT(ca_sink_tts_done(p->sink, p->id) == CA_OK);
        break;
      case P_TOOL:
        EXPECT(ca_sink_tool_result(p->sink, p->id, 1, kToolResult, CA_TOOL_ACTION_NONE, NULL) == CA_OK);
        break;
    }
  }
  ca_sink_release(p->sink);
  p->used = 0;
}

/* Delivers every result due at or before `now_ms` (all of them when now_ms is INT64_MAX). */
static void deliver_due(int64_t now_ms) {
  int i;
  for (i = 0; i < MAX_PENDING; ++i) {
    if (R.items[i].used && R.items[i].due_ms <= now_ms) deliver(&R.items[i]);
  }
}

/* ---- STT: the fixed final 150 ms after finish() ---- */

static void stt_open(void *user_data, uint64_t id, const ca_stt_params *params, ca_sink_t *sink) {
  rig *r = user_data;
  ++r->stt_opens;
  r->stt_language_ok = params->struct_size >= sizeof *params && params->sample_rate == RATE &&
                       strcmp(params->language, "en") == 0;
  if (r->stt_opens == 1) {
    /* A result of the wrong kind, or for another id, is refused. */
    r->misuse_kind = ca_sink_tts_done(sink, id);
    r->misuse_id = ca_sink_stt_done(sink, id + 1000);
  }
  if (r->stt_open_sink != NULL) ca_sink_release(r->stt_open_sink); /* never finished */
  r->stt_open_sink = sink;
  r->stt_open_id = id;
}

static void stt_push(void *user_data, uint64_t id, const int16_t *pcm, size_t n) {
  rig *r = user_data;
  (void)pcm;
  if (id == r->stt_open_id) r->stt_samples += n;
}

static void stt_finish(void *user_data, uint64_t id) {
  rig *r = user_data;
  ++r->stt_finishes;
  if (r->stt_open_sink == NULL || id != r->stt_open_id) return;
  schedule(150, P_STT_FINAL, r->stt_open_sink, id, kCallerText, 0);
  r->stt_open_sink = NULL;
}

static void stt_cancel(void *user_data, uint64_t id) {
  rig *r = user_data;
  ++r->stt_cancels;
  if (r->stt_open_sink != NULL && id == r->stt_open_id) {
    ca_sink_release(r->stt_open_sink);
    r->stt_open_sink = NULL;
  }
  cancel_pending(P_STT_FINAL, P_STT_FINAL, id);
}

/* ---- LLM: a tool call first, then "We have them." ---- */

static int contains(const char *haystack, const char *needle) { return strstr(haystack, needle) != NULL; }

static void llm_start(void *user_data, uint64_t id, const ca_llm_request *req, ca_sink_t *sink) {
  rig *r = user_data;
  const int n = r->llm_requests++;
  size_t i, k;
  if (n < MAX_REQUESTS) {
    r->request_system_ok[n] = strcmp(req->system_prompt, "You sell tyres.") == 0;
    r->request_tool_schema_ok[n] = req->tool_count == 1 && strcmp(req->tools[0]->name, "check_stock") == 0 &&
                                   contains(req->tools[0]->parameters_json, "\"size\"");
    for (i = 0; i < req->message_count; ++i) {
      const ca_message *m = req->messages[i];
      if (m->role == CA_ROLE_USER && contains(m->text, kCallerText)) r->request_saw_caller_text[n] = 1;
      if (m->role == CA_ROLE_TOOL && strcmp(m->tool_name, "check_stock") == 0 &&
          strcmp(m->tool_call_id, "call_1") == 0 && strcmp(m->text, kToolResult) == 0 && !m->tool_error) {
        r->request_saw_tool_result[n] = 1;
      }
      for (k = 0; k < m->tool_call_count; ++k) {
        if (m->role == CA_ROLE_ASSISTANT && strcmp(m->tool_calls[k]->name, "check_stock") == 0 &&
            strcmp(m->tool_calls[k]->arguments_json, kToolArgs) == 0) {
          r->request_saw_tool_call[n] = 1;
        }
      }
    }
  }
  schedule(400, n == 0 ? P_LLM_TOOL_CALL : P_LLM_TEXT, sink, id, n == 1 ? "We have them." : "Anything else?", 0);
}

static void llm_cancel(void *user_data, uint64_t id) {
  rig *r = user_data;
  ++r->llm_cancels;
  cancel_pending(P_LLM_TOOL_CALL, P_LLM_TEXT, id);
}

/* ---- TTS: a tone 50 ms per character, 100 ms after the request ---- */

static void tts_synthesize(void *user_data, uint64_t id, const ca_tts_request *req, ca_sink_t *sink) {
  rig *r = user_data;
  size_t samples = strlen(req->text) * (RATE / 20);
  if (samples > sizeof r->tone / sizeof r->tone[0]) samples = sizeof r->tone / sizeof r->tone[0];
  if (r->tts_requests < MAX_REQUESTS) {
    strncpy(r->tts_texts[r->tts_requests], req->text, sizeof r->tts_texts[0] - 1);
  }
  ++r->tts_requests;
  schedule(100, P_TTS, sink, id, NULL, samples);
}

static void tts_cancel(void *user_data, uint64_t id) {
  rig *r = user_data;
  ++r->tts_cancels;
  cancel_pending(P_TTS, P_TTS, id);
}

/* ---- the tool: JSON 300 ms after the invocation ---- */

static void tool_invoke(void *user_data, uint64_t id, const char *args, const ca_tool_context *ctx, ca_sink_t *sink) {
  rig *r = user_data;
  ++r->tool_invocations;
  strncpy(r->tool_args, args, sizeof r->tool_args - 1);
  strncpy(r->tool_key, ctx->idempotency_key, sizeof r->tool_key - 1);
  strncpy(r->tool_call_id, ctx->call_id, sizeof r->tool_call_id - 1);
  strncpy(r->tool_caller, ctx->caller_number, sizeof r->tool_caller - 1);
  schedule(300, P_TOOL, sink, id, NULL, 0);
}

static void tool_cancel(void *user_data, uint64_t id) {
  rig *r = user_data;
  ++r->tool_cancels;
  cancel_pending(P_TOOL, P_TOOL, id);
}

static void destroy_stt(void *user_data) { ++((rig *)user_data)->destroyed[0]; }
static void destroy_tts(void *user_data) { ++((rig *)user_data)->destroyed[1]; }
static void destroy_llm(void *user_data) { ++((rig *)user_data)->destroyed[2]; }
static void destroy_tool(void *user_data) { ++((rig *)user_data)->destroyed[3]; }

/* ---- events ---- */

static void on_event(const ca_event *e, void *user_data) {
  rig *r = user_data;
  ++r->events_total;
  if (e->struct_size < sizeof *e || e->text == NULL || e->detail == NULL || e->type < 0 || e->type > 15 ||
      strcmp(ca_event_type_name(e->type), "unknown") == 0) {
    r->bad_event = 1;
    return;
  }
  ++r->event_counts[e->type];
  switch (e->type) {
    case CA_EVENT_STATE_CHANGED:
      if (r->state_count < 32) r->states[r->state_count++] = e->state;
      /* The owning-thread verbs are refused from inside the callback. */
      if (r->state_count == 1) r->reentrant_status = ca_session_push_hangup(r->session);
      break;
    case CA_EVENT_CALLER_TURN:
      strncpy(r->caller_turn, e->text, sizeof r->caller_turn - 1);
      r->caller_turn_ms = e->time_ns / MS;
      break;
    case CA_EVENT_TOOL_STARTED:
      strncpy(r->tool_started_detail, e->detail, sizeof r->tool_started_detail - 1);
      break;
    case CA_EVENT_TOOL_FINISHED:
      strncpy(r->tool_finished_detail, e->detail, sizeof r->tool_finished_detail - 1);
      r->tool_finished_ok = e->ok;
      break;
    case CA_EVENT_HANGUP_REQUESTED:
      strncpy(r->hangup_reason, e->text, sizeof r->hangup_reason - 1);
      break;
    case CA_EVENT_TURN_TIMELINE:
      r->timeline_ok = e->timeline != NULL && e->timeline->struct_size >= sizeof *e->timeline &&
                       e->timeline->stt_final_ns > 0 && e->timeline->first_frame_ready_ns >= e->timeline->stt_final_ns;
      break;
    default:
      break;
  }
  if (e->type != CA_EVENT_TURN_TIMELINE && e->timeline != NULL) r->bad_event = 1;
}

/* ---- building blocks ---- */

static ca_engine_t *make_engine(void) {
  ca_engine_t *engine = NULL;
  ca_stt_vtable stt;
  ca_tts_vtable tts;
  ca_llm_vtable llm;
  ca_tool_vtable tool;

  EXPECT(ca_engine_create(NULL, &engine) == CA_OK);
  EXPECT(engine != NULL);

  memset(&stt, 0, sizeof stt);
  stt.struct_size = sizeof stt;
  stt.user_data = &R;
  stt.open = stt_open;
  stt.push = stt_push;
  stt.finish = stt_finish;
  stt.cancel = stt_cancel;
  stt.destroy = destroy_stt;
  EXPECT(ca_engine_register_stt(engine, "c-stt", &stt) == CA_OK);

  memset(&tts, 0, sizeof tts);
  tts.struct_size = sizeof tts;
  tts.user_data = &R;
  tts.synthesize = tts_synthesize;
  tts.cancel = tts_cancel;
  tts.destroy = destroy_tts;
  EXPECT(ca_engine_register_tts(engine, "c-tts", &tts) == CA_OK);

  memset(&llm, 0, sizeof llm);
  llm.struct_size = sizeof llm;
  llm.user_data = &R;
  llm.start = llm_start;
  llm.cancel = llm_cancel;
  llm.destroy = destroy_llm;
  EXPECT(ca_engine_register_llm(engine, "c-llm", &llm) == CA_OK);

  memset(&tool, 0, sizeof tool);
  tool.struct_size = sizeof tool;
  tool.user_data = &R;
  tool.name = "check_stock";
  tool.description = "Tyres in stock for a size and season";
  tool.parameters_json =
      "{\"type\":\"object\",\"properties\":{\"size\":{\"type\":\"string\"},\"season\":{\"type\":\"string\"}}}";
  tool.side_effecting = 0;
  tool.wait_phrase = "One moment.";
  tool.invoke = tool_invoke;
  tool.cancel = tool_cancel;
  tool.destroy = destroy_tool;
  EXPECT(ca_engine_register_tool(engine, &tool) == CA_OK);
  return engine;
}

static void base_params(ca_session_params *p) {
  EXPECT(ca_session_default_params(p, sizeof *p) == CA_OK);
  p->call_id = "c-call-1";
  p->caller_number = "+380501234567";
  p->sample_rate = RATE;
  p->language = "en";
  p->system_prompt = "You sell tyres.";
  p->greeting = "Hello, tyre shop.";
  p->stt = "c-stt";
  p->tts = "c-tts";
  p->llm = "c-llm";
}

/* Caller audio at `t_ms`: silence, a speech-like tone from 2.0 s to 3.2 s, silence. The tone is
 * a 150 Hz voice with its first harmonics, amplitude-modulated at 4 Hz (syllables), about
 * -18 dBFS. */
static void caller_frame(int64_t t_ms, int16_t *frame) {
  const double pi = 3.14159265358979323846;
  int k;
  for (k = 0; k < FRAME; ++k) {
    const double t = (double)t_ms / 1000.0 + (double)k / RATE;
    double v = 0;
    if (t >= 2.0 && t < 3.2) {
      const double syllable = 0.55 + 0.45 * approx_sin(2 * pi * 4.0 * t);
      const double voice = 0.7 * approx_sin(2 * pi * 150 * t) + 0.35 * approx_sin(2 * pi * 300 * t + 0.3) +
                           0.2 * approx_sin(2 * pi * 450 * t + 0.6);
      v = 11000.0 * syllable * voice;
    }
    frame[k] = (int16_t)v;
  }
}

/* ---- the whole call ---- */

static void test_call(void) {
  ca_engine_t *engine;
  ca_session_params p;
  ca_session_stats stats;
  ca_session_t *s = NULL;
  int16_t in[FRAME], out[FRAME];
  int64_t t;
  int audio_frames = 0, audio_frames_greeting = 0, audio_frames_after_turn = 0, frames = 0, i;
  int last_request;
  const char *expected_key_prefix = "c-call-1:check_stock";

  memset(&R, 0, sizeof R);
  for (i = 0; i < (int)(sizeof R.tone / sizeof R.tone[0]); ++i) {
    R.tone[i] = (int16_t)(5000.0 * approx_sin(2 * 3.14159265358979323846 * 440.0 * i / RATE));
  }
  engine = make_engine();
  base_params(&p);
  p.on_event = on_event;
  p.event_user_data = &R;
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);
  EXPECT(s != NULL);
  if (s == NULL) return;
  R.session = s;
  EXPECT(ca_session_state(s) == CA_STATE_IDLE);
  EXPECT(ca_session_frame_samples(s) == FRAME);
  EXPECT(strcmp(ca_session_call_id(s), "c-call-1") == 0);
  EXPECT(ca_session_next_deadline(s) == 0);

  for (t = 0; t <= 12000; t += 20) {
    int has_audio = -1;
    R.now_ms = t;
    caller_frame(t, in);
    EXPECT(ca_session_push_audio(s, in, FRAME) == CA_OK);
    deliver_due(t);
    EXPECT(ca_session_process(s, t * MS) == CA_OK);
    EXPECT(ca_session_next_deadline(s) > t * MS);
    EXPECT(ca_session_pull_audio(s, out, FRAME, &has_audio) == CA_OK);
    EXPECT(has_audio == 0 || has_audio == 1);
    ++frames;
    if (has_audio) {
      ++audio_frames;
      if (t < 2000) ++audio_frames_greeting;
      if (R.caller_turn[0] != '\0' && t > R.caller_turn_ms) ++audio_frames_after_turn;
      EXPECT(ca_session_push_played(s, FRAME) == CA_OK);
    }
  }

  EXPECT(!R.bad_event);
  EXPECT(R.reentrant_status == CA_ERR_STATE);
  /* The greeting was synthesised and played. */
  EXPECT(R.tts_requests >= 1);
  EXPECT(strcmp(R.tts_texts[0], "Hello, tyre shop.") == 0);
  EXPECT(audio_frames_greeting >= 40); /* 17 characters x 50 ms = 850 ms */
  EXPECT(R.states[0] == CA_STATE_GREETING);
  EXPECT(R.state_count >= 2 && R.states[1] == CA_STATE_LISTENING);
  /* The caller's turn. */
  EXPECT(R.stt_opens == 1);
  EXPECT(R.stt_finishes == 1);
  EXPECT(R.stt_language_ok);
  EXPECT(R.stt_samples >= (size_t)(RATE * 1.2));
  EXPECT(R.misuse_kind == CA_ERR_INVALID_ARGUMENT);
  EXPECT(R.misuse_id == CA_ERR_INVALID_ARGUMENT);
  EXPECT(R.event_counts[CA_EVENT_CALLER_TURN] == 1);
  EXPECT(strcmp(R.caller_turn, kCallerText) == 0);
  EXPECT(R.caller_turn_ms > 3200 && R.caller_turn_ms < 4500);
  /* One tool invocation, with the model's arguments, the call and a stable idempotency key. */
  EXPECT(R.tool_invocations == 1);
  EXPECT(strcmp(R.tool_args, kToolArgs) == 0);
  EXPECT(strcmp(R.tool_call_id, "c-call-1") == 0);
  EXPECT(strcmp(R.tool_caller, "+380501234567") == 0);
  EXPECT(strncmp(R.tool_key, expected_key_prefix, strlen(expected_key_prefix)) == 0);
  /* ... followed by ":" and 16 hex digits of a hash of the tool and its arguments. */
  EXPECT(strlen(R.tool_key) == strlen(expected_key_prefix) + 1 + 16);
  EXPECT(R.event_counts[CA_EVENT_TOOL_STARTED] == 1);
  EXPECT(strcmp(R.tool_started_detail, kToolArgs) == 0);
  EXPECT(R.event_counts[CA_EVENT_TOOL_FINISHED] == 1);
  EXPECT(R.tool_finished_ok == 1);
  EXPECT(strcmp(R.tool_finished_detail, kToolResult) == 0);
  /* Two LLM rounds: the first saw the caller and the tool schema, the second the tool result. */
  EXPECT(R.llm_requests >= 2);
  last_request = R.llm_requests - 1;
  EXPECT(R.request_saw_caller_text[0]);
  EXPECT(R.request_tool_schema_ok[0]);
  EXPECT(R.request_system_ok[0]);
  EXPECT(!R.request_saw_tool_result[0]);
  EXPECT(R.request_saw_tool_call[last_request]);
  EXPECT(R.request_saw_tool_result[last_request]);
  EXPECT(R.llm_requests == 2);
  /* The answer was spoken after the turn: the wait phrase and "We have them.". */
  EXPECT(audio_frames_after_turn >= 30);
  {
    int saw_answer = 0, saw_wait = 0;
    for (i = 0; i < R.tts_requests && i < MAX_REQUESTS; ++i) {
      if (strcmp(R.tts_texts[i], "We have them.") == 0) saw_answer = 1;
      if (strcmp(R.tts_texts[i], "One moment.") == 0) saw_wait = 1;
    }
    EXPECT(saw_answer);
    EXPECT(saw_wait);
  }
  EXPECT(R.event_counts[CA_EVENT_TURN_TIMELINE] == 1);
  EXPECT(R.timeline_ok);
  EXPECT(R.event_counts[CA_EVENT_ERROR] == 0);
  EXPECT(ca_session_state(s) == CA_STATE_LISTENING);

  /* Counters. */
  memset(&stats, 0, sizeof stats);
  stats.struct_size = sizeof stats;
  EXPECT(ca_session_get_stats(s, &stats) == CA_OK);
  EXPECT(stats.frames_in == (uint64_t)frames);
  EXPECT(stats.frames_out == (uint64_t)audio_frames);
  EXPECT(stats.frames_out + stats.frames_silent == (uint64_t)frames);
  EXPECT(stats.turns == 1);
  EXPECT(stats.llm_requests == 2);
  EXPECT(stats.tool_calls == 1);
  /* Usage as the plug-ins reported it (ca_sink_llm_done above), and what was sent to STT and TTS. */
  EXPECT(stats.llm_input_tokens == 100 + 120);
  EXPECT(stats.llm_output_tokens == 20 + 5);
  EXPECT(stats.stt_audio_ms > 0);
  EXPECT(stats.tts_characters > 0);
  /* An older, shorter struct gets only the fields that fit. */
  memset(&stats, 0xab, sizeof stats);
  stats.struct_size = (uint32_t)offsetof(ca_session_stats, frames_silent);
  EXPECT(ca_session_get_stats(s, &stats) == CA_OK);
  EXPECT(stats.frames_in == (uint64_t)frames);
  EXPECT(stats.frames_out == (uint64_t)audio_frames);
  EXPECT(stats.frames_silent == 0xababababababababULL);
  EXPECT(stats.struct_size == (uint32_t)offsetof(ca_session_stats, frames_silent));

  /* The caller hangs up. */
  EXPECT(ca_session_push_hangup(s) == CA_OK);
  EXPECT(ca_session_process(s, 12020 * MS) == CA_OK);
  EXPECT(ca_session_state(s) == CA_STATE_ENDED);
  EXPECT(R.event_counts[CA_EVENT_HANGUP_REQUESTED] == 1);
  EXPECT(strcmp(R.hangup_reason, "caller_hangup") == 0);
  EXPECT(ca_session_next_deadline(s) == INT64_MAX);
  EXPECT(R.states[R.state_count - 1] == CA_STATE_ENDED);
  /* After the end, input is accepted and ignored. */
  EXPECT(ca_session_push_audio(s, in, FRAME) == CA_OK);
  EXPECT(ca_session_process(s, 12040 * MS) == CA_OK);

  /* The engine may go first; the plug-ins live until the session lets them go. */
  ca_engine_destroy(engine);
  EXPECT(R.destroyed[0] == 0 && R.destroyed[1] == 0 && R.destroyed[2] == 0 && R.destroyed[3] == 0);
  ca_session_destroy(s);
  EXPECT(R.destroyed[0] == 1 && R.destroyed[1] == 1 && R.destroyed[2] == 1 && R.destroyed[3] == 1);
  /* Results still held by the plug-ins are dropped safely. */
  deliver_due(INT64_MAX);
  if (R.stt_open_sink != NULL) ca_sink_release(R.stt_open_sink);
}

/* ---- destroy from inside the event callback is deferred ---- */

/* A session whose event callback destroys it: the handle travels through a holder. */
typedef struct holder {
  ca_session_t *s;
  int events;
} holder;

static void destroy_holder_session(const ca_event *e, void *user_data) {
  holder *h = user_data;
  (void)e;
  if (h->events++ == 0) ca_session_destroy(h->s);
}

static void test_deferred_destroy(void) {
  ca_engine_t *engine;
  ca_session_params p;
  holder h;
  memset(&R, 0, sizeof R);
  memset(&h, 0, sizeof h);
  engine = make_engine();
  base_params(&p);
  p.on_event = destroy_holder_session;
  p.event_user_data = &h;
  EXPECT(ca_session_create(engine, &p, &h.s) == CA_OK);
  if (h.s == NULL) return;
  /* The first process starts the greeting and emits; the session goes when process returns. */
  EXPECT(ca_session_process(h.s, 0) == CA_OK);
  EXPECT(h.events >= 1);
  ca_engine_destroy(engine);
  EXPECT(R.destroyed[0] == 1 && R.destroyed[3] == 1);
  deliver_due(INT64_MAX);
  if (R.stt_open_sink != NULL) ca_sink_release(R.stt_open_sink);
}

/* ---- the error paths ---- */

static int last_error_set(void) { return ca_last_error() != NULL && ca_last_error()[0] != '\0'; }

static void noop_stt_open(void *u, uint64_t id, const ca_stt_params *p, ca_sink_t *sink) {
  (void)u;
  (void)id;
  (void)p;
  ca_sink_release(sink);
}
static void noop_push(void *u, uint64_t id, const int16_t *pcm, size_t n) {
  (void)u;
  (void)id;
  (void)pcm;
  (void)n;
}
static void noop_id(void *u, uint64_t id) {
  (void)u;
  (void)id;
}

static void test_errors(void) {
  ca_engine_t *engine = NULL;
  ca_engine_params ep;
  ca_session_params p;
  ca_session_t *s = NULL;
  ca_stt_vtable stt;
  ca_session_stats stats;
  int16_t frame[FRAME];
  const char *unknown_tool[] = {"no_such_tool"};
  const char *one_tool[] = {"check_stock"};

  memset(&R, 0, sizeof R);
  memset(frame, 0, sizeof frame);

  /* Names and strings. */
  EXPECT(strcmp(ca_status_string(CA_OK), "ok") == 0);
  EXPECT(strcmp(ca_status_string(CA_ERR_NOT_FOUND), "not found") == 0);
  EXPECT(strcmp(ca_status_string(-1000), "unknown status") == 0);
  EXPECT(strcmp(ca_state_name(CA_STATE_LISTENING), "listening") == 0);
  EXPECT(strcmp(ca_state_name(99), "unknown") == 0);
  EXPECT(strcmp(ca_event_type_name(CA_EVENT_CALLER_TURN), "caller_turn") == 0);
  EXPECT(strcmp(ca_event_type_name(CA_EVENT_FILLER), "filler") == 0);
  EXPECT(strcmp(ca_event_type_name(-1), "unknown") == 0);
  EXPECT(ca_last_error() != NULL);

  /* Destroy and release accept NULL. */
  ca_engine_destroy(NULL);
  ca_session_destroy(NULL);
  ca_sink_retain(NULL);
  ca_sink_release(NULL);

  /* NULL arguments. */
  EXPECT(ca_engine_create(NULL, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(last_error_set());
  EXPECT(ca_engine_default_params(NULL, sizeof ep) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_engine_default_params(&ep, 4) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_engine_default_params(&ep, sizeof ep) == CA_OK);
  EXPECT(ep.struct_size == sizeof ep && ep.log == NULL && ep.log_level == CA_LOG_UNCHANGED);
  ep.struct_size = 4;
  engine = (ca_engine_t *)&ep; /* must be reset to NULL on failure */
  EXPECT(ca_engine_create(&ep, &engine) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(engine == NULL);
  EXPECT(strstr(ca_last_error(), "struct_size") != NULL);
  EXPECT(ca_engine_register_stt(NULL, "x", NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_default_params(NULL, sizeof p) == CA_ERR_INVALID_ARGUMENT);
  /* The first version of the struct ended with operator_digit: shorter is refused, that long is
   * accepted (a program built against 0.1.0 keeps working). */
  EXPECT(ca_session_default_params(&p, offsetof(ca_session_params, operator_digit)) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_default_params(&p, offsetof(ca_session_params, operator_digit) + sizeof(int)) == CA_OK);
  EXPECT(p.struct_size == offsetof(ca_session_params, operator_digit) + sizeof(int));
  ca_session_default_params(&p, sizeof p);
  EXPECT(ca_session_push_audio(NULL, frame, FRAME) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_process(NULL, 0) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_pull_audio(NULL, frame, FRAME, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_interrupt(NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_state(NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_next_deadline(NULL) == INT64_MAX);
  EXPECT(ca_session_call_id(NULL) == NULL);
  EXPECT(ca_session_frame_samples(NULL) == 0);
  EXPECT(ca_sink_stt_final(NULL, 1, "x", 0, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sink_tool_result(NULL, 1, 1, "{}", 0, NULL) == CA_ERR_INVALID_ARGUMENT);

  engine = make_engine();

  /* Registration: duplicates, short structs, missing entries. */
  memset(&stt, 0, sizeof stt);
  stt.struct_size = sizeof stt;
  stt.user_data = &R;
  stt.open = noop_stt_open;
  stt.push = noop_push;
  stt.finish = noop_id;
  stt.destroy = destroy_stt;
  EXPECT(ca_engine_register_stt(engine, "c-stt", &stt) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "c-stt") != NULL);
  EXPECT(ca_engine_register_stt(engine, NULL, &stt) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_engine_register_stt(engine, "", &stt) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_engine_register_stt(engine, "other", NULL) == CA_ERR_INVALID_ARGUMENT);
  stt.struct_size = 8;
  EXPECT(ca_engine_register_stt(engine, "other", &stt) == CA_ERR_INVALID_ARGUMENT);
  stt.struct_size = sizeof stt;
  stt.finish = NULL;
  EXPECT(ca_engine_register_stt(engine, "other", &stt) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(last_error_set());
  stt.finish = noop_id;
  EXPECT(ca_engine_register_stt(engine, "other", &stt) == CA_OK);
  {
    ca_tool_vtable tool;
    memset(&tool, 0, sizeof tool);
    tool.struct_size = sizeof tool;
    tool.name = "check_stock";
    tool.invoke = tool_invoke;
    EXPECT(ca_engine_register_tool(engine, &tool) == CA_ERR_INVALID_ARGUMENT);
    tool.name = NULL;
    EXPECT(ca_engine_register_tool(engine, &tool) == CA_ERR_INVALID_ARGUMENT);
  }
  /* Failed registrations took nothing: no destroy for them. */
  EXPECT(R.destroyed[0] == 0);

  /* Session creation. */
  base_params(&p);
  EXPECT(ca_session_create(engine, &p, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_create(NULL, &p, &s) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_create(engine, NULL, &s) == CA_ERR_INVALID_ARGUMENT);
  p.stt = "nope";
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_NOT_FOUND);
  EXPECT(s == NULL);
  EXPECT(strstr(ca_last_error(), "nope") != NULL);
  base_params(&p);
  p.llm = NULL;
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_INVALID_ARGUMENT);
  base_params(&p);
  p.tools = unknown_tool;
  p.tool_count = 1;
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_NOT_FOUND);
  base_params(&p);
  p.sample_rate = 8001;
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_INVALID_ARGUMENT);
  base_params(&p);
  p.filler_delay_ms = -5;
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "filler_delay_ms") != NULL);
  base_params(&p);
  p.operator_digit = 'x';
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_INVALID_ARGUMENT);
  base_params(&p);
  p.struct_size = 16;
  EXPECT(ca_session_create(engine, &p, &s) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(s == NULL);

  /* A valid session with one named tool, a generated call id and no operator digit. */
  base_params(&p);
  p.call_id = NULL;
  p.tools = one_tool;
  p.tool_count = 1;
  p.operator_digit = CA_OPERATOR_DIGIT_NONE;
  p.sample_rate = 16000;
  EXPECT(ca_session_create(engine, &p, &s) == CA_OK);
  if (s == NULL) return;
  EXPECT(strlen(ca_session_call_id(s)) == 36);
  EXPECT(ca_session_frame_samples(s) == 320);

  /* Frames of the wrong size, bad digits, time going backwards. */
  EXPECT(ca_session_push_audio(s, frame, FRAME) == CA_ERR_INVALID_ARGUMENT); /* 160 at 16 kHz */
  EXPECT(strstr(ca_last_error(), "320") != NULL);
  EXPECT(ca_session_push_audio(s, NULL, 320) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_push_dtmf(s, 'x') == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_push_dtmf(s, '\0') == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_push_dtmf(s, '#') == CA_OK);
  EXPECT(ca_session_push_dtmf(s, 'D') == CA_OK);
  EXPECT(ca_session_process(s, -1) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_process(s, 100 * MS) == CA_OK);
  EXPECT(ca_session_process(s, 100 * MS) == CA_OK);
  EXPECT(ca_session_process(s, 99 * MS) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "backwards") != NULL);
  EXPECT(ca_session_pull_audio(s, frame, FRAME, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_pull_audio(s, NULL, 320, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_interrupt(s) == CA_OK);
  EXPECT(ca_session_push_transfer_result(s, 0) == CA_OK);
  EXPECT(ca_session_get_stats(s, NULL) == CA_ERR_INVALID_ARGUMENT);
  memset(&stats, 0, sizeof stats);
  stats.struct_size = 4;
  EXPECT(ca_session_get_stats(s, &stats) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_session_state(s) == CA_STATE_GREETING);

  ca_session_destroy(s);
  ca_engine_destroy(engine);
  EXPECT(R.destroyed[0] == 2); /* "c-stt" and "other" */
  deliver_due(INT64_MAX);
  if (R.stt_open_sink != NULL) ca_sink_release(R.stt_open_sink);
}

/* ---- the log callback ---- */

typedef struct log_counter {
  int lines;
  int bad;
} log_counter;

static void count_log(int level, const char *line, void *user_data) {
  log_counter *c = user_data;
  ++c->lines;
  if (level != CA_LOG_DEBUG || line[0] != '{' || line[strlen(line) - 1] != '}' || strstr(line, "log-call") == NULL) {
    c->bad = 1;
  }
}

/* One session created and destroyed: two debug lines. */
static void log_two_lines(ca_engine_t *plugins) {
  ca_session_params p;
  ca_session_t *s = NULL;
  base_params(&p);
  p.call_id = "log-call";
  EXPECT(ca_session_create(plugins, &p, &s) == CA_OK);
  ca_session_destroy(s);
}

static void test_log_callback(void) {
  ca_engine_params ep;
  ca_engine_t *plugins, *a = NULL, *b = NULL, *c = NULL;
  log_counter ca_lines = {0, 0}, cb_lines = {0, 0};
  memset(&R, 0, sizeof R);
  plugins = make_engine(); /* no callback: leaves the process-wide log alone */

  EXPECT(ca_engine_default_params(&ep, sizeof ep) == CA_OK);
  ep.log = count_log;
  ep.log_user_data = &ca_lines;
  ep.log_level = 7;
  EXPECT(ca_engine_create(&ep, &a) == CA_ERR_INVALID_ARGUMENT);
  ep.log_level = CA_LOG_DEBUG;
  EXPECT(ca_engine_create(&ep, &a) == CA_OK);
  log_two_lines(plugins);
  EXPECT(ca_lines.lines == 2);
  EXPECT(!ca_lines.bad);

  /* The most recent engine with a callback receives the lines; destroying an older one changes
   * nothing. */
  ep.log_user_data = &cb_lines;
  EXPECT(ca_engine_create(&ep, &b) == CA_OK);
  ca_engine_destroy(a);
  log_two_lines(plugins);
  EXPECT(ca_lines.lines == 2);
  EXPECT(cb_lines.lines == 2);
  EXPECT(!cb_lines.bad);

  /* Once that engine is gone, its callback is never called again. Lines go back to stderr, so
   * the level goes back to info first. */
  ep.log = NULL;
  ep.log_level = CA_LOG_INFO;
  EXPECT(ca_engine_create(&ep, &c) == CA_OK);
  ca_engine_destroy(c);
  ca_engine_destroy(b);
  log_two_lines(plugins);
  EXPECT(cb_lines.lines == 2);

  ca_engine_destroy(plugins);
  deliver_due(INT64_MAX);
}

int main(void) {
  test_call();
  test_deferred_destroy();
  test_errors();
  test_log_callback();
  return check_report();
}
