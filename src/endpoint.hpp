#pragma once
// Validation of the server's base URL.

#include <string>

namespace creditmeter {
namespace detail {

// Returns the normalized base URL (no trailing slash); throws InvalidArgument with a clear
// message for a malformed URL, a scheme other than http/https, credentials or a query in
// it, or plain http to a host other than loopback without `allow_insecure_http`.
std::string validate_base_url(const std::string& url, bool allow_insecure_http);

}  // namespace detail
}  // namespace creditmeter
