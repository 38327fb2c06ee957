#include "output.hpp"

#include <unistd.h>

#include <clocale>
#include <cmath>
#include <locale>

namespace cli {

void use_c_locale() {
  std::setlocale(LC_ALL, "C");
  std::locale::global(std::locale::classic());
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string credits(double value) {
  // Avoid "-0.000" for a tiny negative rounding residue: it reads like debt.
  if (std::fabs(value) < 0.0005) value = 0;
  return fixed(value, 3);
}

std::string human_duration(std::int64_t ms) {
  const bool negative = ms < 0;
  const long long a = negative ? -static_cast<long long>(ms) : ms;
  // Rounded once, up front, so that 59.96 s reads "1m00.0s", never "60.0s" or "0m60.0s".
  const long long tenths = (a + 50) / 100, seconds = (a + 500) / 1000;
  char buf[64];
  if (a < 1'000) {
    std::snprintf(buf, sizeof buf, "%lldms", a);
  } else if (tenths < 600) {
    std::snprintf(buf, sizeof buf, "%lld.%llds", tenths / 10, tenths % 10);
  } else if (tenths < 36'000) {
    std::snprintf(buf, sizeof buf, "%lldm%02lld.%llds", tenths / 600, tenths % 600 / 10, tenths % 10);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", seconds / 3600, seconds % 3600 / 60, seconds % 60);
  }
  return (negative ? "-" : "") + std::string(buf);
}

bool Console::stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

void Console::line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_status_locked();
  std::fprintf(stdout, "%s\n", text.c_str());
  draw_status_locked();
  std::fflush(stdout);
}

void Console::error(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_status_locked();
  std::fflush(stdout);  // the status line must be gone before stderr writes on the same terminal
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
  draw_status_locked();
  std::fflush(stdout);
}

void Console::status(const std::string& text) {
  if (!live_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  status_ = text;
  draw_status_locked();
  std::fflush(stdout);
}

void Console::end_status() {
  if (!live_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!status_.empty()) std::fputs("\n", stdout);
  status_.clear();
  std::fflush(stdout);
}

void Console::clear_status_locked() {
  // Carriage return + "erase to end of line": every terminal since the VT100 knows it.
  if (live_ && !status_.empty()) std::fputs("\r\x1b[K", stdout);
}

void Console::draw_status_locked() {
  if (live_ && !status_.empty()) std::fprintf(stdout, "\r%s\x1b[K", status_.c_str());
}

std::string money(double value, const std::string& unit) { return credits(value) + " " + unit; }

std::string money_short(double value, const std::string& unit) {
  return credits(value) + " " + (unit == "credits" ? std::string("cr") : unit);
}

std::string human_minutes(double minutes) {
  if (!std::isfinite(minutes) || minutes > 1e9) return "unlimited";
  if (minutes < 0) minutes = 0;
  return human_duration(static_cast<std::int64_t>(minutes * 60000.0));
}

}  // namespace cli
