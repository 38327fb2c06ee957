#include "emulator_process.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace creditmeter::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartDeadline = 10s;
constexpr auto kStopDeadline = 5s;

// Waits for `pid` to exit, up to `deadline`; true when reaped.
bool reap(pid_t pid, std::chrono::milliseconds deadline) {
  return wait_until([pid] {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    return r == pid || (r < 0 && errno == ECHILD);
  }, deadline, 5ms);
}

std::string read_port_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/creditmeter-test-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string emulator_path() {
  if (const char* env = std::getenv("CREDITMETER_EMULATOR"); env && *env) return env;
#ifdef CREDITMETER_EMULATOR_PATH
  return CREDITMETER_EMULATOR_PATH;
#else
  throw std::runtime_error("no emulator: build creditmeter-emulator or set CREDITMETER_EMULATOR");
#endif
}

EmulatorProcess::EmulatorProcess(EmulatorOptions options) : options_(std::move(options)) { start(0); }

EmulatorProcess::~EmulatorProcess() { stop(); }

std::string EmulatorProcess::base_url() const {
  return std::string(options_.tls_cert.empty() ? "http" : "https") + "://127.0.0.1:" + std::to_string(port_);
}

bool EmulatorProcess::try_start(int port, std::string& failure) {
  const std::string port_file = dir_.file("port");
  std::filesystem::remove(port_file);
  std::vector<std::string> args = {emulator_path(), "--host", "127.0.0.1", "--port", std::to_string(port),
                                   "--port-file", port_file, "--quiet"};
  if (!options_.state_path.empty()) args.insert(args.end(), {"--state", options_.state_path});
  if (!options_.tls_cert.empty()) args.insert(args.end(), {"--tls-cert", options_.tls_cert, "--tls-key", options_.tls_key});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // The emulator is a test tool, not the code under test. It closes connections for its
  // fault modes by scanning /proc/self/fd behind cpp-httplib's back (docs/EMULATOR.md): a
  // deliberate, benign fd race that would make a ThreadSanitizer-built emulator abort in the
  // sanitizer runs of the SDK's tests. Its reports are silenced; the SDK's are not.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "TSAN_OPTIONS=", 13) != 0) env.emplace_back(*e);
  }
  env.emplace_back("TSAN_OPTIONS=report_bugs=0");
  std::vector<char*> envp;
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  if (const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()); rc != 0) {
    failure = "cannot run " + args[0] + ": " + std::strerror(rc);
    return false;
  }
  std::string port_text;
  int exit_status = 0;
  bool exited = false;
  const bool listening = wait_until([&] {
    if (waitpid(pid, &exit_status, WNOHANG) == pid) return exited = true;
    port_text = read_port_file(port_file);
    return !port_text.empty();
  }, kStartDeadline, 5ms);
  if (listening && !exited) {
    pid_ = pid;
    port_ = std::stoi(port_text);
    return true;
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    reap(pid, kStopDeadline);
    failure = args[0] + " did not listen within 10 s";
  } else {
    failure = args[0] + " exited with status " + std::to_string(WEXITSTATUS(exit_status)) + " (see its stderr above)";
  }
  return false;
}

void EmulatorProcess::start(int port) {
  std::string failure;
  if (try_start(port, failure)) return;
  // The old port may have been taken meanwhile: a new free one is better than no emulator.
  if (port != 0 && try_start(0, failure)) return;
  throw std::runtime_error("creditmeter-emulator: " + failure);
}

void EmulatorProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!reap(pid_, kStopDeadline)) {
    ::kill(pid_, SIGKILL);
    reap(pid_, kStopDeadline);
  }
  pid_ = -1;
}

void EmulatorProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(pid_, kStopDeadline);
  pid_ = -1;
}

void EmulatorProcess::restart() {
  stop();
  start(port_);
}

nlohmann::json EmulatorProcess::admin(const std::string& method, const std::string& path, const nlohmann::json& body) {
  const auto response = http_request(method, base_url() + path, {}, body.is_null() ? "" : body.dump());
  if (!response.ok()) {
    throw std::runtime_error("emulator admin " + method + " " + path + " failed: " +
                             (response.status == 0 ? response.error
                                                   : std::to_string(response.status) + " " + response.body));
  }
  auto json = response.json();
  if (json.is_object() && json.contains("data")) return json["data"];
  return json;
}

void EmulatorProcess::create_account(const std::string& api_secret, const std::string& plan, double balance,
                                     std::optional<int> max_concurrent) {
  nlohmann::json body = {{"api_secret", api_secret}, {"plan", plan}, {"balance", balance}};
  if (max_concurrent) body["max_concurrent"] = *max_concurrent;
  admin("POST", "/admin/accounts", body);
}

void EmulatorProcess::topup(const std::string& api_secret, double credits) {
  admin("POST", "/admin/accounts/topup", {{"api_secret", api_secret}, {"credits", credits}});
}

void EmulatorProcess::revoke(const std::string& api_secret) {
  admin("POST", "/admin/accounts/revoke", {{"api_secret", api_secret}});
}

nlohmann::json EmulatorProcess::account(const std::string& api_secret) {
  return admin("GET", "/admin/accounts?api_secret=" + url_encode(api_secret));
}

void EmulatorProcess::configure(const nlohmann::json& config) { admin("POST", "/admin/config", config); }

nlohmann::json EmulatorProcess::fault(const nlohmann::json& rule) { return admin("POST", "/admin/faults", rule); }

void EmulatorProcess::clear_faults() { admin("DELETE", "/admin/faults"); }

nlohmann::json EmulatorProcess::ledger() { return admin("GET", "/admin/ledger"); }

nlohmann::json EmulatorProcess::ledger_session(const std::string& session_id) {
  const auto rows = admin("GET", "/admin/ledger?session_id=" + url_encode(session_id))["sessions"];
  return rows.empty() ? nlohmann::json(nullptr) : rows[0];
}

nlohmann::json EmulatorProcess::ledger_events(const std::string& session_id) {
  const std::string query = session_id.empty() ? "" : "?session_id=" + url_encode(session_id);
  return admin("GET", "/admin/ledger" + query)["events"];
}

nlohmann::json EmulatorProcess::set_prices(const nlohmann::json& prices) {
  return admin("POST", "/admin/prices", prices)["prices"];
}

}  // namespace creditmeter::testing
