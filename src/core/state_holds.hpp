#pragma once
// What keeps a session from rendering, and the one state it shows (docs/LIFECYCLE.md
// "States"). Several holds can be true at once; the state is the highest by precedence:
// stopped > paused_by_user > paused_billing > paused_offline > active. PublishedState
// announces each change of that state, or of a pause's reason, exactly once.

#include <optional>

#include "creditmeter/state.hpp"

namespace creditmeter {
namespace core {

struct StateHolds {
  bool stopped = false;
  bool user_paused = false;
  Reason billing = Reason::none;  // from the server: insufficient_credits, authentication_failed
  bool spend_cap = false;         // this session's max_credits would be crossed
  bool client_cap = false;        // the client's max_credits would be crossed
  bool journal_full = false;      // the journal is full: usage must not outrun it
  bool offline = false;           // the grace expired

  SessionState state() const;
  // The reason shown with state(). `cause` is the reason given when the session is active
  // (user for resume(), none for a 2xx).
  Reason reason(Reason cause) const;
};

// The state last announced. A change the holds make is announced when the state changed, or
// a pause's reason did (a session back to active is announced once, whatever the cause).
class PublishedState {
 public:
  PublishedState() = default;
  PublishedState(SessionState state, Reason reason) : state_(state), reason_(reason) {}

  SessionState state() const { return state_; }
  Reason reason() const { return reason_; }
  // The change to announce for `holds` (its message empty: the caller words it), if any.
  std::optional<StateChange> update(const StateHolds& holds, Reason cause);

 private:
  SessionState state_ = SessionState::active;
  Reason reason_ = Reason::none;
};

}  // namespace core
}  // namespace creditmeter
