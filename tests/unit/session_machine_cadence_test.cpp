// SessionMachine: the heartbeat cadence, one unacknowledged heartbeat at a time, and
// byte-identical retries.

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "core/time_format.hpp"
#include "session_machine_rig.hpp"

using namespace cmtest;

TEST_CASE("heartbeats go out every interval with increasing seqs and contiguous periods",
          "[unit][machine][cadence]") {
  Rig r;  // interval 60 s
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  std::int64_t reported_sum = 0;
  std::string previous_end = core::rfc3339_ms(kWall0);
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    INFO("seq " << seq);
    const std::int64_t active = 1000 * static_cast<std::int64_t>(seq) + 7;  // distinct per beat
    // Not one millisecond early.
    r.elapse(59999ms, active);
    CHECK_FALSE(r.poll().has_value());
    r.elapse(1ms);
    const Outgoing hb = r.send();
    CHECK(hb.kind == Outgoing::Kind::heartbeat);
    CHECK(hb.seq == seq);
    CHECK(hb.idempotency_key == kSid + ":" + std::to_string(seq));
    CHECK(hb.active_ms == active);
    const auto body = body_of(hb);
    CHECK(body.at("session_id") == kSid);
    CHECK(body.at("seq") == seq);
    CHECK(body.at("active_ms") == active);
    const std::string start = body.at("period_start"), end = body.at("period_end");
    CHECK(std::regex_match(start, rfc3339));
    CHECK(start == previous_end);
    CHECK(end == core::rfc3339_ms(r.wall));
    previous_end = end;
    CHECK(r.m.in_flight());
    r.reply(ok());
    CHECK_FALSE(r.m.in_flight());
    reported_sum += hb.active_ms;
    CHECK(r.m.reported_ms() == r.total);
  }
  CHECK(reported_sum == r.total);
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.changes.empty());
}

TEST_CASE("the next wakeup is the due time, and never later than the grace deadline",
          "[unit][machine][cadence]") {
  Rig r(60s, 300s);
  CHECK(r.m.next_wakeup() == r.t0 + 60s);
  r.at(60s);
  r.send();
  CHECK(r.m.next_wakeup() > r.now);
  CHECK(r.m.next_wakeup() <= r.t0 + 300s);
  r.reply(ok());
  CHECK(r.m.next_wakeup() == r.t0 + 120s);
}

TEST_CASE("heartbeats go on while paused, with active_ms 0", "[unit][machine][cadence]") {
  Rig r;
  r.beat(60000);
  r.m.pause();
  for (int i = 0; i < 3; ++i) {
    const Outgoing hb = r.beat(0);  // the meter counts nothing while paused
    CHECK(hb.active_ms == 0);
    CHECK(body_of(hb).at("active_ms") == 0);
  }
  CHECK(r.m.reported_ms() == 60000);
  CHECK(r.m.state() == SessionState::paused_by_user);
  CHECK(r.since_start() == 240s);
}

TEST_CASE("a wall-clock jump changes the timestamps, never the cadence", "[unit][machine][cadence]") {
  Rig r;
  r.beat(60000);
  r.wall -= 3600 * 1000;  // NTP sets the wall clock an hour back
  r.elapse(59999ms, 59999);
  CHECK_FALSE(r.poll().has_value());
  r.elapse(1ms, 1);
  const Outgoing hb = r.send();
  CHECK(hb.seq == 2);
  CHECK(hb.active_ms == 60000);
  CHECK(body_of(hb).at("period_end") == core::rfc3339_ms(r.wall));
}

TEST_CASE("one unacknowledged heartbeat at a time", "[unit][machine][cadence]") {
  Rig r;
  r.at(60s, true);
  const Outgoing first = r.send();
  CHECK(first.active_ms == 60000);

  SECTION("while one is on the wire, nothing else goes out") {
    for (int i = 1; i <= 5; ++i) {
      r.elapse(60s, 60000);  // intervals pass without an answer (a hung request)
      CHECK_FALSE(r.poll().has_value());
    }
    r.reply(ok());
    const TimePoint acked = r.now;
    const Outgoing next = r.next_send();  // carrying everything
    CHECK(r.now - acked <= 60s);
    CHECK(next.seq == 2);
    CHECK(next.active_ms == 300000);
    r.reply(ok());
    CHECK(r.m.reported_ms() == r.total);
  }
  SECTION("while one waits to be retried, no new seq; the retry carries nothing new") {
    r.reply(status(503));
    for (int i = 0; i < 4; ++i) {
      r.elapse(60s, 60000);
      const Outgoing retry = r.send();  // due retries only (the ceilings are below 60 s)
      require_same_request(retry, first);
      r.reply(status(503));
    }
    require_same_request(r.next_send(), first);
    r.reply(ok());
    CHECK(r.m.reported_ms() == 60000);
    const TimePoint acked = r.now;
    const Outgoing next = r.next_send();
    CHECK(r.now - acked <= 60s);
    CHECK(next.seq == 2);
    CHECK(next.active_ms == 240000);
    r.reply(ok());
    CHECK(r.m.reported_ms() == r.total);
    CHECK_FALSE(r.poll().has_value());
  }
}

TEST_CASE("retries are byte-identical whatever made them fail", "[unit][machine][cadence]") {
  const std::pair<const char*, Answer> failures[] = {
      {"503", status(503)},
      {"500", status(500, "INTERNAL")},
      {"transport failure", no_answer()},
      {"429 with Retry-After", status(429, "RATE_LIMITED", 2s)},
      {"408", status(408)},
      {"unexpected 400", status(400, "BAD_REQUEST")},
      {"401 INVALID_API_SECRET on a heartbeat", status(401, "INVALID_API_SECRET")},
      {"403 CONCURRENCY_LIMIT_REACHED", status(403, "CONCURRENCY_LIMIT_REACHED")},
      {"2xx with an unreadable body", unreadable_2xx()},
  };
  for (const auto& f : failures) {
    INFO(f.first);
    Rig r;
    r.at(60s, true);
    const Outgoing first = r.send();
    for (int attempt = 0; attempt < 3; ++attempt) {
      r.reply(f.second);
      CHECK(r.m.reported_ms() == 0);
      r.elapse(0ms, 1234);  // usage accrues meanwhile: it must not leak into the retry
      require_same_request(r.next_send(), first);
    }
    r.reply(ok());
    CHECK(r.m.reported_ms() == 60000);
    r.at(120s);
    const Outgoing next = r.send();
    CHECK(next.seq == 2);
    CHECK(next.active_ms == 3 * 1234);
  }
}

TEST_CASE("a 2xx with an unreadable body is never an acknowledgement", "[unit][machine][cadence]") {
  Rig r(60s, 300s);
  r.at(60s, true);
  const Outgoing first = r.send();
  // A captive portal answers 200 to everything: the grace still runs out.
  int resent = 0;
  for (;;) {
    r.reply(unreadable_2xx());
    CHECK(r.m.reported_ms() == 0);
    const auto again = r.next_send_before(r.t0 + 300s - 1ms);
    if (!again) break;
    require_same_request(*again, first);
    ++resent;
  }
  CHECK(resent >= 3);
  CHECK(r.m.state() == SessionState::active);  // at deadline - 1 ms
  r.elapse(1ms);
  r.advance();
  CHECK(r.m.state() == SessionState::paused_offline);
  CHECK(r.m.reason() == Reason::grace_expired);
  CHECK_FALSE(r.m.delivered(60000));
  creditmeter::SessionStats stats;
  r.m.fill_stats(r.now, stats);
  CHECK(stats.heartbeats_ok == 0);
  CHECK(stats.heartbeats_failed >= 3);
}

TEST_CASE("request_flush sends unreported usage now, and only when there is some",
          "[unit][machine][cadence]") {
  Rig r;
  r.elapse(10s, 0);
  r.m.request_flush();
  CHECK_FALSE(r.poll().has_value());  // nothing to report: no request
  r.elapse(5s, 4000);
  CHECK_FALSE(r.poll().has_value());  // the flush was spent on nothing
  r.m.request_flush();
  const Outgoing hb = r.send();
  CHECK(hb.seq == 1);
  CHECK(hb.active_ms == 4000);
  CHECK_FALSE(r.m.delivered(4000));
  r.reply(ok());
  CHECK(r.m.delivered(4000));
  CHECK_FALSE(r.m.delivered(4001));
  // The cadence restarts from the flush.
  CHECK(r.m.next_wakeup() == r.now + 60s);
}

// Was a bug (fixed): request_flush() while a heartbeat waits for its retry resends that heartbeat at once
// but then forgets the flush: the usage accrued since it was built waits for the next due
// time (up to one interval), so Client::flush(timeout) returns false for a live session
// that was retrying. next_request() clears flush_ in the `pending_` branch.
TEST_CASE("request_flush during a retry also sends what accrued since, after the ack",
          "[unit][machine][cadence]") {
  Rig r;
  const Outgoing first = r.first_heartbeat(status(503));
  r.elapse(200ms, 200);
  r.m.request_flush();  // Client::flush: its target is r.total = 60200
  require_same_request(r.send(), first);
  r.reply(ok());
  const auto next = r.poll();  // at once, not at the due time
  REQUIRE(next.has_value());
  CHECK(next->active_ms == 200);
  r.reply(ok());
  CHECK(r.m.delivered(60200));
}

TEST_CASE("an answer nobody asked for is ignored", "[unit][machine][cadence]") {
  Rig r;
  r.reply(ok());
  r.reply(status(402, "INSUFFICIENT_BALANCE"));
  CHECK(r.m.reported_ms() == 0);
  CHECK(r.m.state() == SessionState::active);
  CHECK(r.changes.empty());
  creditmeter::SessionStats stats;
  r.m.fill_stats(r.now, stats);
  CHECK(stats.heartbeats_ok == 0);
  CHECK(stats.heartbeats_failed == 0);
}

TEST_CASE("stats follow the answers", "[unit][machine][cadence]") {
  Rig r(60s, 300s);
  creditmeter::SessionStats stats;
  r.m.fill_stats(r.now, stats);
  CHECK(stats.balance == 100);  // from the grant
  CHECK(stats.grace_remaining_ms == 300000);
  r.beat(60000, ok(98.0, 2.0));
  r.beat(60000, status(503));
  r.elapse(10s);
  r.m.fill_stats(r.now, stats);
  CHECK(stats.reported_ms == 60000);
  CHECK(stats.credits_charged == 2.0);
  CHECK(stats.balance == 98.0);
  CHECK(stats.heartbeats_ok == 1);
  CHECK(stats.heartbeats_failed == 1);
  CHECK(stats.grace_remaining_ms == 300000 - 70000);  // from the 2xx at 60 s
}

TEST_CASE("heartbeat due times sit on a grid of min(50 ms, interval/20): never early, at most one slot late",
          "[unit][machine][cadence]") {
  Rig r(10s);  // grid 50 ms; t0 is on the grid
  CHECK(r.m.next_wakeup() == r.t0 + 10s);
  // A heartbeat sent off the grid (a flush at t0 + 3.012 s) makes the next one due on the
  // first grid point at or after send + interval, not at send + interval exactly.
  r.elapse(3012ms, 3012);
  r.m.request_flush();
  r.send();
  r.reply(ok());
  const TimePoint sent = r.now;
  const TimePoint due = r.m.next_wakeup();
  CHECK(due >= sent + 10s);
  CHECK(due < sent + 10s + 50ms);
  CHECK(due.count() % std::chrono::nanoseconds(50ms).count() == 0);
  // Two sessions whose heartbeats fall due in the same slot share the due time.
  Rig other(10s);
  other.elapse(3040ms, 3040);
  other.m.request_flush();
  other.send();
  other.reply(ok());
  CHECK(other.m.next_wakeup() == due);
  // A short interval gets a finer grid (interval/20): 200 ms -> 10 ms.
  Rig fast(200ms);
  fast.elapse(3ms, 3);
  fast.m.request_flush();
  fast.send();
  fast.reply(ok());
  CHECK(fast.m.next_wakeup() == fast.t0 + 210ms);
}

TEST_CASE("the cadence does not drift: a heartbeat sent late on schedule keeps the next one on t0 + k x interval",
          "[unit][machine][cadence]") {
  Rig r(10s);
  for (int k = 1; k <= 5; ++k) {
    INFO("heartbeat " << k);
    CHECK(r.m.next_wakeup() == r.t0 + k * 10s);
    r.elapse_to(r.t0 + k * 10s + 30ms);  // the scheduler got to it 30 ms late
    r.send();
    r.elapse(2ms);
    r.reply(ok());
  }
  // More than an interval late (after an outage): the cadence restarts from the send.
  r.elapse_to(r.t0 + 60s + 12s);
  r.send();
  r.reply(ok());
  CHECK(r.m.next_wakeup() == r.t0 + 82s);
}
