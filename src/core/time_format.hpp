#pragma once
// Wall-clock timestamps for the wire, the only use of wall-clock time in the SDK.

#include <cstdint>
#include <optional>
#include <string>

namespace creditmeter {
namespace core {

// RFC 3339 UTC with milliseconds, e.g. "2026-11-24T01:31:20.123Z".
std::string rfc3339_ms(std::int64_t unix_ms);

// An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate and the obsolete RFC 850 and asctime forms) as
// Unix seconds; nullopt when `text` is none of them.
std::optional<std::int64_t> parse_http_date(const std::string& text);

}  // namespace core
}  // namespace creditmeter
