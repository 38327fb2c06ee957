// Unit tests of the emulator's pure model: no sockets, no threads, time passed in.
#include <catch2/catch.hpp>

#include "catalog.hpp"
#include "faults.hpp"
#include "jwt.hpp"
#include "ledger.hpp"

using namespace creditmeter::emulator;
using nlohmann::json;

namespace {

constexpr UnixMillis kT0 = 1'800'000'000'000;  // a fixed "now"

// A ledger plus helpers that build Calls the way the HTTP layer does.
struct Model {
  Ledger ledger{"unit-test-key"};
  UnixMillis now = kT0;
  int next_id = 0;

  json call(Op op, json body = json::object(), const std::string& secret = "", const std::string& bearer = "",
            const std::string& key = "", Reply* raw = nullptr) {
    Call c;
    c.op = op;
    c.api_secret = secret;
    c.bearer = bearer;
    c.idempotency_key = key;
    c.body = std::move(body);
    c.fresh_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + next_id++);
    const Reply reply = ledger.handle(c, now);
    if (raw) *raw = reply;
    auto parsed = json::parse(reply.body);
    parsed["_status"] = reply.status;
    return parsed;
  }

  void account(const std::string& secret, const std::string& plan, json balance, std::optional<int> max = {}) {
    json body = {{"api_secret", secret}, {"plan", plan}, {"balance", balance}};
    if (max) body["max_concurrent"] = *max;
    REQUIRE(call(Op::kCreateAccount, body)["_status"] == 201);
  }

  json exchange(const std::string& secret, json body = json::object()) {
    return call(Op::kExchangeToken, std::move(body), secret);
  }

  // Starts a session and returns {id, token}.
  std::pair<std::string, std::string> start(const std::string& secret, json body = json::object()) {
    const auto answer = exchange(secret, std::move(body));
    REQUIRE(answer["_status"] == 200);
    return {answer["data"]["session_id"], answer["data"]["token"]};
  }

  json usage(Op op, const std::string& token, const std::string& sid, std::int64_t seq, std::int64_t active_ms,
             std::optional<std::string> key = {}) {
    json body = {{"session_id", sid}, {"seq", seq}, {"active_ms", active_ms}};
    if (op == Op::kHeartbeat) {
      body["period_start"] = "2026-01-01T00:00:00.000Z";
      body["period_end"] = "2026-01-01T00:00:10.000Z";
    }
    return call(op, body, "", token, key.value_or(sid + ":" + std::to_string(seq)));
  }

  json row(const std::string& sid) {
    const auto rows = call(Op::kLedger, {{"session_id", sid}})["sessions"];
    return rows.empty() ? json() : rows[0];
  }

  json balance(const std::string& secret) { return call(Op::kAccount, {{"api_secret", secret}})["data"]["balance"]; }
};

}  // namespace

TEST_CASE("money converts exactly to and from milli-credits", "[emulator][unit]") {
  CHECK(credits_to_milli(json(10)) == 10'000);
  CHECK(credits_to_milli(json(0.1)) == 100);
  CHECK(credits_to_milli(json(12.345)) == 12'345);
  CHECK(credits_to_milli(json(-2.5)) == -2'500);
  CHECK(credits_to_milli(json(0.0005)) == 1);       // nearest milli-credit, half away from zero
  CHECK(credits_to_milli(json(0.0004999)) == 0);
  CHECK(credits_to_milli(json(1e-3)) == 1);
  CHECK(credits_to_milli(json(1.5e3)) == 1'500'000);
  CHECK(credits_to_milli(json(0.1 + 0.2)) == 300);  // 0.30000000000000004
  CHECK_FALSE(credits_to_milli(json(1e300)).has_value());
  CHECK_FALSE(credits_to_milli(json("5")).has_value());
  CHECK(milli_to_credits(4'000) == json(4));
  CHECK(milli_to_credits(12'345).dump() == "12.345");
  CHECK(milli_to_credits(-1).dump() == "-0.001");
}

TEST_CASE("charge_for is floor(total * rate / 60000) without overflow", "[emulator][unit]") {
  CHECK(charge_for(60'000, 4'000) == 4'000);
  CHECK(charge_for(7, 4'000) == 0);
  CHECK(charge_for(15, 4'000) == 1);
  CHECK(charge_for(1LL << 60, 4'000) == static_cast<std::int64_t>((static_cast<long double>(1LL << 60) * 4000) / 60000));
}

TEST_CASE("catalog: plans and rate card of the seeds", "[emulator][unit]") {
  CHECK(find_plan("free")->credits_mc == 99'000);
  CHECK(find_plan("free")->max_concurrent == 2);
  CHECK(find_plan("creator")->max_concurrent == 5);
  CHECK(find_plan("pro")->credits_mc == 7'500'000);
  CHECK(find_plan("pro")->max_concurrent == 10);
  CHECK(find_rate("expression", "cloud") == 4'000);
  CHECK(find_rate("essence", "self_hosted") == 1'000);
  CHECK_FALSE(find_rate("essence", "on_device").has_value());
}

TEST_CASE("JWT: HS256 round trip, tampering and other keys are rejected", "[emulator][unit]") {
  const JwtSigner signer("k1");
  const auto token = signer.sign({"acct_1", "sess", 100, 400});
  const auto claims = signer.verify(token);
  REQUIRE(claims);
  CHECK(claims->account_id == "acct_1");
  CHECK(claims->session_id == "sess");
  CHECK(claims->expires == 400);
  CHECK_FALSE(JwtSigner("k2").verify(token));
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;
  CHECK_FALSE(signer.verify(tampered));
  CHECK_FALSE(signer.verify("a.b"));
  CHECK_FALSE(signer.verify(""));
  CHECK(peek_claims(token)->session_id == "sess");
  CHECK(base64url_decode(base64url_encode(std::string("\xff\xfe\x00x", 4))) == std::string("\xff\xfe\x00x", 4));
}

TEST_CASE("RFC 3339 parsing and formatting", "[emulator][unit]") {
  CHECK(parse_rfc3339("1970-01-01T00:00:01.250Z") == 1250);
  CHECK(parse_rfc3339("1970-01-01T01:00:00+01:00") == 0);
  CHECK_FALSE(parse_rfc3339("1970-01-01 junk").has_value());
  CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z").has_value());
  CHECK(format_rfc3339(1'800'000'000'000) == "2027-01-15T08:00:00Z");
}

TEST_CASE("running total: 1000 heartbeats of 7 ms charge floor(total * rate / 60)", "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 100);
  auto [sid, token] = m.start("s", {{"model", "expression"}});  // 4 cr/min
  std::int64_t charged_sum = 0;
  for (int seq = 1; seq <= 1000; ++seq) {
    const auto answer = m.usage(Op::kHeartbeat, token, sid, seq, 7);
    REQUIRE(answer["_status"] == 200);
    charged_sum += *credits_to_milli(answer["data"]["credits_charged"]);
  }
  // 7000 ms at 4 cr/min = 0.4666.. credits -> 466 mc, although each 7 ms alone is 0.46 mc.
  CHECK(charged_sum == 466);
  CHECK(m.row(sid)["active_ms"] == 7000);
  CHECK(m.row(sid)["credits_charged"] == 0.466);
  CHECK(m.row(sid)["heartbeats"] == 1000);
  CHECK(m.balance("s") == 99.534);
}

TEST_CASE("debt: a heartbeat leaving the balance negative is 402 but recorded, top-up pays the debt first", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 1);
  auto [sid, token] = m.start("s", {{"model", "expression"}});
  auto answer = m.usage(Op::kHeartbeat, token, sid, 1, 30'000);  // 2 credits
  CHECK(answer["_status"] == 402);
  CHECK(answer["error"]["code"] == "INSUFFICIENT_BALANCE");
  CHECK(answer["error"]["balance"] == -1);
  CHECK(m.balance("s") == -1);
  CHECK(m.row(sid)["active_ms"] == 30'000);
  // Arriving while the balance is <= 0, even with active_ms 0: 402, still recorded.
  answer = m.usage(Op::kHeartbeat, token, sid, 2, 0);
  CHECK(answer["_status"] == 402);
  CHECK(m.row(sid)["heartbeats"] == 2);
  // A new start is refused only when the balance is <= 0.
  CHECK(m.exchange("s")["_status"] == 402);
  // The top-up pays the 1 credit of debt first, the rest is top-up credit.
  REQUIRE(m.call(Op::kTopup, {{"api_secret", "s"}, {"credits", 5}})["_status"] == 200);
  const auto account = m.call(Op::kAccount, {{"api_secret", "s"}})["data"];
  CHECK(account["balance"] == 4);
  CHECK(account["plan_credits"] == 0);
  CHECK(account["topup_credits"] == 4);
  answer = m.usage(Op::kHeartbeat, token, sid, 3, 15'000);  // 1 credit
  CHECK(answer["_status"] == 200);
  CHECK(answer["data"]["balance"] == 3);
  // A balance of exactly zero after a heartbeat is fine; the next one is 402.
  answer = m.usage(Op::kHeartbeat, token, sid, 4, 45'000);  // 3 credits
  CHECK(answer["_status"] == 200);
  CHECK(answer["data"]["balance"] == 0);
  CHECK(m.usage(Op::kHeartbeat, token, sid, 5, 0)["_status"] == 402);
  // A release in debt is still a 2xx with the (negative) balance: the usage is recorded.
  answer = m.usage(Op::kRelease, token, sid, 6, 15'000);
  CHECK(answer["_status"] == 200);
  CHECK(answer["data"]["balance"] == -1);
  CHECK(m.row(sid)["released"] == true);
}

TEST_CASE("charges use plan credits before top-up credits", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 1);
  REQUIRE(m.call(Op::kTopup, {{"api_secret", "s"}, {"credits", 2}})["_status"] == 200);
  auto [sid, token] = m.start("s");  // 2 cr/min
  REQUIRE(m.usage(Op::kHeartbeat, token, sid, 1, 60'000)["_status"] == 200);
  const auto account = m.call(Op::kAccount, {{"api_secret", "s"}})["data"];
  CHECK(account["plan_credits"] == 0);
  CHECK(account["topup_credits"] == 1);
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

TEST_CASE("idempotency keys older than the remembered window are refused, never re-billed", "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 100);
  auto [sid, token] = m.start("s");
  for (int seq = 1; seq <= static_cast<int>(Ledger::kIdempotencyWindow) + 2; ++seq) {
    REQUIRE(m.usage(Op::kHeartbeat, token, sid, seq, 1000)["_status"] == 200);
  }
  const auto old = m.usage(Op::kHeartbeat, token, sid, 1, 1000);
  CHECK(old["_status"] == 409);
  CHECK(old["error"]["code"] == "IDEMPOTENCY_KEY_EXPIRED");
  CHECK(m.row(sid)["active_ms"] == 1000 * (Ledger::kIdempotencyWindow + 2));
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
  json wrong_type = no_period;
  wrong_type["active_ms"] = "5";
  CHECK(m.call(Op::kRelease, wrong_type, "", token, sid + ":1")["_status"] == 400);
  CHECK(m.row(sid)["active_ms"] == 0);
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
  auto again = m.exchange("a", {{"session_id", sid}});
  CHECK(again["_status"] == 200);
  CHECK(again["data"]["session_id"] == sid);
  CHECK(again["data"]["reattached"] == true);
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

TEST_CASE("slots expire after grace + 2 intervals without a heartbeat", "[emulator][unit]") {
  Model m;
  m.call(Op::kConfigure, {{"token_ttl_s", 3600}});  // tokens outlive the silences below
  m.account("s", "free", 50);
  auto [a, token_a] = m.start("s");
  auto [b, token_b] = m.start("s");
  CHECK(m.exchange("s")["_status"] == 403);
  // Defaults: hold = 300 + 2 * 60 s. A heartbeat of `a` keeps its slot alive.
  m.now += 400'000;
  REQUIRE(m.usage(Op::kHeartbeat, token_a, a, 1, 0)["_status"] == 200);
  m.now += 20'000;  // b: 420 s of silence -> its slot is gone
  CHECK(m.exchange("s")["_status"] == 200);
  CHECK(m.exchange("s")["_status"] == 403);
  // b's late heartbeat is accepted and billed but takes no slot that is not free.
  const auto late = m.usage(Op::kHeartbeat, token_b, b, 1, 60'000);
  CHECK(late["_status"] == 200);
  CHECK(m.row(b)["slot_held"] == false);
  // A release frees the slot at once.
  REQUIRE(m.usage(Op::kRelease, token_a, a, 2, 0)["_status"] == 200);
  CHECK(m.exchange("s")["_status"] == 200);
}

TEST_CASE("admin: accounts, config and validation", "[emulator][unit]") {
  Model m;
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"plan", "gold"}, {"balance", 1}})["error"]["code"] == "UNKNOWN_PLAN");
  CHECK(m.call(Op::kCreateAccount, {{"plan", "free"}})["_status"] == 400);
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"balance", "1"}})["_status"] == 400);
  const auto created = m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"plan", "creator"}, {"max_concurrent", 1}});
  CHECK(created["_status"] == 201);
  CHECK(created["data"]["balance"] == 1200);  // the plan's credits by default
  CHECK(created["data"]["max_concurrent"] == 1);
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"plan", "free"}})["error"]["code"] == "ACCOUNT_EXISTS");
  CHECK(m.call(Op::kTopup, {{"api_secret", "nobody"}, {"credits", 1}})["error"]["code"] == "ACCOUNT_NOT_FOUND");
  CHECK(m.call(Op::kTopup, {{"api_secret", "x"}, {"credits", -1}})["_status"] == 400);
  CHECK(m.call(Op::kRevoke, {{"api_secret", "nobody"}})["_status"] == 404);

  auto config = m.call(Op::kConfigure, {{"heartbeat_interval_s", 0.5}, {"token_ttl_s", 2}});
  CHECK(config["data"]["heartbeat_interval_s"] == 0.5);
  CHECK(config["data"]["offline_grace_s"] == 300);  // omitted: unchanged
  CHECK(config["data"]["token_ttl_s"] == 2);
  CHECK(m.call(Op::kConfigure, {{"offline_grace_s", -1}})["_status"] == 400);
  CHECK(m.call(Op::kConfigure, {{"token_ttl_s", "1"}})["_status"] == 400);
  const auto session = m.exchange("x");
  CHECK(session["data"]["heartbeat_interval_s"] == 0.5);
  CHECK(session["data"]["expires_at"] == (kT0 + 2000) / 1000);
}

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
