#include "session_impl.hpp"

#include "callback_thread.hpp"
#include "client_options.hpp"
#include "core/journal_format.hpp"
#include "creditmeter/errors.hpp"
#include "fork_guard.hpp"
#include "logger.hpp"
#include "scheduler.hpp"
#include "session_registry.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

SessionImpl::SessionImpl(SessionContext context, std::string id, core::SessionMachine machine, bool metered,
                         Callbacks callbacks, milliseconds idle_after)
    : context_(std::move(context)), id_(std::move(id)), metered_(metered), machine_(std::move(machine)),
      callbacks_(std::move(callbacks)) {
  meter.clock = context_.clock;
  meter.idle_after_ns = duration_cast<nanoseconds>(idle_after).count();
  meter.billed = metered_;
  if (machine_.stopped()) {
    // Recovered from a dead process's journal: nothing renders, the release is owed.
    final_ms_ = machine_.final_ms();
    meter.gate.store(0, std::memory_order_release);
  } else {
    meter.gate.store(1u | (1u << 1), std::memory_order_release);  // active, generation 1
  }
  // The grant's balance (and a low-balance alert) wait in the queue for open_callbacks().
  std::lock_guard<std::mutex> lock(mutex_);
  after_change_locked();
}

SessionImpl::~SessionImpl() {
  if (!in_forked_child()) context_.registry->retire(this, stats());
}

void SessionImpl::check_usable() const {
  // Only the fork() rule: a Session outliving its (shut down) Client stays usable.
  if (in_forked_child()) {
    throw InvalidArgument("this Session was created in another process (before fork()): create a new Client in the child");
  }
}
bool SessionImpl::in_forked_child() const { return fork_generation() != context_.fork_generation; }

std::int64_t SessionImpl::total_ms_locked() const {
  if (final_ms_ >= 0) return final_ms_;
  if (!metered_) return 0;
  return meter.active_ns.load(std::memory_order_acquire) / 1000000;
}

void SessionImpl::after_change_locked() {
  const SessionState now_state = machine_.state();
  for (auto& change : machine_.take_changes()) queued_.push_back(Event{Event::Kind::state, std::move(change), {}, {}});
  for (const auto& b : machine_.take_balance_events()) {
    const Event::Kind kind =
        b.kind == core::BalanceEvent::Kind::balance ? Event::Kind::balance : Event::Kind::low_balance;
    const BalanceUpdate update{b.balance, b.minutes_left, b.session_credits, b.unit};
    // A slow balance callback sees the latest balance, not a backlog: consecutive balance
    // updates coalesce (state changes and low-balance alerts never do).
    if (kind == Event::Kind::balance && !queued_.empty() && queued_.back().kind == Event::Kind::balance) {
      queued_.back().balance = update;
    } else {
      queued_.push_back(Event{kind, {}, update, {}});
    }
  }
  for (auto& [event, why] : machine_.take_rejected_events()) {
    RejectedEvent r{std::move(event.event_id), std::move(event.action),
                    static_cast<double>(event.quantity_milli) / 1000.0, std::move(why.code), std::move(why.message)};
    queued_.push_back(Event{Event::Kind::event_rejected, {}, {}, std::move(r)});
  }
  const std::int64_t cap_ms = machine_.cap_active_ms();
  meter.cap_ns.store(cap_ms > INT64_MAX / 1000000 ? INT64_MAX : cap_ms * 1000000, std::memory_order_relaxed);
  // The gate: bit 0 = may render; a new generation each time the session becomes active,
  // so the first frame after a pause never bills the gap.
  const std::uint64_t gate = meter.gate.load(std::memory_order_relaxed);
  const bool active = now_state == SessionState::active;
  if (active && (gate & 1u) == 0) {
    meter.gate.store((((gate >> 1) + 1) << 1) | 1u, std::memory_order_release);
  } else if (!active && (gate & 1u) != 0) {
    meter.gate.store(gate & ~std::uint64_t{1}, std::memory_order_release);
  }
}

void SessionImpl::notify(std::vector<core::LogLine> logs) {
  // Metered sessions: the scheduler takes the machine's log lines and acts on the change.
  // Audio-only ones have no scheduler: their lines are logged here, by the caller.
  for (const auto& line : logs) context_.logger->log(line.level, line.message);
  if (metered_) context_.scheduler->poke(shared_from_this());
  deliver_events();
}

std::vector<core::LogLine> SessionImpl::local_logs_locked() {
  return metered_ ? std::vector<core::LogLine>{} : machine_.take_logs();
}

void SessionImpl::open_callbacks() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    callbacks_open_ = true;
  }
  deliver_events();
}

void SessionImpl::deliver_events() {
  bool any_callback;
  {
    std::lock_guard<std::mutex> lock(callback_mutex_);
    any_callback = !detached_ && (callbacks_.on_state_change || callbacks_.on_balance || callbacks_.on_low_balance ||
                                  callbacks_.on_event_rejected);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!callbacks_open_ || queued_.empty() || posted_) return;
    if (!any_callback) {
      // Nobody listens: the events are dropped here rather than carried to a thread (a client
      // whose sessions have no callbacks never starts its callback thread).
      queued_.clear();
      return;
    }
    if (metered_) posted_ = true;
  }
  if (metered_) {
    context_.callbacks->post(shared_from_this(), context_.owner);
  } else {
    dispatch_changes(*context_.logger);  // audio-only: the caller's thread (no thread of its own)
  }
}

template <typename Change>
void SessionImpl::user_change(Change&& change) {
  // The change's callback may free the app's last handle to this session (cm_session_free()
  // inside its own callback) while this call is still on its way out: keep it alive until then.
  const std::shared_ptr<SessionImpl> self = shared_from_this();
  std::vector<core::LogLine> logs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!change()) return;
    after_change_locked();  // state() and may_render() show it before the call returns
    logs = local_logs_locked();
  }
  notify(std::move(logs));
}

void SessionImpl::pause() {
  user_change([this] {
    machine_.pause();
    return true;
  });
}

void SessionImpl::resume() {
  user_change([this] {
    machine_.resume();
    return true;
  });
}

void SessionImpl::stop() {
  user_change([this] {
    if (final_ms_ >= 0) return false;
    final_ms_ = metered_ ? meter.active_ns.load(std::memory_order_acquire) / 1000000 : 0;
    machine_.stop(final_ms_);
    return true;
  });
}

void SessionImpl::stop_for_shutdown() {
  stop();
  if (!metered_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    machine_.release_without_waiting();
  }
  context_.scheduler->poke(shared_from_this());
}

SessionState SessionImpl::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return machine_.state();
}

Reason SessionImpl::reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return machine_.reason();
}

SessionStats SessionImpl::stats() const {
  SessionStats s;
  std::lock_guard<std::mutex> lock(mutex_);
  s.active_ms = total_ms_locked();
  machine_.fill_stats(context_.clock->now(), s);
  return s;
}

SessionImpl::FlushTarget SessionImpl::flush_target() {
  std::lock_guard<std::mutex> lock(mutex_);
  machine_.request_flush();
  return FlushTarget{total_ms_locked(), machine_.events_recorded()};
}

void SessionImpl::network_changed(bool reachable) {
  std::lock_guard<std::mutex> lock(mutex_);
  machine_.network_changed(context_.clock->now(), reachable);
}

bool SessionImpl::delivered(const FlushTarget& target) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return machine_.delivered(target.active_ms, target.events);
}

std::int64_t SessionImpl::unacknowledged_ms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return machine_.unacknowledged_ms(total_ms_locked());
}

core::TimePoint SessionImpl::first_step_at() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (machine_.has_output()) return core::TimePoint::min();
  return machine_.next_wakeup();
}

void SessionImpl::fill_step_locked(core::TimePoint now, std::int64_t wall_ms, Step& out) {
  out.request = machine_.next_request(now, wall_ms, total_ms_locked());
  out.events = machine_.next_event_batch(now);  // journals the events recorded since the last step
  events_poked_ = false;
  if (out.request || out.events) out.token = machine_.token();
  out.interval = machine_.interval();
  out.next_wakeup = machine_.next_wakeup();
  out.finished = machine_.finished();
}

SessionImpl::Step SessionImpl::step(core::TimePoint now, std::int64_t wall_ms) {
  Step out;
  std::lock_guard<std::mutex> lock(mutex_);
  fill_step_locked(now, wall_ms, out);
  out.logs = machine_.take_logs();
  out.journal = machine_.take_journal();
  after_change_locked();
  return out;
}

SessionImpl::Step SessionImpl::answer(core::TimePoint now, std::int64_t wall_ms, const core::Answer& answer,
                                      bool then_step) {
  Step out;
  out.stepped = then_step;
  std::lock_guard<std::mutex> lock(mutex_);
  machine_.on_answer(now, answer);
  if (then_step) fill_step_locked(now, wall_ms, out);
  out.logs = machine_.take_logs();
  out.journal = machine_.take_journal();
  after_change_locked();
  return out;
}

void SessionImpl::set_local_hold(Reason reason, bool on) {
  std::lock_guard<std::mutex> lock(mutex_);
  machine_.set_local_hold(reason, on);
  after_change_locked();
}

void SessionImpl::set_max_credits(std::optional<double> max_credits) {
  check_max_credits(max_credits, "max_credits");
  user_change([this, max_credits] {
    machine_.set_max_credits(max_credits);
    return true;
  });
}

SessionImpl::CreditProjection SessionImpl::credit_projection() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::int64_t total = total_ms_locked();
  CreditProjection p;
  p.credits = machine_.projected_credits(total);
  if (machine_.state() == SessionState::active) {
    // The machine prices unbilled usage at the session's rate: one more minute of it costs
    // exactly the rate (a stopped session's total is frozen: it adds nothing).
    p.per_minute = machine_.projected_credits(total + 60000) - p.credits;
  }
  return p;
}

std::vector<std::string> SessionImpl::journal_snapshot() const {
  std::vector<std::string> records;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!metered_) return records;
  records.push_back(core::session_record(id_, machine_.model(), machine_.surface(), machine_.interval().count(),
                                         machine_.grace().count()));
  for (const auto& op : machine_.journal_snapshot(total_ms_locked())) {
    records.push_back(core::journal_op_record(id_, op));
  }
  return records;
}

void SessionImpl::set_event_rejected_callback(EventRejectedCallback callback) {
  std::lock_guard<std::mutex> lock(callback_mutex_);
  callbacks_.on_event_rejected = std::move(callback);
}

void SessionImpl::set_callback(StateChangeCallback callback) {
  std::lock_guard<std::mutex> lock(callback_mutex_);
  callbacks_.on_state_change = std::move(callback);
}

void SessionImpl::set_balance_callback(BalanceCallback callback, bool low_balance) {
  std::lock_guard<std::mutex> lock(callback_mutex_);
  (low_balance ? callbacks_.on_low_balance : callbacks_.on_balance) = std::move(callback);
}

void SessionImpl::detach_callbacks() {
  std::unique_lock<std::mutex> lock(callback_mutex_);
  detached_ = true;
  // Called from inside this session's own callback: it is the one running; nothing after.
  if (dispatching_thread_ == std::this_thread::get_id()) return;
  // A callback of this session runs on the callback thread: wait for it to return, in
  // slices, saying why we wait if it takes long (a callback blocked on the caller).
  while (running_callbacks_ > 0) {
    if (!callback_idle_.wait_for(lock, std::chrono::seconds(1), [this] { return running_callbacks_ == 0; })) {
      context_.logger->warning("session " + id_ + ": ~Session waits for its state-change callback to return");
    }
  }
}

void SessionImpl::dispatch_changes(const Logger& logger) {
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!callbacks_open_) return;
    events.swap(queued_);
    posted_ = false;  // what is queued from now on needs a new post
  }
  for (const auto& event : events) {
    StateChangeCallback on_state;
    BalanceCallback on_balance;
    EventRejectedCallback on_rejected;
    {
      std::lock_guard<std::mutex> lock(callback_mutex_);
      if (detached_) continue;
      // Copies: the user may replace a callback from inside the call.
      switch (event.kind) {
        case Event::Kind::state: on_state = callbacks_.on_state_change; break;
        case Event::Kind::balance: on_balance = callbacks_.on_balance; break;
        case Event::Kind::low_balance: on_balance = callbacks_.on_low_balance; break;
        case Event::Kind::event_rejected: on_rejected = callbacks_.on_event_rejected; break;
      }
      if (!on_state && !on_balance && !on_rejected) continue;
      ++running_callbacks_;
      dispatching_thread_ = std::this_thread::get_id();
    }
    try {
      if (on_state) on_state(event.change);
      else if (on_balance) on_balance(event.balance);
      else on_rejected(event.rejected);
    } catch (const std::exception& e) {
      logger.error("session " + id_ + ": state-change callback threw: " + e.what());
    } catch (...) {
      logger.error("session " + id_ + ": state-change callback threw a non-standard exception");
    }
    {
      std::lock_guard<std::mutex> lock(callback_mutex_);
      --running_callbacks_;
      dispatching_thread_ = std::thread::id();
    }
    callback_idle_.notify_all();
  }
}

}  // namespace detail
}  // namespace creditmeter
