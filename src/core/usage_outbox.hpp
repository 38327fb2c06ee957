#pragma once
// A session's usage on its way to the server (docs/PROTOCOL.md "Idempotency"): at most one
// heartbeat or release unacknowledged at a time, resent byte-identical (same key, same body)
// until the server acknowledges it, so that a retry is never billed twice; behind it, the
// requests a dead process left unacknowledged (recovery). It keeps the books the journal
// records (docs/JOURNAL.md): the last seq used, the usage put into requests, the usage
// acknowledged, and the final total the release carries.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol.hpp"
#include "core/retry_timer.hpp"
#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

// What the journal must record (src/journal.cpp): a heartbeat or release before it is first
// sent, its acknowledgement, a key burnt by a mismatch, and the usage accrued while one is
// unacknowledged (checkpoint), so that a kill -9 loses at most one interval.
// Usage events: each event when recorded (before it is first sent), and the ids of a batch
// once the server settled them (acknowledged or rejected).
struct JournalOp {
  enum class Kind { sent, ack, drop, checkpoint, state, event, events_settled };
  Kind kind = Kind::sent;
  UsageEvent event;                    // event
  std::vector<std::string> event_ids;  // events_settled
  Outgoing request;             // sent
  std::uint64_t seq = 0;        // ack, drop; state: the last seq used
  std::int64_t total_ms = 0;    // checkpoint, state: the meter's total
  std::int64_t sent_ms = 0;     // state: usage in acknowledged heartbeats/releases
  bool released = false;        // state: the release was acknowledged
};

// What a dead process's journal says a session still owes the server (replay_records), and
// what a recovered session's machine starts from.
struct RecoveredSession {
  std::string session_id, model, surface;
  std::int64_t interval_ms = 60000, grace_ms = 300000;
  std::vector<Outgoing> unacknowledged;  // sent, never acknowledged: resent as they are, in order
  std::uint64_t last_seq = 0;
  std::int64_t sent_ms = 0;              // put into heartbeats/releases so far
  std::int64_t total_ms = 0;             // the latest known active total (checkpoints)
  std::vector<UsageEvent> events;        // recorded, never settled: resent with their ids
  bool released = false;                 // release acknowledged (events may still be owed)
  bool ended = false;                    // release acknowledged and no event owed: nothing owed
};

class UsageOutbox {
 public:
  struct Pending {
    Outgoing request;
    RetryTimer retry;
  };

  UsageOutbox() = default;
  // Starts from a dead process's books: its unacknowledged requests queue up, ready at `now`.
  UsageOutbox(const RecoveredSession& recovered, TimePoint now);

  // The one unacknowledged request, if any.
  Pending* pending() { return pending_ ? &*pending_ : nullptr; }
  const Pending* pending() const { return pending_ ? &*pending_ : nullptr; }
  // Recovered requests wait behind the pending one.
  bool has_recovered() const { return !recovered_.empty(); }
  // With nothing pending, the next recovered request becomes the pending one, ready at `now`.
  void promote_recovered(TimePoint now);

  // The seq of a new heartbeat or release (each is used once, ever: a burnt key stays burnt).
  std::uint64_t next_seq() { return ++last_seq_; }
  // A new request goes on the wire: it is pending until acknowledged, and its usage counts as
  // sent. `out` needs its kind, seq, body and active_ms; the idempotency key is set here.
  const Outgoing& send(Outgoing out, const std::string& session_id, TimePoint now);
  // The pending request was acknowledged (2xx, or a 402/403 that records the usage): its usage
  // counts as reported. Returns its seq.
  std::uint64_t acknowledge();
  // The pending request's key is burnt (422): the server did not record it, so its usage goes
  // back to unsent, to be carried by the next seq. Returns the burnt seq.
  std::uint64_t drop();

  // stop(): the final total is fixed, never below what was already sent.
  void close(std::int64_t final_active_ms);
  std::int64_t final_ms() const { return final_ms_; }
  bool release_acked() const { return release_acked_; }

  std::uint64_t last_seq() const { return last_seq_; }
  std::int64_t sent_ms() const { return sent_ms_; }
  std::int64_t reported_ms() const { return reported_ms_; }
  // Nothing pending and nothing recovered waiting.
  bool empty() const { return !pending_ && recovered_.empty(); }
  // What of `total_ms` the server has not acknowledged yet.
  std::int64_t unacknowledged_ms(std::int64_t total_ms) const;
  // The records that rebuild these books in a compacted journal, with `total_ms` the usage so far.
  std::vector<JournalOp> snapshot(std::int64_t total_ms) const;

 private:
  std::optional<Pending> pending_;
  std::vector<Outgoing> recovered_;  // unacknowledged requests of a dead process, beyond the first
  std::uint64_t last_seq_ = 0;
  std::int64_t sent_ms_ = 0;      // put into heartbeats/releases (acknowledged or pending)
  std::int64_t reported_ms_ = 0;  // acknowledged by the server
  std::int64_t final_ms_ = 0;
  bool release_acked_ = false;
};

}  // namespace core
}  // namespace creditmeter
