// creditmeter.Client: a cm::Client for Python (init_client registers it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "binding.hpp"
#include "session.hpp"

namespace creditmeter_python {

// A strong reference to the C++ Client for the length of one call. If it turns out to be
// the last one (close() ran meanwhile), ~Client runs here with the GIL released.
struct ClientRef {
  std::shared_ptr<cm::Client> ptr;
  ~ClientRef();
  cm::Client* operator->() const { return ptr.get(); }
};

// creditmeter._native._FlushCancel: creditmeter.aio cancels the flush of a cancelled task with it.
struct FlushCancel {
  std::atomic<bool> cancelled{false};
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
  // Stops every session of the client and delivers their usage for at most
  // shutdown_timeout. Idempotent. Sessions stay usable for stats(). Wakes flush() calls in
  // progress on other threads (they return False); the last of them to leave shuts down.
  void close();
  // Called by the atexit hook with the registry lock held: close() without the shutdown.
  std::shared_ptr<cm::Client> take() {
    closing_ = true;
    return std::move(client_);
  }

  SessionHolder start_session(const std::string& model, const std::string& surface, bool audio_only,
                              py::object on_state_change, const std::string& session_id, py::object on_balance,
                              py::object on_low_balance, double low_balance_minutes,
                              std::optional<double> low_balance_credits, std::optional<double> max_credits);
  // `cancel` (creditmeter.aio) ends the wait early, like close() and Ctrl-C.
  bool flush(double timeout_s, const FlushCancel* cancel);
  cm::CreditSummary credit_summary();
  std::int64_t estimate(const std::string& model, const std::string& surface);
  cm::ClientUsage usage();
  void set_max_credits(std::optional<double> max_credits);

 private:
  std::shared_ptr<cm::Client> client_;  // guarded by g_registry_mutex
  std::atomic<bool> closing_{false};     // close() ran: flush() calls in progress return
};

}  // namespace creditmeter_python
