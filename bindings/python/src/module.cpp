// creditmeter._native: the pybind11 shell over the C++ API. It holds no logic of its own
// beyond what Python needs: the GIL, callbacks that take it, exceptions, float seconds and a
// clean interpreter exit. The public package is `creditmeter` (see creditmeter/__init__.py);
// docs/PYTHON.md documents the Python API and its threading rules.
//
// One file per concept, each with an init_* function declared in binding.hpp:
//   errors.cpp            C++ exceptions -> creditmeter._errors
//   conversions.cpp       float seconds, log levels, the value types (StateChange, SessionStats, ...)
//   callbacks.cpp         Python callables run by the SDK's threads
//   log_relay.cpp         SDK log lines to Python on a thread of their own (never the I/O thread)
//   session.cpp           creditmeter.Session and its fast frame()/may_render()
//   interruptible.cpp     waiting calls that Ctrl-C, close() and creditmeter.aio end at once
//   client.cpp            creditmeter.Client
//   interpreter_exit.cpp  the atexit hook; the GIL rules are in interpreter_exit.hpp

#include "binding.hpp"

PYBIND11_MODULE(_native, m) {
  using namespace creditmeter_python;
  m.doc() = "creditmeter native core (pybind11). Import `creditmeter`, not this module.";
  m.attr("__version__") = CREDITMETER_VERSION_STRING;
  // The order matters: the exception translator before anything can throw, and every type
  // before the methods that take or return it (pybind11 writes a signature's Python type names
  // when the method is defined).
  init_errors(m);
  init_value_types(m);
  init_interruptible(m);
  init_session(m);
  init_client(m);
  init_interpreter_exit(m);
  init_callbacks(m);
}
