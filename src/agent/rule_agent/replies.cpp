#include "agent/rule_agent/replies.hpp"

#include <array>

#include "text/numbers.hpp"
#include "text/translit.hpp"

namespace ca::agent::rule {

namespace {

using store::Day;

constexpr std::array<const char *, 12> kMonthsUk = {"січня", "лютого", "березня", "квітня", "травня",    "червня",
                                                    "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"};
constexpr std::array<const char *, 12> kMonthsRu = {"января", "февраля", "марта",    "апреля",  "мая",    "июня",
                                                    "июля",   "августа", "сентября", "октября", "ноября", "декабря"};
constexpr std::array<const char *, 12> kMonthsEn = {"January",   "February", "March",    "April",
                                                    "May",       "June",     "July",     "August",
                                                    "September", "October",  "November", "December"};
constexpr std::array<const char *, 7> kWeekUk = {"понеділок", "вівторок", "середа", "четвер",
                                                 "п'ятниця",  "субота",   "неділя"};
constexpr std::array<const char *, 7> kWeekRu = {"понедельник", "вторник", "среда",      "четверг",
                                                 "пятница",     "суббота", "воскресенье"};
constexpr std::array<const char *, 7> kWeekEn = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                 "Friday", "Saturday", "Sunday"};

// "3 варіанти", "5 варіантів", "1 option".
std::string count(int n, Lang lang, const char *uk1, const char *uk2, const char *uk5, const char *ru1, const char *ru2,
                  const char *ru5, const char *en1, const char *en2) {
  const text::Plural p = text::plural_category(n, lang);
  const char *w = nullptr;
  switch (lang) {
    case Lang::uk:
      w = p == text::Plural::one ? uk1 : p == text::Plural::few ? uk2 : uk5;
      break;
    case Lang::ru:
      w = p == text::Plural::one ? ru1 : p == text::Plural::few ? ru2 : ru5;
      break;
    case Lang::en:
      w = p == text::Plural::one ? en1 : en2;
      break;
  }
  return std::to_string(n) + " " + w;
}

std::string first_upper(std::string s) {
  if (s.empty()) return s;
  const auto c = static_cast<unsigned char>(s[0]);
  if (c >= 'a' && c <= 'z') {
    s[0] = static_cast<char>(c - 32);
    return s;
  }
  // Two-byte Cyrillic lower case: а–п (D0 B0–BF), р–я (D1 80–8F), і ї є (D1 96 97 94).
  if (s.size() >= 2) {
    const auto c1 = static_cast<unsigned char>(s[1]);
    if (c == 0xD0 && c1 >= 0xB0 && c1 <= 0xBF) {
      s[1] = static_cast<char>(c1 - 0x20);
    } else if (c == 0xD1 && c1 >= 0x80 && c1 <= 0x8F) {
      s[0] = static_cast<char>(0xD0);
      s[1] = static_cast<char>(c1 + 0x20);
    } else if (c == 0xD1 && (c1 == 0x96 || c1 == 0x97 || c1 == 0x94)) {
      s[0] = static_cast<char>(0xD0);
      s[1] = static_cast<char>(c1 - 0x10);
    }
  }
  return s;
}

}  // namespace

const std::string &Replies::pick(const std::string &uk, const std::string &ru, const std::string &en) const {
  return lang_ == Lang::uk ? uk : lang_ == Lang::ru ? ru : en;
}

std::string Replies::pick(const char *uk, const char *ru, const char *en) const {
  return lang_ == Lang::uk ? uk : lang_ == Lang::ru ? ru : en;
}

// ---- formatting ----

std::string Replies::price(int uah) const { return std::to_string(uah) + (lang_ == Lang::en ? " UAH" : " грн"); }

std::string Replies::day_month(Day d) const {
  const std::chrono::year_month_day ymd{d};
  const auto m = static_cast<size_t>(static_cast<unsigned>(ymd.month()) - 1);
  const std::string dd = std::to_string(static_cast<unsigned>(ymd.day()));
  switch (lang_) {
    case Lang::uk:
      return dd + " " + kMonthsUk[m];
    case Lang::ru:
      return dd + " " + kMonthsRu[m];
    case Lang::en:
      return std::string(kMonthsEn[m]) + " " + dd;
  }
  return dd;
}

std::string Replies::day(Day d) const {
  if (d == today_ + std::chrono::days(1)) return pick("завтра", "завтра", "tomorrow") + ", " + day_month(d);
  if (d == today_) return pick("сьогодні", "сегодня", "today") + ", " + day_month(d);
  const auto w = static_cast<size_t>(store::weekday_index(d));
  const char *name = lang_ == Lang::uk ? kWeekUk[w] : lang_ == Lang::ru ? kWeekRu[w] : kWeekEn[w];
  return std::string(name) + ", " + day_month(d);
}

std::string Replies::iso_day(const std::string &iso) const {
  if (auto d = store::parse_iso_date(iso)) return day(*d);
  return iso;
}

std::string Replies::on_day(const std::string &iso) const {
  static constexpr std::array<const char *, 7> kAccRu = {"понедельник", "вторник", "среду",      "четверг",
                                                         "пятницу",     "субботу", "воскресенье"};
  auto d = store::parse_iso_date(iso);
  if (!d) return pick("на ", "на ", "on ") + iso;
  if (*d == today_ + std::chrono::days(1) || *d == today_) return pick("на ", "на ", "") + day(*d);
  const auto w = static_cast<size_t>(store::weekday_index(*d));
  switch (lang_) {
    case Lang::uk:
      return store::on_date_uk(*d);
    case Lang::ru:
      return std::string("на ") + kAccRu[w] + ", " + day_month(*d);
    case Lang::en:
      return "on " + day(*d);
  }
  return day(*d);
}

std::string Replies::time(const std::string &hhmm) {
  if (hhmm.size() == 5 && hhmm[0] == '0') return hhmm.substr(1);
  return hhmm;
}

std::string Replies::data(const std::string &s) const { return lang_ == Lang::en ? text::transliterate(s) : s; }

std::string Replies::list(const std::vector<std::string> &items) const {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? pick(" і ", " и ", " and ") : ", ";
    out += items[i];
  }
  return out;
}

std::string Replies::season_adj(store::Season s) const {
  switch (s) {
    case store::Season::summer:
      return pick("літніх", "летних", "summer");
    case store::Season::winter:
      return pick("зимових", "зимних", "winter");
    case store::Season::all_season:
      return pick("всесезонних", "всесезонных", "all-season");
  }
  return {};
}

std::string Replies::status_label(const std::string &s) const {
  if (s == "draft") return pick("ще не підтверджене", "ещё не подтверждён", "not confirmed yet");
  if (s == "confirmed") return pick("підтверджене", "подтверждён", "confirmed");
  if (s == "processing") return pick("комплектується", "комплектуется", "being prepared");
  if (s == "shipped") return pick("відправлене", "отправлен", "shipped");
  if (s == "ready_for_pickup") return pick("готове до видачі", "готов к выдаче", "ready for pickup");
  if (s == "delivered") return pick("доставлене", "доставлен", "delivered");
  if (s == "cancelled") return pick("скасоване", "отменён", "cancelled");
  return s;
}

std::string Replies::payment_label(store::PaymentMethod p) const {
  switch (p) {
    case store::PaymentMethod::cod:
      return pick("накладений платіж", "наложенный платёж", "cash on delivery");
    case store::PaymentMethod::online:
      return pick("оплата онлайн", "оплата онлайн", "online payment");
    case store::PaymentMethod::card_on_delivery:
      return pick("оплата карткою при отриманні", "оплата картой при получении", "card payment on delivery");
    case store::PaymentMethod::none:
      break;
  }
  return {};
}

std::string Replies::service_label(const std::string &s) const {
  if (s == "balancing") return pick("балансування", "балансировка", "wheel balancing");
  if (s == "full_service")
    return pick("заміна шин із балансуванням", "замена шин с балансировкой", "a tyre change with balancing");
  return pick("заміна шин", "замена шин", "a tyre change");
}

std::string Replies::service_acc(const std::string &s) const {
  if (s == "balancing") return pick("балансування", "балансировку", "wheel balancing");
  if (s == "full_service")
    return pick("заміну шин із балансуванням", "замену шин с балансировкой", "a tyre change with balancing");
  return pick("заміну шин", "замену шин", "a tyre change");
}

std::string Replies::confirm_q() const { return pick("Підтверджуєте?", "Подтверждаете?", "Do you confirm?"); }

// ---- general ----

std::string Replies::greet_help() const {
  return pick("Добрий день! Чим можу допомогти: підібрати шини, перевірити замовлення чи записати на шиномонтаж?",
              "Добрый день! Чем могу помочь: подобрать шины, проверить заказ или записать на шиномонтаж?",
              "Hello! How can I help: find tyres, check an order or book a tyre fitting?");
}

std::string Replies::how_can_help() const {
  return pick("Чим можу допомогти?", "Чем могу помочь?", "How can I help you?");
}

std::string Replies::listening() const { return pick("Слухаю вас.", "Слушаю вас.", "I'm listening."); }

std::string Replies::anything_else() const {
  return pick("Чим ще можу допомогти?", "Чем ещё могу помочь?", "Anything else I can help with?");
}

std::string Replies::farewell() const {
  return pick("Дякую за дзвінок! До побачення!", "Спасибо за звонок! До свидания!", "Thank you for calling! Goodbye!");
}

std::string Replies::you_are_welcome() const {
  return pick("Будь ласка! Чим ще можу допомогти?", "Пожалуйста! Чем ещё могу помочь?",
              "You're welcome! Anything else I can help with?");
}

std::string Replies::not_understood() const {
  return pick("Перепрошую, не зрозуміла.", "Извините, не поняла.", "Sorry, I didn't quite get that.");
}

std::string Replies::offer_operator_confused() const {
  return pick("Перепрошую, я вас не зрозуміла. З'єднати вас з оператором?",
              "Извините, я вас не поняла. Соединить вас с оператором?",
              "Sorry, I didn't understand. Shall I connect you to an operator?");
}

std::string Replies::operator_declined() const {
  return pick("Добре. Скажіть, будь ласка, інакше, що вам потрібно.",
              "Хорошо. Скажите, пожалуйста, иначе, что вам нужно.",
              "All right. Please tell me in other words what you need.");
}

std::string Replies::too_many_rounds() const {
  return pick("Перепрошую, мені потрібно трохи більше часу. Уточніть, будь ласка, ваше питання.",
              "Извините, мне нужно немного больше времени. Уточните, пожалуйста, ваш вопрос.",
              "Sorry, I need a little more time. Could you please clarify your question?");
}

std::string Replies::service_down() const {
  return pick("На жаль, сервіс зараз не відповідає. З'єднати вас з оператором?",
              "К сожалению, сервис сейчас не отвечает. Соединить вас с оператором?",
              "Unfortunately the service is not responding right now. Shall I connect you to an operator?");
}

std::string Replies::service_down_no_operator() const {
  return pick("На жаль, сервіс зараз не відповідає. Спробуйте, будь ласка, трохи пізніше.",
              "К сожалению, сервис сейчас не отвечает. Попробуйте, пожалуйста, чуть позже.",
              "Unfortunately the service is not responding right now. Please try again a little later.");
}

std::string Replies::cannot_do_no_operator() const {
  return pick("На жаль, цього я зараз зробити не можу. Чим ще можу допомогти?",
              "К сожалению, этого я сейчас сделать не могу. Чем ещё могу помочь?",
              "Unfortunately I can't do that right now. Is there anything else I can help with?");
}

std::string Replies::no_operator() const {
  return pick("На жаль, з'єднати з оператором зараз неможливо. Чим ще можу допомогти?",
              "К сожалению, соединить с оператором сейчас невозможно. Чем ещё могу помочь?",
              "Unfortunately I can't connect you to an operator right now. Is there anything else I can help with?");
}

std::string Replies::cannot_do() const {
  return pick("На жаль, цього я зараз зробити не можу. З'єднати вас з оператором?",
              "К сожалению, этого я сейчас сделать не могу. Соединить вас с оператором?",
              "Unfortunately I can't do that right now. Shall I connect you to an operator?");
}

// ---- tyres ----

std::string Replies::ask_size() const {
  return pick(
      "Який розмір ваших шин? Він написаний на боковині, наприклад 205/55 R16, або назвіть марку й модель авто.",
      "Какой размер ваших шин? Он написан на боковине, например 205/55 R16, или назовите марку и модель авто.",
      "What size are your tyres? It's written on the sidewall, like 205/55 R16, or tell me your car's make "
      "and model.");
}

std::string Replies::ask_model(const std::string &make) const {
  return pick("Яка модель " + make + "?", "Какая модель " + make + "?", "Which " + make + " model is it?");
}

std::string Replies::ask_season() const {
  return pick("Вам потрібні літні, зимові чи всесезонні шини?", "Вам нужны летние, зимние или всесезонные шины?",
              "Do you need summer, winter or all-season tyres?");
}

std::string Replies::ask_brand_again(const std::string &brand, const std::vector<std::string> &brands) const {
  std::vector<std::string> some(brands.begin(),
                                brands.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(4, brands.size())));
  const std::string l = list(some);
  return pick("Шин " + brand + " у нас немає. Є, наприклад, " + l + " — який бренд підійде?",
              "Шин " + brand + " у нас нет. Есть, например, " + l + " — какой бренд подойдёт?",
              "We don't carry " + brand + ". We have, for example, " + l + " — which brand would suit you?");
}

std::string Replies::vehicle_unknown() const {
  return pick(
      "Цього авто немає в моєму довіднику. Який розмір ваших шин? Він написаний на боковині, наприклад 205/55 R16.",
      "Этого авто нет в моём справочнике. Какой размер ваших шин? Он написан на боковине, например 205/55 R16.",
      "I don't have that car in my list. What size are your tyres? It's written on the sidewall, like "
      "205/55 R16.");
}

std::string Replies::offers(int total, std::optional<store::Season> season, const std::string &size_text,
                            const std::string &vehicle, const std::vector<std::string> &vehicle_sizes,
                            const std::vector<Offer> &items) const {
  // "205/55 R16 91V" → "205/55 R16": offers of several sizes name theirs.
  auto base = [](const std::string &size) { return size.substr(0, size.find(' ', size.find(' ') + 1)); };
  bool mixed_sizes = false;
  for (const auto &o : items) mixed_sizes = mixed_sizes || base(o.size) != base(items.front().size);
  // The currency once, after the last price: "X at 3200 and Y at 5010 UAH".
  std::vector<std::string> parts;
  for (size_t i = 0; i < items.size(); ++i) {
    const Offer &o = items[i];
    std::string p = o.name;
    if (mixed_sizes) p += " " + base(o.size);
    p += pick(" за ", " за ", " at ") + (i + 1 == items.size() ? price(o.price) : std::to_string(o.price));
    parts.push_back(std::move(p));
  }
  std::string what;
  if (season) what = season_adj(*season);
  std::string head;
  if (!vehicle.empty()) {
    std::string sizes = list(std::vector<std::string>(
        vehicle_sizes.begin(),
        vehicle_sizes.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(3, vehicle_sizes.size()))));
    head = pick("Для " + vehicle + " підходить " + sizes + "; ", "Для " + vehicle + " подходит " + sizes + "; ",
                "For the " + vehicle + " the size is " + sizes + "; ");
    if (vehicle_sizes.size() > 1) {
      head = pick("Для " + vehicle + " підходять " + sizes + "; ", "Для " + vehicle + " подходят " + sizes + "; ",
                  "For the " + vehicle + " the sizes are " + sizes + "; ");
    }
  }
  auto sentence = [&](std::string rest) { return head.empty() ? first_upper(std::move(rest)) : head + rest; };
  if (items.size() == 1) {
    const Offer &o = items.front();
    return sentence(pick("є " + o.name + " " + o.size + " за " + price(o.price) + ", в наявності " +
                             std::to_string(o.stock) + " шт. Оформити замовлення?",
                         "есть " + o.name + " " + o.size + " за " + price(o.price) + ", в наличии " +
                             std::to_string(o.stock) + " шт. Оформить заказ?",
                         "we have " + o.name + " " + o.size + " for " + price(o.price) + ", " +
                             std::to_string(o.stock) + " in stock. Shall I place an order?"));
  }
  const std::string n_uk = count(total, Lang::uk, "варіант", "варіанти", "варіантів", "", "", "", "", "");
  const std::string n_ru = count(total, Lang::ru, "", "", "", "вариант", "варианта", "вариантов", "", "");
  const std::string tail = what.empty() ? std::string(" шин") : " " + what + " шин";
  const std::string sz = size_text.empty() || !vehicle.empty() ? std::string() : " " + size_text;
  const std::string en_what = (what.empty() ? std::string() : what + " ") + (total == 1 ? "option" : "options");
  return sentence(
      pick("знайшла " + n_uk + tail + sz + ": " + list(parts) + ". Яку оберете?",
           "нашла " + n_ru + tail + sz + ": " + list(parts) + ". Какую выберете?",
           "I found " + std::to_string(total) + " " + en_what + (sz.empty() ? "" : " in" + sz) + ": " + list(parts) +
               ". Which would you like?"));
}

std::string Replies::none_found(std::optional<store::Season> season, const std::string &what) const {
  const std::string s = season ? " " + season_adj(*season) : std::string();
  const std::string w = what.empty() ? std::string() : " " + what;
  return pick("На жаль," + s + " шин" + w + " зараз немає. Підібрати інший сезон чи розмір?",
              "К сожалению," + s + " шин" + w + " сейчас нет. Подобрать другой сезон или размер?",
              "Unfortunately there are no" + s + " tyres" + w + " right now. Shall I look for another season or size?");
}

std::string Replies::which_offer(const std::vector<Offer> &items) const {
  std::vector<std::string> names;
  for (const auto &o : items) names.push_back(o.name);
  std::string l;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) l += i + 1 == names.size() ? pick(" чи ", " или ", " or ") : ", ";
    l += names[i];
  }
  return pick("Яку саме: " + l + "?", "Какую именно: " + l + "?", "Which one: " + l + "?");
}

std::string Replies::in_stock(const Offer &o, std::optional<int> days, bool price_heard) const {
  std::string when;
  if (days) {
    const std::string d = count(*days, lang_, "день", "дні", "днів", "день", "дня", "дней", "day", "days");
    when = pick(", доставка за " + d, ", доставка за " + d, ", delivery in " + d);
  }
  // The size is the caller's own, and a price they heard in the offer is not read again. The count
  // only matters when it is short of a set of four.
  const std::string at = price_heard ? std::string() : pick(" по ", " по ", " at ") + price(o.price);
  if (o.stock < 4) {
    const std::string n = std::to_string(o.stock);
    return pick("Так, " + o.name + " є, але лише " + n + " шт." + at + when + ". Оформити замовлення?",
                "Да, " + o.name + " есть, но только " + n + " шт." + at + when + ". Оформить заказ?",
                "Yes, but only " + n + " of " + o.name + " left" + at + when + ". Shall I place an order?");
  }
  return pick("Так, " + o.name + " є в наявності" + at + when + ". Оформити замовлення?",
              "Да, " + o.name + " есть в наличии" + at + when + ". Оформить заказ?",
              "Yes, " + o.name + " is in stock" + at + when + ". Shall I place an order?");
}

std::string Replies::out_of_stock(const Offer &o, int days) const {
  const std::string d = count(days, lang_, "день", "дні", "днів", "день", "дня", "дней", "day", "days");
  return pick("На жаль, " + o.name + " " + o.size + " зараз немає в наявності; під замовлення — " + d +
                  ". Підібрати інший варіант?",
              "К сожалению, " + o.name + " " + o.size + " сейчас нет в наличии; под заказ — " + d +
                  ". Подобрать другой вариант?",
              "Unfortunately " + o.name + " " + o.size + " is out of stock; it can be ordered in " + d +
                  ". Shall I find something else?");
}

std::string Replies::product_not_found() const {
  return pick("Такої шини я не знайшла. Назвіть, будь ласка, розмір, наприклад 205/55 R16.",
              "Такой шины я не нашла. Назовите, пожалуйста, размер, например 205/55 R16.",
              "I couldn't find that tyre. Please tell me the size, like 205/55 R16.");
}

// ---- orders ----

std::string Replies::ask_quantity(const std::string &name) const {
  return pick("Скільки шин " + name + " вам потрібно — чотири?", "Сколько шин " + name + " вам нужно — четыре?",
              "How many " + name + " tyres do you need — four?");
}

std::string Replies::only_in_stock(int n) const {
  return pick("У наявності лише " + std::to_string(n) + " шт. Скільки оформити?",
              "В наличии только " + std::to_string(n) + " шт. Сколько оформить?",
              "Only " + std::to_string(n) + " are in stock. How many shall I order?");
}

std::string Replies::ask_phone() const {
  return pick("Назвіть, будь ласка, ваш номер телефону.", "Назовите, пожалуйста, ваш номер телефона.",
              "Please tell me your phone number.");
}

std::string Replies::draft_summary(const std::string &tool_summary, const std::vector<std::pair<int, Offer>> &lines,
                                   std::optional<int> total) const {
  if (lang_ == Lang::uk && !tool_summary.empty()) return tool_summary + " " + confirm_q();
  std::vector<std::string> parts;
  int sum = 0;
  for (const auto &[qty, o] : lines) {
    sum += qty * o.price;
    parts.push_back(lang_ == Lang::en
                        ? std::to_string(qty) + " × " + o.name + " " + o.size + " at " + price(o.price) + " each"
                        : std::to_string(qty) + " шт. " + o.name + " " + o.size + " по " + price(o.price));
  }
  const int t = total.value_or(sum);
  return pick("Оформлюю замовлення: " + list(parts) + ", разом " + price(t) + ". " + confirm_q(),
              "Оформляю заказ: " + list(parts) + ", всего " + price(t) + ". " + confirm_q(),
              "Your order: " + list(parts) + ", " + price(t) + " in total. " + confirm_q());
}

std::string Replies::order_created(const std::string &id) const {
  return pick("Замовлення номер " + id + " створено. Доставка Новою поштою чи самовивіз з нашого шиномонтажу?",
              "Заказ номер " + id + " создан. Доставка Новой почтой или самовывоз с нашего шиномонтажа?",
              "Order number " + id + " is created. Delivery by Nova Poshta, or pickup at one of our fitting stations?");
}

std::string Replies::ask_delivery_type() const {
  return pick("Доставка Новою поштою чи самовивіз з нашого шиномонтажу?",
              "Доставка Новой почтой или самовывоз с нашего шиномонтажа?",
              "Delivery by Nova Poshta, or pickup at one of our fitting stations?");
}

std::string Replies::ask_city_delivery() const {
  return pick("В яке місто доставити?", "В какой город доставить?", "Which city should we deliver to?");
}

std::string Replies::ask_address() const {
  return pick("Назвіть, будь ласка, адресу або номер відділення Нової пошти.",
              "Назовите, пожалуйста, адрес или номер отделения Новой почты.",
              "Please tell me the address or the Nova Poshta branch number.");
}

std::string Replies::ask_city_pickup() const {
  return pick("У якому місті вам зручно забрати замовлення?", "В каком городе вам удобно забрать заказ?",
              "Which city would you like to pick the order up in?");
}

std::string Replies::delivery_set(bool pickup, int cost, int days, int total) const {
  const std::string d = count(days, lang_, "день", "дні", "днів", "день", "дня", "дней", "day", "days");
  std::string head;
  if (pickup) {
    head =
        pick("Самовивіз безкоштовний, разом " + price(total) + ". ",
             "Самовывоз бесплатный, всего " + price(total) + ". ", "Pickup is free, " + price(total) + " in total. ");
  } else if (cost == 0) {
    head = pick("Доставка безкоштовна, орієнтовно " + d + "; разом " + price(total) + ". ",
                "Доставка бесплатная, ориентировочно " + d + "; всего " + price(total) + ". ",
                "Delivery is free and takes about " + d + "; " + price(total) + " in total. ");
  } else {
    head = pick("Доставка коштуватиме " + price(cost) + ", орієнтовно " + d + "; разом " + price(total) + ". ",
                "Доставка будет стоить " + price(cost) + ", ориентировочно " + d + "; всего " + price(total) + ". ",
                "Delivery costs " + price(cost) + " and takes about " + d + "; " + price(total) + " in total. ");
  }
  return head + ask_payment();
}

std::string Replies::ask_payment() const {
  return pick("Як зручніше оплатити: накладеним платежем, онлайн чи карткою при отриманні?",
              "Как удобнее оплатить: наложенным платежом, онлайн или картой при получении?",
              "How would you like to pay: cash on delivery, online, or by card on delivery?");
}

std::string Replies::confirm_summary(const std::string &tool_summary, const std::string &id, bool pickup,
                                     const std::string &where, int total, store::PaymentMethod pay) const {
  if (lang_ == Lang::uk && !tool_summary.empty()) return tool_summary + " " + confirm_q();
  const std::string w = data(where);
  return pick("Замовлення номер " + id + ": " + (pickup ? "самовивіз, " : "доставка, ") + w + "; разом " +
                  price(total) + "; " + payment_label(pay) + ". " + confirm_q(),
              "Заказ номер " + id + ": " + (pickup ? "самовывоз, " : "доставка, ") + w + "; всего " + price(total) +
                  "; " + payment_label(pay) + ". " + confirm_q(),
              "Order number " + id + ": " + (pickup ? "pickup at " : "delivery to ") + w + "; " + price(total) +
                  " in total; " + payment_label(pay) + ". " + confirm_q());
}

std::string Replies::order_confirmed(const std::string &id, const std::string &delivery_iso) const {
  std::string when;
  if (auto d = store::parse_iso_date(delivery_iso)) {
    when = pick(", орієнтовна доставка — " + day_month(*d), ", ориентировочная доставка — " + day_month(*d),
                ", expected delivery " + day_month(*d));
  }
  return pick("Замовлення номер " + id + " підтверджено" + when + ". Чим ще можу допомогти?",
              "Заказ номер " + id + " подтверждён" + when + ". Чем ещё могу помочь?",
              "Order number " + id + " is confirmed" + when + ". Is there anything else I can help with?");
}

std::string Replies::order_already(const std::string &id, const std::string &status) const {
  return pick("Замовлення номер " + id + " вже " + status_label(status) + ".",
              "Заказ номер " + id + " уже " + status_label(status) + ".",
              "Order number " + id + " is already " + status_label(status) + ".");
}

std::string Replies::order_declined() const {
  return pick("Гаразд, замовлення не оформлюю. Чим ще можу допомогти?",
              "Хорошо, заказ не оформляю. Чем ещё могу помочь?",
              "All right, I won't place the order. Is there anything else I can help with?");
}

std::string Replies::order_change() const {
  return pick("Гаразд, давайте змінимо. Доставка Новою поштою чи самовивіз?",
              "Хорошо, давайте изменим. Доставка Новой почтой или самовывоз?",
              "All right, let's change it. Delivery by Nova Poshta, or pickup?");
}

std::string Replies::someone_elses(bool booking, bool offer) const {
  std::string head;
  if (booking) {
    head = pick("Цей запис оформлено на інший номер телефону, змінити його може лише оператор.",
                "Эта запись оформлена на другой номер телефона, изменить её может только оператор.",
                "That booking was made from another phone number; only an operator can change it.");
  } else {
    head = pick("Це замовлення оформлено на інший номер телефону, змінити його може лише оператор.",
                "Этот заказ оформлен на другой номер телефона, изменить его может только оператор.",
                "That order was placed from another phone number; only an operator can change it.");
  }
  return head + " " +
         (offer ? pick("З'єднати вас з оператором?", "Соединить вас с оператором?", "Shall I connect you?")
                : anything_else());
}

// ---- order status ----

std::string Replies::ask_order_number() const {
  return pick("Назвіть, будь ласка, номер замовлення або телефон, на який його оформлено.",
              "Назовите, пожалуйста, номер заказа или телефон, на который он оформлен.",
              "Please tell me the order number or the phone number it was placed with.");
}

std::string Replies::order_not_found(const std::string &id) const {
  return pick("Замовлення номер " + id + " не знайдено. Перевірте, будь ласка, номер.",
              "Заказ номер " + id + " не найден. Проверьте, пожалуйста, номер.",
              "I couldn't find order number " + id + ". Could you check the number, please?");
}

std::string Replies::no_orders_for_phone() const {
  return pick("На ваш номер замовлень не знайдено. Назвіть, будь ласка, номер замовлення.",
              "На ваш номер заказов не найдено. Назовите, пожалуйста, номер заказа.",
              "I found no orders for your number. Could you tell me the order number?");
}

std::string Replies::order_status(const OrderBrief &o, int total_orders) const {
  std::string s = pick("Замовлення номер " + o.id + " " + status_label(o.status),
                       "Заказ номер " + o.id + " " + status_label(o.status),
                       "Order number " + o.id + " is " + status_label(o.status));
  if (auto d = store::parse_iso_date(o.estimated_delivery);
      d && o.status != "ready_for_pickup" && o.status != "delivered") {
    s += pick(", орієнтовна доставка — " + day_month(*d), ", ориентировочная доставка — " + day_month(*d),
              ", expected delivery " + day_month(*d));
  }
  s += pick(", сума " + price(o.total) + ".", ", сумма " + price(o.total) + ".", ", total " + price(o.total) + ".");
  if (total_orders > 1) {
    s += pick(" Усього замовлень на ваш номер: " + std::to_string(total_orders) + ".",
              " Всего заказов на ваш номер: " + std::to_string(total_orders) + ".",
              " You have " + std::to_string(total_orders) + " orders in total.");
  }
  return s;
}

// ---- fitting ----

std::string Replies::ask_city_fitting() const {
  return pick("У якому місті вам зручно?", "В каком городе вам удобно?", "Which city would suit you?");
}

std::string Replies::no_stations(const std::string &city, const std::vector<std::string> &cities) const {
  std::vector<std::string> cs;
  for (const auto &c : cities) cs.push_back(data(c));
  return pick(
      "У місті " + city + " наших шиномонтажів немає; вони є в містах " + list(cs) + ". Яке місто вам підходить?",
      "В городе " + city + " наших шиномонтажей нет; они есть в городах " + list(cs) + ". Какой город вам подходит?",
      "We have no fitting stations in " + data(city) + "; we are in " + list(cs) + ". Which city suits you?");
}

std::string Replies::choose_station(const std::string &city, const std::vector<StationInfo> &stations) const {
  std::vector<std::string> names;
  for (const auto &s : stations) {
    std::string n = s.name;
    for (std::string_view prefix : {"ШинСервіс ", "ШинСервис "}) {
      if (n.starts_with(prefix)) n = n.substr(prefix.size());
    }
    // Names only: on the phone a list of three addresses is too much to hold; the one chosen is
    // read back with its address when the booking is confirmed.
    names.push_back(data(n));
  }
  const std::string n_uk =
      count(static_cast<int>(stations.size()), Lang::uk, "станція", "станції", "станцій", "", "", "", "", "");
  const std::string n_ru =
      count(static_cast<int>(stations.size()), Lang::ru, "", "", "", "станция", "станции", "станций", "", "");
  const std::string n_en =
      count(static_cast<int>(stations.size()), Lang::en, "", "", "", "", "", "", "station", "stations");
  return pick("У місті " + city + " " + n_uk + ": " + list(names) + ". Яка вам зручніша?",
              "В городе " + city + " " + n_ru + ": " + list(names) + ". Какая вам удобнее?",
              "In " + data(city) + " we have " + n_en + ": " + list(names) + ". Which one suits you?");
}

std::string Replies::ask_date() const {
  return pick("На який день вас записати?", "На какой день вас записать?", "Which day would you like to come?");
}

std::string Replies::slots_offer(const std::string &date_iso, const std::vector<std::string> &times,
                                 bool requested) const {
  std::vector<std::string> ts;
  for (size_t i = 0; i < times.size() && i < 4; ++i) ts.push_back(time(times[i]));
  const std::string d = iso_day(date_iso);
  std::string l;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (i > 0) l += i + 1 == ts.size() ? pick(" або ", " или ", " or ") : ", ";
    l += ts[i];
  }
  if (requested) {
    const std::string on = on_day(date_iso);
    return pick(first_upper(on) + " вільно о " + l + ". Який час вам зручний?",
                first_upper(on) + " свободно в " + l + ". Какое время вам удобно?",
                first_upper(on) + " I have " + l + " free. Which time suits you?");
  }
  return pick(first_upper(d) + ", вільно о " + l + ". Який час вам зручний?",
              first_upper(d) + ", свободно в " + l + ". Какое время вам удобно?",
              first_upper(d) + ", I have " + l + ". Which time suits you?");
}

std::string Replies::time_taken(const std::string &t, const std::string &date_iso,
                                const std::vector<std::string> &free) const {
  std::vector<std::string> ts;
  for (size_t i = 0; i < free.size() && i < 4; ++i) ts.push_back(time(free[i]));
  if (ts.empty()) return no_slots(date_iso);
  const std::string on = on_day(date_iso);
  return pick("О " + time(t) + " вже зайнято; " + on + " вільно о " + list(ts) + ". Який час підходить?",
              "В " + time(t) + " уже занято; " + on + " свободно в " + list(ts) + ". Какое время подходит?",
              time(t) + " is taken; " + on + " I have " + list(ts) + " free. Which time suits you?");
}

std::string Replies::no_slots(const std::string &date_iso) const {
  if (date_iso.empty()) {
    return pick("Найближчими днями вільного часу немає. Подивитися інший день?",
                "В ближайшие дни свободного времени нет. Посмотреть другой день?",
                "There are no free times in the next few days. Shall I look at another day?");
  }
  const std::string on = on_day(date_iso);
  return pick(first_upper(on) + " вільного часу немає. Подивитися інший день?",
              first_upper(on) + " свободного времени нет. Посмотреть другой день?",
              "There are no free times " + on + ". Shall I look at another day?");
}

std::string Replies::booking_summary(const std::string &tool_summary, const StationInfo &station,
                                     const std::string &date_iso, const std::string &t, const std::string &service,
                                     std::optional<int> p) const {
  if (lang_ == Lang::uk && !tool_summary.empty()) return tool_summary + " " + confirm_q();
  std::string cost;
  if (p)
    cost =
        pick("; орієнтовна вартість " + price(*p), "; ориентировочная стоимость " + price(*p), "; about " + price(*p));
  return pick("Записую на " + service_acc(service) + " у " + station.name + " " + on_day(date_iso) + " о " + time(t) +
                  cost + ". " + confirm_q(),
              "Записываю на " + service_acc(service) + " в " + station.name + " " + on_day(date_iso) + " в " +
                  time(t) + cost + ". " + confirm_q(),
              first_upper(service_acc(service)) + " at " + data(station.name) + ", " + on_day(date_iso) + " at " +
                  time(t) + cost + ". " + confirm_q());
}

// The caller has just heard the station, the day, the time and the price in the summary they
// agreed to: only the number to quote is new.
std::string Replies::booked(const std::string &id) const {
  return pick("Готово, номер запису " + id + ".", "Готово, номер записи " + id + ".",
              "Done, your booking number is " + id + ".");
}

std::string Replies::booking_declined() const {
  return pick("Гаразд. Який інший час вам зручний?", "Хорошо. Какое другое время вам удобно?",
              "All right. What other time would suit you?");
}

std::string Replies::ask_booking_number() const {
  return pick("Назвіть, будь ласка, номер запису.", "Назовите, пожалуйста, номер записи.",
              "Please tell me your booking number.");
}

std::string Replies::booking_not_found(const std::string &id) const {
  return pick("Запис номер " + id + " не знайдено. Перевірте, будь ласка, номер.",
              "Запись номер " + id + " не найдена. Проверьте, пожалуйста, номер.",
              "I couldn't find booking number " + id + ". Could you check the number, please?");
}

std::string Replies::cancel_summary(const std::string &tool_summary, const std::string &id) const {
  if (lang_ == Lang::uk && !tool_summary.empty()) return tool_summary + " " + confirm_q();
  return pick("Скасувати запис номер " + id + ". " + confirm_q(), "Отменить запись номер " + id + ". " + confirm_q(),
              "Cancel booking number " + id + ". " + confirm_q());
}

std::string Replies::cancelled(const std::string &id) const {
  return pick("Запис номер " + id + " скасовано. Чим ще можу допомогти?",
              "Запись номер " + id + " отменена. Чем ещё могу помочь?",
              "Booking number " + id + " is cancelled. Is there anything else I can help with?");
}

std::string Replies::cancel_declined() const {
  return pick("Гаразд, запис залишається. Чим ще можу допомогти?", "Хорошо, запись остаётся. Чем ещё могу помочь?",
              "All right, the booking stays. Is there anything else I can help with?");
}

std::string Replies::ask_new_date() const {
  return pick("На який день перенести запис?", "На какой день перенести запись?",
              "Which day would you like to move it to?");
}

std::string Replies::reschedule_summary(const std::string &tool_summary, const std::string &id,
                                        const std::string &date_iso, const std::string &t) const {
  if (lang_ == Lang::uk && !tool_summary.empty()) return tool_summary + " " + confirm_q();
  const std::string to = lang_ == Lang::en ? "to " + iso_day(date_iso) : on_day(date_iso);
  return pick("Перенести запис номер " + id + " " + to + " о " + time(t) + ". " + confirm_q(),
              "Перенести запись номер " + id + " " + to + " в " + time(t) + ". " + confirm_q(),
              "Move booking number " + id + " " + to + " at " + time(t) + ". " + confirm_q());
}

std::string Replies::rescheduled(const std::string &id, const std::string &date_iso, const std::string &t) const {
  const std::string to = lang_ == Lang::en ? "to " + iso_day(date_iso) : on_day(date_iso);
  return pick("Готово, запис номер " + id + " перенесено " + to + " о " + time(t) + ".",
              "Готово, запись номер " + id + " перенесена " + to + " в " + time(t) + ".",
              "Done, booking number " + id + " is moved " + to + " at " + time(t) + ".");
}

std::string Replies::already_cancelled(const std::string &id) const {
  return pick("Запис номер " + id + " уже скасовано. Записати вас на інший час?",
              "Запись номер " + id + " уже отменена. Записать вас на другое время?",
              "Booking number " + id + " is already cancelled. Shall I book another time?");
}

// ---- prices, knowledge, operator ----

std::string Replies::ask_diameter() const {
  return pick("Який радіус дисків — наприклад, R16?", "Какой радиус дисков — например, R16?",
              "What is the rim size — for example, R16?");
}

std::string Replies::fitting_prices(int diameter, const std::vector<PriceLine> &prices,
                                    const std::string &service) const {
  const std::string r = "R" + std::to_string(diameter);
  auto find = [&](const char *s) -> const PriceLine * {
    for (const auto &p : prices) {
      if (p.service == s) return &p;
    }
    return nullptr;
  };
  const PriceLine *main = find(service.empty() ? "tire_change" : service.c_str());
  if (main == nullptr && !prices.empty()) main = &prices.front();
  if (main == nullptr) return ask_diameter();
  std::string s = first_upper(service_label(main->service)) + pick(" на ", " на ", " for ") + r + " — " +
                  price(main->per_wheel) + pick(" за колесо, ", " за колесо, ", " per wheel, ") + price(main->per_set) +
                  pick(" за комплект", " за комплект", " for a set of four");
  if (service.empty()) {
    if (const PriceLine *full = find("full_service")) {
      s += pick("; з балансуванням — ", "; с балансировкой — ", "; with balancing ") + price(full->per_set) +
           pick(" за комплект", " за комплект", " for four");
    }
  }
  return s + pick(". Записати вас на шиномонтаж?", ". Записать вас на шиномонтаж?", ". Shall I book you a fitting?");
}

std::string Replies::kb_nothing(bool offer) const {
  if (!offer) {
    return pick("На жаль, відповіді на це питання в мене немає. Чим ще можу допомогти?",
                "К сожалению, ответа на этот вопрос у меня нет. Чем ещё могу помочь?",
                "Unfortunately I don't have an answer to that. Is there anything else I can help with?");
  }
  return pick("На жаль, відповіді на це питання в мене немає. З'єднати вас з оператором?",
              "К сожалению, ответа на этот вопрос у меня нет. Соединить вас с оператором?",
              "Unfortunately I don't have an answer to that. Shall I connect you to an operator?");
}

std::string Replies::after_hours(const std::string &tool_message) const {
  const std::string hours = tool_message.empty() ? std::string() : " " + tool_message;
  return pick(
      "Оператори зараз не працюють." + hours + " Коли вам зручно, щоб оператор вам передзвонив?",
      "Операторы сейчас не работают." + hours + " Когда вам удобно, чтобы оператор вам перезвонил?",
      "Our operators are not working right now." + hours + " When would you like an operator to call you back?");
}

std::string Replies::callback_instead() const {
  return pick("Зараз з'єднати з оператором не можу, але можу записати зворотний дзвінок. Коли вам зручно?",
              "Сейчас соединить с оператором не могу, но могу записать обратный звонок. Когда вам удобно?",
              "I can't connect you to an operator right now, but I can arrange a callback. When would suit you?");
}

std::string Replies::callback_done(const std::string &phone, const std::string &preferred_time) const {
  // The caller's own words, mid-sentence.
  std::string words =
      fold(preferred_time.substr(0, preferred_time.find(' '))) +
      (preferred_time.find(' ') == std::string::npos ? "" : preferred_time.substr(preferred_time.find(' ')));
  const std::string when = preferred_time.empty() ? std::string() : ", " + words;
  return pick("Записала: оператор передзвонить вам на номер " + phone + when + ". Дякую за дзвінок!",
              "Записала: оператор перезвонит вам на номер " + phone + when + ". Спасибо за звонок!",
              "Done: an operator will call you back at " + phone + when + ". Thank you for calling!");
}

std::string Replies::callback_declined() const {
  return pick("Гаразд. Чим ще можу допомогти?", "Хорошо. Чем ещё могу помочь?",
              "All right. Anything else I can help with?");
}

// ---- articles ----

namespace {

bool upper_start(std::string_view w) {
  if (w.empty()) return false;
  const auto c = static_cast<unsigned char>(w[0]);
  if (c >= 'A' && c <= 'Z') return true;
  if (w.size() < 2) return false;
  const auto c1 = static_cast<unsigned char>(w[1]);
  return (c == 0xD0 && c1 >= 0x80 && c1 <= 0xAF) || (c == 0xD2 && c1 == 0x90);  // А–Я, Ѐ–Џ (Є І Ї), Ґ
}

// A capitalised word early in a sentence right after a word with no punctuation, or a dash
// standing for a bullet.
bool flattened_heading(std::string_view sentence) {
  if (sentence.find(" - ") != std::string_view::npos) return true;
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < sentence.size() && words.size() < 6) {
    while (i < sentence.size() && sentence[i] == ' ') ++i;
    size_t e = sentence.find(' ', i);
    if (e == std::string_view::npos) e = sentence.size();
    if (e > i) words.push_back(sentence.substr(i, e - i));
    i = e;
  }
  for (size_t k = 1; k < words.size(); ++k) {
    const char last = words[k - 1].back();
    if (upper_start(words[k]) && last != '.' && last != ',' && last != ':' && last != ';') return true;
  }
  return false;
}

}  // namespace

std::string spoken_excerpt(const std::string &content, size_t sentences, size_t max_chars) {
  // Markdown to plain lines.
  std::string plain;
  size_t i = 0;
  while (i < content.size()) {
    size_t e = content.find('\n', i);
    if (e == std::string::npos) e = content.size();
    std::string_view line(content.data() + i, e - i);
    i = e + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#' || line.starts_with("---") || line.front() == '|') continue;
    if (line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ")) line.remove_prefix(2);
    if (line.size() > 2 && line[0] >= '0' && line[0] <= '9' && line[1] == '.' && line[2] == ' ') line.remove_prefix(3);
    if (!plain.empty()) plain.push_back(' ');
    for (size_t k = 0; k < line.size(); ++k) {
      if (line[k] == '*' || line[k] == '_' || line[k] == '`') continue;
      plain.push_back(line[k]);
    }
  }
  // Sentences: an end mark followed by a space and not inside a number or an abbreviation.
  std::string out;
  size_t taken = 0, start = 0;
  for (size_t k = 0; k < plain.size() && taken < sentences; ++k) {
    const char c = plain[k];
    const bool end_mark = c == '.' || c == '!' || c == '?';
    if (!end_mark) continue;
    if (k + 1 < plain.size() && plain[k + 1] != ' ') continue;
    // "вул.", "напр.", "т.д." are not sentence ends: the word before is short and lower case.
    size_t w = k;
    while (w > start && plain[w - 1] != ' ') --w;
    if (c == '.' && utf8_length(std::string_view(plain).substr(w, k - w)) <= 5 && k + 2 < plain.size()) {
      if (!upper_start(std::string_view(plain).substr(k + 2))) continue;
    }
    const std::string sentence = plain.substr(start, k + 1 - start);
    if (!out.empty() && utf8_length(out) + utf8_length(sentence) > max_chars) break;
    // Headings and list items flattened into the text ("Осенью Когда средняя …", "Де подивитися -
    // На наклейці …") do not read as speech: stop before such a sentence.
    if (!out.empty() && flattened_heading(sentence)) break;
    out += sentence;
    ++taken;
    start = k + 1;
  }
  if (out.empty()) {
    // No sentence end within reach: cut at a word.
    out = plain;
    if (!out.empty() && out.back() != '.') {
      const size_t last_space = out.rfind(' ', std::min(out.size(), max_chars * 2));
      if (utf8_length(out) > max_chars && last_space != std::string::npos) out = out.substr(0, last_space);
      while (!out.empty() && (out.back() == ',' || out.back() == ';' || out.back() == ':')) out.pop_back();
      if (!out.empty() && out.ends_with("…")) out.resize(out.size() - std::string("…").size());
      out += ".";
    }
  }
  size_t b = out.find_first_not_of(' ');
  return b == std::string::npos ? std::string() : out.substr(b);
}

}  // namespace ca::agent::rule
