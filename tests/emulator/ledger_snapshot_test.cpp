// Unit tests of ledger_snapshot.cpp: the whole model as the --state snapshot.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "ledger_model.hpp"
#include "ledger_snapshot.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;
using nlohmann::json;

TEST_CASE("the model survives a JSON round trip unchanged", "[emulator][unit]") {
  Model m;
  m.account("s", "creator", 10);
  auto [sid, token] = m.start("s");
  REQUIRE(m.usage(Op::kHeartbeat, token, sid, 1, 90'000)["_status"] == 200);
  m.call(Op::kConfigure, {{"offline_grace_s", 1.5}});
  const auto snapshot = m.ledger.to_json();
  Ledger restored = Ledger::from_json(snapshot);
  CHECK(restored.to_json() == snapshot);
  // The restored ledger still knows the idempotency record and the signing key.
  Call replay;
  replay.op = Op::kHeartbeat;
  replay.bearer = token;
  replay.idempotency_key = sid + ":1";
  replay.body = {{"session_id", sid}, {"seq", 1}, {"active_ms", 90'000}, {"period_start", "2026-01-01T00:00:00.000Z"},
                 {"period_end", "2026-01-01T00:00:10.000Z"}};
  CHECK(restored.handle(replay, kT0).status == 200);
  CHECK_THROWS(Ledger::from_json(json{{"format", "other"}}));
}

TEST_CASE("the snapshot's fields are the state file's format", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  auto [sid, token] = m.start("s", {{"session_id", "sess-1"}});
  REQUIRE(m.usage(Op::kHeartbeat, token, sid, 1, 60'000)["_status"] == 200);
  const json snapshot = m.ledger.to_json();
  CHECK(snapshot["format"] == "creditmeter-emulator-ledger/2");
  CHECK(snapshot["timing"] == json{{"heartbeat_interval_ms", 60'000}, {"offline_grace_ms", 300'000}, {"token_ttl_ms", 300'000}});
  CHECK(snapshot["next_account"] == 2);
  CHECK(snapshot["next_session_order"] == 2);
  CHECK(base64url_decode(snapshot["signing_key"].get<std::string>()) == std::string("unit-test-key"));
  REQUIRE(snapshot["accounts"].size() == 1);
  const json account = snapshot["accounts"][0];
  CHECK(account == json{{"id", "acct_1"},    {"api_secret", "s"}, {"plan", "free"},      {"plan_mc", 8'000},
                        {"topup_mc", 0},     {"max_concurrent", 2}, {"revoked", false}, {"created_ms", kT0},
                        {"unit", "credits"}});
  REQUIRE(snapshot["sessions"].size() == 1);
  json session = snapshot["sessions"][0];
  CHECK(session["idempotency"].size() == 1);
  CHECK(session["idempotency"][0]["key"] == "sess-1:1");
  CHECK(session["idempotency"][0]["status"] == 200);
  session.erase("idempotency");
  CHECK(session == json{{"id", "sess-1"},
                        {"account_id", "acct_1"},
                        {"model", "essence"},
                        {"surface", "cloud"},
                        {"transaction_id", "txn_00000000-0000-4000-8000-100000000001"},
                        {"rate_mc_per_min", 2'000},
                        {"active_ms", 60'000},
                        {"charged_mc", 2'000},
                        {"events_charged", 0},
                        {"event_charged_mc", 0},
                        {"heartbeats", 1},
                        {"replays", 0},
                        {"released", false},
                        {"slot_held", true},
                        {"last_seen_ms", kT0},
                        {"order", 1}});
}

TEST_CASE("a restored ledger still holds its slots and continues its counters", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  m.start("s");
  m.start("s");
  m.ledger = Ledger::from_json(m.ledger.to_json());
  CHECK(m.exchange("s")["error"]["code"] == "CONCURRENCY_LIMIT_REACHED");
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "t"}})["data"]["account_id"] == "acct_2");
  m.now += 420'000;  // the restored slots expire like any others
  const auto third = m.exchange("s", {{"session_id", "third"}});
  REQUIRE(third["_status"] == 200);
  CHECK(m.call(Op::kLedger)["sessions"].back()["session_id"] == "third");
}

TEST_CASE("corrupt snapshots are refused with a clear error", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  m.start("s");
  const json good = m.ledger.to_json();
  CHECK_THROWS_WITH(state_from_snapshot(json::array()), "not a creditmeter-emulator ledger snapshot");
  json missing = good;
  missing.erase("timing");
  CHECK_THROWS_WITH(state_from_snapshot(missing), Catch::Contains("corrupt ledger snapshot"));
  json wrong_type = good;
  wrong_type["accounts"][0]["plan_mc"] = "lots";
  CHECK_THROWS_WITH(state_from_snapshot(wrong_type), Catch::Contains("corrupt ledger snapshot"));
  json orphan = good;
  orphan["accounts"] = json::array();  // a session holding a slot of an account that is gone
  CHECK_THROWS_WITH(state_from_snapshot(orphan), Catch::Contains("corrupt ledger snapshot"));
  json bad_key = good;
  bad_key["signing_key"] = "***";
  CHECK_THROWS_AS(state_from_snapshot(bad_key), std::runtime_error);
}
