/*
 * The test kit through the C ABI, from C11: the call simulator with its scripted plug-ins on the
 * virtual clock. A two-turn call with a tool, a barge-in, the bot's echo, determinism, DTMF and
 * hangup, and the error paths the header promises.
 */
#include <callagent/callagent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define RATE 8000
#define MS 1000000LL
#define MAX_EVENTS 1024

static const char *const kToolArgs = "{\"size\":\"205/55 R16\",\"season\":\"winter\"}";
static const char *const kToolResult = "{\"in_stock\":true,\"count\":12}";
static const char *const kAnswer = "We have Nokian tyres in stock.";
static const char *const kLongReply =
    "We have many sizes in stock. Thirteen inch to twenty two inch, all seasons. Winter tyres are on sale this "
    "month. Would you like me to list the brands?";

/* ---- what the event callback records ---- */

typedef struct rec_event {
  int type;
  int state;
  int ok;
  int64_t time_ns;
  char text[192];
  char detail[192];
  ca_turn_timeline timeline;
} rec_event;

typedef struct recorder {
  rec_event events[MAX_EVENTS];
  int count;
  int overflow;
  int bad;
  uint64_t hash;       /* FNV-1a over type, state, ok, time, text and detail of every event */
  int64_t last_time;   /* events arrive in time order */
  ca_sim_t *sim;       /* for the calls made from inside the callback */
  ca_status reentrant_add, reentrant_run;
  size_t reentrant_llm_count;
  int destroy_at;      /* > 0: ca_sim_destroy at this event (1-based) */
} recorder;

static void hash_bytes(uint64_t *h, const void *data, size_t n) {
  const unsigned char *p = data;
  size_t i;
  for (i = 0; i < n; ++i) {
    *h ^= p[i];
    *h *= 1099511628211ULL;
  }
}

static void copy_str(char *dst, size_t cap, const char *src) {
  strncpy(dst, src, cap - 1);
  dst[cap - 1] = '\0';
}

static void on_event(const ca_event *e, void *user_data) {
  recorder *r = user_data;
  rec_event *x;
  if (e->struct_size < sizeof *e || e->text == NULL || e->detail == NULL || e->time_ns < r->last_time ||
      strcmp(ca_event_type_name(e->type), "unknown") == 0 ||
      (e->type == CA_EVENT_TURN_TIMELINE) != (e->timeline != NULL)) {
    r->bad = 1;
  }
  r->last_time = e->time_ns;
  hash_bytes(&r->hash, &e->type, sizeof e->type);
  hash_bytes(&r->hash, &e->state, sizeof e->state);
  hash_bytes(&r->hash, &e->ok, sizeof e->ok);
  hash_bytes(&r->hash, &e->time_ns, sizeof e->time_ns);
  hash_bytes(&r->hash, e->text, strlen(e->text) + 1);
  hash_bytes(&r->hash, e->detail, strlen(e->detail) + 1);
  if (r->sim != NULL && r->count == 0) {
    /* The script is closed and the run is over; the results may be read. */
    r->reentrant_add = ca_sim_add_dtmf(r->sim, 100, '1');
    r->reentrant_run = ca_sim_run(r->sim, 1000);
    r->reentrant_llm_count = ca_sim_llm_request_count(r->sim);
  }
  if (r->count >= MAX_EVENTS) {
    r->overflow = 1;
    return;
  }
  x = &r->events[r->count++];
  memset(x, 0, sizeof *x);
  x->type = e->type;
  x->state = e->state;
  x->ok = e->ok;
  x->time_ns = e->time_ns;
  copy_str(x->text, sizeof x->text, e->text);
  copy_str(x->detail, sizeof x->detail, e->detail);
  if (e->timeline != NULL) x->timeline = *e->timeline;
  if (r->destroy_at > 0 && r->count == r->destroy_at) ca_sim_destroy(r->sim);
}

static void reset(recorder *r) {
  memset(r, 0, sizeof *r);
  r->hash = 14695981039346656037ULL;
}

static int count_type(const recorder *r, int type) {
  int i, n = 0;
  for (i = 0; i < r->count; ++i) n += r->events[i].type == type;
  return n;
}

/* The k-th (0-based) event of a type at or after `from_ns`; NULL if none. */
static const rec_event *nth(const recorder *r, int type, int k, int64_t from_ns) {
  int i;
  for (i = 0; i < r->count; ++i) {
    if (r->events[i].type == type && r->events[i].time_ns >= from_ns && k-- == 0) return &r->events[i];
  }
  return NULL;
}

static const rec_event *find_text(const recorder *r, int type, const char *text) {
  int i;
  for (i = 0; i < r->count; ++i) {
    if (r->events[i].type == type && strcmp(r->events[i].text, text) == 0) return &r->events[i];
  }
  return NULL;
}

/* Samples of the outbound audio in [from_ns, to_ns) that are not zero. */
static size_t loud_samples(const ca_sim_t *sim, int64_t from_ns, int64_t to_ns) {
  size_t n = 0, i, count = 0;
  const int16_t *pcm = ca_sim_outbound(sim, &n);
  const size_t a = (size_t)(from_ns / MS) * (RATE / 1000), b = (size_t)(to_ns / MS) * (RATE / 1000);
  for (i = a; i < b && i < n; ++i) count += pcm[i] != 0;
  return count;
}

/* ---- building blocks ---- */

static void session_params(ca_session_params *p, recorder *r) {
  EXPECT(ca_session_default_params(p, sizeof *p) == CA_OK);
  p->call_id = "sim-call-1";
  p->caller_number = "+380501234567";
  p->sample_rate = RATE;
  p->language = "en";
  p->system_prompt = "You sell tyres.";
  p->greeting = "Hello, tyre shop.";
  p->on_event = on_event;
  p->event_user_data = r;
  /* Ignored by the simulator: it uses its scripted plug-ins. */
  p->stt = "not-registered";
}

static ca_sim_t *make_sim(recorder *r, const ca_sim_params *params) {
  ca_session_params p;
  ca_sim_t *sim = NULL;
  session_params(&p, r);
  EXPECT(ca_sim_create(&p, params, &sim) == CA_OK);
  EXPECT(sim != NULL);
  if (sim == NULL) abort();
  return sim;
}

static void add_reply(ca_sim_t *sim, const char *text, const ca_tool_call *call) {
  ca_sim_llm_reply reply;
  const ca_tool_call *calls[1];
  EXPECT(ca_sim_default_llm_reply(&reply, sizeof reply) == CA_OK);
  reply.text = text;
  if (call != NULL) {
    calls[0] = call;
    reply.tool_calls = calls;
    reply.tool_call_count = 1;
  }
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_OK);
}

/* The two-turn script: a question at 2 s answered after a tool round, "thank you" at 12 s. */
static ca_sim_t *two_turn_sim(recorder *r) {
  ca_sim_t *sim = make_sim(r, NULL);
  ca_tool_call call;
  memset(&call, 0, sizeof call);
  call.struct_size = sizeof call;
  call.id = "c1";
  call.name = "check_stock";
  call.arguments_json = kToolArgs;
  EXPECT(ca_sim_add_speech(sim, 2000, 1500, "do you have winter tyres", -18) == CA_OK);
  EXPECT(ca_sim_add_speech(sim, 12000, 800, "thank you", -18) == CA_OK);
  add_reply(sim, "Let me check.", &call);
  add_reply(sim, kAnswer, NULL);
  add_reply(sim, "You are welcome.", NULL);
  EXPECT(ca_sim_add_tool(sim, "check_stock", "Tyres in stock for a size and season", kToolResult, 300, 0,
                         CA_TOOL_ACTION_NONE, "One moment.") == CA_OK);
  return sim;
}

/* ---- (1) a two-turn call with a tool ---- */

static recorder R1, R2;

static void test_two_turns(void) {
  ca_sim_t *a, *b;
  ca_session_stats stats;
  const rec_event *turn, *started, *finished, *answer, *tl;
  size_t n = 0;
  int i, prefix;

  /* Until 11 s: the first turn only. */
  reset(&R1);
  a = two_turn_sim(&R1);
  EXPECT(ca_sim_run(a, 11000) == CA_OK);
  EXPECT(!R1.bad && !R1.overflow);
  EXPECT(count_type(&R1, CA_EVENT_CALLER_TURN) == 1);
  turn = nth(&R1, CA_EVENT_CALLER_TURN, 0, 0);
  EXPECT(turn != NULL && strcmp(turn->text, "do you have winter tyres") == 0);
  /* The turn ends after 600 ms of silence with a final: speech ended at 3.5 s. */
  EXPECT(turn != NULL && turn->time_ns >= 4100 * MS && turn->time_ns <= 4200 * MS);

  started = nth(&R1, CA_EVENT_TOOL_STARTED, 0, 0);
  finished = nth(&R1, CA_EVENT_TOOL_FINISHED, 0, 0);
  EXPECT(count_type(&R1, CA_EVENT_TOOL_STARTED) == 1 && count_type(&R1, CA_EVENT_TOOL_FINISHED) == 1);
  EXPECT(started != NULL && strcmp(started->text, "check_stock") == 0 && strcmp(started->detail, kToolArgs) == 0);
  EXPECT(finished != NULL && strcmp(finished->text, "check_stock") == 0 &&
         strcmp(finished->detail, kToolResult) == 0 && finished->ok == 1);
  /* The tool answers 300 ms after it started. */
  EXPECT(started != NULL && finished != NULL && finished->time_ns - started->time_ns >= 300 * MS &&
         finished->time_ns - started->time_ns <= 340 * MS);

  /* The bot's clauses: the first reply's text, the answer after the tool's result. */
  EXPECT(find_text(&R1, CA_EVENT_BOT_CLAUSE, "Hello, tyre shop.") != NULL);
  EXPECT(find_text(&R1, CA_EVENT_BOT_CLAUSE, "Let me check.") != NULL);
  answer = find_text(&R1, CA_EVENT_BOT_CLAUSE, kAnswer);
  EXPECT(answer != NULL && finished != NULL && answer->time_ns > finished->time_ns);

  tl = nth(&R1, CA_EVENT_TURN_TIMELINE, 0, 0);
  EXPECT(count_type(&R1, CA_EVENT_TURN_TIMELINE) == 1);
  EXPECT(tl != NULL);
  if (tl != NULL) {
    const ca_turn_timeline *t = &tl->timeline;
    EXPECT(t->struct_size >= sizeof *t);
    EXPECT(t->turn >= 1);
    EXPECT(t->speech_end_ns > 0);
    EXPECT(t->speech_end_ns <= t->stt_final_ns);
    EXPECT(t->stt_final_ns <= t->llm_request_ns);
    EXPECT(t->llm_request_ns < t->llm_first_token_ns);
    EXPECT(t->llm_first_token_ns <= t->first_clause_ns);
    EXPECT(t->first_clause_ns < t->tts_first_audio_ns);
    EXPECT(t->tts_first_audio_ns <= t->first_frame_ready_ns);
    /* The scripted latencies: the first token 400 ms after the request. */
    EXPECT(t->llm_first_token_ns - t->llm_request_ns >= 400 * MS);
  }
  EXPECT(count_type(&R1, CA_EVENT_ERROR) == 0);

  EXPECT(ca_sim_final_state(a) == CA_STATE_LISTENING);
  EXPECT(ca_sim_ended_at_ns(a) == INT64_MAX);
  EXPECT(ca_sim_tool_invocations(a, "check_stock") == 1);
  EXPECT(ca_sim_tool_invocations(a, "nope") == 0);
  EXPECT(ca_sim_llm_request_count(a) == 2);
  /* One outbound frame per 20 ms tick, and the bot spoke after the turn. */
  EXPECT(ca_sim_outbound(a, &n) != NULL);
  EXPECT(n == (size_t)(11000 / 20) * (RATE / 50));
  EXPECT(ca_sim_outbound(a, NULL) != NULL);
  EXPECT(loud_samples(a, 0, 2000 * MS) > (size_t)RATE / 2); /* the greeting */
  EXPECT(turn != NULL && loud_samples(a, turn->time_ns, 11000 * MS) > (size_t)RATE);

  memset(&stats, 0, sizeof stats);
  stats.struct_size = sizeof stats;
  EXPECT(ca_sim_get_stats(a, &stats) == CA_OK);
  EXPECT(stats.frames_in == 11000 / 20);
  EXPECT(stats.frames_out + stats.frames_silent == 11000 / 20);
  EXPECT(stats.turns == 1);
  EXPECT(stats.llm_requests == 2);
  EXPECT(stats.tool_calls == 1);
  EXPECT(stats.barge_ins == 0);

  /* The same script until 20 s: the second turn too. */
  reset(&R2);
  b = two_turn_sim(&R2);
  EXPECT(ca_sim_run(b, 20000) == CA_OK);
  EXPECT(!R2.bad && !R2.overflow);
  EXPECT(count_type(&R2, CA_EVENT_CALLER_TURN) == 2);
  turn = nth(&R2, CA_EVENT_CALLER_TURN, 1, 0);
  EXPECT(turn != NULL && strcmp(turn->text, "thank you") == 0 && turn->time_ns > 12800 * MS);
  EXPECT(find_text(&R2, CA_EVENT_BOT_CLAUSE, "You are welcome.") != NULL);
  EXPECT(count_type(&R2, CA_EVENT_TURN_TIMELINE) == 2);
  EXPECT(ca_sim_llm_request_count(b) == 3);
  EXPECT(ca_sim_tool_invocations(b, "check_stock") == 1);
  EXPECT(ca_sim_final_state(b) == CA_STATE_LISTENING);
  EXPECT(turn != NULL && loud_samples(b, turn->time_ns, 20000 * MS) > (size_t)RATE / 2);

  /* The first 11 s of the longer run are the shorter run. */
  prefix = 0;
  for (i = 0; i < R2.count && R2.events[i].time_ns < 11000 * MS; ++i) ++prefix;
  EXPECT(prefix == R1.count);
  for (i = 0; i < prefix && i < R1.count; ++i) {
    const rec_event *x = &R2.events[i], *y = &R1.events[i];
    EXPECT(x->type == y->type && x->time_ns == y->time_ns && strcmp(x->text, y->text) == 0);
  }
  {
    size_t na = 0, nb = 0;
    const int16_t *pa = ca_sim_outbound(a, &na), *pb = ca_sim_outbound(b, &nb);
    EXPECT(pa != NULL && pb != NULL && nb > na && memcmp(pa, pb, na * sizeof *pa) == 0);
  }
  ca_sim_destroy(a);
  ca_sim_destroy(b);
}

/* ---- (2) barge-in ---- */

/* A question at 2 s answered with a long reply; the caller talks over it at 5.2 s (when
 * `talk_over`) with words. */
static ca_sim_t *barge_in_sim(recorder *r, const ca_sim_params *params, int talk_over) {
  ca_sim_t *sim = make_sim(r, params);
  EXPECT(ca_sim_add_speech(sim, 2000, 1000, "what sizes", -18) == CA_OK);
  if (talk_over) EXPECT(ca_sim_add_speech(sim, 5200, 1200, "stop I want summer tyres", -18) == CA_OK);
  add_reply(sim, kLongReply, NULL);
  add_reply(sim, "Summer tyres, of course.", NULL);
  return sim;
}

static void test_barge_in(void) {
  ca_sim_t *sim;
  ca_session_stats stats;
  const rec_event *muted, *committed, *turn, *next;
  reset(&R1);
  sim = barge_in_sim(&R1, NULL, 1);
  EXPECT(ca_sim_run(sim, 12000) == CA_OK);
  EXPECT(!R1.bad && !R1.overflow);
  /* The bot was speaking when the caller started. */
  EXPECT(loud_samples(sim, 4800 * MS, 5200 * MS) > (size_t)RATE / 10);
  muted = nth(&R1, CA_EVENT_BARGE_IN_MUTED, 0, 5000 * MS);
  committed = nth(&R1, CA_EVENT_BARGE_IN_COMMITTED, 0, 5000 * MS);
  EXPECT(muted != NULL && committed != NULL);
  if (muted != NULL && committed != NULL) {
    EXPECT(muted->time_ns >= 5200 * MS && muted->time_ns <= 5700 * MS);
    EXPECT(committed->time_ns >= muted->time_ns && committed->time_ns <= 5700 * MS);
    /* Muted means silent from the next frame on. */
    EXPECT(loud_samples(sim, muted->time_ns + 20 * MS, committed->time_ns) == 0);
  }
  EXPECT(count_type(&R1, CA_EVENT_BARGE_IN_COMMITTED) == 1);
  /* The interruption is the next turn, and its answer is spoken. */
  turn = nth(&R1, CA_EVENT_CALLER_TURN, 1, 0);
  EXPECT(turn != NULL && strcmp(turn->text, "stop I want summer tyres") == 0);
  next = committed != NULL ? nth(&R1, CA_EVENT_BOT_CLAUSE, 0, committed->time_ns) : NULL;
  EXPECT(next != NULL && strcmp(next->text, "Summer tyres, of course.") == 0);
  EXPECT(find_text(&R1, CA_EVENT_BOT_HEARD, kLongReply) == NULL); /* not all of it was heard */
  memset(&stats, 0, sizeof stats);
  stats.struct_size = sizeof stats;
  EXPECT(ca_sim_get_stats(sim, &stats) == CA_OK);
  EXPECT(stats.barge_ins == 1);
  EXPECT(ca_sim_llm_request_count(sim) == 2);
  ca_sim_destroy(sim);
}

/* ---- (3) the bot's echo does not barge in ---- */

static void test_echo(void) {
  ca_sim_params params;
  ca_sim_t *sim;
  EXPECT(ca_sim_default_params(&params, sizeof params) == CA_OK);
  EXPECT(params.echo == 0 && params.echo_db == -12 && params.echo_delay_ms == 120);
  params.echo = 1;
  reset(&R1);
  sim = barge_in_sim(&R1, &params, 0);
  EXPECT(ca_sim_run(sim, 12000) == CA_OK);
  EXPECT(!R1.bad && !R1.overflow);
  /* The whole long reply was played, with its echo on the caller's line. */
  EXPECT(find_text(&R1, CA_EVENT_BOT_CLAUSE, "Would you like me to list the brands?") != NULL);
  EXPECT(loud_samples(sim, 4500 * MS, 9000 * MS) > (size_t)RATE * 3);
  EXPECT(count_type(&R1, CA_EVENT_BARGE_IN_MUTED) == 0);
  EXPECT(count_type(&R1, CA_EVENT_BARGE_IN_RESUMED) == 0);
  EXPECT(count_type(&R1, CA_EVENT_BARGE_IN_COMMITTED) == 0);
  EXPECT(count_type(&R1, CA_EVENT_CALLER_TURN) == 1);
  EXPECT(ca_sim_llm_request_count(sim) == 1);
  ca_sim_destroy(sim);

  /* With the echo, real talk-over still barges in. */
  reset(&R1);
  sim = barge_in_sim(&R1, &params, 1);
  EXPECT(ca_sim_run(sim, 12000) == CA_OK);
  EXPECT(count_type(&R1, CA_EVENT_BARGE_IN_COMMITTED) == 1);
  ca_sim_destroy(sim);
}

/* ---- (4) determinism ---- */

static void test_determinism(void) {
  ca_sim_t *a, *b;
  size_t na = 0, nb = 0;
  const int16_t *pa, *pb;
  ca_sim_params params;
  EXPECT(ca_sim_default_params(&params, sizeof params) == CA_OK);
  params.echo = 1;
  params.echo_delay_ms = 60;
  reset(&R1);
  reset(&R2);
  a = barge_in_sim(&R1, &params, 1);
  b = barge_in_sim(&R2, &params, 1);
  EXPECT(ca_sim_add_speech(a, 9000, 300, "", -20) == CA_OK); /* a cough */
  EXPECT(ca_sim_add_speech(b, 9000, 300, "", -20) == CA_OK);
  EXPECT(ca_sim_run(a, 15000) == CA_OK);
  EXPECT(ca_sim_run(b, 15000) == CA_OK);
  EXPECT(R1.count > 20);
  EXPECT(R1.count == R2.count);
  EXPECT(R1.hash == R2.hash);
  pa = ca_sim_outbound(a, &na);
  pb = ca_sim_outbound(b, &nb);
  EXPECT(na == nb && na > 0 && pa != NULL && pb != NULL && memcmp(pa, pb, na * sizeof *pa) == 0);
  ca_sim_destroy(a);
  ca_sim_destroy(b);
}

/* ---- DTMF, transfer and hangup ---- */

static void test_dtmf_transfer_hangup(void) {
  ca_sim_t *sim;
  const rec_event *digit, *transfer;
  /* The operator digit asks for a transfer; the host reports success 500 ms later. */
  reset(&R1);
  sim = make_sim(&R1, NULL);
  EXPECT(ca_sim_add_dtmf(sim, 3000, '5') == CA_OK);
  EXPECT(ca_sim_add_dtmf(sim, 4000, '0') == CA_OK);
  EXPECT(ca_sim_add_transfer_result(sim, 1) == CA_OK);
  EXPECT(ca_sim_run(sim, 20000) == CA_OK);
  digit = nth(&R1, CA_EVENT_DTMF, 0, 0);
  EXPECT(digit != NULL && strcmp(digit->text, "5") == 0 && digit->time_ns >= 3000 * MS && digit->time_ns <= 3020 * MS);
  transfer = nth(&R1, CA_EVENT_TRANSFER_REQUESTED, 0, 0);
  EXPECT(transfer != NULL && transfer->time_ns >= 4000 * MS);
  EXPECT(ca_sim_final_state(sim) == CA_STATE_ENDED);
  EXPECT(transfer != NULL && ca_sim_ended_at_ns(sim) >= transfer->time_ns + 500 * MS &&
         ca_sim_ended_at_ns(sim) < 20000 * MS);
  ca_sim_destroy(sim);

  /* The caller hangs up at 3 s. */
  reset(&R1);
  sim = make_sim(&R1, NULL);
  EXPECT(ca_sim_set_hangup(sim, 9000) == CA_OK);
  EXPECT(ca_sim_set_hangup(sim, 3000) == CA_OK); /* replaces */
  EXPECT(ca_sim_run(sim, 20000) == CA_OK);
  EXPECT(ca_sim_final_state(sim) == CA_STATE_ENDED);
  EXPECT(ca_sim_ended_at_ns(sim) >= 3000 * MS && ca_sim_ended_at_ns(sim) <= 3040 * MS);
  EXPECT(find_text(&R1, CA_EVENT_HANGUP_REQUESTED, "caller_hangup") != NULL);
  ca_sim_destroy(sim);
}

/* ---- (5) the error paths ---- */

static int last_error_set(void) { return ca_last_error() != NULL && ca_last_error()[0] != '\0'; }

static void test_errors(void) {
  ca_sim_params params;
  ca_session_params sp;
  ca_sim_llm_reply reply;
  ca_session_stats stats;
  ca_tool_call call;
  const ca_tool_call *calls[1];
  ca_sim_t *sim = NULL;
  size_t n = 99;

  /* NULL arguments. */
  ca_sim_destroy(NULL);
  EXPECT(ca_sim_default_params(NULL, sizeof params) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(last_error_set());
  EXPECT(ca_sim_default_params(&params, 4) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_llm_reply(NULL, sizeof reply) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_llm_reply(&reply, 8) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_create(NULL, NULL, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_speech(NULL, 0, 100, "x", -18) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "ca_sim_add_speech") != NULL);
  EXPECT(ca_sim_add_dtmf(NULL, 0, '1') == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_set_hangup(NULL, 0) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_transfer_result(NULL, 1) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_llm_reply(NULL, &reply) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_tool(NULL, "t", NULL, NULL, 0, 0, 0, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_run(NULL, 1000) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_ended_at_ns(NULL) == INT64_MAX);
  EXPECT(ca_sim_final_state(NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_outbound(NULL, &n) == NULL && n == 0);
  EXPECT(ca_sim_llm_request_count(NULL) == 0);
  EXPECT(ca_sim_tool_invocations(NULL, "t") == 0);
  EXPECT(ca_sim_get_stats(NULL, &stats) == CA_ERR_INVALID_ARGUMENT);

  /* Defaults. */
  EXPECT(ca_sim_default_params(&params, sizeof params) == CA_OK);
  EXPECT(params.struct_size == sizeof params);
  EXPECT(params.stt_interim_latency_ms == 300 && params.stt_final_latency_ms == 150);
  EXPECT(params.llm_first_token_ms == 400 && params.llm_tokens_per_second == 30);
  EXPECT(params.tts_first_audio_ms == 150 && params.tts_ms_per_char == 60 && params.tts_sample_rate == 0);
  EXPECT(params.transfer_delay_ms == 500);
  EXPECT(ca_sim_default_llm_reply(&reply, sizeof reply) == CA_OK);
  EXPECT(reply.struct_size == sizeof reply && reply.text == NULL && reply.tool_calls == NULL);
  EXPECT(reply.first_token_ms == -1 && reply.tokens_per_second == 0 && reply.fail_after_tokens == -1);

  /* Bad settings: the session's checks, then the simulator's. */
  EXPECT(ca_session_default_params(&sp, sizeof sp) == CA_OK);
  sp.sample_rate = 8001;
  sim = (ca_sim_t *)&sp; /* must be reset to NULL on failure */
  EXPECT(ca_sim_create(&sp, NULL, &sim) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(sim == NULL);
  EXPECT(strstr(ca_last_error(), "ca_sim_create") != NULL);
  EXPECT(ca_session_default_params(&sp, sizeof sp) == CA_OK);
  sp.llm_timeout_ms = -1;
  EXPECT(ca_sim_create(&sp, NULL, &sim) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "llm_timeout_ms") != NULL);
  EXPECT(ca_session_default_params(&sp, sizeof sp) == CA_OK);
  sp.struct_size = 16;
  EXPECT(ca_sim_create(&sp, NULL, &sim) == CA_ERR_INVALID_ARGUMENT);
  params.stt_final_latency_ms = -1;
  EXPECT(ca_sim_create(NULL, &params, &sim) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "stt_final_latency_ms") != NULL);
  EXPECT(ca_sim_default_params(&params, sizeof params) == CA_OK);
  params.tts_ms_per_char = 0;
  EXPECT(ca_sim_create(NULL, &params, &sim) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_params(&params, sizeof params) == CA_OK);
  params.tts_sample_rate = 100;
  EXPECT(ca_sim_create(NULL, &params, &sim) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_params(&params, sizeof params) == CA_OK);
  params.echo_db = 3;
  EXPECT(ca_sim_create(NULL, &params, &sim) == CA_ERR_INVALID_ARGUMENT);
  params.struct_size = 8;
  EXPECT(ca_sim_create(NULL, &params, &sim) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(sim == NULL);

  /* Defaults for everything: no callback, 8 kHz. */
  EXPECT(ca_sim_create(NULL, NULL, &sim) == CA_OK);
  if (sim == NULL) return;

  /* Before the run. */
  EXPECT(ca_sim_outbound(sim, &n) == NULL && n == 0);
  EXPECT(ca_sim_final_state(sim) == CA_STATE_IDLE);
  EXPECT(ca_sim_ended_at_ns(sim) == INT64_MAX);
  EXPECT(ca_sim_llm_request_count(sim) == 0);
  memset(&stats, 0, sizeof stats);
  stats.struct_size = sizeof stats;
  EXPECT(ca_sim_get_stats(sim, &stats) == CA_ERR_STATE);

  /* Bad script entries. */
  EXPECT(ca_sim_add_speech(sim, -1, 100, "x", -18) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_speech(sim, 0, 0, "x", -18) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_speech(sim, 0, 100, "x", 1) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_speech(sim, INT64_MAX, 100, "x", -18) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_speech(sim, 500, 100, NULL, -30) == CA_OK); /* noise */
  EXPECT(ca_sim_add_dtmf(sim, 0, 'x') == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_dtmf(sim, 0, '\0') == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_dtmf(sim, -5, '1') == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_set_hangup(sim, -1) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_tool(sim, NULL, NULL, NULL, 0, 0, 0, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_tool(sim, "", NULL, NULL, 0, 0, 0, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_tool(sim, "t", NULL, NULL, -1, 0, 0, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_tool(sim, "t", NULL, NULL, 0, 0, 7, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_add_tool(sim, "t", NULL, NULL, 0, 0, CA_TOOL_ACTION_NONE, NULL) == CA_OK);
  EXPECT(ca_sim_add_tool(sim, "t", NULL, NULL, 0, 0, CA_TOOL_ACTION_NONE, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(ca_last_error(), "t") != NULL);
  EXPECT(ca_sim_add_llm_reply(sim, NULL) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_llm_reply(&reply, sizeof reply) == CA_OK);
  reply.struct_size = 8;
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_llm_reply(&reply, sizeof reply) == CA_OK);
  reply.first_token_ms = -2;
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_llm_reply(&reply, sizeof reply) == CA_OK);
  reply.tokens_per_second = -1;
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_ERR_INVALID_ARGUMENT);
  EXPECT(ca_sim_default_llm_reply(&reply, sizeof reply) == CA_OK);
  reply.tool_call_count = 1;
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_ERR_INVALID_ARGUMENT);
  memset(&call, 0, sizeof call);
  call.struct_size = sizeof call;
  calls[0] = &call;
  reply.tool_calls = calls;
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_ERR_INVALID_ARGUMENT); /* no name */
  call.name = "t";
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_OK); /* id and arguments default */
  EXPECT(ca_sim_add_transfer_result(sim, 0) == CA_OK);
  EXPECT(ca_sim_run(sim, -1) == CA_ERR_INVALID_ARGUMENT);

  /* The run, then everything that must come before it. */
  EXPECT(ca_sim_run(sim, 2000) == CA_OK);
  EXPECT(ca_sim_run(sim, 2000) == CA_ERR_STATE);
  EXPECT(strstr(ca_last_error(), "already") != NULL);
  EXPECT(ca_sim_add_speech(sim, 0, 100, "x", -18) == CA_ERR_STATE);
  EXPECT(ca_sim_add_dtmf(sim, 0, '1') == CA_ERR_STATE);
  EXPECT(ca_sim_set_hangup(sim, 0) == CA_ERR_STATE);
  EXPECT(ca_sim_add_transfer_result(sim, 1) == CA_ERR_STATE);
  EXPECT(ca_sim_add_llm_reply(sim, &reply) == CA_ERR_STATE);
  EXPECT(ca_sim_add_tool(sim, "u", NULL, NULL, 0, 0, 0, NULL) == CA_ERR_STATE);
  EXPECT(ca_sim_outbound(sim, &n) != NULL && n == (size_t)(2000 / 20) * (RATE / 50));
  EXPECT(ca_sim_get_stats(sim, NULL) == CA_ERR_INVALID_ARGUMENT);
  stats.struct_size = 4;
  EXPECT(ca_sim_get_stats(sim, &stats) == CA_ERR_INVALID_ARGUMENT);
  stats.struct_size = sizeof stats;
  EXPECT(ca_sim_get_stats(sim, &stats) == CA_OK);
  EXPECT(stats.frames_in == 2000 / 20);
  ca_sim_destroy(sim);
}

/* ---- calls from inside the event callback ---- */

static void test_callback(void) {
  ca_sim_t *sim;
  /* The script is closed and run refused; results are readable. */
  reset(&R1);
  sim = two_turn_sim(&R1);
  R1.sim = sim;
  EXPECT(ca_sim_run(sim, 6000) == CA_OK);
  EXPECT(R1.reentrant_add == CA_ERR_STATE);
  EXPECT(R1.reentrant_run == CA_ERR_STATE);
  EXPECT(R1.reentrant_llm_count == 2);
  ca_sim_destroy(sim);

  /* Destroyed from inside the callback: no more events, freed when the run returns. */
  reset(&R1);
  sim = two_turn_sim(&R1);
  R1.sim = sim;
  R1.destroy_at = 3;
  EXPECT(ca_sim_run(sim, 6000) == CA_OK);
  EXPECT(R1.count == 3);
}

int main(void) {
  test_two_turns();
  test_barge_in();
  test_echo();
  test_determinism();
  test_dtmf_transfer_hangup();
  test_errors();
  test_callback();
  return check_report();
}
