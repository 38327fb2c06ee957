// Unit tests of billing.cpp: the running-total charge and the answer's verdict, alone and
// as heartbeats and releases apply them.
#include <catch2/catch.hpp>

#include "billing.hpp"
#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

TEST_CASE("record_usage charges the increase of the running total's charge", "[emulator][unit]") {
  Session session;
  session.rate_mc_per_min = 4'000;  // 4 cr/min: 1 mc per 15 ms
  Account account;
  account.plan_mc = 10'000;
  auto charge = record_usage(session, account, 7);
  CHECK(charge.charged_now == 0);  // 7 ms alone is 0.46 mc
  CHECK(session.active_ms == 7);
  charge = record_usage(session, account, 8);  // total 15 ms: 1 mc
  CHECK(charge.charged_now == 1);
  CHECK(charge.balance_before == 10'000);
  CHECK(charge.balance_after == 9'999);
  CHECK(session.charged_mc == 1);
  charge = record_usage(session, account, 0);
  CHECK(charge.charged_now == 0);
  CHECK(charge.balance_before == charge.balance_after);
}

TEST_CASE("record_usage records and debits whatever the balance", "[emulator][unit]") {
  Session session;
  session.rate_mc_per_min = 2'000;
  Account account;  // balance 0
  const auto charge = record_usage(session, account, 60'000);
  CHECK(charge.charged_now == 2'000);
  CHECK(charge.balance_after == -2'000);
  CHECK(account.plan_mc == -2'000);
  CHECK(session.active_ms == 60'000);
}

TEST_CASE("usage verdict: revoked, then insufficient balance for heartbeats only", "[emulator][unit]") {
  Account account;
  const UsageCharge fine{10, 5, 5};
  const UsageCharge to_zero{5, 0, 5};
  const UsageCharge into_debt{5, -1, 6};
  const UsageCharge from_zero{0, 0, 0};
  CHECK(usage_verdict(account, fine, false) == UsageVerdict::kAccepted);
  CHECK(usage_verdict(account, to_zero, false) == UsageVerdict::kAccepted);
  CHECK(usage_verdict(account, into_debt, false) == UsageVerdict::kInsufficientBalance);
  CHECK(usage_verdict(account, from_zero, false) == UsageVerdict::kInsufficientBalance);
  CHECK(usage_verdict(account, into_debt, true) == UsageVerdict::kAccepted);  // a release in debt is fine
  account.revoked = true;
  CHECK(usage_verdict(account, fine, false) == UsageVerdict::kKeyRevoked);
  CHECK(usage_verdict(account, into_debt, true) == UsageVerdict::kKeyRevoked);
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
  const auto account = m.account_details("s");
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
