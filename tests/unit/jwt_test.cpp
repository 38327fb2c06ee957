// Reading a JWT's claims without verifying it (src/core/jwt.cpp).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/jwt.hpp"
#include "session_machine_rig.hpp"  // base64url and unsigned JWTs

using cmtest::base64url;
using cmtest::jwt_with_claims;
using cmtest::make_jwt;
namespace core = creditmeter::core;

TEST_CASE("the test's base64url encoder is RFC 4648 §5 without padding", "[unit][jwt]") {
  // The vectors of RFC 4648 §10, in the URL alphabet and unpadded.
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("foob") == "Zm9vYg");
  CHECK(base64url("\xfb\xff\xbf") == "-_-_");
}

TEST_CASE("jwt_expiry reads `exp` and jwt_subject reads `sub`", "[unit][jwt]") {
  CHECK(core::jwt_expiry(make_jwt(1700000300)) == 1700000300);
  CHECK(core::jwt_subject(make_jwt(1700000300)) == std::string("acct_1"));
  CHECK(core::jwt_expiry(jwt_with_claims(R"({"exp":1700000300.9})")) == 1700000300);
  CHECK(core::jwt_expiry(jwt_with_claims(R"({"exp":0})")) == 0);
  // Payloads of every length modulo 3 (base64url of 0, 2 and 3 chars past a whole group).
  for (const std::string pad : {"", "x", "xx", "xxx"}) {
    const std::string claims = R"({"p":")" + pad + R"(","exp":1234567890})";
    INFO(claims << " -> " << base64url(claims));
    CHECK(core::jwt_expiry(jwt_with_claims(claims)) == 1234567890);
  }
  // No signature part content needed, but two dots are.
  CHECK(core::jwt_expiry("h." + base64url(R"({"exp":9})") + ".") == 9);
}

TEST_CASE("jwt_expiry of garbage is nullopt, never a throw", "[unit][jwt]") {
  const std::vector<std::string> garbage = {
      "",
      "opaque-token",
      "a.b",
      "...",
      "h.!!!!.s",
      "h." + base64url("not json") + ".s",
      "h." + base64url("[1,2]") + ".s",
      "h." + base64url(R"({"sub":"x"})") + ".s",
      "h." + base64url(R"({"exp":"1700000300"})") + ".s",
      "h." + base64url(R"({"exp":-5})") + ".s",
      "h." + base64url(R"({"exp":1e300})") + ".s",
      "h." + base64url(R"({"exp":null})") + ".s",
      "h." + base64url(R"({"exp":1})").substr(0, 5) + ".s",  // 5 chars: not base64 at all
      "h." + std::string(9000, 'A') + ".s",                    // bigger than any token
  };
  for (const auto& token : garbage) {
    INFO(token.substr(0, 60));
    std::optional<std::int64_t> exp;
    REQUIRE_NOTHROW(exp = core::jwt_expiry(token));
    CHECK_FALSE(exp.has_value());
  }
  CHECK_FALSE(core::jwt_subject("h." + base64url(R"({"sub":7})") + ".s").has_value());
  CHECK_FALSE(core::jwt_subject("garbage").has_value());
}

TEST_CASE("a token read again gives its own claims, one that differs in any byte is decoded anew", "[unit][jwt]") {
  // The claims of the last token decoded are remembered (the wire and the token state read
  // the same token in turn): the memory must never answer for another token.
  const std::string a = jwt_with_claims(R"({"sub":"acct_a","sid":"s-a","exp":100})");
  const std::string b = jwt_with_claims(R"({"sub":"acct_b","sid":"s-b","exp":200})");
  const std::string a_other_signature = a.substr(0, a.rfind('.')) + ".other";
  for (int round = 0; round < 2; ++round) {
    CHECK(core::jwt_session_id(a) == std::string("s-a"));
    CHECK(core::jwt_expiry(a) == 100);
    CHECK(core::jwt_subject(a) == std::string("acct_a"));
    CHECK(core::jwt_session_id(b) == std::string("s-b"));
    CHECK(core::jwt_expiry(b) == 200);
    CHECK(core::jwt_expiry(a) == 100);
    CHECK(core::jwt_session_id(a_other_signature) == std::string("s-a"));
    CHECK_FALSE(core::jwt_expiry("opaque").has_value());
    CHECK(core::jwt_subject(b) == std::string("acct_b"));
  }
  // One character of the payload changed: another session id, read as such.
  const std::string tampered = jwt_with_claims(R"({"sub":"acct_a","sid":"s-c","exp":100})");
  CHECK(core::jwt_session_id(a) == std::string("s-a"));
  CHECK(core::jwt_session_id(tampered) == std::string("s-c"));
}
