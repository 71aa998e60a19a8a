/* Try a call before any phone rings: a caller script played against a session with scripted
 * speech recognition, LLM, synthesis and a tool, on a virtual clock. Prints the conversation and
 * each turn's latencies. Uses only the public header. */
#include <callagent/callagent.h>
#include <stdio.h>

static void on_event(const ca_event *e, void *user_data) {
  (void)user_data;
  const double t = (double)e->time_ns / 1e9;
  switch (e->type) {
    case CA_EVENT_CALLER_TURN: printf("%7.2f  caller: %s\n", t, e->text); break;
    case CA_EVENT_BOT_CLAUSE: printf("%7.2f  bot:    %s\n", t, e->text); break;
    case CA_EVENT_TOOL_STARTED: printf("%7.2f  tool:   %s %s\n", t, e->text, e->detail); break;
    case CA_EVENT_BARGE_IN_COMMITTED: printf("%7.2f  (the caller interrupted)\n", t); break;
    case CA_EVENT_TURN_TIMELINE:
      printf("%7.2f  turn %d: end of speech -> first audio %.0f ms\n", t, e->timeline->turn,
             (double)(e->timeline->first_frame_ready_ns - e->timeline->speech_end_ns) / 1e6);
      break;
    default: break;
  }
}

static int check(ca_status st, const char *what) {
  if (st == CA_OK) return 0;
  fprintf(stderr, "%s: %s (%s)\n", what, ca_status_string(st), ca_last_error());
  return 1;
}

int main(void) {
  ca_session_params session;
  ca_session_default_params(&session, sizeof session);
  session.language = "en";
  session.greeting = "Hello, tyre shop, how can I help?";
  session.on_event = on_event;

  ca_sim_t *sim = NULL;
  if (check(ca_sim_create(&session, NULL, &sim), "ca_sim_create")) return 1;
  int failed = 0;
  failed |= check(ca_sim_add_tool(sim, "check_stock", "Stock of a tyre size", "{\"in_stock\":12,\"price\":3950}", 300,
                                  0, CA_TOOL_ACTION_NONE, "One moment, I am checking."),
                  "add_tool");
  failed |= check(ca_sim_add_speech(sim, 3000, 1600, "do you have winter tyres 205/55 R16", -18), "add_speech");
  failed |= check(ca_sim_add_speech(sim, 13000, 900, "thank you goodbye", -18), "add_speech");

  ca_tool_call call = {sizeof call, "c1", "check_stock", "{\"size\":\"205/55 R16\",\"season\":\"winter\"}"};
  const ca_tool_call *calls[] = {&call};
  ca_sim_llm_reply r;
  ca_sim_default_llm_reply(&r, sizeof r);
  r.tool_calls = calls;
  r.tool_call_count = 1;
  failed |= check(ca_sim_add_llm_reply(sim, &r), "add_llm_reply");
  ca_sim_default_llm_reply(&r, sizeof r);
  r.text = "Yes, we have twelve in stock at 3950 hryvnias each. Shall I reserve four?";
  failed |= check(ca_sim_add_llm_reply(sim, &r), "add_llm_reply");
  ca_sim_default_llm_reply(&r, sizeof r);
  r.text = "Thank you for calling, goodbye.";
  failed |= check(ca_sim_add_llm_reply(sim, &r), "add_llm_reply");

  failed |= check(ca_sim_run(sim, 20000), "ca_sim_run");
  printf("final state: %s, LLM requests: %zu, check_stock calls: %zu\n", ca_state_name(ca_sim_final_state(sim)),
         ca_sim_llm_request_count(sim), ca_sim_tool_invocations(sim, "check_stock"));
  failed |= ca_sim_tool_invocations(sim, "check_stock") != 1;
  ca_sim_destroy(sim);
  return failed;
}
