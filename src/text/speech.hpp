// Bot text → what the speech synthesiser should read, per language (uk, ru, en). The LLM writes
// "205/55 R16", "2150 грн", "2026-11-25", "09:30", "+380671234567", "вул. Шевченка, 72б",
// "AI-000123"; a voice reading those literally mispronounces or garbles them. speakable() spells
// them out grammatically (gender and case agreement in Ukrainian and Russian) and leaves all
// other text as it was, minus stress marks (U+0301). Pure functions, one tokenising pass.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "text/lang.hpp"
#include "text/normalize.hpp"
#include "text/numbers.hpp"

namespace ca::text {

struct Date {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  bool operator==(const Date &) const = default;
};

enum class Currency : uint8_t { uah, usd, eur };

struct SpeakOptions {
  // The call's local date: a date in the same year is read without the year. Year 0: always read
  // the year.
  Date today;
  // Numbers as words. false: leave plain numbers, dates ("25 листопада"), house numbers ("72 бе")
  // and prices ("2150 гривень") in digits for the synthesiser, as the replaced system did.
  bool spell_numbers = true;
  // uk/ru: Latin brand names → the Cyrillic spelling the voice pronounces ("Michelin" → "Мішлен").
  bool brands_cyrillic = true;
};

// What it does (each only where the text clearly is one):
//  - tyre sizes "205/55 R16", "205/55R16", "195/75 R16C", lone "R16" → say_size;
//  - ISO "2026-11-25", "25.11.2026", "25.11" and "25 листопада" → say_date (genitive, or
//    accusative after на/за: "на двадцять п'яте листопада"); "2026 року" → ordinal year;
//  - times "09:30" → say_time (case from о/до/з/на before it); "о 9" → "о дев'ятій";
//  - phone numbers "+380671234567", "+38 (067) 123-45-67", "067 123 45 67" → say_phone;
//  - prices "2150 грн", "2 150,50 грн", "2150 UAH", "₴2150", "$100", "50 євро" → say_price;
//    "15%", "5 км", "10 хв", "4 шт." with the agreeing noun;
//  - house numbers "72б", "72-Б" → "сімдесят два бе", "72/1" → "сімдесят два дріб один";
//  - order codes "AI-000123", "№ 12345" and plates "АА 1234 ВВ" letter by letter, digit by digit
//    (plates in digit pairs);
//  - other numbers as cardinals agreeing with the noun after them ("1 шина" → "одна шина", "2
//    колеса" → "два колеса") and in the genitive after до/від/після/без…; leading zeros or 7+
//    digits read digit by digit; "3,5" → "три кома п'ять"; "3-й" → "третій";
//  - abbreviations вул. пр. просп. пров. пер. б-р пл. м. с. обл. р-н буд. кв. тел. грн т.д.
//    (ru ул. пер. г. д. …; en Ave. approx. …), RunFlat → "ранфлет", XL → "ікс ел";
//  - brands to Cyrillic (SpeakOptions::brands_cyrillic).
std::string speakable(std::string_view text, Lang lang, const SpeakOptions &options = {});

// 215050 kopiykas (uah) → "дві тисячі сто п'ятдесят гривень п'ятдесят копійок"; 100 → "одна
// гривня"; 200 → "дві гривні"; en "two thousand one hundred fifty hryvnias fifty kopiykas".
// Case: nominative, genitive ("до двох тисяч гривень") or accusative ("за одну гривню").
std::string say_price(int64_t minor_units, Lang lang, Currency currency = Currency::uah, Case c = Case::nominative);

// {2026, 11, 25} → "двадцять п'ятого листопада" (uk, genitive), "двадцять пятого ноября" (ru),
// "November twenty-fifth" (en); the year is added when it is not today's year ("… дві тисячі
// двадцять сьомого року"). Case: genitive (default), nominative or accusative (the ordinal day).
std::string say_date(const Date &date, Lang lang, const Date &today, Case c = Case::genitive);

// 9:30 → uk "дев'ята тридцять" (the hour as a feminine ordinal: о дев'ятій тридцять, до
// дев'ятої, на дев'яту), ru "девять тридцать" (cardinal; genitive after до/с/от/после, dative
// after к), en "nine thirty AM" (12-hour clock, "six PM", "noon", "midnight"). Whole hours have
// no minutes ("дев'ята"), 9:05 is "дев'ята нуль п'ять", 0:00 is "північ"/"полночь".
std::string say_time(int hour, int minute, Lang lang, Case c = Case::nominative);

// "двісті п'ять п'ятдесят п'ять ер шістнадцять" / "двести пять пятьдесят пять эр шестнадцать" /
// "two oh five fifty-five R sixteen"; "C" (commercial) as "це"/"цэ"/"C".
std::string say_size(const TyreSize &size, Lang lang);

// "+380671234567" → "плюс три вісім нуль, шістдесят сім, сто двадцять три, сорок п'ять,
// шістдесят сім"; "0671234567" → "нуль шістдесят сім, сто двадцять три, сорок п'ять, шістдесят
// сім". Other numbers: digit by digit in comma-separated threes. English reads single digits.
// Non-digits other than a leading '+' are ignored.
std::string say_phone(std::string_view number, Lang lang);

// Letters and digits one by one: "AI-000123" → "ей ай нуль нуль нуль один два три" (uk; Latin
// letters by their English names, Cyrillic by their own), en "A I zero zero zero one two three".
std::string say_code(std::string_view code, Lang lang);

}  // namespace ca::text
