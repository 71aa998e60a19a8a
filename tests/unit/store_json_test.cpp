// The store's types through JSON and back, every field set to something other than its default,
// compared field by field (so a field both sides forget cannot hide).
#include "store/store_json.hpp"

#include <doctest/doctest.h>

#include "core/json.hpp"

using namespace ca;
using namespace ca::store;

namespace {

// Through text, as over the wire.
json::Value wire(const json::Value &v) {
  auto p = json::parse(json::dump(v));
  REQUIRE(p.ok());
  return p.value();
}

Tyre sample_tyre() {
  Tyre t;
  t.id = "T1042";
  t.brand = "Michelin";
  t.model = "Primacy 4+";
  t.size = {205, 55, 16};
  t.season = Season::winter;
  t.studded = true;
  t.load_index = 91;
  t.speed_index = "V";
  t.xl = true;
  t.price = 4321;
  t.stock = 7;
  return t;
}

void check_same(const Tyre &a, const Tyre &b) {
  CHECK(a.id == b.id);
  CHECK(a.brand == b.brand);
  CHECK(a.model == b.model);
  CHECK(a.size == b.size);
  CHECK(a.season == b.season);
  CHECK(a.studded == b.studded);
  CHECK(a.load_index == b.load_index);
  CHECK(a.speed_index == b.speed_index);
  CHECK(a.xl == b.xl);
  CHECK(a.price == b.price);
  CHECK(a.stock == b.stock);
}

}  // namespace

TEST_CASE("store json: tyres, searches and availability") {
  const Tyre t = sample_tyre();
  auto back = tyre_from_json(wire(to_json(t)));
  REQUIRE(back.ok());
  check_same(*back, t);
  CHECK(to_json(t)["size_text"].as_string() == "205/55 R16 91V XL");

  TyreSearch s;
  s.total = 12;
  s.items = {t, t};
  s.items[1].id = "T7";
  s.vehicle = VehicleFit{"Toyota", "RAV4", 2018, 2024, {{225, 65, 17}, {225, 60, 18}}};
  s.not_found = "brand";
  auto sb = tyre_search_from_json(wire(to_json(s)));
  REQUIRE(sb.ok());
  CHECK(sb->total == 12);
  REQUIRE(sb->items.size() == 2);
  check_same(sb->items[1], s.items[1]);
  REQUIRE(sb->vehicle);
  CHECK(sb->vehicle->make == "Toyota");
  CHECK(sb->vehicle->model == "RAV4");
  CHECK(sb->vehicle->year_from == 2018);
  CHECK(sb->vehicle->year_to == 2024);
  CHECK(sb->vehicle->sizes == s.vehicle->sizes);
  CHECK(sb->not_found == "brand");
  TyreSearch empty;
  auto eb = tyre_search_from_json(wire(to_json(empty)));
  REQUIRE(eb.ok());
  CHECK_FALSE(eb->vehicle);
  CHECK(eb->not_found.empty());

  Availability a{t, {{"W1", "Київ", 5}, {"W2", "Львів", 2}}, 3};
  auto ab = availability_from_json(wire(to_json(a)));
  REQUIRE(ab.ok());
  check_same(ab->tyre, t);
  REQUIRE(ab->warehouses.size() == 2);
  CHECK(ab->warehouses[1].warehouse_id == "W2");
  CHECK(ab->warehouses[1].city == "Львів");
  CHECK(ab->warehouses[1].quantity == 2);
  CHECK(ab->delivery_days == 3);
}

TEST_CASE("store json: orders, stations, slots, bookings, prices, callbacks, vocabulary") {
  Order o;
  o.id = "100245";
  o.status = OrderStatus::ready_for_pickup;
  o.customer_phone = "+380501112233";
  o.customer_name = "Олена";
  o.items = {{"T1", "Michelin X", "205/55 R16 91V", 4, 3000}, {"T2", "Nokian Y", "195/65 R15 91T", 2, 2500}};
  o.subtotal = 17000;
  o.delivery_cost = 250;
  o.total = 17250;
  o.delivery_type = DeliveryType::delivery;
  o.city = "Одеса";
  o.address = "вул. Рішельєвська, 1";
  o.pickup_point_id = "OD1";
  o.estimated_days = 2;
  o.payment = PaymentMethod::card_on_delivery;
  o.created = "2026-03-09";
  o.estimated_delivery = "2026-03-11";
  auto ob = order_from_json(wire(to_json(o)));
  REQUIRE(ob.ok());
  CHECK(ob->id == o.id);
  CHECK(ob->status == o.status);
  CHECK(ob->customer_phone == o.customer_phone);
  CHECK(ob->customer_name == o.customer_name);
  REQUIRE(ob->items.size() == 2);
  CHECK(ob->items[1].product_id == "T2");
  CHECK(ob->items[1].name == "Nokian Y");
  CHECK(ob->items[1].size == "195/65 R15 91T");
  CHECK(ob->items[1].quantity == 2);
  CHECK(ob->items[1].unit_price == 2500);
  CHECK(ob->subtotal == o.subtotal);
  CHECK(ob->delivery_cost == o.delivery_cost);
  CHECK(ob->total == o.total);
  CHECK(ob->delivery_type == o.delivery_type);
  CHECK(ob->city == o.city);
  CHECK(ob->address == o.address);
  CHECK(ob->pickup_point_id == o.pickup_point_id);
  CHECK(ob->estimated_days == o.estimated_days);
  CHECK(ob->payment == o.payment);
  CHECK(ob->created == o.created);
  CHECK(ob->estimated_delivery == o.estimated_delivery);
  json::Value bad_status = to_json(o);
  bad_status.set("status", "lost");
  CHECK(order_from_json(bad_status).error().code == Errc::protocol);

  Station st{"KV2",
             "ШинСервіс Оболонь",
             "Київ",
             "Оболонь",
             "просп. Героїв, 1",
             "+380441234567",
             "Пн–Пт 08:00–20:00",
             {"tire_change", "storage"},
             3};
  auto sb = station_from_json(wire(to_json(st)));
  REQUIRE(sb.ok());
  CHECK(sb->id == st.id);
  CHECK(sb->name == st.name);
  CHECK(sb->city == st.city);
  CHECK(sb->district == st.district);
  CHECK(sb->address == st.address);
  CHECK(sb->phone == st.phone);
  CHECK(sb->hours == st.hours);
  CHECK(sb->services == st.services);
  CHECK(sb->posts == 3);

  auto slb = slot_from_json(wire(to_json(Slot{"2026-03-10", "09:30", 2})));
  REQUIRE(slb.ok());
  CHECK(slb->date == "2026-03-10");
  CHECK(slb->time == "09:30");
  CHECK(slb->free == 2);

  Booking b;
  b.id = "70231";
  b.station_id = "KV2";
  b.station_name = "ШинСервіс";
  b.station_address = "просп. Героїв, 1";
  b.date = "2026-03-10";
  b.time = "09:30";
  b.service = Service::full_service;
  b.duration_min = 60;
  b.price = 1600;
  b.cancelled = true;
  b.customer_phone = "+380931112233";
  b.vehicle_info = "Skoda Octavia";
  b.tire_diameter = 16;
  b.linked_order_id = "100245";
  auto bb = booking_from_json(wire(to_json(b)));
  REQUIRE(bb.ok());
  CHECK(bb->id == b.id);
  CHECK(bb->station_id == b.station_id);
  CHECK(bb->station_name == b.station_name);
  CHECK(bb->station_address == b.station_address);
  CHECK(bb->date == b.date);
  CHECK(bb->time == b.time);
  CHECK(bb->service == b.service);
  CHECK(bb->duration_min == b.duration_min);
  CHECK(bb->price == b.price);
  CHECK(bb->cancelled == b.cancelled);
  CHECK(bb->customer_phone == b.customer_phone);
  CHECK(bb->vehicle_info == b.vehicle_info);
  CHECK(bb->tire_diameter == b.tire_diameter);
  CHECK(bb->linked_order_id == b.linked_order_id);
  b.price.reset();
  b.tire_diameter.reset();
  auto bn = booking_from_json(wire(to_json(b)));
  REQUIRE(bn.ok());
  CHECK_FALSE(bn->price);
  CHECK_FALSE(bn->tire_diameter);

  auto pb = fitting_price_from_json(wire(to_json(FittingPrice{Service::balancing, 17, 210, 840, "KV1"})));
  REQUIRE(pb.ok());
  CHECK(pb->service == Service::balancing);
  CHECK(pb->diameter == 17);
  CHECK(pb->per_wheel == 210);
  CHECK(pb->per_set == 840);
  CHECK(pb->station_id == "KV1");

  auto cb = callback_from_json(wire(to_json(Callback{"5", "+380501234567", "завтра", "note", "2026-03-09T08:00:00Z"})));
  REQUIRE(cb.ok());
  CHECK(cb->id == "5");
  CHECK(cb->phone == "+380501234567");
  CHECK(cb->preferred_time == "завтра");
  CHECK(cb->note == "note");
  CHECK(cb->created == "2026-03-09T08:00:00Z");

  Vocabulary v{{"Michelin"}, {"Мішлен"},    {"Primacy"}, {"205/55 R16"}, {"Київ"},
               {"Оболонь"},  {"ШинСервіс"}, {"Toyota"},  {"RAV4"}};
  auto vb = vocabulary_from_json(wire(to_json(v)));
  REQUIRE(vb.ok());
  CHECK(vb->brands == v.brands);
  CHECK(vb->brands_spoken == v.brands_spoken);
  CHECK(vb->models == v.models);
  CHECK(vb->sizes == v.sizes);
  CHECK(vb->cities == v.cities);
  CHECK(vb->districts == v.districts);
  CHECK(vb->station_names == v.station_names);
  CHECK(vb->vehicle_makes == v.vehicle_makes);
  CHECK(vb->vehicle_models == v.vehicle_models);
}

TEST_CASE("store json: the wrong shape is a protocol error") {
  CHECK(tyre_from_json(json::Value("x")).error().code == Errc::protocol);
  CHECK(order_from_json(json::Value::array()).error().code == Errc::protocol);
  auto list = list_from_json(json::Value::object(), &station_from_json);
  CHECK(list.error().code == Errc::protocol);
  auto bad_item = list_from_json(json::Value::array().push(1), &slot_from_json);
  CHECK(bad_item.error().code == Errc::protocol);
}
