// A Python callable owned by C++ code (callbacks.cpp, log_relay.cpp).
#pragma once

#include <utility>

#include "binding.hpp"
#include "interpreter_exit.hpp"

namespace creditmeter_python {

// The SDK copies std::function objects freely on its own threads: they hold a
// shared_ptr<PyCallable> (copying it needs no GIL), and the last owner's destructor takes the
// GIL to drop the reference (or leaks it at exit).
struct PyCallable {
  explicit PyCallable(py::object f) : fn(std::move(f)) {}
  PyCallable(const PyCallable&) = delete;
  PyCallable& operator=(const PyCallable&) = delete;
  ~PyCallable() {
    if (PyGILState_Check()) {  // already under the GIL (a Python thread)
      fn = py::object();
      return;
    }
    PyEntry entry;
    if (!entry.ok()) {
      fn.release();  // the interpreter is going away: leaking beats crashing
      return;
    }
    py::gil_scoped_acquire gil;
    fn = py::object();
  }
  py::object fn;
};

}  // namespace creditmeter_python
