#pragma once
// Real front servers for the tests in this folder, each a child process on a free loopback
// port: nginx terminating TLS (HTTP/2 or HTTP/1.1) with short keep-alives in front of the
// emulator, as a real API sits behind a TLS terminator or load balancer; and tinyproxy, an
// HTTP CONNECT proxy. Debian's packages (scripts/install-deps.sh); a test whose binary is
// missing says so and skips.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "emulator_process.hpp"

namespace creditmeter {
namespace testing {

// A child process with its output in a log file; SIGTERM (then SIGKILL) on destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  bool running();

 private:
  pid_t pid_ = -1;
};

// A loopback port nobody listened on a moment ago (bound to port 0, then closed).
int free_loopback_port();
// Whether a TCP connection to 127.0.0.1:port is accepted.
bool accepts_connections(int port);
// The binary's path if it is installed (PATH, /usr/sbin), else "".
std::string find_program(const std::string& name);

struct NginxOptions {
  bool http2 = true;
  std::chrono::milliseconds keepalive_timeout{1000};  // idle client connections close after this
  int keepalive_requests = 3;                         // ... and after this many requests
};

// nginx on https://127.0.0.1:<port> proxying to `upstream_port` (the emulator, plain HTTP),
// its certificate signed by ca_cert() for 127.0.0.1.
class NginxProcess {
 public:
  NginxProcess(int upstream_port, NginxOptions options);
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& ca_cert() const { return ca_cert_; }
  std::string error_log() const;

 private:
  TempDir dir_;
  std::string ca_cert_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// tinyproxy on http://127.0.0.1:<port>, CONNECT allowed to any port.
class TinyproxyProcess {
 public:
  TinyproxyProcess();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Its log: one line per CONNECT it made.
  std::string log() const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

#define CREDITMETER_NEEDS_PROGRAM(name)                              \
  do {                                                               \
    if (::creditmeter::testing::find_program(name).empty()) {        \
      WARN(name " not installed (scripts/install-deps.sh): skipped"); \
      return;                                                        \
    }                                                                \
  } while (0)

}  // namespace testing
}  // namespace creditmeter
