// POST /v1/usage-events, /admin/prices, the ledger's events and USD accounts over HTTP,
// against the real binary: charges, duplicates, rejections, refusals, 402, faults on the
// route and --state.
#include <catch2/catch.hpp>

#include <future>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string id(int n) {
  std::string digits = std::to_string(n);
  return "5a1e0000-0000-4000-8000-" + std::string(12 - digits.size(), '0') + digits;
}

}  // namespace

TEST_CASE("events over HTTP: exact charges per price, duplicates, an unknown action rejected inside the 2xx",
          "[emulator][http][events]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "pro", 1000);
  auto session = start_session(emulator, "s");
  const json batch = {usage_event(id(1), "llm_gpt4"),         usage_event(id(2), "llm_claude"),
                      usage_event(id(3), "llm_gpt35"),        usage_event(id(4), "tts_seconds", 0.0005),
                      usage_event(id(5), "tts_seconds", 61),  usage_event(id(6), "stt_seconds", 12.345),
                      usage_event(id(7), "kb_query", 3),      usage_event(id(8), "api_request"),
                      usage_event(id(9), "agent_generation"), usage_event(id(10), "photo_avatar_generation", 3),
                      usage_event(id(11), "avatar_training"), usage_event(id(12), "avatar_motion", 2),
                      usage_event(id(13), "avatar_upscale"),  usage_event(id(14), "no_such_action"),
                      usage_event(id(1), "llm_gpt4")};
  const auto response = post_events(emulator, session, batch);
  REQUIRE(response.status == 200);
  const json data = response.json()["data"];
  // tts: 0.0005 s is 1 milli-second, floor(1 * 83333 / 10^6) = 0; 61 s: floor(61000 * 83333 / 10^6) = 5083 mc.
  // stt: floor(12345 * 50000 / 10^6) = 617 mc.
  const json expected = {{id(1), 10},     {id(2), 8},    {id(3), 2},     {id(4), 0},   {id(5), 5.083},
                         {id(6), 0.617},  {id(7), 3},    {id(8), 0.1},   {id(9), 250}, {id(10), 0.75},
                         {id(11), 4},     {id(12), 2},   {id(13), 0.5}};
  CHECK(data["charges"] == expected);
  CHECK(data["accepted"].size() == 13);
  CHECK(data["duplicates"] == json{id(1)});
  REQUIRE(data["rejected"].size() == 1);
  CHECK(data["rejected"][0]["event_id"] == id(14));
  CHECK(data["rejected"][0]["code"] == "UNKNOWN_ACTION");
  CHECK(data["credits_charged"] == 286.05);
  CHECK(data["balance"] == 713.95);
  CHECK(emulator.account("s")["balance"] == 713.95);

  const json events = emulator.ledger_events(session.id);
  REQUIRE(events.size() == 13);
  CHECK(events[4] == json{{"event_id", id(5)}, {"session_id", session.id}, {"action", "tts_seconds"}, {"quantity", 61},
                          {"credits_charged", 5.083}});
  const json row = emulator.ledger_session(session.id);
  CHECK(row["events_charged"] == 13);
  CHECK(row["event_credits_charged"] == 286.05);
  CHECK(row["credits_charged"] == 286.05);
  CHECK(emulator.ledger()["events"].size() == 13);  // unfiltered: the same, no other session

  // The whole batch again: all duplicates (the rejected one rejected again), nothing charged.
  const auto again = post_events(emulator, session, batch);
  REQUIRE(again.status == 200);
  CHECK(again.json()["data"]["accepted"].empty());
  CHECK(again.json()["data"]["duplicates"].size() == 14);
  CHECK(again.json()["data"]["charges"] == expected);
  CHECK(again.json()["data"]["rejected"].size() == 1);
  CHECK(emulator.account("s")["balance"] == 713.95);
}

TEST_CASE("events over HTTP: batch limits and bad bodies are 400 with a clear message, nothing charged",
          "[emulator][http][events]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "pro", 100);
  auto session = start_session(emulator, "s");
  json many = json::array();
  for (int i = 0; i < 101; ++i) many.push_back(usage_event(id(i), "kb_query"));
  auto response = post_events(emulator, session, many);
  CHECK(response.status == 400);
  CHECK(response.error_code() == "INVALID_REQUEST");
  CHECK(response.json()["error"]["message"] == "field 'events' must hold 1 to 100 events (it holds 101)");
  many.erase(many.begin());
  CHECK(post_events(emulator, session, many).status == 200);  // 100 is the limit
  CHECK(emulator.account("s")["balance"] == 0);

  emulator.topup("s", 100);
  response = post_events(emulator, session, {usage_event("e-1", "kb_query")});
  CHECK(response.status == 400);
  CHECK(response.json()["error"]["message"] == "events[0].event_id must be a UUID (8-4-4-4-12 hex digits)");
  response = post_events(emulator, session, {usage_event(id(200), "kb_query", -1)});
  CHECK(response.status == 400);
  CHECK(response.json()["error"]["message"] == "events[0].quantity must be a finite number from 0 to 1000000000");
  response = post_events(emulator, session, {usage_event(id(200), std::string(65, 'a'))});
  CHECK(response.json()["error"]["message"] == "events[0].action must be 1 to 64 characters");
  const std::string url = emulator.base_url() + "/v1/usage-events";
  const HttpHeaders auth = {{"Authorization", "Bearer " + session.token}};
  response = http_request("POST", url, auth, "{not json");
  CHECK(response.status == 400);
  CHECK(response.error_code() == "INVALID_JSON");
  response = http_request("POST", url, auth, "[]");
  CHECK(response.status == 400);
  response = http_request("POST", url, {}, json{{"session_id", session.id}, {"events", {usage_event(id(200), "kb_query")}}}.dump());
  CHECK(response.status == 401);
  CHECK(response.error_code() == "INVALID_TOKEN");
  CHECK(emulator.ledger_events(session.id).size() == 100);
  CHECK(emulator.account("s")["balance"] == 100);
}

TEST_CASE("events over HTTP: an expired token is 401 TOKEN_EXPIRED, after re-attach the batch is charged once",
          "[emulator][http][events]") {
  EmulatorProcess emulator;
  emulator.configure({{"token_ttl_s", 0.3}});
  emulator.create_account("s", "free", 50);
  const auto exchanged = exchange(emulator, "s");
  REQUIRE(exchanged.status == 200);
  WireSession session{exchanged.json()["data"]["session_id"], exchanged.json()["data"]["token"], 0};
  const auto expires_at = exchanged.json()["data"]["expires_at"].get<std::int64_t>();
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  REQUIRE(wait_until([&] { return now_ms() >= expires_at * 1000 + 50; }, 5s));
  const json batch = {usage_event(id(1), "llm_gpt4"), usage_event(id(2), "kb_query")};
  const auto expired = post_events(emulator, session, batch);
  CHECK(expired.status == 401);
  CHECK(expired.error_code() == "TOKEN_EXPIRED");
  CHECK(emulator.ledger_events(session.id).empty());
  emulator.configure({{"token_ttl_s", 300}});
  const auto renewed = exchange(emulator, "s", {{"session_id", session.id}});
  REQUIRE(renewed.status == 200);
  session.token = renewed.json()["data"]["token"].get<std::string>();
  const auto response = post_events(emulator, session, batch);
  CHECK(response.status == 200);
  CHECK(response.json()["data"]["accepted"] == json{id(1), id(2)});
  CHECK(emulator.account("s")["balance"] == 39);
}

TEST_CASE("events over HTTP: 402 while events arrive, each charged once, a top-up ends it", "[emulator][http][events]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 25);
  auto session = start_session(emulator, "s");
  std::vector<int> statuses;
  for (int i = 1; i <= 4; ++i) statuses.push_back(post_events(emulator, session, {usage_event(id(i), "llm_gpt4")}).status);
  // 25 -> 15 -> 5 -> -5 (ends below zero) -> -15 (was not positive).
  CHECK(statuses == std::vector<int>{200, 200, 402, 402});
  const auto last = post_events(emulator, session, {usage_event(id(4), "llm_gpt4")});  // a resend in debt
  CHECK(last.status == 402);
  CHECK(last.error_code() == "INSUFFICIENT_BALANCE");
  CHECK(last.json()["error"]["duplicates"] == json{id(4)});
  CHECK(last.json()["error"]["charges"] == json{{id(4), 10}});
  CHECK(last.json()["error"]["balance"] == -15);
  CHECK(emulator.ledger_events(session.id).size() == 4);
  CHECK(heartbeat(emulator, session, 0).status == 402);  // heartbeats agree
  emulator.topup("s", 20);
  CHECK(post_events(emulator, session, {usage_event(id(5), "kb_query")}).status == 200);
  CHECK(emulator.account("s")["balance"] == 4);
}

TEST_CASE("admin prices over HTTP: add or replace for every account, validated, in the token answer",
          "[emulator][http][events]") {
  EmulatorProcess emulator;
  emulator.create_account("a", "pro", 100);
  emulator.create_account("b", "pro", 100);
  const json before = emulator.admin("GET", "/admin/prices")["prices"];
  CHECK(before.size() == 12);
  CHECK(before["tts_seconds"] == 0.083333);
  const json after = emulator.set_prices({{"llm_gpt4", 12}, {"translate", 0.002}});
  CHECK(after["llm_gpt4"] == 12);
  CHECK(after["translate"] == 0.002);
  CHECK(after.size() == 13);
  const auto refused = http_request("POST", emulator.base_url() + "/admin/prices", {}, json{{"translate", -1}}.dump());
  CHECK(refused.status == 400);
  CHECK(refused.error_code() == "INVALID_REQUEST");
  CHECK(emulator.admin("GET", "/admin/prices")["prices"]["translate"] == 0.002);
  for (const std::string secret : {"a", "b"}) {
    const auto answer = creditmeter::testing::exchange(emulator, secret);
    REQUIRE(answer.status == 200);
    CHECK(answer.json()["data"]["prices"] == after);
    CHECK(answer.json()["data"]["unit"] == "credits");
  }
  auto session = start_session(emulator, "b");
  const auto response = post_events(emulator, session, {usage_event(id(1), "translate", 1500), usage_event(id(2), "llm_gpt4")});
  CHECK(response.json()["data"]["charges"] == json{{id(1), 3}, {id(2), 12}});
}

TEST_CASE("USD accounts over HTTP: seeded or created, $0.05 a second on the wire as 3 a minute, amounts in USD",
          "[emulator][http][events]") {
  EmulatorProcess emulator({{"--seed-account", "heygen:key:free:30:USD", "--seed-account", "plain:free:7"}, "", "", ""});
  CHECK(emulator.account("heygen:key")["unit"] == "USD");
  CHECK(emulator.account("heygen:key")["balance"] == 30);
  CHECK(emulator.account("plain")["unit"] == "credits");
  emulator.admin("POST", "/admin/accounts", {{"api_secret", "wallet"}, {"balance", 1.5}, {"unit", "USD"}});
  CHECK(emulator.account("wallet")["unit"] == "USD");

  const auto exchanged = exchange(emulator, "heygen:key", {{"model", "expression"}});
  REQUIRE(exchanged.status == 200);
  CHECK(exchanged.json()["data"]["unit"] == "USD");
  CHECK(exchanged.json()["data"]["credits_per_minute"] == 3);
  auto session = WireSession{exchanged.json()["data"]["session_id"], exchanged.json()["data"]["token"], 0};
  const auto beat = heartbeat(emulator, session, 60'000);  // a minute: $3
  REQUIRE(beat.status == 200);
  CHECK(beat.json()["data"]["credits_charged"] == 3);
  const auto events = post_events(emulator, session, {usage_event(id(1), "photo_avatar_generation", 2)});
  CHECK(events.json()["data"]["charges"] == json{{id(1), 0.5}});
  const json summary = credit_summary(emulator, "heygen:key").json()["data"];
  CHECK(summary["unit"] == "USD");
  CHECK(summary["balance"] == 26.5);
  CHECK(summary["estimated_minutes"]["expression_cloud"] == 8);  // floor(26.5 / 3)
  CHECK(credit_summary(emulator, "plain").json()["data"]["unit"] == "credits");
  CHECK(emulator.ledger_session(session.id)["credits_charged"] == 3.5);
}

TEST_CASE("faults on the events route: apply:true charges and loses the answer, the resend is all duplicates",
          "[emulator][http][events][faults]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "pro", 100);
  auto session = start_session(emulator, "s");
  const json batch = {usage_event(id(1), "llm_gpt4"), usage_event(id(2), "tts_seconds", 6)};

  emulator.fault({{"mode", "status"}, {"status", 503}, {"path", "/v1/usage-events"}, {"count", 1}});
  CHECK(post_events(emulator, session, batch).status == 503);
  CHECK(emulator.ledger_events(session.id).empty());  // not applied: nothing charged

  emulator.fault({{"mode", "refuse"}, {"apply", true}, {"path", "/v1/usage-events"}, {"count", 1}});
  auto response = post_events(emulator, session, batch);
  CHECK(response.status == 0);
  CHECK(emulator.ledger_events(session.id).size() == 2);  // the acknowledgement was lost, not the usage
  response = post_events(emulator, session, batch);
  REQUIRE(response.status == 200);
  CHECK(response.json()["data"]["duplicates"] == json{id(1), id(2)});
  CHECK(response.json()["data"]["charges"] == json{{id(1), 10}, {id(2), 0.499}});
  CHECK(emulator.account("s")["balance"] == 89.501);

  emulator.fault({{"mode", "status"}, {"status", 500}, {"apply", true}, {"path", "/v1/usage-events"}, {"count", 1}});
  CHECK(post_events(emulator, session, {usage_event(id(3), "kb_query")}).status == 500);
  CHECK(emulator.ledger_events(session.id).size() == 3);

  emulator.fault({{"mode", "hang"}, {"apply", true}, {"path", "/v1/usage-events"}, {"count", 1}});
  auto pending = std::async(std::launch::async, [&] { return post_events(emulator, session, {usage_event(id(4), "kb_query")}, 20s); });
  CHECK(wait_until([&] { return emulator.ledger_events(session.id).size() == 4; }, 5s));  // applied before hanging
  emulator.clear_faults();
  CHECK(pending.get().status == 0);
  response = post_events(emulator, session, {usage_event(id(4), "kb_query"), usage_event(id(5), "kb_query")});
  CHECK(response.json()["data"]["duplicates"] == json{id(4)});
  CHECK(response.json()["data"]["accepted"] == json{id(5)});
  CHECK(emulator.account("s")["balance"] == 86.501);
}

TEST_CASE("events survive --state: restart and kill -9 keep the charged ids, the prices and the unit",
          "[emulator][http][events][state]") {
  TempDir dir;
  EmulatorProcess emulator({{}, dir.file("state.json"), "", ""});
  emulator.admin("POST", "/admin/accounts", {{"api_secret", "u"}, {"balance", 40}, {"unit", "USD"}});
  emulator.set_prices({{"translate", 0.25}});
  auto session = start_session(emulator, "u");
  REQUIRE(post_events(emulator, session, {usage_event(id(1), "translate", 4)}).status == 200);

  emulator.restart();
  auto response = post_events(emulator, session, {usage_event(id(1), "translate", 4), usage_event(id(2), "translate")});
  REQUIRE(response.status == 200);
  CHECK(response.json()["data"]["duplicates"] == json{id(1)});
  CHECK(response.json()["data"]["charges"] == json{{id(1), 1}, {id(2), 0.25}});

  emulator.kill_hard();  // the acknowledged batch is in the log
  emulator.restart();
  response = post_events(emulator, session, {usage_event(id(2), "translate")});
  CHECK(response.json()["data"]["duplicates"] == json{id(2)});
  CHECK(emulator.account("u")["unit"] == "USD");
  CHECK(emulator.account("u")["balance"] == 38.75);
  CHECK(emulator.ledger_events().size() == 2);
  CHECK(emulator.admin("GET", "/admin/prices")["prices"]["translate"] == 0.25);
}
