// Unit tests of money.cpp: exact milli-credit conversion and the charge formula.
#include <catch2/catch.hpp>

#include "money.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

TEST_CASE("money converts exactly to and from milli-credits", "[emulator][unit]") {
  CHECK(credits_to_milli(json(10)) == 10'000);
  CHECK(credits_to_milli(json(0.1)) == 100);
  CHECK(credits_to_milli(json(12.345)) == 12'345);
  CHECK(credits_to_milli(json(-2.5)) == -2'500);
  CHECK(credits_to_milli(json(0.0005)) == 1);       // nearest milli-credit, half away from zero
  CHECK(credits_to_milli(json(0.0004999)) == 0);
  CHECK(credits_to_milli(json(1e-3)) == 1);
  CHECK(credits_to_milli(json(1.5e3)) == 1'500'000);
  CHECK(credits_to_milli(json(0.1 + 0.2)) == 300);  // 0.30000000000000004
  CHECK_FALSE(credits_to_milli(json(1e300)).has_value());
  CHECK_FALSE(credits_to_milli(json("5")).has_value());
  CHECK(milli_to_credits(4'000) == json(4));
  CHECK(milli_to_credits(12'345).dump() == "12.345");
  CHECK(milli_to_credits(-1).dump() == "-0.001");
}

TEST_CASE("money refuses amounts beyond the accepted range instead of wrapping", "[emulator][unit]") {
  const MilliCredits max_credits = kMaxAbsMilliCredits / 1000;
  CHECK(credits_to_milli(json(max_credits)) == kMaxAbsMilliCredits);
  CHECK_FALSE(credits_to_milli(json(max_credits + 1)).has_value());
  CHECK_FALSE(credits_to_milli(json(-max_credits - 1)).has_value());
  CHECK_FALSE(credits_to_milli(json(std::uint64_t{1} << 63)).has_value());
}

TEST_CASE("charge_for is floor(total * rate / 60000) without overflow", "[emulator][unit]") {
  CHECK(charge_for(60'000, 4'000) == 4'000);
  CHECK(charge_for(7, 4'000) == 0);
  CHECK(charge_for(15, 4'000) == 1);
  CHECK(charge_for(1LL << 60, 4'000) == static_cast<std::int64_t>((static_cast<long double>(1LL << 60) * 4000) / 60000));
}
