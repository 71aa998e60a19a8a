// The recogniser's world: a small language model (or grammar) and dictionary built from the tyre
// shop's vocabulary instead of pocketsphinx's general English model.
//
// The general model (en-us.lm.bin, a 27 MB file, with the 135k-word dictionary loaded into every
// decoder) is heavy and, asked about tyres, hears whatever English is most likely. A domain
// model of ~500 words is both small and far more accurate on the phrases a caller actually uses.
// It is built from TEMPLATES and word lists: templates are expanded into a corpus of sentences
// (seeded, so the model is reproducible), and a trigram model with interpolated Witten-Bell
// smoothing (back-off mass floored, see DomainModelOptions) is estimated from it. The same
// templates also compile to a JSGF grammar, the stricter alternative.
//
// Template syntax (also the JSGF syntax, which is why it was chosen):
//   words            lower-case words, apostrophes allowed ("what's", "o'clock")
//   (a | b c)        one of the alternatives
//   [a | b]          optional (at most one of the alternatives)
//   {slot}           a value of a slot: brand, model, city, station, width, profile, rim, size,
//                    number, digit, quantity, day, time, season, car, short
// Slot values are templates too, so a size is "{width} {profile} r {rim}" and a width is a list of
// the ways "205" is said ("two oh five", "two hundred five", ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "providers/provider.hpp"

namespace ca::providers {

struct DomainVocabulary {
  std::vector<std::string> brands;         // "michelin", "nokian"
  std::vector<std::string> models;         // tyre lines: "hakkapeliitta", "winter contact"
  std::vector<std::string> cities;         // "kyiv", "odesa"
  std::vector<std::string> stations;       // fitting stations by their spoken names: "obolon"
  std::vector<std::string> tyre_widths;    // spoken: "two oh five", "two hundred five"
  std::vector<std::string> tyre_profiles;  // "fifty five"
  std::vector<std::string> tyre_rims;      // "sixteen"
  std::vector<std::string> tyre_sizes;     // templates over {width} {profile} {rim}
  std::vector<std::string> numbers;        // quantities and other numbers said in the domain
  std::vector<std::string> days;           // "tomorrow", "next monday", "on friday"
  std::vector<std::string> times;          // "at ten", "half past two"
  std::vector<std::string> seasons;        // "winter", "all season"
  std::vector<std::string> car_makes;      // "toyota", "volkswagen"
  std::vector<std::string> intents;        // templates: what callers ask, phrased many ways
  std::vector<std::string> short_answers;  // yes / no / backchannel / politeness
  // Pronunciations for words the CMU dictionary lacks (or says differently), in CMU phones:
  // {"hankook", "HH AE N K UH K"}. A word may appear several times (variants).
  std::vector<std::pair<std::string, std::string>> pronunciations;
};

// The tyre shop's domain as any caller speaks it: sizes spoken every usual way, numbers, days,
// times, intents (search, availability, price, order, order status, fitting and booking, cancel,
// knowledge questions, operator, goodbye) written as generic templates, and the market's common
// brands, tyre lines, cities and cars, which callers name whether or not a shop sells them (the
// agent has to hear "Dunlop" to say it does not carry it). A shop's own catalogue is added with
// with_catalogue.
DomainVocabulary default_tyre_vocabulary();

// The deployment's words (from its tools, any script) added to the recogniser's vocabulary: its
// brands, models, cities, places and vehicles extend `base`'s lists of the same kind; a place of
// several words is also known by each of them; its sizes add their widths, profiles and rims.
// Every entry is said as words: Cyrillic transliterated ("Оболонь" → "obolon"), joined words
// apart ("WinterContact" → "winter contact"), short capitals spelled ("DM-V3" → "d m v three"),
// then spoken_words; nothing is listed twice.
DomainVocabulary with_catalogue(DomainVocabulary base, const SpeechVocabulary &catalogue);

// Reads DomainVocabulary fields from JSON (same names as the struct; `pronunciations` is an object
// of word -> "PHONES" or ["PHONES", ...]). Lists extend `base`, unless `"replace": true`, in which
// case the lists present replace base's. Unknown keys and mistyped values are errors.
Result<DomainVocabulary> vocabulary_from_json(const json::Value &v, DomainVocabulary base);
Result<DomainVocabulary> load_vocabulary_file(const std::string &path, DomainVocabulary base);

// Catalogue text to spoken words: lower case, punctuation dropped, digits said as words
// ("X-Ice North 4" -> "x ice north four", "R16" -> "r sixteen"). Numbers of up to four digits
// are said as a number, longer ones digit by digit.
std::string spoken_words(std::string_view text);

// The garbage word "_g", pronounced as any single phone of the acoustic model; no vocabulary word
// can be named like it (templates allow letters and apostrophes only). A run of it is a phone loop
// that out-of-domain speech matches better than any sentence of the domain; the recogniser drops
// it from its text and counts the time it covers against its confidence.
inline constexpr char kGarbagePrefix = '_';
inline constexpr const char *kGarbageWord = "_g";
inline bool is_garbage_word(std::string_view w) { return !w.empty() && w.front() == kGarbagePrefix; }

struct DomainModelOptions {
  uint32_t seed = 20240611;  // corpus sampling: fixed, so a vocabulary always gives the same model
  int min_samples = 12;      // sentences per template, at least ...
  int max_samples = 160;     // ... and at most (templates with more alternatives get more)
  // Each history keeps at least this much probability for words never seen after it: callers
  // combine the domain's phrases in ways no template wrote, and a sampled corpus has no natural
  // count scale, so Witten-Bell alone would trust the templates far too much.
  double min_backoff = 0.2;
  // The garbage phone loop: the share of corpus sentences that are garbage only, and the share of
  // domain sentences with a short garbage run inside (a word the vocabulary lacks).
  // The defaults were measured on synthetic development speech: a loop probability of 0.1
  // already lets garbage win over poorly matched in-domain voices, 0.05 only takes what fits no
  // word sequence at all.
  double garbage_sentences = 0.01;
  double garbage_inserts = 0.01;
  double garbage_loop = 0.05;  // P(garbage | garbage): the price of each further garbage phone
};

struct DomainModel {
  std::string arpa;        // trigram LM, ARPA text
  std::string jsgf;        // the same templates as a JSGF grammar
  std::string dictionary;  // one "word PHONES" line per pronunciation, for every word used
  std::vector<std::string> words;    // the vocabulary, sorted
  std::vector<std::string> guessed;  // words pronounced by letter-to-sound rules (no dictionary entry)
  size_t sentences = 0;              // corpus size
  size_t ngrams[3] = {0, 0, 0};
};

// Builds the model. `cmudict_path` is a CMU-format dictionary (pocketsphinx's cmudict-en-us.dict);
// only the entries for the model's words are kept. A template that does not parse, or names an
// unknown slot, is an error naming it.
Result<DomainModel> build_domain_model(const DomainVocabulary &vocabulary, const std::string &cmudict_path,
                                       const DomainModelOptions &options = {});

// Scores word sequences with an ARPA model (the one build_domain_model wrote): how typical of the
// domain a hypothesis is. Speech from outside the domain, forced onto domain words, comes out as
// word salad the model finds improbable.
class NgramScorer {
 public:
  // Parses ARPA text (orders 1 to 3). Malformed text is an error.
  static Result<NgramScorer> parse(std::string_view arpa);
  // Mean log10 probability per token of "<s> words </s>" (the </s> counted, <s> not). Words the
  // model lacks score as its unknown-word floor (-99 would swamp the mean; -6 is "very unlikely").
  double mean_log10(const std::vector<std::string> &words) const;
  // The share of tokens of "words </s>" whose bigram the model never saw (it backed off to the
  // word's unigram): near 0 for the domain's phrasing, high for word salad.
  double unseen_bigram_share(const std::vector<std::string> &words) const;

 private:
  struct Entry {
    float prob = 0;
    float backoff = 0;
  };
  double log10_prob(const std::string &w1, const std::string &w2, const std::string &w3, int order) const;
  std::unordered_map<std::string, Entry> grams_;  // key: words joined by ' '
};

// Letter-to-sound rules for a word no dictionary knows: crude, but better than dropping the word
// (a catalogue model name still gets recognised when said as it is spelt). CMU phones.
std::string guess_pronunciation(std::string_view word);

// Parses one template; exposed for tests and for checking a vocabulary file early.
Result<void> check_template(std::string_view text);

}  // namespace ca::providers
