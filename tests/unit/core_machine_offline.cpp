// SessionMachine offline: the retry schedule with its jitter, Retry-After, the grace
// boundaries to the millisecond, and recovery with the offline usage reported once.

#include <catch2/catch.hpp>

#include <vector>

#include "core/backoff.hpp"
#include "core_rig.hpp"

using namespace cmtest;

namespace {

constexpr double kAlmostOne = 0.9999999;  // delay = ceiling - 1 ms for every ceiling here

// Fails the request on the wire with `answer` and returns how long the machine waits
// before its retry (it must be earlier than the grace deadline).
milliseconds fail_and_measure(Rig& r, const Answer& answer) {
  r.reply(answer);
  return std::chrono::duration_cast<milliseconds>(r.m.next_wakeup() - r.now);
}

// The retry is not sent one millisecond early, and is sent at its time.
Outgoing retry_exactly_after(Rig& r, milliseconds wait) {
  r.elapse(wait - 1ms);
  CHECK_FALSE(r.poll().has_value());
  r.elapse(1ms);
  return r.send();
}

}  // namespace

TEST_CASE("retries back off from min(1 s, interval/4), doubling, up to min(30 s, interval)",
          "[unit][machine][backoff]") {
  Rig r(60s, 3600s);
  *r.random = kAlmostOne;
  r.at(60s, true);
  const Outgoing first = r.send();
  const std::vector<milliseconds> expected = {999ms,   1999ms,  3999ms,  7999ms,
                                              15999ms, 29999ms, 29999ms, 29999ms};
  for (const milliseconds want : expected) {
    INFO("expected wait " << want.count() << " ms");
    const milliseconds wait = fail_and_measure(r, status(503));
    CHECK(wait == want);
    require_same_request(retry_exactly_after(r, wait), first);
  }
  r.reply(ok());
  r.send();  // overdue after the outage
  r.reply(ok());
  // Success resets the schedule.
  r.to_wakeup();
  r.send();
  CHECK(fail_and_measure(r, no_answer()) == 999ms);
}

TEST_CASE("the backoff follows a short interval", "[unit][machine][backoff]") {
  Rig r(2s, 3600s);  // base 500 ms, cap 2 s
  *r.random = kAlmostOne;
  r.at(2s, true);
  r.send();
  CHECK(fail_and_measure(r, status(500)) == 499ms);
  retry_exactly_after(r, 499ms);
  CHECK(fail_and_measure(r, status(500)) == 999ms);
  retry_exactly_after(r, 999ms);
  CHECK(fail_and_measure(r, status(500)) == 1999ms);
  retry_exactly_after(r, 1999ms);
  CHECK(fail_and_measure(r, status(500)) == 1999ms);
}

TEST_CASE("full jitter: random 0 retries at once, ~1 at the ceiling, 0.5 halfway",
          "[unit][machine][backoff]") {
  Rig r(60s, 3600s);
  r.at(60s);
  r.send();
  *r.random = 0.0;
  r.reply(status(503));
  CHECK(r.m.next_wakeup() == r.now);
  r.send();
  *r.random = 0.5;
  CHECK(fail_and_measure(r, status(503)) == 1000ms);  // attempt 2: ceiling 2 s
  retry_exactly_after(r, 1000ms);
  *r.random = kAlmostOne;
  CHECK(fail_and_measure(r, status(503)) == 3999ms);  // attempt 3: ceiling 4 s
}

TEST_CASE("while paused offline the backoff cap is min(5 s, interval)", "[unit][machine][backoff]") {
  Rig r(60s, 120s);
  *r.random = kAlmostOne;
  r.at(60s, true);
  r.send();
  // 999 + 1999 + 3999 + 7999 + 15999 ms of retries, then a 29999 ms wait that crosses the
  // deadline at 120 s.
  for (int i = 0; i < 5; ++i) retry_exactly_after(r, fail_and_measure(r, status(503)));
  r.reply(status(503));
  CHECK(r.m.next_wakeup() == r.t0 + 120s);  // the grace deadline comes first
  r.to_wakeup();
  r.advance();
  REQUIRE(r.m.state() == SessionState::paused_offline);
  r.to_wakeup();  // the retry scheduled before the deadline
  r.send();
  for (int i = 0; i < 5; ++i) {
    const milliseconds wait = fail_and_measure(r, status(503));
    CHECK(wait == 4999ms);
    retry_exactly_after(r, wait);
  }
}

// BUG: on_answer() schedules the retry before it applies the passage of time (advance() runs
// last), so a failure answered at or after the grace deadline backs off with the online cap
// (up to 30 s) although the session pauses in the same call; the avatar then stays paused
// up to 25 s longer than the 5 s cap promises after connectivity returns.
TEST_CASE("a failure answered after the deadline already backs off with the offline cap",
          "[unit][machine][backoff][!mayfail]") {
  Rig r(60s, 100s);
  *r.random = kAlmostOne;
  r.at(60s, true);
  r.send();
  for (int i = 0; i < 4; ++i) retry_exactly_after(r, fail_and_measure(r, status(503)));
  // Attempt 5 is on the wire at 60 + 0.999 + 1.999 + 3.999 + 7.999 s; it hangs past the deadline.
  r.at(101s);
  r.reply(no_answer());
  CHECK(r.m.state() == SessionState::paused_offline);
  CHECK(r.m.next_wakeup() - r.now <= std::chrono::nanoseconds(5s));
}

TEST_CASE("Retry-After sets the next attempt, above the cap if need be", "[unit][machine][backoff][retry_after]") {
  Rig r(10s, 3600s);  // cap 10 s
  *r.random = 0.0;    // the jitter alone would retry at once
  r.at(10s, true);
  const Outgoing first = r.send();

  SECTION("as seconds, on a 429") {
    CHECK(fail_and_measure(r, status(429, "RATE_LIMITED", 45s)) == 45s);
    require_same_request(retry_exactly_after(r, 45s), first);
  }
  SECTION("on a 503 too") {
    CHECK(fail_and_measure(r, status(503, "", 3s)) == 3s);
    retry_exactly_after(r, 3s);
  }
  SECTION("as an HTTP-date, through parse_retry_after, clamped to 60 s") {
    const std::int64_t wall_s = r.wall / 1000;
    const auto in_20s = core::parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", wall_s);
    REQUIRE(in_20s == 20s);  // kWall0 + 10 s is 22:13:30
    CHECK(fail_and_measure(r, status(429, "RATE_LIMITED", in_20s)) == 20s);
    retry_exactly_after(r, 20s);
    const auto in_an_hour = core::parse_retry_after("Tue, 14 Nov 2023 23:13:50 GMT", wall_s);
    CHECK(fail_and_measure(r, status(429, "RATE_LIMITED", in_an_hour)) == 60s);
    retry_exactly_after(r, 60s);
  }
  SECTION("Retry-After 0 retries at once") {
    CHECK(fail_and_measure(r, status(429, "RATE_LIMITED", 0ms)) == 0ms);
    require_same_request(r.send(), first);
  }
}

TEST_CASE("grace from the token exchange: active at deadline - 1 ms, paused_offline at it",
          "[unit][machine][grace]") {
  Rig r(60s, 300s);
  r.at(60s, true);
  r.send();  // hangs: never answered
  CHECK(r.m.next_wakeup() == r.t0 + 300s);
  r.at(300s - 1ms, true);
  r.advance();
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.take().empty());
  r.elapse(1ms);
  r.advance();
  CHECK(r.m.state() == SessionState::paused_offline);
  CHECK(r.m.reason() == Reason::grace_expired);
  const auto changes = r.take();
  REQUIRE(changes.size() == 1);
  require_change(changes[0], SessionState::active, SessionState::paused_offline, Reason::grace_expired);
  // Announced once, however often time is applied.
  r.elapse(10s);
  r.advance();
  CHECK_FALSE(r.poll().has_value());  // still on the wire
  CHECK(r.take().empty());
  CHECK(r.m.next_wakeup() == TimePoint::max());  // only the answer can change anything now
  creditmeter::SessionStats stats;
  r.m.fill_stats(r.now, stats);
  CHECK(stats.grace_remaining_ms == 0);
}

TEST_CASE("grace from the last 2xx, through failures", "[unit][machine][grace]") {
  Rig r(60s, 300s);
  r.beat(60000);  // 2xx at 60 s: deadline 360 s
  r.beat(60000, status(503));
  while (true) {  // retries fail until the deadline
    r.to_wakeup();
    if (r.since_start() >= 360s - 1ms) break;
    r.send();
    r.reply(status(503));
  }
  CHECK(r.since_start() == 360s);  // the wakeup was the deadline itself
  r.elapse(-1ms);
  r.advance();
  CHECK(r.m.state() == SessionState::active);
  r.elapse(1ms);
  r.advance();
  CHECK(r.m.state() == SessionState::paused_offline);
  CHECK(r.take().size() == 1);
}

TEST_CASE("next_request applies the deadline too", "[unit][machine][grace]") {
  Rig r(60s, 90s);
  r.beat(60000, status(503));
  r.at(90s);
  r.poll();
  CHECK(r.m.state() == SessionState::paused_offline);
  r.collect();
  CHECK(r.changes.size() == 1);
}

TEST_CASE("recovery: the next 2xx resumes, the offline usage is reported once",
          "[unit][machine][grace]") {
  Rig r(60s, 300s);
  r.at(60s, true);
  const Outgoing first = r.send();
  CHECK(first.active_ms == 60000);
  r.reply(no_answer());
  // Rendering goes on until the grace runs out at 300 s, then stops (the gate is closed).
  std::vector<Outgoing> sent{first};
  while (r.m.state() == SessionState::active) {
    const TimePoint before = r.now;
    r.to_wakeup();
    r.total += std::chrono::duration_cast<milliseconds>(r.now - before).count();
    r.advance();
    if (auto o = r.poll()) {
      sent.push_back(*o);
      r.reply(no_answer());
    }
  }
  CHECK(r.since_start() == 300s);
  CHECK(r.total == 300000);
  for (const auto& o : sent) require_same_request(o, first);  // no new seq during the outage

  r.elapse(20min);  // a long outage: nothing renders
  r.to_wakeup();
  require_same_request(r.send(), first);
  r.reply(ok());
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.m.reason() == Reason::none);
  const auto changes = r.take();
  REQUIRE(changes.size() == 2);
  require_change(changes[0], SessionState::active, SessionState::paused_offline, Reason::grace_expired);
  require_change(changes[1], SessionState::paused_offline, SessionState::active, Reason::none);

  const Outgoing catch_up = r.send();  // overdue: at once
  CHECK(catch_up.seq == 2);
  CHECK(catch_up.active_ms == 240000);  // 60..300 s in one heartbeat
  r.reply(ok());
  CHECK(r.m.reported_ms() == r.total);
  CHECK(r.m.delivered(r.total));
  // The grace restarts from the recovery.
  CHECK(r.m.next_wakeup() == r.now + 60s);
  r.elapse(299999ms);
  r.advance();
  CHECK(r.m.state() == SessionState::active);
}
