// The tyre shop's back office as the tools see it: catalogue, stock, orders, fitting stations,
// slots, bookings, prices and callback requests. The interface knows no transport: the embedded
// demo store (SQLite) implements it, and a REST client for a real shop implements it the same way.
//
// Every mutating operation takes an idempotency key. The same key returns the original result
// and does the work once, however often it is replayed (a retried request, an LLM that asks
// twice). An empty key means "not idempotent". A key used for one operation and replayed for
// another is an error. Failed operations store nothing, so a retry may succeed later.
//
// Implementations are thread-safe. Calls may block (disk, network): they are never made on the
// audio path; the tool pack runs them on its own worker thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ca::store {

// ---- vocabulary types ----

enum class Season : uint8_t { summer, winter, all_season };
std::string_view season_name(Season s);      // "summer", "winter", "all_season"
std::string_view season_label_uk(Season s);  // "літня", "зимова", "всесезонна"
// The enum names, and the Ukrainian/Russian words a caller or an LLM may use.
std::optional<Season> parse_season(std::string_view text);

struct TyreSize {
  int width = 0;             // mm
  int profile = 0;           // aspect ratio, %
  int diameter = 0;          // rim, inches
  std::string text() const;  // "205/55 R16"
  friend bool operator==(const TyreSize &, const TyreSize &) = default;
};
// "205/55 R16", "205/55R16", "205 55 16", "205/55/16", "205/55 r 16".
std::optional<TyreSize> parse_tyre_size(std::string_view text);

struct Tyre {
  std::string id;  // short SKU the LLM passes back ("T1042"); not read aloud
  std::string brand;
  std::string model;
  TyreSize size;
  Season season = Season::summer;
  bool studded = false;
  int load_index = 0;
  std::string speed_index;        // "H", "V", …
  bool xl = false;                // reinforced
  int price = 0;                  // UAH per tyre
  int stock = 0;                  // all warehouses
  std::string name() const;       // "Michelin Primacy 4+"
  std::string size_text() const;  // "205/55 R16 91V" (+ " XL")
};

// ---- catalogue ----

struct TyreQuery {
  std::optional<int> width, profile, diameter;
  std::optional<Season> season;
  std::string brand;  // any case; Ukrainian spellings too ("Мішлен")
  // Free words that must all match brand, model, size or season ("michelin primacy 205/55 r16").
  std::string text;
  // When a make is given the vehicle table gives the sizes (filtered further by width/profile/
  // diameter when those are given too). Year picks the generation; none: the latest one.
  std::string vehicle_make;
  std::string vehicle_model;
  std::optional<int> vehicle_year;
  bool in_stock_only = false;
  int limit = 50;
};

struct VehicleFit {
  std::string make;
  std::string model;
  int year_from = 0;
  int year_to = 0;              // 0: still made
  std::vector<TyreSize> sizes;  // factory sizes, the most common first
};

struct TyreSearch {
  int total = 0;            // matches before the limit
  std::vector<Tyre> items;  // in stock first, then cheapest first
  std::optional<VehicleFit> vehicle;
  // "brand" or "vehicle" when that part of the query names nothing we know (total is then 0).
  std::string not_found;
};

struct WarehouseStock {
  std::string warehouse_id;
  std::string city;
  int quantity = 0;
};

struct Availability {
  Tyre tyre;
  std::vector<WarehouseStock> warehouses;  // with stock, most first
  int delivery_days = 0;                   // to the customer from the nearest stock; supplier time when none
};

// ---- orders ----

enum class OrderStatus : uint8_t { draft, confirmed, processing, shipped, ready_for_pickup, delivered, cancelled };
std::string_view order_status_name(OrderStatus s);
std::string_view order_status_label_uk(OrderStatus s);
std::optional<OrderStatus> parse_order_status(std::string_view s);

enum class DeliveryType : uint8_t { none, delivery, pickup };
std::string_view delivery_type_name(DeliveryType t);
std::optional<DeliveryType> parse_delivery_type(std::string_view s);

enum class PaymentMethod : uint8_t { none, cod, online, card_on_delivery };
std::string_view payment_method_name(PaymentMethod p);
std::string_view payment_method_label_uk(PaymentMethod p);
std::optional<PaymentMethod> parse_payment_method(std::string_view s);

struct OrderLine {
  std::string product_id;
  std::string name;  // "Michelin Primacy 4+"
  std::string size;  // "205/55 R16 91V"
  int quantity = 0;
  int unit_price = 0;  // UAH
};

struct Order {
  std::string id;  // short and readable ("100245"): the caller may be told it
  OrderStatus status = OrderStatus::draft;
  std::string customer_phone;  // +380…
  std::string customer_name;
  std::vector<OrderLine> items;
  int subtotal = 0;
  int delivery_cost = 0;
  int total = 0;
  DeliveryType delivery_type = DeliveryType::none;
  std::string city;
  std::string address;
  std::string pickup_point_id;
  int estimated_days = 0;  // once delivery is chosen
  PaymentMethod payment = PaymentMethod::none;
  std::string created;             // YYYY-MM-DD
  std::string estimated_delivery;  // YYYY-MM-DD once confirmed
};

struct OrderItemRequest {
  std::string product_id;
  int quantity = 0;
};

struct DeliveryRequest {
  DeliveryType type = DeliveryType::delivery;
  std::string city;
  std::string address;
  std::string pickup_point_id;  // a station id: every station is a pickup point
};

// ---- fitting ----

enum class Service : uint8_t { tire_change, balancing, full_service };
std::string_view service_name(Service s);
std::string_view service_label_uk(Service s);
std::optional<Service> parse_service(std::string_view s);
int service_duration_min(Service s);

struct Station {
  std::string id;  // short ("KV1"); not read aloud
  std::string name;
  std::string city;
  std::string district;
  std::string address;
  std::string phone;
  std::string hours;  // as said to a caller: "Пн–Пт 08:00–20:00, Сб 09:00–18:00, Нд 10:00–16:00"
  std::vector<std::string> services;  // service names, plus "storage", "repair"
  int posts = 0;                      // cars served at once
};

struct Slot {
  std::string date;  // YYYY-MM-DD
  std::string time;  // HH:MM
  int free = 0;      // places left; 0: taken
};

struct BookingRequest {
  std::string station_id;
  std::string date;  // YYYY-MM-DD
  std::string time;  // HH:MM
  std::string customer_phone;
  std::string customer_name;
  std::string vehicle_info;
  Service service = Service::tire_change;
  std::optional<int> tire_diameter;
  std::string linked_order_id;
  std::string call_id;
};

struct Booking {
  std::string id;  // short and readable ("70231")
  std::string station_id;
  std::string station_name;
  std::string station_address;
  std::string date;
  std::string time;
  Service service = Service::tire_change;
  int duration_min = 0;
  std::optional<int> price;  // UAH for four wheels, when the rim size is known
  bool cancelled = false;
  std::string customer_phone;
  std::string vehicle_info;
  std::optional<int> tire_diameter;
  std::string linked_order_id;
};

struct FittingPrice {
  Service service = Service::tire_change;
  int diameter = 0;
  int per_wheel = 0;       // UAH
  int per_set = 0;         // four wheels
  std::string station_id;  // empty: the network's base price
};

// ---- callbacks ----

struct CallbackRequest {
  std::string phone;
  std::string preferred_time;  // as the caller said it
  std::string note;
  std::string call_id;
};

struct Callback {
  std::string id;
  std::string phone;
  std::string preferred_time;
  std::string note;
  std::string created;  // ISO timestamp, UTC
};

// ---- the words of the domain, for speech grammars and recognition hints ----

struct Vocabulary {
  std::vector<std::string> brands;         // as written ("Michelin")
  std::vector<std::string> brands_spoken;  // as said in Ukrainian ("Мішлен")
  std::vector<std::string> models;         // tyre models
  std::vector<std::string> sizes;          // "205/55 R16"
  std::vector<std::string> cities;
  std::vector<std::string> districts;
  std::vector<std::string> station_names;
  std::vector<std::string> vehicle_makes;
  std::vector<std::string> vehicle_models;  // with their make: "Toyota Camry"
};

// ---- the interface ----

class TyreStore {
 public:
  virtual ~TyreStore() = default;

  virtual Result<TyreSearch> search_tyres(const TyreQuery &query) = 0;
  // not_found when the id is unknown.
  virtual Result<Availability> availability(std::string_view product_id) = 0;

  virtual Result<Order> order(std::string_view order_id) = 0;
  // Newest first; empty when the phone has none.
  virtual Result<std::vector<Order>> orders_by_phone(std::string_view phone) = 0;
  virtual Result<Order> create_order_draft(const std::vector<OrderItemRequest> &items, std::string_view phone,
                                           std::string_view idempotency_key) = 0;
  virtual Result<Order> update_order_delivery(std::string_view order_id, const DeliveryRequest &delivery,
                                              std::string_view idempotency_key) = 0;
  // Reserves the stock; the order must have its delivery chosen.
  virtual Result<Order> confirm_order(std::string_view order_id, PaymentMethod payment, std::string_view customer_name,
                                      std::string_view idempotency_key) = 0;

  // By city in any common spelling ("Київ", "Києві", "Киев", "Kyiv"); empty: every station.
  virtual Result<std::vector<Station>> stations(std::string_view city) = 0;
  virtual Result<Station> station(std::string_view station_id) = 0;
  // Every slot of the station's working hours in [date_from, date_to] (inclusive), taken ones too.
  virtual Result<std::vector<Slot>> slots(std::string_view station_id, std::string_view date_from,
                                          std::string_view date_to) = 0;
  // Takes one place of the slot; invalid_argument when the slot is not free.
  virtual Result<Booking> book_fitting(const BookingRequest &request, std::string_view idempotency_key) = 0;
  virtual Result<Booking> booking(std::string_view booking_id) = 0;
  virtual Result<std::vector<Booking>> bookings_by_phone(std::string_view phone) = 0;
  virtual Result<Booking> cancel_booking(std::string_view booking_id, std::string_view idempotency_key) = 0;
  virtual Result<Booking> reschedule_booking(std::string_view booking_id, std::string_view new_date,
                                             std::string_view new_time, std::string_view idempotency_key) = 0;
  // Every service when `service` is empty; the station's own prices when a station is given.
  virtual Result<std::vector<FittingPrice>> fitting_prices(int diameter, std::string_view station_id,
                                                           std::optional<Service> service) = 0;

  virtual Result<Callback> create_callback(const CallbackRequest &request, std::string_view idempotency_key) = 0;

  virtual Result<Vocabulary> vocabulary() = 0;
};

// ---- helpers every implementation and the tools share ----

// A Ukrainian number in E.164 (+380XXXXXXXXX) from the ways people and LLMs write it
// ("050 123 45 67", "(050)1234567", "380501234567", "+38 050 …"); other countries' numbers
// given with + or 00 are kept as +digits. nullopt when it is not a phone number.
std::optional<std::string> normalize_phone(std::string_view text);
// "050 123 45 67": how a Ukrainian number is read back to a caller.
std::string spoken_phone(std::string_view e164);

// Lower case for ASCII and Cyrillic (the others pass through): for matching what callers say.
std::string fold_case(std::string_view text);

}  // namespace ca::store
