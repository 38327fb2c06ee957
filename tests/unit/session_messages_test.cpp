// session_messages (src/core/session_messages.cpp): what a session says to people. Apps show
// these messages to users: each names what would lift a pause, and none leaks a secret.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "core/session_messages.hpp"
#include "session_machine_rig.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using creditmeter::LogLevel;
using creditmeter::Reason;
using creditmeter::SessionState;
using creditmeter::StateChange;

TEST_CASE("state messages say what happened and what lifts a pause", "[unit][messages]") {
  CHECK(core::state_message(SessionState::active, Reason::user, 300s, 0) == "resumed");
  CHECK(core::state_message(SessionState::active, Reason::none, 300s, 0) ==
        "billing confirmed by the server; rendering");
  CHECK(core::state_message(SessionState::stopped, Reason::stopped, 300s, 0) == "stopped");
  CHECK(core::state_message(SessionState::paused_by_user, Reason::user, 300s, 0) == "paused by the application");
  CHECK(core::state_message(SessionState::paused_offline, Reason::grace_expired, 300s, 0) ==
        "no acknowledged heartbeat for 300 s (the offline grace): rendering pauses until the server is "
        "reachable again");
  CHECK(core::state_message(SessionState::paused_billing, Reason::insufficient_credits, 300s, -0.0166) ==
        "out of credits (balance -0.017 credits): top up credits; the session resumes on the next heartbeat "
        "after it");
  CHECK(core::state_message(SessionState::paused_billing, Reason::authentication_failed, 300s, 0).find(
            "API secret") != std::string::npos);
  CHECK(core::state_message(SessionState::paused_billing, Reason::spend_cap, 300s, 0).find("max_credits") !=
        std::string::npos);
  CHECK(core::state_message(SessionState::paused_billing, Reason::journal_full, 300s, 0).find("disk space") !=
        std::string::npos);
}

TEST_CASE("describe: the status and code of an answer, or its transport error", "[unit][messages]") {
  core::Answer a;
  CHECK(core::describe(a) == "no answer");
  a.error = "Connection refused";
  CHECK(core::describe(a) == "Connection refused");
  a = cmtest::status(503, "UNAVAILABLE");
  CHECK(core::describe(a) == "HTTP 503 UNAVAILABLE");
  CHECK(core::describe(cmtest::unreadable_2xx()) ==
        "HTTP 200 (unreadable answer: server answer is not a JSON object)");
}

TEST_CASE("a state change line is info when expected, a warning when not", "[unit][messages]") {
  StateChange c{SessionState::active, SessionState::paused_by_user, Reason::user, "paused by the application"};
  auto line = core::state_change_line("s1", c);
  CHECK(line.level == LogLevel::info);
  CHECK(line.message == "session s1: active -> paused_by_user (user): paused by the application");
  c = StateChange{SessionState::active, SessionState::paused_offline, Reason::grace_expired, "m"};
  CHECK(core::state_change_line("s1", c).level == LogLevel::warning);
}

TEST_CASE("decision lines name the session, the request and the answer", "[unit][messages]") {
  CHECK(core::low_balance_line("s1", 4.5).message == "session s1: low balance (4.500 credits)");
  CHECK(core::spend_cap_line("s1", 2).level == LogLevel::warning);
  CHECK(core::spend_cap_line("s1", 2).message == "session s1: spending cap of 2.000 credits reached");
  CHECK(core::token_refused_line("s1", cmtest::status(401, "TOKEN_EXPIRED")).message ==
        "session s1: token refused (TOKEN_EXPIRED); re-attaching");
  CHECK(core::mismatch_line("s1", "heartbeat", 4, 1500).message ==
        "session s1: heartbeat seq 4 refused as an idempotency mismatch; its 1500 ms move to the next heartbeat");
  CHECK(core::mismatch_line("s1", "heartbeat", 4, 1500).level == LogLevel::error);
  const auto offline = core::retry_line("s1", "release", 9, cmtest::no_answer());
  CHECK(offline.level == LogLevel::warning);
  CHECK(offline.message == "session s1: release seq 9 failed: Connection refused; retrying");
  CHECK(core::retry_line("s1", "heartbeat", 2, cmtest::status(400, "BAD_REQUEST")).level == LogLevel::error);
  CHECK(core::reattached_line("s1").message == "session s1: re-attached with a fresh token");
  CHECK(core::reattach_refused_line("s1", cmtest::status(401, "INVALID_API_SECRET")).message ==
        "session s1: re-attach refused: HTTP 401 INVALID_API_SECRET");
  CHECK(core::reattach_retry_line("s1", cmtest::no_answer()).message ==
        "session s1: re-attach failed: Connection refused; retrying");
}

TEST_CASE("credits are written with three decimals", "[unit][messages]") {
  CHECK(core::format_credits(0) == "0.000");
  CHECK(core::format_credits(1234.5678) == "1234.568");
  CHECK(core::format_credits(-0.0004) == "-0.000");
}
