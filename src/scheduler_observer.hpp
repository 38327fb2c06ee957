#pragma once
// A test seam into the scheduler's sleep. The unit tests of the client shell must know when
// the I/O thread has gone to sleep with nothing left to do, how often it was woken, and when
// it has taken the answers a scripted transport gave it; the public API says nothing of the
// sleep, and reading the thread's state from the kernel (/proc) was Linux-only and fragile
// under emulation and load. So the scheduler tells an observer, when there is one, at the
// few moments that decide those questions, and a test waits on its own condition variable
// with a deadline.
//
// Internal: no public header includes this one and nothing here is exported; only the shell
// (scheduler.cpp, client_impl.cpp) and tests/unit include it. A client's scheduler is observed
// by the client's own transport when that object also implements SchedulerObserver (as
// tests/unit/fake_transport.hpp does), so the one way to build a client stays ClientOptions
// and the observer lives exactly as long as the transport the client holds. An app cannot
// implement an interface it is not given; without an observer each hook costs one pointer
// check, on the paths that are about to block or to make a system call anyway.

#include <chrono>
#include <memory>

#include "core/time_point.hpp"
#include "creditmeter/transport.hpp"

namespace creditmeter {
namespace detail {

class SchedulerObserver {
 public:
  virtual ~SchedulerObserver() = default;

  // Scheduler thread: the loop has planned its sleep (the wake timer is armed) and is about to
  // block in the transport's poll until `until` on the client's clock (TimePoint::max(): until
  // woken), for at most `max_wait` of real time.
  virtual void sleeping(core::TimePoint until, std::chrono::milliseconds max_wait) = 0;
  // Scheduler thread: the transport's poll returned, from a sleep or a poll that did not
  // block. The turn that follows sees whatever was asked of the loop before this call.
  virtual void polled() = 0;
  // Scheduler thread, inside the poll: the loop takes a transfer's completion (an answer, a
  // failure, a timeout or a shutdown's abort; not a token provider's synchronous answer).
  virtual void took_answer() = 0;
  // Any thread: the loop is asked to wake (a poke it must not sleep through, a jump of the
  // clock, shutdown), just before the transport's wakeup().
  virtual void wake_requested() = 0;
};

// The observer of a client whose ClientOptions::transport is `transport`: that same object
// when it implements SchedulerObserver, else none.
inline SchedulerObserver* scheduler_observer_of(const std::shared_ptr<HttpTransport>& transport) {
  return dynamic_cast<SchedulerObserver*>(transport.get());
}

}  // namespace detail
}  // namespace creditmeter
