// The shop's back office over HTTP: a TyreStore that calls the REST API rest_server.hpp serves
// (or a shop's own server speaking it), on net::HttpClient.
//
// Per logical request (one TyreStore call):
// - Authorization: Bearer <token> (when a token is set; it is never logged);
// - X-Request-Id: a fresh UUID v4, the same on every retry of that call, in our logs too;
// - Idempotency-Key on every POST, PATCH and DELETE: the caller's key, or — when the caller gives
//   none — a fresh UUID for this call, so at least our own retries cannot do the work twice;
// - a total timeout (5 s) covering every attempt and the waits between them;
// - retries (2) on 429 and 503 only, honouring Retry-After up to what the timeout leaves; 500 and
//   other statuses are answers, not retried (as the system this replaces decided);
// - a circuit breaker (net/circuit_breaker.hpp: 5 consecutive failures → open 30 s → one probe)
//   counting transport errors, timeouts, 5xx and 429 only. An open circuit fails at once with
//   Errc::io and sends nothing.
//
// Errors, as the tools expect them from any TyreStore:
//   404 with a JSON body (the API's {"error": {"message"}}) → Errc::not_found with that message
//     ("no order 123": the friendly not-found the tools turn into words for the caller);
//   404 with anything else (the server's plain-text 404: no such route) → Errc::config naming
//     the URL — base_url is wrong (the old client's double /api/v1 showed up as "not found" for
//     every order);
//   400, 409, 422 → Errc::invalid_argument with the server's message;
//   401, 403 → Errc::config (the token), logged as an error, never retried;
//   429, 5xx, transport → Errc::io; timeouts → Errc::timeout; a 2xx without {"data": …} →
//   Errc::protocol. An id that cannot be one path segment (empty, or with a '/') is not_found
//   without a request.
//
// Threads: the methods are synchronous; each starts the request on the client's event loop and
// waits for it on the calling thread. They run on the tool pack's worker thread (tyre_tools.hpp),
// never on the audio path, so blocking there is what we want. Calls from several threads run
// concurrently. Never call them on the client's own loop thread (they fail at once there).
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "net/circuit_breaker.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"

namespace ca::store {

struct RestStoreOptions {
  // The API root every path is appended to, e.g. "http://127.0.0.1:8085/api/v1" ("/orders/123" is
  // then requested at http://127.0.0.1:8085/api/v1/orders/123). No prefix is added: give the
  // prefix once, here. A trailing slash is ignored.
  std::string base_url;
  std::string token;                     // empty: no Authorization header
  Nanos timeout = seconds(5);            // per call, every attempt and wait included
  Nanos connect_timeout = seconds(2);    // per attempt (within `timeout`)
  int retries = 2;                       // on 429/503: attempts = retries + 1
  Nanos retry_base_delay = millis(500);  // without Retry-After: full jitter up to base * 2^n …
  Nanos retry_max_delay = seconds(1);    // … capped here
  int breaker_failures = 5;
  Nanos breaker_open_for = seconds(30);
  std::function<Nanos()> clock;  // the breaker's clock; monotonic when empty (tests pass theirs)
  // The loop the HTTP client runs on; null: the store starts and owns one ("ca-store").
  std::shared_ptr<net::EventLoop> loop;
  net::HttpClientOptions http;  // CA file, jitter seed, on_retry (for logs and tests)
};

class RestStore final : public TyreStore {
 public:
  // Checks the options (an http(s) base URL); makes no request.
  static Result<std::shared_ptr<RestStore>> create(RestStoreOptions options);
  ~RestStore() override;
  RestStore(const RestStore &) = delete;
  RestStore &operator=(const RestStore &) = delete;

  Result<TyreSearch> search_tyres(const TyreQuery &query) override;
  Result<Availability> availability(std::string_view product_id) override;

  Result<Order> order(std::string_view order_id) override;
  Result<std::vector<Order>> orders_by_phone(std::string_view phone) override;
  Result<Order> create_order_draft(const std::vector<OrderItemRequest> &items, std::string_view phone,
                                   std::string_view idempotency_key) override;
  Result<Order> update_order_delivery(std::string_view order_id, const DeliveryRequest &delivery,
                                      std::string_view idempotency_key) override;
  Result<Order> confirm_order(std::string_view order_id, PaymentMethod payment, std::string_view customer_name,
                              std::string_view idempotency_key) override;

  Result<std::vector<Station>> stations(std::string_view city) override;
  Result<Station> station(std::string_view station_id) override;
  Result<std::vector<Slot>> slots(std::string_view station_id, std::string_view date_from,
                                  std::string_view date_to) override;
  Result<Booking> book_fitting(const BookingRequest &request, std::string_view idempotency_key) override;
  Result<Booking> booking(std::string_view booking_id) override;
  Result<std::vector<Booking>> bookings_by_phone(std::string_view phone) override;
  Result<Booking> cancel_booking(std::string_view booking_id, std::string_view idempotency_key) override;
  Result<Booking> reschedule_booking(std::string_view booking_id, std::string_view new_date, std::string_view new_time,
                                     std::string_view idempotency_key) override;
  Result<std::vector<FittingPrice>> fitting_prices(int diameter, std::string_view station_id,
                                                   std::optional<Service> service) override;

  Result<Callback> create_callback(const CallbackRequest &request, std::string_view idempotency_key) override;

  Result<Vocabulary> vocabulary() override;

  net::CircuitBreaker::State breaker_state() const { return breaker_.state(); }

 private:
  explicit RestStore(RestStoreOptions options);

  struct Call;
  // One logical request: breaker, headers, the blocking round trip, the error mapping. Returns
  // the envelope's "data".
  Result<json::Value> call(Call c);

  RestStoreOptions opts_;
  std::shared_ptr<net::EventLoop> loop_;  // before client_: the client must go first
  std::unique_ptr<net::HttpClient> client_;
  net::CircuitBreaker breaker_;
};

// A random UUID v4 ("0b5f…-…-4…-[89ab]…-…"), as X-Request-Id and default idempotency keys use.
std::string random_uuid_v4();

}  // namespace ca::store
