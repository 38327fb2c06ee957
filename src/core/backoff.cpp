#include "core/backoff.hpp"

#include <algorithm>
#include <cctype>

#include "core/time_format.hpp"


namespace creditmeter {
namespace core {

milliseconds BackoffPolicy::base() const {
  return std::max(milliseconds(1), std::min(milliseconds(1000), interval / 4));
}

milliseconds BackoffPolicy::cap(bool paused_offline) const {
  const milliseconds limit = paused_offline ? milliseconds(5000) : milliseconds(30000);
  return std::max(milliseconds(1), std::min(limit, interval));
}

milliseconds BackoffPolicy::ceiling(unsigned attempt, bool paused_offline) const {
  const milliseconds c = cap(paused_offline);
  milliseconds d = base();
  for (unsigned i = 1; i < attempt && d < c; ++i) d *= 2;
  return std::min(d, c);
}

milliseconds BackoffPolicy::delay(unsigned attempt, bool paused_offline, double random01) const {
  random01 = std::clamp(random01, 0.0, 1.0);
  const auto top = ceiling(attempt, paused_offline).count();
  return milliseconds(static_cast<std::int64_t>(static_cast<double>(top) * random01));
}

std::optional<milliseconds> parse_retry_after(const std::string& raw, std::int64_t wall_now_s) {
  std::string value = raw;
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
  if (value.empty() || value.size() > 64) return std::nullopt;
  std::int64_t seconds = 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return kMaxRetryAfter;
    seconds = std::stoll(value);
  } else {
    const std::optional<std::int64_t> when = parse_http_date(value);
    if (!when) return std::nullopt;
    seconds = *when - wall_now_s;
  }
  seconds = std::clamp<std::int64_t>(seconds, 0, kMaxRetryAfter.count() / 1000);
  return milliseconds(seconds * 1000);
}

}  // namespace core
}  // namespace creditmeter
