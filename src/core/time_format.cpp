#include "core/time_format.hpp"

#include <cstdio>
#include <cstring>

namespace creditmeter {
namespace core {

namespace {

// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
// civil_from_days, public domain: http://howardhinnant.github.io/date_algorithms.html).
// By hand rather than gmtime_r + snprintf: every heartbeat writes two timestamps, and glibc's
// gmtime_r takes the time-zone lock and snprintf parses its format each time (together
// ~3,000 instructions a timestamp, 4 % of the scheduler's per-heartbeat work at scale).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  d = doy - (153 * mp + 2) / 5 + 1;                                            // [1, 31]
  m = mp < 10 ? mp + 3 : mp - 9;                                               // [1, 12]
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

// The day count since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                   // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;     // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// 1-12 for an English month abbreviation ("Jan"), else 0. HTTP-dates are never localised.
unsigned month_number(const char* name) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < 12; ++i) {
    if (std::strcmp(name, kMonths[i]) == 0) return i + 1;
  }
  return 0;
}

// Writes `value` as exactly `width` decimal digits ending at `end` (exclusive).
void digits(char* end, std::int64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string rfc3339_ms(std::int64_t unix_ms) {
  // Floor division: before the epoch the millisecond part stays positive.
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  std::int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  if (year < 0 || year > 9999) year = year < 0 ? 0 : 9999;  // RFC 3339 has 4-digit years
  std::string out = "0000-00-00T00:00:00.000Z";
  char* p = &out[0];
  digits(p + 4, year, 4);
  digits(p + 7, month, 2);
  digits(p + 10, day, 2);
  digits(p + 13, sod / 3600, 2);
  digits(p + 16, sod / 60 % 60, 2);
  digits(p + 19, sod % 60, 2);
  digits(p + 23, ms, 3);
  return out;
}

std::optional<std::int64_t> parse_http_date(const std::string& text) {
  // sscanf with fixed formats, each required to consume the whole text (%n): three shapes, no
  // locale involved. Written by hand since libcurl's curl_getdate is not in every build (the
  // app's own HTTP stack replaces libcurl) and strptime's %a/%b follow the process's locale.
  char wday[16] = {0};
  char mon[4] = {0};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, end = 0;
  const char* s = text.c_str();
  bool ok = std::sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wday, &day, mon, &year, &hh, &mm,
                        &ss, &end) == 7 && end == static_cast<int>(text.size());
  if (!ok) {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    end = 0;
    ok = std::sscanf(s, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wday, &day, mon, &year, &hh, &mm, &ss,
                     &end) == 7 && end == static_cast<int>(text.size());
    // Two digits: the nearest century, as RFC 9110 asks (within 50 years of now: 19xx/20xx).
    if (ok) year += year < 70 ? 2000 : 1900;
  }
  if (!ok) {  // asctime: "Sun Nov  6 08:49:37 1994"
    end = 0;
    ok = std::sscanf(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wday, mon, &day, &hh, &mm, &ss, &year, &end) ==
             7 && end == static_cast<int>(text.size());
  }
  const unsigned month = ok ? month_number(mon) : 0;
  if (month == 0 || day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 ||
      ss < 0) {
    return std::nullopt;
  }
  return days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss;
}

}  // namespace core
}  // namespace creditmeter
