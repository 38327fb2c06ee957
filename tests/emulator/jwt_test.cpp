// Unit tests of jwt.cpp: HS256 runtime tokens and base64url.
#include <catch2/catch.hpp>

#include "jwt.hpp"

using namespace creditmeter::emulator;

TEST_CASE("JWT: HS256 round trip, tampering and other keys are rejected", "[emulator][unit]") {
  const JwtSigner signer("k1");
  const auto token = signer.sign({"acct_1", "sess", 100, 400});
  const auto claims = signer.verify(token);
  REQUIRE(claims);
  CHECK(claims->account_id == "acct_1");
  CHECK(claims->session_id == "sess");
  CHECK(claims->expires == 400);
  CHECK_FALSE(JwtSigner("k2").verify(token));
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;
  CHECK_FALSE(signer.verify(tampered));
  CHECK_FALSE(signer.verify("a.b"));
  CHECK_FALSE(signer.verify(""));
  CHECK(peek_claims(token)->session_id == "sess");
  CHECK(base64url_decode(base64url_encode(std::string("\xff\xfe\x00x", 4))) == std::string("\xff\xfe\x00x", 4));
}
