// POST /v1/usage-events (docs/PROTOCOL.md, "Usage events"): a batch of a session's usage
// events, each priced from the price list and charged once, ever, by its event_id.
//
// In order: the token's signature (401 INVALID_TOKEN), the body (400, usage_event_batch),
// the session the token was issued for (401 INVALID_TOKEN / 404), the token's expiry (401
// TOKEN_EXPIRED, as for heartbeats: the client re-attaches and resends the same ids). Then
// every event is answered: a known event_id is a duplicate (not charged again, its original
// charge repeated in `charges`), an action without a price is rejected (UNKNOWN_ACTION,
// inside the 2xx), any other is charged floor(quantity_milli * price_micro / 10^6)
// milli-units and kept in the event ledger. Events are charged whatever the session's slot
// or release state, the balance or the key: the verdict is then the heartbeat's (billing.hpp):
// 403 KEY_REVOKED on a revoked key, 402 INSUFFICIENT_BALANCE when the balance was <= 0
// before the batch or is < 0 after it; both carry the whole answer in the error object and
// acknowledge the batch.
#pragma once

#include "call.hpp"
#include "ledger_state.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

Reply report_usage_events(LedgerState& state, const Call& call, UnixMillis now);

}  // namespace creditmeter::emulator
