// The main thread's interruptible wait (interruptible.hpp).

#include "interruptible.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

namespace creditmeter_python {
namespace detail {

bool on_main_thread() {
  static const unsigned long main_ident =
      py::cast<unsigned long>(py::module_::import("threading").attr("main_thread")().attr("ident"));
  return PyThread_get_thread_ident() == main_ident;
}

namespace {

// An eventfd the helper thread signals when `body` has returned.
class DoneFlag {
 public:
  DoneFlag() : fd_(eventfd(0, EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("eventfd() failed");
  }
  ~DoneFlag() { close(fd_); }
  DoneFlag(const DoneFlag&) = delete;
  DoneFlag& operator=(const DoneFlag&) = delete;
  void set() {
    const std::uint64_t one = 1;
    while (write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
  // Waits until set(), at most `ms`; false when a signal or the time came first.
  bool wait(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, ms) > 0;
  }

 private:
  int fd_;
};

// A thread that never takes a signal: the kernel then gives the process's signals to the
// waiting main thread.
std::thread start_unsignalled(const std::function<void()>& body, DoneFlag& done) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  std::thread t([&body, &done] {
    body();
    done.set();
  });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

}  // namespace

// How often the main thread looks at Python's signal flag while a call runs. A signal ends the
// poll at once when the kernel gives it to the main thread; but it may give it to any thread
// that does not block it (the SDK's, the app's), or it may arrive just before the poll begins:
// then only Python's flag knows, and this bounds how long Ctrl-C waits. Only while a call is in
// progress on the main thread: an idle client never wakes for it.
constexpr int kSignalCheckMs = 100;

void run_beside_signals(const std::function<void()>& body, cm::StopSource& stop) {
  DoneFlag done;
  std::thread helper = start_unsignalled(body, done);
  for (;;) {
    bool finished;
    {
      py::gil_scoped_release nogil;
      finished = done.wait(kSignalCheckMs);
    }
    if (finished) break;
    if (PyErr_CheckSignals() == 0) continue;  // a handler ran and raised nothing
    py::error_already_set raised;             // KeyboardInterrupt (or a handler's exception)
    stop.request_stop();
    {
      py::gil_scoped_release nogil;  // the call may need the GIL to end (a token provider)
      helper.join();
    }
    throw raised;
  }
  py::gil_scoped_release nogil;
  helper.join();
}

}  // namespace detail

void init_interruptible(py::module_& m) {
  py::class_<CallStop>(m, "_CallStop", "Stops one waiting call of a Client (creditmeter.aio cancels with it).")
      .def(py::init<>())
      .def("request_stop", [](CallStop& s) { return s.source.request_stop(); })
      .def_property_readonly("stop_requested", [](const CallStop& s) { return s.source.stop_requested(); });
}

}  // namespace creditmeter_python
