#pragma once
// Credits as the app sees them: balance updates, low-balance alerts, and a client's usage.

#include <cstdint>
#include <functional>
#include <string>

namespace creditmeter {

// The account balance as a session learned it from the server (every heartbeat answer).
struct BalanceUpdate {
  double balance = 0;          // in `unit`; negative is debt
  double minutes_left = 0;     // of runtime at this session's rate (infinity when free)
  double session_credits = 0;  // charged for this session so far (time and events), in `unit`
  std::string unit = "credits";  // what the amounts count in: SessionStats::unit
};

// Runs on the client's callback thread, in order with the session's other callbacks, never
// under an SDK lock (like on_state_change).
using BalanceCallback = std::function<void(const BalanceUpdate&)>;

// A usage event (Session::record) the server refused for good (e.g. code `UNKNOWN_ACTION`):
// it is not charged, not resent, and counts as settled for flush() (docs/CREDITS.md).
struct RejectedEvent {
  std::string event_id;  // the id record() returned
  std::string action;
  double quantity = 0;   // as recorded (rounded to milli-units)
  std::string code;      // the server's code, e.g. "UNKNOWN_ACTION"
  std::string message;   // the server's words, made printable
};

// Runs on the client's callback thread, in order with the session's other callbacks, never
// under an SDK lock. The SDK also logs a warning for each rejected event.
using EventRejectedCallback = std::function<void(const RejectedEvent&)>;

// The sum over a Client's sessions (live and finished) of their SessionStats.
struct ClientUsage {
  std::uint64_t sessions = 0;
  std::int64_t active_ms = 0;
  std::int64_t reported_ms = 0;
  double credits_charged = 0;
  std::uint64_t heartbeats_ok = 0;
  std::uint64_t heartbeats_failed = 0;
  // Usage events (Session::record): recorded, acknowledged (charged), rejected.
  std::uint64_t events_recorded = 0;
  std::uint64_t events_acknowledged = 0;
  std::uint64_t events_rejected = 0;
  // The part of credits_charged usage events cost (SessionStats::events_credits_charged).
  double events_credits_charged = 0;
};

}  // namespace creditmeter
