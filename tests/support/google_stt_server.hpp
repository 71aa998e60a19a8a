// A local Google Speech-to-Text v1 server (POST /v1/speech:recognize) on HttpTestServer: it checks
// the credentials (x-goog-api-key or a bearer token), validates the request as Google does
// (encoding, sampleRateHertz for raw audio, languageCode, at most 3 alternative languages,
// base64 audio.content), and answers from a script. Every request is recorded with its JSON and
// the decoded audio.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "support/http_test_server.hpp"

namespace ca::test {

// Standard base64 (with padding); false on anything else.
inline bool base64_decode(std::string_view in, std::string &out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  if (in.size() % 4 != 0) return false;
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + static_cast<size_t>(j)];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else {
        if (pad > 0) return false;
        v[j] = value(c);
        if (v[j] < 0) return false;
      }
    }
    const uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>(n >> 16 & 0xFF);
    if (pad < 2) out += static_cast<char>(n >> 8 & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return true;
}

struct RecognizeRequest {
  ReceivedRequest request;
  json::Value body;              // the parsed JSON
  std::vector<int16_t> samples;  // audio.content decoded as LINEAR16
};

class GoogleSttServer {
 public:
  explicit GoogleSttServer(std::string api_key = "") : key_(std::move(api_key)) {
    http_.set_handler([this](const ReceivedRequest &r) { return answer(r); });
  }

  HttpTestServer &http() { return http_; }
  std::string base_url() const { return http_.url(""); }

  // A recognised utterance: one result per (transcript, confidence), languageCode as Google
  // writes it (lowercase).
  static std::string results_json(const std::vector<std::pair<std::string, double>> &segments,
                                  std::string language_code = "uk-ua") {
    json::Value results = json::Value::array();
    for (const auto &[text, confidence] : segments) {
      json::Value alt;
      alt.set("transcript", text);
      alt.set("confidence", confidence);
      json::Value r;
      r.set("alternatives", json::Value::array().push(std::move(alt)));
      r.set("resultEndTime", "1.820s");
      r.set("languageCode", language_code);
      results.push(std::move(r));
    }
    return json::dump(json::Value().set("results", std::move(results)).set("totalBilledTime", "2s").set("requestId", "8123"));
  }

  void push_results(const std::vector<std::pair<std::string, double>> &segments, size_t chunk_size = 0,
                    std::string language_code = "uk-ua") {
    Reply r = Reply::json(200, results_json(segments, std::move(language_code)));
    r.chunk_size = chunk_size;
    push(std::move(r));
  }
  // Nothing recognised: Google omits `results` (the body may be just {}).
  void push_silence(std::string body = R"({"totalBilledTime":"1s","requestId":"8124"})") {
    push(Reply::json(200, std::move(body)));
  }
  void push(Reply r) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(r));
  }

  std::vector<RecognizeRequest> recognized() const {
    std::vector<RecognizeRequest> out;
    for (const auto &req : http_.requests()) {
      RecognizeRequest rr;
      rr.request = req;
      if (auto v = json::parse(req.body)) rr.body = std::move(*v);
      std::string bytes;
      if (base64_decode(rr.body["audio"]["content"].str(), bytes)) {
        rr.samples.resize(bytes.size() / 2);
        for (size_t i = 0; i < rr.samples.size(); ++i)
          rr.samples[i] = static_cast<int16_t>(static_cast<uint8_t>(bytes[2 * i]) | static_cast<uint8_t>(bytes[2 * i + 1]) << 8);
      }
      out.push_back(std::move(rr));
    }
    return out;
  }

 private:
  static Reply error(int code, std::string status, std::string message) {
    json::Value e;
    e.set("code", code).set("message", std::move(message)).set("status", std::move(status));
    return Reply::json(code, json::dump(json::Value().set("error", std::move(e))));
  }

  Reply answer(const ReceivedRequest &r) {
    if (r.method != "POST" || r.path != "/v1/speech:recognize") return error(404, "NOT_FOUND", "not found");
    if (!key_.empty()) {
      const std::string api_key = r.header_value("x-goog-api-key");
      const std::string bearer = r.header_value("Authorization");
      if (api_key != key_ && bearer != "Bearer " + key_) {
        // Google's wording; it names nothing secret, but a test server may be harsher than Google:
        // echo what came, so a provider that passes it on is caught.
        return error(403, "PERMISSION_DENIED", "API key not valid: " + api_key + bearer);
      }
    }
    auto body = json::parse(r.body);
    if (!body) return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    const json::Value &config = (*body)["config"];
    const std::string_view encoding = config["encoding"].str();
    if (encoding != "LINEAR16" && encoding != "MULAW" && encoding != "FLAC")
      return error(400, "INVALID_ARGUMENT", "Invalid recognition 'config': bad encoding.");
    const int64_t rate = config["sampleRateHertz"].as_int(0);
    if (encoding != "FLAC" && (rate < 8000 || rate > 48000))
      return error(400, "INVALID_ARGUMENT", "sample_rate_hertz must be in the range 8000-48000");
    if (config["languageCode"].str().empty()) return error(400, "INVALID_ARGUMENT", "language_code is required");
    if (config["alternativeLanguageCodes"].size() > 3)
      return error(400, "INVALID_ARGUMENT", "at most 3 alternative language codes");
    std::string audio;
    if (!base64_decode((*body)["audio"]["content"].str(), audio) || audio.empty())
      return error(400, "INVALID_ARGUMENT", "RecognitionAudio not set.");
    std::lock_guard lock(mu_);
    if (script_.empty()) return Reply::json(200, "{}");
    Reply next = std::move(script_.front());
    script_.erase(script_.begin());
    return next;
  }

  std::string key_;
  std::mutex mu_;
  std::vector<Reply> script_;
  HttpTestServer http_;  // last: its threads call answer(), so it stops first
};

}  // namespace ca::test
