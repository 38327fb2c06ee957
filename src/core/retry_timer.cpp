#include "core/retry_timer.hpp"

namespace creditmeter {
namespace core {

void RetryTimer::schedule(TimePoint now, std::optional<std::chrono::milliseconds> retry_after,
                          const BackoffPolicy& backoff, bool paused_offline,
                          const std::function<double()>& random01) {
  ++attempts;
  const std::chrono::milliseconds delay =
      retry_after ? *retry_after : backoff.delay(attempts, paused_offline, random01 ? random01() : 0.5);
  at = now + std::chrono::duration_cast<TimePoint>(delay);
}

}  // namespace core
}  // namespace creditmeter
