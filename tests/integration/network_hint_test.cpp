// Client::network_changed against a real emulator (an emulator fault is the network being
// gone). The client's clock is a ManualClock that stands still unless the test moves it, so
// a retry that happens proves what caused it: the hint (the clock did not move, no backoff
// can have expired), or the slow probe (the clock moved by exactly the probe). The times in
// real life are in docs/BENCHMARKS.md ("Network hints", bench/bench_network_hints.cpp).

#include <catch2/catch.hpp>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

namespace {

// A session with 300 ms of usage, whose heartbeat has just failed with the network "gone"
// (the app said so first when `said_gone`).
struct FailedHeartbeat {
  EmulatorProcess emu;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::unique_ptr<Client> client;
  std::shared_ptr<Session> session;

  explicit FailedHeartbeat(const char* name, bool said_gone) {
    const std::string secret = unique_secret(name);
    emu.configure({{"heartbeat_interval_s", 60}, {"offline_grace_s", 300}});
    emu.create_account(secret, "pro", 500, 60);
    ClientOptions options = client_options(emu, secret);
    options.clock = clock;
    options.random = [] { return 0.999; };  // backoff at its ceiling: 1 s for the first retry
    client = std::make_unique<Client>(options);
    session = client->start_session();
    session->frame();
    clock->advance(300ms);
    session->frame();
    emu.fault({{"mode", "refuse"}});
    if (said_gone) client->network_changed(false);
    CHECK_FALSE(client->flush(0ms));  // sends the usage now: refused
    REQUIRE(wait_until([&] { return session->stats().heartbeats_failed >= 1; }, 10s));
    REQUIRE(session->stats().heartbeats_ok == 0);
  }

  void check_exact() {
    session->stop();
    REQUIRE(client->flush(10s));
    const SessionStats stats = session->stats();
    CHECK(stats.active_ms == 300);
    CHECK(stats.active_ms == stats.reported_ms);
    CHECK(emu.ledger_session(session->id())["active_ms"].get<std::int64_t>() == stats.active_ms);
  }
};

}  // namespace

TEST_CASE("network_changed(true) retries the waiting heartbeat at once, before its backoff",
          "[integration][network_hint][smoke]") {
  FailedHeartbeat f("network_hint_back", /*said_gone=*/true);
  f.emu.clear_faults();
  // The clock stands still: the retry is due in 5 s (the probe), so only the hint can send it.
  f.client->network_changed(true);
  REQUIRE(wait_until([&] { return f.session->stats().heartbeats_ok >= 1; }, 10s));
  CHECK(f.session->stats().heartbeats_failed == 1);
  f.check_exact();
}

TEST_CASE("network_changed(false) holds retries to the slow probe, which finds the network when the OS was wrong",
          "[integration][network_hint]") {
  FailedHeartbeat f("network_hint_gone", /*said_gone=*/true);
  f.emu.clear_faults();  // the network works, but the app never says so
  // The backoff alone would retry after 1 s; the hint holds the retry to the probe
  // (min(5 s, interval)). Nothing but the probe can send it: move the clock by exactly that.
  f.clock->advance(5s);
  REQUIRE(wait_until([&] { return f.session->stats().heartbeats_ok >= 1; }, 10s));
  CHECK(f.session->stats().heartbeats_failed == 1);
  f.check_exact();
}

TEST_CASE("without a hint the retry goes when its backoff has passed",
          "[integration][network_hint]") {
  FailedHeartbeat f("network_hint_none", /*said_gone=*/false);
  f.emu.clear_faults();
  f.clock->advance(1s);  // the first retry's backoff at its ceiling (random = 0.999)
  REQUIRE(wait_until([&] { return f.session->stats().heartbeats_ok >= 1; }, 10s));
  CHECK(f.session->stats().heartbeats_failed == 1);
  f.check_exact();
}
