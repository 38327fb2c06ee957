#include "billing.hpp"

namespace creditmeter::emulator {

UsageCharge record_usage(Session& session, Account& account, std::int64_t active_ms) {
  UsageCharge charge;
  charge.balance_before = account.balance();
  session.active_ms += active_ms;
  const MilliCredits charged_total = charge_for(session.active_ms, session.rate_mc_per_min);
  charge.charged_now = charged_total - session.charged_mc;
  session.charged_mc = charged_total;
  account.debit(charge.charged_now);
  charge.balance_after = account.balance();
  return charge;
}

UsageVerdict usage_verdict(const Account& account, const UsageCharge& charge, bool is_release) {
  if (account.revoked) return UsageVerdict::kKeyRevoked;
  // A release is the session's last word: refusing it for money would only make the client
  // retry usage that is already billed.
  if (!is_release && (charge.balance_before <= 0 || charge.balance_after < 0)) {
    return UsageVerdict::kInsufficientBalance;
  }
  return UsageVerdict::kAccepted;
}

}  // namespace creditmeter::emulator
