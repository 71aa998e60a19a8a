#include "providers/google/google_stt.hpp"

#include <cctype>

#include "core/base64.hpp"
#include "core/json.hpp"
#include "providers/credentials.hpp"

namespace ca::providers {

namespace {

constexpr size_t kMaxPhrases = 5000;
constexpr size_t kMaxPhraseChars = 100;
constexpr size_t kMaxAlternativeLanguages = 3;

// Code points, not bytes: Google counts characters and the hints are Cyrillic.
size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::string primary_tag(std::string_view code) {
  std::string out(code.substr(0, code.find_first_of("-_")));
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class GoogleSttBackend final : public BatchSttBackend {
 public:
  // `auth` is owned by the provider, which outlives every call of build() (batch_http_stt.hpp).
  GoogleSttBackend(google::GoogleAuth *auth, GoogleSttOptions options) : auth_(auth), opts_(std::move(options)) {}

  std::string_view name() const override { return "google stt"; }

  void build(const SttParams &params, std::vector<int16_t> pcm,
             std::function<void(Result<net::HttpRequest>)> send) override {
    net::HttpRequest req;
    req.method = "POST";
    req.url = opts_.base_url + "/v1/speech:recognize";
    req.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    req.body = google_stt_body(opts_, params, pcm);
    auth_->headers([req = std::move(req), send = std::move(send)](Result<net::Headers> headers) mutable {
      if (!headers) {
        send(make_error(headers.error().code, "credentials: " + headers.error().message));
        return;
      }
      for (auto &h : *headers) req.headers.push_back(std::move(h));
      send(std::move(req));
    });
  }

  Result<std::optional<SttEvent>> parse(const SttParams &params, std::string_view body) const override {
    auto v = json::parse(body);
    if (!v || !v->is_object()) return make_error(Errc::protocol, "the answer is not a JSON object");
    const json::Value &results = (*v)["results"];
    if (!results.is_null() && !results.is_array()) return make_error(Errc::protocol, "\"results\" is not an array");
    SttEvent e;
    e.type = SttEvent::Type::final;
    bool first = true;
    for (const json::Value &r : results.items()) {
      const json::Value &alternatives = r["alternatives"];
      if (!alternatives.is_array() || alternatives.size() == 0) continue;
      const json::Value &best = alternatives.items().front();
      std::string_view transcript = best["transcript"].str();
      while (!transcript.empty() && transcript.front() == ' ') transcript.remove_prefix(1);
      while (!transcript.empty() && transcript.back() == ' ') transcript.remove_suffix(1);
      if (transcript.empty()) continue;
      if (!e.text.empty()) e.text += ' ';
      e.text += transcript;
      if (first) {
        e.confidence = best["confidence"].as_double(0);
        if (const std::string_view code = r["languageCode"].str(); !code.empty()) e.language = primary_tag(code);
        first = false;
      }
    }
    if (e.text.empty()) return std::optional<SttEvent>();
    if (e.language.empty()) e.language = params.language;
    return std::optional<SttEvent>(std::move(e));
  }

 private:
  google::GoogleAuth *auth_;
  GoogleSttOptions opts_;
};

}  // namespace

std::string google_language_code(std::string_view language) {
  if (language.find('-') != std::string_view::npos) return std::string(language);
  static constexpr std::pair<std::string_view, std::string_view> kRegions[] = {
      {"uk", "uk-UA"}, {"ru", "ru-RU"}, {"en", "en-US"}, {"pl", "pl-PL"}, {"de", "de-DE"}, {"fr", "fr-FR"},
      {"es", "es-ES"}, {"it", "it-IT"}, {"pt", "pt-PT"}, {"ro", "ro-RO"}, {"hu", "hu-HU"}, {"cs", "cs-CZ"},
      {"sk", "sk-SK"}, {"be", "be-BY"}, {"ka", "ka-GE"}, {"tr", "tr-TR"}, {"he", "he-IL"}, {"kk", "kk-KZ"},
  };
  for (const auto &[primary, tag] : kRegions)
    if (primary == language) return std::string(tag);
  return std::string(language);
}

std::string google_stt_body(const GoogleSttOptions &options, const SttParams &params, std::span<const int16_t> pcm) {
  json::Value config;
  config.set("encoding", "LINEAR16");
  config.set("sampleRateHertz", params.sample_rate > 0 ? params.sample_rate : 8000);
  config.set("audioChannelCount", 1);
  const std::string primary = google_language_code(params.language.empty() ? "uk" : params.language);
  config.set("languageCode", primary);
  json::Value alternatives = json::Value::array();
  for (const auto &a : params.alternatives) {
    const std::string code = google_language_code(a);
    if (code.empty() || code == primary || alternatives.size() >= kMaxAlternativeLanguages) continue;
    alternatives.push(code);
  }
  if (alternatives.size() > 0) config.set("alternativeLanguageCodes", std::move(alternatives));
  if (!options.model.empty()) config.set("model", options.model);
  config.set("maxAlternatives", 1);
  config.set("enableAutomaticPunctuation", options.punctuation);
  json::Value phrases = json::Value::array();
  for (const auto &h : params.hints) {
    if (phrases.size() >= kMaxPhrases) break;
    if (h.empty() || utf8_length(h) > kMaxPhraseChars) continue;
    phrases.push(h);
  }
  if (phrases.size() > 0) {
    json::Value context;
    context.set("phrases", std::move(phrases));
    if (options.boost > 0) context.set("boost", options.boost);
    config.set("speechContexts", json::Value::array().push(std::move(context)));
  }
  // LINEAR16 is little-endian, as int16_t is here.
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t *>(pcm.data()), pcm.size_bytes());
  json::Value audio;
  audio.set("content", base64::encode(bytes));
  return json::dump(json::Value().set("config", std::move(config)).set("audio", std::move(audio)));
}

std::shared_ptr<SttProvider> make_google_stt(std::shared_ptr<NetRuntime> runtime,
                                             std::shared_ptr<google::GoogleAuth> auth, GoogleSttOptions options) {
  BatchSttOptions batch = options.batch;
  auto backend = std::make_shared<GoogleSttBackend>(auth.get(), std::move(options));
  return std::make_shared<BatchHttpStt>(std::move(runtime), std::move(backend), std::move(batch), std::move(auth));
}

Result<std::shared_ptr<SttProvider>> make_google_stt_from_args(const FactoryArgs &args) {
  if (auto ok = check_option_keys(args, {"base_url", "model", "boost", "punctuation", "timeout_ms", "retries",
                                         "max_seconds", "api_key_env", "api_key", "credentials_file", "token_url"});
      !ok)
    return ok.error();
  GoogleSttOptions o;
  auto base = resolve_base_url(args, o.base_url);
  if (!base) return base.error();
  o.base_url = *base;
  if (const json::Value *m = args.options.find("model")) {
    if (!m->is_string()) return make_error(Errc::config, args.where + ": " + args.name + ": model must be a string");
    o.model = m->as_string();
  }
  if (const json::Value *b = args.options.find("boost")) {
    if (!b->is_number() || b->as_double() < 0 || b->as_double() > 20)
      return make_error(Errc::config, args.where + ": " + args.name + ": boost must be a number from 0 to 20");
    o.boost = b->as_double();
  }
  if (const json::Value *p = args.options.find("punctuation")) {
    if (!p->is_bool()) return make_error(Errc::config, args.where + ": " + args.name + ": punctuation must be true or false");
    o.punctuation = p->as_bool();
  }
  auto batch = batch_stt_options(args, 60, 600);  // speech:recognize takes at most a minute
  if (!batch) return batch.error();
  o.batch = std::move(*batch);
  auto runtime = NetRuntime::shared();
  // Only the credential options: the auth may check for keys it does not know.
  FactoryArgs auth_args{args.name, json::Value::object(), args.where};
  for (const char *key : {"api_key_env", "api_key", "credentials_file", "token_url"})
    if (const json::Value *v = args.options.find(key)) auth_args.options.set(key, *v);
  auto auth = google::make_google_auth(auth_args, runtime);
  if (!auth) return auth.error();
  return make_google_stt(std::move(runtime), std::move(*auth), std::move(o));
}

}  // namespace ca::providers
