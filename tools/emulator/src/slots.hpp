// Concurrency slots (docs/PROTOCOL.md, "Slots"): a session holds one of its account's
// slots from its token exchange until its release, or until the account's hold time
// passes without a heartbeat.
//
// The account keeps its holders ordered by their last sign of life, so the expired ones
// are found at the front in O(log n) per request, without scanning the account's sessions.
// Each session keeps its own side (`SlotClaim`): whether it holds a slot and when it was
// last seen, which the ledger listing shows and the snapshot stores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "time_format.hpp"

namespace creditmeter::emulator {

// A session's side of its slot.
struct SlotClaim {
  bool held = false;
  UnixMillis last_seen_ms = 0;  // token exchange or latest heartbeat: the slot's clock
};

// One account's slots.
class ConcurrencySlots {
 public:
  // Frees every slot whose holder has been silent for `hold_ms` or more, and calls
  // `on_freed(session_id)` for each so the caller can clear that session's claim.
  template <typename OnFreed>
  void expire(UnixMillis now, std::int64_t hold_ms, OnFreed&& on_freed) {
    while (!holders_.empty() && holders_.begin()->first + hold_ms <= now) {
      on_freed(holders_.begin()->second);
      holders_.erase(holders_.begin());
    }
  }

  // Takes a slot for `session_id`, seen at `seen_ms`. Callers check has_free() first.
  void take(const std::string& session_id, SlotClaim& claim, UnixMillis seen_ms);
  // A sign of life of a holder: its slot's clock moves to `now` (never backwards).
  // Nothing for a session that holds no slot.
  void refresh(const std::string& session_id, SlotClaim& claim, UnixMillis now);
  // Frees the slot of `session_id` now (a release). Nothing if it holds none.
  void free(const std::string& session_id, SlotClaim& claim);
  // Re-enters a holder read back from a snapshot.
  void restore(const std::string& session_id, const SlotClaim& claim);

  bool has_free(int max_concurrent) const { return holders_.size() < static_cast<std::size_t>(max_concurrent); }
  // Holders not yet expired at `now`, whether or not expire() has run since.
  std::size_t live_at(UnixMillis now, std::int64_t hold_ms) const;

 private:
  std::set<std::pair<UnixMillis, std::string>> holders_;  // (last seen, session id)
};

}  // namespace creditmeter::emulator
