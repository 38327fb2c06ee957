// creditmeter.Client: a cm::Client for Python (init_client registers it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "binding.hpp"
#include "interruptible.hpp"
#include "session.hpp"

namespace creditmeter_python {

// A strong reference to the C++ Client for the length of one call. If it turns out to be
// the last one (close() ran meanwhile), ~Client runs here with the GIL released.
struct ClientRef {
  std::shared_ptr<cm::Client> ptr;
  ~ClientRef();
  cm::Client* operator->() const { return ptr.get(); }
};

// Calls that may wait release the GIL (rule 1 of interpreter_exit.hpp). The C++ client is
// shared with calls in progress (ClientRef), so close() from another thread never destroys it
// under one of them.
class PyClient {
 public:
  // The TypeError of a Client made without its constructor (checked_self.hpp).
  static constexpr const char* kUnmade = "creditmeter.Client was not initialised: make it with Client(...)";

  // Python's keyword arguments, in the order init_client declares them; registers itself with
  // the live-object registry, which shuts it down at interpreter exit.
  PyClient(const std::string& base_url, const std::string& api_secret, const py::object& journal_dir,
           const std::string& ca_file, const std::string& pinned_public_key, const std::string& proxy,
           bool allow_insecure_http, double shutdown_timeout, double connect_timeout, double request_timeout,
           double idle_after, const py::object& log, const std::string& log_level, const py::object& token_provider,
           std::optional<double> max_credits, double min_heartbeat_interval);
  ~PyClient();
  PyClient(const PyClient&) = delete;
  PyClient& operator=(const PyClient&) = delete;

  // The C++ client for one call; an Error once closed.
  ClientRef get() const;
  bool closed() const;
  // cm::Client::close() with the GIL released: stops every session and delivers their usage
  // for at most shutdown_timeout, interrupting the calls in progress on other threads
  // (start_session and credit_summary raise Interrupted, flush returns False). Idempotent.
  // Sessions stay usable for stats().
  void close();
  // Called by the atexit hook with the registry lock held: the client, for it to close.
  std::shared_ptr<cm::Client> take() { return std::move(client_); }

  // The waiting calls: `stop` (creditmeter.aio) ends them early, like close() and Ctrl-C
  // (interruptible.hpp).
  SessionHolder start_session(const std::string& model, const std::string& surface, bool audio_only,
                              py::object on_state_change, const std::string& session_id, py::object on_balance,
                              py::object on_low_balance, double low_balance_minutes,
                              std::optional<double> low_balance_credits, std::optional<double> max_credits,
                              py::object on_event_rejected, const CallStop* stop);
  bool flush(double timeout_s, const CallStop* stop);
  cm::CreditSummary credit_summary(const CallStop* stop);
  std::int64_t estimate(const std::string& model, const std::string& surface, const CallStop* stop);
  cm::ClientUsage usage();
  void set_max_credits(std::optional<double> max_credits);

 private:
  std::shared_ptr<cm::Client> client_;  // guarded by g_registry_mutex
};

}  // namespace creditmeter_python
