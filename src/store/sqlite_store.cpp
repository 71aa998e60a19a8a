#include "store/sqlite_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/json.hpp"
#include "core/log.hpp"
#include "store/seed.hpp"
#include "store/store_json.hpp"

namespace ca::store {

namespace {

constexpr int kMaxSlotDaysAhead = 60;  // slots are generated on demand this far ahead
constexpr int kMaxSlotRangeDays = 31;  // one query
constexpr int kFreeDeliveryFrom = 8000;
constexpr int kDeliveryCost = 250;
constexpr int kSupplierDays = 10;
constexpr int kMaxQuantity = 99;

// Runs `f`, turning whatever SQLiteCpp (or the standard library) throws into an io error.
template <class F>
auto guarded(const char *what, F &&f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception &e) {
    log::write(log::Level::error, "", "store: sqlite failed", {{"op", what}, {"error", e.what()}});
    return make_error(Errc::io, std::string("store: ") + what + ": " + e.what());
  }
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Folded, with only letters and digits kept: "RAV-4" and "rav 4" compare equal.
std::string squash(std::string_view s) {
  std::string f = fold_case(s);
  std::string out;
  for (char c : f) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u >= 0x80) out.push_back(c);
  }
  return out;
}

// ---- rows ----

constexpr const char *kTyreSelect =
    "SELECT t.id, t.brand, t.model, t.width, t.profile, t.diameter, t.season, t.studded, t.load_index, "
    "t.speed_index, t.xl, t.price, (SELECT COALESCE(SUM(quantity), 0) FROM stock s WHERE s.tyre_id = t.id) "
    "FROM tyres t";

Tyre read_tyre(SQLite::Statement &st) {
  Tyre t;
  t.id = st.getColumn(0).getString();
  t.brand = st.getColumn(1).getString();
  t.model = st.getColumn(2).getString();
  t.size = {st.getColumn(3).getInt(), st.getColumn(4).getInt(), st.getColumn(5).getInt()};
  t.season = parse_season(st.getColumn(6).getString()).value_or(Season::summer);
  t.studded = st.getColumn(7).getInt() != 0;
  t.load_index = st.getColumn(8).getInt();
  t.speed_index = st.getColumn(9).getString();
  t.xl = st.getColumn(10).getInt() != 0;
  t.price = st.getColumn(11).getInt();
  t.stock = st.getColumn(12).getInt();
  return t;
}

std::optional<Tyre> load_tyre(SQLite::Database &db, std::string_view id) {
  SQLite::Statement st(db, std::string(kTyreSelect) + " WHERE t.id = ?");
  st.bind(1, std::string(id));
  if (!st.executeStep()) return std::nullopt;
  return read_tyre(st);
}

constexpr const char *kStationSelect =
    "SELECT id, name, city, district, address, phone, weekday_open, weekday_close, sat_open, sat_close, sun_open, "
    "sun_close, posts, services, price_pct FROM stations";

std::string hours_text(const std::string &wo, const std::string &wc, const std::string &so, const std::string &sc,
                       const std::string &uo, const std::string &uc) {
  auto part = [](const char *days, const std::string &o, const std::string &c) {
    return std::string(days) + " " + (o.empty() ? std::string("вихідний") : o + "–" + c);
  };
  return part("Пн–Пт", wo, wc) + ", " + part("Сб", so, sc) + ", " + part("Нд", uo, uc);
}

Station read_station(SQLite::Statement &st, int *price_pct = nullptr) {
  Station s;
  s.id = st.getColumn(0).getString();
  s.name = st.getColumn(1).getString();
  s.city = st.getColumn(2).getString();
  s.district = st.getColumn(3).getString();
  s.address = st.getColumn(4).getString();
  s.phone = st.getColumn(5).getString();
  s.hours = hours_text(st.getColumn(6).getString(), st.getColumn(7).getString(), st.getColumn(8).getString(),
                       st.getColumn(9).getString(), st.getColumn(10).getString(), st.getColumn(11).getString());
  s.posts = st.getColumn(12).getInt();
  s.services = split(st.getColumn(13).getString(), ',');
  if (price_pct) *price_pct = st.getColumn(14).getInt();
  return s;
}

std::optional<Station> load_station(SQLite::Database &db, std::string_view id, int *price_pct = nullptr) {
  SQLite::Statement st(db, std::string(kStationSelect) + " WHERE id = ?");
  st.bind(1, std::string(id));
  if (!st.executeStep()) return std::nullopt;
  return read_station(st, price_pct);
}

std::optional<Order> load_order(SQLite::Database &db, std::string_view id) {
  SQLite::Statement st(db,
                       "SELECT id, status, phone, customer_name, subtotal, delivery_cost, total, delivery_type, city, "
                       "address, pickup_point_id, estimated_days, payment, created, estimated_delivery FROM orders "
                       "WHERE id = ?");
  st.bind(1, std::string(id));
  if (!st.executeStep()) return std::nullopt;
  Order o;
  o.id = st.getColumn(0).getString();
  o.status = parse_order_status(st.getColumn(1).getString()).value_or(OrderStatus::draft);
  o.customer_phone = st.getColumn(2).getString();
  o.customer_name = st.getColumn(3).getString();
  o.subtotal = st.getColumn(4).getInt();
  o.delivery_cost = st.getColumn(5).getInt();
  o.total = st.getColumn(6).getInt();
  o.delivery_type = parse_delivery_type(st.getColumn(7).getString()).value_or(DeliveryType::none);
  o.city = st.getColumn(8).getString();
  o.address = st.getColumn(9).getString();
  o.pickup_point_id = st.getColumn(10).getString();
  o.estimated_days = st.getColumn(11).getInt();
  o.payment = parse_payment_method(st.getColumn(12).getString()).value_or(PaymentMethod::none);
  o.created = st.getColumn(13).getString();
  o.estimated_delivery = st.getColumn(14).getString();
  SQLite::Statement it(db,
                       "SELECT product_id, name, size, quantity, unit_price FROM order_items WHERE order_id = ? "
                       "ORDER BY line");
  it.bind(1, o.id);
  while (it.executeStep()) {
    o.items.push_back({it.getColumn(0).getString(), it.getColumn(1).getString(), it.getColumn(2).getString(),
                       it.getColumn(3).getInt(), it.getColumn(4).getInt()});
  }
  return o;
}

std::optional<Booking> load_booking(SQLite::Database &db, std::string_view id) {
  SQLite::Statement st(db,
                       "SELECT b.id, b.station_id, s.name, s.address, b.date, b.time, b.service, b.duration_min, "
                       "b.price, b.cancelled, b.phone, b.vehicle_info, b.tire_diameter, b.linked_order_id "
                       "FROM bookings b JOIN stations s ON s.id = b.station_id WHERE b.id = ?");
  st.bind(1, std::string(id));
  if (!st.executeStep()) return std::nullopt;
  Booking b;
  b.id = st.getColumn(0).getString();
  b.station_id = st.getColumn(1).getString();
  b.station_name = st.getColumn(2).getString();
  b.station_address = st.getColumn(3).getString();
  b.date = st.getColumn(4).getString();
  b.time = st.getColumn(5).getString();
  b.service = parse_service(st.getColumn(6).getString()).value_or(Service::tire_change);
  b.duration_min = st.getColumn(7).getInt();
  if (!st.getColumn(8).isNull()) b.price = st.getColumn(8).getInt();
  b.cancelled = st.getColumn(9).getInt() != 0;
  b.customer_phone = st.getColumn(10).getString();
  b.vehicle_info = st.getColumn(11).getString();
  if (!st.getColumn(12).isNull()) b.tire_diameter = st.getColumn(12).getInt();
  b.linked_order_id = st.getColumn(13).getString();
  return b;
}

// ---- results kept with their idempotency keys ----

// Stored as the REST API encodes them (store/store_json.hpp).
Result<Order> from_json_as(const json::Value &v, Order *) { return order_from_json(v); }
Result<Booking> from_json_as(const json::Value &v, Booking *) { return booking_from_json(v); }
Result<Callback> from_json_as(const json::Value &v, Callback *) { return callback_from_json(v); }

// The work of one mutating operation, done once per key: a replay returns the stored result.
// The work and the key's record commit together, so a crash leaves neither.
template <class T, class Work>
Result<T> once(SQLite::Database &db, std::string_view key, std::string_view op, const std::string &now_iso,
               Work &&work) {
  if (!key.empty()) {
    SQLite::Statement q(db, "SELECT op, result FROM idempotency WHERE key = ?");
    q.bind(1, std::string(key));
    if (q.executeStep()) {
      if (q.getColumn(0).getString() != op) {
        return make_error(Errc::invalid_argument, "idempotency key already used for " + q.getColumn(0).getString());
      }
      auto parsed = json::parse(q.getColumn(1).getString());
      if (!parsed) return make_error(Errc::internal, "stored result unreadable: " + parsed.error().message);
      auto stored = from_json_as(parsed.value(), static_cast<T *>(nullptr));
      if (!stored) return make_error(Errc::internal, "stored result unreadable: " + stored.error().message);
      return stored;
    }
  }
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  Result<T> r = work();
  if (!r) return r;  // rolled back: nothing done, nothing remembered
  if (!key.empty()) {
    SQLite::Statement ins(db, "INSERT INTO idempotency(key, op, result, created) VALUES(?,?,?,?)");
    ins.bind(1, std::string(key));
    ins.bind(2, std::string(op));
    ins.bind(3, json::dump(to_json(r.value())));
    ins.bind(4, now_iso);
    ins.exec();
  }
  tx.commit();
  return r;
}

int next_counter(SQLite::Database &db, const char *key) {
  SQLite::Statement q(db, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  int v = q.executeStep() ? std::stoi(q.getColumn(0).getString()) : 1;
  SQLite::Statement u(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  u.bind(1, key);
  u.bind(2, std::to_string(v + 1));
  u.exec();
  return v;
}

// Stock of one tyre per warehouse, with the warehouse's city.
std::vector<WarehouseStock> stock_of(SQLite::Database &db, const std::string &tyre_id) {
  SQLite::Statement st(db,
                       "SELECT w.id, w.city, s.quantity FROM stock s JOIN warehouses w ON w.id = s.warehouse_id "
                       "WHERE s.tyre_id = ? AND s.quantity > 0 ORDER BY s.quantity DESC, w.id");
  st.bind(1, tyre_id);
  std::vector<WarehouseStock> out;
  while (st.executeStep()) {
    out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getInt()});
  }
  return out;
}

std::string central_warehouse(SQLite::Database &db) {
  SQLite::Statement st(db, "SELECT id FROM warehouses WHERE central = 1 ORDER BY id LIMIT 1");
  return st.executeStep() ? st.getColumn(0).getString() : std::string();
}

// Days to get every line of the order to `city`: its own warehouse, the central one, or any.
int days_to(SQLite::Database &db, const Order &o, const std::string &city) {
  const std::string central = central_warehouse(db);
  int worst = 1;
  for (const auto &l : o.items) {
    int have_local = 0, have_central = 0, have_any = 0;
    for (const auto &w : stock_of(db, l.product_id)) {
      if (w.city == city) have_local += w.quantity;
      if (w.warehouse_id == central) have_central += w.quantity;
      have_any += w.quantity;
    }
    const int d = have_local >= l.quantity     ? 1
                  : have_central >= l.quantity ? 2
                  : have_any >= l.quantity     ? 3
                                               : kSupplierDays;
    worst = std::max(worst, d);
  }
  return worst;
}

Result<Slot> take_slot(SQLite::Database &db, const std::string &station_id, const std::string &date,
                       const std::string &time) {
  SQLite::Statement q(db, "SELECT capacity - taken FROM slots WHERE station_id = ? AND date = ? AND time = ?");
  q.bind(1, station_id);
  q.bind(2, date);
  q.bind(3, time);
  if (!q.executeStep()) {
    return make_error(Errc::not_found, "no slot at " + time + " on " + date + " at station " + station_id);
  }
  SQLite::Statement u(db,
                      "UPDATE slots SET taken = taken + 1 WHERE station_id = ? AND date = ? AND time = ? "
                      "AND taken < capacity");
  u.bind(1, station_id);
  u.bind(2, date);
  u.bind(3, time);
  if (u.exec() != 1) return make_error(Errc::invalid_argument, "slot " + date + " " + time + " is already taken");
  return Slot{date, time, q.getColumn(0).getInt() - 1};
}

void free_slot(SQLite::Database &db, const std::string &station_id, const std::string &date, const std::string &time) {
  SQLite::Statement u(
      db, "UPDATE slots SET taken = taken - 1 WHERE station_id = ? AND date = ? AND time = ? AND taken > 0");
  u.bind(1, station_id);
  u.bind(2, date);
  u.bind(3, time);
  u.exec();
}

std::optional<int> per_wheel_price(SQLite::Database &db, int diameter, Service s, int station_pct) {
  SQLite::Statement q(db, "SELECT per_wheel FROM fitting_prices WHERE diameter = ? AND service = ?");
  q.bind(1, diameter);
  q.bind(2, std::string(service_name(s)));
  if (!q.executeStep()) return std::nullopt;
  const int base = q.getColumn(0).getInt();
  return (base * station_pct / 100 + 5) / 10 * 10;
}

}  // namespace

// ---- opening ----

SqliteStore::SqliteStore(SqliteStoreOptions options) : opts_(std::move(options)) {
  if (!opts_.clock) opts_.clock = [] { return std::chrono::system_clock::now(); };
}

SqliteStore::~SqliteStore() = default;

Day SqliteStore::today() const { return local_day(opts_.clock(), opts_.time_zone); }

std::string SqliteStore::now_iso() const {
  const auto t = std::chrono::floor<std::chrono::seconds>(opts_.clock());
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", format_date(day).c_str(), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<std::shared_ptr<SqliteStore>> SqliteStore::open(SqliteStoreOptions options) {
  std::shared_ptr<SqliteStore> s(new SqliteStore(std::move(options)));
  auto r = guarded("open", [&]() -> Result<std::shared_ptr<SqliteStore>> {
    s->db_ = std::make_unique<SQLite::Database>(s->opts_.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    SQLite::Database &db = *s->db_;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA foreign_keys=ON");
    const Day today = s->today();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    seed::create_schema(db);
    SQLite::Statement v(db, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (!v.executeStep()) {
      seed::populate(db, today);
      log::write(log::Level::info, "", "store: seeded demo database",
                 {{"path", s->opts_.path}, {"today", format_date(today)}});
    } else if (v.getColumn(0).getString() != std::to_string(seed::kSchemaVersion)) {
      return make_error(Errc::config, "store: " + s->opts_.path + " has schema version " + v.getColumn(0).getString() +
                                          ", expected " + std::to_string(seed::kSchemaVersion));
    }
    seed::ensure_slots(db, "", today, today + std::chrono::days(seed::kSlotDaysAhead));
    // Keys live a day in the shop's API; a week here is generous and keeps the table small.
    const std::string cutoff = format_date(today - std::chrono::days(7));
    SQLite::Statement prune(db, "DELETE FROM idempotency WHERE created < ?");
    prune.bind(1, cutoff);
    prune.exec();
    // Past days' slots only grow the file; bookings keep their own dates.
    SQLite::Statement old_slots(db, "DELETE FROM slots WHERE date < ?");
    old_slots.bind(1, format_date(today - std::chrono::days(30)));
    old_slots.exec();
    tx.commit();
    return s;
  });
  return r;
}

std::optional<std::string> SqliteStore::canonical_city_locked(std::string_view text) {
  std::string f = trim(fold_case(text));
  for (std::string_view prefix : {"м. ", "м.", "місто ", "г. ", "г.", "город ", "city of "}) {
    if (f.starts_with(prefix)) {
      f = trim(f.substr(prefix.size()));
      break;
    }
  }
  while (!f.empty() && (f.back() == '.' || f.back() == ',')) f.pop_back();
  if (f.empty()) return std::nullopt;
  SQLite::Statement st(*db_, "SELECT name, aliases FROM cities ORDER BY name");
  while (st.executeStep()) {
    for (const auto &a : split(st.getColumn(1).getString(), '|')) {
      if (a == f) return st.getColumn(0).getString();
    }
  }
  return std::nullopt;
}

// ---- catalogue ----

Result<TyreSearch> SqliteStore::search_tyres(const TyreQuery &q) {
  std::lock_guard lock(mu_);
  return guarded("search_tyres", [&]() -> Result<TyreSearch> {
    SQLite::Database &db = *db_;
    TyreSearch out;
    std::vector<TyreSize> sizes;  // from the vehicle; empty: no constraint from it
    if (!trim(q.vehicle_make).empty() || !trim(q.vehicle_model).empty()) {
      // The make by any alias; the model by its squashed form, exactly or as a prefix either way.
      const std::string make_f = trim(fold_case(q.vehicle_make));
      std::string make;
      SQLite::Statement mk(db, "SELECT make, aliases FROM vehicle_makes");
      while (mk.executeStep() && make.empty()) {
        for (const auto &a : split(mk.getColumn(1).getString(), '|')) {
          if (a == make_f) make = mk.getColumn(0).getString();
        }
      }
      const std::string model_s = squash(q.vehicle_model);
      struct Gen {
        VehicleFit fit;
        bool exact;
      };
      std::vector<Gen> gens;
      SQLite::Statement vs(db,
                           "SELECT make, model, aliases, year_from, year_to, sizes FROM vehicles "
                           "WHERE make = ? OR ? = '' ORDER BY id");
      vs.bind(1, make);
      vs.bind(2, make);
      while (vs.executeStep() && !model_s.empty()) {
        bool exact = false, prefix = false;
        for (const auto &a : split(vs.getColumn(2).getString(), '|')) {
          const std::string as = squash(a);
          if (as == model_s) exact = true;
          const bool long_enough = std::min(as.size(), model_s.size()) >= 3;
          if (long_enough && (as.starts_with(model_s) || model_s.starts_with(as))) prefix = true;
        }
        if (!exact && !prefix) continue;
        VehicleFit f;
        f.make = vs.getColumn(0).getString();
        f.model = vs.getColumn(1).getString();
        f.year_from = vs.getColumn(3).getInt();
        f.year_to = vs.getColumn(4).getInt();
        for (const auto &s : split(vs.getColumn(5).getString(), ';')) {
          if (auto p = parse_tyre_size(s)) f.sizes.push_back(*p);
        }
        gens.push_back({std::move(f), exact});
      }
      // A model known under several makes needs the make to tell them apart.
      if (make.empty() && !gens.empty()) {
        std::set<std::string> makes;
        for (const auto &g : gens) makes.insert(g.fit.make);
        if (makes.size() > 1) gens.clear();
      }
      if (std::any_of(gens.begin(), gens.end(), [](const Gen &g) { return g.exact; })) {
        std::erase_if(gens, [](const Gen &g) { return !g.exact; });
      }
      if (gens.empty()) {
        out.not_found = "vehicle";
        return out;
      }
      // The generation: the one made in that year, else the nearest; without a year the latest.
      const Gen *pick = &gens.front();
      auto distance = [&](const VehicleFit &f, int y) {
        const int to = f.year_to == 0 ? 9999 : f.year_to;
        return y < f.year_from ? f.year_from - y : y > to ? y - to : 0;
      };
      for (const auto &g : gens) {
        if (q.vehicle_year) {
          if (distance(g.fit, *q.vehicle_year) < distance(pick->fit, *q.vehicle_year) ||
              (distance(g.fit, *q.vehicle_year) == distance(pick->fit, *q.vehicle_year) &&
               g.fit.year_from > pick->fit.year_from)) {
            pick = &g;
          }
        } else if (g.fit.year_from > pick->fit.year_from) {
          pick = &g;
        }
      }
      out.vehicle = pick->fit;
      for (const auto &s : pick->fit.sizes) {
        if (q.width && s.width != *q.width) continue;
        if (q.profile && s.profile != *q.profile) continue;
        if (q.diameter && s.diameter != *q.diameter) continue;
        sizes.push_back(s);
      }
      if (sizes.empty()) return out;  // the car does not take that size
    }

    std::string brand;
    if (!trim(q.brand).empty()) {
      const std::string bf = trim(fold_case(q.brand));
      SQLite::Statement bs(db, "SELECT name, name_uk FROM brands");
      while (bs.executeStep() && brand.empty()) {
        const std::string n = fold_case(bs.getColumn(0).getString());
        const std::string u = fold_case(bs.getColumn(1).getString());
        if (bf == n || bf == u || bf.starts_with(n + " ") || bf.starts_with(u + " "))
          brand = bs.getColumn(0).getString();
      }
      if (brand.empty()) {
        out.not_found = "brand";
        return out;
      }
    }

    std::string sql = std::string(kTyreSelect) + " WHERE 1";
    struct Bind {
      bool is_int;
      int i;
      std::string s;
    };
    std::vector<Bind> params;
    if (sizes.empty()) {
      for (auto [column, value] : {std::pair{" AND t.width = ?", q.width}, std::pair{" AND t.profile = ?", q.profile},
                                   std::pair{" AND t.diameter = ?", q.diameter}}) {
        if (!value) continue;
        sql += column;
        params.push_back({true, *value, {}});
      }
    } else {
      sql += " AND (";
      for (size_t i = 0; i < sizes.size(); ++i) {
        sql += i ? " OR " : "";
        sql += "(t.width = ? AND t.profile = ? AND t.diameter = ?)";
        params.push_back({true, sizes[i].width, {}});
        params.push_back({true, sizes[i].profile, {}});
        params.push_back({true, sizes[i].diameter, {}});
      }
      sql += ")";
    }
    if (q.season) {
      sql += " AND t.season = ?";
      params.push_back({false, 0, std::string(season_name(*q.season))});
    }
    if (!brand.empty()) {
      sql += " AND t.brand = ?";
      params.push_back({false, 0, brand});
    }
    SQLite::Statement st(db, sql);
    for (size_t i = 0; i < params.size(); ++i) {
      const int pos = static_cast<int>(i + 1);
      if (params[i].is_int) {
        st.bind(pos, params[i].i);
      } else {
        st.bind(pos, params[i].s);
      }
    }
    std::map<std::string, std::string> brand_uk;
    {
      SQLite::Statement bs(db, "SELECT name, name_uk FROM brands");
      while (bs.executeStep()) brand_uk[bs.getColumn(0).getString()] = fold_case(bs.getColumn(1).getString());
    }
    std::vector<std::string> words;
    for (const auto &w : split(fold_case(q.text), ' ')) words.push_back(w);
    std::vector<Tyre> found;
    while (st.executeStep()) {
      Tyre t = read_tyre(st);
      if (q.in_stock_only && t.stock <= 0) continue;
      if (!words.empty()) {
        std::string size_joined = t.size.text();
        size_joined.erase(std::remove(size_joined.begin(), size_joined.end(), ' '), size_joined.end());
        const std::string hay =
            fold_case(t.brand + " " + t.model + " " + t.size_text() + " " + size_joined + " " +
                      std::string(season_name(t.season)) + " " + std::string(season_label_uk(t.season))) +
            " " + brand_uk[t.brand];
        const std::string hay_squashed = squash(hay);
        bool all = true;
        for (const auto &w : words) {
          if (hay.find(w) == std::string::npos && hay_squashed.find(squash(w)) == std::string::npos) all = false;
        }
        if (!all) continue;
      }
      found.push_back(std::move(t));
    }
    std::stable_sort(found.begin(), found.end(), [](const Tyre &a, const Tyre &b) {
      if ((a.stock > 0) != (b.stock > 0)) return a.stock > 0;
      if (a.price != b.price) return a.price < b.price;
      return a.id < b.id;
    });
    out.total = static_cast<int>(found.size());
    if (q.limit >= 0 && found.size() > static_cast<size_t>(q.limit)) found.resize(static_cast<size_t>(q.limit));
    out.items = std::move(found);
    return out;
  });
}

Result<Availability> SqliteStore::availability(std::string_view product_id) {
  std::lock_guard lock(mu_);
  return guarded("availability", [&]() -> Result<Availability> {
    auto t = load_tyre(*db_, trim(product_id));
    if (!t) return make_error(Errc::not_found, "no tyre " + std::string(product_id));
    Availability a;
    a.tyre = std::move(*t);
    a.warehouses = stock_of(*db_, a.tyre.id);
    const std::string central = central_warehouse(*db_);
    a.delivery_days = a.warehouses.empty() ? kSupplierDays : 2;
    for (const auto &w : a.warehouses) {
      if (w.warehouse_id == central) a.delivery_days = 1;
    }
    return a;
  });
}

// ---- orders ----

Result<Order> SqliteStore::order(std::string_view order_id) {
  std::lock_guard lock(mu_);
  return guarded("order", [&]() -> Result<Order> {
    auto o = load_order(*db_, trim(order_id));
    if (!o) return make_error(Errc::not_found, "no order " + std::string(order_id));
    return *o;
  });
}

Result<std::vector<Order>> SqliteStore::orders_by_phone(std::string_view phone) {
  auto p = normalize_phone(phone);
  if (!p) return make_error(Errc::invalid_argument, "not a phone number: " + std::string(phone));
  std::lock_guard lock(mu_);
  return guarded("orders_by_phone", [&]() -> Result<std::vector<Order>> {
    SQLite::Statement st(*db_, "SELECT id FROM orders WHERE phone = ? ORDER BY created DESC, id DESC");
    st.bind(1, *p);
    std::vector<Order> out;
    while (st.executeStep()) {
      if (auto o = load_order(*db_, st.getColumn(0).getString())) out.push_back(std::move(*o));
    }
    return out;
  });
}

Result<Order> SqliteStore::create_order_draft(const std::vector<OrderItemRequest> &items, std::string_view phone,
                                              std::string_view key) {
  auto p = normalize_phone(phone);
  if (!p) return make_error(Errc::invalid_argument, "not a phone number: " + std::string(phone));
  if (items.empty()) return make_error(Errc::invalid_argument, "an order needs at least one item");
  std::lock_guard lock(mu_);
  return guarded("create_order_draft", [&]() -> Result<Order> {
    SQLite::Database &db = *db_;
    return once<Order>(db, key, "create_order_draft", now_iso(), [&]() -> Result<Order> {
      // The same product twice is one line.
      std::vector<std::pair<Tyre, int>> lines;
      for (const auto &it : items) {
        if (it.quantity < 1 || it.quantity > kMaxQuantity) {
          return make_error(Errc::invalid_argument, "quantity must be 1.." + std::to_string(kMaxQuantity));
        }
        auto t = load_tyre(db, trim(it.product_id));
        if (!t) return make_error(Errc::not_found, "no tyre " + it.product_id);
        auto same = std::find_if(lines.begin(), lines.end(), [&](const auto &l) { return l.first.id == t->id; });
        if (same != lines.end()) {
          same->second += it.quantity;
        } else {
          lines.emplace_back(std::move(*t), it.quantity);
        }
      }
      int subtotal = 0;
      for (const auto &[t, qty] : lines) {
        if (t.stock < qty) {
          return make_error(Errc::invalid_argument, "only " + std::to_string(t.stock) + " of " + t.id + " in stock");
        }
        subtotal += t.price * qty;
      }
      const std::string id = std::to_string(next_counter(db, "next_order"));
      SQLite::Statement ord(db,
                            "INSERT INTO orders(id, status, phone, customer_name, subtotal, delivery_cost, total, "
                            "delivery_type, city, address, pickup_point_id, estimated_days, payment, created, "
                            "estimated_delivery) VALUES(?, 'draft', ?, '', ?, 0, ?, '', '', '', '', 0, '', ?, '')");
      ord.bind(1, id);
      ord.bind(2, *p);
      ord.bind(3, subtotal);
      ord.bind(4, subtotal);
      ord.bind(5, format_date(today()));
      ord.exec();
      SQLite::Statement li(db,
                           "INSERT INTO order_items(order_id, line, product_id, name, size, quantity, unit_price) "
                           "VALUES(?,?,?,?,?,?,?)");
      int n = 1;
      for (const auto &[t, qty] : lines) {
        li.bind(1, id);
        li.bind(2, n++);
        li.bind(3, t.id);
        li.bind(4, t.name());
        li.bind(5, t.size_text());
        li.bind(6, qty);
        li.bind(7, t.price);
        li.exec();
        li.reset();
      }
      return *load_order(db, id);
    });
  });
}

Result<Order> SqliteStore::update_order_delivery(std::string_view order_id, const DeliveryRequest &d,
                                                 std::string_view key) {
  std::lock_guard lock(mu_);
  return guarded("update_order_delivery", [&]() -> Result<Order> {
    SQLite::Database &db = *db_;
    return once<Order>(db, key, "update_order_delivery", now_iso(), [&]() -> Result<Order> {
      auto o = load_order(db, trim(order_id));
      if (!o) return make_error(Errc::not_found, "no order " + std::string(order_id));
      if (o->status != OrderStatus::draft) {
        return make_error(Errc::invalid_argument, "order " + o->id + " is " +
                                                      std::string(order_status_name(o->status)) +
                                                      "; only a draft's delivery can change");
      }
      std::string city, address, point;
      int cost = 0;
      if (d.type == DeliveryType::delivery) {
        if (trim(d.city).empty() || trim(d.address).empty()) {
          return make_error(Errc::invalid_argument, "delivery needs a city and an address");
        }
        city = canonical_city_locked(d.city).value_or(trim(d.city));
        address = trim(d.address);
        cost = o->subtotal >= kFreeDeliveryFrom ? 0 : kDeliveryCost;
      } else if (d.type == DeliveryType::pickup) {
        auto s = load_station(db, trim(d.pickup_point_id));
        if (!s) return make_error(Errc::not_found, "no pickup point " + d.pickup_point_id);
        city = s->city;
        address = s->address;
        point = s->id;
      } else {
        return make_error(Errc::invalid_argument, "delivery type must be delivery or pickup");
      }
      const int days = days_to(db, *o, city);
      SQLite::Statement u(db,
                          "UPDATE orders SET delivery_type = ?, city = ?, address = ?, pickup_point_id = ?, "
                          "delivery_cost = ?, total = subtotal + ?, estimated_days = ? WHERE id = ?");
      u.bind(1, std::string(delivery_type_name(d.type)));
      u.bind(2, city);
      u.bind(3, address);
      u.bind(4, point);
      u.bind(5, cost);
      u.bind(6, cost);
      u.bind(7, days);
      u.bind(8, o->id);
      u.exec();
      return *load_order(db, o->id);
    });
  });
}

Result<Order> SqliteStore::confirm_order(std::string_view order_id, PaymentMethod payment,
                                         std::string_view customer_name, std::string_view key) {
  if (payment == PaymentMethod::none) return make_error(Errc::invalid_argument, "a payment method is needed");
  std::lock_guard lock(mu_);
  return guarded("confirm_order", [&]() -> Result<Order> {
    SQLite::Database &db = *db_;
    return once<Order>(db, key, "confirm_order", now_iso(), [&]() -> Result<Order> {
      auto o = load_order(db, trim(order_id));
      if (!o) return make_error(Errc::not_found, "no order " + std::string(order_id));
      if (o->status != OrderStatus::draft) {
        return make_error(Errc::invalid_argument,
                          "order " + o->id + " is already " + std::string(order_status_name(o->status)));
      }
      if (o->delivery_type == DeliveryType::none) {
        return make_error(Errc::invalid_argument, "choose delivery or pickup before confirming");
      }
      // Reserve: the destination's warehouse first, then the central one, then the fullest.
      const std::string central = central_warehouse(db);
      for (const auto &l : o->items) {
        auto stock = stock_of(db, l.product_id);
        std::stable_sort(stock.begin(), stock.end(), [&](const WarehouseStock &a, const WarehouseStock &b) {
          auto rank = [&](const WarehouseStock &w) {
            return w.city == o->city ? 0 : w.warehouse_id == central ? 1 : 2;
          };
          return rank(a) < rank(b);
        });
        int need = l.quantity;
        SQLite::Statement take(db, "UPDATE stock SET quantity = quantity - ? WHERE tyre_id = ? AND warehouse_id = ?");
        for (const auto &w : stock) {
          if (need == 0) break;
          const int n = std::min(need, w.quantity);
          take.bind(1, n);
          take.bind(2, l.product_id);
          take.bind(3, w.warehouse_id);
          take.exec();
          take.reset();
          need -= n;
        }
        if (need > 0) {
          return make_error(Errc::invalid_argument, "not enough " + l.product_id + " in stock any more");
        }
      }
      SQLite::Statement u(db,
                          "UPDATE orders SET status = 'confirmed', payment = ?, customer_name = ?, "
                          "estimated_delivery = ? WHERE id = ?");
      u.bind(1, std::string(payment_method_name(payment)));
      u.bind(2, trim(customer_name));
      u.bind(3, format_date(today() + std::chrono::days(std::max(1, o->estimated_days))));
      u.bind(4, o->id);
      u.exec();
      return *load_order(db, o->id);
    });
  });
}

// ---- fitting ----

Result<std::vector<Station>> SqliteStore::stations(std::string_view city) {
  std::lock_guard lock(mu_);
  return guarded("stations", [&]() -> Result<std::vector<Station>> {
    std::vector<Station> out;
    std::string canonical;
    if (!trim(city).empty()) {
      auto c = canonical_city_locked(city);
      if (!c) return out;
      canonical = *c;
    }
    SQLite::Statement st(*db_, std::string(kStationSelect) + " WHERE city = ? OR ? = '' ORDER BY id");
    st.bind(1, canonical);
    st.bind(2, canonical);
    while (st.executeStep()) out.push_back(read_station(st));
    return out;
  });
}

Result<Station> SqliteStore::station(std::string_view station_id) {
  std::lock_guard lock(mu_);
  return guarded("station", [&]() -> Result<Station> {
    auto s = load_station(*db_, trim(station_id));
    if (!s) return make_error(Errc::not_found, "no station " + std::string(station_id));
    return *s;
  });
}

Result<std::vector<Slot>> SqliteStore::slots(std::string_view station_id, std::string_view date_from,
                                             std::string_view date_to) {
  auto from = parse_iso_date(date_from);
  auto to = parse_iso_date(date_to);
  if (!from || !to) return make_error(Errc::invalid_argument, "dates must be YYYY-MM-DD");
  if (*to < *from) return make_error(Errc::invalid_argument, "date_to is before date_from");
  if ((*to - *from).count() >= kMaxSlotRangeDays) {
    return make_error(Errc::invalid_argument, "at most " + std::to_string(kMaxSlotRangeDays) + " days at once");
  }
  std::lock_guard lock(mu_);
  return guarded("slots", [&]() -> Result<std::vector<Slot>> {
    SQLite::Database &db = *db_;
    const std::string id = trim(station_id);
    if (!load_station(db, id)) return make_error(Errc::not_found, "no station " + id);
    const Day today = this->today();
    const Day gen_from = std::max(*from, today);
    const Day gen_to = std::min(*to, today + std::chrono::days(kMaxSlotDaysAhead));
    if (gen_from <= gen_to) {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      seed::ensure_slots(db, id, gen_from, gen_to);
      tx.commit();
    }
    SQLite::Statement st(db,
                         "SELECT date, time, capacity - taken FROM slots WHERE station_id = ? AND date >= ? "
                         "AND date <= ? ORDER BY date, time");
    st.bind(1, id);
    st.bind(2, format_date(*from));
    st.bind(3, format_date(*to));
    std::vector<Slot> out;
    while (st.executeStep()) {
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getInt()});
    }
    return out;
  });
}

Result<Booking> SqliteStore::book_fitting(const BookingRequest &req, std::string_view key) {
  auto phone = normalize_phone(req.customer_phone);
  if (!phone) return make_error(Errc::invalid_argument, "not a phone number: " + req.customer_phone);
  auto day = parse_iso_date(req.date);
  if (!day) return make_error(Errc::invalid_argument, "date must be YYYY-MM-DD");
  auto time = normalize_time(req.time);
  if (!time) return make_error(Errc::invalid_argument, "time must be HH:MM");
  std::lock_guard lock(mu_);
  return guarded("book_fitting", [&]() -> Result<Booking> {
    SQLite::Database &db = *db_;
    return once<Booking>(db, key, "book_fitting", now_iso(), [&]() -> Result<Booking> {
      int pct = 100;
      auto s = load_station(db, trim(req.station_id), &pct);
      if (!s) return make_error(Errc::not_found, "no station " + req.station_id);
      const Day today = this->today();
      if (*day < today) return make_error(Errc::invalid_argument, "the date is in the past");
      if (std::find(s->services.begin(), s->services.end(), service_name(req.service)) == s->services.end()) {
        return make_error(Errc::invalid_argument,
                          s->name + " does not offer " + std::string(service_name(req.service)));
      }
      if (*day <= today + std::chrono::days(kMaxSlotDaysAhead)) seed::ensure_slots(db, s->id, *day, *day);
      auto slot = take_slot(db, s->id, format_date(*day), *time);
      if (!slot) return slot.error();
      std::optional<int> price;
      if (req.tire_diameter) {
        if (auto w = per_wheel_price(db, *req.tire_diameter, req.service, pct)) price = *w * 4;
      }
      const std::string id = std::to_string(next_counter(db, "next_booking"));
      SQLite::Statement ins(db,
                            "INSERT INTO bookings(id, station_id, date, time, service, duration_min, price, cancelled, "
                            "phone, customer_name, vehicle_info, tire_diameter, linked_order_id, call_id, created) "
                            "VALUES(?,?,?,?,?,?,?,0,?,?,?,?,?,?,?)");
      ins.bind(1, id);
      ins.bind(2, s->id);
      ins.bind(3, format_date(*day));
      ins.bind(4, *time);
      ins.bind(5, std::string(service_name(req.service)));
      ins.bind(6, service_duration_min(req.service));
      if (price) {
        ins.bind(7, *price);
      } else {
        ins.bind(7);
      }
      ins.bind(8, *phone);
      ins.bind(9, trim(req.customer_name));
      ins.bind(10, trim(req.vehicle_info));
      if (req.tire_diameter) {
        ins.bind(11, *req.tire_diameter);
      } else {
        ins.bind(11);
      }
      ins.bind(12, trim(req.linked_order_id));
      ins.bind(13, req.call_id);
      ins.bind(14, now_iso());
      ins.exec();
      return *load_booking(db, id);
    });
  });
}

Result<Booking> SqliteStore::booking(std::string_view booking_id) {
  std::lock_guard lock(mu_);
  return guarded("booking", [&]() -> Result<Booking> {
    auto b = load_booking(*db_, trim(booking_id));
    if (!b) return make_error(Errc::not_found, "no booking " + std::string(booking_id));
    return *b;
  });
}

Result<std::vector<Booking>> SqliteStore::bookings_by_phone(std::string_view phone) {
  auto p = normalize_phone(phone);
  if (!p) return make_error(Errc::invalid_argument, "not a phone number: " + std::string(phone));
  std::lock_guard lock(mu_);
  return guarded("bookings_by_phone", [&]() -> Result<std::vector<Booking>> {
    SQLite::Statement st(*db_, "SELECT id FROM bookings WHERE phone = ? ORDER BY date DESC, time DESC, id DESC");
    st.bind(1, *p);
    std::vector<Booking> out;
    while (st.executeStep()) {
      if (auto b = load_booking(*db_, st.getColumn(0).getString())) out.push_back(std::move(*b));
    }
    return out;
  });
}

Result<Booking> SqliteStore::cancel_booking(std::string_view booking_id, std::string_view key) {
  std::lock_guard lock(mu_);
  return guarded("cancel_booking", [&]() -> Result<Booking> {
    SQLite::Database &db = *db_;
    return once<Booking>(db, key, "cancel_booking", now_iso(), [&]() -> Result<Booking> {
      auto b = load_booking(db, trim(booking_id));
      if (!b) return make_error(Errc::not_found, "no booking " + std::string(booking_id));
      if (b->cancelled) return *b;  // cancelling twice is cancelling once
      SQLite::Statement u(db, "UPDATE bookings SET cancelled = 1 WHERE id = ?");
      u.bind(1, b->id);
      u.exec();
      free_slot(db, b->station_id, b->date, b->time);
      return *load_booking(db, b->id);
    });
  });
}

Result<Booking> SqliteStore::reschedule_booking(std::string_view booking_id, std::string_view new_date,
                                                std::string_view new_time, std::string_view key) {
  auto day = parse_iso_date(new_date);
  if (!day) return make_error(Errc::invalid_argument, "date must be YYYY-MM-DD");
  auto time = normalize_time(new_time);
  if (!time) return make_error(Errc::invalid_argument, "time must be HH:MM");
  std::lock_guard lock(mu_);
  return guarded("reschedule_booking", [&]() -> Result<Booking> {
    SQLite::Database &db = *db_;
    return once<Booking>(db, key, "reschedule_booking", now_iso(), [&]() -> Result<Booking> {
      auto b = load_booking(db, trim(booking_id));
      if (!b) return make_error(Errc::not_found, "no booking " + std::string(booking_id));
      if (b->cancelled) return make_error(Errc::invalid_argument, "booking " + b->id + " is cancelled");
      const std::string date = format_date(*day);
      if (b->date == date && b->time == *time) return *b;
      if (*day < today()) return make_error(Errc::invalid_argument, "the date is in the past");
      if (*day <= today() + std::chrono::days(kMaxSlotDaysAhead)) seed::ensure_slots(db, b->station_id, *day, *day);
      auto slot = take_slot(db, b->station_id, date, *time);
      if (!slot) return slot.error();
      free_slot(db, b->station_id, b->date, b->time);
      SQLite::Statement u(db, "UPDATE bookings SET date = ?, time = ? WHERE id = ?");
      u.bind(1, date);
      u.bind(2, *time);
      u.bind(3, b->id);
      u.exec();
      return *load_booking(db, b->id);
    });
  });
}

Result<std::vector<FittingPrice>> SqliteStore::fitting_prices(int diameter, std::string_view station_id,
                                                              std::optional<Service> service) {
  std::lock_guard lock(mu_);
  return guarded("fitting_prices", [&]() -> Result<std::vector<FittingPrice>> {
    int pct = 100;
    std::string sid = trim(station_id);
    if (!sid.empty() && !load_station(*db_, sid, &pct)) return make_error(Errc::not_found, "no station " + sid);
    std::vector<FittingPrice> out;
    for (Service s : {Service::tire_change, Service::balancing, Service::full_service}) {
      if (service && *service != s) continue;
      auto w = per_wheel_price(*db_, diameter, s, pct);
      if (!w) return make_error(Errc::not_found, "no fitting prices for R" + std::to_string(diameter));
      out.push_back({s, diameter, *w, *w * 4, sid});
    }
    return out;
  });
}

// ---- callbacks ----

Result<Callback> SqliteStore::create_callback(const CallbackRequest &req, std::string_view key) {
  auto phone = normalize_phone(req.phone);
  if (!phone) return make_error(Errc::invalid_argument, "not a phone number: " + req.phone);
  std::lock_guard lock(mu_);
  return guarded("create_callback", [&]() -> Result<Callback> {
    SQLite::Database &db = *db_;
    return once<Callback>(db, key, "create_callback", now_iso(), [&]() -> Result<Callback> {
      Callback c{std::to_string(next_counter(db, "next_callback")), *phone, trim(req.preferred_time), trim(req.note),
                 now_iso()};
      SQLite::Statement ins(db,
                            "INSERT INTO callbacks(id, phone, preferred_time, note, call_id, created, status) "
                            "VALUES(?,?,?,?,?,?,'new')");
      ins.bind(1, c.id);
      ins.bind(2, c.phone);
      ins.bind(3, c.preferred_time);
      ins.bind(4, c.note);
      ins.bind(5, req.call_id);
      ins.bind(6, c.created);
      ins.exec();
      return c;
    });
  });
}

// ---- vocabulary ----

Result<Vocabulary> SqliteStore::vocabulary() {
  std::lock_guard lock(mu_);
  return guarded("vocabulary", [&]() -> Result<Vocabulary> {
    SQLite::Database &db = *db_;
    auto column = [&](const char *sql) {
      std::vector<std::string> out;
      SQLite::Statement st(db, sql);
      while (st.executeStep()) out.push_back(st.getColumn(0).getString());
      return out;
    };
    Vocabulary v;
    v.brands = column("SELECT name FROM brands ORDER BY name");
    v.brands_spoken = column("SELECT name_uk FROM brands ORDER BY name");
    v.models = column("SELECT DISTINCT model FROM tyres ORDER BY model");
    v.sizes = column(
        "SELECT DISTINCT width || '/' || profile || ' R' || diameter FROM tyres "
        "ORDER BY diameter, width, profile");
    v.cities = column("SELECT name FROM cities ORDER BY name");
    v.districts = column("SELECT DISTINCT district FROM stations ORDER BY district");
    v.station_names = column("SELECT name FROM stations ORDER BY id");
    v.vehicle_makes = column("SELECT make FROM vehicle_makes ORDER BY make");
    v.vehicle_models = column("SELECT DISTINCT make || ' ' || model FROM vehicles ORDER BY make, model");
    return v;
  });
}

}  // namespace ca::store
