// Splits an article body into the pieces the index ranks and the agent quotes: whole paragraphs
// where they fit, so a chunk reads as text and not as a window cut mid-sentence.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ca::kb {

// About 500 tokens at 4 characters a token, as the system this replaces used.
inline constexpr size_t kDefaultChunkChars = 2000;
// Below this a limit would cut words rather than sentences; smaller limits are raised to it.
inline constexpr size_t kMinChunkChars = 40;

// Chunks of at most `max_chars` code points each:
// - paragraphs are separated by blank lines and keep their inner line breaks;
// - consecutive paragraphs are merged (joined by a blank line) while the result fits;
// - a paragraph longer than the limit is split on sentence ends (. ! ? … followed by space, or a
//   line break), its sentences packed greedily and joined by a space;
// - a sentence longer than the limit is cut at the last space that fits, or, with none, at a
//   code-point boundary.
// Whitespace around chunks is trimmed; an empty or blank text gives no chunks.
std::vector<std::string> chunk_text(std::string_view text, size_t max_chars = kDefaultChunkChars);

}  // namespace ca::kb
