#include "options.hpp"

#include <getopt.h>

#include <cstdlib>

namespace creditmeter::emulator {
namespace {

bool parse_number(const char* text, long min, long max, long& out) {
  char* end = nullptr;
  out = std::strtol(text, &end, 10);
  return end != text && *end == '\0' && out >= min && out <= max;
}

std::optional<SeedAccount> parse_seed(std::string text) {
  // SECRET:PLAN:BALANCE[:UNIT]; the secret may itself contain ':', so split from the right,
  // and a last part that names a unit is the unit.
  std::string unit = "credits";
  for (const char* known : {"credits", "USD"}) {
    const std::string suffix = std::string(":") + known;
    if (text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      unit = known;
      text.resize(text.size() - suffix.size());
      break;
    }
  }
  const auto last = text.rfind(':');
  if (last == std::string::npos || last == 0) return std::nullopt;
  const auto middle = text.rfind(':', last - 1);
  if (middle == std::string::npos || middle == 0) return std::nullopt;
  SeedAccount seed{text.substr(0, middle), text.substr(middle + 1, last - middle - 1), text.substr(last + 1), unit};
  if (seed.api_secret.empty() || seed.plan.empty() || seed.balance.empty()) return std::nullopt;
  return seed;
}

}  // namespace

std::string usage_text() {
  return "usage: creditmeter-emulator [options]\n"
         "  --host ADDR            address to listen on (default 127.0.0.1)\n"
         "  --port N               port (default 8765; 0 = pick a free port)\n"
         "  --port-file PATH       write the bound port there once listening (atomically)\n"
         "  --state PATH           keep accounts, ledger, idempotency store, signing key and\n"
         "                         config in PATH (+ PATH.wal); reloaded on restart\n"
         "  --tls-cert PATH        serve HTTPS with this certificate (PEM) ...\n"
         "  --tls-key PATH         ... and this private key (PEM)\n"
         "  --threads N            worker threads started at once (default 64)\n"
         "  --max-threads N        the pool grows up to N when all are busy (default 4096)\n"
         "  --keep-alive-timeout S idle keep-alive connections close after S s (default 5)\n"
         "  --seed-account SECRET:PLAN:BALANCE[:UNIT]  create this account at start if\n"
         "                         missing (repeatable; PLAN free|creator|pro; UNIT credits\n"
         "                         (default) or USD; BALANCE in that unit)\n"
         "  --quiet                print nothing but errors\n"
         "  --verbose              log every request to stderr\n"
         "  --help                 this text\n";
}

std::optional<Options> parse_options(int argc, char** argv, std::string& message, bool& help) {
  static const option kLong[] = {
      {"host", required_argument, nullptr, 'h'},       {"port", required_argument, nullptr, 'p'},
      {"port-file", required_argument, nullptr, 'f'},  {"state", required_argument, nullptr, 's'},
      {"tls-cert", required_argument, nullptr, 'c'},   {"tls-key", required_argument, nullptr, 'k'},
      {"threads", required_argument, nullptr, 't'},    {"max-threads", required_argument, nullptr, 'm'},
      {"keep-alive-timeout", required_argument, nullptr, 'a'},
      {"seed-account", required_argument, nullptr, 'S'},
      {"quiet", no_argument, nullptr, 'q'},            {"verbose", no_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'H'},             {nullptr, 0, nullptr, 0}};
  Options options;
  help = false;
  optind = 1;
  opterr = 0;
  long number = 0;
  int c = 0;
  while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
    switch (c) {
      case 'h': options.host = optarg; break;
      case 'p':
        if (!parse_number(optarg, 0, 65535, number)) return message = "--port must be 0-65535", std::nullopt;
        options.port = static_cast<int>(number);
        break;
      case 'f': options.port_file = optarg; break;
      case 's': options.state_path = optarg; break;
      case 'c': options.tls_cert = optarg; break;
      case 'k': options.tls_key = optarg; break;
      case 't':
        if (!parse_number(optarg, 1, 100000, number)) return message = "--threads must be 1-100000", std::nullopt;
        options.threads = static_cast<std::size_t>(number);
        break;
      case 'm':
        if (!parse_number(optarg, 1, 100000, number)) return message = "--max-threads must be 1-100000", std::nullopt;
        options.max_threads = static_cast<std::size_t>(number);
        break;
      case 'a':
        if (!parse_number(optarg, 1, 3600, number)) return message = "--keep-alive-timeout must be 1-3600", std::nullopt;
        options.keep_alive_s = static_cast<int>(number);
        break;
      case 'S': {
        const auto seed = parse_seed(optarg);
        if (!seed) return message = "--seed-account wants SECRET:PLAN:BALANCE[:UNIT]", std::nullopt;
        options.seed_accounts.push_back(*seed);
        break;
      }
      case 'q': options.verbosity = Verbosity::kQuiet; break;
      case 'v': options.verbosity = Verbosity::kVerbose; break;
      case 'H':
        help = true;
        message = usage_text();
        return std::nullopt;
      default:
        message = std::string("unknown or incomplete option: ") + (optind > 0 && optind <= argc ? argv[optind - 1] : "?");
        return std::nullopt;
    }
  }
  if (optind < argc) return message = std::string("unexpected argument: ") + argv[optind], std::nullopt;
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return message = "--tls-cert and --tls-key go together", std::nullopt;
  }
  if (options.max_threads < options.threads) options.max_threads = options.threads;
  return options;
}

}  // namespace creditmeter::emulator
