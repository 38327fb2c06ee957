// Python callables handed to the C++ API: state-change, balance and log callbacks and the token
// provider. The SDK may call them on its own threads, so each adapter enters Python through a
// PyEntry, takes the GIL, and turns a Python exception into a log line (callbacks) or a C++
// exception (the token provider, whose failure the SDK handles).
#pragma once

#include <chrono>
#include <string>

#include "binding.hpp"

namespace creditmeter_python {

// True on the clients' callback threads (set by the first state-change or balance callback they
// run). flush() reads it: called from a callback, it returns False at once (the C++ rule).
extern thread_local bool t_callback_thread;

// One line on stderr, for when Python cannot be entered (at exit) or failed itself.
void write_stderr(const std::string& line);

// `fn` must be callable; `session_label` ends the name used in the log (" of session <id>").
cm::StateChangeCallback make_state_callback(py::object fn, std::string session_label);
// None -> no callback; else `fn` must be callable. `what` names the callback in errors and logs ("on_balance").
cm::BalanceCallback make_balance_callback(py::object fn, std::string what);
// on_event_rejected: the same rules, called with a RejectedEvent.
cm::EventRejectedCallback make_event_rejected_callback(py::object fn, std::string what);
// None -> the 'creditmeter' logger of Python's logging module; else fn(level: str, message: str).
// Lines reach Python on the log relay's thread, never on the SDK thread that logs (log_relay.cpp).
cm::LogCallback make_log_callback(py::object fn);
// At interpreter exit: waits (at most `timeout`) until the lines already logged reached Python.
// Under the GIL, which it releases meanwhile.
void drain_log_relay(std::chrono::milliseconds timeout);
// fn(session_id) -> str, bytes or a dict (serialised as JSON).
cm::TokenProvider make_token_provider(py::object fn);

}  // namespace creditmeter_python
