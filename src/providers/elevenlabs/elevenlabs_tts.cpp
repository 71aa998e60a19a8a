#include "providers/elevenlabs/elevenlabs_tts.hpp"

#include <charconv>
#include <utility>

#include "core/json.hpp"
#include "core/secrets.hpp"
#include "providers/credentials.hpp"
#include "providers/net_runtime.hpp"
#include "providers/tts_cache.hpp"

namespace ca::providers {

namespace {

class ElevenLabsVendor final : public HttpTtsVendor {
 public:
  explicit ElevenLabsVendor(ElevenLabsOptions o) : o_(std::move(o)), rate_(elevenlabs_format_rate(o_.output_format)) {}

  std::string_view name() const override { return "elevenlabs"; }

  std::string voice_for(const TtsRequest &r) const {
    if (!r.voice.empty()) return r.voice;
    const std::string lang = primary_language(r.language);
    const std::string &v = lang == "uk" ? o_.voice_uk : lang == "ru" ? o_.voice_ru : lang == "en" ? o_.voice_en : o_.voice;
    return v.empty() ? o_.voice : v;
  }

  void prepare(const TtsRequest &r, std::function<void(Result<HttpTtsCall>)> done) const override {
    const std::string voice = voice_for(r);
    if (voice.empty()) {
      done(make_error(Errc::config, "no voice_id for language \"" + r.language + "\""));
      return;
    }
    json::Value body;
    body.set("text", r.text);
    body.set("model_id", o_.model_id);
    // Only the v2.5 models (Flash, Turbo) take language_code; the others answer it with an error.
    if (o_.model_id.find("v2_5") != std::string::npos) body.set("language_code", primary_language(r.language));
    if (!o_.voice_settings.empty()) {
      json::Value vs;
      const ElevenLabsVoiceSettings &s = o_.voice_settings;
      if (s.stability) vs.set("stability", *s.stability);
      if (s.similarity_boost) vs.set("similarity_boost", *s.similarity_boost);
      if (s.style) vs.set("style", *s.style);
      if (s.speed) vs.set("speed", *s.speed);
      if (s.use_speaker_boost) vs.set("use_speaker_boost", *s.use_speaker_boost);
      body.set("voice_settings", std::move(vs));
    }
    HttpTtsCall call;
    call.request.method = "POST";
    call.request.url = o_.base_url + "/v1/text-to-speech/" + url_encode(voice) +
                       "/stream?output_format=" + url_encode(o_.output_format);
    call.request.headers.push_back({"Content-Type", "application/json"});
    call.request.headers.push_back({"Accept", "*/*"});
    call.request.headers.push_back({"xi-api-key", o_.api_key});
    call.request.body = json::dump(body);
    if (o_.output_format.starts_with("pcm_")) {
      call.decoder = std::make_unique<PcmS16Decoder>(rate_);
    } else {
      call.decoder = std::make_unique<G711Decoder>(o_.output_format.starts_with("alaw_"), rate_);
    }
    done(std::move(call));
  }

 private:
  ElevenLabsOptions o_;
  int rate_;
};

}  // namespace

int elevenlabs_format_rate(std::string_view f) {
  if (f == "ulaw_8000" || f == "alaw_8000") return 8000;
  if (!f.starts_with("pcm_")) return 0;
  int rate = 0;
  const std::string_view digits = f.substr(4);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rate);
  if (ec != std::errc() || p != digits.data() + digits.size()) return 0;
  for (int known : {8000, 16000, 22050, 24000, 44100, 48000}) {
    if (rate == known) return rate;
  }
  return 0;
}

std::shared_ptr<HttpTts> make_elevenlabs_tts(ElevenLabsOptions options, std::shared_ptr<NetRuntime> runtime) {
  secrets::add(options.api_key);
  const HttpTtsLimits limits = options.limits;
  return std::make_shared<HttpTts>(std::move(runtime), std::make_shared<ElevenLabsVendor>(std::move(options)), limits);
}

std::string elevenlabs_tts_fingerprint(const ElevenLabsOptions &o) {
  json::Value v;
  v.set("base_url", o.base_url)
      .set("voice_uk", o.voice_uk)
      .set("voice_ru", o.voice_ru)
      .set("voice_en", o.voice_en)
      .set("voice", o.voice)
      .set("model_id", o.model_id)
      .set("output_format", o.output_format);
  const ElevenLabsVoiceSettings &s = o.voice_settings;
  if (s.stability) v.set("stability", *s.stability);
  if (s.similarity_boost) v.set("similarity_boost", *s.similarity_boost);
  if (s.style) v.set("style", *s.style);
  if (s.speed) v.set("speed", *s.speed);
  if (s.use_speaker_boost) v.set("use_speaker_boost", *s.use_speaker_boost);
  return json::dump(v);
}

Result<std::shared_ptr<TtsProvider>> make_elevenlabs_tts_factory(const FactoryArgs &args) {
  if (auto r = check_option_keys(args, {"voice_uk", "voice_ru", "voice_en", "voice", "model_id", "output_format",
                                        "stability", "similarity_boost", "style", "speed", "use_speaker_boost",
                                        "base_url", "api_key_env", "api_key", "timeout_ms", "idle_timeout_ms",
                                        "cache_bytes", "cache_dir"});
      !r) {
    return r.error();
  }
  const std::string where = args.where + ": " + args.name + ": ";
  ElevenLabsOptions o;
  auto base = resolve_base_url(args, o.base_url);
  if (!base) return base.error();
  o.base_url = std::move(*base);
  auto key = resolve_api_key(args, "ELEVENLABS_API_KEY", true);
  if (!key) return key.error();
  o.api_key = std::move(*key);
  for (auto [k, field] : {std::pair{"voice_uk", &o.voice_uk}, std::pair{"voice_ru", &o.voice_ru},
                          std::pair{"voice_en", &o.voice_en}, std::pair{"voice", &o.voice},
                          std::pair{"model_id", &o.model_id}, std::pair{"output_format", &o.output_format}}) {
    auto v = string_option(args, k, *field);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  // A language left without a voice fails per request, naming the language.
  if (o.voice.empty() && o.voice_uk.empty() && o.voice_ru.empty() && o.voice_en.empty()) {
    return make_error(Errc::config, where + "no voice: set voice (a voice_id), or voice_uk / voice_ru / voice_en");
  }
  if (elevenlabs_format_rate(o.output_format) == 0) {
    return make_error(Errc::config, where + "output_format must be pcm_8000, pcm_16000, pcm_22050, pcm_24000, "
                                            "pcm_44100, pcm_48000, ulaw_8000 or alaw_8000 (not \"" +
                                            o.output_format + "\")");
  }
  struct Num {
    const char *key;
    double min, max;
    std::optional<double> *field;
  };
  ElevenLabsVoiceSettings &s = o.voice_settings;
  for (const Num &n : {Num{"stability", 0, 1, &s.stability}, Num{"similarity_boost", 0, 1, &s.similarity_boost},
                       Num{"style", 0, 1, &s.style}, Num{"speed", 0.7, 1.2, &s.speed}}) {
    bool present = false;
    auto v = number_option(args, n.key, 0, n.min, n.max, &present);
    if (!v) return v.error();
    if (present) *n.field = *v;
  }
  if (const json::Value *b = args.options.find("use_speaker_boost")) {
    if (!b->is_bool()) return make_error(Errc::config, where + "use_speaker_boost must be true or false");
    s.use_speaker_boost = b->as_bool();
  }
  auto limits = http_tts_limits(args);
  if (!limits) return limits.error();
  o.limits = *limits;
  auto cache = tts_cache_options(args);
  if (!cache) return cache.error();
  cache->settings = elevenlabs_tts_fingerprint(o);
  return with_tts_cache(make_elevenlabs_tts(std::move(o), NetRuntime::shared()), std::move(*cache));
}

}  // namespace ca::providers
