#include "kb/chunker.hpp"

#include <algorithm>

#include "kb/kb_text.hpp"

namespace ca::kb {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A piece of text and what joins it to the piece before it when both land in one chunk.
struct Piece {
  std::string_view text;
  std::string_view joiner;
};

std::vector<std::string_view> paragraphs(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = std::string_view::npos;  // first line of the open paragraph
  size_t end = 0;                          // end of its last non-blank line
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    if (trim(line).empty()) {
      if (start != std::string_view::npos) out.push_back(trim(text.substr(start, end - start)));
      start = std::string_view::npos;
    } else {
      if (start == std::string_view::npos) start = pos;
      end = nl;
    }
    pos = nl + 1;
  }
  if (start != std::string_view::npos) out.push_back(trim(text.substr(start, end - start)));
  return out;
}

bool is_closer(std::string_view s, size_t i, size_t &len) {
  static constexpr std::string_view kClosers[] = {")", "\"", "'", "»", "”", "’", "]"};
  for (const std::string_view c : kClosers) {
    if (s.substr(i, c.size()) == c) {
      len = c.size();
      return true;
    }
  }
  return false;
}

// Sentences of one paragraph, each with the separator that preceded it (a line break or a space).
std::vector<Piece> sentences(std::string_view p) {
  std::vector<Piece> out;
  std::string_view joiner = "\n\n";
  size_t start = 0;
  auto emit = [&](size_t end, std::string_view next_joiner) {
    const std::string_view s = trim(p.substr(start, end - start));
    if (!s.empty()) {
      out.push_back({s, joiner});
      joiner = next_joiner;
    }
    start = end;
  };
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '\n') {
      emit(i, "\n");
      ++i;
      continue;
    }
    size_t mark = 0;
    if (p[i] == '.' || p[i] == '!' || p[i] == '?') mark = 1;
    if (p.substr(i, 3) == "…") mark = 3;
    if (mark == 0) {
      ++i;
      continue;
    }
    size_t j = i + mark;
    while (j < p.size() && (p[j] == '.' || p[j] == '!' || p[j] == '?')) ++j;
    size_t len = 0;
    while (j < p.size() && is_closer(p, j, len)) j += len;
    if (j < p.size() && (p[j] == ' ' || p[j] == '\t')) emit(j, " ");
    i = std::max(j, i + 1);
  }
  emit(p.size(), " ");
  return out;
}

// Cuts a sentence longer than the limit at spaces (or anywhere on a code-point boundary).
void hard_split(Piece sentence, size_t max, std::vector<Piece> &out) {
  std::string_view rest = sentence.text;
  std::string_view joiner = sentence.joiner;
  while (utf8_length(rest) > max) {
    const std::string_view head = utf8_prefix(rest, max);
    size_t cut = head.rfind(' ');
    if (cut == std::string_view::npos || cut == 0) cut = head.size();
    out.push_back({trim(rest.substr(0, cut)), joiner});
    joiner = " ";
    rest = trim(rest.substr(cut));
  }
  if (!rest.empty()) out.push_back({rest, joiner});
}

}  // namespace

std::vector<std::string> chunk_text(std::string_view text, size_t max_chars) {
  const size_t max = std::max(max_chars, kMinChunkChars);
  std::vector<Piece> pieces;
  for (const std::string_view p : paragraphs(text)) {
    if (utf8_length(p) <= max) {
      pieces.push_back({p, "\n\n"});
      continue;
    }
    for (const Piece &s : sentences(p)) {
      if (utf8_length(s.text) <= max)
        pieces.push_back(s);
      else
        hard_split(s, max, pieces);
    }
  }
  std::vector<std::string> chunks;
  std::string cur;
  size_t cur_len = 0;
  for (const Piece &piece : pieces) {
    const size_t len = utf8_length(piece.text);
    const size_t joined = utf8_length(piece.joiner);
    if (!cur.empty() && cur_len + joined + len <= max) {
      cur.append(piece.joiner);
      cur.append(piece.text);
      cur_len += joined + len;
      continue;
    }
    if (!cur.empty()) chunks.push_back(std::move(cur));
    cur.assign(piece.text);
    cur_len = len;
  }
  if (!cur.empty()) chunks.push_back(std::move(cur));
  return chunks;
}

}  // namespace ca::kb
