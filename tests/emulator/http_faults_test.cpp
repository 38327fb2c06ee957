// What faults do to real connections (http_faults.cpp and the shell), through the binary:
// every fault mode, apply, session scoping, Retry-After forms, and hung requests that must
// never block the admin API or other sessions. The rules themselves (faults.cpp) are
// unit-tested in faults_test.cpp.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "protocol_helpers.hpp"

using namespace creditmeter::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

struct Fixture {
  EmulatorProcess emulator;
  WireSession session;
  Fixture() {
    emulator.create_account("s", "pro", 100);
    session = start_session(emulator, "s");
  }
  json row() { return emulator.ledger_session(session.id); }
  // Waits until every rule with a `count` has fired (they remove themselves).
  bool rules_consumed() {
    return wait_until([&] { return emulator.admin("GET", "/admin/faults")["faults"].empty(); }, 5s);
  }
};

}  // namespace

TEST_CASE("fault refuse: the connection closes with no answer and nothing is processed", "[emulator][faults]") {
  Fixture f;
  const auto rule = f.emulator.fault({{"mode", "refuse"}});
  CHECK(rule["mode"] == "refuse");
  const auto body = usage_body(f.session.id, 1, 60'000);
  auto response = post_usage(f.emulator, "heartbeat", f.session.token, body);
  CHECK(response.status == 0);
  CHECK(!response.error.empty());
  CHECK(exchange(f.emulator, "s").status == 0);  // every non-admin path
  CHECK(credit_summary(f.emulator, "s").status == 0);
  CHECK(f.row()["active_ms"] == 0);
  f.emulator.clear_faults();
  response = post_usage(f.emulator, "heartbeat", f.session.token, body);
  CHECK(response.status == 200);
  CHECK(f.row()["replays"] == 0);
}

TEST_CASE("fault refuse with apply: processed and charged, the retry is a replay", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "refuse"}, {"apply", true}, {"count", 1}});
  const auto body = usage_body(f.session.id, 1, 60'000);
  CHECK(post_usage(f.emulator, "heartbeat", f.session.token, body).status == 0);
  CHECK(f.row()["active_ms"] == 60'000);  // the acknowledgement was lost, not the usage
  const auto retry = post_usage(f.emulator, "heartbeat", f.session.token, body);
  CHECK(retry.status == 200);
  CHECK(retry.json()["data"]["credits_charged"] == 2);
  CHECK(f.row()["replays"] == 1);
  CHECK(f.row()["active_ms"] == 60'000);
}

TEST_CASE("fault status: code, Retry-After in seconds and as an HTTP-date, apply", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "status"}, {"count", 1}});
  auto response = credit_summary(f.emulator, "s");
  CHECK(response.status == 503);
  CHECK(response.error_code() == "SERVICE_UNAVAILABLE");
  CHECK(response.json()["status_code"] == 503);

  f.emulator.fault({{"mode", "status"}, {"status", 429}, {"retry_after", 7}, {"count", 1}});
  response = exchange(f.emulator, "s");
  CHECK(response.status == 429);
  CHECK(response.error_code() == "RATE_LIMITED");
  CHECK(response.header("Retry-After") == "7");

  const std::string date = "Wed, 21 Oct 2026 07:28:00 GMT";
  f.emulator.fault({{"mode", "status"}, {"status", 503}, {"code", "MAINTENANCE"}, {"retry_after", date}, {"count", 1}});
  response = post_usage(f.emulator, "heartbeat", f.session.token, usage_body(f.session.id, 1, 60'000));
  CHECK(response.status == 503);
  CHECK(response.error_code() == "MAINTENANCE");
  CHECK(response.header("Retry-After") == date);
  CHECK(f.row()["active_ms"] == 0);  // not applied: nothing recorded

  f.emulator.fault({{"mode", "status"}, {"status", 500}, {"apply", true}, {"count", 1}});
  const auto body = usage_body(f.session.id, 2, 30'000);
  response = post_usage(f.emulator, "heartbeat", f.session.token, body);
  CHECK(response.status == 500);
  CHECK(f.row()["active_ms"] == 30'000);
  response = post_usage(f.emulator, "heartbeat", f.session.token, body);
  CHECK(response.status == 200);
  CHECK(f.row()["replays"] == 1);
}

TEST_CASE("fault status with apply spoils only answers that were processed and charged", "[emulator][faults]") {
  // An expired or invalid token is refused for real: the client must see that 401 (and
  // re-attach), not a spoiled 402/403, which would acknowledge usage the ledger lacks.
  Fixture f;
  f.emulator.fault({{"mode", "status"}, {"status", 403}, {"code", "KEY_REVOKED"}, {"apply", true}});
  auto response = post_usage(f.emulator, "heartbeat", "not-a-token", usage_body(f.session.id, 1, 60'000));
  CHECK(response.status == 401);
  CHECK(f.row()["active_ms"] == 0);
  // A request that is processed and charged is spoiled as asked.
  response = post_usage(f.emulator, "heartbeat", f.session.token, usage_body(f.session.id, 1, 60'000));
  CHECK(response.status == 403);
  CHECK(response.error_code() == "KEY_REVOKED");
  CHECK(f.row()["active_ms"] == 60'000);
  f.emulator.clear_faults();
}

TEST_CASE("fault hang: no answer, the connection closes after hang_ms", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "hang"}, {"hang_ms", 300}});
  const auto started = Clock::now();
  const auto response = post_usage(f.emulator, "heartbeat", f.session.token, usage_body(f.session.id, 1, 1000));
  const auto elapsed = Clock::now() - started;
  CHECK(response.status == 0);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3s);
  CHECK(f.row()["active_ms"] == 0);
}

TEST_CASE("fault hang until cleared, with apply", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "hang"}, {"apply", true}, {"count", 1}});
  const auto body = usage_body(f.session.id, 1, 60'000);
  auto pending = std::async(std::launch::async, [&] {
    return post_usage(f.emulator, "heartbeat", f.session.token, body, std::nullopt, 20s);
  });
  REQUIRE(f.rules_consumed());
  CHECK(wait_until([&] { return f.row()["active_ms"] == 60'000; }, 5s));  // applied before hanging
  CHECK(pending.wait_for(100ms) == std::future_status::timeout);         // still hung
  const auto cleared_at = Clock::now();
  f.emulator.clear_faults();
  const auto response = pending.get();
  CHECK(response.status == 0);
  CHECK(Clock::now() - cleared_at < 3s);
  CHECK(post_usage(f.emulator, "heartbeat", f.session.token, body).status == 200);
  CHECK(f.row()["replays"] == 1);
}

TEST_CASE("fault reset_mid_body: headers and part of the body, then a reset", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "reset_mid_body"}, {"count", 1}});
  auto response = post_usage(f.emulator, "heartbeat", f.session.token, usage_body(f.session.id, 1, 60'000));
  CHECK(response.status == 0);
  CHECK(f.row()["active_ms"] == 0);

  f.emulator.fault({{"mode", "reset_mid_body"}, {"apply", true}, {"count", 1}});
  const auto body = usage_body(f.session.id, 2, 60'000);
  response = post_usage(f.emulator, "heartbeat", f.session.token, body);
  CHECK(response.status == 0);
  CHECK(f.row()["active_ms"] == 60'000);
  CHECK(post_usage(f.emulator, "heartbeat", f.session.token, body).status == 200);
  CHECK(f.row()["replays"] == 1);
}

TEST_CASE("fault slow: the whole answer arrives, trickled over hang_ms", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "slow"}, {"hang_ms", 500}, {"count", 1}});
  const auto started = Clock::now();
  const auto response = post_usage(f.emulator, "heartbeat", f.session.token, usage_body(f.session.id, 1, 60'000));
  const auto elapsed = Clock::now() - started;
  CHECK(response.status == 200);
  CHECK(response.json()["data"]["credits_charged"] == 2);
  CHECK(elapsed >= 400ms);
  CHECK(elapsed < 3s);
  CHECK(f.row()["active_ms"] == 60'000);
}

TEST_CASE("fault session_id scoping: only that session's requests fail", "[emulator][faults]") {
  Fixture f;
  auto other = start_session(f.emulator, "s");
  f.emulator.fault({{"mode", "status"}, {"status", 503}, {"session_id", f.session.id}});
  CHECK(heartbeat(f.emulator, other, 1000).status == 200);
  CHECK(heartbeat(f.emulator, f.session, 1000).status == 503);
  CHECK(exchange(f.emulator, "s").status == 200);  // no session: not matched
  // Matched from the body of a re-attach too.
  CHECK(exchange(f.emulator, "s", {{"session_id", f.session.id}}).status == 503);
  f.emulator.clear_faults();
  CHECK(f.emulator.admin("GET", "/admin/faults")["faults"].empty());
}

TEST_CASE("several rules coexist: first match wins, path filter, DELETE clears all", "[emulator][faults]") {
  Fixture f;
  f.emulator.fault({{"mode", "status"}, {"status", 502}, {"path", "/v2/credit-summaries"}});
  f.emulator.fault({{"mode", "status"}, {"status", 504}});
  CHECK(credit_summary(f.emulator, "s").status == 502);
  CHECK(exchange(f.emulator, "s").status == 504);
  CHECK(f.emulator.admin("GET", "/admin/faults")["faults"].size() == 2);
  f.emulator.clear_faults();
  CHECK(credit_summary(f.emulator, "s").status == 200);
}

TEST_CASE("eight hung requests block neither the admin API nor other sessions", "[emulator][faults]") {
  Fixture f;
  auto other = start_session(f.emulator, "s");
  constexpr int kHung = 10;
  f.emulator.fault({{"mode", "hang"}, {"session_id", f.session.id}, {"count", kHung}});
  std::vector<std::future<HttpResponse>> hung;
  for (int i = 0; i < kHung; ++i) {
    hung.push_back(std::async(std::launch::async, [&f, i] {
      return post_usage(f.emulator, "heartbeat", f.session.token, usage_body(f.session.id, 100 + i, 1000), std::nullopt, 20s);
    }));
  }
  REQUIRE(f.rules_consumed());  // all of them reached the server and hang there
  const auto started = Clock::now();
  CHECK(f.emulator.ledger()["sessions"].size() == 2);
  CHECK(heartbeat(f.emulator, other, 1000).status == 200);
  CHECK(exchange(f.emulator, "s").status == 200);
  f.emulator.create_account("more", "free", 1);
  CHECK(Clock::now() - started < 1s);
  for (auto& request : hung) CHECK(request.wait_for(0ms) == std::future_status::timeout);
  f.emulator.clear_faults();
  for (auto& request : hung) CHECK(request.get().status == 0);
}
