#include "fields.hpp"

#include <cmath>

namespace creditmeter::emulator {

std::optional<nlohmann::json> parse_body(const std::string& text, Reply& error) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    error = error_reply(400, "INVALID_JSON", "the request body is not valid JSON");
    return std::nullopt;
  }
  if (!json.is_object()) {
    error = error_reply(400, "INVALID_REQUEST", "the request body must be a JSON object");
    return std::nullopt;
  }
  return json;
}

bool valid_session_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (const unsigned char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const nlohmann::json* FieldReader::find(const char* name, bool required) {
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) {
    if (required) fail(name, "is required");
    return nullptr;
  }
  return &*it;
}

void FieldReader::fail(const char* name, const std::string& why) {
  if (problem_.empty()) problem_ = std::string("field '") + name + "' " + why;
}

const nlohmann::json* FieldReader::typed(const char* name, bool required,
                                         bool (nlohmann::json::*is_type)() const noexcept, const char* why) {
  const auto* value = find(name, required);
  if (value && !(value->*is_type)()) {
    fail(name, why);
    return nullptr;
  }
  return value;
}

Reply FieldReader::error() const { return error_reply(400, "INVALID_REQUEST", problem_); }

std::optional<std::string> FieldReader::text(const char* name, bool required, std::size_t max_len) {
  const auto* value = typed(name, required, &nlohmann::json::is_string, "must be a string");
  if (!value) return std::nullopt;
  auto s = value->get<std::string>();
  if (s.size() > max_len) {
    fail(name, "is too long");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> FieldReader::integer(const char* name, bool required, std::int64_t min,
                                                 std::int64_t max) {
  const auto* value = find(name, required);
  if (!value) return std::nullopt;
  std::int64_t v = 0;
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) {
      fail(name, "is out of range");
      return std::nullopt;
    }
    v = static_cast<std::int64_t>(u);
  } else if (value->is_number_integer()) {
    v = value->get<std::int64_t>();
  } else if (value->is_number_float()) {
    // A float is accepted when it is a whole number (5.0), as tolerant JSON writers emit.
    const double d = value->get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
      fail(name, "must be an integer");
      return std::nullopt;
    }
    v = static_cast<std::int64_t>(d);
  } else {
    fail(name, "must be an integer");
    return std::nullopt;
  }
  if (v < min || v > max) {
    fail(name, "is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return std::nullopt;
  }
  return v;
}

std::optional<MilliCredits> FieldReader::credits(const char* name, bool required) {
  const auto* value = typed(name, required, &nlohmann::json::is_number, "must be a number of credits");
  if (!value) return std::nullopt;
  const auto mc = credits_to_milli(*value);
  if (!mc) fail(name, "is out of range");
  return mc;
}

std::optional<std::int64_t> FieldReader::seconds_as_ms(const char* name, bool required, double min_s,
                                                       double max_s) {
  const auto* value = typed(name, required, &nlohmann::json::is_number, "must be a number of seconds");
  if (!value) return std::nullopt;
  const double s = value->get<double>();
  if (!std::isfinite(s) || s < min_s || s > max_s) {
    fail(name, "is out of range");
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::llround(s * 1000.0));
}

std::optional<bool> FieldReader::boolean(const char* name, bool required) {
  const auto* value = typed(name, required, &nlohmann::json::is_boolean, "must be true or false");
  if (!value) return std::nullopt;
  return value->get<bool>();
}

}  // namespace creditmeter::emulator
