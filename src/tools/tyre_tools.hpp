// The tyre shop's tools for the LLM: the 13 of the original system (search, availability,
// orders, fitting stations, slots, bookings, prices, knowledge base, operator transfer) plus
// create_callback_request for after-hours transfers.
//
// What the tools guarantee whatever the LLM asks:
// - the caller's own number (ToolContext::caller_number) replaces any phone the LLM passes;
// - create_order_draft, confirm_order, book_fitting and cancel_fitting change nothing until the
//   same request comes back with "confirmed": true after its summary was returned in this call
//   (the summary is what the caller must hear and agree to);
// - bookings fall between tomorrow and today + 21 days (Europe/Kyiv) and only at times that
//   get_fitting_slots offered in this call;
// - every mutating request carries ToolContext::idempotency_key to the store, so a repeated call
//   does the work once;
// - results are compact JSON with the ids the LLM needs and nothing meant to be read aloud that
//   a caller could not say back.
//
// Threads: invoke() returns at once; the work runs on the one worker thread of the pack (shared
// by all the tools one make_tyre_tools call returns) and results reach the sink from there.
// cancel() drops the result of a read-only tool that has not delivered yet; side-effecting tools
// are never cancelled. Per-call state (offered slots, summaries) is keyed by
// ToolContext::call_id, so one pack may serve many calls (request ids are unique across the
// sessions of a process, so cancel() by id is unambiguous).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "providers/provider.hpp"
#include "store/store.hpp"

namespace ca::tools {

using TimePoint = std::chrono::system_clock::time_point;

struct ToolPackOptions {
  // "Now" for the booking window; system_clock when empty. Tests pass a fixed time.
  std::function<TimePoint()> clock;
  std::string time_zone = "Europe/Kyiv";
  // The language of the wait phrases ("uk", "ru", "en").
  std::string language = "uk";
  // Returns a message when the operators are not working at that time ("after hours"): then
  // transfer_to_operator does not transfer and offers a callback instead. Empty: always open.
  std::function<std::optional<std::string>(TimePoint)> after_hours;
  // The knowledge base: (query, category) → {"total":N,"articles":[{"title","category","content"}]}.
  // Empty: search_knowledge_base finds nothing.
  std::function<Result<json::Value>(std::string query, std::string category)> knowledge;
  int booking_days_ahead = 21;
  size_t calls_remembered = 1024;  // per-call state kept for this many most recent calls
};

// The 14 tools, in the order of tyre_tool_names(), sharing one worker thread.
std::vector<std::shared_ptr<providers::Tool>> make_tyre_tools(std::shared_ptr<store::TyreStore> store,
                                                              ToolPackOptions options = {});

const std::vector<std::string> &tyre_tool_names();

// The pack as a configured plug-in, [tools.NAME] type = "tyre_shop":
//   store = "shop.db"            the embedded store's SQLite file (created and seeded if missing)
//   store_url = "http://host:8085/api/v1"
//                                instead of `store`: the shop's REST API (store/rest_store.hpp), e.g.
//                                `callagent store serve`; one HTTP client and event loop for the pack
//   store_token = "…"            its Bearer token; absent: $CALLAGENT_STORE_TOKEN; neither: none
//   store_timeout = 5            seconds per store call, retries included
//   knowledge_base = "kb.db"     a file `callagent kb import` filled; absent: no knowledge tool hits
//   embed_url = "https://api.openai.com", embed_model = "text-embedding-3-small",
//   embed_dimensions = 1536      the embeddings the knowledge base was imported with (kb import
//                                --embed-url …), for fused keyword + vector search; key from
//                                $OPENAI_API_KEY; without embed_dimensions it is asked of the service
//   language = "uk"              of the after-hours sentence and the wait phrases
//   working_hours = { timezone = "Europe/Kyiv", mon = { start = "09:00", end = "18:00" }, … }
//                                absent: operators always available
Result<std::vector<std::shared_ptr<providers::Tool>>> make_tyre_tools_from_options(const std::string &where,
                                                                                  const json::Value &options);

}  // namespace ca::tools
