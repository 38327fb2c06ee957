// The C ABI's transport hook. A cm_transport_call is the app's handle on one C++
// TransportCall: the app frees it by completing it (exactly once), while the library may
// still call transport_cancel with it. So a handle counts two references, the app's and a
// running cancel's, and is found for a cancel only while the app has not completed it yet:
// the handle map and the count together make "complete on one thread while the library
// cancels on another" safe.

#include "c_api_transport.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "c_api_support.hpp"

namespace {

struct LiveCalls {
  std::mutex mutex;
  std::unordered_map<const creditmeter::TransportCall*, cm_transport_call*> handles;
};

}  // namespace

struct cm_transport_call {
  std::shared_ptr<creditmeter::TransportCall> call;
  std::shared_ptr<LiveCalls> live;
  std::atomic<int> refs{1};  // the app's, until it completes; +1 during a cancel
};

namespace creditmeter::c_api {
namespace {

void release(cm_transport_call* handle) {
  if (handle->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete handle;
}

// The app completes the call: no cancel can find it from here on.
void forget(cm_transport_call* handle) {
  std::lock_guard<std::mutex> lock(handle->live->mutex);
  handle->live->handles.erase(handle->call.get());
}

class CTransport final : public HttpTransport {
 public:
  CTransport(cm_transport_send_fn send_fn, cm_transport_cancel_fn cancel_fn, void* user_data)
      : send_(send_fn), cancel_(cancel_fn), user_data_(user_data), live_(std::make_shared<LiveCalls>()) {}

  void send(const HttpRequest& request, std::shared_ptr<TransportCall> call) override {
    std::vector<const char*> headers;
    headers.reserve(request.headers.size() + 1);
    for (const auto& h : request.headers) headers.push_back(h.c_str());
    headers.push_back(nullptr);
    cm_http_request r;
    r.struct_size = sizeof r;
    r.method = request.method.c_str();
    r.url = request.url.c_str();
    r.headers = headers.data();
    r.body = request.body.c_str();
    r.body_len = request.body.size();
    r.timeout_ms = static_cast<uint32_t>(std::min<long long>(request.timeout.count(), UINT32_MAX));
    auto* handle = new cm_transport_call{call, live_};
    {
      std::lock_guard<std::mutex> lock(live_->mutex);
      live_->handles.emplace(call.get(), handle);
    }
    send_(&r, handle, user_data_);  // may complete (and free) the handle before returning
  }

  void cancel(const std::shared_ptr<TransportCall>& call) override {
    if (cancel_ == nullptr) return;
    cm_transport_call* handle = nullptr;
    {
      std::lock_guard<std::mutex> lock(live_->mutex);
      const auto it = live_->handles.find(call.get());
      if (it == live_->handles.end()) return;  // already completed by the app
      handle = it->second;
      handle->refs.fetch_add(1, std::memory_order_relaxed);
    }
    cancel_(handle, user_data_);
    release(handle);
  }

 private:
  const cm_transport_send_fn send_;
  const cm_transport_cancel_fn cancel_;
  void* const user_data_;
  const std::shared_ptr<LiveCalls> live_;
};

}  // namespace

std::shared_ptr<HttpTransport> c_transport(cm_transport_send_fn send, cm_transport_cancel_fn cancel,
                                           void* user_data) {
  return std::make_shared<CTransport>(send, cancel, user_data);
}

}  // namespace creditmeter::c_api

using namespace creditmeter::c_api;

extern "C" {

cm_status cm_transport_complete(cm_transport_call* call, int http_status, const char* const* headers,
                                const char* body, size_t body_len) {
  if (call == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_transport_complete: call is NULL");
  forget(call);
  cm_status status = CM_OK;
  try {
    if (body == nullptr && body_len > 0) {
      call->call->fail("cm_transport_complete: NULL body with body_len > 0");
      status = fail(CM_E_INVALID_ARGUMENT, "cm_transport_complete: NULL body with body_len > 0 (the call failed)");
    } else {
      std::vector<std::string> copied;
      for (const char* const* h = headers; h != nullptr && *h != nullptr; ++h) copied.emplace_back(*h);
      call->call->complete(http_status, std::move(copied), body_len > 0 ? std::string(body, body_len) : std::string());
    }
  } catch (...) {
    status = map_exception(__func__);
    try {
      call->call->fail("cm_transport_complete failed to copy the answer");
    } catch (...) {
      // Out of memory twice: the call times out instead (offline, retried).
    }
  }
  release(call);
  return status;
}

cm_status cm_transport_fail(cm_transport_call* call, const char* message) {
  if (call == nullptr) return fail(CM_E_INVALID_ARGUMENT, "cm_transport_fail: call is NULL");
  forget(call);
  cm_status status = CM_OK;
  try {
    call->call->fail(message != nullptr ? message : "no reason given");
  } catch (...) {
    status = map_exception(__func__);
  }
  release(call);
  return status;
}

}  // extern "C"
