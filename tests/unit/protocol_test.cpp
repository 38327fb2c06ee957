// The wire protocol of the pure core: request bodies, the tolerant reader, malformed
// bodies, error answers and their classification.

#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "creditmeter/version.h"

namespace core = creditmeter::core;
using core::AnswerKind;
using core::ProtocolError;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

std::string nested_objects(int levels, const std::string& innermost = "1") {
  std::string s;
  for (int i = 0; i < levels; ++i) s += R"({"a":)";
  s += innermost;
  s.append(static_cast<std::size_t>(levels), '}');
  return s;
}

const char* const kGrantData =
    R"({"token":"t.o.k","transaction_id":"tx-9","session_id":"sess-9","expires_at":1700000300,)"
    R"("heartbeat_interval_s":60,"offline_grace_s":300,"credits_per_minute":2,"balance":99})";

}  // namespace

TEST_CASE("request bodies carry the protocol's fields as integers and strings", "[unit][protocol]") {
  const json hb = json::parse(core::heartbeat_body("s-1", 7, 59960, "2023-11-14T22:13:20.000Z",
                                                   "2023-11-14T22:14:20.000Z"));
  CHECK(hb.size() == 5);
  CHECK(hb.at("session_id") == "s-1");
  CHECK(hb.at("seq").is_number_integer());
  CHECK(hb.at("seq") == 7);
  CHECK(hb.at("active_ms").is_number_integer());
  CHECK(hb.at("active_ms") == 59960);
  CHECK(hb.at("period_start") == "2023-11-14T22:13:20.000Z");
  CHECK(hb.at("period_end") == "2023-11-14T22:14:20.000Z");

  const json rel = json::parse(core::release_body("s-1", 8, 1234));
  CHECK(rel == json{{"session_id", "s-1"}, {"seq", 8}, {"active_ms", 1234}});

  const json ex = json::parse(core::token_request_body("expression", "self_hosted", "s-1"));
  CHECK(ex.at("model") == "expression");
  CHECK(ex.at("surface") == "self_hosted");
  CHECK(ex.at("session_id") == "s-1");
  CHECK(ex.at("client").at("name") == "creditmeter-cpp");
  CHECK_FALSE(ex.at("client").at("version").get<std::string>().empty());

  CHECK(core::idempotency_key("s-1", 42) == "s-1:42");
}

TEST_CASE("request bodies are byte-identical to a json DOM's dump (journaled bodies are resent as they are)",
          "[unit][protocol]") {
  // Earlier versions built bodies through a json object; a journal written by one replays its
  // stored bytes, and the same bytes must come from this version for the same request.
  const std::string odd = "m\"o\\d\u00e9l\n";  // quotes, backslash, non-ASCII, control
  CHECK(core::heartbeat_body("s-1", 18446744073709551615ull, 0, "2023-11-14T22:13:20.000Z", "2023-11-14T22:14:20.000Z") ==
        json{{"session_id", "s-1"}, {"seq", 18446744073709551615ull}, {"active_ms", 0},
             {"period_start", "2023-11-14T22:13:20.000Z"}, {"period_end", "2023-11-14T22:14:20.000Z"}}.dump());
  CHECK(core::release_body("a.b_c:d-e", 8, -1) == json{{"session_id", "a.b_c:d-e"}, {"seq", 8}, {"active_ms", -1}}.dump());
  CHECK(core::token_request_body(odd, "cloud", "s-1") ==
        json{{"model", odd}, {"surface", "cloud"}, {"session_id", "s-1"},
             {"client", {{"name", "creditmeter-cpp"}, {"version", CREDITMETER_VERSION_STRING}}}}.dump());
}

TEST_CASE("append_json_string escapes exactly as nlohmann's serializer does", "[unit][protocol]") {
  std::string every;  // every control character, quote, backslash, DEL, and UTF-8 text
  for (int c = 0; c < 0x20; ++c) every += static_cast<char>(c);
  every += "\"\\/\x7f plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end";
  for (const std::string& s : {std::string(), std::string("s-1"), every, std::string(1, '"'), std::string("tail\\")}) {
    std::string out = "prefix";
    core::append_json_string(out, s);
    CHECK(out == "prefix" + json(s).dump());
  }
}

TEST_CASE("the depth cap ignores brackets inside strings and counts nesting exactly", "[unit][protocol]") {
  // Brackets in strings (escaped quotes too) are not nesting.
  std::string in_strings = R"({"balance":1,"s":")";
  in_strings += std::string(100, '[') + R"(\")" + std::string(100, '{') + R"("})";
  CHECK(core::parse_usage_ack(in_strings).balance == 1);
  // Siblings do not add up: 32 levels twice in a row is still 32 levels.
  const std::string twice = R"({"balance":2,"a":)" + nested_objects(31) + R"(,"b":)" + nested_objects(31) + "}";
  CHECK(core::parse_usage_ack(twice).balance == 2);
  CHECK_THROWS_WITH(core::parse_usage_ack(R"({"balance":2,"a":)" + nested_objects(32) + "}"), Contains("deeper than 32"));
}

TEST_CASE("token grant: fields in `data` or at the top level, floats, defaults", "[unit][protocol]") {
  SECTION("envelope") {
    const auto g = core::parse_token_grant(std::string(R"({"data":)") + kGrantData +
                                           R"(,"status":"success","status_code":200})");
    CHECK(g.token == "t.o.k");
    CHECK(g.session_id == "sess-9");
    CHECK(g.expires_at == 1700000300);
    CHECK(g.heartbeat_interval == std::chrono::milliseconds(60000));
    CHECK(g.offline_grace == std::chrono::milliseconds(300000));
    CHECK(g.credits_per_minute == 2);
    CHECK(g.balance == 99);
  }
  SECTION("top level, floats for integers, extra fields ignored") {
    const auto g = core::parse_token_grant(
        R"({"token":"tok","session_id":"s:1","expires_at":1700000300.4,"heartbeat_interval_s":1.5,)"
        R"("offline_grace_s":3.0,"credits_per_minute":4.0,"balance":-2.5,"future":{"x":[1,2]}})");
    CHECK(g.expires_at == 1700000300);
    CHECK(g.heartbeat_interval == std::chrono::milliseconds(1500));
    CHECK(g.offline_grace == std::chrono::milliseconds(3000));
    CHECK(g.credits_per_minute == 4);
    CHECK(g.balance == -2.5);  // debt is a balance too
  }
  SECTION("`data` wins over the top level; null counts as absent") {
    const auto g = core::parse_token_grant(
        R"({"data":{"token":"inner","session_id":"s1","expires_at":5,"balance":null},)"
        R"("token":"outer","balance":7})");
    CHECK(g.token == "inner");
    CHECK(g.balance == 7);
  }
  SECTION("timing fields default to 60 s and 300 s") {
    const auto g = core::parse_token_grant(R"({"token":"tok","session_id":"s1","expires_at":5})");
    CHECK(g.heartbeat_interval == std::chrono::milliseconds(60000));
    CHECK(g.offline_grace == std::chrono::milliseconds(300000));
  }
}

TEST_CASE("token grant: what the protocol does not promise is a ProtocolError", "[unit][protocol]") {
  struct Case {
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {R"({"session_id":"s1","expires_at":5})", "`token`"},
      {R"({"token":"","session_id":"s1","expires_at":5})", "empty `token`"},
      {R"({"token":7,"session_id":"s1","expires_at":5})", "`token` is not a string"},
      {R"({"token":"t","expires_at":5})", "`session_id`"},
      {R"({"token":"t","session_id":"bad id!","expires_at":5})", "invalid `session_id`"},
      {R"({"token":"t","session_id":"s1"})", "`expires_at`"},
      {R"({"token":"t","session_id":"s1","expires_at":"5"})", "`expires_at` is not a number"},
      {R"({"token":"t","session_id":"s1","expires_at":1e19})", "`expires_at` is out of range"},
      {R"({"token":"t","session_id":"s1","expires_at":5,"heartbeat_interval_s":0})", "heartbeat_interval_s"},
      {R"({"token":"t","session_id":"s1","expires_at":5,"heartbeat_interval_s":-1})", "heartbeat_interval_s"},
      {R"({"token":"t","session_id":"s1","expires_at":5,"offline_grace_s":86401})", "offline_grace_s"},
      {R"({"token":"t","session_id":"s1","expires_at":5,"credits_per_minute":-1})", "credits_per_minute"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    CHECK_THROWS_WITH(core::parse_token_grant(c.body), Contains(c.says));
  }
}

TEST_CASE("usage ack: balance required, token optional, debt allowed", "[unit][protocol]") {
  auto a = core::parse_usage_ack(
      R"({"data":{"balance":-1.5,"credits_charged":2,"token":"n.e.w","expires_at":1700000600.0},"status":"success"})");
  CHECK(a.balance == -1.5);
  CHECK(a.credits_charged == 2);
  CHECK(a.token == "n.e.w");
  CHECK(a.expires_at == 1700000600);

  a = core::parse_usage_ack(R"({"balance":3})");  // a release answer: no token, no charge field
  CHECK(a.balance == 3);
  CHECK(a.credits_charged == 0);
  CHECK(a.token.empty());
  CHECK(a.expires_at == 0);

  CHECK_THROWS_WITH(core::parse_usage_ack(R"({"data":{"credits_charged":2}})"), Contains("`balance`"));
  CHECK_THROWS_WITH(core::parse_usage_ack(R"({"balance":"12"})"), Contains("`balance` is not a number"));
  CHECK_THROWS_WITH(core::parse_usage_ack(R"({"balance":1,"token":5})"), Contains("`token` is not a string"));
  CHECK_THROWS_WITH(core::parse_usage_ack(R"({"balance":1,"credits_charged":[1]})"),
                    Contains("`credits_charged` is not a number"));
}

TEST_CASE("credit summary: estimated_minutes or its alias minutes_estimate", "[unit][protocol]") {
  SECTION("estimated_minutes in data, floats floored, unreadable entries skipped") {
    const auto s = core::parse_credit_summary(
        R"({"data":{"balance":1200.5,"plan":"creator","renews_at":"2026-12-01T00:00:00Z",)"
        R"("plan_credits":1200,"topup_credits":0.5,"estimated_minutes":)"
        R"({"essence_cloud":600.9,"expression_cloud":300,"bad":"x","neg":-3,"huge":2e300}}})");
    CHECK(s.balance == 1200.5);
    CHECK(s.plan == "creator");
    CHECK(s.renews_at == "2026-12-01T00:00:00Z");
    CHECK(s.plan_credits == 1200);
    CHECK(s.topup_credits == 0.5);
    CHECK(s.estimated_minutes.at("essence_cloud") == 600);
    CHECK(s.estimated_minutes.at("expression_cloud") == 300);
    CHECK(s.estimated_minutes.at("neg") == 0);
    CHECK(s.estimated_minutes.at("huge") == 9000000000000000000);  // clamped: no integer overflow
    CHECK(s.estimated_minutes.count("bad") == 0);
    CHECK(s.estimated_minutes.size() == 4);
  }
  SECTION("minutes_estimate at the top level") {
    const auto s = core::parse_credit_summary(R"({"balance":10,"minutes_estimate":{"essence_cloud":5}})");
    REQUIRE(s.estimated_minutes.size() == 1);
    CHECK(s.estimated_minutes.at("essence_cloud") == 5);
    CHECK(s.plan.empty());
  }
  SECTION("estimated_minutes of the wrong type") {
    CHECK_THROWS_WITH(core::parse_credit_summary(R"({"balance":10,"estimated_minutes":[1]})"),
                      Contains("`estimated_minutes` is not an object"));
  }
}

TEST_CASE("malformed bodies raise ProtocolError with a clear message", "[unit][protocol]") {
  struct Case {
    std::string body;
    const char* says;
  };
  const Case cases[] = {
      {"", "not a JSON object"},
      {"<html>502 Bad Gateway</html>", "not a JSON object"},
      {R"({"balance":1)", "not a JSON object"},
      {"[1,2,3]", "not a JSON object"},
      {R"([{"balance":1}])", "not a JSON object"},
      {"null", "not a JSON object"},
      {"42", "not a JSON object"},
      {R"("balance")", "not a JSON object"},
      {nested_objects(33), "deeper than 32"},
      {std::string(200000, '[') + std::string(200000, ']'), "deeper than 32"},  // no stack overflow
      {R"({"balance":1,"pad":[)" + [] { std::string z = "0"; for (int i = 0; i < 30000; ++i) z += ",0"; return z; }() + "]}",
       "more than 20000 JSON values"},
      {R"({"balance":1,"pad":")" + std::string(core::kMaxBodyBytes, 'x') + R"("})", "larger than 1 MiB"},
  };
  for (const auto& c : cases) {
    INFO(c.body.substr(0, 80));
    CHECK_THROWS_AS(core::parse_usage_ack(c.body), ProtocolError);
    CHECK_THROWS_WITH(core::parse_usage_ack(c.body), Contains(c.says));
    CHECK_THROWS_WITH(core::parse_token_grant(c.body), Contains(c.says));
    CHECK_THROWS_WITH(core::parse_credit_summary(c.body), Contains(c.says));
  }
}

TEST_CASE("the body caps accept what lies just within them", "[unit][protocol]") {
  // 32 levels of nesting (the ack itself is level 1).
  const std::string deep32 = R"({"balance":1,"x":)" + nested_objects(31) + "}";
  CHECK(core::parse_usage_ack(deep32).balance == 1);
  CHECK_THROWS_AS(core::parse_usage_ack(R"({"balance":1,"x":)" + nested_objects(32) + "}"), ProtocolError);

  // Exactly 1 MiB.
  std::string body = R"({"balance":2,"pad":"")";
  body += std::string(core::kMaxBodyBytes - body.size() - 1, ' ') + "}";
  REQUIRE(body.size() == core::kMaxBodyBytes);
  CHECK(core::parse_usage_ack(body).balance == 2);
  CHECK_THROWS_AS(core::parse_usage_ack(body + " "), ProtocolError);
}

TEST_CASE("parse_api_error reads the envelope and never throws", "[unit][protocol]") {
  SECTION("the bitHuman envelope") {
    const auto e = core::parse_api_error(
        403, R"({"error":{"code":"CONCURRENCY_LIMIT_REACHED","message":"2 sessions","httpStatus":403,"limit":2},)"
             R"("status":"error","status_code":403})");
    CHECK(e.http_status == 403);
    CHECK(e.code == "CONCURRENCY_LIMIT_REACHED");
    CHECK(e.message == "2 sessions");
    CHECK(e.limit == 2);
    CHECK_FALSE(e.retry_after.has_value());
  }
  SECTION("error inside data, floats for limit") {
    const auto e = core::parse_api_error(403, R"({"data":{"error":{"code":"CONCURRENCY_LIMIT_REACHED","limit":5.0}}})");
    CHECK(e.code == "CONCURRENCY_LIMIT_REACHED");
    CHECK(e.limit == 5);
  }
  SECTION("code at the top level") {
    const auto e = core::parse_api_error(402, R"({"code":"INSUFFICIENT_BALANCE","message":"top up"})");
    CHECK(e.code == "INSUFFICIENT_BALANCE");
    CHECK(e.message == "top up");
  }
  SECTION("wrong types are skipped, long messages bounded") {
    const auto e = core::parse_api_error(
        401, R"({"error":{"code":7,"message":")" + std::string(5000, 'm') + R"(","limit":-3}})");
    CHECK(e.code.empty());
    CHECK(e.message.size() == 512);
    CHECK(e.limit == 0);
  }
  SECTION("unreadable bodies give an empty code and keep the status") {
    const std::string bodies[] = {"",
                                  "<html>Forbidden</html>",
                                  "[1]",
                                  R"({"error":"KEY_REVOKED"})",
                                  nested_objects(40),
                                  std::string(core::kMaxBodyBytes + 1, ' ')};
    for (const auto& b : bodies) {
      INFO(b.substr(0, 60));
      core::ApiError e;
      REQUIRE_NOTHROW(e = core::parse_api_error(503, b));
      CHECK(e.http_status == 503);
      CHECK(e.code.empty());
      CHECK(e.limit == 0);
    }
  }
}

TEST_CASE("classify maps status and code to what they mean for a session", "[unit][protocol]") {
  struct Case {
    int status;
    const char* code;
    AnswerKind kind;
  };
  const Case cases[] = {
      {200, "", AnswerKind::ok},
      {201, "", AnswerKind::ok},
      {204, "", AnswerKind::ok},
      {0, "", AnswerKind::offline},
      {500, "", AnswerKind::offline},
      {502, "", AnswerKind::offline},
      {503, "SERVICE_UNAVAILABLE", AnswerKind::offline},
      {429, "RATE_LIMITED", AnswerKind::offline},
      {408, "", AnswerKind::offline},
      {402, "INSUFFICIENT_BALANCE", AnswerKind::insufficient},
      {401, "TOKEN_EXPIRED", AnswerKind::token_invalid},
      {401, "INVALID_TOKEN", AnswerKind::token_invalid},
      {401, "INVALID_API_SECRET", AnswerKind::auth_failed},
      {401, "", AnswerKind::auth_failed},
      {403, "KEY_REVOKED", AnswerKind::revoked},
      {403, "CONCURRENCY_LIMIT_REACHED", AnswerKind::concurrency},
      {422, "IDEMPOTENCY_MISMATCH", AnswerKind::mismatch},
      {422, "VALIDATION_ERROR", AnswerKind::rejected},
      {400, "", AnswerKind::rejected},
      {404, "", AnswerKind::rejected},
      {301, "", AnswerKind::rejected},
  };
  for (const auto& c : cases) {
    INFO(c.status << " " << c.code);
    CHECK(core::classify(c.status, c.code) == c.kind);
  }
}

// Was a bug (fixed): classify() maps every 403 that is not CONCURRENCY_LIMIT_REACHED to `revoked`, and a
// `revoked` answer *acknowledges* the heartbeat's usage (it is never resent). A 403 from
// something that is not our server (a corporate proxy or WAF answering an HTML page) thus
// silently drops usage and pauses the session for "authentication_failed". docs/PROTOCOL.md lists
// only KEY_REVOKED (usage acknowledged) and CONCURRENCY_LIMIT_REACHED for 403.
TEST_CASE("a 403 without a known code is not a key revocation", "[unit][protocol]") {
  CHECK(core::classify(403, "") == AnswerKind::rejected);
  CHECK(core::classify(403, "FORBIDDEN") == AnswerKind::rejected);
}

TEST_CASE("decode_answer reads an answer once: its kind, and a body only where the kind has one",
          "[unit][protocol]") {
  using Kind = core::Outgoing::Kind;
  const std::string ack = R"({"data":{"balance":7.5,"credits_charged":0.5},"status":"success"})";
  const std::string err402 =
      R"({"error":{"code":"INSUFFICIENT_BALANCE","message":"m","httpStatus":402},"balance":-1,"credits_charged":2})";

  SECTION("a 2xx heartbeat answer is an acknowledgement") {
    const auto a = core::decode_answer(Kind::heartbeat, 200, ack, "", "", 0);
    CHECK(a.kind == AnswerKind::ok);
    REQUIRE(a.ack.has_value());
    CHECK(a.ack->balance == 7.5);
  }
  SECTION("an unreadable 2xx is offline (a captive portal), with the reason kept for logs") {
    const auto a = core::decode_answer(Kind::heartbeat, 200, "<html>", "", "", 0);
    CHECK(a.kind == AnswerKind::offline);
    CHECK_FALSE(a.ack.has_value());
    CHECK(a.error.find("unreadable answer") == 0);
  }
  SECTION("a 402 acknowledges the usage it answers") {
    const auto a = core::decode_answer(Kind::heartbeat, 402, err402, "", "", 0);
    CHECK(a.kind == AnswerKind::insufficient);
    CHECK(a.api_error.code == "INSUFFICIENT_BALANCE");
    REQUIRE(a.ack.has_value());
    CHECK(a.ack->credits_charged == 2);
  }
  SECTION("a 403 that is not KEY_REVOKED carries no acknowledgement") {
    const auto a = core::decode_answer(Kind::heartbeat, 403, R"({"error":{"code":"FORBIDDEN"}})", "", "", 0);
    CHECK(a.kind == AnswerKind::rejected);
    CHECK_FALSE(a.ack.has_value());
  }
  SECTION("a 429 keeps its Retry-After") {
    const auto a = core::decode_answer(Kind::release, 429, "", "7", "", 0);
    CHECK(a.kind == AnswerKind::offline);
    REQUIRE(a.api_error.retry_after.has_value());
    CHECK(*a.api_error.retry_after == std::chrono::milliseconds(7000));
  }
  SECTION("no answer at all is offline and keeps the transport's reason") {
    const auto a = core::decode_answer(Kind::heartbeat, 0, "", "", "Connection refused", 0);
    CHECK(a.kind == AnswerKind::offline);
    CHECK(a.error == "Connection refused");
  }
  SECTION("a token exchange's 2xx is a grant, never an ack") {
    const std::string grant =
        R"({"token":"a.b.c","session_id":"s","expires_at":1,"heartbeat_interval_s":60,"offline_grace_s":300,)"
        R"("credits_per_minute":2,"balance":10})";
    const auto a = core::decode_answer(Kind::token_exchange, 200, grant, "", "", 0);
    CHECK(a.kind == AnswerKind::ok);
    REQUIRE(a.grant.has_value());
    CHECK(a.grant->session_id == "s");
    CHECK_FALSE(a.ack.has_value());
  }
}

TEST_CASE("session ids: 1-128 of [A-Za-z0-9._:-]", "[unit][protocol]") {
  CHECK(core::valid_session_id("a"));
  CHECK(core::valid_session_id("AZaz09._:-"));
  CHECK(core::valid_session_id(std::string(128, 'x')));
  CHECK_FALSE(core::valid_session_id(""));
  CHECK_FALSE(core::valid_session_id(std::string(129, 'x')));
  for (const char* bad : {"a b", "a/b", "a\"b", "ä", "a\nb", "a@b"}) {
    INFO(bad);
    CHECK_FALSE(core::valid_session_id(bad));
  }
}

TEST_CASE("error_answer_status: the status a handed-over error body stands for", "[unit][protocol]") {
  // The envelope's own status first (httpStatus inside error, else a top-level status_code).
  CHECK(core::error_answer_status(R"({"error":{"code":"X","httpStatus":429}})") == 429);
  CHECK(core::error_answer_status(R"({"status_code":503,"error":{"code":"X"}})") == 503);
  // A status outside 400-599 or not whole is no status: the code decides.
  CHECK(core::error_answer_status(R"({"error":{"code":"INSUFFICIENT_BALANCE","httpStatus":200}})") == 402);
  CHECK(core::error_answer_status(R"({"error":{"code":"KEY_REVOKED","httpStatus":402.5}})") == 403);
  // The protocol's codes, each with its one status.
  CHECK(core::error_answer_status(R"({"error":{"code":"INVALID_API_SECRET"}})") == 401);
  CHECK(core::error_answer_status(R"({"error":{"code":"TOKEN_EXPIRED"}})") == 401);
  CHECK(core::error_answer_status(R"({"error":{"code":"CONCURRENCY_LIMIT_REACHED"}})") == 403);
  CHECK(core::error_answer_status(R"({"error":{"code":"RATE_LIMITED"}})") == 429);
  // No error envelope, an unknown code, or no JSON at all: 0 (not an error body).
  CHECK(core::error_answer_status(R"({"data":{"token":"t"}})") == 0);
  CHECK(core::error_answer_status(R"({"error":{"code":"SOMETHING_ELSE"}})") == 0);
  CHECK(core::error_answer_status(R"({"error":"INSUFFICIENT_BALANCE"})") == 0);
  CHECK(core::error_answer_status("not json") == 0);
  CHECK(core::error_answer_status("") == 0);
}
