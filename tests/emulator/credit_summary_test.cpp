// Unit tests of credit_summary.cpp: GET /v2/credit-summaries through the model.
#include <catch2/catch.hpp>

#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;

namespace {

nlohmann::json summary(Model& m, const std::string& secret) { return m.call(Op::kCreditSummary, nlohmann::json::object(), secret); }

}  // namespace

TEST_CASE("credit summary: balance, buckets and whole minutes per rate", "[emulator][unit]") {
  Model m;
  m.account("s", "creator", 9.5);
  REQUIRE(m.call(Op::kTopup, {{"api_secret", "s"}, {"credits", 0.5}})["_status"] == 200);
  const auto answer = summary(m, "s");
  REQUIRE(answer["_status"] == 200);
  const auto data = answer["data"];
  CHECK(data["balance"] == 10);
  CHECK(data["plan"] == "creator");
  CHECK(data["plan_credits"] == 9.5);
  CHECK(data["topup_credits"] == 0.5);
  CHECK(data["estimated_minutes"] == nlohmann::json{{"essence_cloud", 5},
                                                    {"expression_cloud", 2},  // 10 / 4, rounded down
                                                    {"essence_self_hosted", 10},
                                                    {"expression_self_hosted", 5},
                                                    {"expression_on_device", 5}});
}

TEST_CASE("credit summary: debt buys no minutes", "[emulator][unit]") {
  Model m;
  m.account("s", "free", -3);
  const auto data = summary(m, "s")["data"];
  CHECK(data["balance"] == -3);
  CHECK(data["estimated_minutes"]["essence_cloud"] == 0);
}

TEST_CASE("credit summary: renews every 30 days from the account's creation", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 1);  // created at kT0 = 2027-01-15T08:00:00Z
  CHECK(summary(m, "s")["data"]["renews_at"] == "2027-02-14T08:00:00Z");
  m.now = kT0 + 30LL * 24 * 3600 * 1000 - 1;
  CHECK(summary(m, "s")["data"]["renews_at"] == "2027-02-14T08:00:00Z");
  m.now += 1;  // the renewal instant itself: the next period
  CHECK(summary(m, "s")["data"]["renews_at"] == "2027-03-16T08:00:00Z");
}

TEST_CASE("credit summary: unknown and revoked secrets are refused", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 1);
  CHECK(summary(m, "other")["error"]["code"] == "INVALID_API_SECRET");
  REQUIRE(m.call(Op::kRevoke, {{"api_secret", "s"}})["_status"] == 200);
  const auto revoked = summary(m, "s");
  CHECK(revoked["_status"] == 403);
  CHECK(revoked["error"]["code"] == "KEY_REVOKED");
}
