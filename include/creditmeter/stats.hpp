#pragma once
// A session's usage counters, as returned by Session::stats().

#include <cstdint>
#include <string>

#include "creditmeter/state.hpp"

namespace creditmeter {

struct SessionStats {
  std::int64_t active_ms = 0;    // active time metered so far (live: up to the last frame)
  std::int64_t reported_ms = 0;  // active time the server has acknowledged
  double credits_charged = 0;    // what the server charged for this session (time and events), in `unit`
  double balance = 0;            // the account balance in the latest answer (credits)
  std::uint64_t heartbeats_ok = 0;      // heartbeats and releases answered 2xx
  std::uint64_t heartbeats_failed = 0;  // attempts that failed (offline, 5xx, 4xx)
  std::int64_t grace_remaining_ms = 0;  // time left before an outage pauses rendering
  double minutes_left = 0;  // runtime the balance buys at this session's rate (infinity: free)
  std::uint64_t heartbeats_retried = 0;  // resends of a heartbeat or release already sent once
  std::string last_error;               // the latest failed attempt, empty when none
  Reason last_error_reason = Reason::none;  // what that failure means for billing
  // Usage events (Session::record). Acknowledged: charged by the server (accepted or a
  // duplicate of one it had charged already); rejected: refused for good (RejectedEvent);
  // pending: recorded and not settled yet (not acknowledged, not rejected).
  std::uint64_t events_recorded = 0;
  std::uint64_t events_acknowledged = 0;
  std::uint64_t events_rejected = 0;
  std::uint64_t events_pending = 0;
  // What credits_charged and balance count in: "credits", or the account's currency ("USD")
  // as the server's answers say.
  std::string unit = "credits";
  // The part of credits_charged the usage events cost, as the server's answers charged them
  // (duplicates included), in `unit`; credits_charged - events_credits_charged is active time.
  double events_credits_charged = 0;
};

}  // namespace creditmeter
