#include "scheduler.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "creditmeter/clock.hpp"
#include "journal.hpp"
#include "logger.hpp"
#include "scheduler_observer.hpp"
#include "session_registry.hpp"
#include "stop_state.hpp"
#include "wire.hpp"

namespace creditmeter {
namespace detail {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {
// The transport's wait when the wake timer (or wakeup()) ends it: as long as its poll takes.
constexpr milliseconds kUntilWoken{std::numeric_limits<int>::max()};

// Wall-clock time, only for the timestamps that go on the wire.
std::int64_t wall_ms() {
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

Scheduler::Scheduler(Parts parts) : parts_(parts) {}

Scheduler::~Scheduler() {
  if (!thread_.joinable()) return;
  if (on_scheduler_thread()) thread_.detach();  // the last owner let go inside a callback
  else thread_.join();
}

bool Scheduler::ever_started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ever_started_;
}

bool Scheduler::wake_needed_locked(core::TimePoint needed_at) {
  if (!asleep_ || woken_ || needed_at >= asleep_until_) return false;
  woken_ = true;
  return true;
}

void Scheduler::wake_loop() {
  if (parts_.observer != nullptr) parts_.observer->wake_requested();
  parts_.transport.wakeup();
}

void Scheduler::add(const std::shared_ptr<SessionImpl>& session) {
  parts_.registry.add(session, /*keep=*/true);
  const core::TimePoint first_step = session->first_step_at();
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A new session usually needs nothing before its first heartbeat: when the loop already
    // sleeps until then, it takes the session at that wake-up. Waking it for every start cost
    // the starting thread a system call and the scheduler a needless turn (~15 us of CPU).
    // Under a client-wide spending cap the new session must be counted at once.
    const core::TimePoint needed_at = client_cap_ ? core::TimePoint::min() : first_step;
    pokes_.push_back(session);
    if (!running_ && !quit_) {
      running_ = true;
      ever_started_ = true;
      thread_ = std::thread([this, keep_alive = session->owner()] { run(); });
      thread_id_.store(thread_.get_id(), std::memory_order_relaxed);
    }
    wake = wake_needed_locked(needed_at);
  }
  if (wake) wake_loop();
}

void Scheduler::set_client_cap(std::optional<double> cap) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    client_cap_ = cap;
  }
  for (const auto& s : parts_.registry.kept()) poke(s);
}

void Scheduler::poke(std::shared_ptr<SessionImpl> session) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) return;  // shut down: the session keeps its local state only
    pokes_.push_back(std::move(session));
    wake = wake_needed_locked(core::TimePoint::min());
  }
  if (wake) wake_loop();
}

void Scheduler::poke_at(std::shared_ptr<SessionImpl> session, core::TimePoint when) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) return;  // shut down: the event stays in memory (and is reported undelivered)
    later_pokes_.emplace_back(std::move(session), when);
    wake = wake_needed_locked(when);
  }
  if (wake) wake_loop();
}

// ----------------------------------------------------------------------------- the loop

void Scheduler::run() {
  // Named, so that top, gdb and profilers tell the SDK's thread from the engine's own.
#if defined(__APPLE__)
  pthread_setname_np("creditmeter");
#elif defined(__linux__)
  pthread_setname_np(pthread_self(), "creditmeter");
#endif
  Clock& clock = parts_.clock;
  // A clock that jumps (ManualClock) moves every deadline: the loop and a waiting flush()
  // look at their deadlines again (the empty lock: a flush() between its check and its wait
  // cannot miss the notification).
  const std::uint64_t listener = clock.add_jump_listener([this] {
    wake_loop();
    { std::lock_guard<std::mutex> lock(mutex_); }
    progress_.notify_all();
  });

  // Swapped with pokes_/later_pokes_ each turn and emptied after use, so that both keep their
  // capacity: a poke from record() (poke_at) then allocates nothing (bench/alloc_test.cpp).
  std::vector<std::shared_ptr<SessionImpl>> pokes;
  std::vector<std::pair<std::shared_ptr<SessionImpl>, core::TimePoint>> later;
  for (;;) {
    bool quitting;
    core::TimePoint deadline;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pokes.swap(pokes_);
      later.swap(later_pokes_);
      quitting = quit_;
      deadline = quit_deadline_;
      asleep_ = false;
      woken_ = false;
    }
    for (const auto& s : pokes) step(s);
    for (auto& [s, when] : later) {
      if (when >= s->timer_at) continue;  // its timer comes sooner already
      ++s->timer_generation;
      s->timer_at = when;
      timers_.push(Timer{when, s->timer_generation, std::move(s)});
    }
    pokes.clear();
    later.clear();
    core::TimePoint now = clock.now();
    while (!timers_.empty() && timers_.top().when <= now) {
      Timer t = timers_.top();
      timers_.pop();
      if (t.generation != t.session->timer_generation) continue;  // superseded
      t.session->timer_at = core::TimePoint::max();  // this entry is gone from the heap
      step(t.session);
    }

    const bool idle_quit = quitting && parts_.registry.kept().empty();
    if (progressed_ || quitting) {
      // Only a turn that took an answer or ended a session can complete a flush(): waking
      // its callers on every turn cost them (and this thread) a futex round trip each.
      progressed_ = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++turns_;  // under the mutex: a flush() between its check and its wait cannot miss it
      }
      progress_.notify_all();
    }
    if (quitting && (idle_quit || clock.now() >= deadline)) break;

    // Before the sleep is planned: a synchronous answer (token provider) may set a timer.
    flush_outbox();
    maintain_journal();
    maintain_client_cap();
    const core::TimePoint next = next_due(quitting, deadline);
    now = clock.now();
    bool work_waiting;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      work_waiting = !pokes_.empty() || !later_pokes_.empty() || next <= now;
      if (!work_waiting) {
        // From here on, new work wakes the loop unless it can wait until `next`.
        asleep_ = true;
        asleep_until_ = next;
      }
    }
    sleep_until(next, now, work_waiting);
  }

  finish_loop();
  clock.remove_jump_listener(listener);
  progress_.notify_all();
}

core::TimePoint Scheduler::next_due(bool quitting, core::TimePoint quit_deadline) {
  // A superseded entry on top would wake the loop early for nothing: drop those first.
  while (!timers_.empty() && timers_.top().generation != timers_.top().session->timer_generation) timers_.pop();
  core::TimePoint next = timers_.empty() ? core::TimePoint::max() : timers_.top().when;
  if (quitting) next = std::min(next, quit_deadline);
  return std::min(next, next_cap_check_);
}

// One wake-up per due time: the timer is armed to the nanosecond, never before `next` (it
// counts from a now() read before it is armed), so the loop never wakes a hair early and
// sleeps again. Transfers in flight keep their own timeouts: curl_multi_poll waits at most
// what curl_multi_timeout asks for, whatever the wait given here. Every blocking sleep arms
// or disarms the timer first, which clears a firing not yet read, so the descriptor is never
// read; a sleep until the same due time as the last one costs no system call (wake_timer.hpp).
void Scheduler::sleep_until(core::TimePoint next, core::TimePoint now, bool work_waiting) {
  milliseconds wait{0};
  if (work_waiting) {
    // poll(0): drives the transfers, then the loop takes the work.
  } else if (next == core::TimePoint::max()) {
    wake_timer_.disarm();
    wait = kUntilWoken;
  } else if (wake_timer_.fd() >= 0) {
    wake_timer_.arm_for(next, now);
    wait = kUntilWoken;
  } else {
    // No timer descriptor: the poll's timeout carries the time, rounded up to whole ms.
    const auto ms = std::chrono::ceil<milliseconds>(next - now);
    wait = std::min(ms, kUntilWoken);
  }
  // The unit tests' seam (scheduler_observer.hpp): without an observer, one pointer check.
  SchedulerObserver* const observer = parts_.observer;
  if (observer == nullptr) {
    parts_.transport.poll(wait, wake_timer_.fd());
    return;
  }
  if (wait > milliseconds(0)) observer->sleeping(next, wait);
  parts_.transport.poll(wait, wake_timer_.fd());
  observer->polled();
}

void Scheduler::finish_loop() {
  // Past the shutdown deadline: abort what is on the wire (the machines keep the usage as
  // unacknowledged, and so does the journal), then say what stays undelivered.
  outbox_.clear();
  parts_.transport.abort_all();
  Journal* journal = parts_.journal.get();
  if (journal != nullptr) journal->commit();
  std::vector<std::shared_ptr<SessionImpl>> left = parts_.registry.finish_all();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pokes_.clear();
    later_pokes_.clear();
    running_ = false;
  }
  for (const auto& s : left) {
    s->deliver_events();
    const std::int64_t ms = s->unacknowledged_ms();
    const std::uint64_t events = s->stats().events_pending;
    parts_.logger.warning("session " + s->id() + ": " + std::to_string(ms) + " ms of usage" +
                          (events > 0 ? " and " + std::to_string(events) + " usage event(s)" : std::string()) +
                          " not acknowledged by the server at shutdown" +
                          (journal ? " (kept in the journal: the next Client delivers it)" : " (no journal: lost)"));
  }
  if (journal != nullptr) journal->set_clean(left.empty());
  while (!timers_.empty()) timers_.pop();
}

void Scheduler::step(const std::shared_ptr<SessionImpl>& session) {
  SessionImpl::Step s = session->step(parts_.clock.now(), wall_ms());
  apply(session, s);
}

void Scheduler::apply(const std::shared_ptr<SessionImpl>& session, SessionImpl::Step& s) {
  client_cap_stale_ = true;
  for (const auto& line : s.logs) parts_.logger.log(line);  // outage lines are summarised
  if (Journal* j = parts_.journal.get()) j->append_ops(session->id(), s.journal);
  if (s.stepped && s.finished) {
    progressed_ = true;
    ++session->timer_generation;
    session->deliver_events();
    // Possibly the last reference: dropped here, outside the registry's lock.
    std::shared_ptr<SessionImpl> released = parts_.registry.finish(session.get());
    return;
  }
  if (s.stepped) {
    // Schedule before sending: a synchronous answer (token provider) steps the session again
    // and its newer timer must win.
    if (s.next_wakeup != session->timer_at) {
      ++session->timer_generation;
      session->timer_at = s.next_wakeup;
      if (s.next_wakeup != core::TimePoint::max()) {
        timers_.push(Timer{s.next_wakeup, session->timer_generation, session});
      }
    }
    if (s.events) outbox_.push_back(Outbound{session, std::move(*s.events), s.token, s.interval});
    if (s.request) outbox_.push_back(Outbound{session, std::move(*s.request), std::move(s.token), s.interval});
  }
  session->deliver_events();
}

void Scheduler::flush_outbox() {
  Journal* journal = parts_.journal.get();
  while (!outbox_.empty()) {
    if (journal != nullptr) journal->commit();
    std::vector<Outbound> batch;
    batch.swap(outbox_);
    for (const auto& b : batch) {
      if (b.request.kind == core::Outgoing::Kind::heartbeat && b.request.active_ms > 0) {
        crash_point("after_journal_before_send");
      }
      if (b.request.kind == core::Outgoing::Kind::events) crash_point("after_events_journal_before_send");
    }
    for (const auto& b : batch) send(b);
  }
  if (journal != nullptr) journal->commit();  // acknowledgements ride along, unsynced
}

void Scheduler::send(const Outbound& out) {
  const core::Outgoing::Kind kind = out.request.kind;
  if (kind == core::Outgoing::Kind::token_exchange && parts_.wire.provides_tokens()) {
    // Secretless re-attach: the app's backend mints the token (blocks this thread).
    on_response(out.session, kind, parts_.wire.provide_token(out.session->id()));
    return;
  }
  parts_.transport.submit(parts_.wire.request(out.request, out.token, out.interval),
                          [this, session = out.session, kind](HttpResponse response) {
                            if (parts_.observer != nullptr) parts_.observer->took_answer();
                            on_response(session, kind, response);
                          });
}

void Scheduler::on_response(const std::shared_ptr<SessionImpl>& session, core::Outgoing::Kind kind,
                            const HttpResponse& response) {
  if (kind == core::Outgoing::Kind::heartbeat && response.status >= 200 && response.status < 300) {
    crash_point("after_answer_before_ack");
  }
  if (kind == core::Outgoing::Kind::events && response.status >= 200 && response.status < 300) {
    crash_point("after_events_answer_before_ack");
  }
  progressed_ = true;
  const std::int64_t wall = wall_ms();
  const core::Answer answer = parts_.wire.answer_for(session->id(), kind, response, wall / 1000);
  // An aborted request (shutdown) is taken as unanswered, and nothing new is sent.
  SessionImpl::Step s = session->answer(parts_.clock.now(), wall, answer, !response.aborted);
  apply(session, s);
}

// ---------------------------------------------------------------------------- flush

bool Scheduler::flush(milliseconds timeout, const StopToken& stop) {
  if (on_scheduler_thread()) return false;  // would wait on itself
  Clock& clock = parts_.clock;
  const core::TimePoint deadline = clock.now() + timeout;
  std::vector<std::pair<std::shared_ptr<SessionImpl>, SessionImpl::FlushTarget>> targets;
  for (auto& s : parts_.registry.kept()) {
    const SessionImpl::FlushTarget target = s->flush_target();
    targets.emplace_back(s, target);
    poke(s);
  }
  // A stop wakes the wait (the empty lock: a stop between its check and the wait is not missed).
  StopCallback wake(stop, [this] {
    { std::lock_guard<std::mutex> lock(mutex_); }
    progress_.notify_all();
  });
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const std::uint64_t seen = turns_;
    lock.unlock();
    const bool done = std::all_of(targets.begin(), targets.end(),
                                  [](const auto& t) { return t.first->delivered(t.second); });
    lock.lock();
    if (done) return true;
    const core::TimePoint now = clock.now();
    if (now >= deadline || !running_ || stop.stop_requested()) return false;
    // Until the deadline or the loop's next turn that made progress, nothing in between (a
    // jump of a ManualClock notifies too). The wait runs on the steady clock, which stops
    // while the device is suspended: a flush that spans a suspend ends late, never early.
    // (In slices of a day at most: the steady clock's time_point must not overflow.)
    progress_.wait_for(lock, std::min<core::TimePoint>(deadline - now, std::chrono::hours(24)),
                       [&] { return turns_ != seen || !running_ || clock.now() >= deadline || stop.stop_requested(); });
  }
}

void Scheduler::shutdown(milliseconds timeout) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (quit_) return;
    quit_ = true;
    quit_deadline_ = parts_.clock.now() + timeout;
    if (!running_) return;
  }
  wake_loop();
  if (on_scheduler_thread()) return;  // called from a callback: the loop ends on its own
  if (thread_.joinable()) thread_.join();
}

}  // namespace detail
}  // namespace creditmeter
