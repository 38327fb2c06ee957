// The C callbacks: each finds its Java object, calls it on this thread (attaching an SDK
// thread to the JVM once, as a daemon) and never returns into the library with a Java
// exception pending.

#include <utility>

#include "contexts.hpp"
#include "jvm.hpp"

namespace creditmeter_jni {

namespace {

constexpr const char* kCallbackThread = "creditmeter-callback";
// Logs and token renewals run mostly on the scheduler thread; the name is the first caller's.
constexpr const char* kSdkThread = "creditmeter-scheduler";

// The env to call Java with, or nullptr when that is impossible: no JVM for this thread, or
// an exception already pending on it (a Java thread inside one of our natives; never called
// into Java over it).
JNIEnv* callable_env(const char* thread_name) {
  JNIEnv* env = thread_env(thread_name);
  if (env == nullptr || env->ExceptionCheck()) return nullptr;
  return env;
}

void deliver_balance(cm_session* session, const cm_balance_update* update, void* user_data, bool low) {
  auto* context = static_cast<SessionContext*>(user_data);
  JNIEnv* env = callable_env(kCallbackThread);
  if (env == nullptr || update == nullptr) return;
  {
    LocalFrame frame(env, 3);
    if (!frame.ok()) return;
    jobject listeners = context->listeners(env);
    if (listeners == nullptr) return;
    jbyteArray unit = new_utf8(env, update->unit);
    if (unit == nullptr) {
      clear_exception(env);
      return;
    }
    env->CallVoidMethod(listeners, g_jvm.balance, static_cast<jboolean>(low), update->balance,
                        update->minutes_left, update->session_credits, unit);
    clear_exception(env);
  }
  // After STOPPED with events unsettled, the release's answer (sent once they settled) is
  // usually the last callback: a balance update.
  context->release_listeners_if_settled(env, session);
}

}  // namespace

ClientContext::ClientContext(JNIEnv* env, jobject java_callbacks, jobject java_transport)
    : callbacks(env->NewGlobalRef(java_callbacks)),
      transport(java_transport == nullptr ? nullptr : env->NewGlobalRef(java_transport)) {}

ClientContext::~ClientContext() {
  if (JNIEnv* env = thread_env(kSdkThread)) {
    env->DeleteGlobalRef(callbacks);
    if (transport != nullptr) env->DeleteGlobalRef(transport);
  }
}

SessionContext::SessionContext(JNIEnv* env, jobject listeners, std::shared_ptr<ClientContext> client)
    : listeners_(env->NewGlobalRef(listeners)), client_(std::move(client)) {}

SessionContext::~SessionContext() {
  if (JNIEnv* env = thread_env(kSdkThread)) release_listeners(env);
}

jobject SessionContext::listeners(JNIEnv* env) {
  std::lock_guard<std::mutex> lock(mutex_);
  return listeners_ == nullptr ? nullptr : env->NewLocalRef(listeners_);
}

void SessionContext::release_listeners(JNIEnv* env) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (listeners_ != nullptr) env->DeleteGlobalRef(listeners_);
  listeners_ = nullptr;
}

void SessionContext::stopped_delivered(JNIEnv* env, cm_session* of) {
  stopped_delivered_.store(true);
  release_listeners_if_settled(env, of);
}

void SessionContext::release_listeners_if_settled(JNIEnv* env, cm_session* of) {
  if (!stopped_delivered_.load()) return;
  cm_session_stats stats;
  cm_session_stats_init(&stats);
  if (cm_session_get_stats(of, &stats) != CM_OK) return;
  if (stats.events_pending == 0 && rejections_delivered_.load() >= stats.events_rejected) release_listeners(env);
}

void on_log(cm_log_level level, const char* message, void* user_data) {
  auto* context = static_cast<ClientContext*>(user_data);
  JNIEnv* env = callable_env(kSdkThread);
  if (env == nullptr) return;
  LocalFrame frame(env, 2);
  if (!frame.ok()) return;
  jbyteArray text = new_utf8(env, message);
  if (text != nullptr) env->CallVoidMethod(context->callbacks, g_jvm.log, static_cast<jint>(level), text);
  clear_exception(env);
}

cm_status on_token_request(const char* session_id, cm_token_sink* sink, void* user_data) {
  auto* context = static_cast<ClientContext*>(user_data);
  JNIEnv* env = callable_env(kSdkThread);
  if (env == nullptr) return CM_E_AUTHENTICATION;
  LocalFrame frame(env, 3);
  if (!frame.ok()) return CM_E_AUTHENTICATION;
  jbyteArray id = new_utf8(env, session_id);
  if (id == nullptr) {
    clear_exception(env);
    return CM_E_AUTHENTICATION;
  }
  auto body = static_cast<jbyteArray>(env->CallObjectMethod(context->callbacks, g_jvm.exchange, id));
  if (clear_exception(env) || body == nullptr) return CM_E_AUTHENTICATION;  // refused
  Utf8Arg text;
  if (!text.read(env, body)) {
    clear_exception(env);
    return CM_E_AUTHENTICATION;
  }
  return cm_token_sink_set(sink, text.c_str());
}

void on_state_change(cm_session* session, const cm_state_change* change, void* user_data) {
  auto* context = static_cast<SessionContext*>(user_data);
  JNIEnv* env = callable_env(kCallbackThread);
  if (env == nullptr || change == nullptr) return;
  {
    LocalFrame frame(env, 3);
    if (!frame.ok()) return;
    if (jobject listeners = context->listeners(env)) {
      jbyteArray message = new_utf8(env, change->message);
      if (message != nullptr) {
        env->CallVoidMethod(listeners, g_jvm.state_changed, static_cast<jint>(change->from),
                            static_cast<jint>(change->to), static_cast<jint>(change->reason), message);
      }
      clear_exception(env);
    }
  }
  // STOPPED is a session's last state change; only a usage event still unsettled can bring
  // another callback (its rejection).
  if (change->to == CM_STATE_STOPPED) context->stopped_delivered(env, session);
}

void on_balance(cm_session* session, const cm_balance_update* update, void* user_data) {
  deliver_balance(session, update, user_data, /*low=*/false);
}

void on_low_balance(cm_session* session, const cm_balance_update* update, void* user_data) {
  deliver_balance(session, update, user_data, /*low=*/true);
}

void on_event_rejected(cm_session* session, const cm_rejected_event* event, void* user_data) {
  auto* context = static_cast<SessionContext*>(user_data);
  context->rejection_delivered();  // counted as handled even if it cannot reach Java
  JNIEnv* env = callable_env(kCallbackThread);
  if (env == nullptr || event == nullptr) return;
  {
    LocalFrame frame(env, 6);
    if (!frame.ok()) return;
    if (jobject listeners = context->listeners(env)) {
      jbyteArray id = new_utf8(env, event->event_id);
      jbyteArray action = id == nullptr ? nullptr : new_utf8(env, event->action);
      jbyteArray code = action == nullptr ? nullptr : new_utf8(env, event->code);
      jbyteArray message = code == nullptr ? nullptr : new_utf8(env, event->message);
      if (message != nullptr) {
        env->CallVoidMethod(listeners, g_jvm.event_rejected, id, action, event->quantity, code, message);
      }
      clear_exception(env);
    }
  }
  context->release_listeners_if_settled(env, session);  // after STOPPED: was it the last one?
}

}  // namespace creditmeter_jni
