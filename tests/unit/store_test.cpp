#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "store/calendar.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

using namespace ca::store;
using namespace std::chrono_literals;

namespace {

// Monday 9 March 2026, 10:00 in Kyiv (UTC+2 before the switch to summer time).
TimePoint monday_morning() { return std::chrono::sys_days{std::chrono::year(2026) / 3 / 9} + 8h; }

std::shared_ptr<SqliteStore> open_store(const std::string &path, TimePoint now = monday_morning()) {
  auto r = SqliteStore::open({.path = path, .clock = [now] { return now; }});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

int count(const std::string &path, const std::string &sql) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement st(db, sql);
  REQUIRE(st.executeStep());
  return st.getColumn(0).getInt();
}

// Every row of every table, in a stable order, as text.
std::string dump_all(const std::string &path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::string out;
  SQLite::Statement tables(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (tables.executeStep()) {
    const std::string t = tables.getColumn(0).getString();
    out += "## " + t + "\n";
    SQLite::Statement rows(db, "SELECT * FROM " + t + " ORDER BY 1, 2");
    while (rows.executeStep()) {
      for (int i = 0; i < rows.getColumnCount(); ++i) {
        out += rows.getColumn(i).isNull() ? std::string("NULL") : rows.getColumn(i).getString();
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

int slot_free(TyreStore &s, const std::string &station, const std::string &date, const std::string &time) {
  auto r = s.slots(station, date, date);
  REQUIRE(r.ok());
  for (const auto &sl : r.value()) {
    if (sl.time == time) return sl.free;
  }
  return -1;
}

}  // namespace

TEST_CASE("store: the seed has the catalogue, stations, vehicles and orders the tools need") {
  ca::test::TempDir dir;
  const std::string path = dir.file("shop.db");
  auto store = open_store(path);

  CHECK(count(path, "SELECT COUNT(*) FROM tyres") >= 300);
  CHECK(count(path, "SELECT MIN(diameter) FROM tyres") == 13);
  CHECK(count(path, "SELECT MAX(diameter) FROM tyres") == 22);
  CHECK(count(path, "SELECT COUNT(DISTINCT diameter) FROM tyres") == 10);
  CHECK(count(path, "SELECT COUNT(DISTINCT brand) FROM tyres") >= 10);
  CHECK(count(path, "SELECT COUNT(DISTINCT season) FROM tyres") == 3);
  CHECK(count(path, "SELECT MIN(price) FROM tyres") >= 1800);
  CHECK(count(path, "SELECT MAX(price) FROM tyres") <= 15000);
  // Bigger rims cost more on average, and premium brands more than budget ones.
  CHECK(count(path, "SELECT AVG(price) FROM tyres WHERE diameter = 20") >
        2 * count(path, "SELECT AVG(price) FROM tyres WHERE diameter = 15"));
  CHECK(count(path, "SELECT AVG(price) FROM tyres WHERE brand = 'Michelin' AND diameter = 16") >
        count(path, "SELECT AVG(price) FROM tyres WHERE brand = 'Rosava' AND diameter = 16"));
  // Every size is sold in summer and winter versions; some lines are sold out.
  CHECK(count(path,
              "SELECT COUNT(*) FROM (SELECT width, profile, diameter FROM tyres GROUP BY 1, 2, 3 "
              "HAVING SUM(season = 'summer') = 0 OR SUM(season = 'winter') = 0)") == 0);
  CHECK(count(path, "SELECT COUNT(*) FROM (SELECT tyre_id FROM stock GROUP BY 1 HAVING SUM(quantity) = 0)") > 0);
  CHECK(count(path, "SELECT COUNT(*) FROM (SELECT tyre_id FROM stock GROUP BY 1 HAVING SUM(quantity) > 0)") > 250);
  CHECK(count(path, "SELECT COUNT(*) FROM tyres WHERE studded = 1") > 0);

  CHECK(count(path, "SELECT COUNT(*) FROM stations") >= 6);
  CHECK(count(path, "SELECT COUNT(DISTINCT city) FROM stations") >= 3);
  CHECK(count(path, "SELECT COUNT(*) FROM vehicles") >= 30);
  CHECK(count(path, "SELECT COUNT(DISTINCT make || model) FROM vehicles") >= 30);
  CHECK(count(path, "SELECT COUNT(*) FROM orders") >= 8);
  CHECK(count(path, "SELECT COUNT(*) FROM fitting_prices") == 30);

  // Every vehicle's sizes are in the catalogue.
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT make, model, sizes FROM vehicles");
    while (st.executeStep()) {
      const std::string sizes = st.getColumn(2).getString();
      size_t start = 0;
      while (start < sizes.size()) {
        size_t end = sizes.find(';', start);
        if (end == std::string::npos) end = sizes.size();
        auto sz = parse_tyre_size(sizes.substr(start, end - start));
        REQUIRE(sz);
        TyreQuery q;
        q.width = sz->width;
        q.profile = sz->profile;
        q.diameter = sz->diameter;
        auto r = store->search_tyres(q);
        REQUIRE(r.ok());
        const std::string what =
            st.getColumn(0).getString() + " " + st.getColumn(1).getString() + " " + sizes.substr(start, end - start);
        CHECK_MESSAGE(r->total > 0, what);
        start = end + 1;
      }
    }
  }

  auto stations = store->stations("");
  REQUIRE(stations.ok());
  for (const auto &s : stations.value()) {
    CHECK_FALSE(s.address.empty());
    CHECK_FALSE(s.district.empty());
    CHECK(normalize_phone(s.phone).has_value());
    CHECK(s.hours.find("Пн–Пт") == 0);
    CHECK(std::find(s.services.begin(), s.services.end(), "tire_change") != s.services.end());
  }

  auto v = store->vocabulary();
  REQUIRE(v.ok());
  CHECK(v->brands.size() >= 10);
  CHECK(v->brands.size() == v->brands_spoken.size());
  CHECK(std::find(v->brands.begin(), v->brands.end(), "Michelin") != v->brands.end());
  CHECK(std::find(v->brands_spoken.begin(), v->brands_spoken.end(), "Мішлен") != v->brands_spoken.end());
  CHECK(std::find(v->cities.begin(), v->cities.end(), "Київ") != v->cities.end());
  CHECK(std::find(v->sizes.begin(), v->sizes.end(), "205/55 R16") != v->sizes.end());
  CHECK(std::find(v->models.begin(), v->models.end(), "Primacy 4+") != v->models.end());
  CHECK(v->station_names.size() == stations->size());
  CHECK(v->vehicle_models.size() >= 30);
  CHECK_FALSE(v->districts.empty());
}

TEST_CASE("store: the seed is deterministic for a given today, and reopening does not reseed") {
  ca::test::TempDir dir;
  const std::string a = dir.file("a.db"), b = dir.file("b.db"), c = dir.file("c.db");
  open_store(a);
  open_store(b);
  const std::string da = dump_all(a);
  CHECK(da.size() > 10000);
  CHECK(da == dump_all(b));
  // Another day: the catalogue is the same, the dates move.
  open_store(c, monday_morning() + 24h * 7);
  CHECK(dump_all(c) != da);
  CHECK(count(c, "SELECT COUNT(*) FROM tyres") == count(a, "SELECT COUNT(*) FROM tyres"));

  {
    auto s = open_store(a);
    TyreQuery q;
    q.in_stock_only = true;
    auto any = s->search_tyres(q);
    REQUIRE(any.ok());
    REQUIRE_FALSE(any->items.empty());
    auto o = s->create_order_draft({{any->items.front().id, 1}}, "0501112233", "k1");
    REQUIRE(o.ok());
  }
  auto s = open_store(a, monday_morning() + 24h);
  auto orders = s->orders_by_phone("+380501112233");
  REQUIRE(orders.ok());
  CHECK(std::any_of(orders->begin(), orders->end(), [](const Order &o) { return o.status == OrderStatus::draft; }));
  // The next day's slots were topped up: 21 days ahead of the new today.
  CHECK(count(a, "SELECT COUNT(*) FROM slots WHERE date = '2026-03-31'") > 0);
}

TEST_CASE("store: search by size, season, brand, text and vehicle") {
  ca::test::TempDir dir;
  auto store = open_store(dir.file("shop.db"));

  TyreQuery q;
  q.width = 205;
  q.profile = 55;
  q.diameter = 16;
  auto all = store->search_tyres(q);
  REQUIRE(all.ok());
  CHECK(all->total >= 8);
  std::set<std::string> seasons;
  for (const auto &t : all->items) {
    CHECK(t.size == TyreSize{205, 55, 16});
    seasons.insert(std::string(season_name(t.season)));
  }
  CHECK(seasons.size() == 3);
  // In stock first, cheapest first.
  for (size_t i = 1; i < all->items.size(); ++i) {
    const auto &p = all->items[i - 1], &t = all->items[i];
    CHECK(((p.stock > 0) > (t.stock > 0) || ((p.stock > 0) == (t.stock > 0) && p.price <= t.price)));
  }

  q.season = Season::winter;
  auto winter = store->search_tyres(q);
  REQUIRE(winter.ok());
  CHECK(winter->total > 0);
  CHECK(winter->total < all->total);
  for (const auto &t : winter->items) CHECK(t.season == Season::winter);

  TyreQuery b;
  b.brand = "мішлен";  // as a caller says it
  b.diameter = 17;
  auto mich = store->search_tyres(b);
  REQUIRE(mich.ok());
  CHECK(mich->total > 0);
  for (const auto &t : mich->items) {
    CHECK(t.brand == "Michelin");
    CHECK(t.size.diameter == 17);
  }
  b.brand = "NoSuchBrand";
  auto none = store->search_tyres(b);
  REQUIRE(none.ok());
  CHECK(none->total == 0);
  CHECK(none->not_found == "brand");

  TyreQuery t;
  t.text = "Michelin 205/55 R16";
  auto text = store->search_tyres(t);
  REQUIRE(text.ok());
  CHECK(text->total > 0);
  for (const auto &x : text->items) {
    CHECK(x.brand == "Michelin");
    CHECK(x.size.text() == "205/55 R16");
  }

  TyreQuery v;
  v.vehicle_make = "Volkswagen";
  v.vehicle_model = "Golf";
  v.vehicle_year = 2015;
  v.season = Season::winter;
  auto golf = store->search_tyres(v);
  REQUIRE(golf.ok());
  REQUIRE(golf->vehicle);
  CHECK(golf->vehicle->year_from == 2012);
  CHECK(golf->vehicle->sizes.front().text() == "205/55 R16");
  CHECK(golf->total > 0);
  for (const auto &x : golf->items) {
    CHECK(x.season == Season::winter);
    CHECK(std::find(golf->vehicle->sizes.begin(), golf->vehicle->sizes.end(), x.size) != golf->vehicle->sizes.end());
  }
  // No year: the latest generation. Ukrainian spellings and a diameter narrow it down.
  TyreQuery v2;
  v2.vehicle_make = "тойота";
  v2.vehicle_model = "RAV 4";
  v2.diameter = 18;
  auto rav = store->search_tyres(v2);
  REQUIRE(rav.ok());
  REQUIRE(rav->vehicle);
  CHECK(rav->vehicle->model == "RAV4");
  CHECK(rav->vehicle->year_from == 2018);
  CHECK(rav->total > 0);
  for (const auto &x : rav->items) CHECK(x.size.text() == "225/60 R18");

  TyreQuery v3;
  v3.vehicle_make = "Zaporozhets";
  v3.vehicle_model = "968";
  auto unknown = store->search_tyres(v3);
  REQUIRE(unknown.ok());
  CHECK(unknown->not_found == "vehicle");
  CHECK(unknown->total == 0);
}

TEST_CASE("store: availability per warehouse") {
  ca::test::TempDir dir;
  const std::string path = dir.file("shop.db");
  auto store = open_store(path);
  TyreQuery q;
  q.in_stock_only = true;
  auto r = store->search_tyres(q);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->items.empty());
  const Tyre &t = r->items.front();
  auto a = store->availability(t.id);
  REQUIRE(a.ok());
  int sum = 0;
  for (const auto &w : a->warehouses) {
    CHECK(w.quantity > 0);
    CHECK_FALSE(w.city.empty());
    sum += w.quantity;
  }
  CHECK(sum == t.stock);
  CHECK(a->delivery_days >= 1);
  CHECK(a->delivery_days <= 2);

  auto missing = store->availability("T0");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ca::Errc::not_found);
}

TEST_CASE("store: orders — status look-ups, draft, delivery, confirm; replays do the work once") {
  ca::test::TempDir dir;
  const std::string path = dir.file("shop.db");
  auto store = open_store(path);

  auto sample = store->orders_by_phone("050 111 22 33");
  REQUIRE(sample.ok());
  REQUIRE(sample->size() == 2);
  CHECK(sample->front().status == OrderStatus::shipped);  // newest first
  CHECK(sample->front().estimated_delivery == "2026-03-10");
  CHECK_FALSE(sample->front().items.empty());
  auto by_id = store->order(sample->front().id);
  REQUIRE(by_id.ok());
  CHECK(by_id->customer_phone == "+380501112233");
  CHECK(store->orders_by_phone("+380000000000").value().empty());
  CHECK_FALSE(store->orders_by_phone("hello").ok());

  TyreQuery q;
  q.width = 205;
  q.profile = 55;
  q.diameter = 16;
  q.in_stock_only = true;
  auto found = store->search_tyres(q);
  REQUIRE(found.ok());
  const Tyre tyre = found->items.front();
  REQUIRE(tyre.stock >= 1);
  const int qty = std::min(tyre.stock, 4);

  const int orders_before = count(path, "SELECT COUNT(*) FROM orders");
  auto d1 = store->create_order_draft({{tyre.id, qty}}, "+380 67 000 11 22", "call1:create:abc");
  REQUIRE(d1.ok());
  CHECK(d1->status == OrderStatus::draft);
  CHECK(d1->customer_phone == "+380670001122");
  CHECK(d1->subtotal == tyre.price * qty);
  CHECK(d1->items.size() == 1);
  auto d2 = store->create_order_draft({{tyre.id, qty}}, "+380 67 000 11 22", "call1:create:abc");
  REQUIRE(d2.ok());
  CHECK(d2->id == d1->id);
  CHECK(count(path, "SELECT COUNT(*) FROM orders") == orders_before + 1);
  // Another key is another order.
  auto d3 = store->create_order_draft({{tyre.id, 1}}, "0670001122", "call1:create:def");
  REQUIRE(d3.ok());
  CHECK(d3->id != d1->id);
  CHECK(count(path, "SELECT COUNT(*) FROM orders") == orders_before + 2);
  // A key is for one operation only.
  auto wrong = store->confirm_order(d1->id, PaymentMethod::cod, "", "call1:create:abc");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ca::Errc::invalid_argument);

  auto too_many = store->create_order_draft({{tyre.id, tyre.stock + 1}}, "0670001122", "k-many");
  CHECK_FALSE(too_many.ok());
  auto bad_item = store->create_order_draft({{"T0", 1}}, "0670001122", "k-bad");
  REQUIRE_FALSE(bad_item.ok());
  CHECK(bad_item.error().code == ca::Errc::not_found);
  CHECK(count(path, "SELECT COUNT(*) FROM orders") == orders_before + 2);  // failures store nothing

  auto no_delivery = store->confirm_order(d1->id, PaymentMethod::cod, "Олена", "k-early");
  CHECK_FALSE(no_delivery.ok());

  auto del = store->update_order_delivery(d1->id, {DeliveryType::pickup, "", "", "KV1"}, "k-del");
  REQUIRE(del.ok());
  CHECK(del->delivery_type == DeliveryType::pickup);
  CHECK(del->city == "Київ");
  CHECK(del->delivery_cost == 0);
  CHECK(del->estimated_days >= 1);
  auto del2 =
      store->update_order_delivery(d3->id, {DeliveryType::delivery, "Одесі", "вул. Рішельєвська, 1", ""}, "k-del3");
  REQUIRE(del2.ok());
  CHECK(del2->city == "Одеса");
  CHECK(del2->delivery_cost == (d3->subtotal >= 8000 ? 0 : 250));
  CHECK(del2->total == d3->subtotal + del2->delivery_cost);

  const int stock_before = count(path, "SELECT SUM(quantity) FROM stock WHERE tyre_id = '" + tyre.id + "'");
  auto c1 = store->confirm_order(d1->id, PaymentMethod::card_on_delivery, "Олена", "k-confirm");
  REQUIRE(c1.ok());
  CHECK(c1->status == OrderStatus::confirmed);
  CHECK(c1->customer_name == "Олена");
  CHECK(c1->payment == PaymentMethod::card_on_delivery);
  CHECK_FALSE(c1->estimated_delivery.empty());
  auto c2 = store->confirm_order(d1->id, PaymentMethod::card_on_delivery, "Олена", "k-confirm");
  REQUIRE(c2.ok());
  CHECK(c2->id == c1->id);
  CHECK(c2->status == OrderStatus::confirmed);
  // The replay is the stored result, whole: every field survives its round trip through JSON.
  CHECK(c2->payment == c1->payment);
  CHECK(c2->customer_name == c1->customer_name);
  CHECK(c2->total == c1->total);
  CHECK(c2->items.size() == c1->items.size());
  CHECK(count(path, "SELECT SUM(quantity) FROM stock WHERE tyre_id = '" + tyre.id + "'") == stock_before - qty);
  // A fresh key cannot confirm twice, and a confirmed order's delivery is fixed.
  CHECK_FALSE(store->confirm_order(d1->id, PaymentMethod::cod, "", "k-confirm-2").ok());
  CHECK_FALSE(store->update_order_delivery(d1->id, {DeliveryType::pickup, "", "", "KV2"}, "k-del-late").ok());
}

TEST_CASE("store: slots cover the next 21 days from today; a booking takes one; replays and cancels") {
  ca::test::TempDir dir;
  const std::string path = dir.file("shop.db");
  auto store = open_store(path);

  // Seeded for 9 March .. 30 March; closed days have no slots.
  CHECK(count(path, "SELECT MIN(date) = '2026-03-09' AND MAX(date) = '2026-03-30' FROM slots") == 1);
  auto week = store->slots("KV2", "2026-03-10", "2026-03-16");
  REQUIRE(week.ok());
  std::set<std::string> days;
  int free_total = 0, taken_total = 0;
  for (const auto &s : week.value()) {
    days.insert(s.date);
    (s.free > 0 ? free_total : taken_total)++;
  }
  CHECK(days.count("2026-03-15") == 0);  // KV2 is closed on Sundays
  CHECK(days.size() == 6);
  CHECK(free_total > 0);
  CHECK(taken_total > 0);
  // Beyond the seeded days slots appear on demand, the same as a seed would have made them.
  auto later = store->slots("KV1", "2026-04-06", "2026-04-06");
  REQUIRE(later.ok());
  CHECK_FALSE(later->empty());
  CHECK_FALSE(store->slots("XX9", "2026-03-10", "2026-03-10").ok());
  CHECK_FALSE(store->slots("KV1", "10.03.2026", "2026-03-10").ok());

  // A slot with room for two cars or more.
  std::string date, time;
  int free_before = 0;
  for (const auto &s : week.value()) {
    if (s.free >= 2) {
      date = s.date;
      time = s.time;
      free_before = s.free;
      break;
    }
  }
  REQUIRE_FALSE(date.empty());
  BookingRequest req;
  req.station_id = "KV2";
  req.date = date;
  req.time = time;
  req.customer_phone = "0931112233";
  req.vehicle_info = "Skoda Octavia";
  req.service = Service::tire_change;
  req.tire_diameter = 16;
  const int bookings_before = count(path, "SELECT COUNT(*) FROM bookings");
  auto b1 = store->book_fitting(req, "call7:book:1");
  REQUIRE(b1.ok());
  CHECK(b1->station_name == "ШинСервіс Оболонь");
  CHECK(b1->date == date);
  CHECK(b1->time == time);
  CHECK(b1->duration_min == 40);
  REQUIRE(b1->price);
  CHECK(*b1->price > 0);
  CHECK(*b1->price % 4 == 0);
  CHECK(slot_free(*store, "KV2", date, time) == free_before - 1);
  auto b2 = store->book_fitting(req, "call7:book:1");
  REQUIRE(b2.ok());
  CHECK(b2->id == b1->id);
  CHECK(slot_free(*store, "KV2", date, time) == free_before - 1);
  CHECK(count(path, "SELECT COUNT(*) FROM bookings") == bookings_before + 1);

  // Fill the slot; the next booking there is refused and stores nothing.
  for (int i = 1; i < free_before; ++i) {
    REQUIRE(store->book_fitting(req, "fill" + std::to_string(i)).ok());
  }
  CHECK(slot_free(*store, "KV2", date, time) == 0);
  auto full = store->book_fitting(req, "one-too-many");
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == ca::Errc::invalid_argument);
  CHECK(count(path, "SELECT COUNT(*) FROM idempotency WHERE key = 'one-too-many'") == 0);

  auto cancelled = store->cancel_booking(b1->id, "cancel-1");
  REQUIRE(cancelled.ok());
  CHECK(cancelled->cancelled);
  CHECK(slot_free(*store, "KV2", date, time) == 1);
  REQUIRE(store->cancel_booking(b1->id, "cancel-1").ok());
  REQUIRE(store->cancel_booking(b1->id, "cancel-2").ok());
  CHECK(slot_free(*store, "KV2", date, time) == 1);  // freed once
  CHECK_FALSE(store->reschedule_booking(b1->id, date, time, "re-cancelled").ok());

  // Reschedule a live booking to another free slot: the old one frees, the new one is taken.
  auto live = store->bookings_by_phone("+380931112233");
  REQUIRE(live.ok());
  const Booking *keep = nullptr;
  for (const auto &b : live.value()) {
    if (!b.cancelled) keep = &b;
  }
  REQUIRE(keep != nullptr);
  std::string nd, nt;
  for (const auto &s : week.value()) {
    if (s.free > 0 && !(s.date == date && s.time == time)) {
      nd = s.date;
      nt = s.time;
    }
  }
  REQUIRE_FALSE(nd.empty());
  const int new_free = slot_free(*store, "KV2", nd, nt);
  auto moved = store->reschedule_booking(keep->id, nd, nt, "move-1");
  REQUIRE(moved.ok());
  CHECK(moved->date == nd);
  CHECK(moved->time == nt);
  CHECK(slot_free(*store, "KV2", nd, nt) == new_free - 1);
  CHECK(slot_free(*store, "KV2", date, time) == 2);
  REQUIRE(store->reschedule_booking(keep->id, nd, nt, "move-1").ok());
  CHECK(slot_free(*store, "KV2", nd, nt) == new_free - 1);

  // Past dates are refused.
  BookingRequest past = req;
  past.date = "2026-03-01";
  CHECK_FALSE(store->book_fitting(past, "past").ok());
}

TEST_CASE("store: fitting prices by rim, service and station; callbacks") {
  ca::test::TempDir dir;
  const std::string path = dir.file("shop.db");
  auto store = open_store(path);
  auto all16 = store->fitting_prices(16, "", std::nullopt);
  REQUIRE(all16.ok());
  REQUIRE(all16->size() == 3);
  auto all20 = store->fitting_prices(20, "", std::nullopt);
  REQUIRE(all20.ok());
  for (size_t i = 0; i < 3; ++i) {
    CHECK((*all16)[i].per_set == 4 * (*all16)[i].per_wheel);
    CHECK((*all20)[i].per_wheel > (*all16)[i].per_wheel);
  }
  auto kyiv = store->fitting_prices(16, "KV1", Service::tire_change);
  REQUIRE(kyiv.ok());
  REQUIRE(kyiv->size() == 1);
  CHECK(kyiv->front().per_wheel > all16->front().per_wheel);  // Kyiv costs more
  CHECK_FALSE(store->fitting_prices(30, "", std::nullopt).ok());
  CHECK_FALSE(store->fitting_prices(16, "XX9", std::nullopt).ok());

  auto cb = store->create_callback({"0501234567", "завтра після 10", "after hours", "call-9"}, "cb-key");
  REQUIRE(cb.ok());
  CHECK(cb->phone == "+380501234567");
  auto cb2 = store->create_callback({"0501234567", "завтра після 10", "after hours", "call-9"}, "cb-key");
  REQUIRE(cb2.ok());
  CHECK(cb2->id == cb->id);
  CHECK(count(path, "SELECT COUNT(*) FROM callbacks") == 1);
  CHECK_FALSE(store->create_callback({"nope", "", "", ""}, "cb-bad").ok());
}

TEST_CASE("store: helpers — phones, sizes, seasons, case folding, dates") {
  CHECK(normalize_phone("050 123 45 67") == "+380501234567");
  CHECK(normalize_phone("+38 (050) 123-45-67") == "+380501234567");
  CHECK(normalize_phone("380501234567") == "+380501234567");
  CHECK(normalize_phone("80501234567") == "+380501234567");
  CHECK(normalize_phone("501234567") == "+380501234567");
  CHECK(normalize_phone("+48 601 234 567") == "+48601234567");
  CHECK_FALSE(normalize_phone("anonymous"));
  CHECK_FALSE(normalize_phone("1001"));
  CHECK_FALSE(normalize_phone("+38050123"));
  CHECK(spoken_phone("+380501234567") == "050 123 45 67");

  CHECK(parse_tyre_size("205/55 R16") == TyreSize{205, 55, 16});
  CHECK(parse_tyre_size("205/55R16") == TyreSize{205, 55, 16});
  CHECK(parse_tyre_size("205 55 16") == TyreSize{205, 55, 16});
  CHECK_FALSE(parse_tyre_size("205/55"));
  CHECK_FALSE(parse_tyre_size("R16"));

  CHECK(parse_season("winter") == Season::winter);
  CHECK(parse_season("Зимові") == Season::winter);
  CHECK(parse_season("літні") == Season::summer);
  CHECK(parse_season("all_season") == Season::all_season);
  CHECK(parse_season("Всесезонні") == Season::all_season);
  CHECK_FALSE(parse_season("spring"));

  CHECK(fold_case("КИЇВ Ґанок Єва ІРИНА Abc") == "київ ґанок єва ірина abc");

  const Day d = *parse_iso_date("2026-03-10");
  CHECK(format_date(d) == "2026-03-10");
  CHECK(weekday_uk(d) == "вівторок");
  CHECK(spoken_date_uk(d) == "вівторок, 10 березня");
  CHECK(on_date_uk(d) == "на вівторок, 10 березня");
  CHECK(on_date_uk(d + std::chrono::days(1)) == "на середу, 11 березня");
  CHECK(on_date_uk(d + std::chrono::days(3)) == "на п'ятницю, 13 березня");
  CHECK_FALSE(parse_iso_date("2026-02-30"));
  CHECK(normalize_time("9:00") == "09:00");
  CHECK(normalize_time("14.30") == "14:30");
  CHECK(normalize_time("9") == "09:00");
  CHECK_FALSE(normalize_time("25:00"));
  CHECK_FALSE(normalize_time("10:5"));
  // Kyiv's day turns at 22:00 UTC in winter and 21:00 UTC in summer.
  const TimePoint winter_late = std::chrono::sys_days{std::chrono::year(2026) / 1 / 15} + 22h + 30min;
  CHECK(format_date(local_day(winter_late)) == "2026-01-16");
  const TimePoint summer_late = std::chrono::sys_days{std::chrono::year(2026) / 7 / 15} + 21h + 30min;
  CHECK(format_date(local_day(summer_late)) == "2026-07-16");
  CHECK(local_minutes(winter_late) == 30);
}
