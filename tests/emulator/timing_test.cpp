// Unit tests of timing.cpp: defaults, the wire form and POST /admin/config.
#include <catch2/catch.hpp>

#include "timing.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

namespace {

json answer_of(const Reply& reply) { return json::parse(reply.body); }

}  // namespace

TEST_CASE("timing defaults and the slot hold of grace + 2 intervals", "[emulator][unit]") {
  Timing timing;
  CHECK(timing_as_seconds(timing) == json{{"heartbeat_interval_s", 60}, {"offline_grace_s", 300}, {"token_ttl_s", 300}});
  CHECK(timing.slot_hold_ms() == 420'000);
  timing.heartbeat_interval_ms = 500;
  timing.offline_grace_ms = 1'000;
  CHECK(timing.slot_hold_ms() == 2'000);
  CHECK(timing_as_seconds(timing)["heartbeat_interval_s"].dump() == "0.5");
}

TEST_CASE("configure sets the fields given, keeps the others, and validates", "[emulator][unit]") {
  Timing timing;
  const Reply reply = configure_timing(timing, {{"heartbeat_interval_s", 0.5}, {"token_ttl_s", 2}});
  CHECK(reply.status == 200);
  CHECK(reply.mutated);
  const auto config = answer_of(reply)["data"];
  CHECK(config["heartbeat_interval_s"] == 0.5);
  CHECK(config["offline_grace_s"] == 300);  // omitted: unchanged
  CHECK(config["token_ttl_s"] == 2);
  CHECK(timing.heartbeat_interval_ms == 500);
  CHECK(timing.token_ttl_ms == 2'000);

  CHECK(configure_timing(timing, {{"offline_grace_s", -1}}).status == 400);
  CHECK(configure_timing(timing, {{"token_ttl_s", "1"}}).status == 400);
  CHECK(configure_timing(timing, {{"heartbeat_interval_s", 0}}).status == 400);
  CHECK(timing.offline_grace_ms == 300'000);  // a refused call changes nothing
  CHECK(timing.heartbeat_interval_ms == 500);
}

TEST_CASE("configure without fields reads the timing and is not a mutation", "[emulator][unit]") {
  Timing timing;
  timing.offline_grace_ms = 1'500;
  const Reply reply = configure_timing(timing, json::object());
  CHECK(reply.status == 200);
  CHECK_FALSE(reply.mutated);  // a GET /admin/config is not logged
  CHECK(answer_of(reply)["data"]["offline_grace_s"] == 1.5);
}

TEST_CASE("configure refuses an interval below 50 ms and a grace below 100 ms", "[emulator][unit]") {
  Timing timing;
  CHECK(configure_timing(timing, {{"heartbeat_interval_s", 0.001}}).status == 400);
  CHECK(configure_timing(timing, {{"heartbeat_interval_s", 0.049}}).status == 400);
  CHECK(configure_timing(timing, {{"offline_grace_s", 0}}).status == 400);
  CHECK(configure_timing(timing, {{"offline_grace_s", 0.099}}).status == 400);
  CHECK(timing.heartbeat_interval_ms == 60'000);  // refused: unchanged
  CHECK(timing.offline_grace_ms == 300'000);
  REQUIRE(configure_timing(timing, {{"heartbeat_interval_s", 0.05}, {"offline_grace_s", 0.1}}).status == 200);
  CHECK(timing.heartbeat_interval_ms == 50);
  CHECK(timing.offline_grace_ms == 100);
}

TEST_CASE("configure keeps the TTL at 1 ms at least", "[emulator][unit]") {
  Timing timing;
  REQUIRE(configure_timing(timing, {{"token_ttl_s", 0.0012}}).status == 200);
  CHECK(timing.token_ttl_ms == 1);
}
