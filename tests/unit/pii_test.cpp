#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/pii_vault.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/pii_sanitizer.hpp"

using ca::agent::PiiVault;
using ca::log::PiiKind;
using ca::log::sanitize;

namespace {

struct CorpusLine {
  int line = 0;
  std::string input, masked, sanitized;
};

std::vector<CorpusLine> load_corpus() {
  std::ifstream in(CALLAGENT_SOURCE_DIR "/tests/data/pii/corpus.tsv");
  REQUIRE(in.good());
  std::vector<CorpusLine> rows;
  std::string text;
  int n = 0;
  while (std::getline(in, text)) {
    ++n;
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> cols;
    std::istringstream ss(text);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    INFO("corpus.tsv line ", n, ": ", text);
    REQUIRE(cols.size() == 3);
    CorpusLine row{n, cols[0], cols[1] == "=" ? cols[0] : cols[1], cols[2] == "=" ? cols[0] : cols[2]};
    rows.push_back(std::move(row));
  }
  return rows;
}

// Whether a masked text uses some placeholder twice (then restore gives the first spelling back
// for both, and the round trip is not the identity).
bool repeats_placeholder(const PiiVault &v, const std::string &masked) {
  for (const auto &e : v.entries()) {
    const size_t first = masked.find(e.placeholder);
    if (first != std::string::npos && masked.find(e.placeholder, first + 1) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> g_lines;
void capture(ca::log::Level, std::string_view line, void *) { g_lines.emplace_back(line); }

}  // namespace

TEST_CASE("corpus: vault masking, log sanitising and round trip, line by line") {
  const auto rows = load_corpus();
  size_t unchanged = 0;
  std::string failures;
  for (const CorpusLine &row : rows) {
    if (row.masked == row.input && row.sanitized == row.input) ++unchanged;
    PiiVault vault;
    const std::string masked = vault.mask(row.input);
    const std::string clean = sanitize(row.input);
    const std::string back = vault.restore(masked);
    std::ostringstream why;
    if (masked != row.masked) why << "\n  vault:    got  " << masked << "\n            want " << row.masked;
    if (clean != row.sanitized) why << "\n  sanitise: got  " << clean << "\n            want " << row.sanitized;
    if (!repeats_placeholder(vault, masked) && back != row.input) why << "\n  restore:  got  " << back;
    if (!why.str().empty()) failures += "\nline " + std::to_string(row.line) + ": " + row.input + why.str();
  }
  INFO(failures);
  CHECK(failures.empty());
  CHECK(rows.size() >= 100);
  CHECK(unchanged >= 30);
}

TEST_CASE("vault: one value keeps one placeholder for the whole call, however it is spelled") {
  PiiVault v;
  CHECK(v.mask("Мій номер 067 123 45 67") == "Мій номер [PHONE_1]");
  CHECK(v.mask("Ще раз: +380671234567") == "Ще раз: [PHONE_1]");
  CHECK(v.mask("або 38 (067) 123-45-67") == "або [PHONE_1]");
  CHECK(v.mask("А дружини 050 765 43 21") == "А дружини [PHONE_2]");
  CHECK(v.mask("IVAN@GMAIL.COM і ivan@gmail.com") == "[EMAIL_1] і [EMAIL_1]");
  CHECK(v.mask("4111-1111-1111-1111 = 4111111111111111") == "[CARD_1] = [CARD_1]");
  CHECK(v.mask("UA21 3223 1300 0002 6007 2335 6600 1 / UA213223130000026007233566001") == "[IBAN_1] / [IBAN_1]");
  REQUIRE(v.size() == 5);
  const auto *phone = v.find("[PHONE_1]");
  REQUIRE(phone != nullptr);
  CHECK(phone->kind == PiiKind::phone);
  CHECK(phone->normalized == "+380671234567");
  CHECK(phone->original == "067 123 45 67");  // the first spelling is what goes back
  CHECK(v.find("[PHONE_3]") == nullptr);
  // Another call starts from 1 again.
  PiiVault other;
  CHECK(other.mask("050 765 43 21") == "[PHONE_1]");
}

TEST_CASE("vault: placeholders are numbered per kind in order of first appearance") {
  PiiVault v;
  const std::string masked = v.mask(
      "0671234567, a@b.com, 4111 1111 1111 1111, 0501234567, UA213223130000026007233566001, c@d.org, "
      "5555 5555 5555 4444, UA743052990000026007233566001, 0931234567");
  CHECK(masked ==
        "[PHONE_1], [EMAIL_1], [CARD_1], [PHONE_2], [IBAN_1], [EMAIL_2], [CARD_2], [IBAN_2], [PHONE_3]");
  CHECK(v.mask("c@d.org 0501234567") == "[EMAIL_2] [PHONE_2]");
  REQUIRE(v.entries().size() == 9);
  CHECK(v.entries()[4].placeholder == "[IBAN_1]");
  CHECK(v.entries()[4].normalized == "UA213223130000026007233566001");
}

TEST_CASE("vault: restore puts the originals back and leaves unknown placeholders") {
  PiiVault v;
  const std::string text =
      "Олена, +38 (067) 123-45-67, olena.k@ukr.net, картка 4149 4900 0012 3452, рахунок UA17 3005 2800 0002 6200 "
      "3012 3456 7; шини 205/55 R16 за 2 150 грн, замовлення AI-000123.";
  const std::string masked = v.mask(text);
  CHECK(masked ==
        "Олена, [PHONE_1], [EMAIL_1], картка [CARD_1], рахунок [IBAN_1]; шини 205/55 R16 за 2 150 грн, "
        "замовлення AI-000123.");
  CHECK(v.restore(masked) == text);
  // What the model writes back: a placeholder this vault issued, one it did not, lookalikes.
  CHECK(v.restore("Записала [PHONE_1], а [PHONE_7] і [NAME_1] не знаю; [PHONE_1 [phone_1] [PHONE_] []") ==
        "Записала +38 (067) 123-45-67, а [PHONE_7] і [NAME_1] не знаю; [PHONE_1 [phone_1] [PHONE_] []");
  CHECK(v.restore("[EMAIL_1][CARD_1]") == "olena.k@ukr.net4149 4900 0012 3452");
  CHECK(v.restore("") == "");
  // An empty vault restores nothing, even placeholder-shaped text.
  CHECK(PiiVault().restore("[PHONE_1]") == "[PHONE_1]");
}

TEST_CASE("vault: restore in nested JSON tool arguments") {
  PiiVault v;
  REQUIRE(v.mask("Мій номер 0671234567, пошта ivan@gmail.com") == "Мій номер [PHONE_1], пошта [EMAIL_1]");
  auto args = ca::json::parse(
      R"({"phone":"[PHONE_1]","customer":{"contacts":["[EMAIL_1]","call [PHONE_1] after 18:00",["[PHONE_1]"]],)"
      R"("qty":4,"vip":true,"note":null},"size":"205/55 R16","unknown":"[CARD_3]","[PHONE_1]":"key stays"})");
  REQUIRE(args.ok());
  const ca::json::Value restored = v.restore_in_json(*args);
  const auto want = ca::json::parse(
      R"({"phone":"0671234567","customer":{"contacts":["ivan@gmail.com","call 0671234567 after 18:00",["0671234567"]],)"
      R"("qty":4,"vip":true,"note":null},"size":"205/55 R16","unknown":"[CARD_3]","[PHONE_1]":"key stays"})");
  REQUIRE(want.ok());
  CHECK(ca::json::dump(restored) == ca::json::dump(want.value()));
}

TEST_CASE("vault: tool results are masked string by string") {
  PiiVault v;
  auto result = ca::json::parse(
      R"({"orders":[{"id":"ORD-2026-00042","phone":"+380671234567","total":3150.5,"sku":"00000012345"}],)"
      R"("contact":"067 123 45 67"})");
  REQUIRE(result.ok());
  const ca::json::Value masked = v.mask_in_json(*result);
  CHECK(ca::json::dump(masked) ==
        R"({"orders":[{"id":"ORD-2026-00042","phone":"[PHONE_1]","total":3150.5,"sku":"00000012345"}],)"
        R"("contact":"[PHONE_1]"})");
}

TEST_CASE("a Luhn-invalid card and an IBAN with a bad checksum are left alone") {
  CHECK(ca::log::luhn_valid("4111111111111111"));
  CHECK(ca::log::luhn_valid("378282246310005"));
  CHECK_FALSE(ca::log::luhn_valid("4111111111111112"));
  CHECK_FALSE(ca::log::luhn_valid("0000000000000000"));
  CHECK_FALSE(ca::log::luhn_valid("41111111x1111111"));
  CHECK_FALSE(ca::log::luhn_valid(""));
  CHECK(ca::log::iban_checksum_valid("UA213223130000026007233566001"));
  CHECK(ca::log::iban_checksum_valid("GB82WEST12345698765432"));
  CHECK_FALSE(ca::log::iban_checksum_valid("UA223223130000026007233566001"));
  CHECK_FALSE(ca::log::iban_checksum_valid("UA21322313000002600723356600?"));

  for (const char *text : {"Картка 4111 1111 1111 1112", "4111-1111-1111-1112", "card 5168742700001238",
                           "IBAN UA22 3223 1300 0002 6007 2335 6600 1", "UA213223130000026007233566002",
                           // An IBAN shape with a bad checksum is skipped whole: the Luhn-valid
                           // 4111 1111 1111 1111 inside it is not taken for a card.
                           "UA00 4111 1111 1111 1111 0000 0000 0"}) {
    CAPTURE(text);
    PiiVault v;
    CHECK(v.mask(text) == text);
    CHECK(v.size() == 0);
    CHECK(sanitize(text) == text);
  }
}

TEST_CASE("detector: spans, kinds and normalised values") {
  std::vector<ca::log::PiiMatch> m;
  const std::string text = "Тел. (050) 123-45-67; пошта Ivan.P@Ukr.Net; 4242 4242 4242 4242; ua213223130000026007233566001";
  ca::log::find_pii(text, m);
  REQUIRE(m.size() == 4);
  CHECK(m[0].kind == PiiKind::phone);
  CHECK(text.substr(m[0].begin, m[0].end - m[0].begin) == "(050) 123-45-67");
  CHECK(m[0].normalized == "+380501234567");
  CHECK(m[1].kind == PiiKind::email);
  CHECK(m[1].normalized == "ivan.p@ukr.net");
  CHECK(m[2].kind == PiiKind::card);
  CHECK(m[2].normalized == "4242424242424242");
  CHECK(m[3].kind == PiiKind::iban);
  CHECK(m[3].normalized == "UA213223130000026007233566001");

  // No-break spaces (U+00A0, U+202F) inside a number, as editors and STT write them.
  CHECK(sanitize("067\u00a0123\u00a045\u00a067") == "+38067***67");
  CHECK(sanitize("4111\u202f1111\u202f1111\u202f1111") == "4111 **** **** 1111");
  // An unmatched bracket stays outside the match.
  CHECK(sanitize("(тел. 0671234567)") == "(тел. +38067***67)");
  CHECK(sanitize("(067 123 45 67") == "(+38067***67");
  // Invalid UTF-8 around numbers neither breaks the scan nor hides a number.
  CHECK(sanitize("\xff 0671234567 \xd0") == "\xff +38067***67 \xd0");
  CHECK(sanitize("\xd0\x9f" "0671234567") == "\xd0\x9f" "0671234567");  // glued to a Cyrillic letter
  CHECK_FALSE(ca::log::may_contain_pii("Добрий день, шиномонтаж"));
  // The quick check reads sixteen bytes at a time: a digit or '@' anywhere is seen, its
  // neighbours in the byte table are not.
  for (size_t at = 0; at < 40; ++at) {
    CAPTURE(at);
    std::string s(40, 'x');
    for (const char c : {'0', '9', '@'}) {
      s[at] = c;
      CHECK(ca::log::may_contain_pii(s));
    }
    for (const char c : {'/', ':', '?', 'A', '\x80', '\xff'}) {
      s[at] = c;
      CHECK_FALSE(ca::log::may_contain_pii(s));
    }
  }
  CHECK(ca::log::may_contain_pii("a@b"));
  CHECK(ca::log::may_contain_pii("R16"));
  CHECK(sanitize("") == "");
  CHECK(ca::log::pii_kind_name(PiiKind::iban) == std::string("IBAN"));
}

TEST_CASE("log lines are sanitised: message and every string field; off when asked") {
  g_lines.clear();
  const ca::log::Level saved = ca::log::level();
  ca::log::set_level(ca::log::Level::info);
  ca::log::set_sink(capture, nullptr);
  REQUIRE(ca::log::sanitize_enabled());

  ca::log::write(ca::log::Level::info, "call-1", "caller said 067 123 45 67",
                 {{"email", "ivan.petrenko@gmail.com"},
                  {"card", std::string("4111 1111 1111 1111")},
                  {"iban", "UA21 3223 1300 0002 6007 2335 6600 1"},
                  {"size", "205/55 R16"},
                  {"sku", "00000012345"},
                  {"n", 380671234567LL}});
  ca::log::write(ca::log::Level::info, "", "no digits here", {{"text", "Добрий день"}});
  ca::log::set_sanitize(false);
  ca::log::write(ca::log::Level::info, "", "raw 0671234567");
  ca::log::set_sanitize(true);
  ca::log::set_sink(nullptr, nullptr);
  ca::log::set_level(saved);

  REQUIRE(g_lines.size() == 3);
  const std::string &line = g_lines[0];
  CAPTURE(line);
  CHECK(line.find(R"("msg":"caller said +38067***67")") != std::string::npos);
  CHECK(line.find(R"("email":"i***@***.com")") != std::string::npos);
  CHECK(line.find(R"("card":"4111 **** **** 1111")") != std::string::npos);
  CHECK(line.find(R"("iban":"UA21 **** **** 6001")") != std::string::npos);
  CHECK(line.find(R"("size":"205/55 R16")") != std::string::npos);
  CHECK(line.find(R"("sku":"00000012345")") != std::string::npos);
  CHECK(line.find(R"("n":380671234567)") != std::string::npos);  // numbers are not strings
  CHECK(line.find("123 45 67") == std::string::npos);
  CHECK(line.find("petrenko") == std::string::npos);
  CHECK(line.find("1111 1111") == std::string::npos);
  CHECK(ca::json::parse(line).ok());
  CHECK(g_lines[1].find(R"("msg":"no digits here","text":"Добрий день")") != std::string::npos);
  CHECK(g_lines[2].find(R"("msg":"raw 0671234567")") != std::string::npos);
}
