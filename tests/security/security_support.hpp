#pragma once
// Helpers of the security suite: certificates made with the openssl CLI, a capture of every
// log line and exception message, and a deadline-bounded child-process wait.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <creditmeter/creditmeter.hpp>

#include "emulator_process.hpp"

namespace creditmeter {
namespace testing {

inline int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline bool have_openssl_cli() { return run_shell("command -v openssl > /dev/null 2>&1") == 0; }

// First statement of a TLS test case: the certificates are made with the openssl CLI.
#define CREDITMETER_NEEDS_OPENSSL_CLI()                   \
  do {                                                    \
    if (!have_openssl_cli()) {                            \
      WARN("openssl CLI not found: TLS test skipped");    \
      return;                                             \
    }                                                     \
  } while (0)

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A CA and a server certificate it signed, for 127.0.0.1 and localhost (subjectAltName).
struct Pki {
  std::string ca_cert, ca_key, server_cert, server_key;
};

// Makes a CA + server certificate in `dir` (names prefixed by `name`). EC P-256 keys: quick.
inline Pki make_pki(const TempDir& dir, const std::string& name) {
  Pki p{dir.file(name + "-ca.pem"), dir.file(name + "-ca.key"), dir.file(name + "-server.pem"),
        dir.file(name + "-server.key")};
  const std::string ext = dir.file(name + "-ext.cnf"), csr = dir.file(name + "-server.csr");
  {
    std::ofstream e(ext);
    e << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
         "basicConstraints=CA:FALSE\n"
         "keyUsage=digitalSignature,keyEncipherment\n"
         "extendedKeyUsage=serverAuth\n";
  }
  const std::string quiet = " > /dev/null 2>&1";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  if (run_shell("openssl req -x509" + ec + " -days 2 -subj /CN=creditmeter-test-ca-" + name + " -keyout " + p.ca_key +
                " -out " + p.ca_cert + quiet) != 0 ||
      run_shell("openssl req" + ec + " -subj /CN=127.0.0.1 -keyout " + p.server_key + " -out " + csr + quiet) != 0 ||
      run_shell("openssl x509 -req -in " + csr + " -CA " + p.ca_cert + " -CAkey " + p.ca_key +
                " -CAcreateserial -days 2 -extfile " + ext + " -out " + p.server_cert + quiet) != 0) {
    throw std::runtime_error("openssl could not make the test certificates");
  }
  return p;
}

// libcurl's pin of a certificate's public key: "sha256//<base64 of SHA-256 of the DER SPKI>".
inline std::string pin_of(const TempDir& dir, const std::string& cert) {
  const std::string out = dir.file("pin.txt");
  if (run_shell("openssl x509 -in " + cert + " -pubkey -noout | openssl pkey -pubin -outform der | "
                "openssl dgst -sha256 -binary | base64 > " + out + " 2> /dev/null") != 0) {
    throw std::runtime_error("openssl could not compute the pin");
  }
  return "sha256//" + trim(read_text(out));
}

// Every log line, from any SDK thread.
class LogCapture {
 public:
  LogCallback callback() {
    return [this](LogLevel level, const std::string& message) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(to_string(level) + ": " + message);
    };
  }
  void add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  bool contains(const std::string& needle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& l : lines_) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Every regular file under `root`, concatenated (journal inspection).
inline std::string all_files_under(const std::string& root) {
  std::string all;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) all += read_text(it->path().string());
  }
  return all;
}

// waitpid with a deadline: the exit code, or -1 after SIGKILL when `deadline` passed (a
// hang), or -2 when the child died of a signal.
inline int wait_child(pid_t pid, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return -3;
    if (std::chrono::steady_clock::now() > end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waitpid(WNOHANG) poll under a deadline
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -2;
}

}  // namespace testing
}  // namespace creditmeter
