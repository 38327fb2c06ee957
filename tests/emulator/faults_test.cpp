// Unit tests of faults.cpp: fault rules, their parsing and matching. What a fault does to a
// connection is tested through the binary in http_faults_test.cpp.
#include <catch2/catch.hpp>

#include "faults.hpp"

using namespace creditmeter::emulator;

TEST_CASE("fault rules: parsing, matching, count and session scope", "[emulator][unit]") {
  Reply error;
  CHECK_FALSE(parse_fault_rule({{"mode", "explode"}}, error));
  CHECK(error.status == 400);
  CHECK_FALSE(parse_fault_rule({{"mode", "status"}, {"status", 200}}, error));
  CHECK_FALSE(parse_fault_rule({{"mode", "status"}, {"retry_after", -3}}, error));
  const auto rule = parse_fault_rule({{"mode", "status"}, {"status", 429}, {"retry_after", 7}}, error);
  REQUIRE(rule);
  CHECK(rule->code == "RATE_LIMITED");
  CHECK(rule->retry_after == "7");
  CHECK(parse_fault_rule({{"mode", "slow"}}, error)->hang_ms == kDefaultSlowMs);

  FaultPlan plan;
  plan.add(*parse_fault_rule({{"mode", "hang"}, {"session_id", "A"}}, error));
  plan.add(*parse_fault_rule({{"mode", "refuse"}, {"path", "/v2/"}, {"count", 1}}, error));
  CHECK_FALSE(plan.take("/v1/runtime-tokens/heartbeat", "B"));
  CHECK(plan.take("/v1/runtime-tokens/heartbeat", "A")->mode == FaultMode::kHang);
  CHECK(plan.take("/v2/credit-summaries", "")->mode == FaultMode::kRefuse);
  CHECK_FALSE(plan.take("/v2/credit-summaries", ""));  // count exhausted
  const auto generation = plan.generation();
  plan.clear();
  CHECK(plan.generation() != generation);
  CHECK(plan.empty());
  CHECK(plan.wait_while_generation(generation, std::chrono::steady_clock::now()));
}
