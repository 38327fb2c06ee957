// A clean interpreter exit: SDK threads enter Python only through a PyEntry, and the atexit hook
// (init_interpreter_exit's _at_exit) stops what is still live before the interpreter finalises.
//
// GIL rules (the reasoning behind them is in docs/PYTHON.md):
//  1. Every call that may take an SDK lock, wait or do I/O releases the GIL first. So no
//     thread ever holds the GIL while it waits for an SDK lock, and SDK threads may take the
//     GIL at any time (state-change callbacks, log messages, token provider) without deadlock.
//  2. frame() and may_render() take no lock and keep the GIL: they are an atomic store/load.
//  3. A Python callable held by C++ lives in a PyCallable (callbacks.cpp) whose destructor takes
//     the GIL, so std::function copies made by the SDK on its own threads never touch a
//     refcount unlocked.
//  4. At interpreter exit (atexit, before finalisation) live sessions are stopped and clients
//     shut down with the GIL released; from then on no SDK thread enters Python again.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "binding.hpp"

namespace creditmeter_python {

class PyClient;
class PySession;

// Set by the atexit hook: from then on SDK threads never enter Python.
extern std::atomic<bool> g_exiting;
// SDK-thread entries into Python in progress; the atexit hook waits for them to drain.
extern std::atomic<int> g_inflight;

inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

// Guards one entry of a non-Python thread into Python. `ok` is false once the interpreter
// is exiting: the caller must then not take the GIL (doing so during finalisation would end
// the thread with pthread_exit in the middle of C++ frames).
class PyEntry {
 public:
  PyEntry() {
    g_inflight.fetch_add(1);
    ok_ = !g_exiting.load() && Py_IsInitialized() && !interpreter_finalizing();
  }
  ~PyEntry() { g_inflight.fetch_sub(1); }
  PyEntry(const PyEntry&) = delete;
  PyEntry& operator=(const PyEntry&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// The live-object registry: what the atexit hook must stop and shut down. PySession and
// PyClient add and remove themselves; the mutex also guards PyClient's C++ client pointer, so
// close() and the atexit hook never both take it.
extern std::mutex g_registry_mutex;
extern std::map<PySession*, std::weak_ptr<cm::Session>> g_sessions;
extern std::vector<PyClient*> g_clients;

}  // namespace creditmeter_python
