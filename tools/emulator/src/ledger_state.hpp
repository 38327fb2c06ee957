// Everything the model knows, in one value: the token signer, the timing, the accounts, the
// sessions, the price list and the charged usage events. Each handler (token_exchange,
// usage_reporting, usage_events, credit_summary, admin) is a
// function of a Call, the time and this state; the Ledger only dispatches. Copyable, so the
// shell can snapshot a copy outside its lock.
#pragma once

#include <cstdint>
#include <string>

#include "accounts.hpp"
#include "event_ledger.hpp"
#include "jwt.hpp"
#include "prices.hpp"
#include "sessions.hpp"
#include "time_format.hpp"
#include "timing.hpp"

namespace creditmeter::emulator {

struct LedgerState {
  explicit LedgerState(std::string signing_key) : signer(std::move(signing_key)) {}

  JwtSigner signer;
  Timing timing;
  Accounts accounts;
  Sessions sessions;
  PriceList prices = PriceList::seed_defaults();
  EventLedger events;
};

struct IssuedToken {
  std::string token;
  std::int64_t expires_at = 0;  // Unix seconds, the token's "exp"
};

// A runtime token for `session`, valid for the configured TTL from `now`.
IssuedToken issue_token(const LedgerState& state, const Session& session, UnixMillis now);

// Frees the slots of the account's sessions that have been silent for the hold time
// (Timing::slot_hold_ms) and clears those sessions' claims. Run before a slot is counted.
void expire_slots(LedgerState& state, Account& account, UnixMillis now);

}  // namespace creditmeter::emulator
