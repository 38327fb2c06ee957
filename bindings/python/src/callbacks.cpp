// The adapters between the SDK's std::function callbacks and Python callables (callbacks.hpp).

#include "callbacks.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "conversions.hpp"
#include "interpreter_exit.hpp"
#include "py_callable.hpp"

namespace creditmeter_python {

thread_local bool t_callback_thread = false;

namespace {

// Logs the Python exception `err` (from a user callback) through logging.getLogger
// ("creditmeter"); falls back to sys.unraisablehook. Under the GIL.
void log_callback_exception(py::error_already_set& err, const std::string& what) {
  try {
    py::object logger = py::module_::import("logging").attr("getLogger")("creditmeter");
    py::object trace = err.trace() ? py::reinterpret_borrow<py::object>(err.trace()) : py::none();
    py::tuple exc_info = py::make_tuple(err.type(), err.value(), trace);
    logger.attr("error")("%s raised an exception; the session goes on", what, py::arg("exc_info") = exc_info);
  } catch (py::error_already_set& again) {
    again.discard_as_unraisable(what.c_str());
    err.discard_as_unraisable(what.c_str());
  }
}

}  // namespace

void write_stderr(const std::string& line) {
  std::fprintf(stderr, "creditmeter: %s\n", line.c_str());
  std::fflush(stderr);
}

cm::StateChangeCallback make_state_callback(py::object fn, std::string session_label) {
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder, session_label](const cm::StateChange& change) {
    t_callback_thread = true;
    PyEntry entry;
    if (!entry.ok()) return;
    py::gil_scoped_acquire gil;
    try {
      holder->fn(PyStateChange{change});
    } catch (py::error_already_set& err) {
      log_callback_exception(err, "the state-change callback" + session_label);
    } catch (const std::exception& e) {
      write_stderr("state-change callback" + session_label + " failed: " + e.what());
    }
  };
}

// on_balance / on_low_balance: like the state-change callback (callback thread, takes the
// GIL, exceptions logged), called with a BalanceUpdate.
cm::BalanceCallback make_balance_callback(py::object fn, std::string what) {
  if (fn.is_none()) return nullptr;
  if (!PyCallable_Check(fn.ptr())) throw py::type_error(what + ": expected a callable or None");
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder, what](const cm::BalanceUpdate& update) {
    t_callback_thread = true;
    PyEntry entry;
    if (!entry.ok()) return;
    py::gil_scoped_acquire gil;
    try {
      holder->fn(update);
    } catch (py::error_already_set& err) {
      log_callback_exception(err, "the " + what + " callback");
    } catch (const std::exception& e) {
      write_stderr(what + " callback failed: " + e.what());
    }
  };
}

cm::EventRejectedCallback make_event_rejected_callback(py::object fn, std::string what) {
  if (fn.is_none()) return nullptr;
  if (!PyCallable_Check(fn.ptr())) throw py::type_error(what + ": expected a callable or None");
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder, what](const cm::RejectedEvent& event) {
    t_callback_thread = true;
    PyEntry entry;
    if (!entry.ok()) return;
    py::gil_scoped_acquire gil;
    try {
      holder->fn(event);
    } catch (py::error_already_set& err) {
      log_callback_exception(err, "the " + what + " callback");
    } catch (const std::exception& e) {
      write_stderr(what + " callback failed: " + e.what());
    }
  };
}

cm::TokenProvider make_token_provider(py::object fn) {
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder](const std::string& session_id) -> std::string {
    PyEntry entry;
    if (!entry.ok()) throw std::runtime_error("token_provider: the Python interpreter is exiting");
    py::gil_scoped_acquire gil;
    try {
      py::object answer = holder->fn(session_id);
      if (py::isinstance<py::bytes>(answer)) return answer.cast<std::string>();
      if (py::isinstance<py::str>(answer)) return answer.cast<std::string>();
      // A dict (already parsed JSON): serialise it.
      return py::module_::import("json").attr("dumps")(answer).cast<std::string>();
    } catch (py::error_already_set& err) {
      std::string what = err.what();
      throw std::runtime_error("token_provider raised: " + what);
    }
  };
}

void init_callbacks(py::module_& m) {
  // Tells a test whether a callback runs on a client's callback thread.
  m.def("_is_callback_thread", [] { return t_callback_thread; });
}

}  // namespace creditmeter_python
