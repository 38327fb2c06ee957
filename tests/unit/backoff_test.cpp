// The retry schedule (BackoffPolicy) and Retry-After parsing, as pure functions. The same
// schedule driven through the session machine is in session_machine_offline_test.cpp.

#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/backoff.hpp"

namespace core = creditmeter::core;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

namespace {
core::BackoffPolicy policy(milliseconds interval) {
  core::BackoffPolicy p;
  p.interval = interval;
  return p;
}
constexpr std::int64_t kWed21Oct2015 = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
}  // namespace

TEST_CASE("backoff base is min(1 s, interval/4) and cap min(30 s, interval), 5 s paused offline",
          "[unit][backoff]") {
  CHECK(policy(60s).base() == 1000ms);
  CHECK(policy(4s).base() == 1000ms);
  CHECK(policy(2s).base() == 500ms);
  CHECK(policy(1s).base() == 250ms);
  CHECK(policy(2ms).base() == 1ms);  // never zero: no busy retry loop

  CHECK(policy(60s).cap(false) == 30s);
  CHECK(policy(30s).cap(false) == 30s);
  CHECK(policy(10s).cap(false) == 10s);
  CHECK(policy(60s).cap(true) == 5s);
  CHECK(policy(10s).cap(true) == 5s);
  CHECK(policy(2s).cap(true) == 2s);
}

TEST_CASE("backoff ceilings double from the base up to the cap", "[unit][backoff]") {
  const auto p = policy(60s);
  const std::vector<milliseconds> online = {1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s};
  for (unsigned attempt = 1; attempt <= online.size(); ++attempt) {
    INFO("attempt " << attempt);
    CHECK(p.ceiling(attempt, false) == online[attempt - 1]);
  }
  const std::vector<milliseconds> offline = {1s, 2s, 4s, 5s, 5s};
  for (unsigned attempt = 1; attempt <= offline.size(); ++attempt) {
    INFO("attempt " << attempt);
    CHECK(p.ceiling(attempt, true) == offline[attempt - 1]);
  }
  // No overflow after days of retries.
  CHECK(p.ceiling(100000, false) == 30s);
  CHECK(p.ceiling(~0u, true) == 5s);

  const auto fast = policy(1s);  // the integration tests' interval
  CHECK(fast.ceiling(1, false) == 250ms);
  CHECK(fast.ceiling(2, false) == 500ms);
  CHECK(fast.ceiling(3, false) == 1000ms);
  CHECK(fast.ceiling(4, false) == 1000ms);
}

TEST_CASE("full jitter: the delay is uniform in [0, ceiling]", "[unit][backoff]") {
  const auto p = policy(60s);
  CHECK(p.delay(1, false, 0.0) == 0ms);
  CHECK(p.delay(1, false, 0.5) == 500ms);
  CHECK(p.delay(1, false, 0.999999) == 999ms);
  CHECK(p.delay(6, false, 0.999999) == 29999ms);
  CHECK(p.delay(6, true, 0.999999) == 4999ms);
  CHECK(p.delay(3, false, 1.0) == 4s);
  // A random source out of its range is clamped, not trusted.
  CHECK(p.delay(3, false, 7.0) == 4s);
  CHECK(p.delay(3, false, -1.0) == 0ms);

  std::mt19937_64 rng(20240611);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (unsigned attempt = 1; attempt <= 8; ++attempt) {
    const milliseconds top = p.ceiling(attempt, false);
    milliseconds lo = top, hi = 0ms;
    for (int i = 0; i < 500; ++i) {
      const milliseconds d = p.delay(attempt, false, uniform(rng));
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    INFO("attempt " << attempt);
    CHECK(lo >= 0ms);
    CHECK(hi <= top);
    // Really jittered over the whole range, not a fixed fraction of it.
    CHECK(lo <= top / 10);
    CHECK(hi >= top * 9 / 10);
  }
}

TEST_CASE("Retry-After in delay-seconds", "[unit][backoff][retry_after]") {
  CHECK(core::parse_retry_after("0", kWed21Oct2015) == 0ms);
  CHECK(core::parse_retry_after("5", kWed21Oct2015) == 5s);
  CHECK(core::parse_retry_after(" 7\r\n", kWed21Oct2015) == 7s);
  CHECK(core::parse_retry_after("60", kWed21Oct2015) == 60s);
  CHECK(core::parse_retry_after("61", kWed21Oct2015) == 60s);   // clamped
  CHECK(core::parse_retry_after("3600", kWed21Oct2015) == 60s);
  CHECK(core::parse_retry_after("99999999999999999999", kWed21Oct2015) == 60s);  // no overflow
}

TEST_CASE("Retry-After as an HTTP-date, all three forms", "[unit][backoff][retry_after]") {
  const std::int64_t now = kWed21Oct2015 - 30;
  CHECK(core::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 30s);       // IMF-fixdate
  CHECK(core::parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now) == 30s);   // RFC 850
  CHECK(core::parse_retry_after("Wed Oct 21 07:28:00 2015", now) == 30s);            // asctime
  CHECK(core::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kWed21Oct2015 + 100) == 0ms);  // past
  CHECK(core::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kWed21Oct2015 - 3600) == 60s);  // clamped
}

TEST_CASE("an unreadable Retry-After is ignored", "[unit][backoff][retry_after]") {
  const std::vector<std::string> bad_values = {"",   "   ",  "-5",    "+5", "1.5",
                                               "5s", "soon", "12:00", std::string(65, 'x')};
  for (const auto& bad : bad_values) {
    INFO("'" << bad << "'");
    CHECK_FALSE(core::parse_retry_after(bad, kWed21Oct2015).has_value());
  }
}
