#pragma once
// A Client wired to a FakeTransport (through ClientOptions::transport) and a ManualClock:
// the shell's threads run for real, but time and the network are the test's.

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "creditmeter/creditmeter.hpp"
#include "emulator_process.hpp"  // wait_until
#include "fake_transport.hpp"

namespace creditmeter {
namespace testing {

// The threads of this process whose name (/proc/self/task/*/comm) is `name`; all of them
// when `name` is empty.
inline int thread_count(const std::string& name = {}) {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (name.empty() || (std::getline(comm, line) && line == name)) ++n;
  }
  return n;
}

// thread_count() once the threads of this process's earlier Clients are gone (with a
// deadline): a joined thread can stay in the kernel's list a moment after join() returned
// (under qemu-user its host thread is still ending), and would count as one this test started.
inline int thread_count_settled() {
  (void)wait_until([] { return thread_count("creditmeter") == 0 && thread_count("creditmeter-cb") == 0; },
                   std::chrono::seconds(5), std::chrono::milliseconds(1));
  return thread_count();
}

inline std::string base64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : (c == '/' ? '_' : c);
  return out;
}

// An unsigned JWT: the client never verifies signatures, it only reads `exp`.
inline std::string make_jwt(std::int64_t exp, const std::string& sid = "s") {
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
         base64url(nlohmann::json{{"sub", "acct"}, {"sid", sid}, {"exp", exp}}.dump()) + ".c2ln";
}

inline detail::HttpResponse json_response(int status, const nlohmann::json& data) {
  detail::HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"data", data}, {"status", "success"}, {"status_code", status}}.dump();
  return r;
}

inline detail::HttpResponse error_response(int status, const std::string& code, nlohmann::json extra = {}) {
  nlohmann::json error = {{"code", code}, {"message", "scripted " + code}, {"httpStatus", status}};
  if (extra.is_object()) error.update(extra);
  detail::HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"error", error}, {"status", "error"}, {"status_code", status}}.dump();
  return r;
}

inline detail::HttpResponse ack_response(double balance, std::int64_t exp = 2000000000) {
  return json_response(200, {{"balance", balance}, {"credits_charged", 0.5}, {"token", make_jwt(exp)}, {"expires_at", exp}});
}

// Records state changes from the scheduler thread; the test thread waits and asserts.
class ChangeRecorder {
 public:
  StateChangeCallback callback() {
    return [this](const StateChange& c) {
      std::lock_guard<std::mutex> lock(mutex_);
      changes_.push_back(c);
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return changes_.size() >= n; });
  }
  std::vector<StateChange> changes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return changes_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<StateChange> changes_;
};

struct Harness {
  static constexpr const char* kSecret = "sk_test_unit_secret_123";
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<std::vector<std::string>> logs = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::mutex> logs_mutex = std::make_shared<std::mutex>();
  std::unique_ptr<Client> client;

  // journal_dir: "" (no journal) unless a test gives one, so that no test recovers another's.
  explicit Harness(double interval_s = 60, double grace_s = 300, std::string journal_dir = "") {
    transport->set_sync_handler([interval_s, grace_s](const detail::HttpRequest& req) {
      const auto body = nlohmann::json::parse(req.body);
      // The token names the session it was asked for (the client refuses another's).
      return json_response(200, {{"token", make_jwt(1900000000, body.at("session_id").get<std::string>())},
                                 {"transaction_id", "tx"},
                                 {"session_id", body.at("session_id")},
                                 {"expires_at", 1900000000},
                                 {"heartbeat_interval_s", interval_s},
                                 {"offline_grace_s", grace_s},
                                 {"credits_per_minute", 2},
                                 {"balance", 100}});
    });
    ClientOptions o;
    o.base_url = "http://127.0.0.1:9";
    o.api_secret = kSecret;
    o.clock = clock;
    o.random = [] { return 0.5; };
    o.shutdown_timeout = std::chrono::milliseconds(0);
    o.journal_dir = journal_dir;
    o.log_level = LogLevel::debug;
    auto sink_logs = logs;
    auto sink_mutex = logs_mutex;
    o.log = [sink_logs, sink_mutex](LogLevel, const std::string& m) {
      std::lock_guard<std::mutex> lock(*sink_mutex);
      sink_logs->push_back(m);
    };
    o.transport = transport;  // as an app plugs in its own HTTP stack
    client = std::make_unique<Client>(std::move(o));
  }

  std::vector<std::string> log_lines() const {
    std::lock_guard<std::mutex> lock(*logs_mutex);
    return *logs;
  }
  // The process's threads when the harness was built (before its Client, which starts no
  // thread until a session needs one): a call that "starts no thread" leaves this count as it
  // was (a thread not yet named counts too).
  const int threads_at_start = thread_count_settled();
};

}  // namespace testing
}  // namespace creditmeter
