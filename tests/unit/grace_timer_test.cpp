// GraceTimer (src/core/grace_timer.hpp): the offline grace deadline, to the nanosecond.

#include <catch2/catch.hpp>

#include <chrono>

#include "core/grace_timer.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using core::GraceTimer;
using core::TimePoint;

TEST_CASE("the grace passes at its deadline, not a nanosecond before", "[unit][grace]") {
  const TimePoint t0(1h);
  GraceTimer g(300s, t0 + 300s);
  CHECK(g.grace() == 300s);
  CHECK(g.deadline() == t0 + 300s);
  CHECK_FALSE(g.passed(t0 + 300s - 1ns));
  CHECK(g.passed(t0 + 300s));
  CHECK(g.remaining_ms(t0) == 300000);
  CHECK(g.remaining_ms(t0 + 299999ms) == 1);
  CHECK(g.remaining_ms(t0 + 400s) == 0);  // never negative
}

TEST_CASE("a 2xx restarts the grace, with the grace it has then", "[unit][grace]") {
  const TimePoint t0(1h);
  GraceTimer g(300s, t0 + 300s);
  g.restart(t0 + 100s);
  CHECK(g.deadline() == t0 + 400s);
  g.set_grace(10s);
  CHECK(g.deadline() == t0 + 400s);  // a new grace waits for the next 2xx
  g.restart(t0 + 200s);
  CHECK(g.deadline() == t0 + 210s);
}

TEST_CASE("a timer that never expires", "[unit][grace]") {
  const GraceTimer g = GraceTimer::never_expires(5s);
  CHECK(g.grace() == 5s);
  CHECK_FALSE(g.passed(TimePoint(24h * 365 * 100)));
  CHECK(g.deadline() == TimePoint::max());
}
