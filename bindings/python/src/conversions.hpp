// Values between Python and the C++ API: float seconds, log-level names, and the value types
// Python sees (init_value_types registers them). States and reasons cross as plain str, the
// names cm::to_string gives (creditmeter.STATES and creditmeter.REASONS list them).
#pragma once

#include <cstdint>
#include <string>

#include "binding.hpp"

namespace creditmeter_python {

// Float seconds -> milliseconds. Negative or NaN is an InvalidArgument (a ValueError in
// Python); +inf is allowed only where `allow_infinite` (returns -1 then).
std::int64_t to_ms(double seconds, const char* name, bool allow_infinite = false);

// 'debug', 'info', 'warning', 'error' -> the C++ level; anything else is an InvalidArgument.
cm::LogLevel parse_level(const std::string& name);
// The C++ level -> the matching level of Python's logging module.
int python_level(cm::LogLevel level);

// The creditmeter.SessionState / creditmeter.Reason member of a C++ value. Under the GIL.
py::object to_py(cm::SessionState state);
py::object to_py(cm::Reason reason);

// cm::StateChange for Python (creditmeter.StateChange): its states and reason become enum members.
struct PyStateChange {
  cm::StateChange change;
};

// cm::SessionStats with the error reason as its name (creditmeter.SessionStats).
struct PyStats {
  std::int64_t active_ms = 0, reported_ms = 0;
  double credits_charged = 0, balance = 0;
  std::uint64_t heartbeats_ok = 0, heartbeats_failed = 0;
  std::int64_t grace_remaining_ms = 0;
  double minutes_left = 0;
  std::uint64_t heartbeats_retried = 0;
  std::string last_error;
  py::object last_error_reason;  // a creditmeter.Reason
  std::uint64_t events_recorded = 0, events_acknowledged = 0, events_rejected = 0, events_pending = 0;
  std::string unit;
  double events_credits_charged = 0;
};

PyStats to_py(const cm::SessionStats& s);

}  // namespace creditmeter_python
