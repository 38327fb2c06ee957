#include "time_format.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace creditmeter::emulator {
namespace {

bool read_digits(const std::string& s, std::size_t& i, int count, int& out) {
  out = 0;
  for (int k = 0; k < count; ++k, ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool expect(const std::string& s, std::size_t& i, const char* accepted) {
  if (i >= s.size()) return false;
  for (const char* a = accepted; *a; ++a) {
    if (s[i] == *a) {
      ++i;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string format_rfc3339(UnixMillis t) {
  const std::time_t seconds = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<UnixMillis> parse_rfc3339(const std::string& s) {
  std::size_t i = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, i, 4, year) || !expect(s, i, "-") || !read_digits(s, i, 2, month) ||
      !expect(s, i, "-") || !read_digits(s, i, 2, day) || !expect(s, i, "Tt ") ||
      !read_digits(s, i, 2, hour) || !expect(s, i, ":") || !read_digits(s, i, 2, minute) ||
      !expect(s, i, ":") || !read_digits(s, i, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  int millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int scale = 100, digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      millis += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int offset_minutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh = 0, om = 0;
    if (!read_digits(s, i, 2, oh) || !expect(s, i, ":") || !read_digits(s, i, 2, om)) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = timegm(&tm);
  return (static_cast<UnixMillis>(seconds) - offset_minutes * 60LL) * 1000 + millis;
}

UnixMillis wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace creditmeter::emulator
