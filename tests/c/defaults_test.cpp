// The C _init functions give the C++ API's defaults: every field of cm_client_options and
// cm_session_options after its _init equals a default-constructed ClientOptions/SessionOptions,
// in C's units (milliseconds as uint32_t) and representations (NULL for a string the C++ side
// leaves empty or unset, NAN for an unset optional double).
#include <creditmeter/creditmeter.h>
#include <creditmeter/creditmeter.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace cm = creditmeter;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

// An optional double of C++ as the C ABI carries it: NAN when unset.
bool same_optional(double c, const std::optional<double>& cpp) {
  return cpp ? c == *cpp : std::isnan(c);
}

// A string default of C++ as the C ABI carries it: NULL stands for "" (and for unset).
bool same_string(const char* c, const std::string& cpp) { return c == nullptr ? cpp.empty() : cpp == c; }

void client_options_defaults() {
  const cm::ClientOptions d;
  cm_client_options o;
  std::memset(&o, 0xA5, sizeof o);  // every field must be written
  cm_client_options_init(&o);
  check(o.struct_size == sizeof o, "client struct_size");
  check(same_string(o.base_url, d.base_url), "client base_url");
  check(same_string(o.api_secret, d.api_secret), "client api_secret");
  check(same_string(o.ca_file, d.ca_file), "client ca_file");
  check(same_string(o.pinned_public_key, d.pinned_public_key), "client pinned_public_key");
  check(same_string(o.proxy, d.proxy), "client proxy");
  check(o.allow_insecure_http == d.allow_insecure_http, "client allow_insecure_http");
  check(o.journal_dir == nullptr && !d.journal_dir, "client journal_dir unset");
  check(o.shutdown_timeout_ms == d.shutdown_timeout.count(), "client shutdown_timeout_ms");
  check(o.connect_timeout_ms == d.connect_timeout.count(), "client connect_timeout_ms");
  check(o.request_timeout_ms == d.request_timeout.count(), "client request_timeout_ms");
  check(o.idle_after_ms == d.idle_after.count(), "client idle_after_ms");
  check(o.log == nullptr && !d.log && o.log_user_data == nullptr, "client log");
  check(static_cast<int>(o.log_level) == static_cast<int>(d.log_level), "client log_level");
  check(o.token_provider == nullptr && !d.token_provider && o.token_provider_user_data == nullptr,
        "client token_provider");
  check(same_optional(o.max_credits, d.max_credits), "client max_credits");
  check(o.min_heartbeat_interval_ms == d.min_heartbeat_interval.count(), "client min_heartbeat_interval_ms");
}

void session_options_defaults() {
  const cm::SessionOptions d;
  cm_session_options o;
  std::memset(&o, 0xA5, sizeof o);
  cm_session_options_init(&o);
  check(o.struct_size == sizeof o, "session struct_size");
  check(o.model != nullptr && d.model == o.model, "session model");
  check(o.surface != nullptr && d.surface == o.surface, "session surface");
  check(o.audio_only == d.audio_only, "session audio_only");
  check(same_string(o.session_id, d.session_id), "session session_id");
  check(o.on_state_change == nullptr && !d.on_state_change && o.user_data == nullptr, "session on_state_change");
  check(o.on_balance == nullptr && !d.on_balance, "session on_balance");
  check(o.on_low_balance == nullptr && !d.on_low_balance && o.balance_user_data == nullptr, "session on_low_balance");
  check(o.low_balance_minutes == d.low_balance_minutes, "session low_balance_minutes");
  check(same_optional(o.low_balance_credits, d.low_balance_credits), "session low_balance_credits");
  check(same_optional(o.max_credits, d.max_credits), "session max_credits");

  // The strings are the library's and stay valid: a second _init gives the same ones.
  cm_session_options again;
  cm_session_options_init(&again);
  check(again.model == o.model && again.surface == o.surface, "session strings are stable");
}

}  // namespace

int main() {
  client_options_defaults();
  session_options_defaults();
  std::printf("%s\n", failures == 0 ? "OK" : "FAILED");
  return failures == 0 ? 0 : 1;
}
