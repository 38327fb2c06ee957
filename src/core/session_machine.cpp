#include "core/session_machine.hpp"

#include <algorithm>
#include <utility>

#include "core/time_format.hpp"

namespace creditmeter {
namespace core {

using std::chrono::milliseconds;

namespace {
TimePoint never() { return TimePoint::max(); }
}  // namespace

SessionMachine::SessionMachine(std::string session_id, std::string model, std::string surface,
                               HeartbeatCadence cadence, GraceTimer grace, std::function<double()> random01,
                               bool metered)
    : session_id_(std::move(session_id)),
      model_(std::move(model)),
      surface_(std::move(surface)),
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
  credits_ = CreditTracker(grant.credits_per_minute);
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
  log(state_change_line(session_id_, *change));
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
  publish(Reason::stopped);
}

void SessionMachine::request_flush() {
  if (!metered_) return;  // nothing is ever owed
  flush_ = true;
  if (auto* pending = outbox_.pending()) pending->retry.hurry();
  if (token_.reattach_needed()) token_.reattach_retry().hurry();
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
  if (credits_.set_policy(policy)) log(low_balance_line(session_id_, credits_.balance()));
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
  return credits_.projected(unacknowledged_ms(total_active_ms));
}

std::int64_t SessionMachine::cap_active_ms() const { return credits_.cap_active_ms(outbox_.reported_ms()); }

void SessionMachine::set_balance(double balance) {
  if (credits_.set_balance(balance)) log(low_balance_line(session_id_, balance));
}

// Pauses before the session's spending cap would be crossed: the usage not yet billed is
// priced at the session's rate (docs/CREDITS.md "Spending caps").
void SessionMachine::check_spend_cap(TimePoint now, std::int64_t total_active_ms) {
  const auto over = credits_.judge_cap(now, total_active_ms, projected_credits(total_active_ms), holds_.stopped);
  if (!over || *over == holds_.spend_cap) return;
  holds_.spend_cap = *over;
  if (*over) log(spend_cap_line(session_id_, *credits_.policy().max_credits));
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
  return std::min(next_wakeup_for_requests(), holds_.stopped ? never() : credits_.cap_check_at());
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
  if (holds_.stopped) return outbox_.release_acked() ? t : TimePoint::min();
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
    Outgoing ex;
    ex.kind = Outgoing::Kind::token_exchange;
    ex.body = token_request_body(model_, surface_, session_id_);
    return ex;
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
    if (outbox_.release_acked()) return std::nullopt;
    out.kind = Outgoing::Kind::release;
    out.seq = outbox_.next_seq();
    out.active_ms = outbox_.final_ms() - outbox_.sent_ms();
    out.body = release_body(session_id_, out.seq, out.active_ms);
  } else {
    const std::int64_t unsent = std::max<std::int64_t>(0, total_active_ms - outbox_.sent_ms());
    const bool flush_due = flush_ && unsent > 0;
    if (!cadence_.due(now) && !probe_ && !flush_due) {
      flush_ = false;  // nothing to flush
      return std::nullopt;
    }
    out.kind = Outgoing::Kind::heartbeat;
    out.seq = outbox_.next_seq();
    out.active_ms = unsent;
    out.body = heartbeat_body(session_id_, out.seq, out.active_ms, rfc3339_ms(cadence_.close_period(wall_ms)),
                              rfc3339_ms(wall_ms));
    cadence_.advance(now);
  }
  probe_ = flush_ = false;
  const Outgoing& sent = outbox_.send(std::move(out), session_id_, now);
  JournalOp op;
  op.kind = JournalOp::Kind::sent;
  op.request = sent;
  journal_.push_back(std::move(op));
  on_wire_ = true;
  return sent;
}

// ---------------------------------------------------------------------------- answers

void SessionMachine::on_answer(TimePoint now, const Answer& answer) {
  if (!on_wire_) return;  // an answer nobody asked for (aborted request): ignore
  on_wire_ = false;
  if (token_.take_reattach_answer()) {
    on_exchange_answer(now, answer);
    advance(now);
    return;
  }
  UsageOutbox::Pending* pending = outbox_.pending();
  if (!pending) return;
  const Outgoing& req = pending->request;
  const char* what = req.kind == Outgoing::Kind::release ? "release" : "heartbeat";

  switch (answer.kind) {
    case AnswerKind::ok:
      ++tally_.ok;
      acknowledge(answer);
      mark_online(now);
      holds_.billing = Reason::none;
      publish(Reason::none);
      break;
    case AnswerKind::insufficient:
    case AnswerKind::revoked: {
      // The server recorded and charged this usage: never resend it.
      const Reason reason = answer.kind == AnswerKind::insufficient ? Reason::insufficient_credits
                                                                    : Reason::authentication_failed;
      ++tally_.failed;
      note_failure(answer, reason);
      acknowledge(answer);
      holds_.billing = reason;
      publish(Reason::none);
      break;
    }
    case AnswerKind::token_invalid:
      ++tally_.failed;
      note_failure(answer, Reason::authentication_failed);
      log(token_refused_line(session_id_, answer));
      token_.require_reattach(now);
      break;
    case AnswerKind::mismatch: {
      // The key is burnt (another body holds it, e.g. from a lost earlier process). The
      // server did not record this body: move its usage into the next seq.
      ++tally_.failed;
      log(mismatch_line(session_id_, what, req.seq, req.active_ms));
      const bool was_release = req.kind == Outgoing::Kind::release;
      journal(JournalOp::Kind::drop, outbox_.drop(), 0);
      if (!was_release) flush_ = true;
      break;
    }
    default:
      ++tally_.failed;
      note_failure(answer, Reason::offline);
      schedule_retry(now, answer, pending->retry);
      log(retry_line(session_id_, what, req.seq, answer));
      break;
  }
  advance(now);
}

void SessionMachine::on_exchange_answer(TimePoint now, const Answer& answer) {
  switch (answer.kind) {
    case AnswerKind::ok:
      token_.adopt(answer.grant->token, answer.grant->expires_at, /*force=*/true);
      cadence_.set_interval(answer.grant->heartbeat_interval);
      grace_.set_grace(answer.grant->offline_grace);
      token_.reattached();
      mark_online(now);
      if (holds_.billing == Reason::authentication_failed) holds_.billing = Reason::none;
      if (auto* pending = outbox_.pending()) pending->retry.at = now;  // resend what the old token could not carry
      log(reattached_line(session_id_));
      publish(Reason::none);
      break;
    case AnswerKind::auth_failed:
    case AnswerKind::revoked:
      ++tally_.failed;
      holds_.billing = Reason::authentication_failed;
      token_.reattach_retry().at = now + cadence_.interval();  // keep trying: a key may be restored
      log(reattach_refused_line(session_id_, answer));
      publish(Reason::none);
      break;
    default:
      ++tally_.failed;
      schedule_retry(now, answer, token_.reattach_retry());
      log(reattach_retry_line(session_id_, answer));
      break;
  }
}

void SessionMachine::note_failure(const Answer& answer, Reason reason) {
  tally_.last_error = describe(answer);
  if (!answer.api_error.message.empty()) tally_.last_error += ": " + answer.api_error.message;
  tally_.last_error_reason = reason;
}

void SessionMachine::acknowledge(const Answer& answer) {
  if (flush_after_ack_) {
    flush_ = true;
    flush_after_ack_ = false;
  }
  journal(JournalOp::Kind::ack, outbox_.acknowledge(), 0);
  if (answer.ack) {
    if (credits_.record_charge(answer.ack->credits_charged, answer.ack->balance)) {
      log(low_balance_line(session_id_, answer.ack->balance));
    }
    if (!answer.ack->token.empty()) token_.adopt(answer.ack->token, answer.ack->expires_at, /*force=*/false);
  }
}

void SessionMachine::mark_online(TimePoint now) {
  grace_.restart(now);
  holds_.offline = false;
}

void SessionMachine::schedule_retry(TimePoint now, const Answer& answer, RetryTimer& retry) {
  // The deadline may have passed since the last advance(): the offline cap applies already.
  const bool paused_offline = holds_.offline || (!holds_.stopped && grace_.passed(now));
  retry.schedule(now, answer.api_error.retry_after, BackoffPolicy{cadence_.interval()}, paused_offline, random01_);
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
  return outbox_.snapshot(usage_total(total_active_ms));
}

bool SessionMachine::delivered(std::int64_t target_ms) const {
  if (!metered_) return true;
  if (!outbox_.empty() || token_.reattach_needed()) return false;
  if (holds_.stopped) return outbox_.release_acked();
  return outbox_.reported_ms() >= target_ms;
}

bool SessionMachine::finished() const {
  if (!metered_) return holds_.stopped;
  return holds_.stopped && outbox_.release_acked() && outbox_.empty();
}

std::int64_t SessionMachine::unacknowledged_ms(std::int64_t total_active_ms) const {
  return outbox_.unacknowledged_ms(usage_total(total_active_ms));
}

void SessionMachine::fill_stats(TimePoint now, SessionStats& stats) const {
  if (!metered_) return;  // nothing billed, nothing sent: every server-side field stays zero
  stats.reported_ms = outbox_.reported_ms();
  stats.credits_charged = credits_.credits_charged();
  stats.balance = credits_.balance();
  stats.heartbeats_ok = tally_.ok;
  stats.heartbeats_failed = tally_.failed;
  stats.heartbeats_retried = tally_.retried;
  stats.last_error = tally_.last_error;
  stats.last_error_reason = tally_.last_error_reason;
  stats.minutes_left = credits_.minutes_left();
  stats.grace_remaining_ms = holds_.stopped || holds_.offline ? 0 : grace_.remaining_ms(now);
}

}  // namespace core
}  // namespace creditmeter
