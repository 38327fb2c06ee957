#include "core/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace creditmeter {
namespace core {

std::string rfc3339_ms(std::int64_t unix_ms) {
  // Hand-formatted: std::put_time lacks milliseconds and would need a stringstream; gmtime_r
  // does the calendar arithmetic.
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace core
}  // namespace creditmeter
