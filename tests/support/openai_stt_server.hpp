// A local OpenAI-compatible transcription server (POST /v1/audio/transcriptions, or whisper.cpp's
// POST /inference) on HttpTestServer: it parses the multipart/form-data upload as the real ones
// do (a `file` part with a filename, text parts), reads the WAV, checks the bearer key when one is
// set, and answers from a script: {"text": ...} in any chunking, or any scripted Reply (429,
// 500, a cut). Every upload is recorded, parsed, for the test to assert on.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "audio/wav.hpp"
#include "core/json.hpp"
#include "support/http_test_server.hpp"

namespace ca::test {

struct MultipartPart {
  std::string name;
  std::string filename;      // empty for a text field
  std::string content_type;  // of the part, when given
  std::string data;
};

// The parts of a multipart/form-data body; empty when the Content-Type has no boundary or the
// body is malformed.
inline std::vector<MultipartPart> parse_multipart(std::string_view content_type, std::string_view body) {
  std::vector<MultipartPart> parts;
  const size_t b = content_type.find("boundary=");
  if (b == std::string_view::npos) return parts;
  std::string boundary(content_type.substr(b + 9));
  if (const size_t semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delim = "--" + boundary;
  size_t at = body.find(delim);
  if (at == std::string_view::npos) return {};
  for (;;) {
    at += delim.size();
    if (body.substr(at, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") return {};
    at += 2;
    const size_t head_end = body.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos) return {};
    const std::string_view head = body.substr(at, head_end - at);
    const size_t next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string_view::npos) return {};
    MultipartPart part;
    part.data = std::string(body.substr(head_end + 4, next - head_end - 4));
    size_t line_start = 0;
    while (line_start <= head.size()) {
      size_t line_end = head.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = head.size();
      const std::string_view line = head.substr(line_start, line_end - line_start);
      auto param = [&](std::string_view key) -> std::string {
        const size_t k = line.find(std::string(key) + "=\"");
        if (k == std::string_view::npos) return "";
        const size_t start = k + key.size() + 2;
        return std::string(line.substr(start, line.find('"', start) - start));
      };
      if (line.size() > 20 && (line.starts_with("Content-Disposition:") || line.starts_with("content-disposition:"))) {
        part.name = param("name");
        part.filename = param("filename");
      } else if (line.starts_with("Content-Type:") || line.starts_with("content-type:")) {
        std::string_view v = line.substr(13);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        part.content_type = std::string(v);
      }
      line_start = line_end + 2;
    }
    parts.push_back(std::move(part));
    at = next + 2;
  }
}

struct TranscriptionUpload {
  ReceivedRequest request;
  std::map<std::string, std::string> fields;  // text parts
  std::string filename;
  std::string file_content_type;
  bool wav_ok = false;
  int sample_rate = 0;
  int channels = 0;
  std::vector<int16_t> samples;
};

class OpenAiSttServer {
 public:
  // `path`: "/v1/audio/transcriptions" (OpenAI) or "/inference" (whisper.cpp's server).
  explicit OpenAiSttServer(std::string path = "/v1/audio/transcriptions", std::string key = "")
      : path_(std::move(path)), key_(std::move(key)) {
    http_.set_handler([this](const ReceivedRequest &r) { return answer(r); });
  }

  HttpTestServer &http() { return http_; }
  // "http://127.0.0.1:PORT": the provider's base_url is this (+ "/v1" for the OpenAI path).
  std::string origin() const { return http_.url(""); }

  // The next valid upload is answered {"text": text}, its body written `chunk_size` bytes at a
  // time (0: at once).
  void push_transcript(std::string text, size_t chunk_size = 0) {
    Reply r = Reply::json(200, json::dump(json::Value().set("text", std::move(text))));
    r.chunk_size = chunk_size;
    push(std::move(r));
  }
  // The next valid upload gets `r` as it is.
  void push(Reply r) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(r));
  }

  std::vector<TranscriptionUpload> uploads() const {
    std::vector<TranscriptionUpload> out;
    for (const auto &req : http_.requests()) {
      TranscriptionUpload u;
      u.request = req;
      for (auto &p : parse_multipart(req.header_value("Content-Type"), req.body)) {
        if (p.name == "file") {
          u.filename = p.filename;
          u.file_content_type = p.content_type;
          const auto *bytes = reinterpret_cast<const uint8_t *>(p.data.data());
          if (auto wav = audio::read_wav({bytes, p.data.size()})) {
            u.wav_ok = true;
            u.sample_rate = wav->sample_rate;
            u.channels = wav->channels;
            u.samples = std::move(wav->samples);
          }
        } else {
          u.fields[p.name] = p.data;
        }
      }
      out.push_back(std::move(u));
    }
    return out;
  }

 private:
  Reply answer(const ReceivedRequest &r) {
    if (r.method != "POST" || r.path != path_) return Reply::json(404, R"({"error":{"message":"not found"}})");
    if (!key_.empty() && r.header_value("Authorization") != "Bearer " + key_) {
      // Like OpenAI, the answer names (part of) what it was given: a provider must not pass it on.
      return Reply::json(401, R"({"error":{"message":"Incorrect API key provided: )" +
                                  r.header_value("Authorization") + R"(","type":"invalid_request_error"}})");
    }
    const auto parts = parse_multipart(r.header_value("Content-Type"), r.body);
    bool file = false;
    for (const auto &p : parts)
      if (p.name == "file" && !p.filename.empty()) file = true;
    // whisper.cpp's wording for a missing file.
    if (!file) return Reply::json(400, R"({"error":"no 'file' field in the request"})");
    std::lock_guard lock(mu_);
    if (script_.empty()) return Reply::json(200, R"({"text":""})");
    Reply next = std::move(script_.front());
    script_.erase(script_.begin());
    return next;
  }

  std::string path_;
  std::string key_;
  std::mutex mu_;
  std::vector<Reply> script_;
  HttpTestServer http_;  // last: its threads call answer(), so it stops first
};

}  // namespace ca::test
