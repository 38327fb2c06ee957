#pragma once
// Logging: one callback for every message the SDK emits. Messages never contain the API
// secret or a token.

#include "creditmeter/export.h"

#include <functional>
#include <string>

namespace creditmeter {

enum class LogLevel { debug = 0, info = 1, warning = 2, error = 3 };

CREDITMETER_API std::string to_string(LogLevel level);

namespace detail {
// The name table behind to_string(LogLevel) and cm_log_level_str(): see name_of(SessionState).
const char* name_of(LogLevel level) noexcept;
}  // namespace detail

// Called from any SDK thread (mostly the scheduler). Keep it quick and non-blocking.
using LogCallback = std::function<void(LogLevel level, const std::string& message)>;

}  // namespace creditmeter
