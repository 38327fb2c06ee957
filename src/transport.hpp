#pragma once
// The I/O layer under the scheduler: an interface, so libcurl (curl_transport), the app's own
// HTTP stack (app_transport) and a scripted fake (unit tests) are interchangeable.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "creditmeter/stop_token.hpp"
#include "creditmeter/transport.hpp"

namespace creditmeter {
namespace detail {

// The request is the public one (an app's HttpTransport receives it as it is).
using HttpRequest = creditmeter::HttpRequest;

struct HttpResponse {
  int status = 0;           // 0: no HTTP answer (see error)
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
  std::string location;     // the Location header of a redirect (never followed), if any
  std::string error;        // why there is no usable answer (transport, TLS, size cap)
  bool aborted = false;     // cancelled by abort_all() (shutdown)
  bool interrupted = false; // perform() ended by its StopToken (status 0)
  bool request_sent = false;  // with `interrupted`: some of the request was on the wire (the server may act on it)
};

using Completion = std::function<void(HttpResponse)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Synchronous request from any thread (token exchange at start, credit summary). Returns at
  // once, `interrupted`, when `stop` is requested before or during it (the transfer is
  // closed); otherwise at the answer or the request's timeout.
  virtual HttpResponse perform(const HttpRequest& request, const StopToken& stop) = 0;
  HttpResponse perform(const HttpRequest& request) { return perform(request, StopToken{}); }
  // Asynchronous request, scheduler thread only: `done` runs later inside poll().
  virtual void submit(HttpRequest request, Completion done) = 0;
  // Scheduler thread: drives transfers, waits up to `max_wait` for I/O, wakeup() or
  // `wake_fd` becoming readable (the scheduler's timer, which counts suspended time; -1:
  // none; poll() never reads it), then runs the completions of finished transfers.
  virtual void poll(std::chrono::milliseconds max_wait, int wake_fd) = 0;
  // Any thread: makes a waiting poll() return at once.
  virtual void wakeup() = 0;
  // Scheduler thread: ends every transfer in flight; their completions run (aborted) now.
  // Also interrupts synchronous requests of other threads.
  virtual void abort_all() = 0;
  virtual std::size_t in_flight() const = 0;
};

}  // namespace detail
}  // namespace creditmeter
