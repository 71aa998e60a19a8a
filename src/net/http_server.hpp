// A small HTTP/1.1 server on libwebsockets for the hosts' own endpoints: the call-details POST from
// the Asterisk dialplan, health, metrics, and the store's REST API.
//
// Threads: the lws service runs on the server's own thread; handlers run there, one at a time, so
// a handler must be quick (hand long work to another thread and answer 202). route() only before
// start(); start() and stop() from any other thread.
//
// Requests: bodies are collected whole before the handler runs (Content-Length or chunked); one
// larger than max_body gets 413 without reaching a handler. An unknown path gets 404; a known path
// with another method gets 405 with an Allow header. HEAD is served by the GET route, without body.
//
// Where libwebsockets 4.1.6 falls short:
// - It cannot list request headers it does not know by name (it parses ~90 common ones;
//   lws_hdr_custom_name_foreach() arrived in 4.3). ServerRequest::headers holds every known header
//   plus the non-standard ones named in HttpServerOptions::extra_headers.
// - It decodes %XX in the path before we see it, so a {param} cannot contain an encoded '/'.
// - It hands a chunked request body over still framed and expects it never to end; we decode it
//   ourselves and close such a connection after the response (no keep-alive after chunked).
// - It never sends "100 Continue"; we send it ourselves when a client asks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "net/http_client.hpp"  // Header, Headers

namespace ca::net {

struct ServerRequest {
  std::string method;  // upper case: GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD
  std::string path;    // decoded, without the query
  std::vector<std::pair<std::string, std::string>> params;  // {name} segments of the route
  std::vector<std::pair<std::string, std::string>> query;   // decoded name=value pairs, in order
  Headers headers;  // names in lower case
  std::string body;

  const std::string *header(std::string_view name) const { return find_header(headers, name); }
  // The {name} segment's value; empty when the route has none.
  std::string param(std::string_view name) const;
  // The first value of query argument `name`, or nullptr.
  const std::string *query_value(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;
  Headers headers;  // Content-Length is set by the server; Connection and Transfer-Encoding are ignored
  std::string body;

  static ServerResponse text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static ServerResponse json(int status, std::string body);
};

// A handler that throws gets a 500 answer.
using RouteHandler = std::function<ServerResponse(const ServerRequest &)>;

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";  // an IPv4 or IPv6 address
  uint16_t port = 0;                         // 0: an ephemeral port (start() returns it)
  size_t max_body = 1024 * 1024;             // larger request bodies get 413
  size_t max_header_bytes = 16 * 1024;       // all request headers together
  std::vector<std::string> extra_headers;    // non-standard request headers to capture, e.g. "x-api-key"
  // PEM files. With both set the server speaks only HTTPS, and HTTP/2 to clients that offer it.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();  // stop()

  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  // Adds a route: `pattern` is a path whose segments are literal or "{name}" (one whole segment),
  // e.g. "/calls/{id}/events". The first matching route wins. Only before start().
  void route(std::string method, std::string pattern, RouteHandler handler);

  // Binds, listens and starts the service thread. Returns the port bound.
  Result<uint16_t> start();
  // Stops serving (connections are closed) and joins the thread. Idempotent.
  void stop();
  uint16_t port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ca::net
