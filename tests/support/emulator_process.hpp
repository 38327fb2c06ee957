// Test fixture shared by every test suite of creditmeter: runs a real creditmeter-emulator
// process on a free loopback port and talks to it (admin API and raw HTTP).
//
// The emulator binary is the one built in this tree (compile definition
// CREDITMETER_EMULATOR_PATH), unless the environment variable CREDITMETER_EMULATOR names
// another one.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace creditmeter::testing {

// ---- raw HTTP -----------------------------------------------------------------------------

struct HttpResponse {
  int status = 0;                              // 0 when no answer arrived (see `error`)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;                           // transport error, empty when an answer came

  bool ok() const { return status >= 200 && status < 300; }
  // The body parsed as JSON, or a discarded value (is_discarded()) when it is not JSON.
  nlohmann::json json() const;
  // The header's value, or "" (name case-insensitive).
  std::string header(const std::string& name) const;
  // The envelope's error code ("" when there is none).
  std::string error_code() const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection. `url` is "http(s)://host:port/path?query"; TLS
// certificates are not verified. Never throws for transport errors: see HttpResponse::error.
HttpResponse http_request(const std::string& method, const std::string& url, const HttpHeaders& headers = {},
                          const std::string& body = "",
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// Percent-encodes `text` for a URL query value (RFC 3986 unreserved characters pass).
std::string url_encode(const std::string& text);

// Polls `predicate` every `poll` until it is true (returns true) or `timeout` passes
// (returns false). Use it instead of sleeping.
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10));

// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The emulator binary the fixture runs.
std::string emulator_path();

// ---- the emulator process -------------------------------------------------------------------

struct EmulatorOptions {
  std::vector<std::string> extra_args;  // appended to the command line (e.g. "--verbose")
  std::string state_path;               // --state; empty = no persistence
  std::string tls_cert, tls_key;        // --tls-cert/--tls-key: serve HTTPS
};

class EmulatorProcess {
 public:
  // Spawns creditmeter-emulator --host 127.0.0.1 --port 0 --port-file <tmp> --quiet ...
  // and waits (10 s at most) until it listens. Throws std::runtime_error if it does not.
  explicit EmulatorProcess(EmulatorOptions options = {});
  ~EmulatorProcess();  // SIGTERM, then SIGKILL if it has not exited within 5 s
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  std::string base_url() const;  // "http://127.0.0.1:PORT" ("https://..." with TLS)

  // An admin call; returns the answer's `data` (the whole body if it has none). Throws
  // std::runtime_error on a non-2xx answer or a transport error, with the answer in the message.
  nlohmann::json admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr);

  void create_account(const std::string& api_secret, const std::string& plan, double balance,
                      std::optional<int> max_concurrent = std::nullopt);
  void topup(const std::string& api_secret, double credits);
  void revoke(const std::string& api_secret);
  // The account as GET /admin/accounts?api_secret= shows it (balance, plan_credits, ...).
  nlohmann::json account(const std::string& api_secret);
  // POST /admin/config {heartbeat_interval_s?, offline_grace_s?, token_ttl_s?}.
  void configure(const nlohmann::json& config);
  // POST /admin/faults; returns the rule as stored (with its id).
  nlohmann::json fault(const nlohmann::json& rule);
  void clear_faults();
  // {"sessions":[{session_id, active_ms, credits_charged, heartbeats, replays, released, ...}]}
  nlohmann::json ledger();
  // The session's ledger row, or null when the emulator does not know it.
  nlohmann::json ledger_session(const std::string& session_id);
  // The charged usage events [{event_id, session_id, action, quantity, credits_charged}] in
  // the order they were charged; only the session's when session_id is given.
  nlohmann::json ledger_events(const std::string& session_id = "");
  // POST /admin/prices {"<action>": price per unit, ...}; returns the whole price list.
  nlohmann::json set_prices(const nlohmann::json& prices);

  // Graceful stop (SIGTERM, state persisted) and start again with the same options and
  // --state, on the same port if it can be bound again, else on a new free port (port()
  // and base_url() tell which). Also starts a stopped or killed emulator.
  void restart();
  // Graceful stop; restart() starts it again.
  void stop();
  // SIGKILL, no chance to persist anything beyond what was acknowledged (crash tests).
  void kill_hard();

 private:
  void start(int port);
  bool try_start(int port, std::string& failure);

  EmulatorOptions options_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace creditmeter::testing
