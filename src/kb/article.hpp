// A knowledge-base article read from Markdown: title, category, language and the body text the
// chunks are cut from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ca::kb {

struct Article {
  std::string title;
  std::string category;  // lower case, e.g. "faq"
  std::string language;  // "uk", "ru" or "en"
  std::string body;      // Markdown with emphasis, links and heading marks removed
  std::string source;    // where it came from (a file path); re-imports match on it
};

// The categories a file name may carry (`NN_<category>_topic.md`); a front-matter category may
// name any other.
const std::vector<std::string> &known_categories();

// Reads one Markdown article.
// - Optional front matter: a first line `---`, `key: value` lines, a closing `---`. Keys used:
//   category, language (or lang), title. Quotes around values are dropped.
// - Title: the first `# ` heading outside code fences (removed from the body), else the front
//   matter title, else the file name made readable ("05_faq_winter_tyres.md" → "winter tyres").
// - Category: front matter, else the file name pattern `NN_<category>_topic.md` when <category>
//   is a known one, else "general".
// - Language: front matter when uk/ru/en (ua counts as uk), else detect_language(title + body).
Article parse_markdown(std::string_view text, std::string_view file_name);

}  // namespace ca::kb
