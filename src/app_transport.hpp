#pragma once
// The scheduler's Transport over the app's own HTTP stack (ClientOptions::transport, the C
// ABI's transport_send): requests go out through HttpTransport::send, and each call's
// completion, from whatever thread the app delivers it on, is queued and run on the
// scheduler thread inside poll(), as libcurl's are. A call the app never completes is
// abandoned at its timeout (an offline answer; the app's cancel is called). Completions
// that come after that, or after the transport is gone, are ignored: a call holds only a
// weak reference to the transport's shared state.

#include <memory>

#include "transport.hpp"

namespace creditmeter {
class Clock;
namespace detail {

class AppTransport final : public Transport {
 public:
  AppTransport(std::shared_ptr<HttpTransport> app, Clock& clock);
  ~AppTransport() override;

  using Transport::perform;
  // The Transport interface (src/transport.hpp), as CurlTransport implements it: the same
  // list of overrides in both headers is the interface, not a copy.
  HttpResponse perform(const HttpRequest& request, const StopToken& stop) override;
  void submit(HttpRequest request, Completion done) override;
  void poll(std::chrono::milliseconds max_wait, int wake_fd) override;
  void wakeup() override;
  void abort_all() override;
  std::size_t in_flight() const override;

  struct Shared;  // the calls' view of this transport: outlives it while calls are out

 private:
  // Hands `call` to the app, outside every lock; an exception from the app fails it.
  void send(const HttpRequest& request, const std::shared_ptr<TransportCall>& call);
  void cancel(const std::shared_ptr<TransportCall>& call);
  // Runs the answered and the timed-out calls' completions; false when there were none.
  bool complete_due();

  std::shared_ptr<HttpTransport> app_;
  Clock& clock_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace detail
}  // namespace creditmeter
