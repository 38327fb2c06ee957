// Unit tests of token_exchange.cpp: starting a session, and re-attaching to one.
#include <catch2/catch.hpp>

#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

TEST_CASE("a token exchange opens a session with the defaults, its rate and the timing", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  Reply raw;
  const auto answer = m.call(Op::kExchangeToken, nlohmann::json::object(), "s", "", "", &raw);
  REQUIRE(answer["_status"] == 200);
  CHECK(raw.mutated);
  const auto data = answer["data"];
  CHECK(data["model"] == "essence");
  CHECK(data["surface"] == "cloud");
  CHECK(data["credits_per_minute"] == 2);
  CHECK(data["session_id"] == "00000000-0000-4000-8000-100000000001");  // the call's fresh id
  CHECK(data["transaction_id"] == "txn_00000000-0000-4000-8000-100000000001");
  CHECK(data["balance"] == 10);
  CHECK(data["reattached"] == false);
  CHECK(data["heartbeat_interval_s"] == 60);
  CHECK(data["offline_grace_s"] == 300);
  CHECK(data["expires_at"] == (kT0 + 300'000) / 1000);
  const auto claims = JwtSigner("unit-test-key").verify(data["token"]);
  REQUIRE(claims);
  CHECK(claims->session_id == data["session_id"]);
  CHECK(claims->account_id == "acct_1");
  CHECK(m.row(data["session_id"])["slot_held"] == true);
}

TEST_CASE("a token exchange is refused for the secret, the rate card and the balance", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 0);
  CHECK(m.exchange("nobody")["error"]["code"] == "INVALID_API_SECRET");
  CHECK(m.exchange("")["_status"] == 401);
  const auto unsupported = m.exchange("s", {{"model", "essence"}, {"surface", "on_device"}});
  CHECK(unsupported["_status"] == 400);
  CHECK(unsupported["error"]["code"] == "UNSUPPORTED_MODEL_SURFACE");
  const auto broke = m.exchange("s");
  CHECK(broke["_status"] == 402);
  CHECK(broke["error"]["balance"] == 0);
  CHECK(m.call(Op::kLedger)["sessions"].empty());
}

TEST_CASE("the token's exp is rounded up to a whole second", "[emulator][unit]") {
  Model m;
  m.call(Op::kConfigure, {{"token_ttl_s", 0.2}});
  m.account("s", "free", 10);
  m.now = kT0 + 900;
  CHECK(m.exchange("s")["data"]["expires_at"] == kT0 / 1000 + 2);  // 1800000001.1 -> ...002
}

TEST_CASE("session ids: validated, defaulted, and re-attach rules", "[emulator][unit]") {
  Model m;
  m.account("a", "free", 10);
  m.account("b", "free", 10);
  CHECK(m.exchange("a", {{"session_id", ""}})["error"]["code"] == "INVALID_SESSION_ID");
  CHECK(m.exchange("a", {{"session_id", std::string(129, 'x')}})["error"]["code"] == "INVALID_SESSION_ID");
  CHECK(m.exchange("a", {{"session_id", "has space"}})["error"]["code"] == "INVALID_SESSION_ID");
  CHECK(m.exchange("a", {{"session_id", 5}})["_status"] == 400);
  const std::string longest(128, 'z');
  REQUIRE(m.exchange("a", {{"session_id", longest}})["_status"] == 200);
  auto [sid, token] = m.start("a", {{"session_id", "A.b_c:d-1"}});
  CHECK(sid == "A.b_c:d-1");
  // Both slots of the free plan are taken now.
  const auto refused = m.exchange("a");
  CHECK(refused["_status"] == 403);
  CHECK(refused["error"]["code"] == "CONCURRENCY_LIMIT_REACHED");
  CHECK(refused["error"]["limit"] == 2);
  // Re-attach is never refused for slots...
  Reply raw;
  auto again = m.call(Op::kExchangeToken, {{"session_id", sid}}, "a", "", "", &raw);
  CHECK(again["_status"] == 200);
  CHECK(again["data"]["session_id"] == sid);
  CHECK(again["data"]["reattached"] == true);
  CHECK_FALSE(raw.mutated);  // only a token: nothing to persist
  // ... nor for balance, released sessions included.
  REQUIRE(m.usage(Op::kRelease, token, sid, 1, 10 * 60'000)["_status"] == 200);  // 20 credits: debt
  CHECK(m.exchange("a")["_status"] == 402);
  again = m.exchange("a", {{"session_id", sid}});
  CHECK(again["_status"] == 200);
  // Another account's session id is a conflict.
  const auto conflict = m.exchange("b", {{"session_id", sid}});
  CHECK(conflict["_status"] == 409);
  CHECK(conflict["error"]["code"] == "SESSION_ID_CONFLICT");
  // A late heartbeat with the re-attached token is accepted and billed.
  const auto late = m.usage(Op::kHeartbeat, again["data"]["token"], sid, 2, 60'000);
  CHECK(late["_status"] == 402);
  CHECK(m.row(sid)["active_ms"] == 11 * 60'000);
}

TEST_CASE("re-attach keeps the session's model and rate, whatever the request says", "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 100);
  auto [sid, token] = m.start("s", {{"model", "expression"}});
  const auto again = m.exchange("s", {{"session_id", sid}, {"model", "essence"}, {"surface", "self_hosted"}});
  REQUIRE(again["_status"] == 200);
  CHECK(again["data"]["model"] == "expression");
  CHECK(again["data"]["surface"] == "cloud");
  CHECK(again["data"]["credits_per_minute"] == 4);
}
