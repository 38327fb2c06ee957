#pragma once
// The subcommands of the creditmeter CLI. Each lives in its own file and describes itself with
// a Command; main.cpp only dispatches. A new subcommand is a new file and one line in main.cpp.

#include <string>
#include <vector>

#include <creditmeter/creditmeter.hpp>

#include "args.hpp"
#include "output.hpp"

namespace cli {

struct Command {
  const char* name;
  const char* summary;  // one line for the tool's --help
  const char* help;     // the command's own --help (usage, options, examples)
  std::vector<OptionSpec> options;
  // Returns the exit code; throws UsageError or a creditmeter::Error, which main() maps.
  int (*run)(const ParsedArgs& args, Console& console);
};

const Command& balance_command();
const Command& simulate_command();

// ClientOptions from --base-url/--api-secret; what is not given the library takes from
// CREDITMETER_BASE_URL / CREDITMETER_API_SECRET, exactly as for any other program using it.
// SDK log lines go through the console so they never tear the live status line.
creditmeter::ClientOptions client_options(const ParsedArgs& args, Console& console);

}  // namespace cli
