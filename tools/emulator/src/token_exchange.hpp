// POST /v1/runtime-tokens/request (docs/PROTOCOL.md): the token exchange that starts a
// session, or re-attaches to one the account already has.
#pragma once

#include "call.hpp"
#include "ledger_state.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

// A new session is refused when the model/surface has no rate (400), the balance is <= 0
// (402) or every slot is held (403 CONCURRENCY_LIMIT_REACHED with the plan's limit). A
// session_id the account already has re-attaches: a new token only, never refused for
// balance or slots (released sessions included), so that usage can always be delivered.
Reply exchange_token(LedgerState& state, const Call& call, UnixMillis now);

}  // namespace creditmeter::emulator
