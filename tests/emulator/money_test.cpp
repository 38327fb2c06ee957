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

TEST_CASE("prices convert exactly to and from micro-units", "[emulator][unit]") {
  CHECK(units_to_micro(json(10)) == 10'000'000);
  CHECK(units_to_micro(json(0.083333)) == 83'333);
  CHECK(units_to_micro(json(0.0833333)) == 83'333);  // rounded once, at the sixth decimal
  CHECK(units_to_micro(json(0.0000005)) == 1);       // half away from zero
  CHECK(units_to_micro(json(0.25)) == 250'000);
  CHECK_FALSE(units_to_micro(json(1e300)).has_value());
  CHECK_FALSE(units_to_micro(json("1")).has_value());
  CHECK(micro_to_units(250'000'000) == json(250));
  CHECK(micro_to_units(83'333).dump() == "0.083333");
  CHECK(micro_to_units(100'000).dump() == "0.1");
}

TEST_CASE("event_charge is floor(quantity_milli * price_micro / 10^6)", "[emulator][unit]") {
  CHECK(event_charge(1'000, 10'000'000) == 10'000);  // one GPT-4 request: 10 credits
  CHECK(event_charge(1'000, 83'333) == 83);          // one second of TTS: 0.083333 -> 0.083
  CHECK(event_charge(60'000, 83'333) == 4'999);      // a minute of it, not 5 credits
  CHECK(event_charge(1, 83'333) == 0);               // a milli-second: floored to nothing
  CHECK(event_charge(12'345, 50'000) == 617);        // 12.345 s of STT: 0.61725 -> 0.617
  CHECK(event_charge(0, 250'000'000) == 0);
  CHECK(event_charge(1'000'000'000'000LL, 10'000'000'000LL) == 10'000'000'000'000'000LL);  // the bounds
}

TEST_CASE("charge_for is floor(total * rate / 60000) without overflow", "[emulator][unit]") {
  CHECK(charge_for(60'000, 4'000) == 4'000);
  CHECK(charge_for(7, 4'000) == 0);
  CHECK(charge_for(15, 4'000) == 1);
  CHECK(charge_for(1LL << 60, 4'000) == static_cast<std::int64_t>((static_cast<long double>(1LL << 60) * 4000) / 60000));
}
