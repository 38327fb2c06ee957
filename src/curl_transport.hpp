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

  using Transport::perform;
  HttpResponse perform(const HttpRequest& request, const StopToken& stop) override;
  void submit(HttpRequest request, Completion done) override;
  void poll(std::chrono::milliseconds max_wait, int wake_fd) override;
  void wakeup() override;
  void abort_all() override;
  // Transfers on the wire plus those waiting for a free slot.
  std::size_t in_flight() const override { return in_flight_.load(); }

 private:
  struct Transfer;
  CURL* new_handle() const;
  static void configure(CURL* easy, Transfer& transfer);
  static void detach(CURL* easy);
  static void finish(Transfer& transfer, CURLcode code);
  static bool retry_on_new_connection(CURL* easy, Transfer& transfer, CURLcode code);
  void start_queued();
  std::vector<std::unique_ptr<Transfer>> collect_finished();
  // A synchronous call's handle in a multi handle of its own, so that its wait (a
  // curl_multi_poll) can be woken by a stop, and its connection stays alive between calls.
  struct SyncHandle {
    CURLM* multi = nullptr;
    CURL* easy = nullptr;
  };
  SyncHandle take_sync_handle();
  void return_sync_handle(SyncHandle handle);
  // Runs one transfer of `handle` to its end, or until `stop` or abort_all() (`interrupted`).
  CURLcode run_sync(const SyncHandle& handle, const StopToken& stop, std::chrono::milliseconds timeout,
                    bool& interrupted);

  CurlConfig config_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;  // scheduler thread only
  std::deque<std::unique_ptr<Transfer>> queued_;                 // scheduler thread only
  std::vector<CURL*> idle_async_;                                // scheduler thread only
  std::atomic<std::size_t> in_flight_{0};

  std::mutex sync_mutex_;
  std::vector<SyncHandle> idle_sync_;
  std::vector<CURLM*> busy_sync_;  // woken by abort_all()
  std::atomic<bool> abort_sync_{false};
};

}  // namespace detail
}  // namespace creditmeter
