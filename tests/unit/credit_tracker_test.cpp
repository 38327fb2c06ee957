// CreditTracker (src/core/credit_tracker.cpp): balance events, the low-balance alert's
// crossings, the projection of unbilled usage and the spending cap (docs/CREDITS.md).

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/credit_tracker.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using core::BalanceEvent;
using core::CreditPolicy;
using core::CreditTracker;
using core::TimePoint;

TEST_CASE("a balance event for the first balance and for each change, none for a repeat",
          "[unit][credits]") {
  CreditTracker c(2);
  CHECK_FALSE(c.has_events());
  CHECK_FALSE(c.set_balance(100));
  CHECK_FALSE(c.set_balance(100));
  CHECK_FALSE(c.record_charge(0.5, 99.5));
  auto events = c.take_events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == BalanceEvent::Kind::balance);
  CHECK(events[0].balance == 100);
  CHECK(events[0].minutes_left == 50);
  CHECK(events[0].session_credits == 0);
  CHECK(events[1].balance == 99.5);
  CHECK(events[1].session_credits == 0.5);  // charged before the event is made
  CHECK_FALSE(c.has_events());
  CHECK(c.credits_charged() == 0.5);
}

TEST_CASE("the low-balance alert fires once per downward crossing", "[unit][credits]") {
  CreditTracker c(2);  // default threshold: 5 minutes = 10 credits
  CHECK_FALSE(c.set_balance(12));
  CHECK(c.set_balance(9.5));
  CHECK_FALSE(c.set_balance(8));  // still below: no second alert
  CHECK_FALSE(c.set_balance(10));  // at the threshold: not lifted
  CHECK_FALSE(c.set_balance(9));
  CHECK_FALSE(c.set_balance(50));  // a top-up re-arms it
  CHECK(c.set_balance(1));
  int alerts = 0;
  for (const auto& e : c.take_events()) alerts += e.kind == BalanceEvent::Kind::low_balance;
  CHECK(alerts == 2);
}

TEST_CASE("a threshold in credits replaces the one in minutes", "[unit][credits]") {
  CreditTracker c(2);
  c.set_balance(30);
  CreditPolicy p;
  p.low_balance_credits = 40;
  CHECK(c.set_policy(p));  // the current balance is judged again under the new rule
  CHECK(c.policy().low_balance_credits == 40.0);
}

TEST_CASE("a new policy drops a pending low-balance alert and judges again: one alert",
          "[unit][credits]") {
  CreditTracker c(2);
  CHECK(c.set_balance(3));  // low under the default rule
  CHECK(c.set_policy(CreditPolicy{}));
  int alerts = 0;
  for (const auto& e : c.take_events()) alerts += e.kind == BalanceEvent::Kind::low_balance;
  CHECK(alerts == 1);
}

TEST_CASE("minutes left at the session's rate, a free session has infinitely many", "[unit][credits]") {
  CreditTracker c(4);
  c.set_balance(10);
  CHECK(c.minutes_left() == 2.5);
  c.set_balance(-3);  // debt buys nothing
  CHECK(c.minutes_left() == 0);
  CHECK(std::isinf(CreditTracker(0).minutes_left()));
}

TEST_CASE("the projection prices unbilled usage at the rate", "[unit][credits][cap]") {
  CreditTracker c(2);
  c.record_charge(1.5, 50);
  CHECK(c.projected(0) == 1.5);
  CHECK(c.projected(30000) == Approx(2.5));
}

TEST_CASE("cap_active_ms: the active time the cap allows beyond what was reported", "[unit][credits][cap]") {
  CreditTracker c(2);
  CHECK(c.cap_active_ms(0) == std::numeric_limits<std::int64_t>::max());  // no cap
  c.set_max_credits(3.0);
  c.record_charge(1.0, 50);
  CHECK(c.cap_active_ms(30000) == 30000 + 60000);  // 2 credits left = 1 minute
  c.record_charge(5.0, 45);                        // charged beyond the cap
  CHECK(c.cap_active_ms(30000) == 30000);
  CreditTracker free_session(0);
  free_session.set_max_credits(1.0);
  CHECK(free_session.cap_active_ms(0) == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("judging the cap: over at the cap, and the next check when it could be reached",
          "[unit][credits][cap]") {
  CreditTracker c(2);
  const TimePoint now(1h);
  CHECK(c.cap_check_at() == TimePoint::max());
  CHECK_FALSE(c.cap_check_due(now, 0));
  CHECK(c.cap_check_due(now, 1));  // the meter moved

  SECTION("no cap: nothing to judge, no check planned") {
    CHECK_FALSE(c.judge_cap(now, 1, 0.0, false).has_value());
    CHECK(c.cap_check_at() == TimePoint::max());
    CHECK_FALSE(c.cap_check_due(now, 1));  // the total was noted
  }
  SECTION("under the cap: checked again when the usage could reach it at the earliest") {
    c.set_max_credits(1.0);
    const auto over = c.judge_cap(now, 0, 0.5, false);
    REQUIRE(over.has_value());
    CHECK_FALSE(*over);
    CHECK(c.cap_check_at() == now + 15s);  // 0.5 credits at 2 a minute
  }
  SECTION("at the cap, within float dust: over") {
    c.set_max_credits(1.0);
    CHECK(c.judge_cap(now, 0, 1.0 - 1e-12, false) == true);
    CHECK(c.cap_check_at() == TimePoint::max());
  }
  SECTION("a stopped session is never judged") {
    c.set_max_credits(1.0);
    CHECK_FALSE(c.judge_cap(now, 0, 5.0, true).has_value());
  }
  SECTION("recheck_cap plans a check at once, or none") {
    c.recheck_cap(true);
    CHECK(c.cap_check_due(now, 0));
    c.recheck_cap(false);
    CHECK_FALSE(c.cap_check_due(now, 0));
  }
}

TEST_CASE("earliest_cap_reach: when rendering at a rate can first use up the room under a cap",
          "[unit][credits][cap]") {
  const TimePoint now = 1h;
  // 1 credit of room at 2 credits a minute: 30 s of rendering, not a millisecond less.
  CHECK(core::earliest_cap_reach(now, 1.0, 2.0) == now + 30s);
  // Rounded up to the meter's whole milliseconds: never judged a hair early.
  CHECK(core::earliest_cap_reach(now, 0.001, 7.0) == now + 9ms);  // 8.57 ms
  // Two sessions at 2 credits a minute, 14.96 s each under a cap of 1: exactly 40 ms of room,
  // though the subtraction leaves float dust above it.
  const double charged = 14960 * 2 / 60000.0;
  CHECK(core::earliest_cap_reach(now, 1.0 - (charged + charged), 4.0) == now + 40ms);
  CHECK(core::earliest_cap_reach(now, 0.0, 2.0) == now);
  CHECK(core::earliest_cap_reach(now, -1.0, 2.0) == now);
  // Nothing renders, or so little that the cap is out of any lifetime's reach: never.
  CHECK(core::earliest_cap_reach(now, 1.0, 0.0) == TimePoint::max());
  CHECK(core::earliest_cap_reach(now, 1e300, 1e-300) == TimePoint::max());
}

TEST_CASE("event charges: their own exact total beside credits_charged, and the unit on every balance event",
          "[unit][credits]") {
  CreditTracker c(2);
  c.set_unit("USD");
  c.set_balance(100);
  c.record_charge(0.7, 99.3);  // active time
  // 0.1 a thousand times: summed as thousandths it drifts (99.9999999999986), in milli-units
  // it is the ledger's 100000 mc exactly.
  double naive = 0;
  for (int i = 0; i < 1000; ++i) {
    c.record_event_charge(0.1, 99.3 - 0.1 * (i + 1));
    naive += 0.1;
  }
  CHECK(naive != 100.0);
  CHECK(c.events_credits_charged() == 100.0);
  CHECK(c.credits_charged() == Approx(100.7));
  CHECK(c.unit() == "USD");
  for (const auto& e : c.take_events()) CHECK(e.unit == "USD");
  // A hostile charge neither overflows nor poisons what follows as an integer would.
  c.record_event_charge(1e300, 0);
  CHECK(c.events_credits_charged() == Approx(1e300));
}

TEST_CASE("the unit is \"credits\" until an answer says otherwise", "[unit][credits]") {
  CreditTracker c(2);
  CHECK(c.unit() == "credits");
  c.set_balance(10);
  const auto events = c.take_events();
  REQUIRE_FALSE(events.empty());
  CHECK(events.front().unit == "credits");
}

// Found by fuzz_events_ack: an events answer charging -1e308 (a "refund") left a room under
// the cap of 1e308 credits, whose time to reach (1e308 / 2 * 60000 ms) was converted to an
// integer: undefined behaviour. Beyond any lifetime it is never, like a cap nothing reaches.
TEST_CASE("the cap's next judgement stays defined whatever the charges made of the room",
          "[unit][credits][cap]") {
  CreditTracker c(2);
  CreditPolicy p;
  p.max_credits = 100;
  c.set_policy(p);
  c.set_balance(1000);
  c.record_event_charge(-1e308, 1e308);
  const TimePoint now = 1h;
  REQUIRE(c.judge_cap(now, 0, c.projected(0), false) == false);
  CHECK(c.cap_check_at() == TimePoint::max());
  CHECK(c.cap_active_ms(0) == std::numeric_limits<std::int64_t>::max());
  // 10^12 ms and more from now: never (and now + 10^15 ms would overflow TimePoint).
  CHECK(core::earliest_cap_reach(now, 1e15, 60000.0) == TimePoint::max());
  CHECK(core::earliest_cap_reach(now, 1e9, 60000.0) == now + std::chrono::milliseconds(1000000000));
  CHECK(core::earliest_cap_reach(now, std::nan(""), 2.0) == now);  // max(0, NaN): no room
  // A NaN total (+inf and -inf charges in turn) neither converts NaN nor re-judges every ms.
  CreditTracker n(2);
  n.set_policy(p);
  n.record_charge(std::numeric_limits<double>::infinity(), 0);
  n.record_charge(-std::numeric_limits<double>::infinity(), 0);
  REQUIRE(std::isnan(n.credits_charged()));
  CHECK(n.judge_cap(now, 0, n.projected(0), false) == false);
  CHECK(n.cap_check_at() == TimePoint::max());
}
