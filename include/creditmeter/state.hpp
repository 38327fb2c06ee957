#pragma once
// Session states, the reasons of transitions, and the event a state-change callback gets.

#include "creditmeter/export.h"

#include <cstdint>
#include <functional>
#include <string>

namespace creditmeter {

// Precedence, highest first: stopped > paused_by_user > paused_billing > paused_offline >
// active. Only `active` renders and bills.
enum class SessionState : std::uint8_t {
  active,
  paused_by_user,
  paused_billing,
  paused_offline,
  stopped,
};

// Why a session changed state. spend_cap and journal_full are paused_billing reasons.
enum class Reason : std::uint8_t {
  none,                   // back to active: the server answered 2xx again
  user,                   // pause() or resume()
  insufficient_credits,   // 402: top up to resume
  authentication_failed,  // 401/403: API key revoked or token exchange refused
  offline,                // the server is unreachable (reported while offline)
  grace_expired,          // offline longer than the server's offline_grace_s
  spend_cap,              // a spending cap was reached
  journal_full,           // the usage journal is full: usage is never dropped
  stopped,                // stop() or the Client shut down
};

CREDITMETER_API std::string to_string(SessionState state);
CREDITMETER_API std::string to_string(Reason reason);

namespace detail {
// The one name table behind to_string() and the C ABI's cm_session_state_str() /
// cm_reason_str(): static strings, "unknown" for a value that is no enumerator. Internal (not
// exported from libcreditmeter.so).
const char* name_of(SessionState state) noexcept;
const char* name_of(Reason reason) noexcept;
}  // namespace detail

// One transition, delivered once and in order on the client's callback thread.
struct StateChange {
  SessionState from = SessionState::active;
  SessionState to = SessionState::active;
  Reason reason = Reason::none;
  std::string message;  // human-readable, safe to show or log
};

using StateChangeCallback = std::function<void(const StateChange&)>;

}  // namespace creditmeter
