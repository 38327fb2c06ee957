#pragma once
// The SDK's one way to log: level filter, the user's callback (or stderr), and a last line
// of defence that scrubs the API secret from every message.

#include <mutex>
#include <string>

#include "creditmeter/log.hpp"

namespace creditmeter {
namespace detail {

class Logger {
 public:
  Logger(LogCallback sink, LogLevel threshold, std::string secret);
  ~Logger();
  void log(LogLevel level, const std::string& message) const;
  void debug(const std::string& m) const { log(LogLevel::debug, m); }
  void info(const std::string& m) const { log(LogLevel::info, m); }
  void warning(const std::string& m) const { log(LogLevel::warning, m); }
  void error(const std::string& m) const { log(LogLevel::error, m); }
  bool enabled(LogLevel level) const { return level >= threshold_; }

 private:
  LogCallback sink_;
  LogLevel threshold_;
  std::string secret_;  // only to scrub it; wiped on destruction
  mutable std::mutex stderr_mutex_;
};

// Replaces every occurrence of `secret` (when non-empty) by "[redacted]".
std::string redact(std::string message, const std::string& secret);

}  // namespace detail
}  // namespace creditmeter
