// The scheduler's sleep (docs/LIFECYCLE.md "The scheduler's sleep"): it wakes when the next
// thing is due and not before, a deadline that passed while the device slept acts on the
// wake-up, flush() waits exactly until its deadline or progress, and the client-wide spending
// cap is judged when the sessions' rendering can first reach it, not on a period. Against a
// FakeTransport and a ManualClock (a jump of it stands for a suspend).

#include <catch2/catch.hpp>

#if defined(__linux__)
#include <sys/timerfd.h>
#endif

#include <future>
#include <thread>

#include "client_harness.hpp"
#include "emulator_process.hpp"  // wait_until

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// Renders `sessions` for `duration` of the manual clock, a frame every 40 ms.
void render(Harness& h, const std::vector<Session*>& sessions, std::chrono::milliseconds duration) {
  for (auto* s : sessions) s->frame();
  for (auto t = 0ms; t < duration; t += 40ms) {
    h.clock->advance(40ms);
    for (auto* s : sessions) s->frame();
  }
}

// The frame that reaches the cap, and one more: a frame credits the gap before it when it
// comes, so the judgement planned from what was credited may come one frame after the reach.
constexpr auto kReachAndOneFrame = 80ms;

bool held_by_spend_cap(const Session& s) {
  return s.state() == SessionState::paused_billing && s.reason() == Reason::spend_cap;
}

#if defined(__linux__)
// The process's timerfd (the scheduler's wake timer: the harness's one Client has one), or -1.
int wake_timer_fd() {
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(fd.path(), ec).string() == "anon_inode:[timerfd]") {
      return std::stoi(fd.path().filename().string());
    }
  }
  return -1;
}
#endif

}  // namespace

TEST_CASE("an idle scheduler sleeps until its next due time, as long as its poll may wait", "[unit][client]") {
  Harness h(60, 300);
  const core::TimePoint started = h.clock->now();
  auto s = h.client->start_session();
  REQUIRE(h.transport->wait_until_sleeping());
  // The first heartbeat is due one interval after the start (on the 50 ms grid), and nothing
  // before it: no periodic re-check.
  const FakeTransport::Sleep sleep = h.transport->last_sleep();
  CHECK(sleep.until - started > 59s);
  CHECK(sleep.until - started <= 60050ms);
#if defined(__linux__)
  CHECK(sleep.max_wait >= 24h);  // the poll waits as long as it may: the wake timer ends it
#else
  // No timer descriptor: the poll's timeout carries the time (the manual clock stood still).
  CHECK(sleep.max_wait == std::chrono::ceil<std::chrono::milliseconds>(sleep.until - started));
#endif
#if defined(__linux__)
  // The kernel's view of the wake timer: armed (one shot) to that due time.
  const int fd = wake_timer_fd();
  REQUIRE(fd >= 0);
  itimerspec left{};
  REQUIRE(timerfd_gettime(fd, &left) == 0);
  const auto remaining = std::chrono::seconds(left.it_value.tv_sec) + std::chrono::nanoseconds(left.it_value.tv_nsec);
  CHECK(remaining > 59s);
  CHECK(remaining <= 60050ms);
  CHECK(left.it_interval.tv_sec == 0);  // one shot: re-armed for each sleep
#endif
}

TEST_CASE("due times and deadlines that passed during a suspend act on the wake-up", "[unit][client]") {
  Harness h(60, 300);
  ChangeRecorder changes;
  SessionOptions o;
  o.on_state_change = changes.callback();
  auto s = h.client->start_session(o);
  REQUIRE(h.transport->wait_until_sleeping());

  h.clock->advance(10min);  // slept through ten due times and the grace deadline
  REQUIRE(h.transport->wait_for_requests(1));
  CHECK(wait_until([&] { return s->state() == SessionState::paused_offline; }, 5s));
  CHECK(s->reason() == Reason::grace_expired);
  REQUIRE(changes.wait_for(1));
  CHECK(changes.changes().back().reason == Reason::grace_expired);
  // The missed due times collapse into the one heartbeat on the wire (at most one unanswered).
  REQUIRE(h.transport->wait_until_sleeping());
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("flush() waits until its deadline on the Client's clock, then gives up", "[unit][client]") {
  Harness h(60, 300);
  auto s = h.client->start_session();
  s->frame();
  h.clock->advance(100ms);
  s->frame();
  auto flushed = std::async(std::launch::async, [&] { return h.client->flush(30s); });
  REQUIRE(h.transport->wait_for_requests(1));  // the flush sends at once; no answer comes
  CHECK(flushed.wait_for(0ms) == std::future_status::timeout);
  h.clock->advance(31s);  // past the deadline: the jump alone must end the wait
  REQUIRE(flushed.wait_for(5s) == std::future_status::ready);
  CHECK_FALSE(flushed.get());
}

TEST_CASE("the client's spending cap pauses its sessions when their rendering reaches it", "[unit][client]") {
  Harness h(60, 300);  // 2 credits a minute a session
  h.client->set_max_credits(1.0);

  SECTION("one session: 30 s of rendering") {
    auto s = h.client->start_session();
    render(h, {s.get()}, 29960ms);
    REQUIRE(h.transport->wait_until_sleeping());
    CHECK(s->state() == SessionState::active);
    render(h, {s.get()}, kReachAndOneFrame);
    CHECK(wait_until([&] { return held_by_spend_cap(*s); }, 5s));
  }
  SECTION("two sessions: their projections add up") {
    auto a = h.client->start_session();
    auto b = h.client->start_session();
    render(h, {a.get(), b.get()}, 14960ms);
    REQUIRE(h.transport->wait_until_sleeping());
    CHECK(a->state() == SessionState::active);
    render(h, {a.get(), b.get()}, kReachAndOneFrame);
    CHECK(wait_until([&] { return held_by_spend_cap(*a) && held_by_spend_cap(*b); }, 5s));
  }
  SECTION("a paused session accrues nothing; its resume is seen") {
    auto s = h.client->start_session();
    render(h, {s.get()}, 20s);
    s->pause();
    h.clock->advance(45s);  // past the moment 30 s of rendering would have reached the cap
    s->resume();
    REQUIRE(h.transport->wait_until_sleeping());
    CHECK(s->state() == SessionState::active);
    render(h, {s.get()}, 9960ms);
    REQUIRE(h.transport->wait_until_sleeping());
    CHECK(s->state() == SessionState::active);
    render(h, {s.get()}, kReachAndOneFrame);
    CHECK(wait_until([&] { return held_by_spend_cap(*s); }, 5s));
  }
}
