// The RFC 3339 timestamps of the wire (src/core/time_format.cpp): UTC, milliseconds, by
// calendar arithmetic of its own, so checked against the C library's.

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "core/time_format.hpp"

namespace core = creditmeter::core;

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
    const std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    // A 32-bit time_t (armhf's glibc) cannot hold the reference outside 1901..2038.
    if (static_cast<std::int64_t>(static_cast<std::time_t>(secs)) != secs) continue;
    const std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    REQUIRE(gmtime_r(&t, &tm) != nullptr);
    char want[80];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
    INFO(ms);
    REQUIRE(core::rfc3339_ms(ms) == want);
  }
}

TEST_CASE("HTTP-dates in their three forms, and nothing else", "[unit][time]") {
  const std::int64_t oct21 = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(core::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT") == oct21);
  CHECK(core::parse_http_date("Wednesday, 21-Oct-15 07:28:00 GMT") == oct21);
  CHECK(core::parse_http_date("Wed Oct 21 07:28:00 2015") == oct21);
  CHECK(core::parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK(core::parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT") == 1709251199);  // leap day
  for (const char* bad : {"", "Wed, 21 Oct 2015 07:28:00", "Wed, 21 Okt 2015 07:28:00 GMT",
                          "Wed, 21 Oct 2015 24:00:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT junk", "12:00",
                          "Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 1969 07:28:00 GMT"}) {
    INFO(bad);
    CHECK_FALSE(core::parse_http_date(bad).has_value());
  }
}
