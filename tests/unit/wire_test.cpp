// The wire seam (src/wire.*): requests for this client's server and credentials, the one
// reading of answers, the token provider, and the typed errors of the synchronous calls.

#include <catch2/catch.hpp>

#include "app_transport.hpp"
#include "client_harness.hpp"
#include "creditmeter/errors.hpp"
#include "wire.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBase = "https://billing.example";
constexpr const char* kSecret = "sk_wire_secret_987";

detail::Wire secret_wire() { return detail::Wire(kBase, kSecret, nullptr, 15s); }

bool has_header(const detail::HttpRequest& r, const std::string& header) {
  for (const auto& h : r.headers) {
    if (h == header) return true;
  }
  return false;
}

core::Outgoing heartbeat() {
  core::Outgoing out;
  out.kind = core::Outgoing::Kind::heartbeat;
  out.seq = 3;
  out.idempotency_key = "s-1:3";
  out.body = R"({"session_id":"s-1"})";
  return out;
}

}  // namespace

TEST_CASE("wire: a heartbeat carries the bearer token and its key, and times out within an interval",
          "[unit][wire]") {
  const detail::Wire wire = secret_wire();
  const detail::HttpRequest r = wire.request(heartbeat(), "tok.en.x", 60s);
  CHECK(r.method == "POST");
  CHECK(r.url == std::string(kBase) + "/v1/runtime-tokens/heartbeat");
  CHECK(has_header(r, "Authorization: Bearer tok.en.x"));
  CHECK(has_header(r, "Idempotency-Key: s-1:3"));
  // JSON both ways, stated by the wire (an app's own HTTP stack adds nothing of its own).
  CHECK(has_header(r, "Content-Type: application/json"));
  CHECK(has_header(r, "Accept: application/json"));
  CHECK_FALSE(has_header(r, std::string("api-secret: ") + kSecret));  // the secret stays home
  CHECK(r.body == heartbeat().body);
  CHECK(r.timeout == 15s);                                   // request_timeout < interval
  CHECK(wire.request(heartbeat(), "t", 5s).timeout == 5s);     // a hung request never outlives the interval
  CHECK(wire.request(heartbeat(), "t", 50ms).timeout == 1s);   // but gets at least a second

  core::Outgoing release = heartbeat();
  release.kind = core::Outgoing::Kind::release;
  CHECK(wire.request(release, "t", 60s).url == std::string(kBase) + "/v1/runtime-tokens/release");
}

TEST_CASE("wire: a token exchange carries the API secret and the full request timeout", "[unit][wire]") {
  const detail::Wire wire = secret_wire();
  core::Outgoing ex;
  ex.kind = core::Outgoing::Kind::token_exchange;
  ex.body = "{}";
  const detail::HttpRequest r = wire.request(ex, "", 1s);
  CHECK(r.url == std::string(kBase) + "/v1/runtime-tokens/request");
  CHECK(has_header(r, std::string("api-secret: ") + kSecret));
  CHECK(r.timeout == 15s);
}

TEST_CASE("wire: the token provider's answer looks like an HTTP 200, its failure like no answer",
          "[unit][wire]") {
  SECTION("an answer") {
    const detail::Wire wire(kBase, "", [](const std::string& sid) { return "{\"for\":\"" + sid + "\"}"; }, 15s);
    CHECK(wire.provides_tokens());
    const detail::HttpResponse r = wire.provide_token("s-9");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"for":"s-9"})");
  }
  SECTION("a refusal, with the secret scrubbed from its words") {
    const detail::Wire wire(kBase, kSecret,
                            [](const std::string&) -> std::string {
                              throw std::runtime_error(std::string("backend said no to ") + kSecret);
                            },
                            15s);
    const detail::HttpResponse r = wire.provide_token("s-9");
    CHECK(r.status == 0);
    CHECK(r.error.find("token provider failed") == 0);
    CHECK(r.error.find(kSecret) == std::string::npos);
    CHECK(detail::Wire::answer(core::Outgoing::Kind::token_exchange, r, 0).kind == core::AnswerKind::offline);
  }
  CHECK_FALSE(secret_wire().provides_tokens());
}

TEST_CASE("wire: a refused start becomes its typed error, without the secret", "[unit][wire]") {
  auto app = std::make_shared<FakeTransport>();
  ManualClock clock;
  detail::AppTransport transport(app, clock);  // as the Client wraps an app's stack
  const detail::Wire wire = secret_wire();
  auto answer_with = [&](detail::HttpResponse response) {
    app->set_sync_handler([response](const detail::HttpRequest&) { return response; });
  };
  auto start = [&] { (void)wire.exchange(transport, "s-1", "essence", "cloud"); };

  answer_with(error_response(401, "INVALID_API_SECRET", {{"message", std::string("bad ") + kSecret}}));
  try {
    start();
    FAIL("no exception");
  } catch (const AuthenticationError& e) {
    CHECK(std::string(e.what()).find(kSecret) == std::string::npos);
    CHECK(e.code() == "INVALID_API_SECRET");
    CHECK(e.http_status() == 401);
  }
  answer_with(error_response(402, "INSUFFICIENT_BALANCE"));
  CHECK_THROWS_AS(start(), InsufficientCredits);
  answer_with(error_response(403, "CONCURRENCY_LIMIT_REACHED", {{"limit", 2}}));
  try {
    start();
    FAIL("no exception");
  } catch (const ConcurrencyLimitError& e) {
    CHECK(e.limit() == 2);
  }
  answer_with(error_response(403, "KEY_REVOKED"));
  CHECK_THROWS_AS(start(), AuthenticationError);
  answer_with(error_response(503, "UNAVAILABLE"));
  CHECK_THROWS_AS(start(), NetworkError);
  detail::HttpResponse nothing;
  nothing.error = "Connection refused";
  answer_with(nothing);
  CHECK_THROWS_WITH(start(), Catch::Contains("no answer from") && Catch::Contains("Connection refused"));
  detail::HttpResponse portal;
  portal.status = 200;
  portal.body = "<html>";
  answer_with(portal);
  CHECK_THROWS_WITH(start(), Catch::Contains("unreadable answer"));
}

TEST_CASE("wire: the credit summary needs the API secret", "[unit][wire]") {
  auto app = std::make_shared<FakeTransport>();
  ManualClock clock;
  detail::AppTransport transport(app, clock);
  const detail::Wire secretless(kBase, "", [](const std::string&) { return std::string("{}"); }, 15s);
  CHECK_THROWS_AS(secretless.credit_summary(transport), InvalidArgument);
  CHECK(app->sync_requests().empty());
}
