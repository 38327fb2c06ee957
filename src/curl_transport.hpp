#pragma once
// The real transport: libcurl's multi interface for the scheduler (many transfers, one
// thread, one connection pool with keep-alive) and a small pool of easy handles for the
// synchronous calls of user threads.

#include <atomic>
#include <deque>
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
  // Concurrent transfers of the scheduler (each holds one connection); more wait their turn.
  std::size_t max_transfers = 16;
};

// curl_global_init, once per process, before any handle (it is not thread-safe itself).
void ensure_curl_global_init();

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlConfig config);
  ~CurlTransport() override;

  HttpResponse perform(const HttpRequest& request) override;
  void submit(HttpRequest request, Completion done) override;
  void poll(std::chrono::milliseconds max_wait, int wake_fd) override;
  void wakeup() override;
  void abort_all() override;
  // Transfers on the wire plus those waiting for a free slot.
  std::size_t in_flight() const override { return in_flight_.load(); }

 private:
  struct Transfer;
  CURL* new_handle(bool synchronous) const;
  static void configure(CURL* easy, Transfer& transfer);
  static void detach(CURL* easy);
  static void finish(Transfer& transfer, CURLcode code);
  static bool retry_on_new_connection(CURL* easy, Transfer& transfer, CURLcode code);
  void start_queued();
  std::vector<std::unique_ptr<Transfer>> collect_finished();
  CURL* take_sync_handle();
  void return_sync_handle(CURL* easy);

  CurlConfig config_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;  // scheduler thread only
  std::deque<std::unique_ptr<Transfer>> queued_;                 // scheduler thread only
  std::vector<CURL*> idle_async_;                                // scheduler thread only
  std::atomic<std::size_t> in_flight_{0};

  std::mutex sync_mutex_;
  std::vector<CURL*> idle_sync_;
  std::atomic<bool> abort_sync_{false};
};

}  // namespace detail
}  // namespace creditmeter
