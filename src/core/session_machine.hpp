#pragma once
// The session state machine: the whole billing logic of one session, pure. It gets events
// (the clock's time, the meter's total, the answers of its requests, user commands) and
// gives decisions (the next request, state changes, log lines, when to wake it next). No
// threads, no sockets, no sleeps: unit tests drive hours of it in microseconds.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "core/protocol.hpp"
#include "creditmeter/log.hpp"
#include "creditmeter/state.hpp"
#include "creditmeter/stats.hpp"

namespace creditmeter {
namespace core {

using TimePoint = std::chrono::nanoseconds;  // a reading of Clock::now()

// What the journal must record (src/journal.cpp): a heartbeat or release before it is first
// sent, its acknowledgement, a key burnt by a mismatch, and the usage accrued while one is
// unacknowledged (checkpoint), so that a kill -9 loses at most one interval.
struct JournalOp {
  enum class Kind { sent, ack, drop, checkpoint, state };
  Kind kind = Kind::sent;
  Outgoing request;             // sent
  std::uint64_t seq = 0;        // ack, drop; state: the last seq used
  std::int64_t total_ms = 0;    // checkpoint, state: the meter's total
  std::int64_t sent_ms = 0;     // state: usage in acknowledged heartbeats/releases
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
  bool ended = false;                    // release acknowledged: nothing owed
};

// A change of the account balance as this session learned it, or a low-balance alert.
struct BalanceEvent {
  enum class Kind { balance, low_balance };
  Kind kind = Kind::balance;
  double balance = 0;          // credits
  double minutes_left = 0;     // at this session's rate (infinite when it is free)
  double session_credits = 0;  // credits charged for this session so far
};

// The session's credit rules (issue "credits"): the low-balance threshold, in minutes of
// runtime at the session's rate or in credits, and an optional spending cap.
struct CreditPolicy {
  double low_balance_minutes = 5;
  std::optional<double> low_balance_credits;
  std::optional<double> max_credits;
};

struct LogLine {
  LogLevel level;
  std::string message;
};

class SessionMachine {
 public:
  SessionMachine(std::string session_id, std::string model, std::string surface,
                 const TokenGrant& grant, TimePoint now, std::int64_t wall_ms,
                 std::function<double()> random01);

  // A session recovered from a dead process's journal: stopped, it re-attaches (token
  // exchange with the same id), resends what was never acknowledged, then releases with
  // the rest of the usage.
  SessionMachine(const RecoveredSession& recovered, TimePoint now, std::function<double()> random01);

  SessionMachine(SessionMachine&&) = default;
  ~SessionMachine();  // wipes the token

  // --- inputs -----------------------------------------------------------------------
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
  // Send unreported usage now instead of at the next due time (Client::flush).
  void request_flush();
  // Pause for a local billing reason (spend_cap from the client's cap, journal_full), or lift it.
  void set_local_hold(Reason reason, bool on);
  void set_credit_policy(const CreditPolicy& policy);
  void set_max_credits(std::optional<double> max_credits);
  // Credits charged so far plus what the unacknowledged usage will cost.
  double projected_credits(std::int64_t total_active_ms) const;
  // The most active time this session's spending cap allows (INT64_MAX without a cap).
  std::int64_t cap_active_ms() const;
  double credits_per_minute() const { return credits_per_minute_; }
  double balance() const { return balance_; }

  // --- outputs ----------------------------------------------------------------------
  SessionState state() const;
  Reason reason() const { return published_reason_; }
  // When next_request()/advance() has something to do, without any new input.
  TimePoint next_wakeup() const;
  std::vector<StateChange> take_changes();
  std::vector<LogLine> take_logs();
  std::vector<JournalOp> take_journal();
  std::vector<BalanceEvent> take_balance_events();
  // Whether the take_*() calls have anything: a state change, a log line or a journal op
  // (`balance` aside: it only matters to a balance callback).
  bool has_output() const { return !changes_.empty() || !logs_.empty() || !journal_.empty(); }
  bool has_balance_events() const { return !balance_events_.empty(); }
  // The records that rebuild this session's journal state (compaction).
  std::vector<JournalOp> journal_snapshot(std::int64_t total_active_ms) const;
  const std::string& model() const { return model_; }
  const std::string& surface() const { return surface_; }

  // Everything up to `target_ms` acknowledged, nothing on the wire or waiting to be resent,
  // and, once stopped, the release acknowledged.
  bool delivered(std::int64_t target_ms) const;
  // Stopped and the release acknowledged: the session has nothing more to send.
  bool finished() const { return stopped_ && release_acked_ && !pending_ && recovery_queue_.empty(); }
  bool in_flight() const { return on_wire_; }
  bool stopped() const { return stopped_; }

  const std::string& session_id() const { return session_id_; }
  const std::string& token() const { return token_; }
  std::int64_t reported_ms() const { return reported_ms_; }
  std::int64_t final_ms() const { return final_ms_; }
  std::int64_t unacknowledged_ms(std::int64_t total_active_ms) const;
  // Fills the server-side fields of SessionStats (active_ms comes from the meter).
  void fill_stats(TimePoint now, SessionStats& stats) const;
  std::chrono::milliseconds interval() const { return backoff_.interval; }
  std::chrono::milliseconds grace() const { return grace_; }

 private:
  struct Pending {
    Outgoing request;
    TimePoint retry_at{};
    unsigned attempts = 0;
  };

  void on_exchange_answer(TimePoint now, const Answer& answer);
  void acknowledge(const Answer& answer);
  void schedule_retry(TimePoint now, const Answer& answer, TimePoint* retry_at, unsigned* attempts);
  void adopt_token(const std::string& token, std::int64_t expires_at, bool force);
  void mark_online(TimePoint now);
  void publish(Reason cause);
  std::string describe(const Answer& answer) const;
  std::string state_message(SessionState to, Reason reason) const;
  void log(LogLevel level, std::string message);
  void set_balance(double balance);
  void note_failure(const Answer& answer, Reason reason);
  void check_spend_cap(TimePoint now, std::int64_t total_active_ms);
  double minutes_left() const;
  TimePoint next_wakeup_for_requests() const;
  // The next heartbeat due time after `now`: now + interval, rounded up to the batching grid.
  TimePoint due_after(TimePoint now) const;
  // Sets next_due_ after a heartbeat or checkpoint at `now` (see the definition).
  void advance_due(TimePoint now);

  const std::string session_id_;
  const std::string model_;
  const std::string surface_;
  std::function<double()> random01_;
  BackoffPolicy backoff_;
  std::chrono::milliseconds grace_;

  std::string token_;
  std::int64_t token_expires_at_ = 0;

  // Holds, in precedence order (DESIGN.md "States").
  bool stopped_ = false;
  bool user_paused_ = false;
  Reason billing_ = Reason::none;      // from the server: insufficient_credits, authentication_failed
  bool hold_spend_cap_ = false;        // this session's max_credits would be crossed
  bool hold_client_cap_ = false;       // the client's max_credits would be crossed
  bool hold_journal_full_ = false;     // the journal is full: usage must not outrun it
  bool offline_ = false;               // grace expired

  SessionState published_state_ = SessionState::active;
  Reason published_reason_ = Reason::none;
  std::vector<StateChange> changes_;
  std::vector<LogLine> logs_;
  std::vector<JournalOp> journal_;
  std::vector<BalanceEvent> balance_events_;
  CreditPolicy policy_;
  bool below_low_balance_ = false;
  bool balance_known_ = false;
  TimePoint cap_check_at_ = TimePoint::max();
  std::int64_t last_total_ms_ = 0;
  std::vector<Outgoing> recovery_queue_;  // unacknowledged requests beyond the first

  TimePoint next_due_{};
  TimePoint grace_deadline_{};
  std::int64_t period_start_wall_ms_ = 0;
  bool probe_ = false;   // send at once, even with nothing to report (resume())
  bool flush_ = false;   // send unreported usage at once (flush())
  bool flush_after_ack_ = false;  // a flush met an unacknowledged request: flush again after its ack

  std::optional<Pending> pending_;  // the one unacknowledged heartbeat or release
  bool on_wire_ = false;
  bool exchange_needed_ = false;    // the token was refused: re-exchange, then resend
  bool exchange_on_wire_ = false;
  TimePoint exchange_retry_at_{};
  unsigned exchange_attempts_ = 0;

  std::uint64_t last_seq_ = 0;
  std::int64_t sent_ms_ = 0;      // put into heartbeats/releases (acknowledged or pending)
  std::int64_t reported_ms_ = 0;  // acknowledged by the server
  std::int64_t final_ms_ = 0;
  bool release_acked_ = false;

  double credits_charged_ = 0;
  double balance_ = 0;
  double credits_per_minute_ = 0;
  std::uint64_t heartbeats_ok_ = 0;
  std::uint64_t heartbeats_failed_ = 0;
  std::uint64_t heartbeats_retried_ = 0;
  std::string last_error_;
  Reason last_error_reason_ = Reason::none;
};

}  // namespace core
}  // namespace creditmeter
