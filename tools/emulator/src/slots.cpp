#include "slots.hpp"

#include <algorithm>

namespace creditmeter::emulator {

void ConcurrencySlots::take(const std::string& session_id, SlotClaim& claim, UnixMillis seen_ms) {
  claim.held = true;
  claim.last_seen_ms = seen_ms;
  holders_.emplace(seen_ms, session_id);
}

void ConcurrencySlots::refresh(const std::string& session_id, SlotClaim& claim, UnixMillis now) {
  if (!claim.held) return;
  holders_.erase({claim.last_seen_ms, session_id});
  // `now` is the wall clock read before the shell's lock: a later call may carry an earlier
  // time (or the clock may step back), and a slot's clock must not go back with it.
  claim.last_seen_ms = std::max(claim.last_seen_ms, now);
  holders_.emplace(claim.last_seen_ms, session_id);
}

void ConcurrencySlots::free(const std::string& session_id, SlotClaim& claim) {
  if (!claim.held) return;
  holders_.erase({claim.last_seen_ms, session_id});
  claim.held = false;
}

void ConcurrencySlots::restore(const std::string& session_id, const SlotClaim& claim) {
  if (claim.held) holders_.emplace(claim.last_seen_ms, session_id);
}

std::size_t ConcurrencySlots::live_at(UnixMillis now, std::int64_t hold_ms) const {
  std::size_t live = 0;
  for (const auto& holder : holders_) {
    if (holder.first + hold_ms > now) ++live;
  }
  return live;
}

}  // namespace creditmeter::emulator
