#include "core/session_machine.hpp"

#include <algorithm>
#include <utility>

namespace creditmeter {
namespace core {

using std::chrono::milliseconds;

namespace {
TimePoint never() { return TimePoint::max(); }
}  // namespace

SessionMachine::SessionMachine(std::string session_id, std::string model, std::string surface,
                               HeartbeatCadence cadence, GraceTimer grace, std::function<double()> random01,
                               bool metered)
    : requests_(std::move(session_id), std::move(model), std::move(surface)),
      metered_(metered),
      random01_(std::move(random01)),
      cadence_(cadence),
      grace_(grace) {}

SessionMachine::SessionMachine(std::string session_id, std::string model, std::string surface,
                               const TokenGrant& grant, TimePoint now, std::int64_t wall_ms,
                               std::function<double()> random01)
    : SessionMachine(std::move(session_id), std::move(model), std::move(surface),
                     HeartbeatCadence(grant.heartbeat_interval, now, wall_ms),
                     // The token exchange counts as the first 2xx: the grace runs from it.
                     GraceTimer(grant.offline_grace, now + grant.offline_grace), std::move(random01),
                     /*metered=*/true) {
  token_.adopt(grant.token, grant.expires_at, /*force=*/true);
  events_.set_prices(grant.prices_micro);
  credits_ = CreditTracker(grant.credits_per_minute);
  credits_.set_unit(grant.unit);
  set_balance(grant.balance);
}

SessionMachine::SessionMachine(const RecoveredSession& r, TimePoint now, std::function<double()> random01)
    : SessionMachine(r.session_id, r.model, r.surface,
                     // A journal's timing is only a hint for the re-attach: never faster than once a second.
                     HeartbeatCadence(milliseconds(std::max<std::int64_t>(1000, r.interval_ms)), now, 0),
                     GraceTimer::never_expires(milliseconds(std::max<std::int64_t>(1000, r.grace_ms))),
                     std::move(random01), /*metered=*/true) {
  holds_.stopped = true;
  published_ = PublishedState(SessionState::stopped, Reason::stopped);
  outbox_ = UsageOutbox(r, now);
  for (const auto& e : r.events) events_.record(e, now, /*journaled=*/true);
  events_.hurry_forever();  // stopped: what it owes goes at once
  token_.require_reattach(now);  // a dead process's token is no use: re-attach first
}

SessionMachine SessionMachine::audio_only(std::string session_id, std::string model, std::string surface) {
  // Never due, never offline: the cadence and the grace exist only to keep one shape.
  return SessionMachine(std::move(session_id), std::move(model), std::move(surface),
                        HeartbeatCadence(milliseconds(0), never(), 0), GraceTimer::never_expires(milliseconds(0)),
                        nullptr, /*metered=*/false);
}

// ---------------------------------------------------------------------------- state

// Announces a transition when the state or the reason of a pause changed. `cause` is the
// reason given when the session becomes active (user for resume(), none for a 2xx).
void SessionMachine::publish(Reason cause) {
  auto change = published_.update(holds_, cause);
  if (!change) return;
  change->message = state_message(change->to, change->reason, grace_.grace(), credits_.balance());
  log(state_change_line(session_id(), *change));
  changes_.push_back(std::move(*change));
}

void SessionMachine::pause() {
  if (holds_.stopped) return;
  holds_.user_paused = true;
  publish(Reason::user);
}

void SessionMachine::resume() {
  if (holds_.stopped) return;
  holds_.user_paused = false;
  // A hold from the server lifts only on a 2xx: probe at once rather than at the next due.
  if (holds_.billing != Reason::none || holds_.offline) probe_ = true;
  publish(Reason::user);
}

void SessionMachine::stop(std::int64_t final_active_ms) {
  if (holds_.stopped) return;
  holds_.stopped = true;
  outbox_.close(final_active_ms);
  // The final total is what the release will carry: it must survive a crash before then.
  if (metered_) journal(JournalOp::Kind::checkpoint, 0, outbox_.final_ms());
  // The release follows the pending heartbeat: retry that at once instead of backing off.
  if (auto* pending = outbox_.pending()) pending->retry.hurry();
  if (token_.reattach_needed()) token_.reattach_retry().hurry();
  events_.hurry_forever();  // the pending events go now; the release follows their answer
  publish(Reason::stopped);
}

void SessionMachine::request_flush() {
  if (!metered_) return;  // nothing is ever owed
  flush_ = true;
  if (auto* pending = outbox_.pending()) pending->retry.hurry();
  if (token_.reattach_needed()) token_.reattach_retry().hurry();
  events_.hurry_all_recorded();
}

void SessionMachine::network_changed(TimePoint now, bool reachable) {
  if (!metered_) return;  // never on the wire
  network_down_ = !reachable;
  const milliseconds probe = BackoffPolicy{cadence_.interval()}.cap(/*paused_offline=*/true);
  auto hint = [&](RetryTimer& retry) {
    if (reachable) retry.network_back();
    else retry.network_gone(now, probe);
  };
  if (auto* pending = outbox_.pending()) hint(pending->retry);
  if (token_.reattach_needed()) hint(token_.reattach_retry());
  if (events_.has_batch()) hint(events_.retry());
}

void SessionMachine::set_local_hold(Reason reason, bool on) {
  if (!metered_) return;  // free and unjournaled: neither a cap nor the journal can hold it
  bool& hold = reason == Reason::journal_full ? holds_.journal_full : holds_.client_cap;
  if (hold == on) return;
  hold = on;
  publish(Reason::none);
}

void SessionMachine::set_credit_policy(const CreditPolicy& policy) {
  if (!metered_) return;  // no balance to watch, nothing to cap
  if (credits_.set_policy(policy)) log(low_balance_line(session_id(), credits_.balance()));
  // Check a cap at the next step; without one (and no hold to lift) there is nothing to check.
  credits_.recheck_cap(policy.max_credits || holds_.spend_cap);
}

void SessionMachine::set_max_credits(std::optional<double> max_credits) {
  if (!metered_) return;
  credits_.set_max_credits(max_credits);
  credits_.recheck_cap(true);  // re-check (and perhaps lift) at the next step
  if (!max_credits && holds_.spend_cap) {
    holds_.spend_cap = false;
    publish(Reason::none);
  }
}

double SessionMachine::projected_credits(std::int64_t total_active_ms) const {
  // Unsettled events at the token answer's prices count too (docs/CREDITS.md "Spending caps").
  return credits_.projected(unacknowledged_ms(total_active_ms)) + events_.pending_units();
}

std::int64_t SessionMachine::cap_active_ms() const {
  return credits_.cap_active_ms(outbox_.reported_ms(), events_.pending_units());
}

void SessionMachine::record_event(TimePoint now, const RecordedEvent& event, std::int64_t total_active_ms) {
  if (!metered_ || holds_.stopped) return;  // the shell refuses both before
  events_.record(event, now);
  // Usage that happened is recorded whatever the cap; the session pauses so the engine stops.
  if (credits_.policy().max_credits) check_spend_cap(now, total_active_ms);
}

std::optional<Outgoing> SessionMachine::next_event_batch(TimePoint now) {
  if (!metered_) return std::nullopt;
  // Each event is journaled before it is first sent (and within 100 ms of record()).
  for (auto& e : events_.take_unjournaled()) {
    JournalOp op;
    op.kind = JournalOp::Kind::event;
    op.event = std::move(e);
    journal_.push_back(std::move(op));
  }
  if (token_.reattach_needed()) return std::nullopt;  // the batch goes with the new token
  return events_.next_batch(now, session_id());
}

void SessionMachine::set_balance(double balance) {
  if (credits_.set_balance(balance)) log(low_balance_line(session_id(), balance));
}

// Pauses before the session's spending cap would be crossed: the usage not yet billed is
// priced at the session's rate (docs/CREDITS.md "Spending caps").
void SessionMachine::check_spend_cap(TimePoint now, std::int64_t total_active_ms) {
  const auto over = credits_.judge_cap(now, total_active_ms, projected_credits(total_active_ms), holds_.stopped);
  if (!over || *over == holds_.spend_cap) return;
  holds_.spend_cap = *over;
  if (*over) log(spend_cap_line(session_id(), *credits_.policy().max_credits));
  publish(Reason::none);
}

void SessionMachine::advance(TimePoint now) {
  if (!holds_.stopped && !holds_.offline && grace_.passed(now)) {
    holds_.offline = true;
    publish(Reason::grace_expired);
  }
}

TimePoint SessionMachine::next_wakeup() const {
  if (!metered_) return never();
  const TimePoint events = token_.reattach_needed() ? never() : events_.next_wakeup();
  return std::min({next_wakeup_for_requests(), events, holds_.stopped ? never() : credits_.cap_check_at()});
}

TimePoint SessionMachine::next_wakeup_for_requests() const {
  const UsageOutbox::Pending* pending = outbox_.pending();
  if (on_wire_) {
    if (holds_.stopped) return never();
    return std::min(holds_.offline ? never() : grace_.deadline(), pending ? cadence_.next_due() : never());
  }
  TimePoint t = never();
  if (!holds_.stopped && !holds_.offline) t = std::min(t, grace_.deadline());
  const bool urgent = probe_ || flush_;
  if (token_.reattach_needed()) return std::min(t, urgent ? TimePoint::min() : token_.reattach_retry().at);
  if (pending) {
    // Also wake at the due time: a checkpoint of the usage accrued behind it is due.
    const TimePoint due = holds_.stopped ? never() : cadence_.next_due();
    return std::min({t, due, urgent ? TimePoint::min() : pending->retry.at});
  }
  if (outbox_.has_recovered()) return TimePoint::min();
  // The release follows the answer to the pending events (their lane wakes for them).
  if (holds_.stopped) return outbox_.release_acked() || !release_may_go() ? t : TimePoint::min();
  if (urgent) return TimePoint::min();
  return std::min(t, cadence_.next_due());
}

// ---------------------------------------------------------------------------- requests

std::optional<Outgoing> SessionMachine::next_request(TimePoint now, std::int64_t wall_ms,
                                                     std::int64_t total_active_ms) {
  if (!metered_) return std::nullopt;
  advance(now);
  if (credits_.cap_check_due(now, total_active_ms)) check_spend_cap(now, total_active_ms);
  if (outbox_.pending() && !holds_.stopped && cadence_.due(now)) {
    // Usage accrues behind an unacknowledged heartbeat: checkpoint it every interval.
    journal(JournalOp::Kind::checkpoint, 0, total_active_ms);
    cadence_.advance(now);
  }
  if (on_wire_) return std::nullopt;
  const bool urgent = probe_ || flush_;

  if (token_.reattach_needed()) {
    if (!urgent && !token_.reattach_retry().ready(now)) return std::nullopt;
    flush_after_ack_ = flush_after_ack_ || flush_;  // what accrued behind it is flushed after the ack
    probe_ = flush_ = false;
    on_wire_ = true;
    token_.reattach_sent();
    return requests_.token_exchange();
  }

  outbox_.promote_recovered(now);
  if (auto* pending = outbox_.pending()) {
    if (!urgent && !pending->retry.ready(now)) return std::nullopt;
    flush_after_ack_ = flush_after_ack_ || flush_;  // what accrued behind it is flushed after the ack
    probe_ = flush_ = false;
    on_wire_ = true;
    ++tally_.retried;
    return pending->request;  // byte-identical: same key, same body
  }

  Outgoing out;
  if (holds_.stopped) {
    if (outbox_.release_acked() || !release_may_go()) return std::nullopt;
    out = requests_.release(outbox_.next_seq(), outbox_.final_ms() - outbox_.sent_ms());
  } else {
    const std::int64_t unsent = std::max<std::int64_t>(0, total_active_ms - outbox_.sent_ms());
    const bool flush_due = flush_ && unsent > 0;
    if (!cadence_.due(now) && !probe_ && !flush_due) {
      flush_ = false;  // nothing to flush
      return std::nullopt;
    }
    out = requests_.heartbeat(outbox_.next_seq(), unsent, cadence_.close_period(wall_ms), wall_ms);
    cadence_.advance(now);
  }
  probe_ = flush_ = false;
  const Outgoing& sent = outbox_.send(std::move(out), session_id(), now);
  JournalOp op;
  op.kind = JournalOp::Kind::sent;
  op.request = sent;
  journal_.push_back(std::move(op));
  on_wire_ = true;
  return sent;
}

// ---------------------------------------------------------------------------- outputs

void SessionMachine::journal(JournalOp::Kind kind, std::uint64_t seq, std::int64_t total_ms) {
  JournalOp op;
  op.kind = kind;
  op.seq = seq;
  op.total_ms = total_ms;
  journal_.push_back(std::move(op));
}

std::vector<StateChange> SessionMachine::take_changes() { return std::exchange(changes_, {}); }
std::vector<LogLine> SessionMachine::take_logs() { return std::exchange(logs_, {}); }
std::vector<JournalOp> SessionMachine::take_journal() { return std::exchange(journal_, {}); }
std::vector<BalanceEvent> SessionMachine::take_balance_events() { return credits_.take_events(); }

std::vector<JournalOp> SessionMachine::journal_snapshot(std::int64_t total_active_ms) const {
  std::vector<JournalOp> ops = outbox_.snapshot(usage_total(total_active_ms));
  ops.front().released = outbox_.release_acked();  // events may still be owed after the release
  for (auto& e : events_.unsettled()) {
    JournalOp op;
    op.kind = JournalOp::Kind::event;
    op.event = std::move(e);
    ops.push_back(std::move(op));
  }
  return ops;
}

bool SessionMachine::delivered(std::int64_t target_ms, std::uint64_t target_events) const {
  if (!metered_) return true;
  if (!outbox_.empty() || token_.reattach_needed()) return false;
  if (!events_.settled_through(target_events)) return false;
  if (holds_.stopped) return outbox_.release_acked();
  return outbox_.reported_ms() >= target_ms;
}

bool SessionMachine::finished() const {
  if (!metered_) return holds_.stopped;
  return holds_.stopped && outbox_.release_acked() && outbox_.empty() && events_.idle();
}

std::int64_t SessionMachine::unacknowledged_ms(std::int64_t total_active_ms) const {
  return outbox_.unacknowledged_ms(usage_total(total_active_ms));
}

void SessionMachine::fill_stats(TimePoint now, SessionStats& stats) const {
  if (!metered_) return;  // nothing billed, nothing sent: every server-side field stays zero
  stats.reported_ms = outbox_.reported_ms();
  stats.credits_charged = credits_.credits_charged();
  stats.events_credits_charged = credits_.events_credits_charged();
  stats.balance = credits_.balance();
  stats.heartbeats_ok = tally_.ok;
  stats.heartbeats_failed = tally_.failed;
  stats.heartbeats_retried = tally_.retried;
  stats.last_error = tally_.last_error;
  stats.last_error_reason = tally_.last_error_reason;
  stats.minutes_left = credits_.minutes_left();
  stats.grace_remaining_ms = holds_.stopped || holds_.offline ? 0 : grace_.remaining_ms(now);
  stats.events_recorded = events_.recorded();
  stats.events_acknowledged = events_.acknowledged();
  stats.events_rejected = events_.rejected();
  stats.events_pending = events_.pending();
  stats.unit = credits_.unit();
}

}  // namespace core
}  // namespace creditmeter
