#include "client_options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <openssl/crypto.h>

#include "core/protocol.hpp"
#include "creditmeter/errors.hpp"
#include "endpoint.hpp"
#include "journal.hpp"
#include "uuid.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::milliseconds;

namespace {

std::string env_or(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* env = std::getenv(name);
  return env != nullptr ? env : "";
}

void wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(&secret[0], secret.size());
  secret.clear();
}

// It travels in a request header: front servers refuse headers of a few KiB and libcurl
// reports a huge one as "Out of memory".
constexpr std::size_t kMaxSecretBytes = 1024;

bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

void check_duration(milliseconds value, const char* field, bool zero_ok) {
  if (value.count() < 0 || (!zero_ok && value.count() == 0)) {
    throw InvalidArgument(std::string("ClientOptions::") + field + (zero_ok ? " must not be negative" : " must be positive"));
  }
}

}  // namespace

void check_model_name(const std::string& value, const char* field) {
  const bool ok = !value.empty() && value.size() <= 64 &&
                  std::all_of(value.begin(), value.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '_' || c == '-' || c == '.';
                  });
  if (!ok) {
    throw InvalidArgument(std::string("SessionOptions::") + field +
                          " must be 1-64 characters of [A-Za-z0-9_.-], e.g. \"essence\" or \"cloud\"");
  }
}

void check_max_credits(std::optional<double> max_credits, const char* field) {
  if (max_credits && !(*max_credits >= 0)) throw InvalidArgument(std::string(field) + " must be a number >= 0");
}

ClientOptions resolve_client_options(ClientOptions options) {
  options.base_url = validate_base_url(env_or(options.base_url, "CREDITMETER_BASE_URL"), options.allow_insecure_http);
  options.api_secret = env_or(options.api_secret, "CREDITMETER_API_SECRET");
  if (options.api_secret.empty() && !options.token_provider) {
    throw InvalidArgument(
        "api_secret is not set: pass ClientOptions::api_secret, set CREDITMETER_API_SECRET, or give a "
        "token_provider (secretless mode)");
  }
  if (has_control_chars(options.api_secret)) {
    wipe(options.api_secret);
    throw InvalidArgument("api_secret contains control characters (a stray newline?)");
  }
  if (options.api_secret.size() > kMaxSecretBytes) {
    const std::size_t size = options.api_secret.size();
    wipe(options.api_secret);
    throw InvalidArgument("api_secret is " + std::to_string(size) + " bytes long, more than " +
                          std::to_string(kMaxSecretBytes) + ": not an API secret (a file's content?)");
  }
  try {
    check_duration(options.shutdown_timeout, "shutdown_timeout", true);
    check_duration(options.connect_timeout, "connect_timeout", false);
    check_duration(options.request_timeout, "request_timeout", false);
    check_duration(options.idle_after, "idle_after", false);
    check_duration(options.min_heartbeat_interval, "min_heartbeat_interval", false);
    if (options.event_batch_delay < milliseconds(10) || options.event_batch_delay > milliseconds(60000)) {
      throw InvalidArgument("event_batch_delay must be within [10 ms, 60 s], got " +
                            std::to_string(options.event_batch_delay.count()) + " ms");
    }
    check_max_credits(options.max_credits, "ClientOptions::max_credits");
    if (has_control_chars(options.ca_file) || has_control_chars(options.proxy) ||
        has_control_chars(options.pinned_public_key)) {
      throw InvalidArgument("ca_file, proxy and pinned_public_key must not contain control characters");
    }
    if (options.journal_dir && !options.journal_dir->empty()) check_journal_dir(*options.journal_dir);
    if (options.transport && (!options.ca_file.empty() || !options.pinned_public_key.empty() || !options.proxy.empty())) {
      throw InvalidArgument(
          "ca_file, pinned_public_key and proxy do not apply with the app's own transport: its HTTP stack owns "
          "TLS and proxies");
    }
#if !CREDITMETER_WITH_CURL
    if (!options.transport) {
      throw InvalidArgument(
          "this build of creditmeter has no built-in HTTP transport (CREDITMETER_WITH_CURL=OFF): set "
          "ClientOptions::transport (C: transport_send)");
    }
#endif
  } catch (...) {
    wipe(options.api_secret);
    throw;
  }
  return options;
}

std::string check_session_options(const SessionOptions& options) {
  check_model_name(options.model, "model");
  check_model_name(options.surface, "surface");
  check_max_credits(options.max_credits, "SessionOptions::max_credits");
  if (!(options.low_balance_minutes >= 0) ||
      (options.low_balance_credits && !std::isfinite(*options.low_balance_credits))) {
    throw InvalidArgument("SessionOptions::low_balance_minutes must be >= 0 and low_balance_credits finite");
  }
  std::string id = options.session_id.empty() ? random_uuid() : options.session_id;
  if (!core::valid_session_id(id)) {
    throw InvalidArgument("SessionOptions::session_id must be 1-128 characters of [A-Za-z0-9._:-]");
  }
  return id;
}

}  // namespace detail
}  // namespace creditmeter
