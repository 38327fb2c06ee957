#pragma once
// The one validation of a Client's and a Session's options: every shell (C ABI, Python, the
// CLI) passes its values through and maps the InvalidArgument this throws; none checks on its
// own. Messages name the C++ field.

#include <optional>
#include <string>

#include "creditmeter/options.hpp"

namespace creditmeter {
namespace detail {

// Fills base_url and api_secret from the environment when unset, normalizes base_url, and
// throws InvalidArgument for any unusable option (the secret is wiped before it throws).
ClientOptions resolve_client_options(ClientOptions options);
// Model, surface, session id (a random UUID when empty: returned), caps and thresholds.
std::string check_session_options(const SessionOptions& options);
// A spending cap: unset, or a number >= 0 (`field` names it in the message).
void check_max_credits(std::optional<double> max_credits, const char* field);
// Model and surface names travel in JSON and logs: 1-64 of [A-Za-z0-9_.-].
void check_model_name(const std::string& value, const char* field);

}  // namespace detail
}  // namespace creditmeter
