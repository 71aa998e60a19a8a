#include <doctest/doctest.h>

#include "core/json.hpp"

using ca::json::Value;

TEST_CASE("json: parse and read back every type") {
  auto r = ca::json::parse(R"({"s":"тест \"q\"","i":-42,"d":2.5,"b":true,"n":null,"a":[1,"x",{"k":[]}],"big":18446744073709551615})");
  REQUIRE(r.ok());
  const Value &v = r.value();
  CHECK(v["s"].as_string() == "тест \"q\"");
  CHECK(v["i"].as_int() == -42);
  CHECK(v["d"].as_double() == 2.5);
  CHECK(v["d"].as_int(7) == 7);  // a fraction is not an integer
  CHECK(v["b"].as_bool());
  CHECK(v["n"].is_null());
  CHECK(v["a"].size() == 3);
  CHECK(v["a"].items()[1].str() == "x");
  CHECK(v["a"].items()[2]["k"].is_array());
  CHECK(v["big"].as_double() > 1.8e19);
  CHECK(v["missing"].is_null());
  CHECK(v.find("missing") == nullptr);
  CHECK(v["s"].as_int(5) == 5);  // mistyped reads give the fallback
}

TEST_CASE("json: errors say what is wrong") {
  CHECK_FALSE(ca::json::parse("{").ok());
  CHECK_FALSE(ca::json::parse(R"({"a":1} x)").ok());
  CHECK_FALSE(ca::json::parse("\"\xff\"").ok());  // invalid UTF-8
  std::string deep(300, '[');
  deep += std::string(300, ']');
  auto r = ca::json::parse(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("json:") == 0);
}

TEST_CASE("json: dump is compact, escapes controls, and round-trips") {
  Value v;
  v.set("name", "Шина \"R16\"\n").set("qty", 2).set("price", 2150.5).set("ok", false);
  v.set("list", Value::array().push(1).push(nullptr));
  const std::string out = ca::json::dump(v);
  CHECK(out == R"({"name":"Шина \"R16\"\n","qty":2,"price":2150.5,"ok":false,"list":[1,null]})");
  auto back = ca::json::parse(out);
  REQUIRE(back.ok());
  CHECK(back.value() == v);
  v.set("qty", 3);  // set replaces
  CHECK(v["qty"].as_int() == 3);
  CHECK(v.size() == 5);
  CHECK(v.erase("ok"));
  CHECK_FALSE(v.contains("ok"));
}

TEST_CASE("json: sorted keys give one canonical form") {
  auto a = ca::json::parse(R"({"b":1,"a":{"d":2,"c":3}})");
  auto b = ca::json::parse(R"({"a":{"c":3,"d":2},"b":1})");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  ca::json::DumpOptions canon{.sort_keys = true};
  CHECK(ca::json::dump(a.value(), canon) == R"({"a":{"c":3,"d":2},"b":1})");
  CHECK(ca::json::dump(a.value(), canon) == ca::json::dump(b.value(), canon));
  CHECK(ca::json::dump(Value(1.0 / 0.0)) == "null");
}
