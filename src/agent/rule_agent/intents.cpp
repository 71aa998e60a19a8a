#include "agent/rule_agent/intents.hpp"

#include <algorithm>

namespace ca::agent::rule {

namespace {

// Tyres as a thing ("шини", "резина", "tyres"), not the fitting shop ("шиномонтаж").
bool tyre_noun(const Utterance &u) {
  for (const auto &w : u.words) {
    if (w.starts_with("шиномонт") || w.starts_with("шинсерв")) continue;
    if (w.starts_with("шин") || w.starts_with("резин") || w.starts_with("покриш") || w.starts_with("покрыш") ||
        w.starts_with("tyre") || w.starts_with("tire") || w.starts_with("гум") || w == "скати" || w == "баллоны") {
      return true;
    }
  }
  return false;
}

bool fitting_noun(const Utterance &u) {
  return u.has_any({"шиномонт", "монтаж", "переобу", "перевзу", "балансуван", "балансировк", "balanc", "fitting",
                    "mounting", "шинсервіс"}) ||
         u.phrase_any(
             {"замін* шин*",       "замен* шин*",    "замін* коліс*",    "замен* колес*",    "поміня* шин*",
              "поменя* шин*",      "поміня* резин*", "поменя* резин*",   "поміня* колес*",   "поменя* колес*",
              "change* tyres",     "change* tires",  "change* my tyres", "change* my tires", "change* the tyres",
              "change* the tires", "tyre change",    "tire change",      "swap* tyres",      "swap* tires",
              "tyre swap",         "tire swap",      "change* wheels",   "перебортув*",      "перебуват*"});
}

bool booking_word(const Utterance &u) {
  return u.has_any({"запис", "записат", "записа", "запиш", "бронюв", "бронир", "appointment", "booking", "book"}) ||
         u.is_any({"reserve", "slot"});
}

}  // namespace

bool Intents::substantive() const {
  Intents rest = *this;
  rest.remove(Intent::greeting);
  rest.remove(Intent::thanks);
  rest.remove(Intent::goodbye);
  rest.remove(Intent::question);
  return !rest.empty();
}

Intents detect_intents(const Utterance &u) {
  Intents in;
  const bool tyres = tyre_noun(u);
  const bool fitting = fitting_noun(u);
  const bool booking = booking_word(u);
  const bool price =
      u.has_any({"ціна", "ціни", "цін", "вартіст", "вартост", "коштує", "коштуют", "коштуватим", "стоит", "стоят",
                 "стоимост", "цена", "цены", "цену", "почем", "price", "prices", "cost", "costs"}) ||
      u.phrase_any({"how much", "скільки буде", "сколько будет", "скільки це", "сколько это"});
  const bool order_noun = u.has_any({"замовлен", "заказ", "order", "посилк", "посылк", "parcel", "package",
                                     "відправлен", "отправлен", "shipment", "delivery status"});
  const bool status = u.has_any({"статус", "status", "трек", "track", "відстеж", "отслед", "прийде", "придет", "приїде",
                                 "приедет", "arrive"}) ||
                      u.is_any({"де", "где", "where", "коли", "когда", "when"}) ||
                      u.phrase_any({"що з", "что с", "what about", "what's happening", "перевір*", "провер*", "check*",
                                    "дізнат*", "узнат*", "what's the", "стан замов*"});
  const bool buy =
      u.has_any({"замовит", "замовлю", "замовля", "замовим", "заказат", "закажу", "заказыва", "оформит", "оформлю",
                 "оформи", "купит", "куплю", "купл", "purchase", "візьму", "возьму", "беру", "беремо", "берем"}) ||
      u.is_any({"buy", "buying"}) ||
      u.phrase_any({"place an order", "i'll take", "i will take", "take it", "take them", "want to order",
                    "like to order", "order them", "order it", "order this", "order these", "order those",
                    "i'd like to order", "order four", "order 4", "order a set"});
  const bool cancel = u.has_any({"скасув", "скасу", "відмін", "отмен", "отмін", "cancel", "анулю", "аннулир"});
  const bool resched = u.has_any({"перенест", "перенес", "переніс", "reschedule", "перезапис"}) ||
                       u.phrase_any({"змінити час", "поміняти час", "изменить время", "поменять время", "інший час",
                                     "другое время", "another time", "different time", "change the time", "move my",
                                     "move the", "інший день", "другой день", "another day"});

  if (u.has_any({"оператор", "менеджер", "консультант", "operator", "human", "manager", "representative"}) ||
      u.phrase_any({"жив* людин*", "жив* челов*", "з людиною", "с человеком", "real person", "live person",
                    "live agent", "a person", "до людини", "к человеку"})) {
    in.add(Intent::operator_);
  }
  if (u.has_any({"передзвон", "перезвон", "callback"}) ||
      u.phrase_any({"call me back", "call back", "зворотн* дзвін*", "обратн* звон*", "зателефонуйте мені",
                    "позвоните мне", "call me later"})) {
    in.add(Intent::callback);
  }
  if (u.has_any({"побачення", "свидани", "бувай", "прощав"}) || u.is_any({"bye", "goodbye"}) ||
      u.phrase_any({"всього доброго", "всего доброго", "всього найкращого", "на все добре", "всего хорошего",
                    "good bye", "have a nice day", "гарного дня", "хорошего дня", "до зустрічі", "до встречи"})) {
    in.add(Intent::goodbye);
  }
  if (u.has_any({"дяку", "спасиб", "благодар", "thank", "подяк"})) in.add(Intent::thanks);
  if (u.phrase_any({"добр* день", "доброго дня", "добр* ранок", "доброго ранку", "добр* вечір", "доброго вечора",
                    "добр* утро", "добр* вечер", "good morning", "good afternoon", "good evening"}) ||
      u.is_any({"привіт", "вітаю", "здравствуйте", "здрастуйте", "привет", "hello", "hi", "hey", "алло", "ало", "алё",
                "але", "алло"})) {
    in.add(Intent::greeting);
  }
  const bool question_word = !u.words.empty() && [&] {
    const std::string &w = u.words.front();
    for (const char *q :
         {"як",     "как",   "how",   "що",      "что",     "what",  "чому",  "почему", "why", "коли", "когда",
          "when",   "де",    "где",   "where",   "чи",      "which", "який",  "яка",    "які", "яке",  "какой",
          "какая",  "какие", "какое", "скільки", "сколько", "can",   "could", "is",     "are", "do",   "does",
          "should", "можна", "можно", "would",   "а",       "і",     "и",     "and"}) {
      if (w == q) return true;
    }
    return false;
  }();
  if (u.raw.find('?') != std::string::npos || question_word ||
      u.has_any({"поясн", "объясн", "explain", "розкаж", "расскаж", "підкаж", "подскаж"}) || u.is_any({"tell"})) {
    in.add(Intent::question);
  }
  if (price) in.add(Intent::price);

  if (cancel && (booking || fitting || u.has_any({"запис", "визит", "візит"}))) in.add(Intent::cancel_booking);
  if (resched && (booking || fitting || u.has_any({"перенест", "перенес", "reschedule"}))) in.add(Intent::reschedule);
  const bool has_number = std::any_of(u.words.begin(), u.words.end(), [](const std::string &w) {
    return w.size() >= 5 && w.size() <= 7 &&
           std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
  });
  if (order_noun && !buy && (status || has_number)) in.add(Intent::order_status);
  if (fitting && price) {
    in.add(Intent::fitting_price);
  } else if ((fitting || booking) && !in.has(Intent::cancel_booking) && !in.has(Intent::reschedule)) {
    in.add(Intent::fitting);
  }
  // Questions about tyres and the shop, answered from the knowledge base.
  const bool topic =
      u.has_any({"різниц",    "разниц",    "відрізня", "отлича",  "difference", "differ",   "порад",     "совет",
                 "advice",    "recommend", "рекоменд", "гаранті", "гаранти",    "warranty", "guarantee", "поверн",
                 "возврат",   "refund",    "тиск",     "давлени", "pressure",   "маркуван", "маркировк", "marking",
                 "sidewall",  "боковин",   "шипован",  "шипы",    "шипи",       "studded",  "ранфлет",   "runflat",
                 "протектор", "tread",     "індекс",   "индекс",  "index",      "прокол",   "puncture",  "tpms",
                 "датчик",    "sensor",    "знос",     "износ",   "wear",       "зберіган", "хранени",   "storage"}) ||
      u.is_any({"dot", "вік", "возраст", "age", "old", "return", "returns", "policy"}) ||
      u.phrase_any({"run flat",         "що краще",
                    "что лучше",        "which is better",
                    "which are better", "як вибрати",
                    "как выбрать",      "how to choose",
                    "коли міняти",      "когда менять",
                    "when to change",   "when should",
                    "how often",        "як часто",
                    "как часто",        "способи оплати",
                    "способы оплаты",   "payment options",
                    "how can i pay",    "як оплатити",
                    "как оплатить",     "як доставля*",
                    "как доставля*",    "скільки доставк*",
                    "сколько доставк*", "how long does delivery",
                    "delivery options", "про магазин",
                    "о магазине",       "about the shop",
                    "about your shop",  "ви працюєте",
                    "вы работаете",     "are you open",
                    "opening hours",    "графік роботи",
                    "график работы",    "чи можна",
                    "можно ли"});
  if (topic) in.add(Intent::knowledge);
  if (buy) in.add(Intent::buy);
  if (u.has_any({"наявн", "наличи", "наличност"}) ||
      u.phrase_any({"in stock", "available", "availability", "в продажу", "в продаже"})) {
    in.add(Intent::availability);
  }
  if (tyres || u.has_any({"підібр", "подобр", "підбер", "подбер"})) in.add(Intent::search);
  return in;
}

}  // namespace ca::agent::rule
