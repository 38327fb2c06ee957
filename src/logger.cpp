#include "logger.hpp"

#include <cstdio>

#include <openssl/crypto.h>

#include "core/printable.hpp"

namespace creditmeter {
namespace detail {

std::string redact(std::string message, const std::string& secret) {
  // Secrets shorter than 4 characters would scrub ordinary words; such secrets are refused
  // by the server anyway.
  if (secret.size() < 4) return message;
  for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret, pos)) {
    message.replace(pos, secret.size(), "[redacted]");
  }
  return message;
}

Logger::Logger(LogCallback sink, LogLevel threshold, std::string secret, std::shared_ptr<const Clock> clock)
    : sink_(std::move(sink)), threshold_(threshold), secret_(std::move(secret)), clock_(std::move(clock)) {}

Logger::SteadyTime Logger::now() const {
  if (!clock_) return std::chrono::steady_clock::now();
  return SteadyTime(std::chrono::duration_cast<std::chrono::steady_clock::duration>(clock_->now()));
}

Logger::~Logger() {
  if (!secret_.empty()) OPENSSL_cleanse(&secret_[0], secret_.size());
}

void Logger::log(LogLevel level, const std::string& message) const {
  if (level < threshold_) return;
  // The last line of defence: one message is one line, whatever a server or a token
  // provider put into it (no forged lines, no terminal escapes).
  const std::string safe = core::printable(redact(message, secret_));
  if (sink_) {
    try {
      sink_(level, safe);
    } catch (...) {
      // A throwing log sink must not take the scheduler down; nowhere left to report it.
    }
    return;
  }
  std::lock_guard<std::mutex> lock(stderr_mutex_);
  std::fprintf(stderr, "creditmeter %s: %s\n", to_string(level).c_str(), safe.c_str());
}

namespace {
std::string seconds_text(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

std::string counted(std::uint64_t n, const char* thing) {
  return std::to_string(n) + " " + thing + (n == 1 ? "" : "s");
}
}  // namespace

void Logger::log_at(const core::LogLine& line, SteadyTime now) const {
  if (!line.outage) {
    log(line.level, line.message);
    return;
  }
  std::string say;
  {
    std::lock_guard<std::mutex> lock(outage_mutex_);
    Outage& o = outage_;
    const bool pause = line.message.find("-> paused_offline") != std::string::npos;
    if (pause) ++o.pauses;
    else ++o.failures;
    if (!o.active) {
      o = Outage{};
      o.active = true;
      o.started = o.last_said = now;
      o.failures = pause ? 0 : 1;
      o.pauses = pause ? 1 : 0;
      say = line.message + " (the server looks unreachable: further failures are summarised every " +
            std::to_string(kOutageSummaryEvery.count()) + " s)";
    } else if (pause && o.pauses == 1) {
      say = line.message;  // the first pause of an outage is news of its own
      o.last_said = now;
    } else {
      ++o.unsaid_failures;
      o.latest = line.message;
      if (now - o.last_said >= kOutageSummaryEvery) {
        say = "the server has been unreachable for " + seconds_text(now - o.started) + ": " +
              counted(o.failures, "failed attempt") + ", " + counted(o.pauses, "session") +
              " paused offline so far; the latest: " + o.latest;
        o.unsaid_failures = 0;
        o.last_said = now;
      }
    }
  }
  if (!say.empty()) log(line.level, say);
}

void Logger::reachable_at(SteadyTime now) const {
  std::string say;
  {
    std::lock_guard<std::mutex> lock(outage_mutex_);
    if (!outage_.active) return;
    say = "the server answers again after " + seconds_text(now - outage_.started) + " of outage (" +
          counted(outage_.failures, "failed attempt") + ", " + counted(outage_.pauses, "session") +
          " paused offline)";
    outage_ = Outage{};
  }
  log(LogLevel::warning, say);
}

}  // namespace detail
}  // namespace creditmeter
