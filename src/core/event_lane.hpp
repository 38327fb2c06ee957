#pragma once
// A session's usage events on their way to the server (docs/CREDITS.md "Usage events"): the
// events recorded and not yet settled, in record order; at most one batch of them
// unacknowledged at a time, resent with the same event ids until the server answers (the
// server charges each id once, ever); when a batch is due (100 pending, the batch delay after
// the oldest, or at once for flush()/stop()); what each event will cost at the token answer's
// prices (the spending cap's projection); and the counts the stats show. Which answer means
// what is the session machine's (session_machine_answers.cpp); this part keeps the books.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol.hpp"
#include "core/retry_timer.hpp"
#include "core/time_point.hpp"

namespace creditmeter {
namespace core {

// The most events in one request (the server refuses more).
constexpr std::size_t kMaxEventBatch = 100;
// How long a recorded event may wait for the journal's group commit (the promise is 100 ms).
constexpr std::chrono::milliseconds kEventJournalDelay{50};

// An event id held inline: a UUID's 36 characters (or fewer: tests and recovered records),
// so that an event owns no heap memory (bench_events holds record() to 3x a mutex-guarded
// push of a 64-byte struct; malloc/free of the id were most of its cost).
class EventId {
 public:
  static constexpr std::size_t kMaxSize = 36;
  EventId() = default;
  // Longer text is cut: only ids record() minted (36 characters) and test names come here;
  // the journal refuses a longer one before.
  explicit EventId(std::string_view id) : size_(static_cast<std::uint8_t>(std::min(id.size(), kMaxSize))) {
    std::memcpy(chars_.data(), id.data(), size_);
  }
  char* data() { return chars_.data(); }
  void set_size(std::size_t n) { size_ = static_cast<std::uint8_t>(std::min(n, kMaxSize)); }
  std::string_view view() const { return {chars_.data(), size_}; }
  std::string str() const { return std::string(view()); }

 private:
  std::array<char, kMaxSize> chars_{};
  std::uint8_t size_ = 0;
};

// An event as Session::record() hands it to the lane: nothing on the heap (the action is the
// caller's text, read during the call and interned by the lane). Converts from a UsageEvent
// (recovered events, tests).
struct RecordedEvent {
  EventId id;
  std::string_view action;
  std::int64_t quantity_milli = 0;
  std::int64_t at_ms = 0;
  RecordedEvent(const EventId& id_, std::string_view action_, std::int64_t quantity_milli_, std::int64_t at_ms_)
      : id(id_), action(action_), quantity_milli(quantity_milli_), at_ms(at_ms_) {}
  RecordedEvent(const UsageEvent& e)  // NOLINT(google-explicit-constructor): a UsageEvent is one
      : id(e.event_id), action(e.action), quantity_milli(e.quantity_milli), at_ms(e.at_ms) {}
};

// What a settled batch meant: the credits charged for it (accepted and duplicates), the
// balance when the answer had one, the events refused for good, and the ids now settled.
struct EventSettlement {
  double charged = 0;
  std::optional<double> balance;
  std::vector<std::pair<UsageEvent, EventRejection>> rejected;
  std::vector<std::string> settled_ids;
  std::uint64_t acknowledged = 0;
};

// The charge of `quantity_milli` at `price_micro` per unit, in milli-units, floored
// (docs/CREDITS.md): floor(quantity_milli * price_micro / 10^6).
std::int64_t event_charge_milli(std::int64_t quantity_milli, std::int64_t price_micro);

class EventLane {
 public:
  explicit EventLane(std::chrono::milliseconds batch_delay = std::chrono::milliseconds(1000))
      : batch_delay_(batch_delay) {}

  void set_prices(std::map<std::string, std::int64_t> prices_micro);
  void set_batch_delay(std::chrono::milliseconds delay) { batch_delay_ = delay; }
  // A new event at `now`. `journaled`: it is in the journal already (recovered ones). Once
  // the lane has seen the event's action and has room (steady state), no allocation.
  void record(const RecordedEvent& event, TimePoint now, bool journaled = false);

  // The events recorded since the last call, for the journal (each before it is first sent).
  std::vector<UsageEvent> take_unjournaled();
  // Every unsettled event (compaction's snapshot).
  std::vector<UsageEvent> unsettled() const;

  // flush(): what is recorded now goes at once. stop(): everything goes at once, always.
  void hurry_all_recorded();
  void hurry_forever();

  // The batch to put on the wire now, if one is due and none is unacknowledged on the wire:
  // the unacknowledged batch again (same ids, same body) when its retry is ready, or a new
  // one. flush() and stop() hurry both (hurry_*()).
  std::optional<Outgoing> next_batch(TimePoint now, const std::string& session_id);
  // When next_batch() has something to send (TimePoint::max(): nothing).
  TimePoint next_wakeup() const;
  bool on_wire() const { return on_wire_; }
  // The answer to the batch on the wire arrived (whatever it says).
  void answered() { on_wire_ = false; }
  // The unacknowledged batch's retry timer (backoff, Retry-After, re-attach).
  RetryTimer& retry() { return retry_; }
  bool has_batch() const { return batch_ > 0; }
  std::size_t batch_size() const { return batch_; }
  // The server took the unacknowledged batch (a 2xx, or a 402/403 that charges it): each
  // event is acknowledged, or rejected when `ack` says so. `ack` null: all acknowledged,
  // charge unknown (0).
  EventSettlement settle(const EventsAck* ack);

  // Nothing unsettled: no event waits, none is on the wire.
  bool idle() const { return size() == 0; }
  // Every event recorded up to the `recorded` count is settled.
  bool settled_through(std::uint64_t recorded) const { return settled_ >= recorded; }
  // The projected charge of the unsettled events at the known prices, in units.
  double pending_units() const { return static_cast<double>(pending_milli_) / 1000.0; }

  std::uint64_t recorded() const { return recorded_; }
  std::uint64_t acknowledged() const { return acknowledged_; }
  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t pending() const { return size(); }

 private:
  // An unsettled event: no heap memory (see EventId), the action an index into actions_.
  struct Entry {
    EventId id;
    std::uint32_t action;
    std::int64_t quantity_milli;
    std::int64_t at_ms;
    TimePoint recorded_at;
    std::int64_t charge_milli;  // at the known price (0 when unknown)
  };
  // An action the lane has seen: an engine uses a handful, so each event holds an index, not
  // a copy of the name (an action past 15 characters would be an allocation per event).
  struct Action {
    std::string name;
    std::int64_t price_micro;  // 0: no known price (projected as free)
  };
  // The unsettled events are events_[head_, end): settled ones are dropped from the front
  // by moving head_, and the vector is emptied or compacted in place, so that recording
  // reuses its storage from batch to batch (bench_events, as for EventId); only a large
  // backlog's storage is given back, when the lane is idle again.
  std::size_t size() const { return events_.size() - head_; }
  Entry& at(std::size_t i) { return events_[head_ + i]; }
  const Entry& at(std::size_t i) const { return events_[head_ + i]; }
  void drop_front(std::size_t n);
  std::uint32_t intern(std::string_view action);
  UsageEvent usage_event(const Entry& e) const;
  std::int64_t price_of(const std::string& action) const;
  bool urgent() const { return settled_ + batch_ < hurry_until_; }

  std::chrono::milliseconds batch_delay_;
  std::map<std::string, std::int64_t> prices_;
  std::vector<Action> actions_;
  std::map<std::string, std::uint32_t, std::less<>> action_index_;  // name -> index in actions_
  std::uint32_t last_action_ = 0;  // the last one interned or found
  std::vector<Entry> events_;
  std::size_t head_ = 0;
  std::size_t journaled_ = 0;    // at(0 .. journaled_) are in the journal
  std::size_t batch_ = 0;        // at(0 .. batch_) are the unacknowledged batch
  Outgoing batch_request_;       // its request, resent as it is
  RetryTimer retry_;
  bool on_wire_ = false;
  std::uint64_t batch_seq_ = 0;
  std::uint64_t recorded_ = 0, settled_ = 0, acknowledged_ = 0, rejected_ = 0;
  std::uint64_t hurry_until_ = 0;  // events with an ordinal below this go at once
  std::int64_t pending_milli_ = 0;
};

}  // namespace core
}  // namespace creditmeter
