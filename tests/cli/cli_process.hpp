// Runs the creditmeter CLI binary as a child process for the tests: arguments, a controlled
// environment, stdout on a pipe or on a pseudo-terminal, stderr on a pipe, a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace creditmeter::testing {

// The binary under test (compile definition CREDITMETER_CLI_PATH).
std::string cli_path();

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal (or by the deadline)
  std::string out, err;
  // stdout parsed as one JSON object; fails the test (with the output) when it is not one.
  nlohmann::json json() const;
};

// Variables set (a value) or removed (nullopt) for the child. The child starts from this
// process's environment minus CREDITMETER_BASE_URL/CREDITMETER_API_SECRET (a developer's own
// must never leak into a test), with NO_PROXY/no_proxy covering loopback.
using CliEnv = std::map<std::string, std::optional<std::string>>;

class CliProcess {
 public:
  // Starts the CLI. terminal: stdout is a pseudo-terminal (isatty() true), as in a shell.
  CliProcess(const std::vector<std::string>& args, const CliEnv& env = {}, bool terminal = false);
  ~CliProcess();  // kills the child if it still runs
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads all output until the child exits; kills it (and returns exit_code -1) after `timeout`.
  CliResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
};

inline CliResult run_cli(const std::vector<std::string>& args, const CliEnv& env = {}) {
  return CliProcess(args, env).wait();
}

}  // namespace creditmeter::testing
