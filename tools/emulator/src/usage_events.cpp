#include "usage_events.hpp"

#include <optional>
#include <string>

#include "billing.hpp"
#include "usage_event_batch.hpp"

namespace creditmeter::emulator {
namespace {

// What a batch did, as the answer's `data` (and a 402/403's error object) reports it.
struct BatchOutcome {
  nlohmann::json accepted = nlohmann::json::array();
  nlohmann::json duplicates = nlohmann::json::array();
  nlohmann::json rejected = nlohmann::json::array();
  nlohmann::json charges = nlohmann::json::object();
  MilliCredits charged_now = 0;
};

// The session the batch is about, which the token must have been issued for, and which
// must still be valid unless the batch is refused.
std::optional<Reply> find_batch_session(LedgerState& state, const TokenClaims& claims, const UsageEventBatch& batch,
                                        UnixMillis now, Session*& session) {
  if (claims.session_id != batch.session_id) {
    return error_reply(401, "INVALID_TOKEN", "the token belongs to another session: exchange a new one");
  }
  session = state.sessions.find(batch.session_id);
  if (!session || session->account_id != claims.account_id) {
    return error_reply(404, "SESSION_NOT_FOUND", "no such session");
  }
  if (claims.expires * 1000 <= now) {
    return error_reply(401, "TOKEN_EXPIRED", "the token has expired: exchange a new one with the same session_id");
  }
  return std::nullopt;
}

// Answers one event: duplicate, rejected or charged (debiting the account).
void settle_event(LedgerState& state, Account& account, Session& session, const UsageEvent& event,
                  BatchOutcome& outcome) {
  if (const ChargedEvent* known = state.events.find(event.event_id)) {
    outcome.duplicates.push_back(event.event_id);
    outcome.charges[event.event_id] = milli_to_credits(known->charged_mc);
    return;
  }
  const auto price = state.prices.find(event.action);
  if (!price) {
    outcome.rejected.push_back({{"event_id", event.event_id},
                                {"code", "UNKNOWN_ACTION"},
                                {"message", "no price for the action '" + event.action + "'"}});
    return;
  }
  const MilliCredits charge = event_charge(event.quantity_milli, *price);
  account.debit(charge);
  session.event_charged_mc += charge;
  ++session.events_charged;
  state.events.add({event.event_id, session.id, event.action, event.quantity_milli, charge});
  outcome.accepted.push_back(event.event_id);
  outcome.charges[event.event_id] = milli_to_credits(charge);
  outcome.charged_now += charge;
}

Reply batch_answer(const Account& account, const BatchOutcome& outcome, const UsageCharge& money) {
  const nlohmann::json data = {{"balance", milli_to_credits(money.balance_after)},
                               {"credits_charged", milli_to_credits(outcome.charged_now)},
                               {"accepted", outcome.accepted},
                               {"duplicates", outcome.duplicates},
                               {"rejected", outcome.rejected},
                               {"charges", outcome.charges}};
  switch (usage_verdict(account, money, /*is_release=*/false)) {
    case UsageVerdict::kKeyRevoked:
      return error_reply(403, "KEY_REVOKED", "this API secret has been revoked; the events were recorded", data);
    case UsageVerdict::kInsufficientBalance:
      return error_reply(402, "INSUFFICIENT_BALANCE",
                         "the balance is exhausted: top up credits; the events were recorded", data);
    case UsageVerdict::kAccepted:
      break;
  }
  return success_reply(data);
}

}  // namespace

Reply report_usage_events(LedgerState& state, const Call& call, UnixMillis now) {
  const auto claims = state.signer.verify(call.bearer);
  if (!claims) {
    return error_reply(401, "INVALID_TOKEN", "the bearer token is missing or invalid: exchange a new one");
  }
  UsageEventBatch batch;
  if (auto refused = read_usage_event_batch(call.body, batch)) return *refused;
  Session* session = nullptr;
  if (auto refused = find_batch_session(state, *claims, batch, now, session)) return *refused;
  Account& account = state.accounts.at(session->account_id);

  UsageCharge money;
  money.balance_before = account.balance();
  BatchOutcome outcome;
  for (const UsageEvent& event : batch.events) settle_event(state, account, *session, event, outcome);
  money.balance_after = account.balance();
  money.charged_now = outcome.charged_now;

  Reply reply = batch_answer(account, outcome, money);
  reply.mutated = !outcome.accepted.empty();
  return reply;
}

}  // namespace creditmeter::emulator
