#include "providers/openai/openai_stt.hpp"

#include "audio/wav.hpp"
#include "core/json.hpp"
#include "providers/credentials.hpp"

namespace ca::providers {

namespace {

void add_field(std::string &body, std::string_view boundary, std::string_view name, std::string_view value) {
  body += "--";
  body += boundary;
  body += "\r\nContent-Disposition: form-data; name=\"";
  body += name;
  body += "\"\r\n\r\n";
  body += value;
  body += "\r\n";
}

std::string trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

class OpenAiSttBackend final : public BatchSttBackend {
 public:
  explicit OpenAiSttBackend(OpenAiSttOptions options) : opts_(std::move(options)) {}

  std::string_view name() const override { return "openai stt"; }

  void build(const SttParams &params, std::vector<int16_t> pcm,
             std::function<void(Result<net::HttpRequest>)> send) override {
    const std::string boundary = random_token("----callagent-");
    net::HttpRequest req;
    req.method = "POST";
    req.url = opts_.base_url + opts_.path;
    req.headers.push_back({"Content-Type", "multipart/form-data; boundary=" + boundary});
    req.headers.push_back({"Accept", "application/json"});
    if (!opts_.api_key.empty()) req.headers.push_back({"Authorization", "Bearer " + opts_.api_key});
    req.body = openai_stt_body(opts_, params, pcm, boundary);
    send(std::move(req));
  }

  Result<std::optional<SttEvent>> parse(const SttParams &params, std::string_view body) const override {
    auto v = json::parse(body);
    if (!v || !v->is_object()) return make_error(Errc::protocol, "the answer is not a JSON object");
    const json::Value *text = v->find("text");
    if (text == nullptr || !text->is_string()) return make_error(Errc::protocol, "the answer has no \"text\"");
    std::string words = trim(text->as_string());
    if (words.empty()) return std::optional<SttEvent>();
    SttEvent e;
    e.type = SttEvent::Type::final;
    e.text = std::move(words);
    // verbose_json says which language it heard ("ukrainian" or "uk"); json does not: the one asked.
    e.language = params.language;
    if (const json::Value *lang = v->find("language"); lang && lang->is_string() && lang->as_string().size() == 2)
      e.language = lang->as_string();
    e.confidence = 0;  // not reported
    return std::optional<SttEvent>(std::move(e));
  }

 private:
  OpenAiSttOptions opts_;
};

}  // namespace

std::string openai_stt_body(const OpenAiSttOptions &options, const SttParams &params, std::span<const int16_t> pcm,
                            std::string_view boundary) {
  const std::vector<uint8_t> wav = audio::write_wav(params.sample_rate > 0 ? params.sample_rate : 8000, 1, pcm);
  std::string body;
  body.reserve(wav.size() + 1024);
  body += "--";
  body += boundary;
  body += "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\n";
  body.append(reinterpret_cast<const char *>(wav.data()), wav.size());
  body += "\r\n";
  add_field(body, boundary, "model", options.model);
  if (!params.language.empty()) add_field(body, boundary, "language", params.language);
  add_field(body, boundary, "response_format", "json");
  if (options.hints_as_prompt && !params.hints.empty()) {
    std::string prompt;
    for (const auto &h : params.hints) {
      if (prompt.size() + h.size() > 800) break;  // whisper reads only the last ~224 tokens anyway
      prompt += (prompt.empty() ? "" : ", ") + h;
    }
    add_field(body, boundary, "prompt", prompt);
  }
  body += "--";
  body += boundary;
  body += "--\r\n";
  return body;
}

std::shared_ptr<SttProvider> make_openai_stt(std::shared_ptr<NetRuntime> runtime, OpenAiSttOptions options) {
  BatchSttOptions batch = options.batch;
  batch.api_key = options.api_key;
  return std::make_shared<BatchHttpStt>(std::move(runtime), std::make_shared<OpenAiSttBackend>(std::move(options)),
                                        std::move(batch));
}

Result<std::shared_ptr<SttProvider>> make_openai_stt_from_args(const FactoryArgs &args) {
  if (auto ok = check_option_keys(args, {"base_url", "path", "model", "api_key_env", "api_key", "timeout_ms",
                                         "retries", "hints_as_prompt", "max_seconds"});
      !ok)
    return ok.error();
  OpenAiSttOptions o;
  auto base = resolve_base_url(args, o.base_url);
  if (!base) return base.error();
  o.base_url = *base;
  const bool official = o.base_url.find("://api.openai.com") != std::string::npos;
  auto key = resolve_api_key(args, "OPENAI_API_KEY", official);
  if (!key) return key.error();
  o.api_key = *key;
  if (const json::Value *p = args.options.find("path")) {
    if (!p->is_string() || (!p->as_string().empty() && p->as_string().front() != '/'))
      return make_error(Errc::config, args.where + ": " + args.name + ": path must be a string starting with '/'");
    o.path = p->as_string();
  }
  if (const json::Value *m = args.options.find("model")) {
    if (!m->is_string() || m->as_string().empty())
      return make_error(Errc::config, args.where + ": " + args.name + ": model must be a non-empty string");
    o.model = m->as_string();
  }
  if (const json::Value *h = args.options.find("hints_as_prompt")) {
    if (!h->is_bool()) return make_error(Errc::config, args.where + ": " + args.name + ": hints_as_prompt must be true or false");
    o.hints_as_prompt = h->as_bool();
  }
  auto batch = batch_stt_options(args, 120, 3600);
  if (!batch) return batch.error();
  o.batch = std::move(*batch);
  return make_openai_stt(NetRuntime::shared(), std::move(o));
}

}  // namespace ca::providers
