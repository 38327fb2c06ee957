// RFC 3339 timestamps on the wire (UTC). Unix milliseconds everywhere inside.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace creditmeter::emulator {

using UnixMillis = std::int64_t;

// "2026-01-02T03:04:05Z" (whole seconds, as renews_at is documented).
std::string format_rfc3339(UnixMillis t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (also 't'/'z' and a space separator,
// as RFC 3339 allows). Returns Unix milliseconds, or nullopt if it does not parse.
std::optional<UnixMillis> parse_rfc3339(const std::string& text);

// The wall clock, in Unix milliseconds: the only clock the emulator needs (token expiry
// is defined in Unix time, and slot expiry only needs coarse durations).
UnixMillis wall_clock_ms();

}  // namespace creditmeter::emulator
