#pragma once
// When a session's next heartbeat is due, and the wall-clock period it covers. Two rules
// (docs/LIFECYCLE.md "Timing rules and defaults"): due times sit on a coarse grid so that
// sessions share the scheduler's wake-ups, and the cadence does not drift by each send's
// lateness. The wall clock only labels periods: a wall-clock jump never moves a due time.

#include <chrono>
#include <cstdint>

#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

class HeartbeatCadence {
 public:
  // The first heartbeat is due one interval after `now`; its period starts at `wall_ms`.
  HeartbeatCadence(std::chrono::milliseconds interval, TimePoint now, std::int64_t wall_ms);

  std::chrono::milliseconds interval() const { return interval_; }
  // A re-attach may bring another interval: it applies from the next heartbeat on.
  void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }

  TimePoint next_due() const { return next_due_; }
  bool due(TimePoint now) const { return now >= next_due_; }
  // Moves the due time on after a heartbeat (or a checkpoint) at `now` (see the definition).
  void advance(TimePoint now);

  // Ends the current period at `wall_ms` (the heartbeat built now reports it) and starts the
  // next one there, so that consecutive periods are contiguous. Returns the period's start.
  std::int64_t close_period(std::int64_t wall_ms);

  // The first grid point at or after now + interval.
  static TimePoint due_after(TimePoint now, std::chrono::milliseconds interval);

 private:
  std::chrono::milliseconds interval_;
  TimePoint next_due_;
  std::int64_t period_start_wall_ms_;
};

}  // namespace core
}  // namespace creditmeter
