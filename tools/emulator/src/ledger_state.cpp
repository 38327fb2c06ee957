#include "ledger_state.hpp"

namespace creditmeter::emulator {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a / b + (a % b > 0 ? 1 : 0); }

}  // namespace

IssuedToken issue_token(const LedgerState& state, const Session& session, UnixMillis now) {
  IssuedToken issued;
  // exp is whole Unix seconds (as expires_at is documented), rounded up so that a
  // sub-second TTL still yields a token that is valid when it is handed out.
  issued.expires_at = ceil_div(now + state.timing.token_ttl_ms, 1000);
  issued.token = state.signer.sign(TokenClaims{session.account_id, session.id, now / 1000, issued.expires_at});
  return issued;
}

void expire_slots(LedgerState& state, Account& account, UnixMillis now) {
  account.slots.expire(now, state.timing.slot_hold_ms(),
                       [&](const std::string& session_id) { state.sessions.at(session_id).slot.held = false; });
}

}  // namespace creditmeter::emulator
