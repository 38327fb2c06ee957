// Unit tests of ledger.cpp: every operation reaches its handler, and the shell's
// api-secret check. The rules themselves are tested beside their own files
// (token_exchange_test, usage_reporting_test, billing_test, admin_test, ...).
#include <catch2/catch.hpp>

#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

TEST_CASE("ledger: each operation is answered by its own handler", "[emulator][unit]") {
  Model m;
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "s"}, {"balance", 10}})["_status"] == 201);
  CHECK(m.call(Op::kTopup, {{"api_secret", "s"}, {"credits", 1}})["data"]["topup_credits"] == 1);
  CHECK(m.call(Op::kConfigure, {{"token_ttl_s", 600}})["data"]["token_ttl_s"] == 600);
  CHECK(m.ledger.timing().token_ttl_ms == 600'000);
  auto [sid, token] = m.start("s");
  CHECK(m.call(Op::kCreditSummary, nlohmann::json::object(), "s")["data"]["plan"] == "free");
  CHECK(m.usage(Op::kHeartbeat, token, sid, 1, 60'000)["data"]["credits_charged"] == 2);
  CHECK(m.usage(Op::kRelease, token, sid, 2, 0)["data"]["released"] == true);
  CHECK(m.call(Op::kLedger)["sessions"][0]["heartbeats"] == 1);
  CHECK(m.call(Op::kAccount, {{"api_secret", "s"}})["data"]["balance"] == 9);
  CHECK(m.call(Op::kRevoke, {{"api_secret", "s"}})["data"]["revoked"] == true);
  CHECK(m.ledger.signing_key() == "unit-test-key");
}

TEST_CASE("ledger: the api-secret check before the body", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  CHECK_FALSE(m.ledger.check_api_secret("s").has_value());
  CHECK(m.ledger.check_api_secret("t")->status == 401);
  REQUIRE(m.call(Op::kRevoke, {{"api_secret", "s"}})["_status"] == 200);
  CHECK(m.ledger.check_api_secret("s")->status == 403);
}

TEST_CASE("ledger: answers depend only on the calls and the times given", "[emulator][unit]") {
  // The state store relies on this: replaying the logged calls rebuilds the same state.
  Model a, b;
  for (Model* m : {&a, &b}) {
    m->account("s", "free", 10);
    auto [sid, token] = m->start("s");
    m->now += 1'234;
    REQUIRE(m->usage(Op::kHeartbeat, token, sid, 1, 777)["_status"] == 200);
  }
  CHECK(a.ledger.to_json() == b.ledger.to_json());
}
