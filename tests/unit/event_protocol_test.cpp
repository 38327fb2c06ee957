// The usage-events protocol (core/event_protocol.cpp): the request body, quantities in
// thousandths, the answer read tolerantly (absent fields) and strictly (wrong types), and the
// token answer's prices and unit.

#include <catch2/catch.hpp>

#include "core/protocol.hpp"

using namespace creditmeter::core;

TEST_CASE("quantities are written with at most three decimals") {
  CHECK(milli_text(1000) == "1");
  CHECK(milli_text(12500) == "12.5");
  CHECK(milli_text(1) == "0.001");
  CHECK(milli_text(7777) == "7.777");
  CHECK(milli_text(0) == "0");
  CHECK(milli_text(1000000000000000) == "1000000000000");
}

TEST_CASE("the events body names the session and each event's id, action, quantity and time") {
  UsageEvent a{"id-1", "llm_gpt4", 1000, 1700000000123};
  UsageEvent b{"id-2", "tts \"x\"", 12500, 1700000000124};
  const std::string body = events_body("s1", {&a, &b});
  CHECK(body ==
        R"({"events":[{"action":"llm_gpt4","at":"2023-11-14T22:13:20.123Z","event_id":"id-1","quantity":1},)"
        R"({"action":"tts \"x\"","at":"2023-11-14T22:13:20.124Z","event_id":"id-2","quantity":12.5}],"session_id":"s1"})");
}

TEST_CASE("an events answer is read with its lists and charges") {
  const EventsAck a = parse_events_ack(
      R"({"status":"success","data":{"balance":88.5,"credits_charged":10,"accepted":["a"],"duplicates":["b"],)"
      R"("rejected":[{"event_id":"c","code":"UNKNOWN_ACTION","message":"no price\u001b[31m"}],"charges":{"a":10,"b":1.041}}})");
  CHECK(a.has_balance);
  CHECK(a.balance == 88.5);
  CHECK(a.credits_charged == 10);
  CHECK(a.accepted == std::vector<std::string>{"a"});
  CHECK(a.duplicates == std::vector<std::string>{"b"});
  REQUIRE(a.rejected.size() == 1);
  CHECK(a.rejected[0].code == "UNKNOWN_ACTION");
  CHECK(a.rejected[0].message.find('\x1b') == std::string::npos);  // made printable
  CHECK(a.has_charges);
  CHECK(a.charges.at("b") == 1.041);
}

TEST_CASE("an events answer is tolerant of absent fields, strict on types") {
  const EventsAck empty = parse_events_ack(R"({"data":{}})");
  CHECK_FALSE(empty.has_balance);
  CHECK_FALSE(empty.has_charges);
  CHECK(empty.accepted.empty());
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"accepted":"a"}})"), ProtocolError);
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"accepted":[1]}})"), ProtocolError);
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"charges":[]}})"), ProtocolError);
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"charges":{"a":"1"}}})"), ProtocolError);
  // Negative or absurd charges: a hostile server's sums must stay finite.
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"charges":{"a":-1}}})"), ProtocolError);
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"charges":{"a":1e308}}})"), ProtocolError);
  CHECK_NOTHROW(parse_events_ack(R"({"data":{"charges":{"a":0,"b":1e12}}})"));
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"rejected":[{"code":"X"}]}})"), ProtocolError);
  CHECK_THROWS_AS(parse_events_ack(R"({"data":{"balance":"1"}})"), ProtocolError);
}

TEST_CASE("decode_answer reads an events 2xx, 402 and 403 KEY_REVOKED as an events ack") {
  const Answer ok = decode_answer(Outgoing::Kind::events, 200, R"({"data":{"balance":5,"accepted":["a"]}})", "", "", 0);
  CHECK(ok.kind == AnswerKind::ok);
  CHECK(ok.request == Outgoing::Kind::events);
  REQUIRE(ok.events);
  CHECK_FALSE(ok.ack);
  const Answer paid = decode_answer(Outgoing::Kind::events, 402,
                                    R"({"error":{"code":"INSUFFICIENT_BALANCE","balance":-5,"accepted":["a"]}})", "", "", 0);
  CHECK(paid.kind == AnswerKind::insufficient);
  REQUIRE(paid.events);
  CHECK(paid.events->balance == -5);
  const Answer bad = decode_answer(Outgoing::Kind::events, 200, R"({"data":{"accepted":7}})", "", "", 0);
  CHECK(bad.kind == AnswerKind::offline);  // unreadable 2xx: resent (ids make it harmless)
}

TEST_CASE("the token answer's prices become integer micro-units, unit defaults to credits") {
  const std::string base = R"("token":"t","session_id":"s1","expires_at":1)";
  const TokenGrant g = parse_token_grant(
      "{\"data\":{" + base + R"(,"prices":{"llm_gpt4":10,"tts_seconds":0.0833333,"bad":"x","neg":-1},"unit":"USD"}})");
  CHECK(g.prices_micro.at("llm_gpt4") == 10000000);
  CHECK(g.prices_micro.at("tts_seconds") == 83333);
  CHECK(g.prices_micro.count("bad") == 0);
  CHECK(g.prices_micro.count("neg") == 0);
  CHECK(g.unit == "USD");
  const TokenGrant plain = parse_token_grant("{\"data\":{" + base + "}}");
  CHECK(plain.prices_micro.empty());
  CHECK(plain.unit == "credits");
  CHECK_THROWS_AS(parse_token_grant("{\"data\":{" + base + R"(,"unit":"a very long unit name"}})"), ProtocolError);
  CHECK_THROWS_AS(parse_token_grant("{\"data\":{" + base + R"(,"prices":[]}})"), ProtocolError);
  CHECK(parse_credit_summary(R"({"data":{"balance":1,"unit":"USD"}})").unit == "USD");
  CHECK(parse_credit_summary(R"({"data":{"balance":1}})").unit == "credits");
}
