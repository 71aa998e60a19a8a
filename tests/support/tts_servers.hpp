// Local servers that speak the speech-synthesis vendors' wire formats, on the scripted
// HttpTestServer (127.0.0.1, port 0): OpenAI's POST /v1/audio/speech (raw 24 kHz PCM), Google's
// POST /v1/text:synthesize (JSON with a base64 WAV), ElevenLabs' POST
// /v1/text-to-speech/{voice}/stream?output_format=.. (raw PCM or G.711), and Google's OAuth token
// endpoint that checks the RS256 JWT with the account's key.
//
// A TtsVendorServer answers every well-formed request with its audio (in N-byte pieces when asked,
// 1 byte too), and anything else with the vendor's error; scripted replies (push) go first, so a
// test can make the next answer stall, cut mid-body, 429 with Retry-After or 500. Every request is
// recorded (http().requests()).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audio/g711.hpp"
#include "core/base64.hpp"
#include "core/json.hpp"
#include "support/http_test_server.hpp"

namespace ca::test {

// ---- audio bodies ----

inline std::string pcm_le_bytes(std::span<const int16_t> pcm) {
  std::string out;
  out.reserve(pcm.size() * 2);
  for (int16_t s : pcm) {
    const auto u = static_cast<uint16_t>(s);
    out += static_cast<char>(u & 0xFF);
    out += static_cast<char>(u >> 8);
  }
  return out;
}

inline std::string ulaw_bytes(std::span<const int16_t> pcm) {
  std::string out(pcm.size(), '\0');
  audio::encode_ulaw(pcm, reinterpret_cast<uint8_t *>(out.data()));
  return out;
}

// A WAV file as a picky writer makes it: a LIST chunk and an odd-sized chunk (with its pad byte)
// before "data", and a fmt chunk of 18 bytes (cbSize), so a 44-byte assumption reads garbage.
inline std::string wav_with_extra_chunks(int rate, std::span<const int16_t> pcm) {
  auto u32 = [](std::string &s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  auto u16 = [](std::string &s, uint16_t v) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>(v >> 8);
  };
  std::string body = "WAVE";
  body += "fmt ";
  u32(body, 18);
  u16(body, 1);  // PCM
  u16(body, 1);  // mono
  u32(body, static_cast<uint32_t>(rate));
  u32(body, static_cast<uint32_t>(rate) * 2);
  u16(body, 2);
  u16(body, 16);
  u16(body, 0);  // cbSize
  body += "LIST";
  static constexpr char kInfo[] = "INFOISFT\x06\x00\x00\x00Lavf\x00\x00";
  const std::string info(kInfo, sizeof kInfo - 1);
  u32(body, static_cast<uint32_t>(info.size()));
  body += info;
  body += "odd ";
  u32(body, 3);
  body += "abc";
  body += '\0';  // pad
  body += "data";
  const std::string data = pcm_le_bytes(pcm);
  u32(body, static_cast<uint32_t>(data.size()));
  body += data;
  std::string out = "RIFF";
  u32(out, static_cast<uint32_t>(body.size()));
  return out + body;
}

// ---- the vendors ----

enum class TtsVendor { openai, google, elevenlabs };

class TtsVendorServer {
 public:
  // `audio`: what every well-formed request gets. For Google it is wrapped in a WAV at
  // `google_rate`; for ElevenLabs it is sent in the format the query asks for.
  TtsVendorServer(TtsVendor vendor, std::vector<int16_t> audio, int google_rate = 16000)
      : vendor_(vendor),
        audio_(std::move(audio)),
        google_rate_(google_rate),
        http_([this](const ReceivedRequest &r) { return handle(r); }) {}

  HttpTestServer &http() { return http_; }
  TtsVendor vendor() const { return vendor_; }
  // What a client takes as base_url.
  std::string base_url() const { return vendor_ == TtsVendor::openai ? http_.url("/v1") : http_.url(""); }
  void push(Reply r) { http_.push(std::move(r)); }
  void set_chunk_size(size_t n) { chunk_.store(n); }
  // The ElevenLabs format of scripted replies (audio_reply without a request).
  void set_elevenlabs_format(std::string f) { format_ = std::move(f); }
  const std::vector<int16_t> &audio() const { return audio_; }

  // The answer to a well-formed request, in pieces of `chunk` bytes (0: one write).
  Reply audio_reply(const ReceivedRequest *req, size_t chunk) const {
    Reply r;
    r.status = 200;
    r.framing = Reply::Framing::chunked;
    r.chunk_size = chunk;
    switch (vendor_) {
      case TtsVendor::openai:
        r.headers.push_back({"Content-Type", "audio/pcm"});
        r.body = pcm_le_bytes(audio_);
        break;
      case TtsVendor::google:
        r.headers.push_back({"Content-Type", "application/json; charset=UTF-8"});
        r.body = "{\n  \"audioContent\": \"" + base64::encode(wav_with_extra_chunks(google_rate_, audio_)) + "\"\n}\n";
        break;
      case TtsVendor::elevenlabs:
        // The spec says audio/mpeg whatever the format.
        r.headers.push_back({"Content-Type", "audio/mpeg"});
        r.body = (req ? req->query.find("output_format=ulaw_8000") != std::string::npos : format_ == "ulaw_8000")
                     ? ulaw_bytes(audio_)
                     : pcm_le_bytes(audio_);
        break;
    }
    return r;
  }
  Reply audio_reply(size_t chunk) const { return audio_reply(nullptr, chunk); }

  // An error answer in the vendor's shape.
  Reply error_reply(int status, std::string_view message) const {
    json::Value body;
    switch (vendor_) {
      case TtsVendor::openai:
        body.set("error", json::Value().set("message", message).set("type", "invalid_request_error"));
        break;
      case TtsVendor::google:
        body.set("error", json::Value().set("code", status).set("message", message).set("status", "INVALID_ARGUMENT"));
        break;
      case TtsVendor::elevenlabs:
        body.set("detail", json::Value().set("status", "error").set("message", message));
        break;
    }
    return Reply::json(status, json::dump(body));
  }

  // The path a well-formed request goes to.
  bool path_ok(const ReceivedRequest &r) const {
    switch (vendor_) {
      case TtsVendor::openai: return r.path == "/v1/audio/speech";
      case TtsVendor::google: return r.path == "/v1/text:synthesize";
      case TtsVendor::elevenlabs:
        return r.path.starts_with("/v1/text-to-speech/") && r.path.ends_with("/stream") &&
               r.path.size() > std::string_view("/v1/text-to-speech//stream").size();
    }
    return false;
  }

 private:
  Reply handle(const ReceivedRequest &r) {
    if (r.method != "POST" || !path_ok(r)) return error_reply(404, "no such endpoint: " + r.method + " " + r.path);
    if (!json::parse(r.body)) return error_reply(400, "the body is not JSON");
    return audio_reply(&r, chunk_.load());
  }

  TtsVendor vendor_;
  std::vector<int16_t> audio_;
  int google_rate_;
  std::atomic<size_t> chunk_{0};
  std::string format_ = "pcm_16000";
  HttpTestServer http_;  // last: its threads call handle()
};

// ---- Google OAuth ----

// An RSA private key as PKCS#8 PEM, as in a service-account key file.
inline std::string generate_rsa_pem(unsigned bits = 2048) {
  EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char *data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

inline std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The form field `name` of an application/x-www-form-urlencoded body, decoded.
inline std::string form_field(std::string_view body, std::string_view name) {
  size_t at = 0;
  while (at <= body.size()) {
    size_t end = body.find('&', at);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(at, end - at);
    const size_t eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) == name) return eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    at = end + 1;
  }
  return {};
}

// The token endpoint: checks each JWT (RS256 signature with the account's key, header, claims)
// and answers a fresh token "ya29.test-token-N" — or 400 invalid_grant when the JWT is wrong.
class GoogleTokenServer {
 public:
  struct Exchange {
    bool signature_ok = false;
    std::string grant_type;
    json::Value header, claims;
    std::string content_type;
  };

  explicit GoogleTokenServer(const std::string &private_pem, int64_t expires_in = 3600)
      : expires_in_(expires_in), http_([this](const ReceivedRequest &r) { return handle(r); }) {
    BIO *bio = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
    key_ = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
  ~GoogleTokenServer() {
    http_.stop();
    EVP_PKEY_free(key_);
  }
  GoogleTokenServer(const GoogleTokenServer &) = delete;
  GoogleTokenServer &operator=(const GoogleTokenServer &) = delete;

  HttpTestServer &http() { return http_; }
  std::string token_uri() const { return http_.url("/token"); }
  std::vector<Exchange> exchanges() const {
    std::lock_guard l(mu_);
    return exchanges_;
  }
  int issued() const { return issued_.load(); }
  static std::string token(int n) { return "ya29.test-token-" + std::to_string(n) + "-abcdefgh"; }

  // A service-account key file's JSON for this server.
  std::string key_file_json(const std::string &private_pem, const std::string &email = "tts@test-project.iam.gserviceaccount.com") const {
    return json::dump(json::Value()
                          .set("type", "service_account")
                          .set("project_id", "test-project")
                          .set("private_key_id", "kid-0123456789")
                          .set("private_key", private_pem)
                          .set("client_email", email)
                          .set("token_uri", token_uri()));
  }

 private:
  Reply handle(const ReceivedRequest &r) {
    Exchange ex;
    ex.content_type = r.header_value("Content-Type");
    ex.grant_type = form_field(r.body, "grant_type");
    const std::string jwt = form_field(r.body, "assertion");
    const size_t d1 = jwt.find('.');
    const size_t d2 = d1 == std::string::npos ? d1 : jwt.find('.', d1 + 1);
    if (d2 != std::string::npos) {
      const std::string signing_input = jwt.substr(0, d2);
      auto h = base64::decode(jwt.substr(0, d1));
      auto c = base64::decode(jwt.substr(d1 + 1, d2 - d1 - 1));
      auto sig = base64::decode(jwt.substr(d2 + 1));
      if (h) {
        if (auto v = json::parse(*h)) ex.header = *v;
      }
      if (c) {
        if (auto v = json::parse(*c)) ex.claims = *v;
      }
      // base64url only: a '+', '/' or '=' would be standard base64, which Google rejects.
      const bool url_alphabet = jwt.find_first_of("+/=") == std::string::npos;
      if (sig && url_alphabet) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ex.signature_ok =
            EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char *>(signing_input.data()), signing_input.size()) == 1;
        EVP_MD_CTX_free(ctx);
      }
    }
    const bool ok = ex.signature_ok && ex.grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer" &&
                    ex.content_type == "application/x-www-form-urlencoded";
    {
      std::lock_guard l(mu_);
      exchanges_.push_back(ex);
    }
    if (!ok) return Reply::json(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
    const int n = ++issued_;
    return Reply::json(200, json::dump(json::Value()
                                           .set("access_token", token(n))
                                           .set("expires_in", expires_in_)
                                           .set("token_type", "Bearer")));
  }

  int64_t expires_in_;
  EVP_PKEY *key_ = nullptr;
  mutable std::mutex mu_;
  std::vector<Exchange> exchanges_;
  std::atomic<int> issued_{0};
  HttpTestServer http_;  // last: its threads call handle()
};

}  // namespace ca::test
