// The render-loop hot path (Session::frame() and may_render(), both inlined from
// include/creditmeter/detail/frame_meter.hpp) on the CPU this binary is built for: every
// atomic they touch is lock-free, and their 64-bit arithmetic is exact past 32 bits. Matters
// on 32-bit ARM (scripts/cross-test.sh armhf), where a 64-bit atomic is lock-free only through
// LDREXD/STREXD and a compiler without them would fall back to libatomic's locks.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include "creditmeter/clock.hpp"
#include "creditmeter/detail/frame_meter.hpp"

using creditmeter::ManualClock;
using creditmeter::detail::FrameMeter;
using namespace std::chrono_literals;

// frame() loads gate, active_ns and cap_ns and stores active_ns; may_render() loads gate.
// The clock it reads is SystemClock (clock_gettime, no atomic) or, in tests, ManualClock,
// whose private now_ is a std::atomic<std::int64_t>.
static_assert(decltype(FrameMeter::gate)::is_always_lock_free, "frame()/may_render(): gate must be lock-free");
static_assert(decltype(FrameMeter::active_ns)::is_always_lock_free, "frame(): active_ns must be lock-free");
static_assert(decltype(FrameMeter::cap_ns)::is_always_lock_free, "frame(): cap_ns must be lock-free");
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "ManualClock::now_ must be lock-free");

namespace {

// An active session's meter on a manual clock, one frame already seen (the next one bills).
struct ActiveMeter {
  ManualClock clock{1h};
  FrameMeter meter;
  ActiveMeter() {
    meter.clock = &clock;
    meter.gate.store(1);  // may render, activation generation 0
    meter.frame();
  }
  void frames(int count, std::chrono::nanoseconds gap) {
    for (int i = 0; i < count; ++i) {
      clock.advance(gap);
      meter.frame();
    }
  }
};

}  // namespace

TEST_CASE("the atomics of frame() and may_render() are lock-free at run time too", "[unit][hot_path]") {
  const FrameMeter meter;
  CHECK(meter.gate.is_lock_free());
  CHECK(meter.active_ns.is_lock_free());
  CHECK(meter.cap_ns.is_lock_free());
}

TEST_CASE("frame() meters active time exactly past 2^32 ns", "[unit][hot_path]") {
  ActiveMeter m;
  // 0.9 s gaps (under the 1 s idle_after): 10 of them is 9e9 ns, above 2^32 (~4.29e9).
  m.frames(10, 900ms);
  CHECK(m.meter.active_ns.load() == 9'000'000'000);
  // A gap longer than idle_after is idle time: not metered.
  m.frames(1, 1500ms);
  CHECK(m.meter.active_ns.load() == 9'000'000'000);
  m.frames(1, 1ns);
  CHECK(m.meter.active_ns.load() == 9'000'000'001);
}

TEST_CASE("frame() stops exactly at a spending cap above 2^32 ns", "[unit][hot_path]") {
  ActiveMeter m;
  const std::int64_t cap = 5'000'000'007;  // not a multiple of the gap: the last one is cut
  m.meter.cap_ns.store(cap);
  m.frames(20, 900ms);
  CHECK(m.meter.active_ns.load() == cap);
  SECTION("no cap (INT64_MAX) never overflows near the top of the range") {
    m.meter.cap_ns.store(std::numeric_limits<std::int64_t>::max());
    m.meter.active_ns.store(std::numeric_limits<std::int64_t>::max() - 100);
    m.frames(1, 900ms);
    CHECK(m.meter.active_ns.load() == std::numeric_limits<std::int64_t>::max());
  }
}

TEST_CASE("may_render() reads bit 0 of a gate whose generation is above 32 bits", "[unit][hot_path]") {
  FrameMeter meter;
  meter.gate.store((std::uint64_t{1} << 40) | 1u);
  CHECK(meter.may_render());
  meter.gate.store(std::uint64_t{1} << 40);
  CHECK_FALSE(meter.may_render());
  meter.gate.store(std::numeric_limits<std::uint64_t>::max());
  CHECK(meter.may_render());
}
