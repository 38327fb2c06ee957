#pragma once
// The one I/O thread of a Client: a timer queue on the injectable Clock and the transport's
// event loop, which sleeps until the next thing is due (a WakeTimer in the same poll as the
// transfers) and never wakes between due times. It steps each session (SessionImpl, over its
// pure core::SessionMachine), puts what the session wants sent on the wire through the Wire,
// journals it first, and hands each answer back to its session in one pass. It never runs a
// user callback (the CallbackThread does) and never calls up into the Client that owns it: it
// is built from its parts. Started lazily by the first metered session. docs/ARCHITECTURE.md
// draws the way of one heartbeat through it; docs/LIFECYCLE.md states its sleeping rule.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <vector>

#include "core/session_machine.hpp"
#include "creditmeter/stop_token.hpp"
#include "session_impl.hpp"
#include "transport.hpp"
#include "wake_timer.hpp"

namespace creditmeter {
class Clock;
namespace detail {

class JournalSlot;
class Logger;
class SchedulerObserver;
class SessionRegistry;
class Wire;

class Scheduler {
 public:
  // Everything the loop uses; all outlive the Scheduler (the Client owns them together).
  struct Parts {
    Clock& clock;
    Transport& transport;
    const Wire& wire;
    JournalSlot& journal;
    const Logger& logger;
    SessionRegistry& registry;
    // The unit tests' seam (scheduler_observer.hpp); none in an app. Outlives the Scheduler.
    SchedulerObserver* observer = nullptr;
  };
  explicit Scheduler(Parts parts);
  ~Scheduler();  // joins, or detaches when destroyed on its own thread

  // Any thread. add() registers a metered session as kept and starts the thread on first
  // use (the session's owner keep-alive rides with the thread).
  void add(const std::shared_ptr<SessionImpl>& session);
  void poke(std::shared_ptr<SessionImpl> session);
  // Steps `session` at `when` at the latest (a usage event to journal and batch): wakes the
  // loop only when it sleeps past `when`.
  void poke_at(std::shared_ptr<SessionImpl> session, core::TimePoint when);
  // The spending cap over all sessions (nullopt: none). Already validated.
  void set_client_cap(std::optional<double> cap);
  // See Client::flush(). False at once on the scheduler thread (it would wait on itself), and
  // as soon as `stop` is requested.
  bool flush(std::chrono::milliseconds timeout, const StopToken& stop = {});
  // Drains for at most `timeout`, then aborts what is in flight and ends the thread; joins
  // unless called on the scheduler thread itself (then the thread ends on its own).
  void shutdown(std::chrono::milliseconds timeout);

  bool on_scheduler_thread() const {
    return std::this_thread::get_id() == thread_id_.load(std::memory_order_relaxed);
  }
  bool ever_started() const;

 private:
  struct Timer {
    core::TimePoint when;
    std::uint64_t generation;
    std::shared_ptr<SessionImpl> session;
    bool operator>(const Timer& other) const { return when > other.when; }
  };

  struct Outbound {
    std::shared_ptr<SessionImpl> session;
    core::Outgoing request;
    std::string token;
    std::chrono::milliseconds interval;
  };

  void run();
  // Under mutex_: whether work that needs the loop at `needed_at` must wake it (and notes
  // that it will be woken). The caller calls transport.wakeup() after unlocking.
  bool wake_needed_locked(core::TimePoint needed_at);
  // Any thread: wakes the loop's poll (and tells the observer first).
  void wake_loop();
  void step(const std::shared_ptr<SessionImpl>& session);
  // Carries out what one step of a session decided: logs, journal ops, its timer, its
  // request, its end; then hands its events to the callback thread.
  void apply(const std::shared_ptr<SessionImpl>& session, SessionImpl::Step& step);
  // Group commit: one journal write + fdatasync for the turn, then every request goes out.
  void flush_outbox();
  // Compaction and the journal_full hold.
  void maintain_journal();
  // The client's spending cap over all sessions: judged after a turn that changed anything,
  // and at the earliest moment the sessions' rendering could reach it (O(sessions) each time).
  void maintain_client_cap();
  // What the loop waits for before its next turn: the next timer, the cap's next judgement,
  // the shutdown deadline (TimePoint::max(): nothing).
  core::TimePoint next_due(bool quitting, core::TimePoint quit_deadline);
  // Sleeps in the transport's poll until `next` (the wake timer's time) or new work.
  void sleep_until(core::TimePoint next, core::TimePoint now, bool work_waiting);
  void send(const Outbound& out);
  void on_response(const std::shared_ptr<SessionImpl>& session, core::Outgoing::Kind kind,
                   const HttpResponse& response);
  void finish_loop();

  Parts parts_;

  mutable std::mutex mutex_;
  std::condition_variable progress_;  // notified after turns that made progress: flush() waits on it
  std::vector<std::shared_ptr<SessionImpl>> pokes_;
  std::vector<std::pair<std::shared_ptr<SessionImpl>, core::TimePoint>> later_pokes_;  // poke_at()
  std::optional<double> client_cap_;
  bool quit_ = false;
  core::TimePoint quit_deadline_{};
  bool running_ = false;
  std::uint64_t turns_ = 0;  // loop turns that made progress: flush() waits for the next one
  bool ever_started_ = false;
  // The loop reads pokes_ before it sleeps, under mutex_: work queued while it is awake
  // needs no wake-up, and one wake-up per sleep is enough (see wake_needed_locked()).
  bool asleep_ = false;
  bool woken_ = false;
  core::TimePoint asleep_until_{};
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};

  // Scheduler thread only.
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::vector<Outbound> outbox_;
  bool progressed_ = false;  // this turn took an answer or ended a session (flush() may be done)
  bool journal_full_ = false;
  bool client_cap_hold_ = false;
  bool client_cap_stale_ = true;  // a step or an answer since the cap was last judged
  core::TimePoint next_cap_check_ = core::TimePoint::max();
  WakeTimer wake_timer_;
};

}  // namespace detail
}  // namespace creditmeter
