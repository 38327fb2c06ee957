// Unit tests of catalog.cpp: the seeds' plans and rate card.
#include <catch2/catch.hpp>

#include "catalog.hpp"

using namespace creditmeter::emulator;

TEST_CASE("catalog: plans and rate card of the seeds", "[emulator][unit]") {
  CHECK(find_plan("free")->credits_mc == 99'000);
  CHECK(find_plan("free")->max_concurrent == 2);
  CHECK(find_plan("creator")->max_concurrent == 5);
  CHECK(find_plan("pro")->credits_mc == 7'500'000);
  CHECK(find_plan("pro")->max_concurrent == 10);
  CHECK_FALSE(find_plan("gold").has_value());
  CHECK(find_rate("expression", "cloud") == 4'000);
  CHECK(find_rate("essence", "self_hosted") == 1'000);
  CHECK_FALSE(find_rate("essence", "on_device").has_value());
  CHECK(rate_card().size() == 5);
}

TEST_CASE("catalog: USD accounts pay HeyGen's $0.05 a second on every model, as 3 USD a minute", "[emulator][unit]") {
  CHECK(known_unit("credits"));
  CHECK(known_unit("USD"));
  CHECK_FALSE(known_unit("usd"));
  CHECK_FALSE(known_unit("EUR"));
  REQUIRE(rate_card(kUnitUsd).size() == rate_card().size());
  for (const auto& rate : rate_card(kUnitUsd)) CHECK(rate.mc_per_minute == 3'000);
  CHECK(find_rate("expression", "cloud", kUnitUsd) == 3'000);
  CHECK(find_rate("expression", "cloud", kUnitCredits) == 4'000);
}
