#pragma once
// The one thread of a Client: a timer queue on the injectable Clock, the transport's event
// loop, and the dispatcher of every callback. It drives each session's machine with events
// and puts the machines' requests on the wire. Started lazily by the first metered session.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/session_machine.hpp"
#include "transport.hpp"

namespace creditmeter {
namespace detail {

class ClientCore;
class SessionImpl;

class Scheduler {
 public:
  explicit Scheduler(ClientCore& core);
  ~Scheduler();  // joins, or detaches when destroyed on its own thread

  // Any thread. add() starts the thread on first use; `keep_alive` rides with the thread.
  void add(std::shared_ptr<SessionImpl> session, std::shared_ptr<void> keep_alive);
  void poke(std::shared_ptr<SessionImpl> session);
  // See Client::flush().
  bool flush(std::chrono::milliseconds timeout);
  // Drains for at most `timeout`, then aborts what is in flight and ends the thread; joins
  // unless called on the scheduler thread itself (then the thread ends on its own).
  void shutdown(std::chrono::milliseconds timeout);

  bool on_scheduler_thread() const { return std::this_thread::get_id() == thread_id_; }
  bool started() const;
  bool ever_started() const;
  std::vector<std::shared_ptr<SessionImpl>> sessions() const;

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
  // that it will be woken). The caller calls transport().wakeup() after unlocking.
  bool wake_needed_locked(core::TimePoint needed_at);
  void step(const std::shared_ptr<SessionImpl>& session);
  // Logs and journals what a session's machine produced.
  void absorb(const std::shared_ptr<SessionImpl>& session, const std::vector<core::LogLine>& logs,
              const std::vector<core::JournalOp>& journal);
  // Group commit: one journal write + fdatasync for the turn, then every request goes out.
  void flush_outbox();
  // Compaction and the journal_full hold.
  void maintain_journal();
  // The client's spending cap over all sessions (checked every 100 ms at most: O(sessions)).
  void maintain_client_cap();
  void send(const std::shared_ptr<SessionImpl>& session, const core::Outgoing& request,
            const std::string& token, std::chrono::milliseconds interval);
  void on_response(const std::shared_ptr<SessionImpl>& session, core::Outgoing::Kind kind,
                   HttpResponse response);
  void finish_loop();
  std::int64_t wall_ms() const;

  ClientCore& core_;

  mutable std::mutex mutex_;
  std::condition_variable progress_;  // notified after turns that made progress: flush() waits on it
  std::unordered_map<const SessionImpl*, std::shared_ptr<SessionImpl>> sessions_;
  std::vector<std::shared_ptr<SessionImpl>> pokes_;
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
  std::thread::id thread_id_;

  // Scheduler thread only.
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::vector<Outbound> outbox_;
  bool progressed_ = false;  // this turn took an answer or ended a session (flush() may be done)
  bool journal_full_ = false;
  bool client_cap_hold_ = false;
  core::TimePoint next_cap_check_{};
};

}  // namespace detail
}  // namespace creditmeter
