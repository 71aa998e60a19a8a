#include "store/seed.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace ca::store::seed {

namespace {

// ---- the catalogue ----

struct BrandDef {
  const char *name;
  const char *name_uk;  // as a Ukrainian caller says it
  const char *tier;     // premium, mid, budget
  int price_pct;        // price against the mid-tier reference
  const char *country;
};

constexpr BrandDef kBrands[] = {
    {"Michelin", "Мішлен", "premium", 145, "Франція"},
    {"Continental", "Континенталь", "premium", 140, "Німеччина"},
    {"Bridgestone", "Бріджстоун", "premium", 135, "Японія"},
    {"Goodyear", "Гудієр", "premium", 128, "США"},
    {"Pirelli", "Піреллі", "premium", 140, "Італія"},
    {"Nokian", "Нокіан", "premium", 135, "Фінляндія"},
    {"Hankook", "Ханкук", "mid", 105, "Південна Корея"},
    {"Yokohama", "Йокогама", "mid", 110, "Японія"},
    {"Kumho", "Кумхо", "mid", 95, "Південна Корея"},
    {"Nexen", "Нексен", "mid", 90, "Південна Корея"},
    {"Matador", "Матадор", "budget", 88, "Словаччина"},
    {"Sava", "Сава", "budget", 85, "Словенія"},
    {"Laufenn", "Лауфенн", "budget", 82, "Південна Корея"},
    {"Premiorri", "Преміоррі", "budget", 76, "Україна"},
    {"Rosava", "Росава", "budget", 75, "Україна"},
};

// P: passenger sizes; S: SUV and crossover sizes; U: low-profile performance sizes.
struct ModelDef {
  const char *brand;
  const char *model;
  Season season;
  bool studded;
  char kind;
  int min_d, max_d;
  char speed;
  int price_pct;
};

constexpr Season S = Season::summer;
constexpr Season W = Season::winter;
constexpr Season A = Season::all_season;

constexpr ModelDef kModels[] = {
    {"Michelin", "Primacy 4+", S, false, 'P', 15, 20, 'V', 100},
    {"Michelin", "Pilot Sport 5", S, false, 'U', 17, 20, 'Y', 108},
    {"Michelin", "Pilot Sport 4 SUV", S, false, 'S', 18, 22, 'Y', 110},
    {"Michelin", "Alpin 6", W, false, 'P', 15, 19, 'H', 100},
    {"Michelin", "X-Ice Snow", W, false, 'P', 15, 20, 'H', 100},
    {"Michelin", "X-Ice Snow SUV", W, false, 'S', 17, 22, 'T', 104},
    {"Michelin", "X-Ice North 4", W, true, 'P', 14, 20, 'T', 103},
    {"Michelin", "CrossClimate 2", A, false, 'P', 15, 20, 'V', 103},
    {"Michelin", "CrossClimate 2 SUV", A, false, 'S', 17, 21, 'V', 106},
    {"Continental", "PremiumContact 7", S, false, 'P', 16, 21, 'W', 100},
    {"Continental", "EcoContact 6", S, false, 'P', 14, 19, 'H', 94},
    {"Continental", "SportContact 7", S, false, 'U', 18, 22, 'Y', 110},
    {"Continental", "WinterContact TS 870", W, false, 'P', 15, 19, 'H', 100},
    {"Continental", "WinterContact TS 870 P", W, false, 'S', 17, 22, 'V', 105},
    {"Continental", "IceContact 3", W, true, 'P', 14, 21, 'T', 102},
    {"Continental", "VikingContact 7", W, false, 'P', 15, 21, 'T', 98},
    {"Continental", "AllSeasonContact 2", A, false, 'P', 15, 21, 'V', 102},
    {"Bridgestone", "Turanza 6", S, false, 'P', 15, 21, 'V', 100},
    {"Bridgestone", "Potenza Sport", S, false, 'U', 17, 22, 'Y', 108},
    {"Bridgestone", "Blizzak 6", W, false, 'P', 15, 20, 'H', 100},
    {"Bridgestone", "Blizzak DM-V3", W, false, 'S', 16, 22, 'T', 102},
    {"Bridgestone", "Blizzak Spike-3", W, true, 'P', 14, 20, 'T', 102},
    {"Bridgestone", "Turanza All Season 6", A, false, 'P', 15, 21, 'V', 100},
    {"Goodyear", "EfficientGrip Performance 2", S, false, 'P', 15, 20, 'V', 98},
    {"Goodyear", "Eagle F1 Asymmetric 6", S, false, 'U', 17, 22, 'Y', 108},
    {"Goodyear", "UltraGrip Performance 3", W, false, 'P', 15, 21, 'H', 100},
    {"Goodyear", "UltraGrip Ice 3", W, false, 'P', 14, 20, 'T', 98},
    {"Goodyear", "UltraGrip Arctic 2", W, true, 'P', 14, 20, 'T', 100},
    {"Goodyear", "Vector 4Seasons Gen-3", A, false, 'P', 15, 21, 'V', 100},
    {"Goodyear", "Vector 4Seasons Gen-3 SUV", A, false, 'S', 17, 21, 'V', 103},
    {"Pirelli", "Cinturato P7 C2", S, false, 'P', 16, 20, 'W', 100},
    {"Pirelli", "P Zero PZ4", S, false, 'U', 18, 22, 'Y', 112},
    {"Pirelli", "Scorpion", S, false, 'S', 17, 22, 'V', 104},
    {"Pirelli", "Winter Sottozero 3", W, false, 'U', 16, 21, 'V', 106},
    {"Pirelli", "Ice Zero 2", W, true, 'P', 15, 21, 'T', 100},
    {"Pirelli", "Scorpion Winter 2", W, false, 'S', 18, 22, 'V', 106},
    {"Pirelli", "Cinturato All Season SF 3", A, false, 'P', 15, 20, 'V', 100},
    {"Pirelli", "Scorpion All Season SF 2", A, false, 'S', 18, 22, 'V', 106},
    {"Nokian", "Wetproof 1", S, false, 'P', 14, 19, 'V', 96},
    {"Nokian", "Powerproof 1", S, false, 'U', 17, 21, 'W', 104},
    {"Nokian", "Hakka Blue 3 SUV", S, false, 'S', 16, 21, 'V', 100},
    {"Nokian", "Hakkapeliitta R5", W, false, 'P', 14, 21, 'R', 102},
    {"Nokian", "Hakkapeliitta 10p", W, true, 'P', 14, 21, 'T', 106},
    {"Nokian", "Snowproof 2", W, false, 'P', 15, 21, 'H', 100},
    {"Nokian", "Hakkapeliitta R5 SUV", W, false, 'S', 16, 22, 'R', 105},
    {"Nokian", "Seasonproof 1", A, false, 'P', 14, 20, 'V', 96},
    {"Hankook", "Ventus Prime 4", S, false, 'P', 15, 19, 'V', 100},
    {"Hankook", "Ventus S1 evo3", S, false, 'U', 17, 22, 'Y', 106},
    {"Hankook", "Kinergy Eco 2", S, false, 'P', 13, 16, 'T', 94},
    {"Hankook", "Winter i*cept RS3", W, false, 'P', 14, 19, 'T', 100},
    {"Hankook", "Winter i*cept evo3", W, false, 'U', 16, 22, 'V', 105},
    {"Hankook", "Winter i*Pike RS2", W, true, 'P', 13, 19, 'T', 100},
    {"Hankook", "Kinergy 4S 2", A, false, 'P', 14, 20, 'V', 100},
    {"Yokohama", "BluEarth-GT AE51", S, false, 'P', 15, 19, 'V', 100},
    {"Yokohama", "Advan Sport V107", S, false, 'U', 17, 22, 'Y', 110},
    {"Yokohama", "Geolandar CV G058", S, false, 'S', 16, 20, 'V', 100},
    {"Yokohama", "iceGUARD iG70", W, false, 'P', 14, 19, 'Q', 100},
    {"Yokohama", "iceGUARD Stud iG65", W, true, 'P', 14, 21, 'T', 100},
    {"Yokohama", "BluEarth Winter V906", W, false, 'U', 16, 21, 'V', 104},
    {"Yokohama", "BluEarth-4S AW21", A, false, 'P', 14, 20, 'V', 98},
    {"Kumho", "Ecsta HS52", S, false, 'P', 15, 19, 'V', 100},
    {"Kumho", "Ecowing ES31", S, false, 'P', 13, 16, 'T', 94},
    {"Kumho", "Crugen HP71", S, false, 'S', 16, 20, 'V', 100},
    {"Kumho", "WinterCraft WP52", W, false, 'P', 14, 18, 'T', 100},
    {"Kumho", "WinterCraft Ice WI32", W, true, 'P', 13, 19, 'T', 100},
    {"Kumho", "WinterCraft WS71", W, false, 'S', 16, 21, 'H', 103},
    {"Kumho", "Solus 4S HA32", A, false, 'P', 14, 19, 'V', 98},
    {"Nexen", "N'blue HD Plus", S, false, 'P', 13, 17, 'H', 96},
    {"Nexen", "N'Fera Primus", S, false, 'P', 15, 19, 'V', 100},
    {"Nexen", "N'Fera Sport", S, false, 'U', 17, 20, 'Y', 104},
    {"Nexen", "Winguard Sport 2", W, false, 'P', 15, 20, 'V', 100},
    {"Nexen", "Winguard WinSpike 3", W, true, 'P', 13, 19, 'T', 98},
    {"Nexen", "Winguard Ice Plus", W, false, 'P', 13, 18, 'T', 96},
    {"Nexen", "N'blue 4Season 2", A, false, 'P', 14, 19, 'V', 100},
    {"Laufenn", "G FIT EQ+", S, false, 'P', 13, 17, 'H', 100},
    {"Laufenn", "S FIT EQ+", S, false, 'U', 16, 20, 'W', 104},
    {"Laufenn", "X FIT HP", S, false, 'S', 16, 20, 'V', 103},
    {"Laufenn", "I FIT+", W, false, 'P', 13, 19, 'T', 100},
    {"Laufenn", "I FIT ICE", W, true, 'P', 13, 18, 'T', 100},
    {"Laufenn", "G FIT 4S", A, false, 'P', 14, 18, 'V', 100},
    {"Matador", "Hectorra 5", S, false, 'P', 14, 19, 'V', 100},
    {"Matador", "MP 47 Hectorra 3", S, false, 'P', 13, 17, 'T', 94},
    {"Matador", "MP 93 Nordicca", W, false, 'P', 14, 19, 'H', 100},
    {"Matador", "Sibir Ice 2", W, true, 'P', 13, 18, 'T', 98},
    {"Matador", "MP 62 All Weather Evo", A, false, 'P', 14, 18, 'H', 98},
    {"Sava", "Intensa HP 2", S, false, 'P', 15, 18, 'V', 100},
    {"Sava", "Perfecta", S, false, 'P', 13, 15, 'T', 92},
    {"Sava", "Eskimo HP 2", W, false, 'P', 15, 19, 'H', 100},
    {"Sava", "Eskimo Ice", W, false, 'P', 13, 17, 'T', 96},
    {"Sava", "All Weather", A, false, 'P', 14, 17, 'H', 100},
    {"Premiorri", "Solazo S Plus", S, false, 'P', 13, 17, 'H', 100},
    {"Premiorri", "ViaMaggiore Z Plus", W, false, 'P', 13, 17, 'H', 100},
    {"Premiorri", "Vimero", A, false, 'P', 13, 16, 'H', 100},
    {"Rosava", "Itegro", S, false, 'P', 13, 17, 'H', 100},
    {"Rosava", "Snowgard", W, false, 'P', 13, 17, 'T', 100},
    {"Rosava", "WQ-102", W, false, 'P', 13, 16, 'T', 96},
    {"Rosava", "Quartum S49", A, false, 'P', 13, 16, 'H', 100},
};

// Sizes sold in Ukraine, with the usual load index and a mid-tier reference price (UAH).
struct SizeDef {
  int width, profile, diameter;
  int load_index;
  bool xl;
  int ref_price;
};

constexpr SizeDef kSizes[] = {
    {155, 70, 13, 75, false, 2300},  {165, 70, 13, 79, false, 2450},  {175, 70, 13, 82, false, 2600},
    {165, 70, 14, 81, false, 2600},  {175, 65, 14, 82, false, 2700},  {185, 60, 14, 82, false, 2800},
    {185, 65, 14, 86, false, 2900},  {175, 70, 14, 84, false, 2750},  {185, 70, 14, 88, false, 3000},
    {185, 60, 15, 84, false, 3000},  {185, 65, 15, 88, false, 3100},  {195, 65, 15, 91, false, 3300},
    {195, 55, 15, 85, false, 3300},  {205, 65, 15, 94, false, 3600},  {195, 60, 15, 88, false, 3250},
    {205, 55, 16, 91, false, 3600},  {205, 60, 16, 92, false, 3700},  {215, 60, 16, 95, false, 3900},
    {215, 65, 16, 98, false, 4100},  {195, 55, 16, 87, false, 3500},  {215, 70, 16, 100, false, 4300},
    {225, 45, 17, 94, true, 4300},   {215, 55, 17, 94, false, 4400},  {225, 50, 17, 94, false, 4500},
    {225, 55, 17, 97, false, 4600},  {215, 60, 17, 96, false, 4500},  {225, 60, 17, 99, false, 4800},
    {225, 65, 17, 102, false, 5000}, {215, 65, 17, 99, false, 4700},  {265, 65, 17, 112, false, 6200},
    {215, 50, 17, 91, false, 4200},  {235, 65, 17, 108, true, 5400},  {225, 40, 18, 92, true, 5000},
    {225, 45, 18, 95, true, 5200},   {235, 45, 18, 94, false, 5500},  {245, 45, 18, 100, true, 5900},
    {245, 40, 18, 97, true, 5800},   {225, 55, 18, 98, false, 5600},  {235, 55, 18, 100, false, 5900},
    {235, 60, 18, 103, false, 6100}, {265, 60, 18, 110, false, 6900}, {255, 55, 18, 109, true, 6800},
    {225, 60, 18, 100, false, 5700}, {235, 40, 19, 96, true, 6600},   {225, 45, 19, 96, true, 6800},
    {245, 45, 19, 102, true, 7000},  {255, 45, 19, 104, true, 7400},  {235, 55, 19, 105, true, 7200},
    {255, 50, 19, 107, true, 7800},  {235, 50, 19, 99, false, 7000},  {255, 55, 19, 111, true, 8000},
    {225, 55, 19, 99, false, 6800},  {245, 45, 20, 103, true, 8000},  {255, 45, 20, 105, true, 8300},
    {275, 45, 20, 110, true, 9200},  {285, 45, 20, 112, true, 9500},  {255, 40, 20, 101, true, 8100},
    {265, 50, 20, 111, true, 9000},  {255, 35, 21, 98, true, 9200},   {275, 40, 21, 107, true, 9800},
    {275, 45, 21, 110, true, 10200}, {285, 40, 21, 109, true, 10400}, {275, 40, 22, 108, true, 10600},
    {285, 40, 22, 110, true, 10900}, {285, 35, 22, 106, true, 10700},
};

bool fits(const ModelDef &m, const SizeDef &s) {
  if (s.diameter < m.min_d || s.diameter > m.max_d) return false;
  switch (m.kind) {
    case 'P':
      return s.width <= 245;
    case 'S':
      return s.diameter >= 16 && ((s.width >= 215 && s.profile >= 50) || (s.width >= 255 && s.profile >= 40));
    case 'U':
      return s.diameter >= 17 && (s.profile <= 45 || (s.profile <= 50 && s.width <= 245));
    default:
      return false;
  }
}

char speed_for(const ModelDef &m, const SizeDef &s) {
  static constexpr std::string_view kOrder = "QRSTHVWY";
  // Small rims are not rated fast whatever the line's headline rating.
  if (s.diameter <= 14 && kOrder.find(m.speed) > kOrder.find('T')) return 'T';
  return m.speed;
}

struct WarehouseDef {
  const char *id;
  const char *city;
  const char *name;
  bool central;
};

constexpr WarehouseDef kWarehouses[] = {
    {"WKV", "Київ", "Центральний склад, Бровари", true},
    {"WLV", "Львів", "Склад Львів", false},
    {"WOD", "Одеса", "Склад Одеса", false},
    {"WDP", "Дніпро", "Склад Дніпро", false},
    {"WKH", "Харків", "Склад Харків", false},
};

struct CityDef {
  const char *name;
  const char *aliases;  // folded spellings, '|'-separated: cases, Russian, Latin
};

constexpr CityDef kCities[] = {
    {"Київ", "київ|києві|києва|київі|киев|киеве|киева|kyiv|kiev|kyiv city"},
    {"Львів", "львів|львові|львова|львов|львове|lviv|lvov"},
    {"Одеса", "одеса|одесі|одеси|одесса|одессе|одессы|odesa|odessa"},
    {"Дніпро", "дніпро|дніпрі|дніпра|днепр|днепре|днепра|dnipro|dnepr"},
    {"Харків", "харків|харкові|харкова|харьков|харькове|kharkiv|kharkov"},
};

struct StationDef {
  const char *id;
  const char *name;
  const char *city;
  const char *district;
  const char *address;
  const char *phone;
  const char *wd_open, *wd_close, *sat_open, *sat_close, *sun_open, *sun_close;  // "" closed
  int posts;
  const char *services;
  int price_pct;
};

constexpr StationDef kStations[] = {
    {"KV1", "ШинСервіс Позняки", "Київ", "Дарницький район, Позняки", "вул. Драгоманова, 17", "+380442290117", "08:00",
     "20:00", "09:00", "18:00", "10:00", "16:00", 4, "tire_change,balancing,full_service,storage,repair", 110},
    {"KV2", "ШинСервіс Оболонь", "Київ", "Оболонський район", "просп. Володимира Івасюка, 12", "+380442290212", "08:00",
     "20:00", "09:00", "18:00", "", "", 3, "tire_change,balancing,full_service,storage", 110},
    {"KV3", "ШинСервіс Святошин", "Київ", "Святошинський район", "просп. Берестейський, 97", "+380442290397", "09:00",
     "19:00", "09:00", "17:00", "", "", 2, "tire_change,balancing,full_service,repair", 110},
    {"LV1", "ШинСервіс Сихів", "Львів", "Сихівський район", "вул. Зубрівська, 30", "+380322450130", "08:00", "19:00",
     "09:00", "17:00", "10:00", "15:00", 3, "tire_change,balancing,full_service,storage,repair", 100},
    {"LV2", "ШинСервіс Левандівка", "Львів", "Залізничний район, Левандівка", "вул. Городоцька, 225", "+380322450225",
     "09:00", "19:00", "09:00", "16:00", "", "", 2, "tire_change,balancing,full_service", 100},
    {"OD1", "ШинСервіс Таїрова", "Одеса", "Київський район, селище Таїрова", "вул. Академіка Корольова, 94",
     "+380487700194", "08:00", "20:00", "09:00", "18:00", "10:00", "16:00", 3,
     "tire_change,balancing,full_service,storage,repair", 105},
    {"DP1", "ШинСервіс Лівобережний", "Дніпро", "Амур-Нижньодніпровський район", "просп. Слобожанський, 31",
     "+380563700131", "08:00", "19:00", "09:00", "17:00", "", "", 3, "tire_change,balancing,full_service,storage", 100},
    {"KH1", "ШинСервіс Салтівка", "Харків", "Салтівський район", "просп. Тракторобудівників, 59", "+380577200159",
     "09:00", "18:00", "09:00", "15:00", "", "", 2, "tire_change,balancing,full_service,repair", 100},
};

struct MakeDef {
  const char *make;
  const char *aliases;  // folded
};

constexpr MakeDef kMakes[] = {
    {"Toyota", "toyota|тойота|таёта"},
    {"Volkswagen", "volkswagen|vw|фольксваген|фольцваген|фольксвагена"},
    {"Skoda", "skoda|škoda|шкода"},
    {"Renault", "renault|рено"},
    {"Hyundai", "hyundai|хюндай|хьюндай|хендай|хундай|хюндаі"},
    {"Kia", "kia|кіа|киа"},
    {"Nissan", "nissan|ніссан|ниссан"},
    {"Mitsubishi", "mitsubishi|міцубісі|мітсубісі|мицубиси|митсубиси"},
    {"Mazda", "mazda|мазда"},
    {"Honda", "honda|хонда"},
    {"Ford", "ford|форд"},
    {"Chevrolet", "chevrolet|шевроле|шевролет"},
    {"Daewoo", "daewoo|деу|дэу|део"},
    {"Lada", "lada|лада|ваз|vaz"},
    {"Tesla", "tesla|тесла"},
    {"BMW", "bmw|бмв|бе-ем-ве"},
    {"Mercedes-Benz", "mercedes-benz|mercedes|мерседес|мерседес-бенц|мерс"},
    {"Audi", "audi|ауді|ауди"},
    {"Land Rover", "land rover|range rover|ленд ровер|рендж ровер|ренж ровер"},
    {"Opel", "opel|опель"},
    {"Peugeot", "peugeot|пежо"},
};

struct VehicleDef {
  const char *make;
  const char *model;
  const char *aliases;     // folded, '|'-separated
  int year_from, year_to;  // 0: still made
  const char *sizes;       // ';'-separated, the most common first
};

constexpr VehicleDef kVehicles[] = {
    {"Toyota", "Camry", "camry|камрі|камри", 2017, 0, "215/55 R17;235/45 R18"},
    {"Toyota", "Corolla", "corolla|королла|корола", 2018, 0, "205/55 R16;225/45 R17"},
    {"Toyota", "RAV4", "rav4|rav 4|рав4|рав 4|рав", 2018, 0, "225/65 R17;225/60 R18;235/55 R19"},
    {"Toyota", "RAV4", "rav4|rav 4|рав4|рав 4|рав", 2012, 2018, "225/65 R17;235/55 R18"},
    {"Toyota", "Land Cruiser Prado", "land cruiser prado|prado|прадо|ленд крузер прадо", 2009, 0,
     "265/65 R17;265/60 R18"},
    {"Volkswagen", "Golf", "golf|гольф", 2012, 2020, "205/55 R16;195/65 R15;225/45 R17"},
    {"Volkswagen", "Golf", "golf|гольф", 2020, 0, "205/55 R16;225/45 R17;225/40 R18"},
    {"Volkswagen", "Passat", "passat|пассат|пасат", 2014, 2023, "215/55 R17;215/60 R16;235/45 R18"},
    {"Volkswagen", "Tiguan", "tiguan|тігуан|тигуан", 2016, 0, "215/65 R17;235/55 R18;255/45 R19"},
    {"Volkswagen", "Touareg", "touareg|туарег", 2018, 0, "255/55 R19;285/45 R20;285/40 R21"},
    {"Skoda", "Octavia", "octavia|октавія|октавия", 2013, 2020, "205/55 R16;195/65 R15;225/45 R17"},
    {"Skoda", "Octavia", "octavia|октавія|октавия", 2020, 0, "205/55 R16;225/45 R17;225/40 R18"},
    {"Skoda", "Fabia", "fabia|фабія|фабия", 2014, 2021, "185/60 R15;175/70 R14"},
    {"Skoda", "Superb", "superb|суперб", 2015, 0, "215/55 R17;235/45 R18"},
    {"Skoda", "Kodiaq", "kodiaq|кодіак|кодиак", 2016, 0, "215/65 R17;235/55 R18;235/50 R19"},
    {"Renault", "Logan", "logan|логан", 2012, 2022, "185/65 R15;185/70 R14"},
    {"Renault", "Duster", "duster|дастер", 2010, 0, "215/65 R16;215/60 R17"},
    {"Renault", "Megane", "megane|меган|мейган", 2016, 2022, "205/55 R16;225/45 R17"},
    {"Renault", "Sandero", "sandero|сандеро", 2012, 2022, "185/65 R15"},
    {"Hyundai", "Tucson", "tucson|туксон|тусон|таксон", 2015, 2020, "225/60 R17;245/45 R19"},
    {"Hyundai", "Tucson", "tucson|туксон|тусон|таксон", 2021, 0, "235/60 R18;235/55 R19"},
    {"Hyundai", "Elantra", "elantra|елантра|элантра", 2016, 0, "205/55 R16;225/45 R17"},
    {"Hyundai", "Accent", "accent|акцент", 2010, 2017, "185/65 R15;195/55 R16"},
    {"Hyundai", "Santa Fe", "santa fe|санта фе|санта-фе", 2018, 0, "235/60 R18;255/45 R20"},
    {"Kia", "Sportage", "sportage|спортейдж|спортедж", 2016, 2021, "225/60 R17;225/55 R18"},
    {"Kia", "Sportage", "sportage|спортейдж|спортедж", 2022, 0, "235/60 R18;235/55 R19"},
    {"Kia", "Ceed", "ceed|cee'd|сід|сид", 2018, 0, "205/55 R16;195/65 R15;225/45 R17"},
    {"Kia", "Rio", "rio|ріо|рио", 2017, 0, "185/65 R15;195/55 R16"},
    {"Nissan", "Qashqai", "qashqai|кашкай", 2014, 2021, "215/60 R17;215/65 R16;225/55 R18"},
    {"Nissan", "X-Trail", "x-trail|xtrail|x trail|ікс-трейл|ікс трейл|х-трейл", 2014, 2022, "225/65 R17;225/60 R18"},
    {"Nissan", "Leaf", "leaf|ліф|лиф", 2017, 0, "205/55 R16;215/50 R17"},
    {"Mitsubishi", "Outlander", "outlander|аутлендер|аутлэндер", 2012, 2021, "215/70 R16;225/55 R18"},
    {"Mitsubishi", "Lancer", "lancer|лансер", 2007, 2017, "205/60 R16"},
    {"Mazda", "CX-5", "cx-5|cx5|cx 5|сх-5|сх5|сі ікс 5", 2017, 0, "225/65 R17;225/55 R19"},
    {"Mazda", "6", "6|мазда 6|шістка|шестерка", 2012, 0, "225/55 R17;225/45 R19"},
    {"Honda", "CR-V", "cr-v|crv|cr v|срв|сі ар ві", 2017, 0, "235/65 R17;235/60 R18"},
    {"Ford", "Focus", "focus|фокус", 2011, 2018, "205/55 R16;195/65 R15;215/50 R17"},
    {"Ford", "Kuga", "kuga|куга", 2020, 0, "225/65 R17;225/60 R18;225/55 R19"},
    {"Chevrolet", "Aveo", "aveo|авео", 2011, 2020, "195/65 R15;205/55 R16"},
    {"Daewoo", "Lanos", "lanos|ланос", 1997, 2017, "175/70 R13;185/60 R14"},
    {"Lada", "2107", "2107|сімка|семерка|ваз 2107", 1982, 2012, "175/70 R13"},
    {"Tesla", "Model 3", "model 3|модель 3|model3", 2017, 0, "235/45 R18;235/40 R19"},
    {"Tesla", "Model Y", "model y|модель y|модель ігрек|modely", 2020, 0, "255/45 R19;255/40 R20;255/35 R21"},
    {"BMW", "X5", "x5|х5|ікс 5|ікс5", 2018, 0, "275/45 R20;275/40 R21"},
    {"BMW", "3 Series", "3 series|3-series|3er|3 серія|тройка|трійка|320|330", 2018, 0, "225/50 R17;225/45 R18"},
    {"BMW", "5 Series", "5 series|5-series|5er|5 серія|п'ятірка|пятерка|520|530", 2017, 2023, "225/55 R17;245/45 R18"},
    {"Mercedes-Benz", "E-Class", "e-class|e class|е-клас|е клас|ешка|e-klasse", 2016, 2023, "225/55 R17;245/45 R18"},
    {"Mercedes-Benz", "C-Class", "c-class|c class|с-клас|с клас|цешка|c-klasse", 2014, 2021, "205/60 R16;225/50 R17"},
    {"Mercedes-Benz", "GLE", "gle|глє|гле", 2019, 0, "275/45 R20;275/45 R21"},
    {"Audi", "A4", "a4|а4", 2015, 0, "225/50 R17;245/40 R18"},
    {"Audi", "A6", "a6|а6", 2018, 0, "225/55 R17;245/45 R18"},
    {"Audi", "Q7", "q7|ку7|ку 7", 2015, 0, "255/55 R19;285/45 R20;285/40 R21"},
    {"Land Rover", "Range Rover Sport", "range rover sport|рендж ровер спорт|ренж ровер спорт", 2013, 2022,
     "275/45 R21;275/40 R22"},
    {"Opel", "Astra", "astra|астра", 2015, 2021, "205/55 R16;225/45 R17"},
    {"Peugeot", "308", "308|триста вісім", 2013, 2021, "205/55 R16;225/45 R17"},
};

// Fitting prices per wheel for the network; stations apply their own percentage.
int base_fitting_price(int diameter, Service s) {
  const int change = 130 + (diameter - 13) * 40;
  const int balance = 90 + (diameter - 13) * 25;
  switch (s) {
    case Service::tire_change:
      return change;
    case Service::balancing:
      return balance;
    case Service::full_service:
      return (change + balance) * 9 / 100 * 10;  // a bundle: about 10% off
  }
  return change;
}

void exec(SQLite::Database &db, const char *sql) { db.exec(sql); }

// Day offsets relative to today for the sample orders.
struct SampleOrder {
  const char *phone;
  const char *name;
  OrderStatus status;
  int created_days_ago;
  int delivery_in_days;  // estimated delivery relative to today; 0 with none
  const char *delivery_type;
  const char *city;
  const char *address;
  const char *pickup_point;
  const char *payment;
  int lines;
  int quantity;
};

constexpr SampleOrder kSampleOrders[] = {
    {"+380501112233", "Олександр", OrderStatus::delivered, 24, -20, "delivery", "Київ", "вул. Антоновича, 48, кв. 12",
     "", "cod", 1, 4},
    {"+380501112233", "Олександр", OrderStatus::shipped, 3, 1, "delivery", "Київ", "вул. Антоновича, 48, кв. 12", "",
     "card_on_delivery", 1, 4},
    {"+380671234567", "Марія", OrderStatus::processing, 1, 3, "pickup", "Львів", "", "LV1", "online", 1, 4},
    {"+380931234567", "Андрій", OrderStatus::ready_for_pickup, 4, 0, "pickup", "Київ", "", "KV1", "cod", 1, 4},
    {"+380661234567", "Ірина", OrderStatus::cancelled, 12, 0, "delivery", "Одеса", "вул. Генуезька, 5", "", "cod", 1,
     2},
    {"+380661234567", "Ірина", OrderStatus::confirmed, 0, 2, "delivery", "Одеса", "вул. Генуезька, 5", "", "online", 2,
     2},
    {"+380971112233", "Сергій", OrderStatus::delivered, 40, -35, "pickup", "Дніпро", "", "DP1", "cod", 1, 4},
    {"+380631112233", "Наталія", OrderStatus::shipped, 2, 2, "delivery", "Харків", "вул. Сумська, 72", "",
     "card_on_delivery", 1, 4},
    {"+380991112233", "Віктор", OrderStatus::processing, 0, 2, "delivery", "Київ", "просп. Перемоги, 120", "", "cod", 1,
     4},
    {"+380731112233", "Оксана", OrderStatus::draft, 0, 0, "", "", "", "", "", 1, 4},
};

}  // namespace

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

void create_schema(SQLite::Database &db) {
  exec(db, R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS brands(name TEXT PRIMARY KEY, name_uk TEXT NOT NULL, tier TEXT NOT NULL,
  price_pct INTEGER NOT NULL, country TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tyres(id TEXT PRIMARY KEY, brand TEXT NOT NULL REFERENCES brands(name),
  model TEXT NOT NULL, width INTEGER NOT NULL, profile INTEGER NOT NULL, diameter INTEGER NOT NULL,
  season TEXT NOT NULL, studded INTEGER NOT NULL, load_index INTEGER NOT NULL, speed_index TEXT NOT NULL,
  xl INTEGER NOT NULL, price INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tyres_size ON tyres(diameter, width, profile);
CREATE TABLE IF NOT EXISTS warehouses(id TEXT PRIMARY KEY, city TEXT NOT NULL, name TEXT NOT NULL,
  central INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stock(tyre_id TEXT NOT NULL REFERENCES tyres(id),
  warehouse_id TEXT NOT NULL REFERENCES warehouses(id), quantity INTEGER NOT NULL CHECK(quantity >= 0),
  PRIMARY KEY(tyre_id, warehouse_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vehicle_makes(make TEXT PRIMARY KEY, aliases TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vehicles(id INTEGER PRIMARY KEY, make TEXT NOT NULL REFERENCES vehicle_makes(make),
  model TEXT NOT NULL, aliases TEXT NOT NULL, year_from INTEGER NOT NULL, year_to INTEGER NOT NULL,
  sizes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cities(name TEXT PRIMARY KEY, aliases TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stations(id TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL REFERENCES cities(name),
  district TEXT NOT NULL, address TEXT NOT NULL, phone TEXT NOT NULL,
  weekday_open TEXT NOT NULL, weekday_close TEXT NOT NULL, sat_open TEXT NOT NULL, sat_close TEXT NOT NULL,
  sun_open TEXT NOT NULL, sun_close TEXT NOT NULL, posts INTEGER NOT NULL, services TEXT NOT NULL,
  price_pct INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS slots(station_id TEXT NOT NULL REFERENCES stations(id), date TEXT NOT NULL,
  time TEXT NOT NULL, capacity INTEGER NOT NULL, taken INTEGER NOT NULL,
  PRIMARY KEY(station_id, date, time), CHECK(taken >= 0 AND taken <= capacity)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fitting_prices(diameter INTEGER NOT NULL, service TEXT NOT NULL,
  per_wheel INTEGER NOT NULL, PRIMARY KEY(diameter, service)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS orders(id TEXT PRIMARY KEY, status TEXT NOT NULL, phone TEXT NOT NULL,
  customer_name TEXT NOT NULL, subtotal INTEGER NOT NULL, delivery_cost INTEGER NOT NULL, total INTEGER NOT NULL,
  delivery_type TEXT NOT NULL, city TEXT NOT NULL, address TEXT NOT NULL, pickup_point_id TEXT NOT NULL,
  estimated_days INTEGER NOT NULL, payment TEXT NOT NULL, created TEXT NOT NULL, estimated_delivery TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_phone ON orders(phone);
CREATE TABLE IF NOT EXISTS order_items(order_id TEXT NOT NULL REFERENCES orders(id), line INTEGER NOT NULL,
  product_id TEXT NOT NULL, name TEXT NOT NULL, size TEXT NOT NULL, quantity INTEGER NOT NULL,
  unit_price INTEGER NOT NULL, PRIMARY KEY(order_id, line)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bookings(id TEXT PRIMARY KEY, station_id TEXT NOT NULL REFERENCES stations(id),
  date TEXT NOT NULL, time TEXT NOT NULL, service TEXT NOT NULL, duration_min INTEGER NOT NULL, price INTEGER,
  cancelled INTEGER NOT NULL, phone TEXT NOT NULL, customer_name TEXT NOT NULL, vehicle_info TEXT NOT NULL,
  tire_diameter INTEGER, linked_order_id TEXT NOT NULL, call_id TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bookings_phone ON bookings(phone);
CREATE TABLE IF NOT EXISTS callbacks(id TEXT PRIMARY KEY, phone TEXT NOT NULL, preferred_time TEXT NOT NULL,
  note TEXT NOT NULL, call_id TEXT NOT NULL, created TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency(key TEXT PRIMARY KEY, op TEXT NOT NULL, result TEXT NOT NULL,
  created TEXT NOT NULL);
)SQL");
}

void ensure_slots(SQLite::Database &db, std::string_view station_id, Day from, Day to) {
  SQLite::Statement st(db, station_id.empty()
                               ? "SELECT id, weekday_open, weekday_close, sat_open, sat_close, sun_open, sun_close, "
                                 "posts FROM stations ORDER BY id"
                               : "SELECT id, weekday_open, weekday_close, sat_open, sat_close, sun_open, sun_close, "
                                 "posts FROM stations WHERE id = ?");
  if (!station_id.empty()) st.bind(1, std::string(station_id));
  SQLite::Statement ins(db, "INSERT OR IGNORE INTO slots(station_id, date, time, capacity, taken) VALUES(?,?,?,?,?)");
  while (st.executeStep()) {
    const std::string id = st.getColumn(0).getString();
    const int posts = st.getColumn(7).getInt();
    for (Day d = from; d <= to; d += std::chrono::days(1)) {
      const int wd = weekday_index(d);
      const int col = wd < 5 ? 1 : wd == 5 ? 3 : 5;
      auto open = time_minutes(st.getColumn(col).getString());
      auto close = time_minutes(st.getColumn(col + 1).getString());
      if (!open || !close) continue;  // closed that day
      const std::string date = format_date(d);
      // The last car starts an hour before closing.
      for (int m = *open; m + 60 <= *close; m += 60) {
        char hhmm[16];
        std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", m / 60, m % 60);
        Rng r(fnv1a(id + "|" + date + "|" + hhmm));
        const int roll = r.range(0, 99);
        const int taken = roll < 30 ? posts : roll < 60 ? r.range(0, posts - 1) : 0;
        ins.bind(1, id);
        ins.bind(2, date);
        ins.bind(3, std::string(hhmm));
        ins.bind(4, posts);
        ins.bind(5, taken);
        ins.exec();
        ins.reset();
      }
    }
  }
}

void populate(SQLite::Database &db, Day today) {
  Rng rng(0x5EED2026ULL);

  {
    SQLite::Statement st(db, "INSERT INTO brands(name, name_uk, tier, price_pct, country) VALUES(?,?,?,?,?)");
    for (const auto &b : kBrands) {
      st.bind(1, b.name);
      st.bind(2, b.name_uk);
      st.bind(3, b.tier);
      st.bind(4, b.price_pct);
      st.bind(5, b.country);
      st.exec();
      st.reset();
    }
  }
  {
    SQLite::Statement st(db, "INSERT INTO warehouses(id, city, name, central) VALUES(?,?,?,?)");
    for (const auto &w : kWarehouses) {
      st.bind(1, w.id);
      st.bind(2, w.city);
      st.bind(3, w.name);
      st.bind(4, w.central ? 1 : 0);
      st.exec();
      st.reset();
    }
  }

  // Tyres: for every size and season, a few lines that are made in that size, picked so the
  // brands mix (a real shop does not carry every line in every size).
  struct Sku {
    std::string id;
    std::string name;
    std::string size;
    int price;
  };
  std::vector<Sku> skus;
  {
    SQLite::Statement st(db,
                         "INSERT INTO tyres(id, brand, model, width, profile, diameter, season, studded, load_index, "
                         "speed_index, xl, price) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    SQLite::Statement stock(db, "INSERT INTO stock(tyre_id, warehouse_id, quantity) VALUES(?,?,?)");
    int next_id = 1001;
    for (const auto &size : kSizes) {
      for (Season season : {Season::summer, Season::winter, Season::all_season}) {
        std::vector<const ModelDef *> fit;
        for (const auto &m : kModels) {
          if (m.season == season && fits(m, size)) fit.push_back(&m);
        }
        // Fisher–Yates with our own generator: the same pick everywhere.
        for (size_t i = fit.size(); i > 1; --i) {
          const size_t j = static_cast<size_t>(rng.next() % i);
          std::swap(fit[i - 1], fit[j]);
        }
        const size_t want = season == Season::all_season ? 2 : 4;
        fit.resize(std::min(fit.size(), want));
        std::sort(fit.begin(), fit.end());  // table order: stable ids
        for (const ModelDef *m : fit) {
          int brand_pct = 100;
          for (const auto &b : kBrands) {
            if (std::string_view(b.name) == m->brand) brand_pct = b.price_pct;
          }
          int64_t price = int64_t{size.ref_price} * brand_pct * m->price_pct / 10000;
          if (m->studded) price = price * 106 / 100;
          price = price * rng.range(96, 104) / 100;
          price = std::clamp<int64_t>((price + 5) / 10 * 10, 1800, 15000);
          char id[16];
          std::snprintf(id, sizeof id, "T%d", next_id++);
          const char speed[2] = {speed_for(*m, size), 0};
          st.bind(1, id);
          st.bind(2, m->brand);
          st.bind(3, m->model);
          st.bind(4, size.width);
          st.bind(5, size.profile);
          st.bind(6, size.diameter);
          st.bind(7, std::string(season_name(season)));
          st.bind(8, m->studded ? 1 : 0);
          st.bind(9, size.load_index);
          st.bind(10, speed);
          st.bind(11, size.xl ? 1 : 0);
          st.bind(12, static_cast<int>(price));
          st.exec();
          st.reset();

          // Stock: about one line in twelve is sold out everywhere; the central warehouse
          // carries most of it.
          const bool sold_out = rng.range(0, 99) < 8;
          int total = 0;
          for (const auto &w : kWarehouses) {
            int q = 0;
            if (!sold_out) {
              const bool has = rng.range(0, 99) < (w.central ? 75 : 45);
              q = has ? (w.central ? rng.range(4, 40) : rng.range(2, 16)) : 0;
            }
            total += q;
            stock.bind(1, id);
            stock.bind(2, w.id);
            stock.bind(3, q);
            stock.exec();
            stock.reset();
          }
          if (!sold_out && total == 0) {  // every line not sold out has some stock somewhere
            SQLite::Statement fix(db, "UPDATE stock SET quantity = 4 WHERE tyre_id = ? AND warehouse_id = 'WKV'");
            fix.bind(1, id);
            fix.exec();
          }
          Tyre t;
          t.size = {size.width, size.profile, size.diameter};
          t.load_index = size.load_index;
          t.speed_index = speed;
          t.xl = size.xl;
          skus.push_back({id, std::string(m->brand) + " " + m->model, t.size_text(), static_cast<int>(price)});
        }
      }
    }
  }

  {
    SQLite::Statement st(db, "INSERT INTO cities(name, aliases) VALUES(?,?)");
    for (const auto &c : kCities) {
      st.bind(1, c.name);
      st.bind(2, c.aliases);
      st.exec();
      st.reset();
    }
  }
  {
    SQLite::Statement st(db,
                         "INSERT INTO stations(id, name, city, district, address, phone, weekday_open, weekday_close, "
                         "sat_open, sat_close, sun_open, sun_close, posts, services, price_pct) "
                         "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto &s : kStations) {
      int i = 1;
      for (const char *v : {s.id, s.name, s.city, s.district, s.address, s.phone, s.wd_open, s.wd_close, s.sat_open,
                            s.sat_close, s.sun_open, s.sun_close}) {
        st.bind(i++, v);
      }
      st.bind(i++, s.posts);
      st.bind(i++, s.services);
      st.bind(i++, s.price_pct);
      st.exec();
      st.reset();
    }
  }
  ensure_slots(db, "", today, today + std::chrono::days(kSlotDaysAhead));

  {
    SQLite::Statement st(db, "INSERT INTO fitting_prices(diameter, service, per_wheel) VALUES(?,?,?)");
    for (int d = 13; d <= 22; ++d) {
      for (Service s : {Service::tire_change, Service::balancing, Service::full_service}) {
        st.bind(1, d);
        st.bind(2, std::string(service_name(s)));
        st.bind(3, base_fitting_price(d, s));
        st.exec();
        st.reset();
      }
    }
  }
  {
    SQLite::Statement mk(db, "INSERT INTO vehicle_makes(make, aliases) VALUES(?,?)");
    for (const auto &m : kMakes) {
      mk.bind(1, m.make);
      mk.bind(2, m.aliases);
      mk.exec();
      mk.reset();
    }
    SQLite::Statement st(db,
                         "INSERT INTO vehicles(make, model, aliases, year_from, year_to, sizes) VALUES(?,?,?,?,?,?)");
    for (const auto &v : kVehicles) {
      st.bind(1, v.make);
      st.bind(2, v.model);
      st.bind(3, v.aliases);
      st.bind(4, v.year_from);
      st.bind(5, v.year_to);
      st.bind(6, v.sizes);
      st.exec();
      st.reset();
    }
  }

  // Sample orders for status look-ups, dated around today.
  {
    SQLite::Statement ord(db,
                          "INSERT INTO orders(id, status, phone, customer_name, subtotal, delivery_cost, total, "
                          "delivery_type, city, address, pickup_point_id, estimated_days, payment, created, "
                          "estimated_delivery) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    SQLite::Statement item(db,
                           "INSERT INTO order_items(order_id, line, product_id, name, size, quantity, unit_price) "
                           "VALUES(?,?,?,?,?,?,?)");
    int number = 100001;
    for (const auto &o : kSampleOrders) {
      const std::string id = std::to_string(number++);
      std::vector<const Sku *> picked;
      int subtotal = 0;
      for (int line = 0; line < o.lines; ++line) {
        picked.push_back(&skus[static_cast<size_t>(rng.next() % skus.size())]);
        subtotal += picked.back()->price * o.quantity;
      }
      const bool has_delivery = std::string_view(o.delivery_type) == "delivery";
      const int delivery_cost = has_delivery && subtotal < 8000 ? 250 : 0;
      ord.bind(1, id);
      ord.bind(2, std::string(order_status_name(o.status)));
      ord.bind(3, o.phone);
      ord.bind(4, o.name);
      ord.bind(5, subtotal);
      ord.bind(6, delivery_cost);
      ord.bind(7, subtotal + delivery_cost);
      ord.bind(8, o.delivery_type);
      ord.bind(9, o.city);
      ord.bind(10, o.address);
      ord.bind(11, o.pickup_point);
      ord.bind(12, o.delivery_in_days > 0 ? o.delivery_in_days : 0);
      ord.bind(13, o.payment);
      ord.bind(14, format_date(today - std::chrono::days(o.created_days_ago)));
      ord.bind(15, o.status == OrderStatus::draft || o.status == OrderStatus::cancelled
                       ? std::string()
                       : format_date(today + std::chrono::days(o.delivery_in_days)));
      ord.exec();
      ord.reset();
      int line = 1;
      for (const Sku *sku : picked) {
        item.bind(1, id);
        item.bind(2, line++);
        item.bind(3, sku->id);
        item.bind(4, sku->name);
        item.bind(5, sku->size);
        item.bind(6, o.quantity);
        item.bind(7, sku->price);
        item.exec();
        item.reset();
      }
    }
    SQLite::Statement meta(db, "INSERT INTO meta(key, value) VALUES(?,?)");
    for (auto [k, v] : {std::pair<const char *, std::string>{"next_order", std::to_string(number + 99)},
                        {"next_booking", "70001"},
                        {"next_callback", "501"},
                        {"schema_version", std::to_string(kSchemaVersion)},
                        {"seeded_for", format_date(today)}}) {
      meta.bind(1, k);
      meta.bind(2, v);
      meta.exec();
      meta.reset();
    }
  }
}

}  // namespace ca::store::seed
