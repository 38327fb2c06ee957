// The heartbeat engine against the real emulator, with heartbeat_interval_s 1 and
// offline_grace_s 3 so that outages and recoveries take seconds.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  EmulatorProcess emu;
  std::string secret = unique_secret("hb");
  Fixture(const std::string& plan = "pro", double balance = 500) {
    emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 3}});
    emu.create_account(secret, plan, balance, 60);
  }
  ClientOptions options() const { return client_options(emu, secret); }
};

// Records transitions (scheduler thread); the test thread asserts.
struct Transitions {
  std::mutex mutex;
  std::vector<StateChange> seen;
  StateChangeCallback callback() {
    return [this](const StateChange& c) {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(c);
    };
  }
  bool saw(SessionState to, Reason reason) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& c : seen) {
      if (c.to == to && c.reason == reason) return true;
    }
    return false;
  }
};

bool wait_for_acks(const Session& s, std::uint64_t n, std::chrono::milliseconds timeout = 10s) {
  return wait_until([&] { return s.stats().heartbeats_ok >= n; }, timeout);
}

// After stop() and flush(): the ledger equals the client, which lies within
// [T - idle_after, T] of the time the renderer measured.
void check_billed_exactly(EmulatorProcess& emu, Client& client, Session& s, const Renderer& r) {
  REQUIRE(client.flush(10s));
  const SessionStats st = s.stats();
  const auto row = emu.ledger_session(s.id());
  REQUIRE(row.is_object());
  CHECK(row.at("active_ms").get<std::int64_t>() == st.active_ms);
  CHECK(st.reported_ms == st.active_ms);
  CHECK(row.at("released") == true);
  const std::int64_t t = r.rendered().count();
  CHECK(st.active_ms <= t);
  CHECK(st.active_ms >= t - 1000);
}

}  // namespace

TEST_CASE("rendering at 25 fps is billed exactly", "[integration][heartbeat][smoke]") {
  Fixture f;
  Client client(f.options());
  auto s = client.start_session();
  Renderer r(*s);
  REQUIRE(wait_for_acks(*s, 3));
  r.stop();
  s->stop();
  check_billed_exactly(f.emu, client, *s, r);
  CHECK(s->stats().active_ms > 2000);
  const auto row = f.emu.ledger_session(s->id());
  const double expected = std::floor(s->stats().active_ms * 2.0 * 1000 / 60000) / 1000;
  CHECK(row.at("credits_charged").get<double>() == Approx(expected));
  CHECK(s->stats().credits_charged == Approx(expected));
}

TEST_CASE("outages shorter than grace - interval - cap never stop rendering", "[integration][heartbeat]") {
  const std::string mode = GENERATE(std::string("refuse"), std::string("hang"));
  INFO(mode);
  Fixture f;
  Client client(f.options());
  auto s = client.start_session();
  Renderer r(*s);
  REQUIRE(wait_for_acks(*s, 1));
  const auto acked = s->stats().heartbeats_ok;
  f.emu.fault({{"mode", mode}, {"hang_ms", 800}});
  std::this_thread::sleep_for(800ms);  // the simulated outage lasts this long
  f.emu.clear_faults();
  REQUIRE(wait_for_acks(*s, acked + 1));
  CHECK_FALSE(r.ever_gated());
  r.stop();
  s->stop();
  check_billed_exactly(f.emu, client, *s, r);
}

TEST_CASE("an outage longer than the grace pauses, clearing it resumes within 2 intervals", "[integration][heartbeat][smoke]") {
  Fixture f;
  Transitions t;
  Client client(f.options());
  SessionOptions so;
  so.on_state_change = t.callback();
  auto s = client.start_session(so);
  Renderer r(*s);
  REQUIRE(wait_for_acks(*s, 1));
  f.emu.fault({{"mode", "refuse"}});
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_offline; }, 8s));
  CHECK_FALSE(s->may_render());
  CHECK(wait_until([&] { return t.saw(SessionState::paused_offline, Reason::grace_expired); }, 2s));
  // The session stays paused until the fault clears: the renderer sees the gate at its next
  // frame, however late a loaded machine schedules it.
  CHECK(wait_until([&] { return r.ever_gated(); }, 5s));
  f.emu.clear_faults();
  const auto cleared = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return s->state() == SessionState::active; }, 4s));
  CHECK(std::chrono::steady_clock::now() - cleared < 2s);
  CHECK(wait_until([&] { return t.saw(SessionState::active, Reason::none); }, 2s));
  REQUIRE(wait_until([&] { return r.frames() > 0 && s->may_render(); }, 2s));
  r.stop();
  s->stop();
  check_billed_exactly(f.emu, client, *s, r);
}

TEST_CASE("lost acknowledgements are resent and absorbed as replays, never billed twice", "[integration][heartbeat]") {
  Fixture f;
  Client client(f.options());
  auto s = client.start_session();
  Renderer r(*s);
  REQUIRE(wait_for_acks(*s, 1));
  // The server charges, then the answer is lost: the client must resend the same key.
  f.emu.fault({{"mode", "status"}, {"status", 503}, {"code", "UNAVAILABLE"}, {"apply", true}});
  REQUIRE(wait_until([&] { return s->stats().heartbeats_failed >= 2; }, 8s));
  f.emu.clear_faults();
  REQUIRE(wait_for_acks(*s, s->stats().heartbeats_ok + 1));
  r.stop();
  s->stop();
  check_billed_exactly(f.emu, client, *s, r);
  CHECK(f.emu.ledger_session(s->id()).at("replays").get<int>() >= 1);
}

TEST_CASE("running out of credits pauses, a top-up resumes", "[integration][heartbeat][smoke]") {
  Fixture f("creator", 0.05);  // 1.5 s of essence/cloud
  Transitions t;
  Client client(f.options());
  SessionOptions so;
  so.on_state_change = t.callback();
  auto s = client.start_session(so);
  Renderer r(*s);
  REQUIRE(wait_until([&] { return s->state() == SessionState::paused_billing; }, 10s));
  CHECK(s->reason() == Reason::insufficient_credits);
  CHECK_FALSE(s->may_render());
  // state() changes at once; the callback follows on the scheduler thread (outside any lock),
  // however late a loaded or sanitized machine runs it.
  CHECK(wait_until([&] { return t.saw(SessionState::paused_billing, Reason::insufficient_credits); }, 5s));
  f.emu.topup(f.secret, 10);
  REQUIRE(wait_until([&] { return s->state() == SessionState::active; }, 4s));  // the next heartbeat
  REQUIRE(wait_until([&] { return r.frames() > 0 && s->may_render(); }, 2s));
  r.stop();
  s->stop();
  check_billed_exactly(f.emu, client, *s, r);
}

TEST_CASE("stop() against a hung server returns at once", "[integration][heartbeat]") {
  Fixture f;
  Client client(f.options());
  auto s = client.start_session();
  REQUIRE(wait_for_acks(*s, 1));
  f.emu.fault({{"mode", "hang"}, {"hang_ms", 30000}});
  // The hung heartbeat times out after an interval and its retry hangs again: from the
  // first failure on, a request is on the wire almost all the time.
  REQUIRE(wait_until([&] { return s->stats().heartbeats_failed >= 1; }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  s->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 500ms);
  CHECK(s->state() == SessionState::stopped);
  f.emu.clear_faults();
}

TEST_CASE("50 sessions on one Client add exactly one thread, named creditmeter", "[integration][heartbeat]") {
  Fixture f;
  const int before = thread_count();
  const int named_before = threads_named("creditmeter");
  {
    Client client(f.options());
    std::vector<std::unique_ptr<Session>> sessions;
    for (int i = 0; i < 50; ++i) sessions.push_back(client.start_session());
    CHECK(thread_count() == before + 1);
    // The thread names itself as it starts: wait (with a deadline) for that.
    CHECK(wait_until([&] { return threads_named("creditmeter") == named_before + 1; }, 5s));
    REQUIRE(wait_until([&] {
      for (const auto& s : sessions) {
        if (s->stats().heartbeats_ok < 1) return false;
      }
      return true;
    }, 10s));
    CHECK(thread_count() == before + 1);
    for (auto& s : sessions) s->stop();
    REQUIRE(client.flush(10s));
    for (const auto& s : sessions) CHECK(f.emu.ledger_session(s->id()).at("released") == true);
  }
  // Joined by ~Client; the kernel (or qemu-user) may report the thread's end a moment later.
  CHECK(wait_until([&] { return thread_count() == before; }, 5s));
}

TEST_CASE("a token that expires during an outage is renewed by re-attaching, nothing is lost", "[integration][heartbeat]") {
  Fixture f;
  f.emu.configure({{"token_ttl_s", 2}, {"offline_grace_s", 10}});
  Transitions t;
  auto options = f.options();
  std::mutex log_mutex;
  std::vector<std::string> lines;
  options.log_level = LogLevel::info;
  options.log = [&](LogLevel, const std::string& m) {
    std::lock_guard<std::mutex> lock(log_mutex);
    lines.push_back(m);
  };
  Client client(options);
  SessionOptions so;
  so.on_state_change = t.callback();
  auto s = client.start_session(so);
  Renderer r(*s);
  REQUIRE(wait_for_acks(*s, 2));  // every answer renews the token
  f.emu.fault({{"mode", "refuse"}});
  std::this_thread::sleep_for(3500ms);  // the simulated outage outlives the 2 s token (exp in whole seconds)
  f.emu.clear_faults();
  const auto acked = s->stats().heartbeats_ok;
  REQUIRE(wait_for_acks(*s, acked + 2));
  r.stop();
  s->stop();
  check_billed_exactly(f.emu, client, *s, r);
  CHECK_FALSE(t.saw(SessionState::paused_billing, Reason::authentication_failed));
  std::lock_guard<std::mutex> lock(log_mutex);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.find("re-attached") != std::string::npos; }));
}
