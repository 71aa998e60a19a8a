// The store's REST API: every TyreStore operation as an HTTP route under one prefix (/api/v1), so
// a shop can run the embedded store as a service (`callagent store serve`), and so integrators have
// a reference for the API the REST client (rest_store.hpp) speaks. The API is described for
// integrators in docs form in the report of this change (README "Store REST API").
//
// Wire rules, in short:
// - Success: {"data": <result>} with 200, or 201 for the three creating POSTs (orders, bookings,
//   callbacks). Failure: {"error": {"code": "...", "message": "..."}} with 400 (bad input or a
//   rule of the shop: "only 2 of T1042 in stock"), 401 (token), 404 (an unknown id), 500 (the
//   store failed). An unknown path gets the server's plain-text 404, a known path with another
//   method its 405 — so a client can tell "no such order" (JSON) from "wrong URL" (text).
// - Authorization: Bearer <token> on every route but GET /health when a token is configured.
// - Idempotency-Key on POST, PATCH and DELETE goes to the store as the operation's key: the same
//   key again returns the original result with the original status, and does the work once.
// - X-Request-Id is echoed back and logged with the request.
//
// Threads: handlers run on the HttpServer's service thread one at a time and call the store
// synchronously (SQLite answers in milliseconds; a remote TyreStore behind this would stall the
// server while it waits).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net/http_server.hpp"
#include "store/store.hpp"

namespace ca::store {

struct RestServerOptions {
  std::string prefix = "/api/v1";  // every route's prefix; "" for none
  std::string token;               // required as "Authorization: Bearer <token>"; empty: no auth
};

// Request headers the API reads that libwebsockets does not capture on its own. They must be in
// HttpServerOptions::extra_headers of the server the routes go on (store_server_options() adds
// them): without them Idempotency-Key would silently be ignored.
const std::vector<std::string> &rest_api_request_headers();

// `base` with rest_api_request_headers() added to its extra_headers.
net::HttpServerOptions store_server_options(net::HttpServerOptions base = {});

// Adds the API's routes to `server` (before its start()). The store is shared with the routes.
void register_store_api(net::HttpServer &server, std::shared_ptr<TyreStore> store, RestServerOptions options = {});

}  // namespace ca::store
