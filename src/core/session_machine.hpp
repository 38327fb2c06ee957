#pragma once
// The session state machine: the whole billing logic of one session, pure. It gets events
// (the clock's time, the meter's total, the answers of its requests, user commands) and
// gives decisions (the next request, state changes, log lines, when to wake it next). No
// threads, no sockets, no sleeps: unit tests drive hours of it in microseconds.
//
// It composes one small part per concept and decides between them:
//   cadence.hpp          when the next heartbeat is due, on the batching grid, without drift
//   grace_timer.hpp      the offline grace deadline
//   usage_outbox.hpp     the one unacknowledged request, the recovered ones, the books
//   retry_timer.hpp      when a failed request goes again (backoff, Retry-After)
//   token_state.hpp      the token, its adoption by `exp`, and the re-attach
//   credit_tracker.hpp   balance, low-balance alerts, the spending cap
//   state_holds.hpp      the holds, their precedence, the state announced
//   session_requests.hpp what it puts on the wire (token exchange, heartbeat, release bodies)
//   session_messages.hpp what it says to people (state-change messages, log lines)
//   event_lane.hpp       its usage events: pending, the batch on the wire, their prices
// Its member functions live in two files: session_machine.cpp (commands, requests, outputs)
// and session_machine_answers.cpp (what each answer means to the session).
// The flow of one session is in docs/LIFECYCLE.md; the requests in docs/PROTOCOL.md.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cadence.hpp"
#include "core/credit_tracker.hpp"
#include "core/event_lane.hpp"
#include "core/grace_timer.hpp"
#include "core/protocol.hpp"
#include "core/session_messages.hpp"
#include "core/session_requests.hpp"
#include "core/state_holds.hpp"
#include "core/time_point.hpp"
#include "core/token_state.hpp"
#include "core/usage_outbox.hpp"
#include "creditmeter/log.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/stats.hpp"

namespace creditmeter {
namespace core {

class SessionMachine {
 public:
  SessionMachine(std::string session_id, std::string model, std::string surface,
                 const TokenGrant& grant, TimePoint now, std::int64_t wall_ms,
                 std::function<double()> random01);

  // A session recovered from a dead process's journal: stopped, it re-attaches (token
  // exchange with the same id), resends what was never acknowledged, then releases with
  // the rest of the usage.
  SessionMachine(const RecoveredSession& recovered, TimePoint now, std::function<double()> random01);

  // An audio-only session: free, so it never talks to the server (no token, no request, no
  // grace, no cap, no balance) and only its user commands change its state, announced and
  // logged as a metered session's are.
  static SessionMachine audio_only(std::string session_id, std::string model, std::string surface);

  SessionMachine(SessionMachine&&) = default;
  ~SessionMachine() = default;  // TokenState wipes the token

  // --- inputs -----------------------------------------------------------------------
  // A usage event (Session::record; the shell checked its input and that the session is
  // metered and not stopped). A cap its projected charge crosses pauses the session now.
  void record_event(TimePoint now, const RecordedEvent& event, std::int64_t total_active_ms);
  void set_event_batch_delay(std::chrono::milliseconds delay) { events_.set_batch_delay(delay); }
  // The batch of usage events to put on the wire now, if any (the events lane, beside
  // next_request()'s heartbeats; call it after next_request() in the same step).
  std::optional<Outgoing> next_event_batch(TimePoint now);
  // The request to put on the wire now, if any. `total_active_ms` is the meter's total.
  std::optional<Outgoing> next_request(TimePoint now, std::int64_t wall_ms,
                                       std::int64_t total_active_ms);
  // The answer to the request next_request() returned last.
  void on_answer(TimePoint now, const Answer& answer);
  // Applies the passage of time (the grace deadline).
  void advance(TimePoint now);

  void pause();
  void resume();
  void stop(std::int64_t final_active_ms);
  // Client shutdown: the release of a stopped session goes beside its pending events instead
  // of after their answer (both at once: the shutdown deadline is short).
  void release_without_waiting() { release_now_ = true; }
  // Send unreported usage now instead of at the next due time (Client::flush).
  void request_flush();
  // The OS's reachability hint (Client::network_changed): true retries every waiting request
  // at once with a fresh backoff; false holds retries to the slow probe, the paused-offline
  // backoff cap, until the next true.
  void network_changed(TimePoint now, bool reachable);
  // Pause for a local billing reason (spend_cap from the client's cap, journal_full), or lift it.
  void set_local_hold(Reason reason, bool on);
  void set_credit_policy(const CreditPolicy& policy);
  void set_max_credits(std::optional<double> max_credits);
  // Credits charged so far plus what the unacknowledged usage will cost.
  double projected_credits(std::int64_t total_active_ms) const;
  // The most active time this session's spending cap allows (INT64_MAX without a cap).
  std::int64_t cap_active_ms() const;

  // --- outputs ----------------------------------------------------------------------
  SessionState state() const { return holds_.state(); }
  Reason reason() const { return published_.reason(); }
  // When next_request()/advance() has something to do, without any new input.
  TimePoint next_wakeup() const;
  std::vector<StateChange> take_changes();
  std::vector<LogLine> take_logs();
  std::vector<JournalOp> take_journal();
  std::vector<BalanceEvent> take_balance_events();
  // Events the server refused for good since the last call (for on_event_rejected).
  std::vector<std::pair<UsageEvent, EventRejection>> take_rejected_events() { return std::exchange(rejected_events_, {}); }
  // Whether the take_*() calls have anything: a state change, a log line or a journal op
  // (`balance` aside: it only matters to a balance callback).
  bool has_output() const {
    return !changes_.empty() || !logs_.empty() || !journal_.empty() || !rejected_events_.empty();
  }
  bool has_balance_events() const { return credits_.has_events(); }
  // The records that rebuild this session's journal state (compaction).
  std::vector<JournalOp> journal_snapshot(std::int64_t total_active_ms) const;
  const std::string& model() const { return requests_.model(); }
  const std::string& surface() const { return requests_.surface(); }

  // Everything up to `target_ms` acknowledged, nothing on the wire or waiting to be resent,
  // the first `target_events` events recorded settled, and, once stopped, the release
  // acknowledged.
  bool delivered(std::int64_t target_ms, std::uint64_t target_events = 0) const;
  std::uint64_t events_recorded() const { return events_.recorded(); }
  // Stopped and the release acknowledged: the session has nothing more to send.
  bool finished() const;
  bool in_flight() const { return on_wire_; }
  bool stopped() const { return holds_.stopped; }

  const std::string& session_id() const { return requests_.session_id(); }
  const std::string& token() const { return token_.token(); }
  std::int64_t reported_ms() const { return outbox_.reported_ms(); }
  std::int64_t final_ms() const { return outbox_.final_ms(); }
  std::int64_t unacknowledged_ms(std::int64_t total_active_ms) const;
  // Fills the server-side fields of SessionStats (active_ms comes from the meter).
  void fill_stats(TimePoint now, SessionStats& stats) const;
  std::chrono::milliseconds interval() const { return cadence_.interval(); }
  std::chrono::milliseconds grace() const { return grace_.grace(); }

 private:
  // What the stats count of the requests' fate.
  struct Tally {
    std::uint64_t ok = 0, failed = 0, retried = 0;
    std::string last_error;
    Reason last_error_reason = Reason::none;
  };

  SessionMachine(std::string session_id, std::string model, std::string surface, HeartbeatCadence cadence,
                 GraceTimer grace, std::function<double()> random01, bool metered);

  void on_exchange_answer(TimePoint now, const Answer& answer);
  void on_events_answer(TimePoint now, const Answer& answer);
  void settle_events(const EventsAck* ack);
  void acknowledge(const Answer& answer);
  void schedule_retry(TimePoint now, const Answer& answer, RetryTimer& retry);
  void mark_online(TimePoint now);
  void publish(Reason cause);
  void log(LogLine line) { logs_.push_back(std::move(line)); }
  void journal(JournalOp::Kind kind, std::uint64_t seq, std::int64_t total_ms);
  void set_balance(double balance);
  void note_failure(const Answer& answer, Reason reason);
  void check_spend_cap(TimePoint now, std::int64_t total_active_ms);
  TimePoint next_wakeup_for_requests() const;
  // The release follows the answer to the pending events, unless shutdown sends both at once.
  bool release_may_go() const { return events_.idle() || release_now_; }
  // The meter's total, or once stopped the final one the release carries.
  std::int64_t usage_total(std::int64_t total_active_ms) const {
    return holds_.stopped ? outbox_.final_ms() : total_active_ms;
  }

  const SessionRequests requests_;
  const bool metered_;  // false: audio-only, nothing to bill, nothing to send
  std::function<double()> random01_;

  HeartbeatCadence cadence_;
  GraceTimer grace_;
  TokenState token_;
  UsageOutbox outbox_;
  EventLane events_;
  CreditTracker credits_;  // the charges, the balance and the unit they count in
  StateHolds holds_;
  PublishedState published_;
  Tally tally_;

  bool on_wire_ = false;          // a request is out, its answer not in yet
  bool probe_ = false;            // send at once, even with nothing to report (resume())
  bool flush_ = false;            // send unreported usage at once (flush())
  bool network_down_ = false;     // the OS said the network is gone (network_changed(false))
  bool flush_after_ack_ = false;  // a flush met an unacknowledged request: flush again after its ack
  bool release_now_ = false;      // shutdown: the release does not wait for the events' answer

  std::vector<StateChange> changes_;
  std::vector<LogLine> logs_;
  std::vector<JournalOp> journal_;
  std::vector<std::pair<UsageEvent, EventRejection>> rejected_events_;
};

}  // namespace core
}  // namespace creditmeter
