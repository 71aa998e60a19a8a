// JSON inside the library: an owning value that is easy to build and to read, parsed with
// simdjson and written compactly. Tool arguments, tool results, provider bodies and the journal
// all go through it; none of them is on the audio path, so clarity wins over zero-copy here.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace ca::json {

class Value;
using Array = std::vector<Value>;
// Members keep their insertion order (what a provider sent, what we build); lookups are linear,
// which is right for the handful of keys tool arguments and results have.
using Object = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  enum class Type : uint8_t { null, boolean, integer, number, string, array, object };

  Value() = default;
  Value(std::nullptr_t) {}                     // NOLINT: implicit by design
  Value(bool b) : v_(b) {}                     // NOLINT
  Value(int i) : v_(int64_t{i}) {}             // NOLINT
  Value(int64_t i) : v_(i) {}                  // NOLINT
  Value(uint32_t i) : v_(int64_t{i}) {}        // NOLINT
  Value(double d) : v_(d) {}                   // NOLINT
  Value(const char *s) : v_(std::string(s)) {} // NOLINT
  Value(std::string s) : v_(std::move(s)) {}   // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(Array a) : v_(std::move(a)) {}         // NOLINT
  Value(Object o) : v_(std::move(o)) {}        // NOLINT

  static Value array() { return Value(Array{}); }
  static Value object() { return Value(Object{}); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::null; }
  bool is_bool() const { return type() == Type::boolean; }
  bool is_integer() const { return type() == Type::integer; }
  bool is_number() const { return type() == Type::integer || type() == Type::number; }
  bool is_string() const { return type() == Type::string; }
  bool is_array() const { return type() == Type::array; }
  bool is_object() const { return type() == Type::object; }

  // Readers return the fallback when the value has another type, so optional and mistyped
  // arguments read the same way; code that must tell them apart checks the type first.
  bool as_bool(bool fallback = false) const;
  int64_t as_int(int64_t fallback = 0) const;  // integers, and numbers with no fraction
  double as_double(double fallback = 0) const;
  const std::string &as_string() const;        // empty unless a string
  std::string_view str(std::string_view fallback = {}) const;
  const Array &items() const;                  // empty unless an array
  const Object &members() const;               // empty unless an object
  Array &items_mut();                          // turns a null into an array
  Object &members_mut();                       // turns a null into an object

  // Object access. find() returns nullptr when absent; operator[] returns a null value.
  const Value *find(std::string_view key) const;
  const Value &operator[](std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Sets (replacing) a member; turns a null into an object. Returns *this to chain.
  Value &set(std::string_view key, Value v);
  bool erase(std::string_view key);
  // Appends to an array; turns a null into an array.
  Value &push(Value v);
  size_t size() const;  // elements or members; 0 otherwise

  friend bool operator==(const Value &a, const Value &b);

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_{nullptr};
};

// Parses one JSON document (RFC 8259). Trailing garbage, depth beyond 256 and invalid UTF-8 are
// errors with a message saying where.
Result<Value> parse(std::string_view text);

struct DumpOptions {
  bool sort_keys = false;  // canonical form: members by key (for hashing and comparing)
};
// Compact JSON: no spaces, UTF-8 kept as is, control characters escaped.
std::string dump(const Value &v, DumpOptions options = {});
void dump_to(std::string &out, const Value &v, DumpOptions options = {});

// A quoted, escaped JSON string.
void append_quoted(std::string &out, std::string_view s);

}  // namespace ca::json
