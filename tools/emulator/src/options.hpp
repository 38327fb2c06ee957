// Command-line options of creditmeter-emulator.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace creditmeter::emulator {

struct SeedAccount {
  std::string api_secret;
  std::string plan;
  std::string balance;  // in the account's unit, as typed (parsed exactly by the ledger)
  std::string unit = "credits";  // "credits" or "USD"
};

enum class Verbosity { kQuiet, kNormal, kVerbose };

struct Options {
  std::string host = "127.0.0.1";
  int port = 8765;
  std::string port_file;
  std::string state_path;
  std::string tls_cert;
  std::string tls_key;
  std::size_t threads = 64;       // workers started at once
  std::size_t max_threads = 4096;  // the pool grows up to this when every worker is busy
  int keep_alive_s = 5;
  std::vector<SeedAccount> seed_accounts;
  Verbosity verbosity = Verbosity::kNormal;
};

// Parses argv. Returns nullopt and fills `message` for --help (exit 0, `help` true) or an
// error (exit 2).
std::optional<Options> parse_options(int argc, char** argv, std::string& message, bool& help);

std::string usage_text();

}  // namespace creditmeter::emulator
