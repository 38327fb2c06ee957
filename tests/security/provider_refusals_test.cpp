// A token provider that hands over its backend's refusal (the body of a 402, a 401, a 403 as
// the server wrote it): the start fails with the refusal's typed error, said to come through
// the provider, and a re-attach refused so is an authentication failure, never an outage.
// The backend here is the test, asking a real emulator with the secret.

#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include <nlohmann/json.hpp>

#include "security_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// The app's backend: POST /v1/runtime-tokens/request with the secret, whatever it answers.
std::string backend_answer(const EmulatorProcess& emu, const std::string& secret, const std::string& session_id) {
  const auto r = http_request("POST", emu.base_url() + "/v1/runtime-tokens/request",
                              {{"api-secret", secret}, {"Content-Type", "application/json"}},
                              nlohmann::json{{"session_id", session_id}}.dump());
  return r.body;
}

ClientOptions secretless(const EmulatorProcess& emu, const TempDir& state, TokenProvider provider) {
  ClientOptions o;
  o.base_url = emu.base_url();
  o.journal_dir = state.path();
  o.token_provider = std::move(provider);
  return o;
}

// The error a start fails with, as the base class, after checking its type.
template <typename E>
void check_start_fails(Client& client, int http_status, const std::string& code) {
  try {
    client.start_session();
    FAIL("started");
  } catch (const E& e) {
    const std::string w = e.what();
    CHECK(e.http_status() == http_status);
    CHECK(e.code() == code);
    CHECK(w.find("token provider") != std::string::npos);
    CHECK(w.find("unusable") == std::string::npos);
    CHECK(w.find("unreadable") == std::string::npos);
  }
}

}  // namespace

TEST_CASE("a token provider's handed-over refusal fails the start with its typed error", "[security][provider]") {
  EmulatorProcess emu;
  TempDir state;
  emu.create_account("sk_prov_poor", "free", 0);
  emu.create_account("sk_prov_busy", "creator", 100, 1);
  emu.create_account("sk_prov_revoked", "creator", 100);
  emu.revoke("sk_prov_revoked");
  std::string secret;
  Client client(secretless(emu, state, [&](const std::string& id) { return backend_answer(emu, secret, id); }));

  secret = "sk_prov_poor";
  check_start_fails<InsufficientCredits>(client, 402, "INSUFFICIENT_BALANCE");
  secret = "sk_prov_unknown";
  check_start_fails<AuthenticationError>(client, 401, "INVALID_API_SECRET");
  secret = "sk_prov_revoked";
  check_start_fails<AuthenticationError>(client, 403, "KEY_REVOKED");
  secret = "sk_prov_busy";
  auto first = client.start_session();
  try {
    client.start_session();
    FAIL("started past the plan's limit");
  } catch (const ConcurrencyLimitError& e) {
    CHECK(e.limit() == 1);
    CHECK(e.http_status() == 403);
  }
  emu.fault({{"mode", "status"}, {"status", 503}, {"count", 1}});
  check_start_fails<NetworkError>(client, 503, "SERVICE_UNAVAILABLE");
  first->stop();
}

TEST_CASE("a bare error object from a token provider is typed by its code", "[security][provider]") {
  EmulatorProcess emu;
  TempDir state;
  std::string answer;
  Client client(secretless(emu, state, [&](const std::string&) { return answer; }));
  answer = R"({"error":{"code":"INSUFFICIENT_BALANCE","message":"top up"}})";
  check_start_fails<InsufficientCredits>(client, 402, "INSUFFICIENT_BALANCE");
  answer = R"({"error":{"code":"CONCURRENCY_LIMIT_REACHED","limit":3}})";
  check_start_fails<ConcurrencyLimitError>(client, 403, "CONCURRENCY_LIMIT_REACHED");
  // A status in the envelope wins over the code's.
  answer = R"({"error":{"code":"WHATEVER","httpStatus":402},"status":"error"})";
  check_start_fails<InsufficientCredits>(client, 402, "WHATEVER");
  // No status and an unknown code: unusable, naming what it held.
  answer = R"({"error":{"code":"NO_IDEA","message":"hm"}})";
  CHECK_THROWS_WITH(client.start_session(), Catch::Contains("unusable") && Catch::Contains("NO_IDEA: hm"));
}

TEST_CASE("a re-attach refused through the token provider pauses billing, not offline", "[security][provider]") {
  EmulatorProcess emu;
  TempDir state;
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 30}});
  emu.create_account("sk_prov_reattach", "creator", 100);
  std::atomic<bool> rotated{false};  // the backend's secret was rotated away after the start
  ClientOptions o = secretless(emu, state, [&](const std::string& id) {
    return backend_answer(emu, rotated ? "sk_prov_rotated_away" : "sk_prov_reattach", id);
  });
  o.min_heartbeat_interval = 100ms;
  Client client(o);
  auto s = client.start_session();
  rotated = true;
  // The next heartbeat's token is refused: the client re-attaches through the provider,
  // which hands over the backend's 401 INVALID_API_SECRET.
  emu.fault({{"mode", "status"}, {"status", 401}, {"code", "TOKEN_EXPIRED"},
             {"path", "/v1/runtime-tokens/heartbeat"}, {"count", 1}});
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_billing; }, 10s));
  CHECK(s->reason() == Reason::authentication_failed);
}
