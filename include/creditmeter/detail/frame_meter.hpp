#pragma once
// The renderer-facing half of a session: what frame() and may_render() touch. Lives in a
// public header only so that both calls inline into the render loop; not an API.

#include <atomic>
#include <cstdint>

#include "creditmeter/clock.hpp"

namespace creditmeter {
namespace detail {

struct FrameMeter {
  // Bit 0: the session may render (state is active). Bits 1..: the activation generation,
  // bumped each time the session becomes active again, so the first frame after a pause
  // never bills the paused gap before it.
  std::atomic<std::uint64_t> gate{0};
  // Active time in clock nanoseconds. Written only by frame() (one renderer thread per
  // session), read by the scheduler and stats(): a store, never a read-modify-write.
  std::atomic<std::int64_t> active_ns{0};
  // The most active time the spending cap allows (INT64_MAX: no cap). Set by the SDK; frame()
  // never meters past it, so a cap is never overshot while the scheduler notices and pauses.
  std::atomic<std::int64_t> cap_ns{INT64_MAX};

  const Clock* clock = nullptr;
  std::int64_t idle_after_ns = 1000000000;
  bool billed = true;  // false for audio-only sessions, which are never billed

  // Renderer-thread state.
  std::int64_t last_frame_ns = 0;
  std::uint64_t last_gate = 0;

  void frame() noexcept {
    const std::int64_t now = clock->coarse_now().count();
    const std::uint64_t g = gate.load(std::memory_order_acquire);
    if ((g & 1u) != 0 && g == last_gate && billed) {
      const std::int64_t gap = now - last_frame_ns;
      // A gap longer than idle_after is idle time: the engine was not producing frames.
      if (gap > 0 && gap <= idle_after_ns) {
        const std::int64_t active = active_ns.load(std::memory_order_relaxed);
        const std::int64_t cap = cap_ns.load(std::memory_order_relaxed);
        const std::int64_t next = gap > cap - active ? (cap > active ? cap : active) : active + gap;
        active_ns.store(next, std::memory_order_release);
      }
    }
    last_gate = g;
    last_frame_ns = now;
  }

  bool may_render() const noexcept { return (gate.load(std::memory_order_acquire) & 1u) != 0; }
};

}  // namespace detail
}  // namespace creditmeter
