// Every endpoint's happy path and error codes, against the real emulator binary.
#include <catch2/catch.hpp>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;
using nlohmann::json;

TEST_CASE("token exchange answers every documented field", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("secret-1", "creator", 100);
  const auto response = exchange(emulator, "secret-1", {{"model", "expression"}, {"surface", "cloud"},
                                                        {"client", {{"name", "test"}, {"version", "1"}}}, {"x", 1}});
  REQUIRE(response.status == 200);
  const auto body = response.json();
  CHECK(body["status"] == "success");
  CHECK(body["status_code"] == 200);
  const auto data = body["data"];
  CHECK(data["token"].get<std::string>().size() > 20);
  CHECK(!data["transaction_id"].get<std::string>().empty());
  CHECK(data["session_id"].get<std::string>().size() == 36);  // a server-made UUID
  CHECK(data["expires_at"].is_number_integer());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(data["expires_at"].get<std::int64_t>() >= now + 299);
  CHECK(data["expires_at"].get<std::int64_t>() <= now + 301);
  CHECK(data["heartbeat_interval_s"] == 60);
  CHECK(data["offline_grace_s"] == 300);
  CHECK(data["credits_per_minute"] == 4);
  CHECK(data["balance"] == 100);
}

TEST_CASE("the rate card and the default model", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "pro", 100);
  const std::vector<std::tuple<std::string, std::string, int>> card = {
      {"essence", "cloud", 2}, {"expression", "cloud", 4}, {"essence", "self_hosted", 1},
      {"expression", "self_hosted", 2}, {"expression", "on_device", 2}};
  for (const auto& [model, surface, rate] : card) {
    const auto response = exchange(emulator, "s", {{"model", model}, {"surface", surface}});
    REQUIRE(response.status == 200);
    CHECK(response.json()["data"]["credits_per_minute"] == rate);
  }
  CHECK(exchange(emulator, "s").json()["data"]["credits_per_minute"] == 2);  // essence/cloud
  const auto unknown = exchange(emulator, "s", {{"model", "essence"}, {"surface", "on_device"}});
  CHECK(unknown.status == 400);
  CHECK(unknown.error_code() == "UNSUPPORTED_MODEL_SURFACE");
}

TEST_CASE("api secret errors: unknown 401, revoked 403, checked before the body", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("good", "free", 10);
  auto bad = exchange(emulator, "nope");
  CHECK(bad.status == 401);
  CHECK(bad.error_code() == "INVALID_API_SECRET");
  const auto envelope = bad.json();
  CHECK(envelope["status"] == "error");
  CHECK(envelope["status_code"] == 401);
  CHECK(envelope["error"]["httpStatus"] == 401);
  CHECK(!envelope["error"]["message"].get<std::string>().empty());
  // A malformed body with a bad secret is still a 401: the secret comes first.
  bad = http_request("POST", emulator.base_url() + "/v1/runtime-tokens/request", {{"api-secret", "nope"}}, "{not json");
  CHECK(bad.status == 401);
  bad = http_request("POST", emulator.base_url() + "/v1/runtime-tokens/request", {}, "{}");
  CHECK(bad.error_code() == "INVALID_API_SECRET");
  CHECK(credit_summary(emulator, "nope").status == 401);

  emulator.revoke("good");
  const auto revoked = exchange(emulator, "good");
  CHECK(revoked.status == 403);
  CHECK(revoked.error_code() == "KEY_REVOKED");
  CHECK(credit_summary(emulator, "good").error_code() == "KEY_REVOKED");
  CHECK(emulator.ledger()["sessions"].empty());
}

TEST_CASE("heartbeat and release happy path", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "creator", 100);
  auto session = start_session(emulator, "s", {{"model", "expression"}});  // 4 cr/min
  const auto first_token = session.token;
  auto hb = heartbeat(emulator, session, 60'000);
  REQUIRE(hb.status == 200);
  auto data = hb.json()["data"];
  CHECK(data["credits_charged"] == 4);
  CHECK(data["balance"] == 96);
  CHECK(data["expires_at"].is_number_integer());
  CHECK(!data["token"].get<std::string>().empty());

  // The old token still works until it expires.
  hb = post_usage(emulator, "heartbeat", first_token, usage_body(session.id, ++session.seq, 30'000));
  REQUIRE(hb.status == 200);
  CHECK(hb.json()["data"]["credits_charged"] == 2);

  const auto rel = release(emulator, session, 15'000);
  REQUIRE(rel.status == 200);
  data = rel.json()["data"];
  CHECK(data["credits_charged"] == 1);
  CHECK(data["balance"] == 93);
  const auto row = emulator.ledger_session(session.id);
  CHECK(row["active_ms"] == 105'000);
  CHECK(row["credits_charged"] == 7);
  CHECK(row["heartbeats"] == 2);
  CHECK(row["replays"] == 0);
  CHECK(row["released"] == true);
  CHECK(emulator.ledger_session("unknown").is_null());
}

TEST_CASE("credit summary", "[emulator][http]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "creator", 9.5);
  const auto response = credit_summary(emulator, "s");
  REQUIRE(response.status == 200);
  const auto data = response.json()["data"];
  CHECK(data["balance"] == 9.5);
  CHECK(data["plan"] == "creator");
  CHECK(data["renews_at"].get<std::string>().size() == 20);
  CHECK(data["plan_credits"] == 9.5);
  CHECK(data["topup_credits"] == 0);
  const auto minutes = data["estimated_minutes"];
  CHECK(minutes["essence_cloud"] == 4);
  CHECK(minutes["expression_cloud"] == 2);
  CHECK(minutes["essence_self_hosted"] == 9);
  CHECK(minutes["expression_self_hosted"] == 4);
  CHECK(minutes["expression_on_device"] == 4);
}
