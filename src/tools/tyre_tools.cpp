#include "tools/tyre_tools.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/log.hpp"
#include "store/calendar.hpp"

namespace ca::tools {

namespace {

using json::Value;
using providers::RequestId;
using providers::ToolContext;
using providers::ToolResult;
using store::Day;

constexpr size_t kSearchItems = 3;
constexpr size_t kOrdersShown = 5;
constexpr size_t kWarehousesShown = 3;
constexpr size_t kSlotDaysShown = 3;
constexpr int kMaxSlotRangeDays = 7;
constexpr size_t kArticles = 3;
constexpr size_t kArticleChars = 300;

const char *const kServiceUnavailable = "Сервіс тимчасово недоступний. Спробуйте пізніше.";

// ---- results ----

ToolResult ok_result(const Value &v) {
  ToolResult r;
  r.ok = true;
  r.json = json::dump(v);
  return r;
}

ToolResult error_result(std::string message, Value extra = Value()) {
  Value v;
  v.set("error", std::move(message));
  for (auto &[k, x] : extra.members_mut()) v.set(k, std::move(x));
  ToolResult r;
  r.ok = false;
  r.json = json::dump(v);
  return r;
}

// A store failure as the LLM should see it: what went wrong in words it can pass on. Transport
// and database failures are logged and become the generic "try later".
ToolResult store_error(const Error &e, std::string_view call_id, std::string_view tool) {
  if (e.code == Errc::io || e.code == Errc::internal || e.code == Errc::timeout || e.code == Errc::config) {
    log::write(log::Level::error, call_id, "tool: store failed", {{"tool", tool}, {"error", e.message}});
    return error_result(kServiceUnavailable);
  }
  return error_result(e.message);
}

int64_t count_of(size_t n) { return static_cast<int64_t>(n); }

// ---- arguments ----

std::string arg_str(const Value &args, std::string_view key) {
  const Value &v = args[key];
  if (v.is_string()) {
    const std::string &s = v.as_string();
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
  }
  if (v.is_integer()) return std::to_string(v.as_int());  // ids an LLM sent as numbers
  return {};
}

// Integers, numbers without a fraction, and digits in a string ("16", "R16").
std::optional<int> arg_int(const Value &args, std::string_view key) {
  const Value &v = args[key];
  if (v.is_number()) {
    const double d = v.as_double();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -1e9 && d < 1e9) return static_cast<int>(d);
    return std::nullopt;
  }
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && (s.front() == 'R' || s.front() == 'r')) s.remove_prefix(1);
    if (s.empty() || s.size() > 6) return std::nullopt;
    int x = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      x = x * 10 + (c - '0');
    }
    return x;
  }
  return std::nullopt;
}

bool arg_true(const Value &args, std::string_view key) {
  const Value &v = args[key];
  return (v.is_bool() && v.as_bool()) || (v.is_string() && (v.as_string() == "true" || v.as_string() == "yes"));
}

bool has_arg(const Value &args, std::string_view key) {
  const Value *v = args.find(key);
  return v != nullptr && !v->is_null() && !(v->is_string() && arg_str(args, key).empty());
}

// The phone to use: the caller's own number when the line gave one; what the LLM passed
// otherwise.
std::optional<std::string> effective_phone(const ToolContext &ctx, const std::string &given) {
  if (auto own = store::normalize_phone(ctx.caller_number)) return own;
  return store::normalize_phone(given);
}

std::string money(int uah) { return std::to_string(uah) + " грн"; }

// "Записати на …": the service in the accusative.
std::string_view service_accusative(store::Service s) {
  switch (s) {
    case store::Service::tire_change:
      return "заміну шин";
    case store::Service::balancing:
      return "балансування";
    case store::Service::full_service:
      return "заміну шин із балансуванням";
  }
  return "заміну шин";
}

// Cuts at a code point boundary after at most `n` code points.
std::string utf8_prefix(const std::string &s, size_t n) {
  size_t count = 0, i = 0;
  while (i < s.size()) {
    if (count == n) return s.substr(0, i) + "…";
    const auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++count;
  }
  return s;
}

// ---- per-call memory ----

struct CallState {
  std::set<std::string> offered_times;  // "station|date|time" as get_fitting_slots returned them
  std::set<std::string> offered_days;   // "station|date"
  std::set<std::string> summaries;      // requests whose summary was returned
  uint64_t last_use = 0;
};

// ---- the worker ----

// The queue and its thread. Held by shared_ptr from the thread itself, so a pack destroyed from
// inside a result callback (on the worker thread) does not pull the queue from under it.
struct Worker {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;
  bool stop = false;
  bool abandon = false;  // the pack is gone: queued jobs must not run
  std::thread thread;

  static void loop(std::shared_ptr<Worker> w) {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(w->mu);
        w->cv.wait(lock, [&] { return w->stop || !w->jobs.empty(); });
        if (w->abandon || w->jobs.empty()) return;  // stop: the queue is drained first
        job = std::move(w->jobs.front());
        w->jobs.pop_front();
      }
      job();
    }
  }
};

class Pack;
using Handler = ToolResult (*)(Pack &, const Value &args, const ToolContext &ctx, std::function<void()> &on_delivered);

class Pack {
 public:
  Pack(std::shared_ptr<store::TyreStore> s, ToolPackOptions o) : store_(std::move(s)), opts_(std::move(o)) {
    if (!opts_.clock) opts_.clock = [] { return std::chrono::system_clock::now(); };
    worker_ = std::make_shared<Worker>();
    worker_->thread = std::thread(Worker::loop, worker_);
  }

  ~Pack() {
    const bool on_worker = std::this_thread::get_id() == worker_->thread.get_id();
    {
      std::lock_guard lock(worker_->mu);
      worker_->stop = true;
      worker_->abandon = on_worker;
    }
    worker_->cv.notify_all();
    if (on_worker) {
      worker_->thread.detach();
    } else {
      worker_->thread.join();
    }
  }

  Pack(const Pack &) = delete;
  Pack &operator=(const Pack &) = delete;

  const std::string &language() const { return opts_.language; }

  void invoke(std::string name, Handler handler, bool cancellable, RequestId id, std::string args, ToolContext ctx,
              std::shared_ptr<providers::ToolSink> sink) {
    {
      std::lock_guard lock(mu_);
      if (cancellable) pending_.insert(id);
    }
    auto job = [this, name = std::move(name), handler, cancellable, id, args = std::move(args), ctx = std::move(ctx),
                sink = std::move(sink)] {
      if (cancellable && dropped(id, false)) return;
      std::function<void()> on_delivered;
      ToolResult r = run(name, handler, args, ctx, on_delivered);
      if (cancellable && dropped(id, true)) return;
      if (on_delivered) on_delivered();
      // Last: the sink may destroy the pack.
      sink->on_tool_result(id, std::move(r));
    };
    {
      std::lock_guard lock(worker_->mu);
      worker_->jobs.push_back(std::move(job));
    }
    worker_->cv.notify_one();
  }

  void cancel(RequestId id) {
    std::lock_guard lock(mu_);
    if (pending_.count(id) != 0) cancelled_.insert(id);
  }

  // The store's words for the recognisers, asked once (the tools that report them share it);
  // any thread. A store that cannot answer is asked again next time.
  std::optional<store::Vocabulary> vocabulary() {
    std::lock_guard lock(vocabulary_mu_);
    if (!vocabulary_) {
      if (auto v = store_->vocabulary()) vocabulary_ = std::move(*v);
    }
    return vocabulary_;
  }

  // ---- for handlers (worker thread only) ----

  store::TyreStore &store() { return *store_; }
  const ToolPackOptions &options() const { return opts_; }
  Day today() const { return store::local_day(opts_.clock(), opts_.time_zone); }
  TimePoint now() const { return opts_.clock(); }

  CallState &call(const std::string &call_id) {
    CallState &c = calls_[call_id];
    c.last_use = ++use_counter_;
    if (calls_.size() > std::max<size_t>(1, opts_.calls_remembered)) {
      // Forget the call used least recently (the current one was just used).
      std::string oldest;
      uint64_t oldest_use = UINT64_MAX;
      for (const auto &[id, state] : calls_) {
        if (state.last_use < oldest_use) {
          oldest_use = state.last_use;
          oldest = id;
        }
      }
      calls_.erase(oldest);
    }
    return calls_[call_id];
  }

 private:
  // True when the invocation was cancelled; `finished` forgets it either way.
  bool dropped(RequestId id, bool finished) {
    std::lock_guard lock(mu_);
    const bool was_cancelled = cancelled_.count(id) != 0;
    if (finished || was_cancelled) {
      auto it = pending_.find(id);
      if (it != pending_.end()) pending_.erase(it);
      if (pending_.count(id) == 0) cancelled_.erase(id);
    }
    return was_cancelled;
  }

  ToolResult run(const std::string &name, Handler handler, const std::string &args_text, const ToolContext &ctx,
                 std::function<void()> &on_delivered) {
    Value args;
    if (!args_text.empty()) {
      auto parsed = json::parse(args_text);
      if (!parsed) return error_result("Аргументи не є коректним JSON: " + parsed.error().message);
      args = std::move(parsed).value();
    }
    if (args.is_null()) args = Value::object();
    if (!args.is_object()) return error_result("Аргументи мають бути JSON-об'єктом.");
    try {
      return handler(*this, args, ctx, on_delivered);
    } catch (const std::exception &e) {  // a handler bug must not take the worker down
      log::write(log::Level::error, ctx.call_id, "tool: handler threw", {{"tool", name}, {"error", e.what()}});
      return error_result(kServiceUnavailable);
    }
  }

  std::shared_ptr<store::TyreStore> store_;
  ToolPackOptions opts_;
  std::shared_ptr<Worker> worker_;
  std::mutex mu_;
  std::multiset<RequestId> pending_;
  std::set<RequestId> cancelled_;
  std::unordered_map<std::string, CallState> calls_;  // worker thread only
  uint64_t use_counter_ = 0;
  std::mutex vocabulary_mu_;
  std::optional<store::Vocabulary> vocabulary_;
};

// ---- dates ----

// "2026-03-10", "today"/"tomorrow"/"day_after_tomorrow" in English, Ukrainian or Russian,
// "10.03.2026" and "10.03".
std::optional<Day> parse_day(const std::string &text, Day today) {
  const std::string f = store::fold_case(text);
  if (f == "today" || f == "сьогодні" || f == "сегодня") return today;
  if (f == "tomorrow" || f == "завтра") return today + std::chrono::days(1);
  if (f == "day_after_tomorrow" || f == "day after tomorrow" || f == "післязавтра" || f == "послезавтра") {
    return today + std::chrono::days(2);
  }
  if (auto d = store::parse_iso_date(f)) return d;
  unsigned dd = 0, mm = 0;
  int yy = 0;
  char tail = 0;
  if (std::sscanf(f.c_str(), "%2u.%2u.%4d%c", &dd, &mm, &yy, &tail) == 3) {
    const std::chrono::year_month_day ymd{std::chrono::year(yy), std::chrono::month(mm), std::chrono::day(dd)};
    if (ymd.ok()) return Day(ymd);
    return std::nullopt;
  }
  if (std::sscanf(f.c_str(), "%2u.%2u%c", &dd, &mm, &tail) == 2) {
    const std::chrono::year_month_day now{today};
    std::chrono::year_month_day ymd{now.year(), std::chrono::month(mm), std::chrono::day(dd)};
    if (!ymd.ok()) return std::nullopt;
    if (Day(ymd) < today) ymd = std::chrono::year_month_day{now.year() + std::chrono::years(1), ymd.month(), ymd.day()};
    if (ymd.ok()) return Day(ymd);
  }
  return std::nullopt;
}

std::string iso(Day d) { return store::format_date(d); }

std::string spoken(Day d) { return store::spoken_date_uk(d); }

// Bookings open tomorrow and close `days_ahead` days from today.
std::optional<std::string> window_error(Day d, Day today, int days_ahead) {
  const Day first = today + std::chrono::days(1);
  const Day last = today + std::chrono::days(days_ahead);
  if (d < first) {
    return "На " + iso(d) + " записатися не можна: запис можливий з " + iso(first) + " (" + spoken(first) + ") до " +
           iso(last) + " (" + spoken(last) + "). Запропонуйте клієнту дату в цих межах.";
  }
  if (d > last) {
    return "Запис відкрито лише до " + iso(last) + " (" + spoken(last) + "); " + iso(d) +
           " ще недоступна. Запропонуйте клієнту дату не пізніше.";
  }
  return std::nullopt;
}

std::string fingerprint(std::string_view tool, const Value &effective) {
  return std::string(tool) + "|" + json::dump(effective, {.sort_keys = true});
}

// The confirmation step: without "confirmed": true after this very request's summary was
// returned in this call, nothing is done and the summary goes back to be read to the caller.
std::optional<ToolResult> needs_confirmation(Pack &p, const ToolContext &ctx, const Value &args, std::string_view tool,
                                             const Value &effective, const std::string &summary) {
  CallState &call = p.call(ctx.call_id);
  const std::string fp = fingerprint(tool, effective);
  const bool seen = call.summaries.count(fp) != 0;
  if (seen && arg_true(args, "confirmed")) return std::nullopt;
  call.summaries.insert(fp);
  Value v;
  v.set("needs_confirmation", true).set("summary", summary);
  if (arg_true(args, "confirmed")) {
    v.set("note",
          "Спершу прочитайте клієнту summary й отримайте згоду; потім повторіть виклик з тими самими "
          "даними та confirmed=true.");
  }
  return ok_result(v);
}

// ---- tool: search_tires ----

Value tyre_item(const store::Tyre &t) {
  Value v;
  v.set("id", t.id)
      .set("name", t.name())
      .set("size", t.size_text())
      .set("season", store::season_name(t.season))
      .set("price", t.price)
      .set("stock", t.stock);
  if (t.studded) v.set("studded", true);
  return v;
}

// Three offers that span the price range: the cheapest, a middle one and the dearest in stock.
std::vector<store::Tyre> pick_offers(const std::vector<store::Tyre> &all, bool brand_given) {
  std::vector<store::Tyre> pool;
  for (const auto &t : all) {
    if (t.stock > 0) pool.push_back(t);
  }
  if (pool.empty()) pool = all;
  std::stable_sort(pool.begin(), pool.end(), [](const auto &a, const auto &b) { return a.price < b.price; });
  if (pool.size() <= kSearchItems || brand_given) {
    if (pool.size() > kSearchItems) pool.resize(kSearchItems);
    return pool;
  }
  return {pool.front(), pool[pool.size() / 2], pool.back()};
}

ToolResult search_tires(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  store::TyreQuery q;
  q.width = arg_int(a, "width");
  q.profile = arg_int(a, "profile");
  q.diameter = arg_int(a, "diameter");
  q.brand = arg_str(a, "brand");
  q.vehicle_make = arg_str(a, "vehicle_make");
  q.vehicle_model = arg_str(a, "vehicle_model");
  q.vehicle_year = arg_int(a, "vehicle_year");
  q.limit = 500;
  if (has_arg(a, "season")) {
    q.season = store::parse_season(arg_str(a, "season"));
    if (!q.season) return error_result("season має бути summer, winter або all_season.");
  }
  if (q.vehicle_make.empty() != q.vehicle_model.empty()) {
    return error_result("Для пошуку за авто потрібні і марка, і модель — уточніть у клієнта.");
  }
  if (!q.width && !q.profile && !q.diameter && q.vehicle_make.empty() && q.brand.empty()) {
    return error_result(
        "Уточніть у клієнта розмір шин (ширина/профіль/діаметр, напр. 205/55 R16 — написаний на "
        "боковині шини) або марку й модель авто.");
  }
  auto r = p.store().search_tyres(q);
  if (!r) return store_error(r.error(), ctx.call_id, "search_tires");
  Value out;
  if (r->not_found == "vehicle") {
    return ok_result(out.set("total", 0)
                         .set("items", Value::array())
                         .set("message",
                              "Цього авто немає в довіднику. Запитайте розмір шин — він написаний на "
                              "боковині шини (напр. 205/55 R16)."));
  }
  if (r->not_found == "brand") {
    auto vocab = p.store().vocabulary();
    Value brands = Value::array();
    if (vocab) {
      for (const auto &b : vocab->brands) brands.push(b);
    }
    return ok_result(out.set("total", 0)
                         .set("items", Value::array())
                         .set("message", "Бренду " + q.brand + " немає в асортименті.")
                         .set("brands", std::move(brands)));
  }
  out.set("total", r->total);
  if (r->vehicle) {
    Value sizes = Value::array();
    for (const auto &s : r->vehicle->sizes) sizes.push(s.text());
    out.set("vehicle", r->vehicle->make + " " + r->vehicle->model).set("sizes", std::move(sizes));
  }
  Value items = Value::array();
  for (const auto &t : pick_offers(r->items, !q.brand.empty())) items.push(tyre_item(t));
  out.set("items", std::move(items));
  std::string hint;
  if (r->vehicle && r->vehicle->sizes.size() > 1 && !q.diameter) {
    hint = "У авто кілька заводських розмірів; уточніть, який стоїть зараз.";
  }
  if (!q.season && r->total > 0) {
    if (!hint.empty()) hint += ' ';
    hint += "Уточніть сезон: літні, зимові чи всесезонні.";
  }
  if (!hint.empty()) out.set("hint", hint);
  return ok_result(out);
}

// ---- tool: check_availability ----

ToolResult check_availability(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  std::string id = arg_str(a, "product_id");
  const std::string query = arg_str(a, "query");
  if (id.empty() && query.empty()) return error_result("Потрібен product_id з search_tires або query з назвою шини.");
  if (id.empty()) {
    store::TyreQuery q;
    q.text = query;
    if (auto size = store::parse_tyre_size(query)) {
      q.text.clear();
      q.width = size->width;
      q.profile = size->profile;
      q.diameter = size->diameter;
    }
    q.limit = 1;
    auto r = p.store().search_tyres(q);
    if (!r) return store_error(r.error(), ctx.call_id, "check_availability");
    if (r->items.empty()) return ok_result(Value().set("available", false).set("message", "Товар не знайдено"));
    id = r->items.front().id;
  }
  auto r = p.store().availability(id);
  if (!r) {
    if (r.error().code == Errc::not_found) {
      return ok_result(Value().set("available", false).set("message", "Товар не знайдено"));
    }
    return store_error(r.error(), ctx.call_id, "check_availability");
  }
  Value wh = Value::array();
  for (size_t i = 0; i < r->warehouses.size() && i < kWarehousesShown; ++i) {
    wh.push(Value().set("city", r->warehouses[i].city).set("qty", r->warehouses[i].quantity));
  }
  Value out;
  out.set("id", r->tyre.id)
      .set("name", r->tyre.name())
      .set("size", r->tyre.size_text())
      .set("available", r->tyre.stock > 0)
      .set("stock", r->tyre.stock)
      .set("price", r->tyre.price)
      .set("delivery_days", r->delivery_days);
  if (wh.size() > 0) out.set("warehouses", std::move(wh));
  return ok_result(out);
}

// ---- tool: transfer_to_operator ----

ToolResult transfer_to_operator(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  std::string reason = arg_str(a, "reason");
  if (reason.empty()) reason = "customer_request";
  if (p.options().after_hours) {
    if (auto message = p.options().after_hours(p.now())) {
      log::write(log::Level::info, ctx.call_id, "tool: transfer refused after hours", {{"reason", reason}});
      return ok_result(Value()
                           .set("after_hours", true)
                           .set("message", *message)
                           .set("next",
                                "Оператори зараз не працюють. Запропонуйте зворотний дзвінок: узгодьте зручний "
                                "час і викличте create_callback_request."));
    }
  }
  ToolResult r = ok_result(Value().set("status", "transferring").set("message", "З'єдную з оператором"));
  r.action = ToolResult::Action::transfer;
  r.action_reason = reason;
  return r;
}

// ---- tool: get_order_status ----

Value order_brief(const store::Order &o) {
  Value v;
  v.set("order_id", o.id)
      .set("status", store::order_status_name(o.status))
      .set("status_label", store::order_status_label_uk(o.status))
      .set("total", o.total)
      .set("created", o.created);
  if (!o.estimated_delivery.empty() && o.status != store::OrderStatus::delivered) {
    v.set("estimated_delivery", o.estimated_delivery);
  }
  return v;
}

ToolResult get_order_status(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string order_id = arg_str(a, "order_id");
  if (!order_id.empty()) {
    auto r = p.store().order(order_id);
    if (!r) {
      if (r.error().code == Errc::not_found) {
        return ok_result(Value()
                             .set("found", false)
                             .set("message", "Замовлення " + order_id + " не знайдено. Перепитайте номер замовлення."));
      }
      return store_error(r.error(), ctx.call_id, "get_order_status");
    }
    return ok_result(Value().set("found", true).set("total", 1).set("orders", Value::array().push(order_brief(*r))));
  }
  auto phone = effective_phone(ctx, arg_str(a, "phone"));
  if (!phone) return error_result("Запитайте номер замовлення або телефон, на який його оформлено.");
  auto r = p.store().orders_by_phone(*phone);
  if (!r) return store_error(r.error(), ctx.call_id, "get_order_status");
  Value orders = Value::array();
  for (size_t i = 0; i < r->size() && i < kOrdersShown; ++i) orders.push(order_brief((*r)[i]));
  Value out;
  out.set("found", !r->empty()).set("total", count_of(r->size())).set("orders", std::move(orders));
  if (r->empty()) out.set("message", "На номер " + store::spoken_phone(*phone) + " замовлень не знайдено.");
  return ok_result(out);
}

// ---- tool: create_order_draft ----

ToolResult create_order_draft(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const Value &items = a["items"];
  if (!items.is_array() || items.size() == 0) {
    return error_result("items: потрібен список [{product_id, quantity}] з ідентифікаторами з search_tires.");
  }
  auto phone = effective_phone(ctx, arg_str(a, "customer_phone"));
  if (!phone) return error_result("Потрібен номер телефону клієнта — запитайте його.");
  std::vector<store::OrderItemRequest> req;
  std::map<std::string, int> merged;
  std::string lines;
  int total = 0;
  for (const auto &it : items.items()) {
    const std::string id = arg_str(it, "product_id");
    const auto qty = arg_int(it, "quantity");
    if (id.empty() || !qty) return error_result("Кожна позиція потребує product_id і quantity.");
    if (*qty < 1 || *qty > 99) return error_result("quantity має бути від 1 до 99.");
    merged[id] += *qty;
  }
  for (const auto &[id, qty] : merged) {
    auto t = p.store().availability(id);
    if (!t) {
      if (t.error().code == Errc::not_found) {
        return error_result("Товару " + id + " немає в каталозі. Візьміть id з результату search_tires.");
      }
      return store_error(t.error(), ctx.call_id, "create_order_draft");
    }
    if (t->tyre.stock < qty) {
      return error_result("У наявності лише " + std::to_string(t->tyre.stock) + " шт. " + t->tyre.name() + " " +
                          t->tyre.size_text() + ". Запропонуйте клієнту меншу кількість або іншу модель.");
    }
    req.push_back({id, qty});
    if (!lines.empty()) lines += "; ";
    lines += std::to_string(qty) + " шт. " + t->tyre.name() + " " + t->tyre.size_text() + " по " + money(t->tyre.price);
    total += qty * t->tyre.price;
  }
  Value effective;
  Value eff_items = Value::array();
  for (const auto &r : req) eff_items.push(Value().set("product_id", r.product_id).set("quantity", r.quantity));
  effective.set("items", std::move(eff_items)).set("phone", *phone);
  const std::string summary = "Оформити замовлення: " + lines + "; разом " + money(total) +
                              ". Телефон для зв'язку: " + store::spoken_phone(*phone) +
                              ". Доставку й оплату оберемо наступним кроком.";
  if (auto ask = needs_confirmation(p, ctx, a, "create_order_draft", effective, summary)) return *ask;

  auto r = p.store().create_order_draft(req, *phone, ctx.idempotency_key);
  if (!r) return store_error(r.error(), ctx.call_id, "create_order_draft");
  Value out_items = Value::array();
  for (const auto &l : r->items) {
    out_items.push(Value().set("id", l.product_id).set("qty", l.quantity).set("price", l.unit_price));
  }
  return ok_result(Value()
                       .set("order_id", r->id)
                       .set("status", store::order_status_name(r->status))
                       .set("items", std::move(out_items))
                       .set("total", r->total));
}

// ---- requests made again after the state moved on ----

// The session derives the idempotency key from (call, tool, arguments), so asking again for what
// was asked before in the call (book, cancel, book the same time again) replays the first result.
// When the store's current state does not match the request any more, the request is new: it
// gets a key derived from the first one, so its own replays stay idempotent.
template <class T, class Op, class Matches>
Result<T> once_more_if_stale(const std::string &key, Op &&op, Matches &&matches) {
  constexpr int kAttempts = 8;
  Result<T> r = op(key);
  for (int attempt = 1; attempt < kAttempts && r.ok() && !key.empty() && !matches(r.value()); ++attempt) {
    r = op(key + "#" + std::to_string(attempt));
  }
  return r;
}

// ---- orders that belong to someone else ----

std::optional<ToolResult> not_callers(const ToolContext &ctx, const std::string &owner_phone, const char *what) {
  auto own = store::normalize_phone(ctx.caller_number);
  if (own && *own != owner_phone) {
    return error_result(std::string(what) +
                        " оформлено на інший номер телефону; змінити це може лише оператор. Запропонуйте з'єднати з "
                        "оператором.");
  }
  return std::nullopt;
}

// ---- tool: update_order_delivery ----

ToolResult update_order_delivery(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string order_id = arg_str(a, "order_id");
  if (order_id.empty()) return error_result("Потрібен order_id з create_order_draft.");
  auto type = store::parse_delivery_type(arg_str(a, "delivery_type"));
  if (!type || *type == store::DeliveryType::none) return error_result("delivery_type має бути delivery або pickup.");
  auto o = p.store().order(order_id);
  if (!o) {
    if (o.error().code == Errc::not_found) return error_result("Замовлення " + order_id + " не знайдено.");
    return store_error(o.error(), ctx.call_id, "update_order_delivery");
  }
  if (auto refuse = not_callers(ctx, o->customer_phone, "Замовлення")) return *refuse;
  if (o->status != store::OrderStatus::draft) {
    return error_result("Замовлення " + o->id + " вже " + std::string(store::order_status_label_uk(o->status)) +
                        "; доставку змінює лише оператор.");
  }
  store::DeliveryRequest d;
  d.type = *type;
  d.city = arg_str(a, "city");
  d.address = arg_str(a, "address");
  d.pickup_point_id = arg_str(a, "pickup_point_id");
  if (d.type == store::DeliveryType::delivery && (d.city.empty() || d.address.empty())) {
    return error_result("Для доставки потрібні місто й адреса (або відділення Нової пошти) — запитайте їх.");
  }
  if (d.type == store::DeliveryType::pickup && d.pickup_point_id.empty()) {
    Value points = Value::array();
    if (!d.city.empty()) {
      if (auto st = p.store().stations(d.city)) {
        for (const auto &s : st.value()) {
          points.push(Value().set("id", s.id).set("name", s.name).set("address", s.address));
        }
      }
    }
    return error_result(points.size() > 0 ? "Оберіть із клієнтом пункт видачі й передайте його id у pickup_point_id."
                                          : "Потрібен pickup_point_id: викличте get_fitting_stations для міста "
                                            "клієнта — кожна станція є пунктом видачі.",
                        points.size() > 0 ? Value().set("points", std::move(points)) : Value());
  }
  auto r = once_more_if_stale<store::Order>(
      ctx.idempotency_key, [&](const std::string &key) { return p.store().update_order_delivery(o->id, d, key); },
      [&](const store::Order &done) {
        auto now = p.store().order(done.id);
        if (!now || now->delivery_type != d.type) return false;
        return d.type == store::DeliveryType::pickup ? now->pickup_point_id == d.pickup_point_id
                                                     : now->address == d.address;
      });
  if (!r) return store_error(r.error(), ctx.call_id, "update_order_delivery");
  return ok_result(Value()
                       .set("order_id", r->id)
                       .set("delivery_type", store::delivery_type_name(r->delivery_type))
                       .set("delivery_cost", r->delivery_cost)
                       .set("estimated_days", r->estimated_days)
                       .set("total", r->total));
}

// ---- tool: confirm_order ----

ToolResult confirm_order(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string order_id = arg_str(a, "order_id");
  if (order_id.empty()) return error_result("Потрібен order_id з create_order_draft.");
  auto pay = store::parse_payment_method(arg_str(a, "payment_method"));
  if (!pay || *pay == store::PaymentMethod::none) {
    return error_result("payment_method має бути cod, online або card_on_delivery — запитайте клієнта.");
  }
  const std::string name = arg_str(a, "customer_name");
  auto o = p.store().order(order_id);
  if (!o) {
    if (o.error().code == Errc::not_found) return error_result("Замовлення " + order_id + " не знайдено.");
    return store_error(o.error(), ctx.call_id, "confirm_order");
  }
  if (auto refuse = not_callers(ctx, o->customer_phone, "Замовлення")) return *refuse;
  if (o->status != store::OrderStatus::draft) {
    return ok_result(
        Value()
            .set("order_id", o->id)
            .set("status", store::order_status_name(o->status))
            .set("message", "Замовлення вже " + std::string(store::order_status_label_uk(o->status)) + "."));
  }
  if (o->delivery_type == store::DeliveryType::none) {
    return error_result("Спершу оберіть доставку або самовивіз: update_order_delivery.");
  }
  std::string lines;
  for (const auto &l : o->items) {
    if (!lines.empty()) lines += "; ";
    lines += std::to_string(l.quantity) + " шт. " + l.name + " " + l.size;
  }
  std::string delivery = o->delivery_type == store::DeliveryType::pickup
                             ? "самовивіз: " + o->city + ", " + o->address
                             : "доставка: " + o->city + ", " + o->address +
                                   (o->delivery_cost > 0 ? " (" + money(o->delivery_cost) + ")" : " (безкоштовно)");
  std::string summary = "Підтвердити замовлення номер " + o->id + ": " + lines + "; " + delivery + "; разом " +
                        money(o->total) + "; " + std::string(store::payment_method_label_uk(*pay));
  if (!name.empty()) summary += "; отримувач: " + name;
  summary += ".";
  Value effective;
  effective.set("order_id", o->id).set("payment", store::payment_method_name(*pay)).set("name", name);
  if (auto ask = needs_confirmation(p, ctx, a, "confirm_order", effective, summary)) return *ask;

  auto r = p.store().confirm_order(o->id, *pay, name, ctx.idempotency_key);
  if (!r) return store_error(r.error(), ctx.call_id, "confirm_order");
  Value out;
  out.set("order_id", r->id).set("status", store::order_status_name(r->status)).set("total", r->total);
  if (auto d = store::parse_iso_date(r->estimated_delivery)) {
    out.set("estimated_delivery", r->estimated_delivery).set("delivery_day", spoken(*d));
  }
  return ok_result(out);
}

// ---- tool: get_fitting_stations ----

ToolResult get_fitting_stations(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string city = arg_str(a, "city");
  if (city.empty()) return error_result("Запитайте, в якому місті клієнту зручно.");
  auto r = p.store().stations(city);
  if (!r) return store_error(r.error(), ctx.call_id, "get_fitting_stations");
  if (r->empty()) {
    Value cities = Value::array();
    std::set<std::string> seen;
    if (auto all = p.store().stations("")) {
      for (const auto &s : all.value()) {
        if (seen.insert(s.city).second) cities.push(s.city);
      }
    }
    return ok_result(Value()
                         .set("total", 0)
                         .set("stations", Value::array())
                         .set("message", "У місті " + city + " наших шиномонтажів немає.")
                         .set("cities", std::move(cities)));
  }
  Value stations = Value::array();
  for (const auto &s : r.value()) {
    stations.push(Value()
                      .set("id", s.id)
                      .set("name", s.name)
                      .set("district", s.district)
                      .set("address", s.address)
                      .set("phone", s.phone)
                      .set("hours", s.hours));
  }
  return ok_result(
      Value().set("total", count_of(r->size())).set("city", r->front().city).set("stations", std::move(stations)));
}

// ---- tool: get_fitting_slots ----

std::optional<ToolResult> check_station_service(Pack &p, const ToolContext &ctx, const std::string &station_id,
                                                std::optional<store::Service> service, store::Station &out) {
  auto st = p.store().station(station_id);
  if (!st) {
    if (st.error().code == Errc::not_found) {
      return error_result("Невідома станція " + station_id + ". Візьміть id з get_fitting_stations.");
    }
    return store_error(st.error(), ctx.call_id, "station");
  }
  out = std::move(st).value();
  if (service &&
      std::find(out.services.begin(), out.services.end(), store::service_name(*service)) == out.services.end()) {
    return error_result(out.name + " не виконує послугу " + std::string(store::service_name(*service)) + ".");
  }
  return std::nullopt;
}

ToolResult get_fitting_slots(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &on_delivered) {
  const std::string station_id = arg_str(a, "station_id");
  if (station_id.empty()) return error_result("Потрібен station_id з get_fitting_stations.");
  std::optional<store::Service> service;
  if (has_arg(a, "service_type")) {
    service = store::parse_service(arg_str(a, "service_type"));
    if (!service) return error_result("service_type має бути tire_change, balancing або full_service.");
  }
  store::Station station;
  if (auto e = check_station_service(p, ctx, station_id, service, station)) return *e;

  const Day today = p.today();
  const int ahead = p.options().booking_days_ahead;
  const Day first = today + std::chrono::days(1);
  const Day last = today + std::chrono::days(ahead);
  Day from = first;
  std::string note;
  if (has_arg(a, "date_from")) {
    auto d = parse_day(arg_str(a, "date_from"), today);
    if (!d) return error_result("date_from: дата у форматі YYYY-MM-DD, або today / tomorrow.");
    if (*d > last) return error_result(*window_error(*d, today, ahead));
    if (*d < first) {
      note = "Запис можливий з завтрашнього дня (" + spoken(first) + ").";
    } else {
      from = *d;
    }
  }
  Day to = last;
  const bool range_given = has_arg(a, "date_to");
  if (range_given) {
    auto d = parse_day(arg_str(a, "date_to"), today);
    if (!d) return error_result("date_to: дата у форматі YYYY-MM-DD.");
    if (*d < from) return error_result("date_to раніше за date_from.");
    to = std::min({*d, last, from + std::chrono::days(kMaxSlotRangeDays - 1)});
  }
  auto slots = p.store().slots(station.id, iso(from), iso(to));
  if (!slots) return store_error(slots.error(), ctx.call_id, "get_fitting_slots");

  // Free times by day; without date_to, the first few days that have any.
  std::vector<std::pair<std::string, std::vector<std::string>>> days;
  for (const auto &s : slots.value()) {
    if (s.free <= 0) continue;
    if (days.empty() || days.back().first != s.date) {
      if (!range_given && days.size() == kSlotDaysShown) break;
      days.push_back({s.date, {}});
    }
    days.back().second.push_back(s.time);
  }
  Value out;
  out.set("station_id", station.id);
  Value jdays = Value::array();
  for (const auto &[date, times] : days) {
    Value jt = Value::array();
    for (const auto &t : times) jt.push(t);
    jdays.push(Value()
                   .set("date", date)
                   .set("weekday", store::weekday_uk(*store::parse_iso_date(date)))
                   .set("times", std::move(jt)));
  }
  out.set("days", std::move(jdays));
  if (days.empty()) {
    out.set("message",
            "Вільного часу з " + iso(from) + " по " + iso(to) + " немає. Запропонуйте інші дати або іншу станцію.");
  }
  if (!note.empty()) out.set("note", note);
  // Only what the LLM actually received counts as offered.
  on_delivered = [&p, call_id = ctx.call_id, sid = station.id, days = std::move(days)] {
    CallState &call = p.call(call_id);
    for (const auto &[date, times] : days) {
      call.offered_days.insert(sid + "|" + date);
      for (const auto &t : times) call.offered_times.insert(sid + "|" + date + "|" + t);
    }
  };
  return ok_result(out);
}

// The date and time of a booking or a move: in the window, offered in this call, still free.
std::optional<ToolResult> check_slot(Pack &p, const ToolContext &ctx, const store::Station &station,
                                     const std::string &date_text, const std::string &time_text, Day &day,
                                     std::string &time) {
  const Day today = p.today();
  auto d = parse_day(date_text, today);
  if (!d) return error_result("Дата у форматі YYYY-MM-DD, або tomorrow.");
  if (auto e = window_error(*d, today, p.options().booking_days_ahead)) return error_result(*e);
  auto t = store::normalize_time(time_text);
  if (!t) return error_result("Час у форматі HH:MM, напр. 10:00.");
  day = *d;
  time = *t;
  const std::string date = iso(day);
  CallState &call = p.call(ctx.call_id);
  if (call.offered_days.count(station.id + "|" + date) == 0) {
    return error_result("Спершу викличте get_fitting_slots для станції " + station.id + " з date_from=" + date +
                        " і запропонуйте клієнту один із вільних часів.");
  }
  auto slots = p.store().slots(station.id, date, date);
  if (!slots) return store_error(slots.error(), ctx.call_id, "slots");
  std::string free_now;
  bool free = false;
  for (const auto &s : slots.value()) {
    if (s.free <= 0) continue;
    if (s.time == time) free = true;
    if (!free_now.empty()) free_now += ", ";
    free_now += s.time;
  }
  if (call.offered_times.count(station.id + "|" + date + "|" + time) == 0) {
    return error_result("Час " + time + " не серед запропонованих на " + date + " (" + spoken(day) + "). Вільні: " +
                        (free_now.empty() ? std::string("немає") : free_now) + ". Запропонуйте клієнту один із них.");
  }
  if (!free) {
    return error_result("Час " + time + " на " + date + " щойно зайняли. Вільні на цю дату: " +
                        (free_now.empty() ? std::string("немає") : free_now) + ".");
  }
  return std::nullopt;
}

// ---- tool: book_fitting ----

ToolResult book_fitting(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string station_id = arg_str(a, "station_id");
  if (station_id.empty()) return error_result("Потрібен station_id з get_fitting_stations.");
  if (!has_arg(a, "date") || !has_arg(a, "time")) return error_result("Потрібні дата й час з get_fitting_slots.");
  auto phone = effective_phone(ctx, arg_str(a, "customer_phone"));
  if (!phone) return error_result("Потрібен номер телефону клієнта — запитайте його.");
  store::Service service = store::Service::tire_change;
  if (has_arg(a, "service_type")) {
    auto s = store::parse_service(arg_str(a, "service_type"));
    if (!s) return error_result("service_type має бути tire_change, balancing або full_service.");
    service = *s;
  }
  std::optional<int> diameter;
  if (has_arg(a, "tire_diameter")) {
    diameter = arg_int(a, "tire_diameter");
    if (!diameter || *diameter < 13 || *diameter > 22)
      return error_result("tire_diameter — діаметр диска від 13 до 22.");
  }
  store::Station station;
  if (auto e = check_station_service(p, ctx, station_id, service, station)) return *e;
  Day day;
  std::string time;
  if (auto e = check_slot(p, ctx, station, arg_str(a, "date"), arg_str(a, "time"), day, time)) return *e;

  std::optional<int> price;
  if (diameter) {
    auto prices = p.store().fitting_prices(*diameter, station.id, service);
    if (prices && !prices->empty()) price = prices->front().per_set;
  }
  store::BookingRequest req;
  req.station_id = station.id;
  req.date = iso(day);
  req.time = time;
  req.customer_phone = *phone;
  req.vehicle_info = arg_str(a, "vehicle_info");
  req.service = service;
  req.tire_diameter = diameter;
  req.linked_order_id = arg_str(a, "linked_order_id");
  req.call_id = ctx.call_id;

  Value effective;
  effective.set("station_id", req.station_id)
      .set("date", req.date)
      .set("time", req.time)
      .set("phone", req.customer_phone)
      .set("vehicle", req.vehicle_info)
      .set("service", store::service_name(service))
      .set("diameter", diameter ? Value(*diameter) : Value())
      .set("order", req.linked_order_id);
  std::string summary = "Записати на " + std::string(service_accusative(service)) + " у " + station.name + " (" +
                        station.address + ") " + store::on_date_uk(day) + " о " + time + "; телефон " +
                        store::spoken_phone(*phone);
  if (!req.vehicle_info.empty()) summary += "; авто: " + req.vehicle_info;
  if (price) summary += "; орієнтовна вартість " + money(*price) + " за чотири колеса";
  summary += ".";
  if (auto ask = needs_confirmation(p, ctx, a, "book_fitting", effective, summary)) return *ask;

  auto r = once_more_if_stale<store::Booking>(
      ctx.idempotency_key, [&](const std::string &key) { return p.store().book_fitting(req, key); },
      [&](const store::Booking &done) {
        auto now = p.store().booking(done.id);
        return now && !now->cancelled && now->date == req.date && now->time == req.time;
      });
  if (!r) {
    if (r.error().code == Errc::invalid_argument || r.error().code == Errc::not_found) {
      return error_result("Не вдалося записати: " + r.error().message +
                          ". Викличте get_fitting_slots ще раз і запропонуйте інший час.");
    }
    return store_error(r.error(), ctx.call_id, "book_fitting");
  }
  Value out;
  out.set("booking_id", r->id)
      .set("station", r->station_name)
      .set("address", r->station_address)
      .set("date", r->date)
      .set("weekday", store::weekday_uk(day))
      .set("time", r->time)
      .set("service", store::service_name(r->service))
      .set("duration_min", r->duration_min);
  if (r->price) out.set("price", *r->price);
  return ok_result(out);
}

// ---- tool: cancel_fitting ----

ToolResult cancel_fitting(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string booking_id = arg_str(a, "booking_id");
  if (booking_id.empty()) return error_result("Потрібен номер запису (booking_id) — запитайте його в клієнта.");
  const std::string action = arg_str(a, "action");
  if (action != "cancel" && action != "reschedule") return error_result("action має бути cancel або reschedule.");
  auto b = p.store().booking(booking_id);
  if (!b) {
    if (b.error().code == Errc::not_found) {
      return error_result("Запис номер " + booking_id + " не знайдено. Перепитайте номер запису.");
    }
    return store_error(b.error(), ctx.call_id, "cancel_fitting");
  }
  if (auto refuse = not_callers(ctx, b->customer_phone, "Запис")) return *refuse;
  const Day old_day = store::parse_iso_date(b->date).value_or(p.today());
  const std::string was = std::string(store::service_label_uk(b->service)) + " у " + b->station_name + " " +
                          store::on_date_uk(old_day) + " о " + b->time;
  if (b->cancelled) {
    if (action == "cancel") return ok_result(Value().set("booking_id", b->id).set("action", "cancelled"));
    return error_result("Запис номер " + b->id + " уже скасовано; для нового часу створіть запис через book_fitting.");
  }

  if (action == "cancel") {
    Value effective;
    effective.set("booking_id", b->id).set("action", "cancel");
    if (auto ask = needs_confirmation(p, ctx, a, "cancel_fitting", effective,
                                      "Скасувати запис номер " + b->id + ": " + was + ".")) {
      return *ask;
    }
    auto r = p.store().cancel_booking(b->id, ctx.idempotency_key);
    if (!r) return store_error(r.error(), ctx.call_id, "cancel_fitting");
    return ok_result(Value().set("booking_id", r->id).set("action", "cancelled"));
  }

  if (!has_arg(a, "new_date") || !has_arg(a, "new_time")) {
    return error_result("Для перенесення потрібні new_date і new_time з get_fitting_slots для станції " +
                        b->station_id + ".");
  }
  store::Station station;
  if (auto e = check_station_service(p, ctx, b->station_id, std::nullopt, station)) return *e;
  Day day;
  std::string time;
  if (auto e = check_slot(p, ctx, station, arg_str(a, "new_date"), arg_str(a, "new_time"), day, time)) return *e;
  Value effective;
  effective.set("booking_id", b->id).set("action", "reschedule").set("date", iso(day)).set("time", time);
  if (auto ask = needs_confirmation(
          p, ctx, a, "cancel_fitting", effective,
          "Перенести запис номер " + b->id + " (" + was + ") " + store::on_date_uk(day) + " о " + time + ".")) {
    return *ask;
  }
  auto r = once_more_if_stale<store::Booking>(
      ctx.idempotency_key,
      [&](const std::string &key) { return p.store().reschedule_booking(b->id, iso(day), time, key); },
      [&](const store::Booking &done) {
        auto now = p.store().booking(done.id);
        return now && !now->cancelled && now->date == iso(day) && now->time == time;
      });
  if (!r) {
    if (r.error().code == Errc::invalid_argument || r.error().code == Errc::not_found) {
      return error_result("Не вдалося перенести: " + r.error().message + ". Запропонуйте інший час.");
    }
    return store_error(r.error(), ctx.call_id, "cancel_fitting");
  }
  return ok_result(Value()
                       .set("booking_id", r->id)
                       .set("action", "rescheduled")
                       .set("date", r->date)
                       .set("weekday", store::weekday_uk(day))
                       .set("time", r->time));
}

// ---- tool: get_fitting_price ----

ToolResult get_fitting_price(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  auto diameter = arg_int(a, "tire_diameter");
  if (!diameter) return error_result("Потрібен tire_diameter — діаметр диска (13–22), запитайте клієнта.");
  if (*diameter < 13 || *diameter > 22) return error_result("Ціни є для дисків від R13 до R22.");
  std::optional<store::Service> service;
  if (has_arg(a, "service_type")) {
    service = store::parse_service(arg_str(a, "service_type"));
    if (!service) return error_result("service_type має бути tire_change, balancing або full_service.");
  }
  const std::string station_id = arg_str(a, "station_id");
  auto r = p.store().fitting_prices(*diameter, station_id, service);
  if (!r) {
    if (r.error().code == Errc::not_found) {
      return error_result("Невідома станція " + station_id + ". Візьміть id з get_fitting_stations або не вказуйте.");
    }
    return store_error(r.error(), ctx.call_id, "get_fitting_price");
  }
  Value prices = Value::array();
  for (const auto &x : r.value()) {
    prices.push(
        Value().set("service", store::service_name(x.service)).set("per_wheel", x.per_wheel).set("per_set", x.per_set));
  }
  Value out;
  out.set("diameter", *diameter);
  if (!station_id.empty()) out.set("station_id", station_id);
  return ok_result(out.set("currency", "UAH").set("prices", std::move(prices)));
}

// ---- tool: search_knowledge_base ----

ToolResult search_knowledge_base(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string query = arg_str(a, "query");
  if (query.empty()) return error_result("Потрібен query — що саме шукати.");
  const std::string category = arg_str(a, "category");
  if (!p.options().knowledge) return ok_result(Value().set("total", 0).set("articles", Value::array()));
  auto r = p.options().knowledge(query, category);
  if (!r) {
    log::write(log::Level::warn, ctx.call_id, "tool: knowledge base failed", {{"error", r.error().message}});
    return error_result("База знань тимчасово недоступна.");
  }
  const Value &v = r.value();
  if (!v.is_object() || !v["articles"].is_array()) return ok_result(v);
  Value articles = Value::array();
  for (const auto &art : v["articles"].items()) {
    if (articles.size() == kArticles) break;
    Value x;
    x.set("title", art["title"].str());
    if (!art["category"].str().empty()) x.set("category", art["category"].str());
    x.set("content", utf8_prefix(art["content"].as_string(), kArticleChars));
    articles.push(std::move(x));
  }
  const int64_t total = v["total"].is_integer() ? v["total"].as_int() : count_of(v["articles"].size());
  return ok_result(Value().set("total", total).set("articles", std::move(articles)));
}

// ---- tool: create_callback_request ----

ToolResult create_callback_request(Pack &p, const Value &a, const ToolContext &ctx, std::function<void()> &) {
  const std::string given = arg_str(a, "phone");
  auto phone = effective_phone(ctx, given);
  if (!phone) return error_result("Потрібен номер телефону для зворотного дзвінка — запитайте його.");
  std::string note = arg_str(a, "note");
  // The callback goes to the line the call came from; another number the caller asked for is
  // kept for the operator rather than trusted as the target.
  if (auto other = store::normalize_phone(given); other && *other != *phone) {
    if (!note.empty()) note += "; ";
    note += "просить передзвонити на " + *other;
  }
  store::CallbackRequest req{*phone, arg_str(a, "preferred_time"), note, ctx.call_id};
  auto r = p.store().create_callback(req, ctx.idempotency_key);
  if (!r) return store_error(r.error(), ctx.call_id, "create_callback_request");
  Value out;
  out.set("callback_id", r->id).set("phone", store::spoken_phone(r->phone));
  if (!r->preferred_time.empty()) out.set("preferred_time", r->preferred_time);
  return ok_result(out.set("status", "created"));
}

// ---- specs ----

constexpr const char *kConfirmed =
    R"("confirmed":{"type":"boolean","description":"Set true only after the caller heard the summary this tool returned (needs_confirmation) and agreed. Without it nothing is changed and the tool returns {needs_confirmation, summary} to read to the caller."})";

// What the caller hears while a tool works, in the pack's language.
struct WaitPhrases {
  const char *uk;
  const char *ru;
  const char *en;

  const char *in(std::string_view language) const {
    if (language == "ru") return ru;
    if (language == "en") return en;
    return uk;
  }
};

struct Def {
  const char *name;
  const char *description;
  std::string parameters;
  bool side_effecting;
  WaitPhrases wait;
  Handler handler;
};

std::vector<Def> definitions() {
  const std::string service_enum =
      R"({"type":"string","enum":["tire_change","balancing","full_service"],"description":"tire_change: swap tyres; balancing; full_service: swap and balance."})";
  std::vector<Def> d;
  d.push_back({"search_tires",
               "Find tyres by size (width/profile/diameter) or by car (vehicle_make + vehicle_model, optionally "
               "vehicle_year), optionally season and brand. Returns total matches and up to 3 offers (cheapest, "
               "middle, premium) with id, name, size, price (UAH per tyre) and stock. Ask the caller for the size or "
               "the car first.",
               R"({"type":"object","properties":{)"
               R"("vehicle_make":{"type":"string","description":"Car make, e.g. Volkswagen."},)"
               R"("vehicle_model":{"type":"string","description":"Car model, e.g. Golf."},)"
               R"("vehicle_year":{"type":"integer","description":"Model year; picks the generation."},)"
               R"("width":{"type":"integer","description":"Tyre width, mm, e.g. 205."},)"
               R"("profile":{"type":"integer","description":"Aspect ratio, %, e.g. 55."},)"
               R"("diameter":{"type":"integer","description":"Rim diameter, inches, e.g. 16 for R16."},)"
               R"("season":{"type":"string","enum":["summer","winter","all_season"]},)"
               R"("brand":{"type":"string","description":"Tyre brand, e.g. Michelin."}}})",
               false, {"Хвилинку, підбираю шини.", "Минутку, подбираю шины.", "One moment, I'm finding tyres."}, search_tires});
  d.push_back({"check_availability",
               "Stock and price of one tyre: by product_id from search_tires, or by a query naming it. Returns "
               "available, stock, price (UAH), delivery_days and stock by city.",
               R"({"type":"object","properties":{)"
               R"("product_id":{"type":"string","description":"Tyre id from search_tires, e.g. T1042."},)"
               R"("query":{"type":"string","description":"Brand, model and size when there is no id."}}})",
               false, {"Секундочку, перевіряю наявність.", "Секундочку, проверяю наличие.", "Just a second, I'm checking stock."}, check_availability});
  d.push_back(
      {"transfer_to_operator",
       "Connect the caller to a human operator: when they ask for one, when you cannot help, for complex "
       "questions or strong negative emotion. Outside working hours it returns after_hours with a message: "
       "then offer a callback (create_callback_request) instead.",
       R"({"type":"object","properties":{)"
       R"("reason":{"type":"string","enum":["customer_request","cannot_help","complex_question","negative_emotion"]},)"
       R"("summary":{"type":"string","description":"One or two sentences for the operator: who calls and what they need."}},)"
       R"("required":["reason","summary"]})",
       true, {"Одну хвилинку.", "Одну минутку.", "One moment, please."}, transfer_to_operator});
  d.push_back({"get_order_status",
               "Status of the caller's orders: by order_id, or by phone (the caller's own number is used when known).",
               R"({"type":"object","properties":{)"
               R"("phone":{"type":"string","description":"Phone the order was placed with, e.g. 0501234567."},)"
               R"("order_id":{"type":"string","description":"Order number the caller says, e.g. 100245."}}})",
               false, {"Зараз перевірю статус замовлення.", "Сейчас проверю статус заказа.", "Let me check the order status."}, get_order_status});
  d.push_back(
      {"create_order_draft",
       "Create a draft order for tyres from search_tires. Two steps: call without confirmed to get a summary, "
       "read it to the caller, and call again with the same data and confirmed=true once they agree. Then "
       "choose delivery (update_order_delivery) and confirm (confirm_order).",
       std::string(
           R"({"type":"object","properties":{)"
           R"("items":{"type":"array","items":{"type":"object","properties":{)"
           R"("product_id":{"type":"string","description":"Tyre id from search_tires."},)"
           R"("quantity":{"type":"integer","minimum":1,"maximum":99,"description":"1..99, usually 4."}},)"
           R"("required":["product_id","quantity"]}},)"
           R"("customer_phone":{"type":"string","description":"Caller's phone; the line's own number is used when known."},)") +
           kConfirmed + R"(},"required":["items","customer_phone"]})",
       true, {"Хвилинку, уточнюю деталі замовлення.", "Минутку, уточняю детали заказа.", "One moment, I'm preparing the order."}, create_order_draft});
  d.push_back(
      {"update_order_delivery",
       "Choose delivery (Nova Poshta to a city and address) or pickup at one of our stations for a draft order. "
       "Returns delivery_cost, estimated_days and the new total.",
       R"({"type":"object","properties":{)"
       R"("order_id":{"type":"string","description":"Order id from create_order_draft."},)"
       R"("delivery_type":{"type":"string","enum":["delivery","pickup"]},)"
       R"("city":{"type":"string","description":"City for delivery (or to list pickup points)."},)"
       R"("address":{"type":"string","description":"Street address or Nova Poshta branch, for delivery."},)"
       R"("pickup_point_id":{"type":"string","description":"Station id from get_fitting_stations, for pickup."}},)"
       R"("required":["order_id","delivery_type"]})",
       true, {"Секундочку, записую дані доставки.", "Секундочку, записываю данные доставки.", "Just a second, I'm noting the delivery details."}, update_order_delivery});
  d.push_back(
      {"confirm_order",
       "Confirm a draft order once delivery is chosen: reserves the tyres. Two steps: call without confirmed "
       "to get a summary, read it to the caller, call again with confirmed=true once they agree.",
       std::string(
           R"({"type":"object","properties":{)"
           R"("order_id":{"type":"string","description":"Order id from create_order_draft."},)"
           R"("payment_method":{"type":"string","enum":["cod","online","card_on_delivery"],"description":"cod: cash on delivery; online: payment link; card_on_delivery: card on receipt."},)"
           R"("customer_name":{"type":"string","description":"Recipient's name."},)") +
           kConfirmed + R"(},"required":["order_id","payment_method"]})",
       true, {"Хвилинку, уточнюю деталі замовлення.", "Минутку, уточняю детали заказа.", "One moment, I'm preparing the order."}, confirm_order});
  d.push_back({"get_fitting_stations",
               "Our tyre fitting stations in a city: id, name, district, address, phone, working hours. Every station "
               "is also a pickup point.",
               R"({"type":"object","properties":{)"
               R"("city":{"type":"string","description":"City, e.g. Київ."}},)"
               R"("required":["city"]})",
               false, {"Зараз подивлюся адреси шиномонтажів.", "Сейчас посмотрю адреса шиномонтажей.", "Let me look up our fitting stations."}, get_fitting_stations});
  d.push_back({"get_fitting_slots",
               "Free fitting times at a station, by day, between tomorrow and 21 days ahead. Without date_to returns "
               "the first days that have free times. Only times returned here can be booked.",
               std::string(R"({"type":"object","properties":{)"
                           R"("station_id":{"type":"string","description":"Station id from get_fitting_stations."},)"
                           R"("date_from":{"type":"string","description":"YYYY-MM-DD, or 'today' / 'tomorrow'."},)"
                           R"("date_to":{"type":"string","description":"YYYY-MM-DD; at most 7 days after date_from."},)"
                           R"("service_type":)") +
                   service_enum + R"(},"required":["station_id"]})",
               false, {"Хвилинку, дивлюся вільний час.", "Минутку, смотрю свободное время.", "One moment, I'm checking free times."}, get_fitting_slots});
  d.push_back(
      {"book_fitting",
       "Book a fitting at a time get_fitting_slots offered. Two steps: call without confirmed to get a "
       "summary, read it to the caller, call again with the same data and confirmed=true once they agree. "
       "Returns booking_id: the caller's booking number.",
       std::string(
           R"({"type":"object","properties":{)"
           R"("station_id":{"type":"string","description":"Station id from get_fitting_stations."},)"
           R"("date":{"type":"string","description":"YYYY-MM-DD from get_fitting_slots, or 'tomorrow'."},)"
           R"("time":{"type":"string","description":"HH:MM from get_fitting_slots."},)"
           R"("customer_phone":{"type":"string","description":"Caller's phone; the line's own number is used when known."},)"
           R"("vehicle_info":{"type":"string","description":"Car make and model, e.g. Skoda Octavia."},)"
           R"("service_type":)") +
           service_enum +
           R"(,"tire_diameter":{"type":"integer","description":"Rim diameter, 13..22; gives the price."},)"
           R"("linked_order_id":{"type":"string","description":"Order id when the tyres were ordered from us."},)" +
           kConfirmed + R"(},"required":["station_id","date","time","customer_phone"]})",
       true, {"Секундочку, перевіряю запис.", "Секундочку, проверяю запись.", "Just a second, I'm checking the booking."}, book_fitting});
  d.push_back(
      {"cancel_fitting",
       "Cancel a fitting booking, or move it to another time get_fitting_slots offered for the same station. "
       "Two steps: call without confirmed to get a summary, read it to the caller, call again with "
       "confirmed=true once they agree.",
       std::string(R"({"type":"object","properties":{)"
                   R"("booking_id":{"type":"string","description":"Booking number, e.g. 70012."},)"
                   R"("action":{"type":"string","enum":["cancel","reschedule"]},)"
                   R"("new_date":{"type":"string","description":"For reschedule: YYYY-MM-DD from get_fitting_slots."},)"
                   R"("new_time":{"type":"string","description":"For reschedule: HH:MM from get_fitting_slots."},)") +
           kConfirmed + R"(},"required":["booking_id","action"]})",
       true, {"Хвилинку, дивлюся ваш запис.", "Минутку, смотрю вашу запись.", "One moment, I'm looking at your booking."}, cancel_fitting});
  d.push_back({"get_fitting_price",
               "Fitting prices in UAH for a rim diameter, per wheel and per set of four, optionally for one station "
               "or one service.",
               std::string(R"({"type":"object","properties":{)"
                           R"("tire_diameter":{"type":"integer","description":"Rim diameter, 13..22."},)"
                           R"("station_id":{"type":"string","description":"Station id from get_fitting_stations."},)"
                           R"("service_type":)") +
                   service_enum + R"(},"required":["tire_diameter"]})",
               false, {"Секундочку, дивлюся ціни.", "Секундочку, смотрю цены.", "Just a second, I'm checking prices."}, get_fitting_price});
  d.push_back({"search_knowledge_base",
               "Search articles about tyre brands, choosing and care, FAQ and comparisons. Returns up to 3 articles "
               "(content shortened).",
               R"({"type":"object","properties":{)"
               R"("query":{"type":"string","description":"What to look for."},)"
               R"("category":{"type":"string","enum":["brands","guides","faq","comparisons"]}},)"
               R"("required":["query"]})",
               false, {"Хвилинку, шукаю інформацію.", "Минутку, ищу информацию.", "One moment, I'm looking that up."}, search_knowledge_base});
  d.push_back({"create_callback_request",
               "Ask an operator to call the customer back, e.g. after transfer_to_operator answered after_hours. The "
               "line's own number is used when known.",
               R"({"type":"object","properties":{)"
               R"("phone":{"type":"string","description":"Number to call back."},)"
               R"("preferred_time":{"type":"string","description":"When the caller wants the call, in their words."},)"
               R"("note":{"type":"string","description":"What the caller needs, for the operator."}},)"
               R"("required":["phone"]})",
               true, {"Секундочку, записую.", "Секундочку, записываю.", "Just a second, I'm noting that down."}, create_callback_request});
  return d;
}

class TyreTool final : public providers::Tool {
 public:
  TyreTool(std::shared_ptr<Pack> pack, Def def) : pack_(std::move(pack)), handler_(def.handler) {
    spec_.name = def.name;
    spec_.description = def.description;
    spec_.parameters_json = std::move(def.parameters);
    spec_.side_effecting = def.side_effecting;
    spec_.wait_phrase = def.wait.in(pack_->language());
  }

  const providers::ToolSpec &spec() const override { return spec_; }

  void invoke(RequestId invocation, std::string_view arguments_json, const ToolContext &context,
              std::shared_ptr<providers::ToolSink> sink) override {
    pack_->invoke(spec_.name, handler_, !spec_.side_effecting, invocation, std::string(arguments_json), context,
                  std::move(sink));
  }

  void cancel(RequestId invocation) override {
    if (!spec_.side_effecting) pack_->cancel(invocation);
  }

  // The catalogue's words for the search, the places for the stations; none for the rest. A store
  // that cannot answer gives none: recognisers keep their defaults.
  providers::SpeechVocabulary speech_vocabulary() override {
    providers::SpeechVocabulary out;
    if (spec_.name != "search_tires" && spec_.name != "get_fitting_stations") return out;
    auto v = pack_->vocabulary();
    if (!v) return out;
    if (spec_.name == "search_tires") {
      out.brands = std::move(v->brands);
      out.models = std::move(v->models);
      out.sizes = std::move(v->sizes);
      out.vehicles = std::move(v->vehicle_makes);
      out.vehicles.insert(out.vehicles.end(), v->vehicle_models.begin(), v->vehicle_models.end());
    } else {
      out.cities = std::move(v->cities);
      out.places = std::move(v->districts);
      out.places.insert(out.places.end(), v->station_names.begin(), v->station_names.end());
    }
    return out;
  }

 private:
  std::shared_ptr<Pack> pack_;
  Handler handler_;
  providers::ToolSpec spec_;
};

}  // namespace

std::vector<std::shared_ptr<providers::Tool>> make_tyre_tools(std::shared_ptr<store::TyreStore> store,
                                                              ToolPackOptions options) {
  auto pack = std::make_shared<Pack>(std::move(store), std::move(options));
  std::vector<std::shared_ptr<providers::Tool>> tools;
  for (auto &d : definitions()) tools.push_back(std::make_shared<TyreTool>(pack, std::move(d)));
  return tools;
}

const std::vector<std::string> &tyre_tool_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto &d : definitions()) n.emplace_back(d.name);
    return n;
  }();
  return names;
}

}  // namespace ca::tools
