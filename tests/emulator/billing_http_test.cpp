// Billing, idempotency, slots and re-attach over HTTP, against the real binary.
#include <catch2/catch.hpp>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("running total over 1000 heartbeats of 7 ms is charged exactly", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "pro", 100);
  auto session = start_session(emulator, "s", {{"model", "expression"}});  // 4 cr/min
  double charged = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto response = heartbeat(emulator, session, 7);
    REQUIRE(response.status == 200);
    charged += response.json()["data"]["credits_charged"].get<double>();
  }
  // floor(7000 ms * 4 cr/min * 1000 / 60000) = 466 milli-credits.
  CHECK(charged == Approx(0.466).margin(1e-9));
  const auto row = emulator.ledger_session(session.id);
  CHECK(row["active_ms"] == 7000);
  CHECK(row["credits_charged"] == 0.466);
  CHECK(row["heartbeats"] == 1000);
  CHECK(emulator.account("s")["balance"] == 99.534);
}

TEST_CASE("debt over HTTP: 402 records usage, top-up pays debt first, release answers 2xx", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 1);
  auto session = start_session(emulator, "s", {{"model", "expression"}});
  auto response = heartbeat(emulator, session, 30'000);
  CHECK(response.status == 402);
  CHECK(response.error_code() == "INSUFFICIENT_BALANCE");
  CHECK(emulator.ledger_session(session.id)["active_ms"] == 30'000);
  CHECK(credit_summary(emulator, "s").json()["data"]["balance"] == -1);
  CHECK(credit_summary(emulator, "s").json()["data"]["estimated_minutes"]["essence_cloud"] == 0);
  CHECK(exchange(emulator, "s").status == 402);

  emulator.topup("s", 3);
  const auto summary = credit_summary(emulator, "s").json()["data"];
  CHECK(summary["balance"] == 2);
  CHECK(summary["topup_credits"] == 2);
  CHECK(summary["plan_credits"] == 0);
  response = heartbeat(emulator, session, 0);
  CHECK(response.status == 200);

  response = release(emulator, session, 60'000);  // 4 credits: back in debt
  CHECK(response.status == 200);
  CHECK(response.json()["data"]["balance"] == -2);
  CHECK(emulator.ledger_session(session.id)["released"] == true);
}

TEST_CASE("revoked key on heartbeat: 403 KEY_REVOKED and the usage is recorded", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 10);
  auto session = start_session(emulator, "s");
  emulator.revoke("s");
  const auto response = heartbeat(emulator, session, 60'000);
  CHECK(response.status == 403);
  CHECK(response.error_code() == "KEY_REVOKED");
  CHECK(emulator.ledger_session(session.id)["active_ms"] == 60'000);
  CHECK(emulator.account("s")["balance"] == 8);
}

TEST_CASE("replay and mismatched replay over HTTP", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 10);
  auto session = start_session(emulator, "s");
  const auto body = usage_body(session.id, 1, 60'000);
  const auto first = post_usage(emulator, "heartbeat", session.token, body);
  REQUIRE(first.status == 200);
  const auto replay = post_usage(emulator, "heartbeat", session.token, body);
  CHECK(replay.status == 200);
  CHECK(replay.body == first.body);
  auto changed = body;
  changed["active_ms"] = 1;
  const auto mismatch = post_usage(emulator, "heartbeat", session.token, changed);
  CHECK(mismatch.status == 422);
  CHECK(mismatch.error_code() == "IDEMPOTENCY_MISMATCH");
  const auto row = emulator.ledger_session(session.id);
  CHECK(row["replays"] == 1);
  CHECK(row["heartbeats"] == 1);
  CHECK(row["active_ms"] == 60'000);
  // Release replays too.
  const auto release_body = usage_body(session.id, 2, 500, false);
  const auto released = post_usage(emulator, "release", session.token, release_body);
  REQUIRE(released.status == 200);
  CHECK(post_usage(emulator, "release", session.token, release_body).body == released.body);
  CHECK(emulator.ledger_session(session.id)["replays"] == 2);
}

TEST_CASE("tokens expire (401 TOKEN_EXPIRED), a replay is still answered, re-attach renews", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.configure({{"token_ttl_s", 0.5}});
  emulator.create_account("s", "free", 10);
  auto session = start_session(emulator, "s");
  const auto body = usage_body(session.id, 1, 1000);
  const auto first = post_usage(emulator, "heartbeat", session.token, body);
  REQUIRE(first.status == 200);
  const auto expires_at = first.json()["data"]["expires_at"].get<std::int64_t>();
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  REQUIRE(wait_until([&] { return now_ms() >= expires_at * 1000 + 50; }, 5s));
  const auto expired = post_usage(emulator, "heartbeat", session.token, usage_body(session.id, 2, 5));
  CHECK(expired.status == 401);
  CHECK(expired.error_code() == "TOKEN_EXPIRED");
  CHECK(emulator.ledger_session(session.id)["active_ms"] == 1000);
  CHECK(post_usage(emulator, "heartbeat", session.token, body).status == 200);  // the replay
  CHECK(emulator.ledger_session(session.id)["replays"] == 1);

  const auto invalid = post_usage(emulator, "heartbeat", "not-a-token", usage_body(session.id, 2, 5));
  CHECK(invalid.status == 401);
  CHECK(invalid.error_code() == "INVALID_TOKEN");

  const auto renewed = exchange(emulator, "s", {{"session_id", session.id}});
  REQUIRE(renewed.status == 200);
  CHECK(renewed.json()["data"]["session_id"] == session.id);
  session.token = renewed.json()["data"]["token"].get<std::string>();
  session.seq = 1;
  CHECK(heartbeat(emulator, session, 1000).status == 200);
  CHECK(emulator.ledger_session(session.id)["active_ms"] == 2000);
}

TEST_CASE("concurrency limit, slot expiry and re-attach over HTTP", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 10);
  emulator.create_account("other", "free", 10);
  auto a = start_session(emulator, "s");
  auto b = start_session(emulator, "s");
  const auto refused = exchange(emulator, "s");
  CHECK(refused.status == 403);
  CHECK(refused.error_code() == "CONCURRENCY_LIMIT_REACHED");
  CHECK(refused.json()["error"]["limit"] == 2);

  // Re-attach is never refused for slots, released sessions included.
  CHECK(exchange(emulator, "s", {{"session_id", a.id}}).status == 200);
  REQUIRE(release(emulator, a, 0).status == 200);
  auto c = start_session(emulator, "s");  // a's slot was freed by the release
  CHECK(exchange(emulator, "s", {{"session_id", a.id}}).status == 200);
  CHECK(exchange(emulator, "other", {{"session_id", a.id}}).status == 409);

  // Slots held without heartbeats expire after grace + 2 intervals (0.2 + 2 * 0.1 s here).
  emulator.configure({{"heartbeat_interval_s", 0.1}, {"offline_grace_s", 0.2}});
  REQUIRE(wait_until([&] { return exchange(emulator, "s").status == 200; }, 5s, 50ms));
  // The late heartbeat of an expired session is still accepted and billed.
  const auto late = heartbeat(emulator, b, 60'000);
  CHECK(late.status == 200);
  CHECK(emulator.ledger_session(b.id)["active_ms"] == 60'000);
  // Max concurrency can be overridden per account.
  emulator.create_account("wide", "free", 10, 3);
  for (int i = 0; i < 3; ++i) CHECK(exchange(emulator, "wide").status == 200);
  CHECK(exchange(emulator, "wide").json()["error"]["limit"] == 3);
  (void)c;
}
