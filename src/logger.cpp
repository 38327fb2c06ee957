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

Logger::Logger(LogCallback sink, LogLevel threshold, std::string secret)
    : sink_(std::move(sink)), threshold_(threshold), secret_(std::move(secret)) {}

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

}  // namespace detail
}  // namespace creditmeter
