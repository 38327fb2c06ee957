#pragma once
// The app's own HTTP stack: an app that wants its requests to go through the platform's
// stack (URLSession, OkHttp: the OS's proxies, VPN, certificate store and pinning) gives the
// Client an HttpTransport. Every request then goes through it, the token exchange included;
// the SDK keeps all of its logic (idempotency keys, retries, Retry-After, grace, journal,
// re-attach, flush and shutdown deadlines): the transport only carries bytes.
// The C ABI's cm_transport_send_fn is the same hook (docs/INTEGRATION.md, "Mobile").

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace creditmeter {

// One request. The headers carry the API secret or a session token ("Authorization: ..."):
// keep them out of your HTTP stack's logging.
struct HttpRequest {
  std::string method = "POST";       // "GET" or "POST"
  std::string url;                   // absolute
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  // Complete or fail the call within this; the SDK abandons it afterwards (offline, retried).
  std::chrono::milliseconds timeout{15000};
};

// One request in flight. Complete or fail it exactly once, from any thread (also inside
// HttpTransport::send). A completion after the call timed out, after it was cancelled or
// after its Client was destroyed is ignored safely. Calling both, or one twice, is a bug in
// the transport (the second is ignored).
class TransportCall {
 public:
  virtual ~TransportCall() = default;
  // The server answered: its status, headers ("Name: value"; the SDK reads Retry-After) and
  // body. Do not follow redirects: pass a 3xx on as it is.
  virtual void complete(int http_status, std::vector<std::string> headers, std::string body) = 0;
  // No answer (DNS, connection, TLS, timeout): the SDK treats it as offline and retries.
  virtual void fail(std::string message) = 0;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Starts `request` and returns; complete `call` when the answer is in. Runs on the
  // scheduler thread, or for Client::start_session() and Client::credit_summary() on the
  // calling thread, which then blocks until the call completes or times out: never deliver
  // that completion on the blocked thread. Never called under an SDK lock. Must not throw
  // (an exception is taken as fail()).
  virtual void send(const HttpRequest& request, std::shared_ptr<TransportCall> call) = 0;
  // Optional: the SDK gave up on `call` (its timeout passed, or the Client is shutting
  // down). Stop the transfer if you can; complete or fail it anyway (it is ignored).
  // Runs on the thread that gave up (scheduler or caller), never under an SDK lock.
  virtual void cancel(const std::shared_ptr<TransportCall>& call) { (void)call; }
};

}  // namespace creditmeter
