#pragma once
// What the C library's user_data pointers point at: the Java objects a client's and a
// session's callbacks call (as JNI global references), and their lifetimes.

#include <jni.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include <creditmeter/creditmeter.h>

namespace creditmeter_jni {

// A client's log sink and token provider (the Java ClientCallbacks) and its transport (the
// Java TransportBridge, or none). The C ABI needs them valid until cm_client_free() (and,
// the first two, every cm_session_free() of the client) returned, so the client handle and
// each session share it.
struct ClientContext {
  ClientContext(JNIEnv* env, jobject callbacks, jobject transport);
  ~ClientContext();  // on a Java thread (Client.close(), a cleaner)
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  jobject callbacks;  // global ref
  jobject transport;  // global ref, or nullptr: libcurl
};

// The Java Client's handle.
struct ClientHandle {
  cm_client* client;
  std::shared_ptr<ClientContext> context;
};

// A session's listeners (the Java SessionListeners), released once the session is stopped
// and has no usage event left unsettled (whose rejection would still be delivered): at its
// STOPPED state change, else at the rejection or balance update (the release's answer) that
// finds the last event settled; at the latest when the session is freed. The struct itself lives until cm_session_free() returned: after that
// no callback can use it.
class SessionContext {
 public:
  SessionContext(JNIEnv* env, jobject listeners, std::shared_ptr<ClientContext> client);
  ~SessionContext();

  // A local reference to the listeners, or nullptr once they were released. The local
  // reference keeps them alive through the call even if another thread releases them.
  jobject listeners(JNIEnv* env);
  void release_listeners(JNIEnv* env);
  // Called once the STOPPED state change was delivered: from then on, releases them as soon as
  // none of `of`'s (the callback's session's) usage events is pending.
  void stopped_delivered(JNIEnv* env, cm_session* of);
  // After a later callback: releases them when STOPPED was delivered, nothing is pending and
  // every rejection was delivered.
  void release_listeners_if_settled(JNIEnv* env, cm_session* of);
  void rejection_delivered() { rejections_delivered_.fetch_add(1); }

  cm_session* session = nullptr;

 private:
  std::mutex mutex_;
  jobject listeners_;  // global ref; guarded by mutex_
  // STOPPED was delivered (not merely reached: a callback queued before it may run while the
  // state already is STOPPED, and must not release what STOPPED's delivery still needs).
  std::atomic<bool> stopped_delivered_{false};
  // Rejections delivered: an event counts as settled (not pending) before its rejection's
  // callback ran, so "nothing pending" alone would drop a rejection still queued.
  std::atomic<std::uint64_t> rejections_delivered_{0};
  std::shared_ptr<ClientContext> client_;
};

// The C callbacks (callbacks.cpp); their user_data is a ClientContext or a SessionContext.
void on_log(cm_log_level level, const char* message, void* user_data);
cm_status on_token_request(const char* session_id, cm_token_sink* sink, void* user_data);
void on_state_change(cm_session* session, const cm_state_change* change, void* user_data);
void on_balance(cm_session* session, const cm_balance_update* update, void* user_data);
void on_low_balance(cm_session* session, const cm_balance_update* update, void* user_data);
void on_event_rejected(cm_session* session, const cm_rejected_event* event, void* user_data);
// transport.cpp; their user_data is a ClientContext with a transport.
void on_transport_send(const cm_http_request* request, cm_transport_call* call, void* user_data);
void on_transport_cancel(cm_transport_call* call, void* user_data);

}  // namespace creditmeter_jni
