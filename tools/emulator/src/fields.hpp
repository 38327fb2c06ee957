// Typed, validated reads of request bodies. Every problem becomes one 400 INVALID_REQUEST
// naming the field, so bad input can never reach the ledger's arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "money.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

// Parses a request body: an empty body is an empty object (all fields optional then);
// anything else must be a JSON object. On failure returns the 400 reply in `error`.
std::optional<nlohmann::json> parse_body(const std::string& text, Reply& error);

// A session id as the protocol allows it: 1-128 characters of [A-Za-z0-9._:-]. The SDK has
// its own check (src/core/protocol.cpp); this one is kept apart on purpose: it is a rule the
// server enforces on the client, so sharing it would hide the very mismatch it must catch.
bool valid_session_id(const std::string& id);

class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& object) : object_(object) {}

  // Each reader returns nullopt when the field is absent or invalid; `failed()` tells
  // which (absent optional fields are not failures).
  std::optional<std::string> text(const char* name, bool required, std::size_t max_len = 1024);
  std::optional<std::int64_t> integer(const char* name, bool required, std::int64_t min, std::int64_t max);
  std::optional<MilliCredits> credits(const char* name, bool required);
  // Seconds as a number (fractions allowed), returned in milliseconds.
  std::optional<std::int64_t> seconds_as_ms(const char* name, bool required, double min_s, double max_s);
  std::optional<bool> boolean(const char* name, bool required);

  bool failed() const { return !problem_.empty(); }
  Reply error() const;
  // The first problem found ("field 'x' is required"), for a caller that words its own 400.
  const std::string& problem() const { return problem_; }

 private:
  const nlohmann::json* find(const char* name, bool required);
  // The field when present and `is_type`; else nullptr (recording "`name` <why>" if present).
  const nlohmann::json* typed(const char* name, bool required, bool (nlohmann::json::*is_type)() const noexcept,
                              const char* why);
  void fail(const char* name, const std::string& why);

  const nlohmann::json& object_;
  std::string problem_;
};

}  // namespace creditmeter::emulator
