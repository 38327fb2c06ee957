#pragma once
// When a failed request goes on the wire again. One timer per request that can fail: the
// session's unacknowledged heartbeat or release, and its token re-exchange. The delay is the
// server's Retry-After when it sent one, else the jittered backoff (backoff.hpp), which a
// session paused offline caps lower so that it comes back within seconds of connectivity.

#include <chrono>
#include <functional>
#include <optional>

#include "core/backoff.hpp"
#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

struct RetryTimer {
  TimePoint at{};         // not before this
  unsigned attempts = 0;  // failures since the request was first sent

  // A fresh request, ready at `now`.
  static RetryTimer ready_at(TimePoint now) { return RetryTimer{now, 0}; }

  // One more failure at `now`: the next attempt waits `retry_after` when the server sent one
  // (even above the backoff's cap: the server knows its load), else the backoff's jittered
  // delay. `random01` (in [0, 1)) is drawn only for the latter; without one, the middle.
  void schedule(TimePoint now, std::optional<std::chrono::milliseconds> retry_after,
                const BackoffPolicy& backoff, bool paused_offline, const std::function<double()>& random01);
  // Go at the next chance, backoff or not (stop(), flush()).
  void hurry() { at = TimePoint::min(); }
  // The OS says the network is back: go at the next chance and start the backoff over.
  void network_back() {
    at = TimePoint::min();
    attempts = 0;
  }
  // The OS says the network is gone: no attempt before the slow probe `probe` from `now`
  // (the OS can be wrong), unless the timer waits longer already.
  void network_gone(TimePoint now, std::chrono::milliseconds probe) {
    if (at < now + probe) at = now + probe;
  }
  bool ready(TimePoint now) const { return now >= at; }
};

}  // namespace core
}  // namespace creditmeter
