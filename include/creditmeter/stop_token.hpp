#pragma once
// Interrupting a Client's waiting calls (start_session, flush, credit_summary, estimate) from
// another thread: a StopSource makes StopTokens; a call given a token returns at once when
// the source's request_stop() runs (before or during the call). Shaped like C++20's
// std::stop_source / std::stop_token (this library is C++17); with C++20, bridge one with
// `std::stop_callback cb(std_token, [&] { source.request_stop(); });`.
//
// What an interrupted call does (docs/LIFECYCLE.md, "Interrupting calls"):
//  - start_session() throws Interrupted. If the token exchange may already have reached the
//    server, the session the server may have made is released in the background (a re-attach
//    and a release carrying 0 ms, through the scheduler and the journal): no slot is leaked,
//    nothing is billed. A start interrupted after its answer came stops that session the same
//    way: Interrupted always means "no session for you, none left behind".
//  - credit_summary() and estimate() throw Interrupted; nothing changed on the server.
//  - flush() returns false (what it says when the timeout passes); the usage it asked to
//    send goes on being delivered by the scheduler.
// Client::close() (or ~Client) on another thread interrupts the calls in progress the same way.

#include "creditmeter/export.h"

#include <memory>
#include <string>

#include "creditmeter/errors.hpp"

namespace creditmeter {

namespace detail {
struct StopState;
struct StopAccess;
}  // namespace detail

// Says whether a stop was requested. Cheap to copy; any thread. A default-made token never
// stops (the calls' overloads without a token use one).
class CREDITMETER_API StopToken {
 public:
  StopToken() noexcept = default;
  bool stop_requested() const noexcept;
  // False for a default-made token: no request can ever come.
  bool stop_possible() const noexcept { return static_cast<bool>(state_); }

 private:
  friend class StopSource;
  friend struct detail::StopAccess;
  explicit StopToken(std::shared_ptr<detail::StopState> state) noexcept : state_(std::move(state)) {}
  std::shared_ptr<detail::StopState> state_;
};

// Owns one stop state. Copies share it (like std::stop_source). request_stop() may be called
// from any thread, once or many times; it wakes the calls waiting with its tokens before it
// returns (it never waits for them to finish). It is not async-signal-safe: from a signal
// handler, set a flag and call it from a thread.
class CREDITMETER_API StopSource {
 public:
  StopSource();
  // True when this call made the request (the first one).
  bool request_stop() noexcept;
  bool stop_requested() const noexcept;
  StopToken get_token() const noexcept { return StopToken(state_); }

 private:
  std::shared_ptr<detail::StopState> state_;
};

}  // namespace creditmeter
