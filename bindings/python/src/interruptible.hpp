// Waiting calls of the C++ API (start_session, flush, credit_summary, estimate) run with the
// GIL released and a cm::StopToken, so that they end at once when:
//  - creditmeter.aio cancels them (it passes a _CallStop and stops it),
//  - close() runs on another thread (the C++ Client interrupts its calls itself),
//  - Ctrl-C is pressed while the main thread waits in one.
// Python runs signal handlers on the main thread only, between bytecodes: a thread inside C++
// never sees them. So on the main thread the call runs on a helper thread (signals blocked
// there) while the main thread waits in poll() on an eventfd: a signal ends the poll (EINTR,
// Python's handlers are installed without SA_RESTART), or, when the kernel gave it to another
// thread or it came just before the poll, the poll's 100 ms bound does; Python's handlers run
// (PyErr_CheckSignals), and the exception one raises (KeyboardInterrupt) stops the call,
// which returns at once, and is raised. Other threads make the call directly.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "binding.hpp"

namespace creditmeter_python {

// creditmeter._native._CallStop: a cm::StopSource for one call (creditmeter.aio).
struct CallStop {
  cm::StopSource source;
};

void init_interruptible(py::module_& m);

namespace detail {

bool on_main_thread();

// Runs `body` on a helper thread with every signal blocked, waiting for it in poll() with the
// GIL released; on a signal, runs Python's handlers; if one raises, requests `stop`, waits for
// `body` to end and rethrows the Python exception. Under the GIL.
void run_beside_signals(const std::function<void()>& body, cm::StopSource& stop);

}  // namespace detail

// Calls fn(token) with the GIL released (see above); `given` is the caller's _CallStop, if any.
// Under the GIL.
template <typename Fn>
auto call_interruptibly(const CallStop* given, Fn&& fn) -> decltype(fn(std::declval<cm::StopToken>())) {
  using R = decltype(fn(std::declval<cm::StopToken>()));
  cm::StopSource stop = given != nullptr ? given->source : cm::StopSource();
  if (!detail::on_main_thread()) {
    py::gil_scoped_release nogil;
    return fn(stop.get_token());
  }
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
  std::exception_ptr error;
  detail::run_beside_signals(
      [&] {
        try {
          if constexpr (std::is_void_v<R>) {
            fn(stop.get_token());
            result.emplace(true);
          } else {
            result.emplace(fn(stop.get_token()));
          }
        } catch (...) {
          error = std::current_exception();
        }
      },
      stop);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) return std::move(*result);
}

}  // namespace creditmeter_python
