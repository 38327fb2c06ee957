// Unit tests of time_format.cpp: RFC 3339 on the wire.
#include <catch2/catch.hpp>

#include "time_format.hpp"

using namespace creditmeter::emulator;

TEST_CASE("RFC 3339 parsing and formatting", "[emulator][unit]") {
  CHECK(parse_rfc3339("1970-01-01T00:00:01.250Z") == 1250);
  CHECK(parse_rfc3339("1970-01-01T01:00:00+01:00") == 0);
  CHECK_FALSE(parse_rfc3339("1970-01-01 junk").has_value());
  CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z").has_value());
  CHECK(format_rfc3339(1'800'000'000'000) == "2027-01-15T08:00:00Z");
}
