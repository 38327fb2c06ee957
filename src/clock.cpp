#include "creditmeter/clock.hpp"

#include <time.h>

namespace creditmeter {

std::uint64_t Clock::add_jump_listener(std::function<void()>) { return 0; }
void Clock::remove_jump_listener(std::uint64_t) {}

namespace {

Clock::duration read(clockid_t id) noexcept {
  timespec ts{};
  clock_gettime(id, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

class SystemClock final : public Clock {
 public:
  // CLOCK_BOOTTIME keeps counting while the machine is suspended: the grace must not
  // stretch over a laptop's sleep.
  duration now() const noexcept override { return read(CLOCK_BOOTTIME); }
  // vDSO-served, no syscall: cheap enough for every frame. Its resolution (a jiffy) is far
  // below idle_after, which is all frame accounting needs.
  duration coarse_now() const noexcept override { return read(CLOCK_MONOTONIC_COARSE); }
};

}  // namespace

std::shared_ptr<Clock> system_clock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
  return clock;
}

void ManualClock::advance(duration d) {
  now_.fetch_add(d.count());
  notify();
}

void ManualClock::set(duration t) {
  now_.store(t.count());
  notify();
}

std::uint64_t ManualClock::add_jump_listener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  const std::uint64_t id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void ManualClock::remove_jump_listener(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  listeners_.erase(id);
}

void ManualClock::notify() {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  for (auto& entry : listeners_) entry.second();
}

}  // namespace creditmeter
