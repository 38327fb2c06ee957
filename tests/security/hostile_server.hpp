#pragma once
// A hostile or broken server for the security suite: cpp-httplib on 127.0.0.1:<free port>,
// in its own thread, whose answers each test scripts per path; and the options and the
// token-exchange answer the tests start from.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <creditmeter/creditmeter.hpp>

namespace creditmeter {
namespace testing {

// A tiny HTTP server on 127.0.0.1:<free port>, in its own thread, whose answers the test
// scripts per path.
class HostileServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  HostileServer() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(4); };
    server_.set_read_timeout(5, 0);
    server_.set_write_timeout(2, 0);
    for (const char* path : {"/v1/runtime-tokens/request", "/v1/runtime-tokens/heartbeat",
                             "/v1/runtime-tokens/release"}) {
      server_.Post(path, [this, path](const httplib::Request& req, httplib::Response& res) { dispatch(path, req, res); });
    }
    server_.Get("/v2/credit-summaries",
                [this](const httplib::Request& req, httplib::Response& res) { dispatch("/v2/credit-summaries", req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind the hostile server");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib drops a stop() that comes before listening started: a test that never
    // contacts the server would hang in the destructor.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polls the listener under a deadline
    }
  }
  ~HostileServer() {
    stopping_ = true;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void on(const std::string& path, Handler h) {
    std::lock_guard<std::mutex> lock(mutex_);
    handlers_[path] = std::move(h);
  }
  const std::atomic<bool>& stopping() const { return stopping_; }

 private:
  void dispatch(const std::string& path, const httplib::Request& req, httplib::Response& res) {
    Handler h;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = handlers_.find(path);
      if (it != handlers_.end()) h = it->second;
    }
    if (h) h(req, res);
    else res.status = 404;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, Handler> handlers_;
};

inline constexpr const char* kSecret = "sk_test_hostile_9f8e7d6c5b4a";

inline ClientOptions hostile_options(const HostileServer& server) {
  ClientOptions o;
  o.base_url = server.base_url();
  o.api_secret = kSecret;
  o.journal_dir = "";
  o.connect_timeout = std::chrono::seconds(2);
  o.request_timeout = std::chrono::seconds(2);
  o.shutdown_timeout = std::chrono::seconds(1);
  o.log = [](LogLevel, const std::string&) {};
  return o;
}

inline nlohmann::json grant_for(const std::string& session_id, double interval_s = 1, double grace_s = 30) {
  return {{"data",
           {{"token", "hostile-token-1"},
            {"transaction_id", "tx-1"},
            {"session_id", session_id},
            {"expires_at", static_cast<std::int64_t>(std::time(nullptr)) + 300},
            {"heartbeat_interval_s", interval_s},
            {"offline_grace_s", grace_s},
            {"credits_per_minute", 2},
            {"balance", 100}}},
          {"status", "success"},
          {"status_code", 200}};
}

inline std::string requested_session(const httplib::Request& req) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_object() && body.contains("session_id") && body["session_id"].is_string()) return body["session_id"];
  return "sid-unknown";
}

}  // namespace testing
}  // namespace creditmeter
