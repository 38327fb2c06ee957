// The callback thread (src/callback_thread.cpp) over real SessionImpls without a scheduler
// (only the calls that never poke one: set_local_hold, deliver_events): started by the first
// post, each session's callbacks in order, a throwing callback caught and logged, shutdown
// draining the queue or keeping its deadline, the owner kept alive by a thread left behind.

#include <catch2/catch.hpp>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "callback_gate.hpp"
#include "callback_thread.hpp"
#include "client_harness.hpp"    // thread_count
#include "emulator_process.hpp"  // wait_until
#include "fork_guard.hpp"
#include "logger.hpp"
#include "session_impl.hpp"
#include "session_machine_rig.hpp"
#include "session_registry.hpp"

using namespace creditmeter;
using namespace std::chrono_literals;
using creditmeter::testing::CallbackGate;
using creditmeter::testing::thread_count;
using creditmeter::testing::wait_until;

namespace {

// A Client's parts a session's callbacks need, without its scheduler or network.
struct Parts {
  std::mutex mutex;
  std::vector<std::string> log_lines;
  const detail::Logger logger{[this](LogLevel, const std::string& m) {
                                std::lock_guard<std::mutex> lock(mutex);
                                log_lines.push_back(m);
                              },
                              LogLevel::debug, ""};
  ManualClock clock;
  detail::SessionRegistry registry;
  detail::CallbackThread callbacks{logger};

  // A metered session, its callbacks open. Only its calls that never poke a scheduler work.
  std::shared_ptr<detail::SessionImpl> session(const std::string& id, detail::SessionImpl::Callbacks cb) {
    detail::SessionContext context;
    context.clock = &clock;
    context.callbacks = &callbacks;
    context.registry = &registry;
    context.logger = &logger;
    context.fork_generation = detail::fork_generation();
    core::TokenGrant grant = cmtest::make_grant();
    grant.session_id = id;
    core::SessionMachine machine(id, "essence", "cloud", grant, clock.now(), cmtest::kWall0, [] { return 0.5; });
    auto s = std::make_shared<detail::SessionImpl>(context, id, std::move(machine), /*metered=*/true, std::move(cb),
                                                   std::chrono::milliseconds(1000));
    registry.add(s, /*keep=*/false);
    s->open_callbacks();
    return s;
  }
  bool logged(const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& l : log_lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

// One state change of the session: paused for a full journal, or active again.
void toggle(detail::SessionImpl& s, bool hold) {
  s.set_local_hold(Reason::journal_full, hold);
  s.deliver_events();
}

// What the callbacks saw, from the callback thread.
struct Seen {
  std::mutex mutex;
  std::vector<std::pair<std::string, SessionState>> changes;
  bool off_thread = false;  // a callback ran on a thread that is not the callback thread
  StateChangeCallback record(const std::string& id, const detail::CallbackThread& thread) {
    return [this, id, &thread](const StateChange& c) {
      std::lock_guard<std::mutex> lock(mutex);
      changes.emplace_back(id, c.to);
      if (!thread.on_thread()) off_thread = true;
    };
  }
  std::vector<SessionState> of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<SessionState> out;
    for (const auto& c : changes) {
      if (c.first == id) out.push_back(c.second);
    }
    return out;
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return changes.size();
  }
};

}  // namespace

TEST_CASE("callback thread: started by the first post, named creditmeter-cb", "[unit][callbacks]") {
  const int before = thread_count("creditmeter-cb");
  Parts parts;
  auto silent = parts.session("quiet", {});
  toggle(*silent, true);  // nobody listens: nothing is posted, no thread starts
  CHECK(thread_count("creditmeter-cb") == before);

  std::atomic<bool> named{false};
  auto s = parts.session("s", {[&](const StateChange&) {
                                 char name[16] = {};
                                 pthread_getname_np(pthread_self(), name, sizeof name);
                                 named = std::string(name) == "creditmeter-cb" && parts.callbacks.on_thread();
                               },
                               nullptr, nullptr, nullptr});
  CHECK_FALSE(parts.callbacks.on_thread());
  toggle(*s, true);
  CHECK(wait_until([&] { return named.load(); }, 5s));
}

TEST_CASE("callback thread: each session's changes run once and in order", "[unit][callbacks]") {
  Parts parts;
  Seen seen;
  auto a = parts.session("a", {seen.record("a", parts.callbacks), nullptr, nullptr, nullptr});
  auto b = parts.session("b", {seen.record("b", parts.callbacks), nullptr, nullptr, nullptr});
  constexpr int kToggles = 60;
  for (int i = 0; i < kToggles; ++i) {
    toggle(*a, i % 2 == 0);
    toggle(*b, i % 2 == 0);
  }
  REQUIRE(wait_until([&] { return seen.size() == 2 * kToggles; }, 10s));
  for (const char* id : {"a", "b"}) {
    const auto states = seen.of(id);
    REQUIRE(states.size() == kToggles);
    for (int i = 0; i < kToggles; ++i) {
      CHECK(states[i] == (i % 2 == 0 ? SessionState::paused_billing : SessionState::active));
    }
  }
  CHECK_FALSE(seen.off_thread);
}

TEST_CASE("callback thread: a throwing callback is caught and logged, the next one runs", "[unit][callbacks]") {
  Parts parts;
  std::atomic<int> calls{0};
  auto s = parts.session("thrower", {[&](const StateChange&) {
                                       if (calls++ == 0) throw std::runtime_error("boom");
                                     },
                                     nullptr, nullptr, nullptr});
  toggle(*s, true);
  toggle(*s, false);
  CHECK(wait_until([&] { return calls == 2; }, 5s));
  CHECK(parts.logged("session thrower: state-change callback threw: boom"));
}

TEST_CASE("callback thread: shutdown runs what is queued, then the thread is gone", "[unit][callbacks]") {
  Parts parts;
  Seen seen;
  CallbackGate gate;
  std::atomic<bool> first{true};
  auto s = parts.session("s", {[&](const StateChange& c) {
                                 if (first.exchange(false)) gate.wait_open();  // hold the queue back
                                 seen.record("s", parts.callbacks)(c);
                               },
                               nullptr, nullptr, nullptr});
  toggle(*s, true);
  REQUIRE(gate.wait_entered());
  toggle(*s, false);  // queued behind the running callback
  toggle(*s, true);
  gate.open();
  parts.callbacks.shutdown(std::chrono::steady_clock::now() + 10s);
  CHECK(seen.size() == 3);  // all of them ran before shutdown returned

  toggle(*s, false);  // after shutdown: nothing runs it any more
  CHECK(seen.size() == 3);
}

TEST_CASE("callback thread: shutdown keeps its deadline, the thread left behind keeps its owner alive",
          "[unit][callbacks]") {
  Parts parts;
  CallbackGate gate;
  std::atomic<int> calls{0};
  auto s = parts.session("slow", {});  // no callback yet: nothing posted, no thread
  s->set_callback([&](const StateChange&) {
    if (calls++ == 0) gate.wait_open();
  });
  auto owner = std::make_shared<int>(1);
  const std::weak_ptr<int> weak_owner = owner;
  s->set_local_hold(Reason::journal_full, true);
  parts.callbacks.post(s, owner);  // the first post: the thread holds `owner` while it runs
  owner.reset();
  REQUIRE(gate.wait_entered());
  toggle(*s, false);

  parts.callbacks.shutdown(std::chrono::steady_clock::now() + 50ms);
  // Returned while the callback still blocks: the deadline held.
  CHECK(calls == 1);
  CHECK(parts.logged("a callback is still running at the shutdown deadline"));
  CHECK_FALSE(weak_owner.expired());

  gate.open();  // the thread finishes the queue on its own, then lets its owner go
  CHECK(wait_until([&] { return calls == 2 && weak_owner.expired(); }, 5s));
}

TEST_CASE("callback thread: shutdown from a callback returns at once", "[unit][callbacks]") {
  Parts parts;
  std::atomic<bool> returned{false};
  auto s = parts.session("s", {[&](const StateChange&) {
                                 parts.callbacks.shutdown(std::chrono::steady_clock::now() + 1h);
                                 returned = true;
                               },
                               nullptr, nullptr, nullptr});
  toggle(*s, true);
  CHECK(wait_until([&] { return returned.load(); }, 5s));
}
