// HeartbeatCadence (src/core/cadence.cpp) on its own: the batching grid, the drift-free
// advance, and the contiguous wall-clock periods. The same rules seen through the session
// machine are in session_machine_cadence_test.cpp.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>

#include "core/cadence.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using core::HeartbeatCadence;
using core::TimePoint;

TEST_CASE("due_after rounds now + interval up to a grid of min(50 ms, interval/20)", "[unit][cadence]") {
  // 60 s interval: a 50 ms grid.
  CHECK(HeartbeatCadence::due_after(TimePoint(0ms), 60s) == TimePoint(60s));
  CHECK(HeartbeatCadence::due_after(TimePoint(1ms), 60s) == TimePoint(60050ms));
  CHECK(HeartbeatCadence::due_after(TimePoint(50ms), 60s) == TimePoint(60050ms));
  CHECK(HeartbeatCadence::due_after(TimePoint(51ms), 60s) == TimePoint(60100ms));
  // 200 ms interval: interval/20 = 10 ms is finer than 50 ms.
  CHECK(HeartbeatCadence::due_after(TimePoint(3ms), 200ms) == TimePoint(210ms));
  // Never early, at most one slot late, for any phase.
  for (std::int64_t ns = 0; ns < 100000000; ns += 7777777) {
    const TimePoint due = HeartbeatCadence::due_after(TimePoint(ns), 1s);
    CHECK(due >= TimePoint(ns) + 1s);
    CHECK(due < TimePoint(ns) + 1s + 50ms);
  }
}

TEST_CASE("due_after never overflows at the end of time", "[unit][cadence]") {
  CHECK(HeartbeatCadence::due_after(TimePoint::max(), 0ms) == TimePoint::max());
  const TimePoint near_end(std::numeric_limits<std::int64_t>::max() - 10);
  CHECK(HeartbeatCadence::due_after(near_end, 0ms) == near_end);
}

TEST_CASE("a cadence is due one interval after it starts, and advances without drift", "[unit][cadence]") {
  const TimePoint t0(1h);
  HeartbeatCadence c(60s, t0, 1000);
  CHECK(c.interval() == 60s);
  CHECK(c.next_due() == t0 + 60s);
  CHECK_FALSE(c.due(t0 + 60s - 1ms));
  CHECK(c.due(t0 + 60s));

  SECTION("a send late on schedule keeps the next due time on t0 + k x interval") {
    c.advance(t0 + 60s + 700ms);
    CHECK(c.next_due() == t0 + 120s);
    c.advance(t0 + 120s + 59s);  // late by less than an interval: still on schedule
    CHECK(c.next_due() == t0 + 180s);
  }
  SECTION("a send before its due time (a flush) starts a new interval from now") {
    c.advance(t0 + 10s);
    CHECK(c.next_due() == t0 + 70s);
  }
  SECTION("a send more than an interval late (after an outage) starts from now") {
    c.advance(t0 + 200s);
    CHECK(c.next_due() == t0 + 260s);
  }
  SECTION("a new interval applies from the next advance") {
    c.set_interval(10s);
    CHECK(c.next_due() == t0 + 60s);
    c.advance(t0 + 60s);
    CHECK(c.next_due() == t0 + 70s);
  }
}

TEST_CASE("periods are contiguous: each closes where the next starts", "[unit][cadence]") {
  HeartbeatCadence c(60s, TimePoint(0), 1000);
  CHECK(c.close_period(61000) == 1000);
  CHECK(c.close_period(121500) == 61000);
  CHECK(c.close_period(90000) == 121500);  // a wall-clock jump back only changes the labels
}
