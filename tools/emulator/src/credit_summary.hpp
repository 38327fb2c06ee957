// GET /v2/credit-summaries (docs/PROTOCOL.md): the account's balance, plan, renewal date
// and how many minutes the balance buys on each model and surface of the rate card.
#pragma once

#include "call.hpp"
#include "ledger_state.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

// Plans renew every 30 days from the account's creation; renews_at is the next renewal.
Reply credit_summary(LedgerState& state, const Call& call, UnixMillis now);

}  // namespace creditmeter::emulator
