#include "providers/openai/openai_tts.hpp"

#include <utility>

#include "core/json.hpp"
#include "core/secrets.hpp"
#include "providers/credentials.hpp"
#include "providers/net_runtime.hpp"
#include "providers/tts_cache.hpp"

namespace ca::providers {

namespace {

class OpenAiVendor final : public HttpTtsVendor {
 public:
  explicit OpenAiVendor(OpenAiTtsOptions o) : o_(std::move(o)) {}

  std::string_view name() const override { return "openai"; }

  void prepare(const TtsRequest &r, std::function<void(Result<HttpTtsCall>)> done) const override {
    json::Value body;
    body.set("model", o_.model);
    body.set("input", r.text);
    body.set("voice", r.voice.empty() ? o_.voice : r.voice);
    body.set("response_format", "pcm");
    if (o_.speed > 0) body.set("speed", o_.speed);
    if (!o_.instructions.empty()) body.set("instructions", o_.instructions);
    HttpTtsCall call;
    call.request.method = "POST";
    call.request.url = o_.base_url + "/audio/speech";
    call.request.headers.push_back({"Content-Type", "application/json"});
    call.request.headers.push_back({"Accept", "application/octet-stream"});  // as OpenAI's SDK asks
    if (!o_.api_key.empty()) call.request.headers.push_back({"Authorization", "Bearer " + o_.api_key});
    call.request.body = json::dump(body);
    call.decoder = std::make_unique<PcmS16Decoder>(kOpenAiPcmRate);
    done(std::move(call));
  }

 private:
  OpenAiTtsOptions o_;
};

}  // namespace

std::shared_ptr<HttpTts> make_openai_tts(OpenAiTtsOptions options, std::shared_ptr<NetRuntime> runtime) {
  secrets::add(options.api_key);
  const HttpTtsLimits limits = options.limits;
  return std::make_shared<HttpTts>(std::move(runtime), std::make_shared<OpenAiVendor>(std::move(options)), limits);
}

std::string openai_tts_fingerprint(const OpenAiTtsOptions &o) {
  return json::dump(json::Value()
                        .set("base_url", o.base_url)
                        .set("model", o.model)
                        .set("voice", o.voice)
                        .set("speed", o.speed)
                        .set("instructions", o.instructions)
                        .set("format", "pcm24k"));
}

Result<std::shared_ptr<TtsProvider>> make_openai_tts_factory(const FactoryArgs &args) {
  if (auto r = check_option_keys(args, {"base_url", "model", "voice", "speed", "instructions", "api_key_env", "api_key",
                                        "timeout_ms", "idle_timeout_ms", "cache_bytes", "cache_dir"});
      !r) {
    return r.error();
  }
  OpenAiTtsOptions o;
  auto base = resolve_base_url(args, o.base_url);
  if (!base) return base.error();
  o.base_url = std::move(*base);
  // OpenAI itself wants a key; a self-hosted server usually none.
  const bool openai = o.base_url.find("://api.openai.com") != std::string::npos;
  auto key = resolve_api_key(args, "OPENAI_API_KEY", openai);
  if (!key) return key.error();
  o.api_key = std::move(*key);
  for (auto [k, field] : {std::pair{"model", &o.model}, std::pair{"voice", &o.voice},
                          std::pair{"instructions", &o.instructions}}) {
    auto v = string_option(args, k, *field);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  if (o.model.empty() || o.voice.empty()) {
    return make_error(Errc::config, args.where + ": " + args.name + ": model and voice must not be empty");
  }
  auto speed = number_option(args, "speed", 0, 0.25, 4.0);
  if (!speed) return speed.error();
  o.speed = *speed;
  auto limits = http_tts_limits(args);
  if (!limits) return limits.error();
  o.limits = *limits;
  auto cache = tts_cache_options(args);
  if (!cache) return cache.error();
  cache->settings = openai_tts_fingerprint(o);
  return with_tts_cache(make_openai_tts(std::move(o), NetRuntime::shared()), std::move(*cache));
}

}  // namespace ca::providers
