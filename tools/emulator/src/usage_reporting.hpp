// POST /v1/runtime-tokens/heartbeat and /release (docs/PROTOCOL.md): the reports of a
// session's active time, each charged once, whatever happens to its answer.
#pragma once

#include "call.hpp"
#include "ledger_state.hpp"
#include "reply.hpp"

namespace creditmeter::emulator {

enum class UsageKind { kHeartbeat, kRelease };

// In order: the token's signature, the body, the Idempotency-Key (<session_id>:<seq> of the
// body), the session; then a replay is answered from the idempotency store *before* the
// token's expiry is checked; then the usage is recorded and charged (billing.hpp), the slot
// refreshed (heartbeat) or freed (release), and the answer remembered under its key.
Reply report_usage(LedgerState& state, const Call& call, UnixMillis now, UsageKind kind);

}  // namespace creditmeter::emulator
