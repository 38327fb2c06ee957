// SDK log lines to Python (callbacks.hpp: make_log_callback, drain_log_relay).
//
// The SDK logs from its I/O thread, which must never wait for the GIL (a Python thread may hold
// it for long, and a log callback may block): the line is queued and the relay thread, one per
// process, started by the first line, takes the GIL and hands the queued lines to Python in
// order. The queue is bounded: past kMaxQueued lines the newest are dropped and counted, and
// the count is logged once the relay catches up.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "callbacks.hpp"
#include "conversions.hpp"
#include "interpreter_exit.hpp"
#include "py_callable.hpp"

namespace creditmeter_python {

namespace {

constexpr std::size_t kMaxQueued = 10000;

struct Line {
  std::shared_ptr<PyCallable> target;  // null: the 'creditmeter' logger of Python's logging
  cm::LogLevel level;
  std::string message;
};

class LogRelay {
 public:
  void push(Line line) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.size() >= kMaxQueued) {
        ++dropped_;
        return;
      }
      queue_.push_back(std::move(line));
      if (!started_) {
        started_ = true;
        std::thread([this] { run(); }).detach();  // lives as long as the process (never destroyed)
      }
    }
    changed_.notify_all();
  }

  // Under the GIL: releases it until the queue is empty and delivered, or `timeout` passed.
  void drain(std::chrono::milliseconds timeout) {
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !delivering_; });
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return !queue_.empty(); });
      std::deque<Line> batch;
      batch.swap(queue_);
      const std::size_t dropped = dropped_;
      dropped_ = 0;
      delivering_ = true;
      lock.unlock();
      deliver(batch, dropped);
      batch.clear();  // PyCallable's destructor takes the GIL itself
      lock.lock();
      delivering_ = false;
      changed_.notify_all();
    }
  }

  static void deliver(std::deque<Line>& batch, std::size_t dropped) {
    PyEntry entry;
    if (!entry.ok()) {  // the interpreter is exiting: warnings still reach stderr
      for (const Line& line : batch) {
        if (line.level >= cm::LogLevel::warning) write_stderr(line.message);
      }
      return;
    }
    py::gil_scoped_acquire gil;
    if (dropped > 0) {
      batch.push_front(Line{nullptr, cm::LogLevel::warning,
                            std::to_string(dropped) + " log lines dropped: the log callback was slower than the SDK's logging"});
    }
    for (const Line& line : batch) {
      try {
        if (line.target) {
          line.target->fn(cm::to_string(line.level), line.message);
        } else {
          py::module_::import("logging").attr("getLogger")("creditmeter").attr("log")(python_level(line.level), "%s",
                                                                                     line.message);
        }
      } catch (py::error_already_set& err) {
        err.discard_as_unraisable("creditmeter log callback");
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Line> queue_;
  std::size_t dropped_ = 0;
  bool started_ = false;
  bool delivering_ = false;
};

LogRelay& relay() {
  static LogRelay* r = new LogRelay();  // never destroyed: its thread outlives static destructors
  return *r;
}

}  // namespace

cm::LogCallback make_log_callback(py::object fn) {
  std::shared_ptr<PyCallable> holder;
  if (!fn.is_none()) holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder](cm::LogLevel level, const std::string& message) { relay().push(Line{holder, level, message}); };
}

void drain_log_relay(std::chrono::milliseconds timeout) { relay().drain(timeout); }

}  // namespace creditmeter_python
