#pragma once
// The offline grace (docs/LIFECYCLE.md "States", docs/PROTOCOL.md): rendering goes on for
// `grace` after the last 2xx (the token exchange counts as one), then the session pauses
// until the server answers again. This only keeps the deadline; whether the session is paused
// offline is one of its holds (state_holds.hpp).

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

class GraceTimer {
 public:
  GraceTimer(std::chrono::milliseconds grace, TimePoint deadline) : grace_(grace), deadline_(deadline) {}
  // No deadline at all: a session that never pauses for the network (recovered, audio-only).
  static GraceTimer never_expires(std::chrono::milliseconds grace) { return GraceTimer(grace, TimePoint::max()); }

  std::chrono::milliseconds grace() const { return grace_; }
  // A re-attach may bring another grace: it applies from the next 2xx on.
  void set_grace(std::chrono::milliseconds grace) { grace_ = grace; }

  // A 2xx at `now`: the grace starts again.
  void restart(TimePoint now) { deadline_ = now + grace_; }
  TimePoint deadline() const { return deadline_; }
  bool passed(TimePoint now) const { return now >= deadline_; }
  std::int64_t remaining_ms(TimePoint now) const {
    return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now).count());
  }

 private:
  std::chrono::milliseconds grace_;
  TimePoint deadline_;
};

}  // namespace core
}  // namespace creditmeter
