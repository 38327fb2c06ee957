// SessionMachine offline: the retry schedule with its jitter, Retry-After, the grace
// boundaries to the millisecond, and recovery with the offline usage reported once.

#include <catch2/catch.hpp>

#include <vector>

#include "core/backoff.hpp"
#include "session_machine_rig.hpp"

using namespace cmtest;

namespace {

constexpr double kAlmostOne = 0.9999999;  // delay = ceiling - 1 ms for every ceiling here

// Fails the request on the wire with `answer`, then walks the machine's wakeups (as the
// scheduler does) to the retry: returns how long that took. The retry is on the wire then.
milliseconds fail_and_measure(Rig& r, const Answer& answer) {
  const TimePoint failed_at = r.now;
  r.reply(answer);
  r.next_send();
  return std::chrono::duration_cast<milliseconds>(r.now - failed_at);
}

// Fails the request on the wire with `answer`; the retry is not sent one millisecond before
// `wait`, and is sent at `wait`.
Outgoing fail_and_retry_after(Rig& r, const Answer& answer, milliseconds wait) {
  r.reply(answer);
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
  for (const milliseconds wait : expected) {
    INFO("expected wait " << wait.count() << " ms");
    require_same_request(fail_and_retry_after(r, status(503), wait), first);
  }
  r.reply(ok());
  r.next_send();
  r.reply(ok());
  // Success resets the schedule.
  r.next_send();
  CHECK(fail_and_measure(r, no_answer()) == 999ms);
}

TEST_CASE("the backoff follows a short interval", "[unit][machine][backoff]") {
  Rig r(2s, 3600s);  // base 500 ms, cap 2 s
  *r.random = kAlmostOne;
  r.at(2s, true);
  r.send();
  fail_and_retry_after(r, status(500), 499ms);
  fail_and_retry_after(r, status(500), 999ms);
  fail_and_retry_after(r, status(500), 1999ms);
  fail_and_retry_after(r, status(500), 1999ms);
}

TEST_CASE("full jitter: random 0 retries at once, 0.5 halfway, ~1 at the ceiling",
          "[unit][machine][backoff]") {
  Rig r(60s, 3600s);
  r.at(60s);
  r.send();
  *r.random = 0.0;
  CHECK(fail_and_measure(r, status(503)) == 0ms);
  *r.random = 0.5;
  CHECK(fail_and_measure(r, status(503)) == 1000ms);  // attempt 2: ceiling 2 s
  *r.random = kAlmostOne;
  CHECK(fail_and_measure(r, status(503)) == 3999ms);  // attempt 3: ceiling 4 s
  *r.random = 1.0;
  CHECK(fail_and_measure(r, status(503)) == 8000ms);  // attempt 4: ceiling 8 s
}

TEST_CASE("while paused offline the backoff cap is min(5 s, interval)", "[unit][machine][backoff]") {
  Rig r(60s, 120s);
  *r.random = kAlmostOne;
  r.at(60s, true);
  r.send();
  // Retries after 999, 1999, 3999, 7999 and 15999 ms (the last at 90.995 s), then a
  // 29999 ms wait that crosses the deadline at 120 s.
  for (int i = 0; i < 5; ++i) fail_and_measure(r, status(503));
  r.reply(status(503));
  CHECK_FALSE(r.next_send_before(r.t0 + 120s).has_value());
  REQUIRE(r.m.state() == SessionState::paused_offline);
  r.next_send();  // the retry scheduled before the deadline
  CHECK(r.since_start() == 120994ms);
  for (int i = 0; i < 5; ++i) CHECK(fail_and_measure(r, status(503)) == 4999ms);
}

// Was a bug (fixed): on_answer() schedules the retry before it applies the passage of time (advance() runs
// last), so a failure answered at or after the grace deadline backs off with the online cap
// (up to 30 s) although the session pauses in the same call; the avatar then stays paused
// up to 25 s longer than the 5 s cap promises after connectivity returns.
TEST_CASE("a failure answered after the deadline already backs off with the offline cap",
          "[unit][machine][backoff]") {
  Rig r(60s, 100s);
  *r.random = kAlmostOne;
  r.at(60s, true);
  r.send();
  for (int i = 0; i < 4; ++i) fail_and_measure(r, status(503));
  // Attempt 5 is on the wire since 60 + 0.999 + 1.999 + 3.999 + 7.999 s; it hangs past the
  // deadline at 100 s and fails at 101 s.
  r.at(101s);
  r.reply(no_answer());
  CHECK(r.m.state() == SessionState::paused_offline);
  const TimePoint failed_at = r.now;
  r.next_send();
  CHECK(r.now - failed_at <= 5s);
}

TEST_CASE("Retry-After sets the next attempt, above the cap if need be", "[unit][machine][backoff][retry_after]") {
  Rig r(10s, 3600s);  // cap 10 s
  *r.random = 0.0;    // the jitter alone would retry at once
  r.at(10s, true);
  const Outgoing first = r.send();

  SECTION("as seconds, on a 429") {
    require_same_request(fail_and_retry_after(r, status(429, "RATE_LIMITED", 45s), 45s), first);
  }
  SECTION("on a 503 too") {
    fail_and_retry_after(r, status(503, "", 3s), 3s);
  }
  SECTION("as an HTTP-date, through parse_retry_after, clamped to 60 s") {
    const std::int64_t wall_s = r.wall / 1000;
    const auto in_20s = core::parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", wall_s);
    REQUIRE(in_20s == 20s);  // kWall0 + 10 s is 22:13:30
    fail_and_retry_after(r, status(429, "RATE_LIMITED", in_20s), 20s);
    const auto in_an_hour = core::parse_retry_after("Tue, 14 Nov 2023 23:13:50 GMT", wall_s);
    fail_and_retry_after(r, status(429, "RATE_LIMITED", in_an_hour), 60s);
  }
  SECTION("Retry-After 0 retries at once") {
    r.reply(status(429, "RATE_LIMITED", 0ms));
    require_same_request(r.send(), first);
  }
}

TEST_CASE("grace from the token exchange: active at deadline - 1 ms, paused_offline at it",
          "[unit][machine][grace]") {
  Rig r(60s, 300s);
  r.at(60s, true);
  r.send();  // hangs: never answered
  CHECK(r.m.next_wakeup() <= r.t0 + 300s);
  r.at(300s - 1ms, true);
  r.advance();
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.take().empty());
  creditmeter::SessionStats stats;
  r.m.fill_stats(r.now, stats);
  CHECK(stats.grace_remaining_ms == 1);
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
  r.m.fill_stats(r.now, stats);
  CHECK(stats.grace_remaining_ms == 0);
}

TEST_CASE("grace from the last 2xx, through failures", "[unit][machine][grace]") {
  Rig r(60s, 300s);
  r.beat(60000);  // 2xx at 60 s: deadline 360 s
  r.beat(60000, status(503));
  // Retries fail until deadline - 1 ms; the wakeups never overshoot the deadline.
  while (auto retry = r.next_send_before(r.t0 + 360s - 1ms)) r.reply(status(503));
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.m.next_wakeup() <= r.t0 + 360s);
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
  CHECK(r.take().size() == 1);
}

TEST_CASE("recovery: the next 2xx resumes, the offline usage is reported once",
          "[unit][machine][grace]") {
  Rig r(60s, 300s);
  r.at(60s, true);
  const Outgoing first = r.send();
  CHECK(first.active_ms == 60000);
  // Rendering goes on until the grace runs out at 300 s, then stops (the gate is closed).
  r.rendering = true;
  int retries = 0;
  for (;;) {
    r.reply(no_answer());
    auto retry = r.next_send_before(r.t0 + 300s);
    if (!retry) break;
    require_same_request(*retry, first);  // no new seq during the outage
    ++retries;
  }
  r.rendering = false;
  CHECK(retries >= 5);
  CHECK(r.m.state() == SessionState::paused_offline);
  CHECK(r.total == 300000);

  r.elapse(20min);  // a long outage: nothing renders
  require_same_request(r.next_send(), first);
  r.reply(ok());
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.m.reason() == Reason::none);
  const auto changes = r.take();
  REQUIRE(changes.size() == 2);
  require_change(changes[0], SessionState::active, SessionState::paused_offline, Reason::grace_expired);
  require_change(changes[1], SessionState::paused_offline, SessionState::active, Reason::none);

  const TimePoint recovered = r.now;
  const Outgoing catch_up = r.next_send();
  CHECK(r.now - recovered <= 60s);
  CHECK(catch_up.seq == 2);
  CHECK(catch_up.active_ms == 240000);  // 60..300 s in one heartbeat
  r.reply(ok());
  CHECK(r.m.reported_ms() == r.total);
  CHECK(r.m.delivered(r.total));
  // The grace restarts from the last 2xx.
  r.elapse(299999ms);
  r.advance();
  CHECK(r.m.state() == SessionState::active);
  r.elapse(1ms);
  r.advance();
  CHECK(r.m.state() == SessionState::paused_offline);
}
