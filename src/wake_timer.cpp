#include "wake_timer.hpp"

#if defined(__linux__)
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#endif

namespace creditmeter {
namespace detail {

#if defined(__linux__)

// CLOCK_BOOTTIME: the clock of the default Clock::now(), counting suspended time, so a due
// time that passed while the device slept fires as it wakes.
WakeTimer::WakeTimer() : fd_(timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC)) {}

WakeTimer::~WakeTimer() {
  if (fd_ >= 0) close(fd_);
}

namespace {
std::int64_t boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);  // vDSO: no system call
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

void WakeTimer::arm(std::chrono::nanoseconds delay) {
  if (fd_ < 0) return;
  // A zero it_value would disarm: "at once" is the smallest delay instead.
  const std::int64_t ns = delay.count() > 0 ? delay.count() : 1;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  // The kernel counts from its own now, which is after this read: the firing is not before
  // quiet_until_ns_.
  quiet_until_ns_ = boottime_ns() + ns;
  // Relative to now: the caller measured `delay` from its Clock's now(), which for the default
  // clock is this same CLOCK_BOOTTIME, read before this call, so the firing is never early.
  timerfd_settime(fd_, 0, &spec, nullptr);
  armed_ = true;
  due_known_ = false;
}

void WakeTimer::arm_for(std::chrono::nanoseconds due, std::chrono::nanoseconds now) {
  if (fd_ < 0) return;
  // Kept only while its boot-time moment is ahead: a firing already readable would end
  // every poll at once. (With a test's ManualClock `due` stays put while real time passes:
  // the real moment then comes, and the next sleep arms anew.)
  if (armed_ && due_known_ && due == due_ && boottime_ns() < quiet_until_ns_) return;
  arm(due - now);
  due_known_ = true;
  due_ = due;
}

void WakeTimer::disarm() {
  if (fd_ < 0 || !armed_) return;
  const itimerspec spec{};
  timerfd_settime(fd_, 0, &spec, nullptr);
  armed_ = false;
  due_known_ = false;
}

bool WakeTimer::clear() {
  if (fd_ < 0) return false;
  std::uint64_t expirations = 0;
  ssize_t n;
  do {
    n = read(fd_, &expirations, sizeof expirations);
  } while (n < 0 && errno == EINTR);
  const bool fired = n == static_cast<ssize_t>(sizeof expirations) && expirations > 0;
  if (fired) armed_ = false;  // one shot: nothing pending any more
  return fired;
}

#else

// No timer descriptor here (see the header for Apple's equivalent): the scheduler's poll
// timeout carries the time.
WakeTimer::WakeTimer() = default;
WakeTimer::~WakeTimer() = default;
void WakeTimer::arm(std::chrono::nanoseconds) {}
void WakeTimer::arm_for(std::chrono::nanoseconds, std::chrono::nanoseconds) {}
void WakeTimer::disarm() {}
bool WakeTimer::clear() { return false; }

#endif

}  // namespace detail
}  // namespace creditmeter
