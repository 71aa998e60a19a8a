#include "providers/google/google_tts.hpp"

#include <algorithm>
#include <utility>

#include "audio/wav.hpp"
#include "core/base64.hpp"
#include "core/json.hpp"
#include "providers/credentials.hpp"
#include "providers/net_runtime.hpp"
#include "providers/tts_cache.hpp"

namespace ca::providers {

namespace {

constexpr size_t kMaxAnswer = size_t{48} << 20;  // a clause is seconds of audio; more is a broken answer
constexpr int kEmitMs = 100;                     // the decoded audio goes to the sink in pieces this long

// The whole JSON answer, then base64, then WAV.
class SynthesizeDecoder final : public TtsBodyDecoder {
 public:
  Result<void> feed(std::string_view bytes, const PcmEmit &) override {
    if (body_.size() + bytes.size() > kMaxAnswer) return make_error(Errc::limit, "the answer is too large");
    body_.append(bytes);
    return {};
  }

  Result<void> finish(const PcmEmit &emit) override {
    auto j = json::parse(body_);
    if (!j) return make_error(Errc::protocol, "the answer is not JSON: " + j.error().message);
    const json::Value &content = (*j)["audioContent"];
    if (!content.is_string() || content.as_string().empty()) {
      return make_error(Errc::protocol, "the answer has no audioContent");
    }
    auto bytes = base64::decode(content.as_string());
    if (!bytes) return make_error(Errc::protocol, "audioContent is not base64");
    auto wav = audio::read_wav(std::span(reinterpret_cast<const uint8_t *>(bytes->data()), bytes->size()));
    if (!wav) return make_error(Errc::protocol, "audioContent is not a WAV file: " + wav.error().message);
    const std::vector<int16_t> pcm = audio::to_mono(*wav);
    const size_t step = std::max<size_t>(1, static_cast<size_t>(wav->sample_rate) * kEmitMs / 1000);
    const std::span<const int16_t> all(pcm);
    for (size_t at = 0; at < all.size(); at += step) emit(all.subspan(at, std::min(step, all.size() - at)), wav->sample_rate);
    return {};
  }

 private:
  std::string body_;
};

class GoogleVendor final : public HttpTtsVendor {
 public:
  GoogleVendor(GoogleTtsOptions o, std::shared_ptr<google::GoogleAuth> auth) : o_(std::move(o)), auth_(std::move(auth)) {}

  std::string_view name() const override { return "google"; }

  void prepare(const TtsRequest &r, std::function<void(Result<HttpTtsCall>)> done) const override {
    const std::string locale = bcp47_locale(r.language);
    const std::string lang = primary_language(r.language);
    std::string name = r.voice;
    if (name.empty()) name = lang == "uk" ? o_.voice_uk : lang == "ru" ? o_.voice_ru : lang == "en" ? o_.voice_en : "";
    json::Value voice;
    voice.set("languageCode", locale);
    if (!name.empty()) voice.set("name", name);
    json::Value config;
    config.set("audioEncoding", "LINEAR16");
    config.set("sampleRateHertz", r.sample_rate > 0 ? r.sample_rate : 8000);
    if (o_.speaking_rate > 0) config.set("speakingRate", o_.speaking_rate);
    if (o_.pitch != 0) config.set("pitch", o_.pitch);
    if (!o_.effects_profile.empty()) config.set("effectsProfileId", json::Value::array().push(o_.effects_profile));
    json::Value body;
    body.set("input", json::Value().set("text", r.text));
    body.set("voice", std::move(voice));
    body.set("audioConfig", std::move(config));

    auth_->headers([done = std::move(done), url = o_.base_url + "/v1/text:synthesize",
                    text = json::dump(body)](Result<net::Headers> auth) mutable {
      if (!auth) {
        done(auth.error());
        return;
      }
      HttpTtsCall call;
      call.request.method = "POST";
      call.request.url = std::move(url);
      call.request.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
      call.request.headers.push_back({"Accept", "application/json"});
      for (auto &h : *auth) call.request.headers.push_back(std::move(h));
      call.request.body = std::move(text);
      call.decoder = std::make_unique<SynthesizeDecoder>();
      done(std::move(call));
    });
  }

 private:
  GoogleTtsOptions o_;
  std::shared_ptr<google::GoogleAuth> auth_;
};

}  // namespace

std::shared_ptr<HttpTts> make_google_tts(GoogleTtsOptions options, std::shared_ptr<google::GoogleAuth> auth,
                                         std::shared_ptr<NetRuntime> runtime) {
  const HttpTtsLimits limits = options.limits;
  return std::make_shared<HttpTts>(std::move(runtime),
                                   std::make_shared<GoogleVendor>(std::move(options), std::move(auth)), limits);
}

std::string google_tts_fingerprint(const GoogleTtsOptions &o) {
  return json::dump(json::Value()
                        .set("base_url", o.base_url)
                        .set("voice_uk", o.voice_uk)
                        .set("voice_ru", o.voice_ru)
                        .set("voice_en", o.voice_en)
                        .set("speaking_rate", o.speaking_rate)
                        .set("pitch", o.pitch)
                        .set("effects_profile", o.effects_profile)
                        .set("encoding", "LINEAR16"));
}

Result<std::shared_ptr<TtsProvider>> make_google_tts_factory(const FactoryArgs &args) {
  if (auto r = check_option_keys(args, {"voice_uk", "voice_ru", "voice_en", "speaking_rate", "pitch",
                                        "effects_profile", "base_url", "api_key_env", "api_key", "credentials_file",
                                        "token_url", "timeout_ms", "idle_timeout_ms", "cache_bytes", "cache_dir"});
      !r) {
    return r.error();
  }
  GoogleTtsOptions o;
  auto base = resolve_base_url(args, o.base_url);
  if (!base) return base.error();
  o.base_url = std::move(*base);
  for (auto [k, field] : {std::pair{"voice_uk", &o.voice_uk}, std::pair{"voice_ru", &o.voice_ru},
                          std::pair{"voice_en", &o.voice_en}, std::pair{"effects_profile", &o.effects_profile}}) {
    auto v = string_option(args, k, *field);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  auto rate = number_option(args, "speaking_rate", 0, 0.25, 2.0);
  if (!rate) return rate.error();
  o.speaking_rate = *rate;
  auto pitch = number_option(args, "pitch", 0, -20, 20);
  if (!pitch) return pitch.error();
  o.pitch = *pitch;
  auto limits = http_tts_limits(args);
  if (!limits) return limits.error();
  o.limits = *limits;
  auto cache = tts_cache_options(args);
  if (!cache) return cache.error();
  auto runtime = NetRuntime::shared();
  auto auth = google::make_google_auth(args, runtime);
  if (!auth) return auth.error();
  cache->settings = google_tts_fingerprint(o);
  return with_tts_cache(make_google_tts(std::move(o), std::move(*auth), std::move(runtime)), std::move(*cache));
}

}  // namespace ca::providers
