// Unit tests of usage_reporting.cpp: heartbeats and releases through the model, in the
// order of their checks (token, body, key, session, replay, expiry) and their answers.
#include <catch2/catch.hpp>

#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;
using nlohmann::json;

TEST_CASE("a heartbeat answers with the money and a fresh token, a release frees the session", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  auto [sid, token] = m.start("s");  // 2 cr/min
  m.now += 30'000;
  const auto beat = m.usage(Op::kHeartbeat, token, sid, 1, 30'000);
  REQUIRE(beat["_status"] == 200);
  CHECK(beat["data"]["credits_charged"] == 1);
  CHECK(beat["data"]["balance"] == 9);
  CHECK(beat["data"]["session_credits_charged"] == 1);
  CHECK(beat["data"]["session_active_ms"] == 30'000);
  CHECK(beat["data"]["expires_at"] == (m.now + 300'000) / 1000);
  const std::string renewed = beat["data"]["token"];
  CHECK(renewed != token);  // issued later: another iat and exp
  const auto release = m.usage(Op::kRelease, renewed, sid, 2, 15'000);
  REQUIRE(release["_status"] == 200);
  CHECK(release["data"]["released"] == true);
  CHECK_FALSE(release["data"].contains("token"));
  CHECK(m.row(sid)["heartbeats"] == 1);  // releases are not counted as heartbeats
  CHECK(m.row(sid)["released"] == true);
}

TEST_CASE("revoked key: heartbeat 403 KEY_REVOKED, usage recorded, release too", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  auto [sid, token] = m.start("s");
  REQUIRE(m.call(Op::kRevoke, {{"api_secret", "s"}})["_status"] == 200);
  auto answer = m.usage(Op::kHeartbeat, token, sid, 1, 60'000);
  CHECK(answer["_status"] == 403);
  CHECK(answer["error"]["code"] == "KEY_REVOKED");
  CHECK(m.row(sid)["active_ms"] == 60'000);
  CHECK(m.balance("s") == 8);
  answer = m.usage(Op::kRelease, token, sid, 2, 30'000);
  CHECK(answer["_status"] == 403);
  CHECK(m.row(sid)["released"] == true);
  CHECK(m.balance("s") == 7);
  CHECK(m.exchange("s", {{"session_id", sid}})["_status"] == 403);  // no re-attach either
}

TEST_CASE("idempotency: replay returns the stored answer, other body 422, replay beats expiry", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  auto [sid, token] = m.start("s");
  Reply first, again;
  m.call(Op::kHeartbeat, {{"session_id", sid}, {"seq", 1}, {"active_ms", 60'000}, {"period_start", "2026-01-01T00:00:00Z"},
                          {"period_end", "2026-01-01T00:01:00Z"}}, "", token, sid + ":1", &first);
  REQUIRE(first.status == 200);
  m.now += 1000;
  m.call(Op::kHeartbeat, {{"period_end", "2026-01-01T00:01:00Z"}, {"active_ms", 60'000}, {"seq", 1}, {"session_id", sid},
                          {"period_start", "2026-01-01T00:00:00Z"}}, "", token, sid + ":1", &again);
  CHECK(again.status == 200);
  CHECK(again.body == first.body);  // byte for byte, fields in any order in the request
  CHECK(again.mutated);             // the replay counter is state too
  CHECK(m.row(sid)["replays"] == 1);
  CHECK(m.row(sid)["heartbeats"] == 1);
  CHECK(m.balance("s") == 8);

  const auto mismatch = m.usage(Op::kHeartbeat, token, sid, 1, 1);
  CHECK(mismatch["_status"] == 422);
  CHECK(mismatch["error"]["code"] == "IDEMPOTENCY_MISMATCH");
  // The same key on the other endpoint is another request too.
  CHECK(m.usage(Op::kRelease, token, sid, 1, 60'000)["_status"] == 422);

  // Long after the token expired, the replay is still answered; a new seq is 401.
  m.now += 10 * 60 * 1000;
  CHECK(m.call(Op::kHeartbeat, {{"session_id", sid}, {"seq", 1}, {"active_ms", 60'000}, {"period_start", "2026-01-01T00:00:00Z"},
                                {"period_end", "2026-01-01T00:01:00Z"}}, "", token, sid + ":1")["_status"] == 200);
  CHECK(m.row(sid)["replays"] == 2);
  const auto expired = m.usage(Op::kHeartbeat, token, sid, 2, 5);
  CHECK(expired["_status"] == 401);
  CHECK(expired["error"]["code"] == "TOKEN_EXPIRED");
  CHECK(m.row(sid)["active_ms"] == 60'000);
  // A forged token is refused even for a replay.
  CHECK(m.usage(Op::kHeartbeat, token + "x", sid, 1, 60'000)["error"]["code"] == "INVALID_TOKEN");
}

TEST_CASE("a refused answer (402) is stored and replayed like a success", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 1);
  auto [sid, token] = m.start("s");
  Reply first, again;
  const json body = {{"session_id", sid}, {"seq", 1}, {"active_ms", 60'000}, {"period_start", "2026-01-01T00:00:00Z"},
                     {"period_end", "2026-01-01T00:01:00Z"}};
  m.call(Op::kHeartbeat, body, "", token, sid + ":1", &first);
  REQUIRE(first.status == 402);
  m.call(Op::kHeartbeat, body, "", token, sid + ":1", &again);
  CHECK(again.status == 402);
  CHECK(again.body == first.body);
  CHECK(m.balance("s") == -1);  // charged once
  CHECK(m.row(sid)["replays"] == 1);
}

TEST_CASE("idempotency keys older than the remembered window are refused, never re-billed", "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 100);
  auto [sid, token] = m.start("s");
  for (int seq = 1; seq <= static_cast<int>(IdempotencyStore::kWindow) + 2; ++seq) {
    REQUIRE(m.usage(Op::kHeartbeat, token, sid, seq, 1000)["_status"] == 200);
  }
  const auto old = m.usage(Op::kHeartbeat, token, sid, 1, 1000);
  CHECK(old["_status"] == 409);
  CHECK(old["error"]["code"] == "IDEMPOTENCY_KEY_EXPIRED");
  CHECK(m.row(sid)["active_ms"] == 1000 * (IdempotencyStore::kWindow + 2));
}

TEST_CASE("usage requests are validated", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  auto [sid, token] = m.start("s");
  CHECK(m.usage(Op::kHeartbeat, "", sid, 1, 5)["error"]["code"] == "INVALID_TOKEN");
  CHECK(m.usage(Op::kHeartbeat, token, sid, 1, 5, std::string(""))["error"]["code"] == "MISSING_IDEMPOTENCY_KEY");
  CHECK(m.usage(Op::kHeartbeat, token, sid, 1, 5, sid + ":2")["error"]["code"] == "INVALID_IDEMPOTENCY_KEY");
  CHECK(m.usage(Op::kHeartbeat, token, sid, 1, -5)["_status"] == 400);
  CHECK(m.usage(Op::kHeartbeat, token, sid, -1, 5)["_status"] == 400);
  auto [other, other_token] = m.start("s");
  CHECK(m.usage(Op::kHeartbeat, other_token, sid, 1, 5)["error"]["code"] == "INVALID_TOKEN");
  const json no_period = {{"session_id", sid}, {"seq", 1}, {"active_ms", 5}};
  CHECK(m.call(Op::kHeartbeat, no_period, "", token, sid + ":1")["_status"] == 400);
  json bad_period = no_period;
  bad_period["period_start"] = "yesterday";
  bad_period["period_end"] = "2026-01-01T00:00:00Z";
  CHECK(m.call(Op::kHeartbeat, bad_period, "", token, sid + ":1")["_status"] == 400);
  json reversed = no_period;
  reversed["period_start"] = "2026-01-01T00:01:00Z";
  reversed["period_end"] = "2026-01-01T00:00:00Z";
  CHECK(m.call(Op::kHeartbeat, reversed, "", token, sid + ":1")["_status"] == 400);
  CHECK(m.call(Op::kRelease, no_period, "", token, sid + ":1")["_status"] == 200);  // a release has no period
  json wrong_type = no_period;
  wrong_type["seq"] = 2;
  wrong_type["active_ms"] = "5";
  CHECK(m.call(Op::kRelease, wrong_type, "", token, sid + ":2")["_status"] == 400);
  CHECK(m.row(sid)["active_ms"] == 5);
}

TEST_CASE("a valid token for a session this account does not have is 404", "[emulator][unit]") {
  Model m;
  m.account("a", "free", 10);
  auto [sid, token] = m.start("a");
  // Another ledger with the same signing key signs tokens this one accepts: one for a
  // session id it never saw, and one of another account (acct_2) for `sid`.
  Model other;
  other.account("x", "free", 10);
  other.account("y", "free", 10);
  auto [unknown, unknown_token] = other.start("x", {{"session_id", "nobody-here"}});
  auto [same_id, foreign_token] = other.start("y", {{"session_id", sid}});
  CHECK(m.usage(Op::kHeartbeat, unknown_token, unknown, 1, 5)["error"]["code"] == "SESSION_NOT_FOUND");
  const auto foreign = m.usage(Op::kHeartbeat, foreign_token, same_id, 1, 5);
  CHECK(foreign["_status"] == 404);
  CHECK(foreign["error"]["code"] == "SESSION_NOT_FOUND");
  CHECK(m.row(sid)["active_ms"] == 0);
}
