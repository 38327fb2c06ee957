// The scheduler's wake timer: a descriptor that becomes readable when armed time has come,
// on CLOCK_BOOTTIME, never before; quiet again once cleared, re-armed or disarmed.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#if defined(__linux__)
#include <sys/timerfd.h>
#endif
#include <time.h>

#include <chrono>

#include "wake_timer.hpp"

using creditmeter::detail::WakeTimer;
using namespace std::chrono_literals;

namespace {

std::chrono::nanoseconds boottime() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Waits (with a deadline) for the descriptor to become readable.
bool readable_within(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 && (p.revents & POLLIN) != 0;
}

bool readable_now(int fd) { return readable_within(fd, 0ms); }

}  // namespace

#if defined(__linux__)

TEST_CASE("the wake timer is a non-blocking, close-on-exec descriptor, quiet until armed", "[unit][client]") {
  WakeTimer timer;
  REQUIRE(timer.fd() >= 0);
  CHECK((fcntl(timer.fd(), F_GETFL) & O_NONBLOCK) != 0);
  CHECK((fcntl(timer.fd(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK_FALSE(readable_now(timer.fd()));
  CHECK_FALSE(timer.clear());  // nothing fired: returns at once rather than blocking
}

TEST_CASE("the wake timer fires at the armed time, never before it", "[unit][client]") {
  WakeTimer timer;
  const auto delay = 30ms;
  const auto armed_at = boottime();
  timer.arm(delay);
  REQUIRE(readable_within(timer.fd(), 5000ms));
  CHECK(boottime() - armed_at >= delay);
  CHECK(timer.clear());
  CHECK_FALSE(readable_now(timer.fd()));  // cleared: quiet until the next arming
}

TEST_CASE("a wake timer armed for a time already past fires at once", "[unit][client]") {
  WakeTimer timer;
  SECTION("zero") { timer.arm(0ns); }
  SECTION("negative") { timer.arm(-5s); }
  CHECK(readable_within(timer.fd(), 5000ms));
  CHECK(timer.clear());
}

TEST_CASE("re-arming or disarming the wake timer drops a firing not yet read", "[unit][client]") {
  WakeTimer timer;
  timer.arm(1ns);
  REQUIRE(readable_within(timer.fd(), 5000ms));
  SECTION("disarmed") {
    timer.disarm();
    CHECK_FALSE(readable_now(timer.fd()));
    CHECK_FALSE(timer.clear());
  }
  SECTION("re-armed for later") {
    timer.arm(1h);
    CHECK_FALSE(readable_now(timer.fd()));
    CHECK_FALSE(timer.clear());
  }
}

namespace {
// What is left of the armed time (0: disarmed or fired).
std::chrono::nanoseconds remaining(const WakeTimer& timer) {
  itimerspec left{};
  REQUIRE(timerfd_gettime(timer.fd(), &left) == 0);
  return std::chrono::seconds(left.it_value.tv_sec) + std::chrono::nanoseconds(left.it_value.tv_nsec);
}
}  // namespace

TEST_CASE("a sleep until the same due time keeps the pending arming as it is", "[unit][client]") {
  WakeTimer timer;
  const auto due = 1000h;
  timer.arm_for(due, due - 1h);
  const auto first = remaining(timer);
  REQUIRE(first > 59min);
  timer.arm_for(due, due - 1h);  // re-arming would restart the hour: kept, it only ran down
  CHECK(remaining(timer) < first);
  SECTION("another due time arms anew") {
    timer.arm_for(due + 1h, due - 1h);
    CHECK(remaining(timer) > 119min);
  }
  SECTION("disarmed, the same due time arms anew") {
    timer.disarm();
    CHECK(remaining(timer) == 0ns);
    timer.arm_for(due, due - 1h);
    CHECK(remaining(timer) > 59min);
  }
  CHECK_FALSE(readable_now(timer.fd()));
}

TEST_CASE("a sleep until the same due time after it fired arms anew (never a readable descriptor to sleep on)",
          "[unit][client]") {
  WakeTimer timer;
  const auto due = 1000h;
  timer.arm_for(due, due - 1ms);
  REQUIRE(readable_within(timer.fd(), 5000ms));
  // As after a ManualClock that stood still while real time passed: the same due time, the
  // real moment gone. Keeping the fired arming would end every poll at once.
  timer.arm_for(due, due - 1h);
  CHECK_FALSE(readable_now(timer.fd()));
  CHECK(remaining(timer) > 59min);
}

TEST_CASE("a fired wake timer is quiet after the next sleep's arming or disarming, unread", "[unit][client]") {
  WakeTimer timer;
  timer.arm_for(10h, 10h - 1ms);
  REQUIRE(readable_within(timer.fd(), 5000ms));
  SECTION("nothing due: disarmed") { timer.disarm(); }
  SECTION("the next due time") { timer.arm_for(11h, 10h); }
  CHECK_FALSE(readable_now(timer.fd()));
}

#else

TEST_CASE("without a timer descriptor the wake timer says so", "[unit][client]") {
  WakeTimer timer;
  CHECK(timer.fd() == -1);
  timer.arm(1ms);
  CHECK_FALSE(timer.clear());
}

#endif
