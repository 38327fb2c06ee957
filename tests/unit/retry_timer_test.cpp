// RetryTimer (src/core/retry_timer.cpp): when a failed request goes again. The backoff's own
// numbers are in backoff_test.cpp; here, how a timer uses them and Retry-After.

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>

#include "core/retry_timer.hpp"

namespace core = creditmeter::core;
using namespace std::chrono_literals;
using core::RetryTimer;
using core::TimePoint;

TEST_CASE("each failure counts an attempt and backs off from now", "[unit][retry]") {
  const core::BackoffPolicy backoff{60s};
  const TimePoint t0(1h);
  RetryTimer r = RetryTimer::ready_at(t0);
  CHECK(r.ready(t0));
  CHECK_FALSE(r.ready(t0 - 1ns));
  const std::function<double()> top = [] { return 0.999999; };  // ~ the ceiling
  r.schedule(t0, std::nullopt, backoff, false, top);
  CHECK(r.attempts == 1);
  CHECK(r.at == t0 + std::chrono::duration_cast<TimePoint>(backoff.delay(1, false, 0.999999)));
  CHECK(r.at > t0 + 900ms);
  r.schedule(t0 + 1s, std::nullopt, backoff, false, top);
  CHECK(r.attempts == 2);
  CHECK(r.at == t0 + 1s + std::chrono::duration_cast<TimePoint>(backoff.delay(2, false, 0.999999)));
  CHECK(r.at > t0 + 2900ms);  // doubled
}

TEST_CASE("paused offline, the backoff's lower cap applies", "[unit][retry]") {
  const core::BackoffPolicy backoff{60s};
  const std::function<double()> top = [] { return 0.999999; };
  RetryTimer online, offline;
  online.attempts = offline.attempts = 9;
  online.schedule(TimePoint(0), std::nullopt, backoff, false, top);
  offline.schedule(TimePoint(0), std::nullopt, backoff, true, top);
  CHECK(online.at > TimePoint(29s));
  CHECK(offline.at <= TimePoint(5s));
  CHECK(offline.at > TimePoint(4s));
}

TEST_CASE("Retry-After wins, even above the cap, and draws no random number", "[unit][retry]") {
  int draws = 0;
  const std::function<double()> counting = [&draws] { ++draws; return 0.5; };
  RetryTimer r;
  r.schedule(TimePoint(10s), 45s, core::BackoffPolicy{10s}, false, counting);
  CHECK(r.at == TimePoint(55s));
  CHECK(r.attempts == 1);
  CHECK(draws == 0);
  r.schedule(TimePoint(10s), std::nullopt, core::BackoffPolicy{10s}, false, counting);
  CHECK(draws == 1);
}

TEST_CASE("without a random source the delay is the middle of the jitter", "[unit][retry]") {
  const core::BackoffPolicy backoff{60s};
  RetryTimer r;
  r.schedule(TimePoint(0), std::nullopt, backoff, false, nullptr);
  CHECK(r.at == std::chrono::duration_cast<TimePoint>(backoff.delay(1, false, 0.5)));
}

TEST_CASE("hurry makes a timer ready at any time", "[unit][retry]") {
  RetryTimer r{TimePoint(1h), 3};
  CHECK_FALSE(r.ready(TimePoint(0)));
  r.hurry();
  CHECK(r.ready(TimePoint(0)));
  CHECK(r.attempts == 3);  // the backoff goes on from where it was
}
