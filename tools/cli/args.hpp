#pragma once
// Command-line parsing for the creditmeter CLI: exit codes, a small option parser and the
// duration and count parsers. No SDK dependency, so the unit tests exercise it alone.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cli {

// The process exit codes (docs/CLI.md). Scripts branch on them, so they never change meaning.
enum ExitCode : int {
  kOk = 0,
  kOther = 1,
  kUsage = 2,
  kAuthentication = 3,
  kInsufficientCredits = 4,
  kConcurrencyLimit = 5,
  kNetwork = 6,
  kBillingIncomplete = 7,  // flush() timed out, or the server's figures differ from the client's
};

// A mistake in the command line; main() prints it with a hint and exits with kUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One option a command accepts: "--name VALUE" (or "--name=VALUE") when takes_value, else a flag.
struct OptionSpec {
  std::string name;  // without the leading "--"
  bool takes_value;
  bool repeatable = false;  // may be given more than once (ParsedArgs::all() has every value)
};

// The options every command accepts: --base-url, --api-secret, --json, --help, --version.
const std::vector<OptionSpec>& common_options();

struct ParsedArgs {
  std::string command;                        // first positional word; empty when none
  std::map<std::string, std::string> values;  // option name -> value ("" for flags; the last one if repeated)
  std::map<std::string, std::vector<std::string>> repeated;  // a repeatable option -> its values, in order

  bool has(const std::string& name) const { return values.count(name) != 0; }
  // The option's value, or `fallback` when it was not given.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  // Every value of a repeatable option, in the order given (empty when it was not given).
  std::vector<std::string> all(const std::string& name) const;
};

// Parses argv[1..]: the common options may come anywhere, a command's own options after its
// word. `command_options` returns them (and throws UsageError for an unknown command). Throws
// UsageError for an unknown option, a missing value, a repeated option (unless it is
// repeatable) or a stray argument.
ParsedArgs parse_args(int argc, const char* const* argv,
                      std::vector<OptionSpec> (*command_options)(const std::string& command));

// "90" (seconds), "90s", "2m", "1m30s", "500ms", "1h", "1h2m3s4ms": integer parts with units
// h, m, s, ms, largest first, each at most once. Throws UsageError saying what is wrong.
std::chrono::milliseconds parse_duration(const std::string& text);

// A whole number in [min, max]; `what` names it in the error ("--fps").
std::int64_t parse_count(const std::string& text, std::int64_t min, std::int64_t max, const std::string& what);

// An amount as typed ("0.5", "12", "1e3"): a finite decimal number with no minus sign,
// locale-independent; `what` names it in the error ("--max-credits"). Only the text is read
// here: whether the value is acceptable is the SDK's to say. An amount has no minus sign, so
// a typo such as "-1" is refused here, naming the option, before any network call.
double parse_amount(const std::string& text, const std::string& what);

}  // namespace cli
