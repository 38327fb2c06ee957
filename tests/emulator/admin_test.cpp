// Unit tests of admin.cpp: accounts, top-ups, revocation and the ledger listing.
#include <catch2/catch.hpp>

#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

TEST_CASE("admin: accounts and validation", "[emulator][unit]") {
  Model m;
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"plan", "gold"}, {"balance", 1}})["error"]["code"] == "UNKNOWN_PLAN");
  CHECK(m.call(Op::kCreateAccount, {{"plan", "free"}})["_status"] == 400);
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", ""}})["_status"] == 400);
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"balance", "1"}})["_status"] == 400);
  Reply raw;
  const auto created = m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"plan", "creator"}, {"max_concurrent", 1}}, "",
                              "", "", &raw);
  CHECK(created["_status"] == 201);
  CHECK(raw.mutated);
  CHECK(created["data"]["account_id"] == "acct_1");
  CHECK(created["data"]["balance"] == 1200);  // the plan's credits by default
  CHECK(created["data"]["max_concurrent"] == 1);
  CHECK(created["data"]["revoked"] == false);
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"plan", "free"}})["error"]["code"] == "ACCOUNT_EXISTS");
  CHECK(m.call(Op::kTopup, {{"api_secret", "nobody"}, {"credits", 1}})["error"]["code"] == "ACCOUNT_NOT_FOUND");
  CHECK(m.call(Op::kTopup, {{"api_secret", "x"}, {"credits", -1}})["_status"] == 400);
  CHECK(m.call(Op::kRevoke, {{"api_secret", "nobody"}})["_status"] == 404);
  CHECK(m.call(Op::kAccount, {{"api_secret", "nobody"}})["_status"] == 404);
  CHECK(m.call(Op::kAccount, nlohmann::json::object())["_status"] == 400);
}

TEST_CASE("admin: the free plan by default, top-up and revoke answer their effect", "[emulator][unit]") {
  Model m;
  const auto created = m.call(Op::kCreateAccount, {{"api_secret", "x"}});
  CHECK(created["data"]["plan"] == "free");
  CHECK(created["data"]["balance"] == 99);
  CHECK(created["data"]["max_concurrent"] == 2);
  const auto topped = m.call(Op::kTopup, {{"api_secret", "x"}, {"credits", 0.5}});
  CHECK(topped["data"] == nlohmann::json{{"balance", 99.5}, {"plan_credits", 99}, {"topup_credits", 0.5}});
  CHECK(m.call(Op::kRevoke, {{"api_secret", "x"}})["data"]["revoked"] == true);
  CHECK(m.account_details("x")["revoked"] == true);
}

TEST_CASE("admin: account details count only live slots", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 10);
  m.start("s");
  CHECK(m.account_details("s")["active_sessions"] == 1);
  m.now += 420'000;  // the default hold: the slot is gone, though nothing expired it yet
  CHECK(m.account_details("s")["active_sessions"] == 0);
}

TEST_CASE("admin: the ledger lists sessions in creation order, or one by ?session_id=", "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 10);
  std::vector<std::string> ids;
  for (const char* id : {"zz", "aa", "mm"}) ids.push_back(m.start("s", {{"session_id", id}}).first);
  const auto listing = m.call(Op::kLedger);
  REQUIRE(listing["sessions"].size() == 3);
  CHECK(listing["data"]["sessions"] == listing["sessions"]);  // in the envelope and at the top level
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(listing["sessions"][i]["session_id"] == ids[i]);
  CHECK(m.call(Op::kLedger, {{"session_id", "aa"}})["sessions"].size() == 1);
  CHECK(m.call(Op::kLedger, {{"session_id", "none"}})["sessions"].empty());
  CHECK(m.call(Op::kLedger, {{"session_id", 5}})["sessions"].size() == 3);  // not a string: no filter
}
