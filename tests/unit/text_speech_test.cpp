// Bot text → what the synthesiser reads: sizes, dates, times, phones, prices with agreement,
// abbreviations, codes, and text that must come through untouched.
#include <doctest/doctest.h>

#include <string_view>

#include "text/speech.hpp"

using ca::text::Case;
using ca::text::Currency;
using ca::text::Date;
using ca::text::Lang;
using ca::text::speakable;
using ca::text::SpeakOptions;

namespace {

struct Row {
  std::string_view in;
  std::string_view want;
};

SpeakOptions today_2026() {
  SpeakOptions o;
  o.today = Date{2026, 5, 10};
  return o;
}

}  // namespace

TEST_CASE("speakable: Ukrainian") {
  const Row table[] = {
      {"205/55 R16", "двісті п'ять п'ятдесят п'ять ер шістнадцять"},
      {"Маємо 4 шини 205/55R16 Michelin Primacy 4.",
       "Маємо чотири шини двісті п'ять п'ятдесят п'ять ер шістнадцять Мішлен Primacy чотири."},
      {"195/75 R16C", "сто дев'яносто п'ять сімдесят п'ять ер шістнадцять це"},
      {"R17", "ер сімнадцять"},
      {"Запис на 2026-11-25 о 09:30.", "Запис на двадцять п'яте листопада о дев'ятій тридцять."},
      {"До 2027-01-15 включно", "До п'ятнадцятого січня дві тисячі двадцять сьомого року включно"},
      {"25.11.2026", "двадцять п'ятого листопада"},
      {"25 листопада", "двадцять п'ятого листопада"},
      {"на 25 листопада", "на двадцять п'яте листопада"},
      {"з 9:00 до 18:00", "з дев'ятої до вісімнадцятої"},
      {"о 9", "о дев'ятій"},
      {"00:00", "північ"},
      {"Телефон +380671234567",
       "Телефон плюс три вісім нуль, шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім"},
      {"або 067 123 45 67", "або нуль шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім"},
      {"+38 (067) 123-45-67", "плюс три вісім нуль, шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім"},
      {"Ціна 2150 грн за шину.", "Ціна дві тисячі сто п'ятдесят гривень за шину."},
      {"2 150,50 грн", "дві тисячі сто п'ятдесят гривень п'ятдесят копійок"},
      {"1 грн", "одна гривня"},
      {"2 грн", "дві гривні"},
      {"5 грн", "п'ять гривень"},
      {"11 грн", "одинадцять гривень"},
      {"21 грн", "двадцять одна гривня"},
      {"1000 грн", "тисяча гривень"},
      {"1001 грн", "тисяча одна гривня"},
      {"0 грн", "нуль гривень"},
      {"2150 UAH", "дві тисячі сто п'ятдесят гривень"},
      {"₴300", "триста гривень"},
      {"12 грн 50 коп.", "дванадцять гривень п'ятдесят копійок."},
      {"за 1 гривню", "за одну гривню"},
      {"$100", "сто доларів"},
      {"50 євро", "п'ятдесят євро"},
      {"2000–3000 грн", "дві тисячі–три тисячі гривень"},
      {"вул. Шевченка, 72б", "вулиця Шевченка, сімдесят два бе"},
      {"пр. Перемоги, 15-А", "проспект Перемоги, п'ятнадцять а"},
      {"м. Київ, обл. Київська", "місто Київ, область Київська"},
      {"б-р Лесі Українки", "бульвар Лесі Українки"},
      {"р-н Оболонь", "район Оболонь"},
      {"і т.д.", "і так далі."},
      {"4 шт. Дякую", "чотири штуки. Дякую"},
      {"Номер замовлення AI-000123.", "Номер замовлення ей ай нуль нуль нуль один два три."},
      {"№ 123456", "номер один два три чотири п'ять шість"},
      {"АА 1234 ВВ", "а а, дванадцять тридцять чотири, ве ве"},
      {"1 шина", "одна шина"},
      {"2 шини", "дві шини"},
      {"21 шина", "двадцять одна шина"},
      {"1 колесо", "одне колесо"},
      {"2 колеса", "два колеса"},
      {"1 день", "один день"},
      {"2 зимові шини", "дві зимові шини"},
      {"візьміть 1 шину", "візьміть одну шину"},
      {"до 5 днів", "до п'яти днів"},
      {"15%", "п'ятнадцять відсотків"},
      {"5 км", "п'ять кілометрів"},
      {"10 хв", "десять хвилин"},
      {"у 2026 році", "у дві тисячі двадцять шостому році"},
      {"2026 року", "дві тисячі двадцять шостого року"},
      {"3-й поверх", "третій поверх"},
      {"3,5 тисячі", "три кома п'ять тисячі"},
      {"RunFlat та XL", "ранфлет та ікс ел"},
      {"на́ша ши́на", "наша шина"},
      {"2026-11-25T09:30", "двадцять п'ятого листопада о дев'ятій тридцять"},
      {"Р16", "ер шістнадцять"},
      {"2-3 дні", "два-три дні"},
      {"5шт", "п'ять штук"},
      {"3 500 грн", "три тисячі п'ятсот гривень"},
      {"10 000 км", "десять тисяч кілометрів"},
      {"після 3 днів", "після трьох днів"},
      {"через 1 годину", "через одну годину"},
      {"на 21 число", "на двадцять одне число"},
      {"1-го числа", "першого числа"},
      {"31 грудня", "тридцять першого грудня"},
      {"12 шин", "дванадцять шин"},
  };
  const SpeakOptions o = today_2026();
  for (const Row &r : table) {
    CAPTURE(r.in);
    CHECK(speakable(r.in, Lang::uk, o) == r.want);
  }
}

TEST_CASE("speakable: Russian and English") {
  const SpeakOptions o = today_2026();
  const Row ru[] = {
      {"205/55 R16", "двести пять пятьдесят пять эр шестнадцать"},
      {"Запись на 2026-11-25 в 09:30.", "Запись на двадцать пятое ноября в девять тридцать."},
      {"до 10:00", "до десяти"},
      {"к 9:00", "к девяти"},
      {"Цена 2150 грн", "Цена две тысячи сто пятьдесят гривен"},
      {"1 грн", "одна гривна"},
      {"2 грн", "две гривны"},
      {"вы получите 1 шину", "вы получите одну шину"},
      {"ул. Ленина, д. 5", "улица Ленина, дом пять"},
      {"г. Киев", "город Киев"},
      {"+380671234567", "плюс три восемь ноль, шестьдесят семь, сто двадцать три, сорок пять, шестьдесят семь"},
      {"25 ноября", "двадцать пятого ноября"},
      {"Michelin", "Мишлен"},
      {"21 шина", "двадцать одна шина"},
  };
  for (const Row &r : ru) {
    CAPTURE(r.in);
    CHECK(speakable(r.in, Lang::ru, o) == r.want);
  }
  const Row en[] = {
      {"205/55 R16", "two oh five fifty-five R sixteen"},
      {"Booked for 2026-11-25 at 09:30.", "Booked for November twenty-fifth at nine thirty AM."},
      {"It costs 2150 UAH", "It costs two thousand one hundred fifty hryvnias"},
      {"1 UAH", "one hryvnia"},
      {"+380671234567", "plus three eight zero, six seven, one two three, four five, six seven"},
      {"AI-000123", "A I zero zero zero one two three"},
      {"open 09:00-18:00", "open nine AM-six PM"},
      {"2027-01-03", "January third, twenty twenty-seven"},
      {"Michelin", "Michelin"},
  };
  for (const Row &r : en) {
    CAPTURE(r.in);
    CHECK(speakable(r.in, Lang::en, o) == r.want);
  }
}

TEST_CASE("speakable: text that must not change") {
  const std::string_view same[] = {"Привіт, мені потрібні шини.",
                                   "Добрий день! Чим можу допомогти?",
                                   "https://shop.ua/a/205/55/16",
                                   "Пишіть на info@shop.ua, будь ласка.",
                                   "Зимові чи літні?",
                                   "Pilot Sport 4S 91V",
                                   "PS4",
                                   "",
                                   "d5\xC0\xB0 \xFF\xFE"};  // invalid UTF-8 passes through
  for (const std::string_view s : same) {
    CAPTURE(s);
    CHECK(speakable(s, Lang::uk, today_2026()) == s);
  }
}

TEST_CASE("speakable: digits left to the synthesiser when spell_numbers is off") {
  SpeakOptions o = today_2026();
  o.spell_numbers = false;
  CHECK(speakable("Запис на 2026-11-25 о 09:30.", Lang::uk, o) == "Запис на 25 листопада о 09:30.");
  CHECK(speakable("2027-11-25", Lang::uk, o) == "25 листопада 2027 року");
  CHECK(speakable("вул. Шевченка, 72б", Lang::uk, o) == "вулиця Шевченка, 72 бе");
  CHECK(speakable("Ціна 2150 грн", Lang::uk, o) == "Ціна 2150 гривень");
  CHECK(speakable("Ціна 2 грн", Lang::uk, o) == "Ціна 2 гривні");
  CHECK(speakable("205/55 R16", Lang::uk, o) == "205 55 ер 16");
  CHECK(speakable("5 шин", Lang::uk, o) == "5 шин");
  SpeakOptions latin = today_2026();
  latin.brands_cyrillic = false;
  CHECK(speakable("Michelin", Lang::uk, latin) == "Michelin");
}

TEST_CASE("say_price: plural forms, kopiykas and case") {
  using ca::text::say_price;
  CHECK(say_price(215000, Lang::uk) == "дві тисячі сто п'ятдесят гривень");
  CHECK(say_price(215050, Lang::uk) == "дві тисячі сто п'ятдесят гривень п'ятдесят копійок");
  CHECK(say_price(100, Lang::uk) == "одна гривня");
  CHECK(say_price(200, Lang::uk) == "дві гривні");
  CHECK(say_price(400, Lang::uk) == "чотири гривні");
  CHECK(say_price(500, Lang::uk) == "п'ять гривень");
  CHECK(say_price(1200, Lang::uk) == "дванадцять гривень");
  CHECK(say_price(2200, Lang::uk) == "двадцять дві гривні");
  CHECK(say_price(101, Lang::uk) == "одна гривня одна копійка");
  CHECK(say_price(52, Lang::uk) == "п'ятдесят дві копійки");
  CHECK(say_price(200000, Lang::uk, Currency::uah, Case::genitive) == "двох тисяч гривень");
  CHECK(say_price(100, Lang::uk, Currency::uah, Case::accusative) == "одну гривню");
  CHECK(say_price(100, Lang::ru) == "одна гривна");
  CHECK(say_price(500, Lang::ru) == "пять гривен");
  CHECK(say_price(205, Lang::ru) == "две гривны пять копеек");
  CHECK(say_price(100, Lang::en) == "one hryvnia");
  CHECK(say_price(215050, Lang::en) == "two thousand one hundred fifty hryvnias fifty kopiykas");
  CHECK(say_price(2100, Lang::uk, Currency::usd) == "двадцять один долар");
  CHECK(say_price(100, Lang::uk, Currency::eur) == "одне євро");
}

TEST_CASE("say_date, say_time, say_size, say_phone, say_code") {
  using namespace ca::text;
  const Date today{2026, 5, 10};
  CHECK(say_date({2026, 11, 25}, Lang::uk, today) == "двадцять п'ятого листопада");
  CHECK(say_date({2026, 11, 25}, Lang::uk, today, Case::nominative) == "двадцять п'яте листопада");
  CHECK(say_date({2027, 1, 1}, Lang::uk, today) == "першого січня дві тисячі двадцять сьомого року");
  CHECK(say_date({2026, 3, 8}, Lang::ru, today) == "восьмого марта");
  CHECK(say_date({2026, 2, 23}, Lang::ru, today, Case::accusative) == "двадцать третье февраля");
  CHECK(say_date({2027, 12, 31}, Lang::ru, today) == "тридцать первого декабря две тысячи двадцать седьмого года");
  CHECK(say_date({2026, 7, 4}, Lang::en, today) == "July fourth");
  CHECK(say_date({2030, 7, 4}, Lang::en, today) == "July fourth, twenty thirty");
  CHECK(say_date({2026, 11, 25}, Lang::uk, Date{}) == "двадцять п'ятого листопада дві тисячі двадцять шостого року");

  CHECK(say_time(9, 30, Lang::uk) == "дев'ята тридцять");
  CHECK(say_time(9, 30, Lang::uk, Case::locative) == "дев'ятій тридцять");
  CHECK(say_time(9, 5, Lang::uk) == "дев'ята нуль п'ять");
  CHECK(say_time(21, 0, Lang::uk, Case::genitive) == "двадцять першої");
  CHECK(say_time(13, 21, Lang::uk) == "тринадцята двадцять одна");
  CHECK(say_time(9, 30, Lang::ru) == "девять тридцать");
  CHECK(say_time(18, 0, Lang::ru, Case::genitive) == "восемнадцати");
  CHECK(say_time(9, 30, Lang::en) == "nine thirty AM");
  CHECK(say_time(18, 5, Lang::en) == "six oh five PM");
  CHECK(say_time(12, 0, Lang::en) == "noon");

  const TyreSize s{205, 55, 16};
  CHECK(say_size(s, Lang::uk) == "двісті п'ять п'ятдесят п'ять ер шістнадцять");
  CHECK(say_size(s, Lang::ru) == "двести пять пятьдесят пять эр шестнадцать");
  CHECK(say_size(s, Lang::en) == "two oh five fifty-five R sixteen");
  CHECK(say_size(TyreSize{225, 45, 17}, Lang::en) == "two twenty-five forty-five R seventeen");

  CHECK(say_phone("+380671234567", Lang::uk) ==
        "плюс три вісім нуль, шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім");
  CHECK(say_phone("0501002030", Lang::uk) == "нуль п'ятдесят, сто, двадцять, тридцять");
  CHECK(say_phone("0670050007", Lang::uk) == "нуль шістдесят сім, нуль нуль п'ять, нуль нуль, нуль сім");
  CHECK(say_phone("+48123456789", Lang::uk) ==
        "плюс чотири вісім один, два три чотири, п'ять шість сім, вісім дев'ять");

  CHECK(say_code("AI-000123", Lang::uk) == "ей ай нуль нуль нуль один два три");
  CHECK(say_code("AI-000123", Lang::ru) == "эй ай ноль ноль ноль один два три");
  CHECK(say_code("ТТН-42", Lang::uk) == "те те ен чотири два");
}
