// SessionMachine::audio_only: a free session that never talks to the server. Only the user's
// commands change its state, announced and logged as a metered session's are, so that the
// shell has one path for both kinds of session.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "session_machine_rig.hpp"

using namespace cmtest;
using creditmeter::LogLevel;
using creditmeter::SessionStats;

namespace {

core::SessionMachine audio() { return core::SessionMachine::audio_only(kSid, "essence", "cloud"); }

// A user's commands, repeated and out of order.
void user_commands(core::SessionMachine& m) {
  m.pause();
  m.pause();  // announced once
  m.resume();
  m.resume();
  m.pause();
  m.stop(0);
  m.resume();  // after stop: nothing
  m.stop(0);
}

}  // namespace

TEST_CASE("audio-only: no token, never a request, never a wake-up", "[unit][machine][audio]") {
  auto m = audio();
  CHECK(m.token().empty());
  CHECK(m.session_id() == kSid);
  CHECK(m.model() == "essence");
  CHECK(m.surface() == "cloud");
  CHECK(m.state() == SessionState::active);
  CHECK(m.reason() == Reason::none);
  const TimePoint later{std::chrono::hours(24 * 30)};
  CHECK_FALSE(m.next_request(TimePoint{0}, kWall0, 0).has_value());
  CHECK_FALSE(m.next_request(later, kWall0, 0).has_value());
  m.request_flush();
  CHECK_FALSE(m.next_request(later, kWall0, 0).has_value());
  CHECK(m.next_wakeup() == TimePoint::max());
  CHECK_FALSE(m.in_flight());
  CHECK(m.take_journal().empty());
}

TEST_CASE("audio-only: never paused for the network, a cap or the journal", "[unit][machine][audio]") {
  auto m = audio();
  m.advance(TimePoint{std::chrono::hours(24 * 365)});  // far beyond any grace
  core::CreditPolicy policy;
  policy.max_credits = 0.0;
  policy.low_balance_credits = 1e9;
  m.set_credit_policy(policy);
  m.set_max_credits(0.0);
  hold(m, Reason::spend_cap);
  hold(m, Reason::journal_full);
  CHECK_FALSE(m.next_request(TimePoint{std::chrono::hours(1)}, kWall0, 0).has_value());
  CHECK(m.state() == SessionState::active);
  CHECK(m.take_changes().empty());
  CHECK(m.take_balance_events().empty());
  CHECK_FALSE(m.has_balance_events());
  CHECK(m.cap_active_ms() == INT64_MAX);
  CHECK(m.projected_credits(60000) == 0);
  m.on_answer(TimePoint{0}, ok());  // an answer nobody asked for
  CHECK(m.reported_ms() == 0);
}

TEST_CASE("audio-only: pause, resume and stop are announced as for a metered session",
          "[unit][machine][audio]") {
  auto m = audio();
  user_commands(m);
  const auto changes = m.take_changes();
  REQUIRE(changes.size() == 4);
  require_change(changes[0], SessionState::active, SessionState::paused_by_user, Reason::user);
  CHECK(changes[0].message == "paused by the application");
  require_change(changes[1], SessionState::paused_by_user, SessionState::active, Reason::user);
  CHECK(changes[1].message == "resumed");
  require_change(changes[3], SessionState::paused_by_user, SessionState::stopped, Reason::stopped);
  CHECK(changes[3].message == "stopped");
  CHECK(m.reason() == Reason::stopped);

  Rig metered_rig;  // the same commands on a metered session
  user_commands(metered_rig.m);
  const auto metered = metered_rig.m.take_changes();
  REQUIRE(metered.size() == changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    CHECK(metered[i].from == changes[i].from);
    CHECK(metered[i].to == changes[i].to);
    CHECK(metered[i].reason == changes[i].reason);
    CHECK(metered[i].message == changes[i].message);
  }
}

TEST_CASE("audio-only: the same log lines as a metered session", "[unit][machine][audio]") {
  auto m = audio();
  m.pause();
  m.resume();
  m.stop(0);
  const auto logs = m.take_logs();
  REQUIRE(logs.size() == 3);
  CHECK(logs[0].level == LogLevel::info);
  CHECK(logs[0].message == "session " + kSid + ": active -> paused_by_user (user): paused by the application");
  CHECK(logs[1].message == "session " + kSid + ": paused_by_user -> active (user): resumed");
  CHECK(logs[2].message == "session " + kSid + ": active -> stopped (stopped): stopped");
  CHECK(m.take_changes().size() == 3);
  CHECK_FALSE(m.has_output());  // nothing journaled: the changes and the lines were all
}

TEST_CASE("audio-only: delivered always, finished once stopped, nothing journaled", "[unit][machine][audio]") {
  auto m = audio();
  CHECK(m.delivered(0));
  CHECK_FALSE(m.finished());
  CHECK_FALSE(m.stopped());
  m.stop(0);
  CHECK(m.stopped());
  CHECK(m.finished());
  CHECK(m.delivered(0));
  CHECK(m.take_journal().empty());  // a metered stop journals its final total; a free one owes nothing
  CHECK_FALSE(m.next_request(TimePoint{std::chrono::hours(2)}, kWall0, 0).has_value());  // no release
  CHECK(m.next_wakeup() == TimePoint::max());
  CHECK(m.unacknowledged_ms(0) == 0);
}

TEST_CASE("audio-only: stats stay zero", "[unit][machine][audio]") {
  auto m = audio();
  m.pause();
  SessionStats s;
  m.fill_stats(TimePoint{std::chrono::hours(1)}, s);
  CHECK(s.reported_ms == 0);
  CHECK(s.credits_charged == 0);
  CHECK(s.balance == 0);
  CHECK(s.heartbeats_ok == 0);
  CHECK(s.heartbeats_failed == 0);
  CHECK(s.heartbeats_retried == 0);
  CHECK(s.grace_remaining_ms == 0);
  CHECK(s.minutes_left == 0);
  CHECK(s.last_error.empty());
  CHECK(s.last_error_reason == Reason::none);
}
