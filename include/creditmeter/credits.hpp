#pragma once
// Credits as the app sees them: balance updates, low-balance alerts, and a client's usage.

#include <cstdint>
#include <functional>

namespace creditmeter {

// The account balance as a session learned it from the server (every heartbeat answer).
struct BalanceUpdate {
  double balance = 0;          // credits; negative is debt
  double minutes_left = 0;     // of runtime at this session's rate (infinity when free)
  double session_credits = 0;  // credits charged for this session so far
};

// Runs on the client's scheduler thread, never under an SDK lock (like on_state_change).
using BalanceCallback = std::function<void(const BalanceUpdate&)>;

// The sum over a Client's sessions (live and finished) of their SessionStats.
struct ClientUsage {
  std::uint64_t sessions = 0;
  std::int64_t active_ms = 0;
  std::int64_t reported_ms = 0;
  double credits_charged = 0;
  std::uint64_t heartbeats_ok = 0;
  std::uint64_t heartbeats_failed = 0;
};

}  // namespace creditmeter
