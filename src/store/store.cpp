#include "store/store.hpp"

#include <cstdio>

namespace ca::store {

namespace {

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (auto p : prefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

std::string trimmed_folded(std::string_view s) {
  std::string f = fold_case(s);
  size_t b = f.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = f.find_last_not_of(" \t\r\n");
  return f.substr(b, e - b + 1);
}

}  // namespace

std::string fold_case(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c + 32));
      continue;
    }
    if ((c == 0xD0 || c == 0xD2) && i + 1 < s.size()) {
      const auto n = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xD0 && n >= 0x80 && n <= 0x8F) {  // Ѐ…Џ (Є, І, Ї, Ё) → ѐ…џ
        out.push_back(static_cast<char>(0xD1));
        out.push_back(static_cast<char>(n + 0x10));
      } else if (c == 0xD0 && n >= 0x90 && n <= 0x9F) {  // А…П
        out.push_back(static_cast<char>(0xD0));
        out.push_back(static_cast<char>(n + 0x20));
      } else if (c == 0xD0 && n >= 0xA0 && n <= 0xAF) {  // Р…Я
        out.push_back(static_cast<char>(0xD1));
        out.push_back(static_cast<char>(n - 0x20));
      } else if (c == 0xD2 && n == 0x90) {  // Ґ
        out.push_back(static_cast<char>(0xD2));
        out.push_back(static_cast<char>(0x91));
      } else {
        out.push_back(static_cast<char>(c));
        out.push_back(static_cast<char>(n));
      }
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

// ---- seasons ----

std::string_view season_name(Season s) {
  switch (s) {
    case Season::summer:
      return "summer";
    case Season::winter:
      return "winter";
    case Season::all_season:
      return "all_season";
  }
  return "summer";
}

std::string_view season_label_uk(Season s) {
  switch (s) {
    case Season::summer:
      return "літня";
    case Season::winter:
      return "зимова";
    case Season::all_season:
      return "всесезонна";
  }
  return "літня";
}

std::optional<Season> parse_season(std::string_view text) {
  const std::string f = trimmed_folded(text);
  if (f.empty()) return std::nullopt;
  if (starts_with_any(f, {"all", "всесезон", "цілорі", "круглорі"})) return Season::all_season;
  if (starts_with_any(f, {"summer", "літ", "лiт", "лет"})) return Season::summer;
  if (starts_with_any(f, {"winter", "зим"})) return Season::winter;
  return std::nullopt;
}

// ---- sizes ----

std::string TyreSize::text() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d/%d R%d", width, profile, diameter);
  return buf;
}

std::optional<TyreSize> parse_tyre_size(std::string_view text) {
  int v[3] = {0, 0, 0};
  int n = 0;
  size_t i = 0;
  while (i < text.size() && n < 3) {
    if (text[i] >= '0' && text[i] <= '9') {
      int x = 0;
      int digits = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (++digits > 3) return std::nullopt;
        x = x * 10 + (text[i] - '0');
        ++i;
      }
      v[n++] = x;
      continue;
    }
    const char c = text[i];
    if (c != ' ' && c != '/' && c != 'R' && c != 'r' && c != '-' && c != 'x' && c != 'X') return std::nullopt;
    ++i;
  }
  while (i < text.size() && text[i] == ' ') ++i;
  if (n != 3 || i != text.size()) return std::nullopt;
  if (v[0] < 125 || v[0] > 355 || v[1] < 25 || v[1] > 85 || v[2] < 12 || v[2] > 24) return std::nullopt;
  return TyreSize{v[0], v[1], v[2]};
}

std::string Tyre::name() const { return brand + " " + model; }

std::string Tyre::size_text() const {
  std::string s = size.text();
  s += ' ';
  s += std::to_string(load_index);
  s += speed_index;
  if (xl) s += " XL";
  return s;
}

// ---- orders ----

std::string_view order_status_name(OrderStatus s) {
  switch (s) {
    case OrderStatus::draft:
      return "draft";
    case OrderStatus::confirmed:
      return "confirmed";
    case OrderStatus::processing:
      return "processing";
    case OrderStatus::shipped:
      return "shipped";
    case OrderStatus::ready_for_pickup:
      return "ready_for_pickup";
    case OrderStatus::delivered:
      return "delivered";
    case OrderStatus::cancelled:
      return "cancelled";
  }
  return "draft";
}

std::string_view order_status_label_uk(OrderStatus s) {
  switch (s) {
    case OrderStatus::draft:
      return "чернетка, ще не підтверджене";
    case OrderStatus::confirmed:
      return "підтверджене, передане на склад";
    case OrderStatus::processing:
      return "комплектується на складі";
    case OrderStatus::shipped:
      return "відправлене";
    case OrderStatus::ready_for_pickup:
      return "чекає в пункті видачі";
    case OrderStatus::delivered:
      return "отримане";
    case OrderStatus::cancelled:
      return "скасоване";
  }
  return "";
}

std::optional<OrderStatus> parse_order_status(std::string_view s) {
  for (auto st : {OrderStatus::draft, OrderStatus::confirmed, OrderStatus::processing, OrderStatus::shipped,
                  OrderStatus::ready_for_pickup, OrderStatus::delivered, OrderStatus::cancelled}) {
    if (order_status_name(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view delivery_type_name(DeliveryType t) {
  switch (t) {
    case DeliveryType::none:
      return "";
    case DeliveryType::delivery:
      return "delivery";
    case DeliveryType::pickup:
      return "pickup";
  }
  return "";
}

std::optional<DeliveryType> parse_delivery_type(std::string_view s) {
  if (s == "delivery") return DeliveryType::delivery;
  if (s == "pickup") return DeliveryType::pickup;
  if (s.empty()) return DeliveryType::none;
  return std::nullopt;
}

std::string_view payment_method_name(PaymentMethod p) {
  switch (p) {
    case PaymentMethod::none:
      return "";
    case PaymentMethod::cod:
      return "cod";
    case PaymentMethod::online:
      return "online";
    case PaymentMethod::card_on_delivery:
      return "card_on_delivery";
  }
  return "";
}

std::string_view payment_method_label_uk(PaymentMethod p) {
  switch (p) {
    case PaymentMethod::none:
      return "";
    case PaymentMethod::cod:
      return "оплата готівкою при отриманні (накладений платіж)";
    case PaymentMethod::online:
      return "онлайн-оплата за посиланням";
    case PaymentMethod::card_on_delivery:
      return "оплата карткою при отриманні";
  }
  return "";
}

std::optional<PaymentMethod> parse_payment_method(std::string_view s) {
  if (s == "cod") return PaymentMethod::cod;
  if (s == "online") return PaymentMethod::online;
  if (s == "card_on_delivery") return PaymentMethod::card_on_delivery;
  if (s.empty()) return PaymentMethod::none;
  return std::nullopt;
}

// ---- fitting ----

std::string_view service_name(Service s) {
  switch (s) {
    case Service::tire_change:
      return "tire_change";
    case Service::balancing:
      return "balancing";
    case Service::full_service:
      return "full_service";
  }
  return "tire_change";
}

std::string_view service_label_uk(Service s) {
  switch (s) {
    case Service::tire_change:
      return "заміна шин";
    case Service::balancing:
      return "балансування";
    case Service::full_service:
      return "заміна шин із балансуванням";
  }
  return "";
}

std::optional<Service> parse_service(std::string_view s) {
  for (auto v : {Service::tire_change, Service::balancing, Service::full_service}) {
    if (service_name(v) == s) return v;
  }
  return std::nullopt;
}

int service_duration_min(Service s) {
  switch (s) {
    case Service::tire_change:
      return 40;
    case Service::balancing:
      return 30;
    case Service::full_service:
      return 60;
  }
  return 40;
}

// ---- phones ----

std::optional<std::string> normalize_phone(std::string_view text) {
  std::string digits;
  bool international = false;
  bool seen_digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      seen_digit = true;
    } else if (c == '+' && !seen_digit) {
      international = true;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return std::nullopt;  // letters: not a number ("anonymous", an extension name)
    }
  }
  if (!international && digits.starts_with("00")) {
    international = true;
    digits.erase(0, 2);
  }
  if (digits.size() == 12 && digits.starts_with("380")) return "+" + digits;
  if (!international) {
    if (digits.size() == 10 && digits[0] == '0') return "+38" + digits;
    if (digits.size() == 11 && digits.starts_with("80")) return "+3" + digits;
    if (digits.size() == 9 && digits[0] != '0') return "+380" + digits;
    return std::nullopt;
  }
  if (digits.starts_with("380")) return std::nullopt;  // a Ukrainian number with digits missing or extra
  if (digits.size() >= 8 && digits.size() <= 15) return "+" + digits;
  return std::nullopt;
}

std::string spoken_phone(std::string_view e164) {
  if (e164.size() != 13 || !e164.starts_with("+380")) return std::string(e164);
  std::string local = "0" + std::string(e164.substr(4));  // 0XXXXXXXXX
  return local.substr(0, 3) + " " + local.substr(3, 3) + " " + local.substr(6, 2) + " " + local.substr(8, 2);
}

}  // namespace ca::store
