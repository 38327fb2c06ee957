// The HTTP(S) shell around the ledger: routes, request validation at the transport level
// (size caps, api-secret before the body), fault injection, group-committed persistence.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>

#include "faults.hpp"
#include "ledger.hpp"
#include "options.hpp"
#include "state_store.hpp"

namespace creditmeter::emulator {

// Request bodies larger than this are refused with 413: the protocol's bodies are tiny.
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

class EmulatorServer {
 public:
  // Loads --state (replaying its log), seeds accounts. Throws std::runtime_error on bad
  // state, certificates or addresses.
  explicit EmulatorServer(Options options);
  ~EmulatorServer();

  // Binds and starts listening (backlog 1024); returns the bound port.
  int bind();
  // Serves until stop(); then persists a final snapshot. Call after bind().
  void run();
  // Safe from any thread (and from a signal-handling thread).
  void stop();

 private:
  // Reads the request body; false when it failed (status 413 or 400 already chosen).
  using BodySource = std::function<bool(std::string& body, int& failure_status)>;

  void install_routes();
  void serve_api(const httplib::Request& req, httplib::Response& res, Op op, const BodySource& read_body);
  void serve_admin(const httplib::Request& req, httplib::Response& res, Op op, const BodySource& read_body);
  void serve_faults(const httplib::Request& req, httplib::Response& res, const BodySource& read_body);
  // Applies `call` to the ledger and, when it changed state, waits until it is durable.
  Reply process(Call call);
  void replay_state();
  void seed_accounts();

  Options options_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<StateStore> store_;
  FaultPlan faults_;
  std::mutex ledger_mutex_;  // orders every call to the ledger (and their log records)
  Ledger ledger_;
  std::atomic<bool> stopping_{false};
  // Held for the whole of stop(): run() and the destructor take it before tearing anything
  // down, so a stop() still running on another thread (the signal thread) never touches
  // the fault plan or the HTTP server after they are destroyed.
  std::mutex stop_mutex_;
  int listen_fd_ = -1;
};

// Writes a Reply into a cpp-httplib response.
void send_reply(httplib::Response& res, const Reply& reply);

}  // namespace creditmeter::emulator
