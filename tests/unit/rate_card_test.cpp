// The seed rate card (src/core/rate_card.hpp), credits per active minute, as the seeds and
// docs/CREDITS.md give it.

#include <catch2/catch.hpp>

#include "core/rate_card.hpp"

namespace core = creditmeter::core;

TEST_CASE("the seed rates of every model and surface", "[unit][rates]") {
  CHECK(core::seed_rate("essence", "cloud") == 2.0);
  CHECK(core::seed_rate("expression", "cloud") == 4.0);
  CHECK(core::seed_rate("essence", "self_hosted") == 1.0);
  CHECK(core::seed_rate("expression", "self_hosted") == 2.0);
  CHECK(core::seed_rate("expression", "on_device") == 2.0);
}

TEST_CASE("an unknown model or surface has no seed rate", "[unit][rates]") {
  CHECK_FALSE(core::seed_rate("essence", "on_device").has_value());
  CHECK_FALSE(core::seed_rate("future_model", "cloud").has_value());
  CHECK_FALSE(core::seed_rate("", "").has_value());
}
