#include "args.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace cli {

namespace {

const OptionSpec* find_option(const std::vector<OptionSpec>& specs, const std::string& name) {
  const auto it = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Appends `digit` to `value`; false on int64 overflow.
bool push_digit(std::int64_t& value, char digit) {
  const std::int64_t d = digit - '0';
  if (value > (std::numeric_limits<std::int64_t>::max() - d) / 10) return false;
  value = value * 10 + d;
  return true;
}

}  // namespace

const std::vector<OptionSpec>& common_options() {
  static const std::vector<OptionSpec> specs = {
      {"base-url", true}, {"api-secret", true}, {"json", false}, {"help", false}, {"version", false}};
  return specs;
}

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  const auto it = repeated.find(name);
  return it == repeated.end() ? std::vector<std::string>() : it->second;
}

ParsedArgs parse_args(int argc, const char* const* argv,
                      std::vector<OptionSpec> (*command_options)(const std::string& command)) {
  // One pass: before the command word only the common options exist; the word adds its own.
  ParsedArgs parsed;
  std::vector<OptionSpec> specs = common_options();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h") {  // the one short option: muscle memory
      parsed.values["help"] = "";
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      if (arg.rfind("-", 0) == 0) throw UsageError("unknown option '" + arg + "'");
      if (!parsed.command.empty()) throw UsageError("unexpected argument '" + arg + "'");
      parsed.command = arg;
      const std::vector<OptionSpec> extra = command_options(arg);
      specs.insert(specs.end(), extra.begin(), extra.end());
      continue;
    }
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const OptionSpec* spec = find_option(specs, name);
    if (spec == nullptr) {
      throw UsageError("unknown option '--" + name + "'" +
                       (parsed.command.empty() ? std::string() : " for '" + parsed.command + "'"));
    }
    if (parsed.has(name) && !spec->repeatable) throw UsageError("option '--" + name + "' given twice");
    if (!spec->takes_value) {
      if (eq != std::string::npos) throw UsageError("option '--" + name + "' takes no value");
      parsed.values[name] = "";
    } else if (eq != std::string::npos) {
      parsed.values[name] = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) throw UsageError("option '--" + name + "' needs a value");
      parsed.values[name] = argv[++i];
    }
    if (spec->repeatable) parsed.repeated[name].push_back(parsed.values[name]);
  }
  return parsed;
}

std::chrono::milliseconds parse_duration(const std::string& text) {
  const std::string usage = "invalid duration '" + text + "': use e.g. 90, 90s, 2m, 1m30s or 500ms";
  if (text.empty() || !is_digit(text[0])) throw UsageError(usage);

  // Units largest first; each part's unit must be smaller than the one before.
  struct Unit {
    const char* suffix;
    std::int64_t ms;
  };
  static const Unit units[] = {{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  constexpr std::size_t kUnits = sizeof units / sizeof units[0];

  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index of the largest unit still allowed
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (!push_digit(number, text[pos++])) throw UsageError("duration '" + text + "' is too large");
    }
    if (pos == digits_start) throw UsageError(usage);
    std::size_t suffix_end = pos;
    while (suffix_end < text.size() && !is_digit(text[suffix_end])) ++suffix_end;
    const std::string suffix = text.substr(pos, suffix_end - pos);
    pos = suffix_end;

    std::int64_t unit_ms = 0;
    if (suffix.empty()) {
      // A bare number means seconds, and only on its own ("90", not "1m30").
      if (digits_start != 0) throw UsageError(usage + " (every part after the first needs a unit)");
      unit_ms = 1'000;
      next_unit = kUnits;
    } else {
      std::size_t u = 0;
      while (u < kUnits && suffix != units[u].suffix) ++u;
      if (suffix[0] == '.' || suffix[0] == ',') throw UsageError(usage + " (whole numbers only: 1m30s, not 1.5m)");
      if (u == kUnits) throw UsageError(usage + " (unknown unit '" + suffix + "')");
      if (u < next_unit) throw UsageError(usage + " (units go largest first, each once)");
      unit_ms = units[u].ms;
      next_unit = u + 1;
    }
    if (number > (std::numeric_limits<std::int64_t>::max() - total) / unit_ms) {
      throw UsageError("duration '" + text + "' is too large");
    }
    total += number * unit_ms;
  }
  return std::chrono::milliseconds(total);
}

std::int64_t parse_count(const std::string& text, std::int64_t min, std::int64_t max, const std::string& what) {
  const std::string message =
      what + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" + text + "'";
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), is_digit)) throw UsageError(message);
  std::int64_t value = 0;
  for (char c : text) push_digit(value, c);  // 18 digits cannot overflow
  if (value < min || value > max) throw UsageError(message);
  return value;
}

double parse_amount(const std::string& text, const std::string& what) {
  const bool readable = !text.empty() && !std::isspace(static_cast<unsigned char>(text[0])) && text[0] != '-';
  char* end = nullptr;
  const double value = readable ? std::strtod(text.c_str(), &end) : NAN;
  if (end == nullptr || *end != '\0' || !std::isfinite(value)) {
    throw UsageError(what + " must be a number >= 0 (e.g. 12.5), not '" + text + "'");
  }
  return value;
}

}  // namespace cli
