#include "credit_summary.hpp"

#include "catalog.hpp"

namespace creditmeter::emulator {
namespace {

constexpr std::int64_t kRenewalPeriodMs = 30LL * 24 * 3600 * 1000;

}  // namespace

Reply credit_summary(LedgerState& state, const Call& call, UnixMillis now) {
  if (auto refused = state.accounts.check_api_secret(call.api_secret)) return *refused;
  const Account& account = *state.accounts.by_secret(call.api_secret);
  const MilliCredits balance = account.balance();
  nlohmann::json minutes = nlohmann::json::object();
  for (const auto& rate : rate_card(account.unit)) {
    // Whole minutes, rounded down: what the balance fully pays for. Debt buys none.
    minutes[rate.model + "_" + rate.surface] = balance <= 0 ? 0 : balance / rate.mc_per_minute;
  }
  const std::int64_t periods = (now - account.created_ms) / kRenewalPeriodMs + 1;
  return success_reply({{"balance", milli_to_credits(balance)},
                        {"plan", account.plan},
                        {"unit", account.unit},
                        {"renews_at", format_rfc3339(account.created_ms + periods * kRenewalPeriodMs)},
                        {"plan_credits", milli_to_credits(account.plan_mc)},
                        {"topup_credits", milli_to_credits(account.topup_mc)},
                        {"estimated_minutes", minutes}});
}

}  // namespace creditmeter::emulator
