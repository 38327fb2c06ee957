#include "wake_timer.hpp"

#if defined(__linux__)
#include <sys/timerfd.h>
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

void WakeTimer::arm(std::chrono::nanoseconds delay) {
  if (fd_ < 0) return;
  // A zero it_value would disarm: "at once" is the smallest delay instead.
  const std::int64_t ns = delay.count() > 0 ? delay.count() : 1;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  // Relative to now: the caller measured `delay` from its Clock's now(), which for the default
  // clock is this same CLOCK_BOOTTIME, read before this call, so the firing is never early.
  timerfd_settime(fd_, 0, &spec, nullptr);
}

void WakeTimer::disarm() {
  if (fd_ < 0) return;
  const itimerspec spec{};
  timerfd_settime(fd_, 0, &spec, nullptr);
}

bool WakeTimer::clear() {
  if (fd_ < 0) return false;
  std::uint64_t expirations = 0;
  ssize_t n;
  do {
    n = read(fd_, &expirations, sizeof expirations);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof expirations) && expirations > 0;
}

#else

// No timer descriptor here (see the header for Apple's equivalent): the scheduler's poll
// timeout carries the time.
WakeTimer::WakeTimer() = default;
WakeTimer::~WakeTimer() = default;
void WakeTimer::arm(std::chrono::nanoseconds) {}
void WakeTimer::disarm() {}
bool WakeTimer::clear() { return false; }

#endif

}  // namespace detail
}  // namespace creditmeter
