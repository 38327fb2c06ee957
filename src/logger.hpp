#pragma once
// The SDK's one way to log: level filter, the user's callback (or stderr), a last line of
// defence that scrubs the API secret from every message and escapes control characters, and
// the client-wide summary of an outage (OutageLog): the first failure is said as it is, the
// rest are counted and summarised every 30 s, and the recovery is one line with its duration,
// so 100 sessions through a 5-minute outage write a handful of lines, not thousands.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/session_messages.hpp"
#include "creditmeter/clock.hpp"
#include "creditmeter/log.hpp"

namespace creditmeter {
namespace detail {

class Logger {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // How often an outage in progress is summarised.
  static constexpr std::chrono::seconds kOutageSummaryEvery{30};

  // `clock`: the client's (an outage's times are its deadlines' times: suspended time counts,
  // and a ManualClock drives the summaries in tests); none: the steady clock.
  Logger(LogCallback sink, LogLevel threshold, std::string secret, std::shared_ptr<const Clock> clock = nullptr);
  ~Logger();
  void log(LogLevel level, const std::string& message) const;
  void debug(const std::string& m) const { log(LogLevel::debug, m); }
  void info(const std::string& m) const { log(LogLevel::info, m); }
  void warning(const std::string& m) const { log(LogLevel::warning, m); }
  void error(const std::string& m) const { log(LogLevel::error, m); }
  bool enabled(LogLevel level) const { return level >= threshold_; }

  // A session's line: outage lines go through the summary, the others are logged as they are.
  void log(const core::LogLine& line) const { log_at(line, now()); }
  // The server answered (any HTTP answer that is not an outage's): ends an outage in progress
  // with one line that says how long it lasted.
  void server_reachable() const { reachable_at(now()); }

  // The same, at a given time (tests).
  void log_at(const core::LogLine& line, SteadyTime now) const;
  void reachable_at(SteadyTime now) const;

 private:
  struct Outage {
    bool active = false;
    SteadyTime started{};
    SteadyTime last_said{};
    std::uint64_t failures = 0;         // outage lines since it began
    std::uint64_t unsaid_failures = 0;  // since the last line said
    std::uint64_t pauses = 0;           // sessions paused for it
    std::string latest;                 // the latest failure's words
  };

  SteadyTime now() const;

  LogCallback sink_;
  LogLevel threshold_;
  std::string secret_;  // only to scrub it; wiped on destruction
  const std::shared_ptr<const Clock> clock_;
  mutable std::mutex stderr_mutex_;
  mutable std::mutex outage_mutex_;
  mutable Outage outage_;
};

// Replaces every occurrence of `secret` (when non-empty) by "[redacted]".
std::string redact(std::string message, const std::string& secret);

}  // namespace detail
}  // namespace creditmeter
