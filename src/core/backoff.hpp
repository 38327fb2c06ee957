#pragma once
// The retry schedule (docs/LIFECYCLE.md, "Timing rules"): base min(1 s, interval/4), doubling, full jitter, capped
// at min(30 s, interval), or min(5 s, interval) while paused offline so that an avatar
// comes back within seconds of connectivity. A Retry-After overrides it, clamped to 60 s.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace creditmeter {
namespace core {

using std::chrono::milliseconds;

struct BackoffPolicy {
  milliseconds interval{60000};

  milliseconds base() const;
  milliseconds cap(bool paused_offline) const;
  // The upper bound of the jittered delay before retry number `attempt` (1 = first retry).
  milliseconds ceiling(unsigned attempt, bool paused_offline) const;
  // The delay: uniform in [0, ceiling] from `random01` in [0, 1) (full jitter).
  milliseconds delay(unsigned attempt, bool paused_offline, double random01) const;
};

constexpr milliseconds kMaxRetryAfter{60000};

// A Retry-After header value: delay-seconds or an HTTP-date (relative to `wall_now`, Unix
// seconds). Clamped to [0, 60 s]; nullopt when unreadable.
std::optional<milliseconds> parse_retry_after(const std::string& value, std::int64_t wall_now_s);

}  // namespace core
}  // namespace creditmeter
