#pragma once
// Wall-clock timestamps for the wire, the only use of wall-clock time in the SDK.

#include <cstdint>
#include <string>

namespace creditmeter {
namespace core {

// RFC 3339 UTC with milliseconds, e.g. "2026-11-24T01:31:20.123Z".
std::string rfc3339_ms(std::int64_t unix_ms);

}  // namespace core
}  // namespace creditmeter
