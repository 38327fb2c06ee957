// Unit tests of accounts.cpp: the two money buckets and the registry of accounts.
#include <catch2/catch.hpp>

#include "accounts.hpp"
#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

TEST_CASE("debit takes plan credits, then top-up credits, then carries debt on the plan", "[emulator][unit]") {
  Account account;
  account.plan_mc = 1'000;
  account.topup_mc = 2'000;
  account.debit(500);
  CHECK(account.plan_mc == 500);
  CHECK(account.topup_mc == 2'000);
  account.debit(1'000);
  CHECK(account.plan_mc == 0);
  CHECK(account.topup_mc == 1'500);
  account.debit(2'000);
  CHECK(account.plan_mc == -500);
  CHECK(account.topup_mc == 0);  // never negative
  CHECK(account.balance() == -500);
  account.debit(0);
  CHECK(account.balance() == -500);
}

TEST_CASE("a top-up pays the debt first", "[emulator][unit]") {
  Account account;
  account.plan_mc = -1'000;
  account.credit_topup(400);
  CHECK(account.plan_mc == -600);
  CHECK(account.topup_mc == 0);
  account.credit_topup(1'000);
  CHECK(account.plan_mc == 0);
  CHECK(account.topup_mc == 400);
  account.credit_topup(100);  // no debt: all top-up credit, the plan bucket untouched
  CHECK(account.plan_mc == 0);
  CHECK(account.topup_mc == 500);
}

TEST_CASE("accounts: ids in creation order, found by secret, api-secret check", "[emulator][unit]") {
  Accounts accounts;
  Account first;
  first.api_secret = "one";
  Account second;
  second.api_secret = "two";
  CHECK(accounts.create(first).id == "acct_1");
  CHECK(accounts.create(second).id == "acct_2");
  CHECK(accounts.next_number() == 3);
  REQUIRE(accounts.by_secret("two"));
  CHECK(accounts.by_secret("two")->id == "acct_2");
  CHECK(accounts.by_secret("three") == nullptr);
  CHECK(accounts.has_secret("one"));
  CHECK_FALSE(accounts.check_api_secret("one").has_value());
  CHECK(accounts.check_api_secret("three")->status == 401);
  CHECK(accounts.check_api_secret("")->status == 401);
  accounts.by_secret("one")->revoked = true;
  const auto revoked = accounts.check_api_secret("one");
  REQUIRE(revoked);
  CHECK(revoked->status == 403);
  CHECK(revoked->body.find("KEY_REVOKED") != std::string::npos);
}

TEST_CASE("charges use plan credits before top-up credits", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 1);
  REQUIRE(m.call(Op::kTopup, {{"api_secret", "s"}, {"credits", 2}})["_status"] == 200);
  auto [sid, token] = m.start("s");  // 2 cr/min
  REQUIRE(m.usage(Op::kHeartbeat, token, sid, 1, 60'000)["_status"] == 200);
  const auto account = m.account_details("s");
  CHECK(account["plan_credits"] == 0);
  CHECK(account["topup_credits"] == 1);
}
