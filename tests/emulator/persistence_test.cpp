// --state: balances, ledger, idempotency store, signing key and config survive restarts
// and crashes.
#include <catch2/catch.hpp>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;
using nlohmann::json;

TEST_CASE("restart from --state keeps balances, ledger, idempotency store and config", "[emulator][http][state]") {
  TempDir dir;
  EmulatorProcess emulator({{}, dir.file("state.json"), "", ""});
  emulator.create_account("s", "creator", 10);
  emulator.configure({{"heartbeat_interval_s", 7}});
  auto session = start_session(emulator, "s");
  const auto body = usage_body(session.id, 1, 60'000);
  const auto first = post_usage(emulator, "heartbeat", session.token, body);
  REQUIRE(first.status == 200);

  emulator.restart();
  CHECK(emulator.account("s")["balance"] == 8);
  auto row = emulator.ledger_session(session.id);
  CHECK(row["active_ms"] == 60'000);
  CHECK(row["heartbeats"] == 1);
  // The replay after restart is still a replay (same bytes, counted), and the old token is
  // still valid: the signing key survived.
  const auto replay = post_usage(emulator, "heartbeat", session.token, body);
  CHECK(replay.status == 200);
  CHECK(replay.body == first.body);
  CHECK(emulator.ledger_session(session.id)["replays"] == 1);
  session.seq = 1;
  CHECK(heartbeat(emulator, session, 30'000).status == 200);
  CHECK(exchange(emulator, "s").json()["data"]["heartbeat_interval_s"] == 7);
}

TEST_CASE("an acknowledged request survives a SIGKILL", "[emulator][http][state]") {
  TempDir dir;
  EmulatorProcess emulator({{}, dir.file("state.json"), "", ""});
  emulator.create_account("s", "creator", 10);
  auto session = start_session(emulator, "s");
  for (int i = 0; i < 20; ++i) REQUIRE(heartbeat(emulator, session, 3000).status == 200);
  emulator.topup("s", 1.5);
  emulator.kill_hard();
  emulator.restart();
  const auto row = emulator.ledger_session(session.id);
  CHECK(row["active_ms"] == 60'000);
  CHECK(row["heartbeats"] == 20);
  CHECK(emulator.account("s")["balance"] == 9.5);
  // And once more, after the log was folded into the snapshot at start.
  CHECK(heartbeat(emulator, session, 60'000).status == 200);
  emulator.kill_hard();
  emulator.restart();
  CHECK(emulator.ledger_session(session.id)["active_ms"] == 120'000);
}

TEST_CASE("a corrupt state file stops the emulator with an error", "[emulator][http][state]") {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.file("state.json").c_str(), "w");
    std::fputs("{\"format\":\"something else\"}", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH(EmulatorProcess({{}, dir.file("state.json"), "", ""}), Catch::Contains("exited with status 1"));
}
