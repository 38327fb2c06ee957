// The billing rules of heartbeats and releases (docs/PROTOCOL.md, "Billing arithmetic"),
// written here independently of the SDK: that independence is what makes the emulator a
// check on the client's own accounting.
//
// - Usage is recorded and charged whatever the balance or the key's state.
// - The charge is taken on the session's running total:
//   charged_mc = floor(total_active_ms * credits_per_minute * 1000 / 60000), each report
//   charging the difference, so many small reports never drift from one large one.
// - The answer: 403 KEY_REVOKED on a revoked key; for a heartbeat, 402 INSUFFICIENT_BALANCE
//   when the balance was <= 0 before it or is < 0 after it; else success. A release in debt
//   still succeeds. Both errors acknowledge the usage: the client never resends it.
#pragma once

#include <cstdint>

#include "accounts.hpp"
#include "money.hpp"
#include "sessions.hpp"

namespace creditmeter::emulator {

// The money side of one recorded report.
struct UsageCharge {
  MilliCredits balance_before = 0;
  MilliCredits balance_after = 0;
  MilliCredits charged_now = 0;  // what this report added to the session's charge
};

// Adds `active_ms` to the session's running total and debits the account by the increase
// of the total's charge. `active_ms` is validated non-negative by the caller, and the total
// kept small enough for charge_for (see kMaxTotalActiveMs in usage_reporting.cpp).
UsageCharge record_usage(Session& session, Account& account, std::int64_t active_ms);

enum class UsageVerdict {
  kAccepted,             // 2xx
  kKeyRevoked,           // 403 KEY_REVOKED
  kInsufficientBalance,  // 402 INSUFFICIENT_BALANCE
};

UsageVerdict usage_verdict(const Account& account, const UsageCharge& charge, bool is_release);

}  // namespace creditmeter::emulator
