// Unit tests of usage_events.cpp: batches of usage events through the model, in the order
// of their checks (token, body, session, expiry) and their answers (charged, duplicate,
// rejected; 402 and 403 as for heartbeats).
#include <catch2/catch.hpp>

#include "ledger_model.hpp"

using namespace creditmeter::emulator;
using namespace creditmeter::emulator::testing;
using nlohmann::json;

namespace {

// Distinct, valid event ids: "00000000-0000-4000-8000-0000000000NN".
std::string id(int n) {
  std::string digits = std::to_string(n);
  return "00000000-0000-4000-8000-" + std::string(12 - digits.size(), '0') + digits;
}

}  // namespace

TEST_CASE("events: each is charged floor(quantity_milli * price_micro / 10^6), duplicates and unknown actions answered",
          "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 100);
  auto [sid, token] = m.start("s");
  const auto answer = m.events(token, sid,
                               {Model::event(id(1), "llm_gpt4"), Model::event(id(2), "tts_seconds", 12.345),
                                Model::event(id(3), "tts_seconds", 0.0005), Model::event(id(1), "llm_gpt4"),
                                Model::event(id(4), "llm_gpt5"), Model::event(id(5), "api_request", 3)});
  REQUIRE(answer["_status"] == 200);
  const json data = answer["data"];
  CHECK(data["accepted"] == json{id(1), id(2), id(3), id(5)});
  CHECK(data["duplicates"] == json{id(1)});  // the same id later in the same batch
  REQUIRE(data["rejected"].size() == 1);
  CHECK(data["rejected"][0]["event_id"] == id(4));
  CHECK(data["rejected"][0]["code"] == "UNKNOWN_ACTION");
  CHECK(data["rejected"][0]["message"] == "no price for the action 'llm_gpt5'");
  // 10 + floor(12345 * 83333 / 10^6) = 1028 mc + floor(1 * 83333 / 10^6) = 0 + 0.3.
  CHECK(data["charges"] == json{{id(1), 10}, {id(2), 1.028}, {id(3), 0}, {id(5), 0.3}});
  CHECK(data["credits_charged"] == 11.328);
  CHECK(data["balance"] == 88.672);
  CHECK(m.balance("s") == 88.672);

  // A resent batch: every event a duplicate with its original charge, nothing charged again.
  const auto again = m.events(token, sid, {Model::event(id(2), "tts_seconds", 12.345), Model::event(id(1), "llm_gpt4")});
  REQUIRE(again["_status"] == 200);
  CHECK(again["data"]["accepted"].empty());
  CHECK(again["data"]["duplicates"] == json{id(2), id(1)});
  CHECK(again["data"]["charges"] == json{{id(1), 10}, {id(2), 1.028}});
  CHECK(again["data"]["credits_charged"] == 0);
  CHECK(m.balance("s") == 88.672);

  const json row = m.row(sid);
  CHECK(row["events_charged"] == 4);
  CHECK(row["event_credits_charged"] == 11.328);
  CHECK(row["time_credits_charged"] == 0);
  CHECK(row["credits_charged"] == 11.328);
  const json listed = m.call(Op::kLedger, {{"session_id", sid}})["events"];
  REQUIRE(listed.size() == 4);
  CHECK(listed[1] == json{{"event_id", id(2)}, {"session_id", sid}, {"action", "tts_seconds"}, {"quantity", 12.345},
                          {"credits_charged", 1.028}});
}

TEST_CASE("events: a price set later prices new events only, a rejected event may be charged once priced",
          "[emulator][unit]") {
  Model m;
  m.account("s", "pro", 100);
  auto [sid, token] = m.start("s");
  REQUIRE(m.events(token, sid, {Model::event(id(1), "llm_gpt4"), Model::event(id(2), "translate", 2)})["_status"] == 200);
  const auto prices = m.call(Op::kPrices, {{"llm_gpt4", 20}, {"translate", 0.5}});
  REQUIRE(prices["_status"] == 200);
  CHECK(prices["data"]["prices"]["translate"] == 0.5);
  const auto answer = m.events(token, sid,
                               {Model::event(id(1), "llm_gpt4"), Model::event(id(2), "translate", 2),
                                Model::event(id(3), "llm_gpt4")});
  CHECK(answer["data"]["charges"] == json{{id(1), 10}, {id(2), 1}, {id(3), 20}});
  CHECK(answer["data"]["duplicates"] == json{id(1)});
  CHECK(answer["data"]["accepted"] == json{id(2), id(3)});
  // The token answer carries the list as it is now.
  CHECK(m.exchange("s", {{"session_id", sid}})["data"]["prices"]["llm_gpt4"] == 20);
}

TEST_CASE("events: 402 when the balance ends below zero or was not positive, the events charged", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 15);
  auto [sid, token] = m.start("s");
  auto answer = m.events(token, sid, {Model::event(id(1), "llm_gpt4")});
  CHECK(answer["_status"] == 200);
  CHECK(answer["data"]["balance"] == 5);
  answer = m.events(token, sid, {Model::event(id(2), "llm_gpt4")});  // 5 -> -5
  CHECK(answer["_status"] == 402);
  CHECK(answer["error"]["code"] == "INSUFFICIENT_BALANCE");
  CHECK(answer["error"]["balance"] == -5);
  CHECK(answer["error"]["accepted"] == json{id(2)});
  CHECK(answer["error"]["charges"] == json{{id(2), 10}});
  CHECK(m.balance("s") == -5);
  // In debt, a batch of duplicates only is still a 402 that repeats the charges.
  answer = m.events(token, sid, {Model::event(id(2), "llm_gpt4")});
  CHECK(answer["_status"] == 402);
  CHECK(answer["error"]["duplicates"] == json{id(2)});
  CHECK(answer["error"]["charges"] == json{{id(2), 10}});
  CHECK(m.balance("s") == -5);
  REQUIRE(m.call(Op::kTopup, {{"api_secret", "s"}, {"credits", 10}})["_status"] == 200);
  answer = m.events(token, sid, {Model::event(id(3), "kb_query")});
  CHECK(answer["_status"] == 200);
  CHECK(answer["data"]["balance"] == 4);
}

TEST_CASE("events: a revoked key is 403 KEY_REVOKED, the events charged", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 100);
  auto [sid, token] = m.start("s");
  REQUIRE(m.call(Op::kRevoke, {{"api_secret", "s"}})["_status"] == 200);
  const auto answer = m.events(token, sid, {Model::event(id(1), "llm_claude")});
  CHECK(answer["_status"] == 403);
  CHECK(answer["error"]["code"] == "KEY_REVOKED");
  CHECK(answer["error"]["charges"] == json{{id(1), 8}});
  CHECK(m.row(sid)["event_credits_charged"] == 8);
}

TEST_CASE("events: token, session and expiry are checked before anything is charged", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 100);
  m.account("t", "free", 100);
  auto [sid, token] = m.start("s");
  auto [other_sid, other_token] = m.start("t");
  const json batch = {Model::event(id(1), "llm_gpt4")};
  auto answer = m.events("not-a-token", sid, batch);
  CHECK(answer["_status"] == 401);
  CHECK(answer["error"]["code"] == "INVALID_TOKEN");
  answer = m.events(other_token, sid, batch);
  CHECK(answer["_status"] == 401);
  CHECK(answer["error"]["code"] == "INVALID_TOKEN");
  answer = m.call(Op::kUsageEvents, {{"session_id", sid}}, "", token);
  CHECK(answer["_status"] == 400);
  CHECK(answer["error"]["code"] == "INVALID_REQUEST");

  m.now += 300'000;  // the token's lifetime
  answer = m.events(token, sid, batch);
  CHECK(answer["_status"] == 401);
  CHECK(answer["error"]["code"] == "TOKEN_EXPIRED");
  CHECK(m.balance("s") == 100);
  CHECK(m.call(Op::kLedger)["events"].empty());
  // Re-attach, resend the same ids: charged once.
  const std::string renewed = m.exchange("s", {{"session_id", sid}})["data"]["token"];
  CHECK(m.events(renewed, sid, batch)["data"]["accepted"] == json{id(1)});
  CHECK(m.balance("s") == 90);
  (void)other_sid;
}

TEST_CASE("events: accepted whatever the session's slot or release state, and they touch no slot", "[emulator][unit]") {
  Model m;
  m.account("s", "free", 100, 1);
  auto [sid, token] = m.start("s");
  REQUIRE(m.usage(Op::kRelease, token, sid, 1, 0)["_status"] == 200);
  auto [next_sid, next_token] = m.start("s");  // takes the only slot
  CHECK(m.events(token, sid, {Model::event(id(1), "avatar_training")})["_status"] == 200);
  CHECK(m.row(sid)["slot_held"] == false);
  CHECK(m.row(sid)["event_credits_charged"] == 4);
  m.now += 10LL * 60 * 1000;  // next's slot expires silently; events do not refresh it
  CHECK(m.events(next_token, next_sid, {Model::event(id(2), "avatar_motion")})["_status"] == 401);  // expired token
  const std::string renewed = m.exchange("s", {{"session_id", next_sid}})["data"]["token"];
  CHECK(m.events(renewed, next_sid, {Model::event(id(2), "avatar_motion")})["_status"] == 200);
  CHECK(m.call(Op::kAccount, {{"api_secret", "s"}})["data"]["active_sessions"] == 0);
}

TEST_CASE("events: a USD account is charged in USD, time at $0.05 a second", "[emulator][unit]") {
  Model m;
  REQUIRE(m.call(Op::kCreateAccount, {{"api_secret", "u"}, {"balance", 20}, {"unit", "USD"}})["_status"] == 201);
  CHECK(m.call(Op::kCreateAccount, {{"api_secret", "x"}, {"unit", "EUR"}})["_status"] == 400);
  const auto exchanged = m.exchange("u", {{"model", "expression"}});
  REQUIRE(exchanged["_status"] == 200);
  CHECK(exchanged["data"]["unit"] == "USD");
  CHECK(exchanged["data"]["credits_per_minute"] == 3);
  CHECK(exchanged["data"]["prices"]["photo_avatar_generation"] == 0.25);
  const std::string sid = exchanged["data"]["session_id"];
  const std::string token = exchanged["data"]["token"];
  CHECK(m.usage(Op::kHeartbeat, token, sid, 1, 10'000)["data"]["credits_charged"] == 0.5);  // 10 s
  const auto answer = m.events(token, sid, {Model::event(id(1), "avatar_upscale", 3)});
  CHECK(answer["data"]["charges"] == json{{id(1), 1.5}});
  CHECK(answer["data"]["balance"] == 18);
  const json summary = m.call(Op::kCreditSummary, json::object(), "u")["data"];
  CHECK(summary["unit"] == "USD");
  CHECK(summary["balance"] == 18);
  CHECK(summary["estimated_minutes"]["expression_cloud"] == 6);  // 18 USD at 3 USD a minute
  CHECK(m.account_details("u")["unit"] == "USD");
  m.account("c", "free", 10);
  CHECK(m.exchange("c")["data"]["unit"] == "credits");
  CHECK(m.call(Op::kCreditSummary, json::object(), "c")["data"]["unit"] == "credits");
}

TEST_CASE("events: the snapshot keeps the event ledger, the prices and the unit, a /1 snapshot is read",
          "[emulator][unit]") {
  Model m;
  REQUIRE(m.call(Op::kCreateAccount, {{"api_secret", "u"}, {"balance", 20}, {"unit", "USD"}})["_status"] == 201);
  auto [sid, token] = m.start("u");
  REQUIRE(m.call(Op::kPrices, {{"translate", 0.125}})["_status"] == 200);
  REQUIRE(m.events(token, sid, {Model::event(id(1), "translate", 2)})["_status"] == 200);
  const json snapshot = m.ledger.to_json();
  m.ledger = Ledger::from_json(snapshot);
  CHECK(m.ledger.to_json() == snapshot);
  CHECK(m.events(token, sid, {Model::event(id(1), "translate", 2)})["data"]["duplicates"] == json{id(1)});
  CHECK(m.events(token, sid, {Model::event(id(2), "translate", 1)})["data"]["charges"] == json{{id(2), 0.125}});
  CHECK(m.account_details("u")["unit"] == "USD");
  CHECK(m.row(sid)["events_charged"] == 2);

  json v1 = snapshot;  // as written before usage events
  v1["format"] = "creditmeter-emulator-ledger/1";
  v1.erase("prices");
  v1.erase("events");
  v1["accounts"][0].erase("unit");
  v1["sessions"][0].erase("events_charged");
  v1["sessions"][0].erase("event_charged_mc");
  m.ledger = Ledger::from_json(v1);
  CHECK(m.account_details("u")["unit"] == "credits");
  CHECK(m.call(Op::kLedger)["events"].empty());
  CHECK(m.exchange("u", {{"session_id", sid}})["data"]["prices"]["llm_gpt4"] == 10);  // the seed defaults
}
