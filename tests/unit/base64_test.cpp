#include "core/base64.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace ca;

TEST_CASE("base64: RFC 4648 test vectors, standard and URL-safe") {
  const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *std_enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char *url_enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (size_t i = 0; i < std::size(plain); ++i) {
    CAPTURE(plain[i]);
    CHECK(base64::encode(std::string_view(plain[i])) == std_enc[i]);
    CHECK(base64::encode_url(plain[i]) == url_enc[i]);
    CHECK(base64::decode(std_enc[i]) == std::string(plain[i]));
    CHECK(base64::decode(url_enc[i]) == std::string(plain[i]));
  }
  CHECK(base64::encode(std::string_view("\xfb\xff", 2)) == "+/8=");
  CHECK(base64::encode_url(std::string_view("\xfb\xff", 2)) == "-_8");
}

TEST_CASE("base64: round trips of every byte value; line breaks skipped; garbage refused") {
  std::mt19937 rng(7);
  for (size_t n = 0; n < 70; ++n) {
    std::string s(n, '\0');
    for (auto &c : s) c = static_cast<char>(rng() & 0xFF);
    CHECK(base64::decode(base64::encode(s)) == s);
    CHECK(base64::decode(base64::encode_url(s)) == s);
  }
  CHECK(base64::decode("Zm9v\r\nYmFy\n") == std::string("foobar"));
  CHECK_FALSE(base64::decode("Zm9v!"));
  CHECK_FALSE(base64::decode("Z"));         // 6 bits are not a byte
  CHECK_FALSE(base64::decode("Zg==Zg=="));  // data after padding
  CHECK_FALSE(base64::decode("Zg="));       // wrong padding
}
