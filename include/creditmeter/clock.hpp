#pragma once
// The one source of time for every deadline in the SDK. Injectable, so tests can drive
// five minutes of grace in microseconds with a ManualClock.

#include "creditmeter/export.h"

#include <chrono>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace creditmeter {

class CREDITMETER_API Clock {
 public:
  using duration = std::chrono::nanoseconds;  // since an arbitrary, fixed epoch

  virtual ~Clock() = default;
  // For deadlines (heartbeats, grace, backoff). The default counts time the machine spends
  // suspended (CLOCK_BOOTTIME), so a laptop that sleeps through the grace pauses on waking.
  virtual duration now() const noexcept = 0;
  // For frame activity: cheap and coarse (CLOCK_MONOTONIC_COARSE, a few ms of resolution).
  virtual duration coarse_now() const noexcept = 0;

  // Clocks that jump (ManualClock) call the listener after every jump so that waiters
  // re-check their deadlines at once. Real clocks never jump; the default does nothing.
  virtual std::uint64_t add_jump_listener(std::function<void()> listener);
  virtual void remove_jump_listener(std::uint64_t id);
};

// The process-wide default clock (CLOCK_BOOTTIME / CLOCK_MONOTONIC_COARSE).
CREDITMETER_API std::shared_ptr<Clock> system_clock();

// A clock that moves only when told to: for tests of timing logic.
class CREDITMETER_API ManualClock final : public Clock {
 public:
  explicit ManualClock(duration start = std::chrono::hours(1)) : now_(start.count()) {}
  duration now() const noexcept override { return duration(now_.load()); }
  duration coarse_now() const noexcept override { return duration(now_.load()); }
  void advance(duration d);
  void set(duration t);

  std::uint64_t add_jump_listener(std::function<void()> listener) override;
  void remove_jump_listener(std::uint64_t id) override;

 private:
  void notify();
  std::atomic<std::int64_t> now_;
  std::mutex listeners_mutex_;  // held while listeners run: removal waits for a running one
  std::map<std::uint64_t, std::function<void()>> listeners_;
  std::uint64_t next_listener_ = 1;
};

}  // namespace creditmeter
