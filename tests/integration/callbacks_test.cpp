// The client's callback thread against the real emulator: users' callbacks run beside the
// I/O thread, so a callback that blocks delays no heartbeat of any session; and the state a
// pause(), resume() or stop() sets is visible when the call returns.

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// A latch the test opens; a callback waiting on it stands for a slow user callback.
class Gate {
 public:
  // Blocks until open() or `safety` passes (a failing test must not hang).
  void wait(std::chrono::milliseconds safety = 20s) {
    std::unique_lock<std::mutex> lock(mutex_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, safety, [this] { return open_; });
  }
  bool entered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return entered_;
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

}  // namespace

TEST_CASE("a blocked callback delays no heartbeat and times out no request", "[integration][callbacks][smoke]") {
  EmulatorProcess emu;
  emu.configure({{"heartbeat_interval_s", 0.5}, {"offline_grace_s", 5}});
  const std::string secret = unique_secret("cb");
  emu.create_account(secret, "pro", 500, 60);
  ClientOptions o = client_options(emu, secret);
  o.request_timeout = 1s;  // heartbeats time out after max(interval, 1 s): a stalled loop would show
  Client client(o);

  Gate gate;
  std::thread::id callback_thread;
  SessionOptions slow;
  slow.on_state_change = [&](const StateChange& c) {
    if (c.to != SessionState::paused_by_user) return;
    callback_thread = std::this_thread::get_id();
    gate.wait();
  };
  auto a = client.start_session(slow);
  auto b = client.start_session();
  Renderer render_a(*a), render_b(*b);

  a->pause();  // its callback blocks on the gate
  REQUIRE(wait_until([&] { return gate.entered(); }, 10s));
  const auto a_acks = a->stats().heartbeats_ok;
  const auto b_acks = b->stats().heartbeats_ok;
  // While the callback blocks: both sessions' heartbeats go on, none fails.
  const bool beats_went_on = wait_until(
      [&] { return a->stats().heartbeats_ok >= a_acks + 3 && b->stats().heartbeats_ok >= b_acks + 3; }, 15s);
  gate.open();
  CHECK(beats_went_on);
  CHECK(a->stats().heartbeats_failed == 0);
  CHECK(b->stats().heartbeats_failed == 0);
  CHECK(callback_thread != std::this_thread::get_id());
  CHECK(threads_named("creditmeter-cb") == 1);

  render_a.stop();
  render_b.stop();
  a->stop();
  b->stop();
  REQUIRE(client.flush(10s));
  for (Session* s : {a.get(), b.get()}) {
    const auto row = emu.ledger_session(s->id());
    REQUIRE(row.is_object());
    CHECK(row.at("active_ms").get<std::int64_t>() == s->stats().active_ms);
    CHECK(s->stats().reported_ms == s->stats().active_ms);
  }
}

TEST_CASE("state on return: pause, resume and stop are visible when they return", "[integration][callbacks][smoke]") {
  EmulatorProcess emu;
  const std::string secret = unique_secret("cb");
  emu.create_account(secret, "pro", 500, 60);
  Client client(client_options(emu, secret));
  Gate gate;
  SessionOptions o;
  // A callback that holds the callback thread: nothing the calls return may wait for it.
  o.on_state_change = [&](const StateChange&) { gate.wait(); };
  auto s = client.start_session(o);
  for (int i = 0; i < 3; ++i) {
    s->pause();
    CHECK(s->state() == SessionState::paused_by_user);
    CHECK_FALSE(s->may_render());
    s->resume();
    CHECK(s->state() == SessionState::active);
    CHECK(s->may_render());
  }
  s->stop();
  CHECK(s->state() == SessionState::stopped);
  CHECK_FALSE(s->may_render());
  gate.open();
  CHECK(client.flush(10s));
}

TEST_CASE("callbacks of a session run in order, each transition once", "[integration][callbacks]") {
  EmulatorProcess emu;
  const std::string secret = unique_secret("cb");
  emu.create_account(secret, "pro", 500, 60);
  Client client(client_options(emu, secret));
  std::mutex mutex;
  std::vector<StateChange> seen;
  SessionOptions o;
  o.on_state_change = [&](const StateChange& c) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(c);
  };
  auto s = client.start_session(o);
  for (int i = 0; i < 50; ++i) {
    s->pause();
    s->resume();
  }
  s->stop();
  REQUIRE(client.flush(10s));
  REQUIRE(wait_until([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return !seen.empty() && seen.back().to == SessionState::stopped;
  }, 10s));
  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(seen.size() == 101);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    INFO(i);
    if (i > 0) CHECK(seen[i].from == seen[i - 1].to);
    const SessionState expected =
        i == 100 ? SessionState::stopped : (i % 2 == 0 ? SessionState::paused_by_user : SessionState::active);
    CHECK(seen[i].to == expected);
  }
}
