// SessionMachine and credits (docs/CREDITS.md): balance events and low-balance alerts from
// the answers, the spending cap's pause before it is crossed and its lift, the projection.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

#include "session_machine_rig.hpp"

using namespace cmtest;
using core::BalanceEvent;

namespace {

std::size_t count_kind(const std::vector<BalanceEvent>& events, BalanceEvent::Kind kind) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("the grant's balance is the first balance event, each answer's change another",
          "[unit][machine][credits]") {
  Rig r;
  CHECK(r.m.has_balance_events());
  auto events = r.m.take_balance_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].balance == 100);
  CHECK(events[0].minutes_left == 50);  // 2 credits a minute

  r.beat(60000, ok(98, 2));
  events = r.m.take_balance_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].balance == 98);
  CHECK(events[0].session_credits == 2);
  r.beat(0, ok(98, 0));
  CHECK(r.m.take_balance_events().empty());  // unchanged
}

TEST_CASE("a low balance alerts once, logs it, and re-arms after a top-up", "[unit][machine][credits]") {
  Rig r;
  r.m.take_balance_events();
  r.beat(60000, ok(9, 2));  // below 5 minutes at 2 credits a minute
  auto events = r.m.take_balance_events();
  CHECK(count_kind(events, BalanceEvent::Kind::low_balance) == 1);
  bool logged = false;
  for (const auto& l : r.m.take_logs()) logged = logged || l.message == "session " + kSid + ": low balance (9.000 credits)";
  CHECK(logged);
  r.beat(60000, ok(7, 2));
  CHECK(count_kind(r.m.take_balance_events(), BalanceEvent::Kind::low_balance) == 0);
  r.beat(0, ok(500, 0));  // a top-up
  r.beat(60000, ok(3, 2));
  CHECK(count_kind(r.m.take_balance_events(), BalanceEvent::Kind::low_balance) == 1);
}

TEST_CASE("a new credit policy judges the current balance again", "[unit][machine][credits]") {
  Rig r;
  r.m.take_balance_events();
  core::CreditPolicy p;
  p.low_balance_credits = 150;
  r.m.set_credit_policy(p);
  CHECK(count_kind(r.m.take_balance_events(), BalanceEvent::Kind::low_balance) == 1);
}

TEST_CASE("the spending cap pauses before it is crossed, and its check is planned", "[unit][machine][credits][cap]") {
  Rig r;
  core::CreditPolicy p;
  p.max_credits = 1.0;  // 30 s at 2 credits a minute
  r.m.set_credit_policy(p);
  CHECK(r.m.next_wakeup() == TimePoint::min());  // judge it at the next step
  CHECK(r.m.cap_active_ms() == 30000);
  r.elapse(10s, 10000);
  CHECK_FALSE(r.poll().has_value());
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.m.projected_credits(r.total) == Approx(10000 * 2 / 60000.0));
  CHECK(r.m.next_wakeup() == r.now + 20s);  // the earliest the usage could reach the cap
  r.elapse(20s, 20000);
  r.poll();
  r.collect();
  CHECK(r.m.state() == SessionState::paused_billing);
  CHECK(r.m.reason() == Reason::spend_cap);
  REQUIRE_FALSE(r.changes.empty());
  CHECK(r.changes.back().message == "the spending cap is reached: raise max_credits to resume");

  SECTION("raising the cap lifts the hold at the next step") {
    r.m.set_max_credits(5.0);
    r.poll();
    CHECK(r.m.state() == SessionState::active);
  }
  SECTION("removing the cap lifts it at once") {
    r.m.set_max_credits(std::nullopt);
    CHECK(r.m.state() == SessionState::active);
    CHECK(r.m.cap_active_ms() == INT64_MAX);
  }
}

TEST_CASE("the projection counts charged credits and prices only unacknowledged usage",
          "[unit][machine][credits][cap]") {
  Rig r;
  r.beat(60000, ok(98, 2));
  CHECK(r.m.projected_credits(60000) == 2);
  CHECK(r.m.projected_credits(90000) == Approx(3));
  r.m.stop(90000);
  CHECK(r.m.projected_credits(0) == Approx(3));  // stopped: the final total counts
}
