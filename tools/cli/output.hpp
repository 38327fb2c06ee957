#pragma once
// Output of the creditmeter CLI: number formatting that ignores the user's locale, and a
// Console that keeps a live one-line status on a terminal while other lines scroll above it.

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace cli {

// Makes every numeric output locale-independent ("1234.5", never "1.234,5" or "1,234.5"):
// scripts parse what we print. Called first thing in main().
void use_c_locale();

// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);
// Credits to the server's own precision (milli-credits): "12.345".
std::string credits(double value);
// A duration for people: "850ms", "2.0s", "1m05.3s", "2h03m10s".
std::string human_duration(std::int64_t ms);
// An amount in the account's unit, as the server's answers name it: "12.345 credits",
// "0.250 USD"; the status line's short form: "12.345 cr", "0.250 USD".
std::string money(double value, const std::string& unit);
std::string money_short(double value, const std::string& unit);
// Minutes of runtime for people: "49m59s", "2h03m", "unlimited" (free or huge).
std::string human_minutes(double minutes);

// Writes to stdout/stderr from any thread (SDK callbacks run on the scheduler thread). On a
// terminal, status() keeps one line that is redrawn in place with a carriage return, and
// line()/error() print above it; elsewhere status() prints nothing, so logs stay clean.
class Console {
 public:
  // live: draw the status line (stdout is a terminal and the output is for people).
  explicit Console(bool live) : live_(live) {}
  static bool stdout_is_terminal();

  bool live() const { return live_; }
  void line(const std::string& text);    // stdout, one whole line
  void error(const std::string& text);   // stderr, one whole line
  void status(const std::string& text);  // the live line (ignored unless live)
  void end_status();                     // leave the live line as it is and move below it

 private:
  void clear_status_locked();
  void draw_status_locked();

  const bool live_;
  std::mutex mutex_;
  std::string status_;
};

}  // namespace cli
