#pragma once
// The words a session says to people: the message of each state change (StateChange::message,
// shown to users by apps), and the log lines of its decisions. Kept apart from the decisions
// so that the wording can change without touching the logic, and stays consistent: every
// message names the session and, for a pause, what would lift it. Never a token or secret.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/protocol.hpp"
#include "creditmeter/log.hpp"
#include "creditmeter/state.hpp"

namespace creditmeter {
namespace core {

struct LogLine {
  LogLevel level;
  std::string message;
  // A sign of the server being unreachable (a failed attempt, a pause for it): the client's
  // Logger says the first of an outage and then summarises, whatever the number of sessions.
  bool outage = false;
};

// Credits with three decimals (the server keeps milli-credits).
std::string format_credits(double credits);

// StateChange::message for a change to `to` for `reason`; `grace` and `balance` are quoted
// by the offline and out-of-credits messages.
std::string state_message(SessionState to, Reason reason, std::chrono::milliseconds grace, double balance);

// An answer, briefly, for logs and SessionStats::last_error: "HTTP 503 CODE (error)" or the
// transport error.
std::string describe(const Answer& answer);

// The log lines of a session's decisions. `what` is "heartbeat" or "release".
LogLine state_change_line(const std::string& session_id, const StateChange& change);
LogLine low_balance_line(const std::string& session_id, double balance);
LogLine spend_cap_line(const std::string& session_id, double max_credits);
LogLine token_refused_line(const std::string& session_id, const Answer& answer);
LogLine mismatch_line(const std::string& session_id, const char* what, std::uint64_t seq, std::int64_t active_ms);
LogLine retry_line(const std::string& session_id, const char* what, std::uint64_t seq, const Answer& answer);
LogLine reattached_line(const std::string& session_id);
LogLine reattach_refused_line(const std::string& session_id, const Answer& answer);
LogLine reattach_retry_line(const std::string& session_id, const Answer& answer);
// A batch of `count` usage events failed (it goes again with the same ids).
LogLine events_retry_line(const std::string& session_id, std::size_t count, const Answer& answer);
// The server refused a usage event for good: a warning (the action is the app's text: made printable).
LogLine event_rejected_line(const std::string& session_id, const UsageEvent& event, const EventRejection& rejection);

}  // namespace core
}  // namespace creditmeter
