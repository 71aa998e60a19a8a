#include "core/json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/log.hpp"

namespace ca::json {

namespace {

const std::string kEmptyString;
const Array kEmptyArray;
const Object kEmptyObject;
const Value kNull;

constexpr size_t kMaxDepth = 256;

Result<Value> convert(simdjson::dom::element e, size_t depth) {
  if (depth > kMaxDepth) return make_error(Errc::invalid_argument, "json: nesting deeper than 256");
  switch (e.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return Value();
    case simdjson::dom::element_type::BOOL: return Value(bool(e.get_bool()));
    case simdjson::dom::element_type::INT64: return Value(int64_t(e.get_int64()));
    case simdjson::dom::element_type::UINT64: {
      // Above INT64_MAX: keep the magnitude as a double rather than wrap.
      return Value(static_cast<double>(uint64_t(e.get_uint64())));
    }
    case simdjson::dom::element_type::DOUBLE: return Value(double(e.get_double()));
    case simdjson::dom::element_type::STRING: return Value(std::string_view(e.get_string()));
    case simdjson::dom::element_type::ARRAY: {
      Array a;
      for (simdjson::dom::element child : simdjson::dom::array(e.get_array())) {
        auto v = convert(child, depth + 1);
        if (!v) return v;
        a.push_back(std::move(v).value());
      }
      return Value(std::move(a));
    }
    case simdjson::dom::element_type::OBJECT: {
      Object o;
      for (auto field : simdjson::dom::object(e.get_object())) {
        auto v = convert(field.value, depth + 1);
        if (!v) return v;
        o.emplace_back(std::string(field.key), std::move(v).value());
      }
      return Value(std::move(o));
    }
  }
  return make_error(Errc::internal, "json: unknown element type");
}

void append_number(std::string &out, double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN or infinity
    out.append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

}  // namespace

bool Value::as_bool(bool fallback) const { return is_bool() ? std::get<bool>(v_) : fallback; }

int64_t Value::as_int(int64_t fallback) const {
  if (is_integer()) return std::get<int64_t>(v_);
  if (type() == Type::number) {
    const double d = std::get<double>(v_);
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  return fallback;
}

double Value::as_double(double fallback) const {
  if (is_integer()) return static_cast<double>(std::get<int64_t>(v_));
  if (type() == Type::number) return std::get<double>(v_);
  return fallback;
}

const std::string &Value::as_string() const { return is_string() ? std::get<std::string>(v_) : kEmptyString; }

std::string_view Value::str(std::string_view fallback) const {
  return is_string() ? std::string_view(std::get<std::string>(v_)) : fallback;
}

const Array &Value::items() const { return is_array() ? std::get<Array>(v_) : kEmptyArray; }
const Object &Value::members() const { return is_object() ? std::get<Object>(v_) : kEmptyObject; }

Array &Value::items_mut() {
  if (!is_array()) v_ = Array{};
  return std::get<Array>(v_);
}

Object &Value::members_mut() {
  if (!is_object()) v_ = Object{};
  return std::get<Object>(v_);
}

const Value *Value::find(std::string_view key) const {
  for (const auto &[k, v] : members()) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Value &Value::operator[](std::string_view key) const {
  const Value *v = find(key);
  return v != nullptr ? *v : kNull;
}

Value &Value::set(std::string_view key, Value v) {
  Object &o = members_mut();
  for (auto &[k, existing] : o) {
    if (k == key) {
      existing = std::move(v);
      return *this;
    }
  }
  o.emplace_back(std::string(key), std::move(v));
  return *this;
}

bool Value::erase(std::string_view key) {
  if (!is_object()) return false;
  Object &o = std::get<Object>(v_);
  auto it = std::find_if(o.begin(), o.end(), [&](const auto &m) { return m.first == key; });
  if (it == o.end()) return false;
  o.erase(it);
  return true;
}

Value &Value::push(Value v) {
  items_mut().push_back(std::move(v));
  return *this;
}

size_t Value::size() const {
  if (is_array()) return std::get<Array>(v_).size();
  if (is_object()) return std::get<Object>(v_).size();
  return 0;
}

bool operator==(const Value &a, const Value &b) {
  if (a.is_number() && b.is_number() && a.type() != b.type()) return a.as_double() == b.as_double();
  return a.v_ == b.v_;
}

Result<Value> parse(std::string_view text) {
  // One parser per thread: it keeps its buffers between documents.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  const auto err = parser.parse(text.data(), text.size(), true).get(root);
  if (err != simdjson::SUCCESS) {
    return make_error(Errc::invalid_argument, std::string("json: ") + simdjson::error_message(err));
  }
  return convert(root, 0);
}

void append_quoted(std::string &out, std::string_view s) { log::append_json_string(out, s); }

void dump_to(std::string &out, const Value &v, DumpOptions options) {
  switch (v.type()) {
    case Value::Type::null: out.append("null"); return;
    case Value::Type::boolean: out.append(v.as_bool() ? "true" : "false"); return;
    case Value::Type::integer: out.append(std::to_string(v.as_int())); return;
    case Value::Type::number: append_number(out, v.as_double()); return;
    case Value::Type::string: append_quoted(out, v.as_string()); return;
    case Value::Type::array: {
      out.push_back('[');
      bool first = true;
      for (const Value &e : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        dump_to(out, e, options);
      }
      out.push_back(']');
      return;
    }
    case Value::Type::object: {
      std::vector<const std::pair<std::string, Value> *> members;
      members.reserve(v.size());
      for (const auto &m : v.members()) members.push_back(&m);
      if (options.sort_keys) {
        std::stable_sort(members.begin(), members.end(), [](auto *a, auto *b) { return a->first < b->first; });
      }
      out.push_back('{');
      bool first = true;
      for (const auto *m : members) {
        if (!first) out.push_back(',');
        first = false;
        append_quoted(out, m->first);
        out.push_back(':');
        dump_to(out, m->second, options);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string dump(const Value &v, DumpOptions options) {
  std::string out;
  dump_to(out, v, options);
  return out;
}

}  // namespace ca::json
