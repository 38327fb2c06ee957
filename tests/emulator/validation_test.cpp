// Bad input never crashes the emulator: every malformed request gets a 4xx JSON error in
// the envelope, and the server keeps serving.
#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;
using nlohmann::json;

namespace {

void check_error(const HttpResponse& response, int status, const std::string& code = "") {
  INFO("answer: " << response.status << " " << response.body << response.error);
  CHECK(response.status == status);
  const auto body = response.json();
  REQUIRE(body.is_object());
  CHECK(body["status"] == "error");
  CHECK(body["status_code"] == status);
  CHECK(body["error"]["httpStatus"] == status);
  if (!code.empty()) CHECK(body["error"]["code"] == code);
}

bool alive(EmulatorProcess& emulator) {
  int status = 0;
  return waitpid(emulator.pid(), &status, WNOHANG) == 0 && emulator.ledger().is_object();
}

}  // namespace

TEST_CASE("malformed JSON, wrong types, missing fields and negative numbers are 400", "[emulator][http][validation]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 10);
  auto session = start_session(emulator, "s");
  const std::string base = emulator.base_url();
  const HttpHeaders secret = {{"api-secret", "s"}};
  const HttpHeaders bearer = {{"Authorization", "Bearer " + session.token}, {"Idempotency-Key", session.id + ":1"}};

  for (const std::string bad : {"{", "[1,2]", "\"text\"", "{\"a\":}", "\xff\xfe{}", "nul"}) {
    check_error(http_request("POST", base + "/v1/runtime-tokens/request", secret, bad), 400);
    check_error(http_request("POST", base + "/v1/runtime-tokens/heartbeat", bearer, bad), 400);
    check_error(http_request("POST", base + "/v1/runtime-tokens/release", bearer, bad), 400);
    check_error(http_request("POST", base + "/admin/accounts", {}, bad), 400);
    check_error(http_request("POST", base + "/admin/faults", {}, bad), 400);
  }
  check_error(http_request("POST", base + "/v1/runtime-tokens/request", secret, "{"), 400, "INVALID_JSON");
  check_error(exchange(emulator, "s", {{"model", 5}}), 400, "INVALID_REQUEST");
  check_error(exchange(emulator, "s", {{"session_id", json::array()}}), 400, "INVALID_REQUEST");

  const auto good = usage_body(session.id, 1, 100);
  for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{
           {"seq", "1"}, {"seq", -1}, {"seq", 1.5}, {"active_ms", -1}, {"active_ms", true},
           {"active_ms", 1e300}, {"session_id", 7}, {"period_start", 0}, {"period_end", "later"}}) {
    auto body = good;
    body[field] = value;
    INFO(field << " = " << value.dump());
    check_error(post_usage(emulator, "heartbeat", session.token, body, session.id + ":1"), 400);
  }
  for (const std::string field : {"session_id", "seq", "active_ms", "period_start"}) {
    auto body = good;
    body.erase(field);
    check_error(post_usage(emulator, "heartbeat", session.token, body, session.id + ":1"), 400);
  }
  check_error(post_usage(emulator, "heartbeat", session.token, good, ""), 400, "MISSING_IDEMPOTENCY_KEY");
  check_error(post_usage(emulator, "heartbeat", session.token, good, "other:1"), 400, "INVALID_IDEMPOTENCY_KEY");
  check_error(http_request("POST", base + "/v1/runtime-tokens/heartbeat", {{"Idempotency-Key", session.id + ":1"}}, good.dump()),
              401, "INVALID_TOKEN");
  check_error(http_request("POST", base + "/admin/accounts", {}, json{{"api_secret", "x"}, {"balance", -1e30}}.dump()), 400);
  check_error(http_request("POST", base + "/admin/accounts/topup", {}, json{{"api_secret", "s"}, {"credits", -5}}.dump()), 400);
  check_error(http_request("POST", base + "/admin/accounts/topup", {}, json{{"api_secret", "s"}}.dump()), 400);
  check_error(http_request("POST", base + "/admin/config", {}, json{{"heartbeat_interval_s", -1}}.dump()), 400);
  check_error(http_request("POST", base + "/admin/faults", {}, json{{"mode", "status"}, {"status", "x"}}.dump()), 400);
  check_error(http_request("GET", base + "/admin/accounts?api_secret=nobody"), 404, "ACCOUNT_NOT_FOUND");
  check_error(http_request("GET", base + "/admin/accounts"), 400);
  check_error(http_request("GET", base + "/no/such/path"), 404, "NOT_FOUND");
  check_error(http_request("GET", base + "/v1/runtime-tokens/heartbeat"), 404);

  // Deep nesting is parsed and freed without recursion trouble.
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  check_error(http_request("POST", base + "/v1/runtime-tokens/request", secret, deep), 400);

  CHECK(emulator.ledger_session(session.id)["active_ms"] == 0);
  CHECK(alive(emulator));
  CHECK(heartbeat(emulator, session, 100).status == 200);
}

TEST_CASE("huge bodies are 413 and the server stays up", "[emulator][http][validation]") {
  EmulatorProcess emulator;
  emulator.create_account("s", "free", 10);
  auto session = start_session(emulator, "s");
  const std::string base = emulator.base_url();
  const std::string huge = "{\"pad\":\"" + std::string(200 * 1024, 'x') + "\"}";
  check_error(http_request("POST", base + "/v1/runtime-tokens/request", {{"api-secret", "s"}}, huge), 413, "PAYLOAD_TOO_LARGE");
  check_error(http_request("POST", base + "/v1/runtime-tokens/heartbeat",
                           {{"Authorization", "Bearer " + session.token}, {"Idempotency-Key", session.id + ":1"}}, huge),
              413);
  check_error(http_request("POST", base + "/admin/accounts", {}, huge), 413);
  // The api-secret is checked first: a huge body with a bad secret is a 401.
  check_error(http_request("POST", base + "/v1/runtime-tokens/request", {{"api-secret", "bad"}}, huge), 401, "INVALID_API_SECRET");
  // Just under the cap is read and parsed normally.
  const std::string big = "{\"pad\":\"" + std::string(60 * 1024, 'x') + "\"}";
  CHECK(http_request("POST", base + "/v1/runtime-tokens/request", {{"api-secret", "s"}}, big).status == 200);
  CHECK(alive(emulator));
}
