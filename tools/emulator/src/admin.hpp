// The admin API's model side (docs/EMULATOR.md): accounts, top-ups, revocation and the
// ledger listing. (POST /admin/config is timing.hpp's configure_timing.) The shell admits
// only loopback callers; nothing here checks a secret.
#pragma once

#include "call.hpp"
#include "ledger_state.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

// POST /admin/accounts {api_secret, plan?, balance?, max_concurrent?, unit?} -> 201 with the
// account. The plan defaults to free; balance (in the unit) and max_concurrent to the plan's;
// unit to "credits" ("USD": a wallet in dollars, catalog.hpp).
Reply create_account(LedgerState& state, const Call& call, UnixMillis now);
// POST /admin/accounts/topup {api_secret, credits}: pays the debt first (Account::credit_topup).
Reply topup(LedgerState& state, const Call& call);
// POST /admin/accounts/revoke {api_secret}: token exchanges are refused from now on, and
// usage reports are still charged but answered 403 KEY_REVOKED.
Reply revoke(LedgerState& state, const Call& call);
// GET /admin/accounts?api_secret= : the account with its buckets and live slots.
Reply account_details(LedgerState& state, const Call& call, UnixMillis now);
// GET /admin/ledger[?session_id=] : {"sessions":[ledger_row...], "events":[charged event...]}
// in creation order (events: EventLedger::listing).
Reply ledger_listing(const LedgerState& state, const Call& call);

}  // namespace creditmeter::emulator
