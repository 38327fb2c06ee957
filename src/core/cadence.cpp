#include "core/cadence.hpp"

#include <algorithm>
#include <limits>

namespace creditmeter {
namespace core {

HeartbeatCadence::HeartbeatCadence(std::chrono::milliseconds interval, TimePoint now, std::int64_t wall_ms)
    : interval_(interval), next_due_(due_after(now, interval)), period_start_wall_ms_(wall_ms) {}

// Heartbeat due times sit on a grid of min(50 ms, interval/20) of the clock: sessions whose
// heartbeats fall due in the same slot share one wake-up of the scheduler (one timer pass, one
// batch on the pooled connections) instead of one each: at 10,000 sessions that turns ~1,000
// wake-ups a second into ~20. A heartbeat is never early; it is at most one slot late.
TimePoint HeartbeatCadence::due_after(TimePoint now, std::chrono::milliseconds interval) {
  const std::int64_t grid = std::max<std::int64_t>(
      1, std::min<std::int64_t>(50000000, std::chrono::duration_cast<TimePoint>(interval).count() / 20));
  const std::int64_t t = (now + interval).count();
  if (t <= 0 || t > std::numeric_limits<std::int64_t>::max() - grid) return TimePoint(t);
  return TimePoint((t + grid - 1) / grid * grid);
}

// After a heartbeat (or checkpoint) at `now`: on schedule, the next is due one interval after
// the due time it served, so the cadence does not drift by the send's lateness each interval;
// off schedule (a flush before the due time, or a send more than an interval late after an
// outage) one interval after now.
void HeartbeatCadence::advance(TimePoint now) {
  const bool on_schedule =
      now >= next_due_ && now - next_due_ < std::chrono::duration_cast<TimePoint>(interval_);
  next_due_ = due_after(on_schedule ? next_due_ : now, interval_);
}

std::int64_t HeartbeatCadence::close_period(std::int64_t wall_ms) {
  const std::int64_t start = period_start_wall_ms_;
  period_start_wall_ms_ = wall_ms;
  return start;
}

}  // namespace core
}  // namespace creditmeter
