// creditmeter: the command-line tool of the creditmeter SDK (docs/CLI.md).
//
//   creditmeter balance [--json]
//   creditmeter simulate --duration D [--model M] [--surface S] [--fps F] [--json]
//
// main() parses, dispatches, and turns every failure into a message on stderr and an exit
// code that says what failed (args.hpp). The commands are in their own files.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <creditmeter/creditmeter.hpp>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace cli {

namespace {

const std::vector<const Command*>& commands() {
  static const std::vector<const Command*> all = {&balance_command(), &simulate_command()};
  return all;
}

const Command* find_command(const std::string& name) {
  for (const Command* c : commands()) {
    if (name == c->name) return c;
  }
  return nullptr;
}

std::vector<OptionSpec> options_of(const std::string& name) {
  const Command* command = find_command(name);
  if (command == nullptr) throw UsageError("unknown command '" + name + "'");
  return command->options;
}

const char* const kCommonHelp =
    "\n"
    "common options:\n"
    "  --base-url URL       server root (default: $CREDITMETER_BASE_URL)\n"
    "  --api-secret SECRET  the account's API secret (default: $CREDITMETER_API_SECRET; prefer\n"
    "                       the variable: a command line is visible to other local users)\n"
    "  --json               machine-readable output: one JSON object on stdout\n"
    "  --help, -h           help\n";

const char* const kExitCodes =
    "\n"
    "exit codes: 0 ok, 1 other error, 2 usage, 3 authentication, 4 insufficient credits,\n"
    "            5 concurrency limit, 6 network, 7 billing incomplete (flush or mismatch)\n";

void print_tool_help() {
  std::printf("usage: creditmeter <command> [options]\n\n"
              "Metering of AI-avatar runtime in credits, from the command line.\n\ncommands:\n");
  for (const Command* c : commands()) std::printf("  %-10s %s\n", c->name, c->summary);
  std::printf("\nRun 'creditmeter <command> --help' for a command's options.\n%s"
              "  --version            print the version\n%s",
              kCommonHelp, kExitCodes);
}

int exit_code_for(const std::exception& e) {
  if (dynamic_cast<const UsageError*>(&e)) return kUsage;
  if (dynamic_cast<const creditmeter::AuthenticationError*>(&e)) return kAuthentication;
  if (dynamic_cast<const creditmeter::InsufficientCredits*>(&e)) return kInsufficientCredits;
  if (dynamic_cast<const creditmeter::ConcurrencyLimitError*>(&e)) return kConcurrencyLimit;
  if (dynamic_cast<const creditmeter::NetworkError*>(&e)) return kNetwork;
  // Bad options given to the SDK (a malformed URL, no secret): a usage error of ours.
  if (dynamic_cast<const creditmeter::InvalidArgument*>(&e)) return kUsage;
  return kOther;
}

// The options the SDK's messages name by their C++ field, said as the flags the user typed.
// The pairs are client_options()'s own: the flag each field is filled from.
std::string in_flag_words(std::string text) {
  static const std::pair<const char*, const char*> kFieldFlags[] = {
      {"ClientOptions::base_url", "--base-url"}, {"ClientOptions::api_secret", "--api-secret"},
      {"base_url", "--base-url"}, {"api_secret", "--api-secret"}};
  for (const auto& [field, flag] : kFieldFlags) {
    const std::string from(field), to(flag);
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  }
  return text;
}

// The message is the SDK's own, which never holds the secret or a token.
int report(const std::exception& e, bool json, Console& console) {
  const int code = exit_code_for(e);
  const std::string message = in_flag_words(e.what());
  std::string text = "creditmeter: " + message;
  if (code == kUsage) text += "\n(run 'creditmeter --help' for usage)";
  console.error(text);
  if (json) {
    const auto* sdk = dynamic_cast<const creditmeter::Error*>(&e);
    nlohmann::json error = {{"message", message}, {"exit_code", code}};
    if (sdk != nullptr && !sdk->code().empty()) error["code"] = sdk->code();
    if (sdk != nullptr && sdk->http_status() != 0) error["http_status"] = sdk->http_status();
    if (sdk != nullptr && sdk->retry_after().count() > 0) error["retry_after_ms"] = sdk->retry_after().count();
    console.line(nlohmann::json{{"error", error}}.dump());
  }
  return code;
}

bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--json") return true;
  }
  return false;
}

}  // namespace

creditmeter::ClientOptions client_options(const ParsedArgs& args, Console& console) {
  creditmeter::ClientOptions options;
  options.base_url = args.get("base-url");
  options.api_secret = args.get("api-secret");
  // Said here in the CLI's words: the SDK's message would offer a token provider.
  const char* env_secret = std::getenv("CREDITMETER_API_SECRET");
  if (options.api_secret.empty() && (env_secret == nullptr || env_secret[0] == '\0')) {
    throw UsageError("no API secret: pass --api-secret or set CREDITMETER_API_SECRET");
  }
  options.log = [&console](creditmeter::LogLevel level, const std::string& message) {
    console.error("creditmeter: " + creditmeter::to_string(level) + ": " + message);
  };
  return options;
}

}  // namespace cli

int main(int argc, char** argv) {
  using namespace cli;
  use_c_locale();
  // Decided before parsing, so that even a usage error is reported as JSON when asked for.
  const bool json = wants_json(argc, argv);
  Console console(!json && Console::stdout_is_terminal());
  try {
    const ParsedArgs args = parse_args(argc, argv, options_of);
    if (args.has("version")) {
      std::printf("creditmeter %s\n", CREDITMETER_VERSION_STRING);
      return kOk;
    }
    const Command* command = args.command.empty() ? nullptr : find_command(args.command);
    if (args.has("help")) {
      if (command == nullptr) {
        print_tool_help();
      } else {
        std::printf("%s%s%s", command->help, kCommonHelp, kExitCodes);
      }
      return kOk;
    }
    if (command == nullptr) {
      std::string names;
      for (const Command* c : commands()) names += std::string(names.empty() ? "" : ", ") + c->name;
      throw UsageError("no command given (commands: " + names + ")");
    }
    return command->run(args, console);
  } catch (const std::exception& e) {
    return report(e, json, console);
  }
}
