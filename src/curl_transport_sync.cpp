// CurlTransport's synchronous calls (perform: the token exchange, the credit summary), on the
// caller's thread, each in a multi handle of its own whose poll a StopToken wakes.

#include <algorithm>
#include <climits>

#include "curl_transfer.hpp"
#include "curl_transport.hpp"
#include "stop_state.hpp"

namespace creditmeter {
namespace detail {

CurlTransport::SyncHandle CurlTransport::take_sync_handle() {
  std::lock_guard<std::mutex> lock(sync_mutex_);
  SyncHandle h;
  if (!idle_sync_.empty()) {
    h = idle_sync_.back();
    idle_sync_.pop_back();
  } else {
    h.easy = new_handle();
    h.multi = h.easy != nullptr ? curl_multi_init() : nullptr;
    if (h.multi == nullptr) {
      if (h.easy != nullptr) curl_easy_cleanup(h.easy);
      return SyncHandle{};
    }
  }
  busy_sync_.push_back(h.multi);
  return h;
}

void CurlTransport::return_sync_handle(SyncHandle handle) {
  std::lock_guard<std::mutex> lock(sync_mutex_);
  busy_sync_.erase(std::find(busy_sync_.begin(), busy_sync_.end(), handle.multi));
  idle_sync_.push_back(handle);  // kept: its connection stays alive in its multi for the next call
}

CURLcode CurlTransport::run_sync(const SyncHandle& h, const StopToken& stop, std::chrono::milliseconds timeout,
                                 bool& interrupted) {
  curl_multi_add_handle(h.multi, h.easy);
  StopCallback wake(stop, [multi = h.multi] { curl_multi_wakeup(multi); });
  // The poll's own limit is only a backstop: libcurl shortens it to the transfer's timeouts.
  const int backstop = static_cast<int>(std::min<long long>(timeout.count() + 1000, INT_MAX));
  CURLcode result = CURLE_OK;
  for (;;) {
    int running = 0;
    curl_multi_perform(h.multi, &running);
    if (running == 0) {
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(h.multi, &left)) {
        if (m->msg == CURLMSG_DONE) result = m->data.result;
      }
      break;
    }
    if (stop.stop_requested() || abort_sync_.load()) {
      interrupted = true;
      break;
    }
    curl_multi_poll(h.multi, nullptr, 0, backstop, nullptr);
  }
  curl_multi_remove_handle(h.multi, h.easy);  // mid-transfer: closes its connection
  return result;
}

HttpResponse CurlTransport::perform(const HttpRequest& request, const StopToken& stop) {
  HttpResponse r;
  if (stop.stop_requested()) {
    r.interrupted = true;
    r.error = "interrupted before it was sent";
    return r;
  }
  SyncHandle h = take_sync_handle();
  if (h.easy == nullptr) {
    r.error = "out of memory (curl_easy_init)";
    return r;
  }
  Transfer t;
  t.request = request;
  configure(h.easy, t);
  bool interrupted = false;
  CURLcode code = run_sync(h, stop, request.timeout, interrupted);
  if (!interrupted && retry_on_new_connection(h.easy, t, code)) code = run_sync(h, stop, request.timeout, interrupted);
  if (interrupted) {
    curl_off_t sent = 0;
    long request_bytes = 0;
    curl_easy_getinfo(h.easy, CURLINFO_REQUEST_SIZE, &request_bytes);
    curl_easy_getinfo(h.easy, CURLINFO_SIZE_UPLOAD_T, &sent);
    t.response = HttpResponse{};
    t.response.request_sent = request_bytes > 0 || sent > 0;
    if (stop.stop_requested()) {
      t.response.interrupted = true;
      t.response.error = "interrupted";
    } else {
      t.response.aborted = true;
      t.response.error = "aborted (client shutting down)";
    }
  } else {
    long status = 0;
    curl_easy_getinfo(h.easy, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    finish(t, code);
  }
  detach(h.easy);
  return_sync_handle(h);
  return std::move(t.response);
}

}  // namespace detail
}  // namespace creditmeter
