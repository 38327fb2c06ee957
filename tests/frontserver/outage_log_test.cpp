// Log volume during an outage: every retry of every session used to log a warning (100
// sessions through a 5-minute outage wrote thousands of lines). Now the client says the
// first failure, the first pause, summaries every 30 s, and one line at recovery with its
// duration; and nothing is lost.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../integration/integration_support.hpp"
#include "../security/security_support.hpp"
#include "logger.hpp"

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

TEST_CASE("100 sessions through a 5-minute outage: at most 20 lines a minute, the recovery with its duration",
          "[frontserver]") {
  // The Logger at synthetic times: every session fails every 100 ms for 5 minutes.
  std::vector<std::pair<double, std::string>> said;  // minute, line
  double minute = 0;
  detail::Logger logger([&](LogLevel, const std::string& m) { said.emplace_back(minute, m); }, LogLevel::warning, "");
  const auto t0 = std::chrono::steady_clock::now();
  for (int tick = 0; tick < 3000; ++tick) {
    const auto now = t0 + std::chrono::milliseconds(100 * tick);
    minute = tick / 600.0;
    for (int s = 0; s < 100; ++s) {
      const std::string sid = "session s" + std::to_string(s) + ": ";
      logger.log_at({LogLevel::warning, sid + "heartbeat seq 3 failed: Couldn't connect to server; retrying", true}, now);
      if (tick == 100) {
        logger.log_at({LogLevel::warning, sid + "active -> paused_offline (offline): no acknowledged heartbeat", true}, now);
      }
    }
  }
  minute = 5;
  logger.reachable_at(t0 + std::chrono::minutes(5));
  std::map<int, int> per_minute;
  for (const auto& [m, line] : said) ++per_minute[static_cast<int>(m)];
  std::string all;
  for (const auto& [m, line] : said) all += line + "\n";
  INFO(all);
  for (const auto& [m, n] : per_minute) CHECK(n <= 20);
  CHECK(said.size() >= 10);  // the first failure, the first pause, a summary every 30 s, the recovery
  CHECK(said.back().second.find("after 300 s of outage (300000 failed attempts, 100 sessions paused") !=
        std::string::npos);
  CHECK(said[0].second.find("session s0: heartbeat seq 3 failed") == 0);
}
