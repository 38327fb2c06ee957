#include "core/state_holds.hpp"

namespace creditmeter {
namespace core {

SessionState StateHolds::state() const {
  if (stopped) return SessionState::stopped;
  if (user_paused) return SessionState::paused_by_user;
  if (billing != Reason::none || spend_cap || client_cap || journal_full) return SessionState::paused_billing;
  if (offline) return SessionState::paused_offline;
  return SessionState::active;
}

Reason StateHolds::reason(Reason cause) const {
  switch (state()) {
    case SessionState::stopped: return Reason::stopped;
    case SessionState::paused_by_user: return Reason::user;
    case SessionState::paused_billing:
      // A server's verdict outranks the local holds: it is what a top-up or a key must fix.
      if (billing != Reason::none) return billing;
      return spend_cap || client_cap ? Reason::spend_cap : Reason::journal_full;
    case SessionState::paused_offline: return Reason::grace_expired;
    case SessionState::active: break;
  }
  return cause;
}

std::optional<StateChange> PublishedState::update(const StateHolds& holds, Reason cause) {
  const SessionState to = holds.state();
  const Reason reason = holds.reason(cause);
  if (to == state_ && (to == SessionState::active || reason == reason_)) return std::nullopt;
  StateChange change;
  change.from = state_;
  change.to = to;
  change.reason = reason;
  state_ = to;
  reason_ = reason;
  return change;
}

}  // namespace core
}  // namespace creditmeter
