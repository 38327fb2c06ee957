#pragma once
// The core's notion of time: a reading of the shell's monotonic Clock::now(), in
// nanoseconds. The core never reads a clock itself: every decision gets `now` passed in, which
// is what lets the unit tests drive hours of a session in microseconds.

#include <chrono>

namespace creditmeter {
namespace core {

using TimePoint = std::chrono::nanoseconds;

}  // namespace core
}  // namespace creditmeter
