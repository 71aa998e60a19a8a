// LLM text deltas in, speakable clauses out, so synthesis can start on the first clause while the
// model is still writing the rest.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace ca::session {

// Cutting rules, applied in text order (the first boundary in the text wins), each decided only
// once enough text has arrived that later deltas cannot change the decision, so the clauses are
// the same however the text was split into deltas (even inside a UTF-8 character):
//  - a sentence ends at . ! ? or … (optionally followed by closing quotes or brackets) followed
//    by whitespace; the whitespace is the proof that "3.5" or "R16.5" is not being cut mid-token.
//    A '.' after a known abbreviation ("вул.", "просп.", "ул.", "Dr.") or an initial ("Т.") is not
//    a sentence end;
//  - a newline is a sentence end;
//  - a clause that would be at least min_clause_chars characters (code points, after trimming)
//    ends after a , ; or : followed by whitespace — unless inside brackets or before a digit
//    ("вул. Шевченка, 12" is one breath). Shorter ones wait for more text.
// Clauses are trimmed; clauses with nothing to say (whitespace or punctuation only) are dropped.
class ClauseSplitter {
 public:
  explicit ClauseSplitter(size_t min_clause_chars = 25);

  // Appends a delta and calls on_clause(std::string) for each complete clause. on_clause may call
  // reset().
  template <class F>
  void push(std::string_view delta, F &&on_clause) {
    buffer_.append(delta);
    std::string clause;
    while (next_clause(clause)) on_clause(std::move(clause));
  }

  // End of the reply or a tool call: whatever remains, trimmed (may be empty).
  std::string flush();
  // The first `n` words, when that many complete ones (each followed by whitespace) are pending:
  // trimmed; the rest stays for the ordinary clause rules. "" otherwise.
  // Lets the first clause of a reply go to synthesis before its sentence ends.
  std::string take_words(size_t n);
  void reset();
  bool empty() const;  // nothing speakable pending

 private:
  bool next_clause(std::string &out);
  void take(size_t end, std::string &out);

  size_t min_chars_;
  std::string buffer_;
  size_t scan_ = 0;      // bytes of buffer_ already examined: no boundary before this
  size_t chars_ = 0;     // code points in [0, scan_), not counting leading whitespace
  int depth_ = 0;        // brackets open in what was scanned: no comma split inside them
};

}  // namespace ca::session
