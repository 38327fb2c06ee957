// Log volume during an outage: every retry of every session used to log a warning (100
// sessions through a 5-minute outage wrote thousands of lines). Now the client says the
// first failure, the first pause, summaries every 30 s, and one line at recovery with its
// duration; and nothing is lost.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <regex>
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

TEST_CASE("5 minutes of a real outage at the client's clock: summaries at a bounded rate, the recovery with its "
          "duration",
          "[frontserver]") {
  // The emulator refuses every connection for 5 minutes of a ManualClock (the client's clock,
  // which the outage summary follows): the test moves it a second at a time and waits until
  // every session has made its attempt of that second; the jitter is fixed at its ceiling, so
  // the interval of 1 s is the longest wait of any retry.
  EmulatorProcess emu;
  const std::string secret = unique_secret("outage_clock");
  emu.create_account(secret, "pro", 1000, 50);
  emu.configure({{"heartbeat_interval_s", 1}, {"offline_grace_s", 10}});
  auto clock = std::make_shared<ManualClock>();
  std::mutex mutex;
  std::vector<std::pair<Clock::duration, std::string>> said;  // the client's time, the line
  ClientOptions o = client_options(emu, secret);
  o.clock = clock;
  o.random = [] { return 0.999; };
  o.log = [&](LogLevel, const std::string& m) {
    std::lock_guard<std::mutex> lock(mutex);
    said.emplace_back(clock->now(), m);
  };
  Client client(o);
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 10; ++i) sessions.push_back(client.start_session());
  const auto failed_each = [&] {
    std::vector<std::uint64_t> n;
    for (auto& s : sessions) n.push_back(s->stats().heartbeats_failed);
    return n;
  };
  // Moves the clock by a second and waits until each session failed once more.
  const auto one_second_of_outage = [&] {
    const auto before = failed_each();
    clock->advance(std::chrono::seconds(1));
    return wait_until(
        [&] {
          const auto now = failed_each();
          for (std::size_t i = 0; i < now.size(); ++i) {
            if (now[i] <= before[i]) return false;
          }
          return true;
        },
        10s);
  };
  const auto outage_start = clock->now();
  emu.fault({{"mode", "refuse"}});
  for (int second = 0; second < 300; ++second) REQUIRE(one_second_of_outage());
  for (auto& s : sessions) CHECK(s->state() == SessionState::paused_offline);
  emu.clear_faults();
  clock->advance(std::chrono::seconds(1));
  REQUIRE(wait_until(
      [&] {
        for (auto& s : sessions) {
          if (s->state() != SessionState::active) return false;
        }
        return true;
      },
      10s));
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return !said.empty() && said.back().second.find("answers again after") != std::string::npos;
      },
      5s));

  std::lock_guard<std::mutex> lock(mutex);
  std::string all;
  for (const auto& [t, line] : said) all += line + "\n";
  INFO(all);
  std::map<std::int64_t, int> per_minute;
  int summaries = 0;
  for (const auto& [t, line] : said) {
    ++per_minute[std::chrono::duration_cast<std::chrono::minutes>(t - outage_start).count()];
    if (line.find("has been unreachable for") != std::string::npos) ++summaries;
  }
  for (const auto& [minute, n] : per_minute) CHECK(n <= 20);
  CHECK(said.size() <= 14);  // the first failure, the first pause, a summary every 30 s, the recovery
  CHECK(summaries >= 8);
  CHECK(said.front().second.find("further failures are summarised every 30 s") != std::string::npos);
  // The recovery: one line, with the outage's duration by the client's clock and its count.
  std::smatch m;
  const std::string last = said.back().second;
  const std::regex recovery("after ([0-9]+) s of outage \\(([0-9]+) failed attempts, 10 sessions paused");
  REQUIRE(std::regex_search(last, m, recovery));
  CHECK(std::stoi(m[1]) >= 299);
  CHECK(std::stoi(m[1]) <= 301);
  CHECK(std::stoull(m[2]) >= 10u * 300u);
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
