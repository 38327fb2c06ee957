// The names of states, reasons and log levels: one table each, behind the C++ to_string() and
// the C ABI's cm_*_str() (src/c_api_enums.cpp).

#include "creditmeter/log.hpp"
#include "creditmeter/state.hpp"

namespace creditmeter {

namespace detail {

const char* name_of(SessionState state) noexcept {
  switch (state) {
    case SessionState::active: return "active";
    case SessionState::paused_by_user: return "paused_by_user";
    case SessionState::paused_billing: return "paused_billing";
    case SessionState::paused_offline: return "paused_offline";
    case SessionState::stopped: return "stopped";
  }
  return "unknown";
}

const char* name_of(Reason reason) noexcept {
  switch (reason) {
    case Reason::none: return "none";
    case Reason::user: return "user";
    case Reason::insufficient_credits: return "insufficient_credits";
    case Reason::authentication_failed: return "authentication_failed";
    case Reason::offline: return "offline";
    case Reason::grace_expired: return "grace_expired";
    case Reason::spend_cap: return "spend_cap";
    case Reason::journal_full: return "journal_full";
    case Reason::stopped: return "stopped";
  }
  return "unknown";
}

const char* name_of(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "unknown";
}

}  // namespace detail

std::string to_string(SessionState state) { return detail::name_of(state); }
std::string to_string(Reason reason) { return detail::name_of(reason); }
std::string to_string(LogLevel level) { return detail::name_of(level); }

}  // namespace creditmeter
