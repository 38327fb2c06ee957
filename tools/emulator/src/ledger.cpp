#include "ledger.hpp"

#include <utility>

#include "admin.hpp"
#include "credit_summary.hpp"
#include "ledger_snapshot.hpp"
#include "token_exchange.hpp"
#include "usage_events.hpp"
#include "usage_reporting.hpp"

namespace creditmeter::emulator {

Ledger::Ledger(std::string signing_key) : state_(std::move(signing_key)) {}

Reply Ledger::handle(const Call& call, UnixMillis now) {
  switch (call.op) {
    case Op::kExchangeToken: return exchange_token(state_, call, now);
    case Op::kHeartbeat: return report_usage(state_, call, now, UsageKind::kHeartbeat);
    case Op::kRelease: return report_usage(state_, call, now, UsageKind::kRelease);
    case Op::kCreditSummary: return credit_summary(state_, call, now);
    case Op::kCreateAccount: return create_account(state_, call, now);
    case Op::kTopup: return topup(state_, call);
    case Op::kRevoke: return revoke(state_, call);
    case Op::kConfigure: return configure_timing(state_.timing, call.body);
    case Op::kLedger: return ledger_listing(state_, call);
    case Op::kAccount: return account_details(state_, call, now);
    case Op::kUsageEvents: return report_usage_events(state_, call, now);
    case Op::kPrices: return set_prices(state_.prices, call.body);
  }
  return error_reply(500, "INTERNAL_ERROR", "unknown operation");
}

std::optional<Reply> Ledger::check_api_secret(const std::string& secret) const {
  return state_.accounts.check_api_secret(secret);
}

nlohmann::json Ledger::to_json() const { return snapshot_of(state_); }

Ledger Ledger::from_json(const nlohmann::json& snapshot) { return Ledger(state_from_snapshot(snapshot)); }

}  // namespace creditmeter::emulator
