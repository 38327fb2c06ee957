#pragma once
// The real transport: libcurl's multi interface for the scheduler (many transfers, one
// thread, one connection pool with keep-alive) and a small pool of easy handles for the
// synchronous calls of user threads.

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>

#include "transport.hpp"

namespace creditmeter {
namespace detail {

struct CurlConfig {
  std::string ca_file;
  std::string pinned_public_key;
  std::string proxy;
  std::chrono::milliseconds connect_timeout{5000};
};

// curl_global_init, once per process, before any handle (it is not thread-safe itself).
void ensure_curl_global_init();

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlConfig config);
  ~CurlTransport() override;

  HttpResponse perform(const HttpRequest& request) override;
  void submit(HttpRequest request, Completion done) override;
  void poll(std::chrono::milliseconds max_wait) override;
  void wakeup() override;
  void abort_all() override;
  std::size_t in_flight() const override { return active_count_.load(); }

 private:
  struct Transfer;
  void configure(CURL* easy, Transfer& transfer) const;
  static void finish(Transfer& transfer, CURLcode code);
  std::vector<std::unique_ptr<Transfer>> collect_finished();
  CURL* take_sync_handle();
  void return_sync_handle(CURL* easy);

  const CurlConfig config_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;  // scheduler thread only
  std::vector<CURL*> idle_async_;                                // scheduler thread only
  std::atomic<std::size_t> active_count_{0};

  std::mutex sync_mutex_;
  std::vector<CURL*> idle_sync_;
  std::atomic<bool> abort_sync_{false};
};

}  // namespace detail
}  // namespace creditmeter
