#pragma once
// The tolerant reader's field helpers (docs/PROTOCOL.md "Reading answers"), shared by the
// readers of each answer (protocol.cpp, event_protocol.cpp): a field may sit in `data`, at the
// top level, or (for what a 402/403 carries) in the `error` object; absent or null = not there;
// present with the wrong type = ProtocolError.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/json_reader.hpp"

namespace creditmeter {
namespace core {

// Parses a server body with the caps of protocol.hpp (size, depth, values): an object or
// ProtocolError.
JsonDoc parse_answer_body(const std::string& body);
// The index of field `name` (see above), -1 when it is not there.
int find_field(const JsonDoc& doc, const char* name);
// A finite number, or nullopt when absent; ProtocolError for another type.
std::optional<double> optional_number(const JsonDoc& doc, const char* name);
double require_number(const JsonDoc& doc, const char* name);

// The answer's `unit` ("credits" when absent): a string of 1-15 printable characters, else
// ProtocolError (it is shown to people and copied into C's `char unit[16]`).
std::string unit_field(const JsonDoc& doc);
// The token answer's `prices` ({action: units per unit of quantity}) in integer micro-units
// (empty when absent). Entries that are not finite non-negative numbers are skipped; a
// `prices` that is not an object is a ProtocolError.
std::map<std::string, std::int64_t> prices_field(const JsonDoc& doc);

}  // namespace core
}  // namespace creditmeter
