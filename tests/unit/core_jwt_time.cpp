// Reading a JWT's claims without verifying it, and the RFC 3339 timestamps of the wire.

#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "core/jwt.hpp"
#include "core/time_format.hpp"
#include "core_rig.hpp"

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

TEST_CASE("rfc3339_ms formats UTC with milliseconds", "[unit][time]") {
  CHECK(core::rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(core::rfc3339_ms(1) == "1970-01-01T00:00:00.001Z");
  CHECK(core::rfc3339_ms(999) == "1970-01-01T00:00:00.999Z");  // truncated, never rounded up
  CHECK(core::rfc3339_ms(1000) == "1970-01-01T00:00:01.000Z");
  CHECK(core::rfc3339_ms(1700000000123) == "2023-11-14T22:13:20.123Z");
  CHECK(core::rfc3339_ms(951782400000) == "2000-02-29T00:00:00.000Z");  // leap day
  CHECK(core::rfc3339_ms(4102444799999) == "2099-12-31T23:59:59.999Z");
  // Before the epoch: the millisecond part stays positive (floor, not truncation).
  CHECK(core::rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(core::rfc3339_ms(-1000) == "1969-12-31T23:59:59.000Z");
  CHECK(core::rfc3339_ms(-1001) == "1969-12-31T23:59:58.999Z");
}

TEST_CASE("rfc3339_ms agrees with gmtime_r over centuries of timestamps", "[unit][time]") {
  // The formatter does its own calendar arithmetic: check it against the C library's.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 200000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    // 1900-01-01 .. 2200-01-01, any millisecond; the first few are the edges of 2000 and 2100.
    std::int64_t ms = -2208988800000 + static_cast<std::int64_t>((state >> 11) % 9467020800000ull);
    if (i == 0) ms = 946684799999;   // 1999-12-31T23:59:59.999
    if (i == 1) ms = 4107542400000;  // 2100-03-01 (2100 is no leap year)
    if (i == 2) ms = 4107456000000;  // 2100-02-28
    const std::time_t t = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm tm{};
    REQUIRE(gmtime_r(&t, &tm) != nullptr);
    char want[80];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
    INFO(ms);
    REQUIRE(core::rfc3339_ms(ms) == want);
  }
}
