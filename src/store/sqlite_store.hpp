// The embedded demo shop: one SQLite file (WAL), seeded on first open with a generated catalogue,
// stock, stations, slots, vehicles, prices and sample orders (see seed.hpp). SQLiteCpp throws;
// every exception stops here and becomes a Result.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/calendar.hpp"
#include "store/store.hpp"

namespace SQLite {
class Database;
}

namespace ca::store {

struct SqliteStoreOptions {
  std::string path;  // created when missing
  // What "today" is for the seed, the slot window and dates on orders; system_clock when empty.
  std::function<TimePoint()> clock;
  std::string time_zone = "Europe/Kyiv";
};

class SqliteStore final : public TyreStore {
 public:
  // Opens (creating and seeding an empty file), tops up the slots to today + 21 days, and drops
  // idempotency keys older than a week and slots older than a month.
  static Result<std::shared_ptr<SqliteStore>> open(SqliteStoreOptions options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore &) = delete;
  SqliteStore &operator=(const SqliteStore &) = delete;

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

 private:
  explicit SqliteStore(SqliteStoreOptions options);
  Day today() const;
  std::string now_iso() const;
  // The canonical city for a spelling ("Києві" → "Київ"); nullopt when we have no station there.
  // The caller holds mu_.
  std::optional<std::string> canonical_city_locked(std::string_view text);

  SqliteStoreOptions opts_;
  std::mutex mu_;  // one connection, one user at a time
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace ca::store
