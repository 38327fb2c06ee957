#include "session_impl.hpp"

#include "client_core.hpp"
#include "creditmeter/errors.hpp"
#include "core/journal_format.hpp"
#include "logger.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

SessionImpl::SessionImpl(std::shared_ptr<ClientCore> core, std::string id,
                         std::optional<core::SessionMachine> machine, Callbacks callbacks,
                         milliseconds idle_after)
    : core_(std::move(core)), id_(std::move(id)), machine_(std::move(machine)),
      callbacks_(std::move(callbacks)) {
  meter.clock = &core_->clock();
  meter.idle_after_ns = duration_cast<nanoseconds>(idle_after).count();
  meter.billed = machine_.has_value();
  if (machine_ && machine_->stopped()) {
    // Recovered from a dead process's journal: nothing renders, the release is owed.
    final_ms_ = machine_->final_ms();
    local_stopped_ = true;
    published_ = SessionState::stopped;
    meter.gate.store(0, std::memory_order_release);
  } else {
    meter.gate.store(1u | (1u << 1), std::memory_order_release);  // active, generation 1
  }
}

SessionImpl::~SessionImpl() {
  if (!core_->in_forked_child()) core_->retire(stats());
}

void SessionImpl::check_usable() const {
  // Only the fork() rule: a Session outliving its (shut down) Client stays usable.
  if (core_->in_forked_child()) {
    throw InvalidArgument("this Session was created in another process (before fork()): create a new Client in the child");
  }
}
bool SessionImpl::in_forked_child() const { return core_->in_forked_child(); }

std::int64_t SessionImpl::total_ms_locked() const {
  if (final_ms_ >= 0) return final_ms_;
  if (!machine_) return 0;
  return meter.active_ns.load(std::memory_order_acquire) / 1000000;
}

void SessionImpl::after_change_locked() {
  SessionState now_state;
  if (machine_) {
    now_state = machine_->state();
    for (auto& change : machine_->take_changes()) queued_.push_back(Event{Event::Kind::state, std::move(change), {}});
    for (const auto& b : machine_->take_balance_events()) {
      queued_.push_back(Event{b.kind == core::BalanceEvent::Kind::balance ? Event::Kind::balance : Event::Kind::low_balance,
                              {}, BalanceUpdate{b.balance, b.minutes_left, b.session_credits}});
    }
  } else {
    now_state = local_stopped_ ? SessionState::stopped
                               : (local_paused_ ? SessionState::paused_by_user : SessionState::active);
    if (now_state != published_) {
      queued_.push_back(Event{Event::Kind::state,
                              StateChange{published_, now_state, local_stopped_ ? Reason::stopped : Reason::user,
                                          local_stopped_ ? "stopped"
                                                         : (local_paused_ ? "paused by the application" : "resumed")},
                              {}});
    }
  }
  if (machine_) {
    const std::int64_t cap_ms = machine_->cap_active_ms();
    meter.cap_ns.store(cap_ms > INT64_MAX / 1000000 ? INT64_MAX : cap_ms * 1000000, std::memory_order_relaxed);
  }
  // The gate: bit 0 = may render; a new generation each time the session becomes active,
  // so the first frame after a pause never bills the gap.
  const std::uint64_t gate = meter.gate.load(std::memory_order_relaxed);
  const bool active = now_state == SessionState::active;
  if (active && (gate & 1u) == 0) {
    meter.gate.store((((gate >> 1) + 1) << 1) | 1u, std::memory_order_release);
  } else if (!active && (gate & 1u) != 0) {
    meter.gate.store(gate & ~std::uint64_t{1}, std::memory_order_release);
  }
  published_ = now_state;
}

void SessionImpl::notify() {
  if (machine_) {
    core_->scheduler().poke(shared_from_this());
  } else {
    dispatch_changes(core_->logger());  // audio-only: no scheduler thread exists
  }
}

void SessionImpl::pause() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (machine_) machine_->pause();
    else if (!local_stopped_) local_paused_ = true;
    after_change_locked();
  }
  notify();
}

void SessionImpl::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (machine_) machine_->resume();
    else local_paused_ = false;
    after_change_locked();
  }
  notify();
}

void SessionImpl::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (final_ms_ >= 0) return;
    final_ms_ = machine_ ? meter.active_ns.load(std::memory_order_acquire) / 1000000 : 0;
    if (machine_) machine_->stop(final_ms_);
    local_stopped_ = true;
    after_change_locked();
  }
  notify();
}

SessionState SessionImpl::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return published_;
}

Reason SessionImpl::reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (machine_) return machine_->reason();
  return local_stopped_ ? Reason::stopped : (local_paused_ ? Reason::user : Reason::none);
}

SessionStats SessionImpl::stats() const {
  SessionStats s;
  std::lock_guard<std::mutex> lock(mutex_);
  s.active_ms = total_ms_locked();
  if (machine_) machine_->fill_stats(core_->clock().now(), s);
  return s;
}

std::int64_t SessionImpl::flush_target() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (machine_) machine_->request_flush();
  return total_ms_locked();
}

bool SessionImpl::delivered(std::int64_t target_ms) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !machine_ || machine_->delivered(target_ms);
}

std::int64_t SessionImpl::unacknowledged_ms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return machine_ ? machine_->unacknowledged_ms(total_ms_locked()) : 0;
}

core::TimePoint SessionImpl::first_step_at() const {
  bool balance_callbacks;
  {
    std::lock_guard<std::mutex> lock(callback_mutex_);
    balance_callbacks = callbacks_.on_balance || callbacks_.on_low_balance;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!machine_ || machine_->has_output() || !queued_.empty()) return core::TimePoint::min();
  if (balance_callbacks && machine_->has_balance_events()) return core::TimePoint::min();
  return machine_->next_wakeup();
}

SessionImpl::Step SessionImpl::step(core::TimePoint now, std::int64_t wall_ms) {
  Step out;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!machine_) {
    out.finished = true;
    return out;
  }
  out.request = machine_->next_request(now, wall_ms, total_ms_locked());
  if (out.request) out.token = machine_->token();
  out.interval = machine_->interval();
  out.next_wakeup = machine_->next_wakeup();
  out.finished = machine_->finished();
  out.logs = machine_->take_logs();
  out.journal = machine_->take_journal();
  after_change_locked();
  return out;
}

SessionImpl::Step SessionImpl::on_answer(core::TimePoint now, const core::Answer& answer) {
  Step out;
  std::lock_guard<std::mutex> lock(mutex_);
  machine_->on_answer(now, answer);
  after_change_locked();
  out.logs = machine_->take_logs();
  out.journal = machine_->take_journal();
  return out;
}

void SessionImpl::set_local_hold(Reason reason, bool on) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!machine_) return;
  machine_->set_local_hold(reason, on);
  after_change_locked();
}

void SessionImpl::set_max_credits(std::optional<double> max_credits) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!machine_) return;
    machine_->set_max_credits(max_credits);
    after_change_locked();
  }
  notify();
}

double SessionImpl::projected_credits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return machine_ ? machine_->projected_credits(total_ms_locked()) : 0.0;
}

std::vector<std::string> SessionImpl::journal_snapshot() const {
  std::vector<std::string> records;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!machine_) return records;
  records.push_back(core::session_record(id_, machine_->model(), machine_->surface(), machine_->interval().count(),
                                         machine_->grace().count()));
  for (const auto& op : machine_->journal_snapshot(total_ms_locked())) {
    records.push_back(core::journal_op_record(id_, op));
  }
  return records;
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
  // A callback of this session runs on the scheduler thread: wait for it to return, in
  // slices, saying why we wait if it takes long (a callback blocked on the caller).
  while (running_callbacks_ > 0) {
    if (!callback_idle_.wait_for(lock, std::chrono::seconds(1), [this] { return running_callbacks_ == 0; })) {
      core_->logger().warning("session " + id_ + ": ~Session waits for its state-change callback to return");
    }
  }
}

void SessionImpl::dispatch_changes(const Logger& logger) {
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    events.swap(queued_);
  }
  for (const auto& event : events) {
    StateChangeCallback on_state;
    BalanceCallback on_balance;
    {
      std::lock_guard<std::mutex> lock(callback_mutex_);
      if (detached_) continue;
      // Copies: the user may replace a callback from inside the call.
      switch (event.kind) {
        case Event::Kind::state: on_state = callbacks_.on_state_change; break;
        case Event::Kind::balance: on_balance = callbacks_.on_balance; break;
        case Event::Kind::low_balance: on_balance = callbacks_.on_low_balance; break;
      }
      if (!on_state && !on_balance) continue;
      ++running_callbacks_;
      dispatching_thread_ = std::this_thread::get_id();
    }
    try {
      if (on_state) on_state(event.change);
      else on_balance(event.balance);
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
