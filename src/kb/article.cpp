#include "kb/article.hpp"

#include <algorithm>
#include <cctype>

#include "kb/kb_text.hpp"

namespace ca::kb {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  return std::string(trim(v));
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  return lines;
}

// Inline Markdown the agent would otherwise read out: **bold**, __bold__, `code`, [text](url),
// ![alt](url). Single * and _ stay: they are as often part of the text (sizes, file names).
std::string strip_inline(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    if (line.substr(i, 2) == "**" || line.substr(i, 2) == "__") {
      i += 2;
      continue;
    }
    if (line[i] == '`') {
      ++i;
      continue;
    }
    const bool image = line.substr(i, 2) == "![";
    if (line[i] == '[' || image) {
      const size_t open = i + (image ? 1 : 0);
      const size_t close = line.find("](", open);
      const size_t end = close == std::string_view::npos ? close : line.find(')', close);
      if (close != std::string_view::npos && end != std::string_view::npos &&
          line.substr(open + 1, close - open - 1).find('[') == std::string_view::npos) {
        out.append(line.substr(open + 1, close - open - 1));
        i = end + 1;
        continue;
      }
    }
    out.push_back(line[i]);
    ++i;
  }
  return out;
}

// "05_faq_winter_tyres.md" → {"faq", "winter tyres"} when faq is a known category.
void from_file_name(std::string_view file_name, std::string &category, std::string &title) {
  std::string_view name = file_name.substr(file_name.find_last_of('/') + 1);
  if (const size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  std::string_view rest = name;
  size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
  if (digits > 0 && digits < rest.size() && (rest[digits] == '_' || rest[digits] == '-')) {
    rest.remove_prefix(digits + 1);
    const size_t sep = rest.find_first_of("_-");
    const std::string word = ascii_lower(rest.substr(0, sep));
    const auto &known = known_categories();
    if (std::find(known.begin(), known.end(), word) != known.end()) {
      category = word;
      rest = sep == std::string_view::npos ? std::string_view{} : rest.substr(sep + 1);
    }
  }
  if (rest.empty()) rest = name;
  title.assign(rest);
  std::replace(title.begin(), title.end(), '_', ' ');
  std::replace(title.begin(), title.end(), '-', ' ');
  title = std::string(trim(title));
}

}  // namespace

const std::vector<std::string> &known_categories() {
  static const std::vector<std::string> v = {"brands",   "guides",  "faq",        "comparisons", "policies",
                                             "delivery", "returns", "warranty",   "fitting",     "general",
                                             "procedures", "promotions", "news", "wheels"};
  return v;
}

Article parse_markdown(std::string_view text, std::string_view file_name) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
  std::vector<std::string_view> lines = split_lines(text);
  Article a;
  std::string fm_title, fm_language;
  size_t first = 0;
  if (!lines.empty() && trim(lines[0]) == "---") {
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::string_view l = trim(lines[i]);
      if (l == "---" || l == "...") {
        for (size_t k = 1; k < i; ++k) {
          const std::string_view kv = lines[k];
          const size_t colon = kv.find(':');
          if (colon == std::string_view::npos) continue;
          const std::string key = ascii_lower(trim(kv.substr(0, colon)));
          const std::string value = unquote(kv.substr(colon + 1));
          if (key == "category") a.category = ascii_lower(value);
          if (key == "language" || key == "lang") fm_language = ascii_lower(value);
          if (key == "title") fm_title = value;
        }
        first = i + 1;
        break;
      }
    }
  }
  std::string body;
  bool in_fence = false;
  for (size_t i = first; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    const std::string_view t = trim(l);
    if (t.substr(0, 3) == "```" || t.substr(0, 3) == "~~~") {
      in_fence = !in_fence;
      continue;
    }
    if (!in_fence && a.title.empty() && t.substr(0, 2) == "# ") {
      a.title = strip_inline(trim(t.substr(2)));
      continue;
    }
    if (!in_fence) {
      size_t hashes = 0;
      while (hashes < t.size() && t[hashes] == '#') ++hashes;
      if (hashes > 0 && hashes < t.size() && t[hashes] == ' ') l = trim(t.substr(hashes));
      else if (t.substr(0, 2) == "> ") l = t.substr(2);
      body += strip_inline(l);
    } else {
      body.append(l);
    }
    body += '\n';
  }
  a.body = std::string(trim(body));

  std::string file_category, file_title;
  from_file_name(file_name, file_category, file_title);
  if (a.title.empty()) a.title = fm_title.empty() ? file_title : fm_title;
  if (a.category.empty()) a.category = file_category.empty() ? "general" : file_category;
  if (fm_language == "ua") fm_language = "uk";
  a.language = (fm_language == "uk" || fm_language == "ru" || fm_language == "en")
                   ? fm_language
                   : detect_language(a.title + "\n" + a.body);
  a.source = std::string(file_name);
  return a;
}

}  // namespace ca::kb
