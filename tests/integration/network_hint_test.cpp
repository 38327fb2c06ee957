// Client::network_changed against a real emulator: the retry happens on the hint, not on the
// backoff's timing. The session's heartbeat fails while the "network" (an emulator fault) is
// down; the app says the network is gone, so retries slow to the probe (5 s here); the fault
// clears and the app says the network is back: the waiting heartbeat goes at once, well
// before the probe would have sent it.

#include <catch2/catch.hpp>

#include "integration_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

TEST_CASE("network_changed(true) retries the waiting heartbeat at once", "[integration][network_hint][smoke]") {
  EmulatorProcess emu;
  const std::string secret = unique_secret("network_hint");
  emu.configure({{"heartbeat_interval_s", 60}, {"offline_grace_s", 300}});
  emu.create_account(secret, "pro", 500, 60);
  Client client(client_options(emu, secret));
  auto session = client.start_session();
  {
    Renderer renderer(*session);
    REQUIRE(wait_until([&] { return session->stats().active_ms >= 300; }, 10s));
  }
  emu.fault({{"mode", "refuse"}});
  client.network_changed(false);
  CHECK_FALSE(client.flush(0ms));  // sends the usage now: refused, then held to the probe
  REQUIRE(wait_until([&] { return session->stats().heartbeats_failed >= 1; }, 10s));
  emu.clear_faults();
  const auto hinted = std::chrono::steady_clock::now();
  client.network_changed(true);
  // The probe would retry 5 s after the failure; the hint makes it a round trip.
  REQUIRE(wait_until([&] { return session->stats().heartbeats_ok >= 1; }, 4s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - hinted);
  WARN("network back -> heartbeat acknowledged in " << took.count() << " ms");
  session->stop();
  REQUIRE(client.flush(10s));
  const SessionStats stats = session->stats();
  CHECK(stats.active_ms == stats.reported_ms);
  CHECK(emu.ledger_session(session->id())["active_ms"].get<std::int64_t>() == stats.active_ms);
}
