#pragma once
// The scheduler's alarm clock: a descriptor that becomes readable when the next thing is due,
// on a clock that counts time spent suspended, so the I/O thread sleeps in one poll (its
// transfers and this timer together) until exactly then, and a deadline that passed while
// the device slept acts as soon as it wakes (docs/LIFECYCLE.md "The scheduler's sleep").
//
// Linux and Android: a timerfd on CLOCK_BOOTTIME. Elsewhere fd() is -1 and the caller's poll
// timeout carries the time instead (it stops while suspended: acted on late, never early).
// Apple (not built here): a kqueue with an EVFILT_TIMER on the continuous clock
// (NOTE_MACH_CONTINUOUS_TIME, mach_continuous_time) gives the same readable descriptor.
// Scheduler thread only.

#include <chrono>
#include <cstdint>

namespace creditmeter {
namespace detail {

class WakeTimer {
 public:
  WakeTimer();
  ~WakeTimer();
  WakeTimer(const WakeTimer&) = delete;
  WakeTimer& operator=(const WakeTimer&) = delete;

  // Readable once the armed time has come; -1 when this platform (or the process's descriptor
  // limit) has no such timer.
  int fd() const { return fd_; }
  // Fires `delay` from now, to the nanosecond, never before (a delay <= 0 fires at once).
  // Replaces an earlier arming and clears a firing not yet read.
  void arm(std::chrono::nanoseconds delay);
  // The scheduler's sleep: fires at `due` of the caller's clock, `due - now` from now. Each
  // system call costs several microseconds on a VM, and most sleeps of a busy loop go back
  // to the same due time (an answer came in meanwhile): an arming for the same `due` that
  // cannot have fired yet (its boot-time moment has not come) is kept as it is, with no
  // system call. Any other arming replaces it, which also clears a firing not yet read, so
  // the caller never has to read the descriptor: every sleep arms or disarms first.
  void arm_for(std::chrono::nanoseconds due, std::chrono::nanoseconds now);
  // Quiet until the next arming (no system call when nothing is armed or pending).
  void disarm();
  // Reads a firing away, so the descriptor is quiet until the next arming. Returns whether
  // it had fired.
  bool clear();

 private:
  int fd_ = -1;
  // Whether an arming may be pending or fired unread; the caller's `due` of the last
  // arm_for(), and CLOCK_BOOTTIME (ns) before which that arming cannot have fired.
  bool armed_ = false;
  bool due_known_ = false;
  std::chrono::nanoseconds due_{0};
  std::int64_t quiet_until_ns_ = 0;
};

}  // namespace detail
}  // namespace creditmeter
