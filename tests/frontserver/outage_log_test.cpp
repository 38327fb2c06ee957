// Log volume during an outage: every retry of every session used to log a warning (100
// sessions through a 5-minute outage wrote thousands of lines). Now the client says the
// first failure, the first pause, summaries every 30 s, and one line at recovery with its
// duration; and nothing is lost.

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "../integration/integration_support.hpp"
#include "../security/security_support.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

TEST_CASE("an outage of 20 sessions logs a handful of lines, the recovery with its duration", "[frontserver]") {
  EmulatorProcess emu;
  const std::string secret = unique_secret("outage");
  emu.create_account(secret, "pro", 1000, 50);
  emu.configure({{"heartbeat_interval_s", 0.2}, {"offline_grace_s", 1.5}});
  LogCapture logs;
  ClientOptions o = client_options(emu, secret);
  o.min_heartbeat_interval = 100ms;
  o.log = logs.callback();
  Client client(o);
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 20; ++i) sessions.push_back(client.start_session());
  const auto all = [&](SessionState state) {
    for (auto& s : sessions) {
      if (s->state() != state) return false;
    }
    return true;
  };
  REQUIRE(wait_until([&] { return sessions[0]->stats().heartbeats_ok >= 1; }, 5s));
  emu.fault({{"mode", "refuse"}});
  // Through the grace: every session pauses, each retrying every few hundred ms.
  REQUIRE(wait_until([&] { return all(SessionState::paused_offline); }, 10s));
  std::uint64_t failed = 0;
  REQUIRE(wait_until(
      [&] {
        failed = 0;
        for (auto& s : sessions) failed += s->stats().heartbeats_failed;
        return failed >= 100;
      },
      20s));
  emu.clear_faults();
  REQUIRE(wait_until([&] { return all(SessionState::active); }, 15s));
  REQUIRE(wait_until([&] { return logs.contains("answers again after"); }, 5s));

  const auto lines = logs.lines();
  std::string all_lines;
  for (const auto& l : lines) all_lines += l + "\n";
  INFO(failed << " failed attempts; the log:\n" << all_lines);
  // The first failure, the first pause, the recovery (summaries come every 30 s).
  CHECK(lines.size() <= 4);
  CHECK(logs.contains("further failures are summarised"));

  for (auto& s : sessions) s->stop();
  REQUIRE(client.flush(10s));
  for (auto& s : sessions) {
    CHECK(emu.ledger_session(s->id()).at("active_ms").get<std::int64_t>() == s->stats().active_ms);
  }
}
