// Natives of the session: the start (with the callbacks' wiring), the hot path (frame,
// may_render, and the benchmark's no-op of the same shape), pause/resume/stop, state, stats,
// the spending cap, and the end of its listeners and handle.

#include <cmath>
#include <cstdint>

#include "contexts.hpp"
#include "jvm.hpp"
#include "natives.hpp"

namespace creditmeter_jni {

namespace {

cm_session* session_of(jlong handle) { return reinterpret_cast<cm_session*>(handle); }
SessionContext* context_of(jlong handle) { return reinterpret_cast<SessionContext*>(handle); }

}  // namespace

jint JNICALL session_start(JNIEnv* env, jclass, jlong client, jbyteArray model, jbyteArray surface,
                           jboolean audio_only, jbyteArray session_id, jdouble low_balance_minutes,
                           jdouble low_balance_credits, jdouble max_credits, jobject listeners, jlongArray out) {
  auto* handle = reinterpret_cast<ClientHandle*>(client);
  Utf8Arg model_name, surface_name, id;
  if (!model_name.read(env, model) || !surface_name.read(env, surface) || !id.read(env, session_id)) {
    return CM_E_OUT_OF_MEMORY;  // the OutOfMemoryError is pending
  }
  cm_session_options o;
  cm_session_options_init(&o);
  if (model_name.c_str() != nullptr) o.model = model_name.c_str();
  if (surface_name.c_str() != nullptr) o.surface = surface_name.c_str();
  o.audio_only = audio_only == JNI_TRUE;
  o.session_id = id.c_str();
  // Java passes NaN for what it leaves unset; NaN is already the library's "unset" for the
  // other two.
  if (!std::isnan(low_balance_minutes)) o.low_balance_minutes = low_balance_minutes;
  o.low_balance_credits = low_balance_credits;
  o.max_credits = max_credits;

  auto* context = new SessionContext(env, listeners, handle->context);
  o.on_state_change = on_state_change;
  o.user_data = context;
  o.on_balance = on_balance;
  o.on_low_balance = on_low_balance;
  o.balance_user_data = context;
  o.on_event_rejected = on_event_rejected;
  o.event_rejected_user_data = context;
  cm_session* session = nullptr;
  const cm_status status = cm_client_start_session(handle->client, &o, &session);
  if (status != CM_OK) {
    delete context;  // no callback of a session that never started
    return status;
  }
  context->session = session;
  const jlong values[2] = {reinterpret_cast<jlong>(session), reinterpret_cast<jlong>(context)};
  env->SetLongArrayRegion(out, 0, 2, values);
  return CM_OK;
}

jbyteArray JNICALL session_id(JNIEnv* env, jclass, jobject, jlong session) {
  return new_utf8(env, cm_session_id(session_of(session)));
}

void JNICALL session_frame(JNIEnv*, jclass, jobject, jlong session) { cm_session_frame(session_of(session)); }

jboolean JNICALL session_may_render(JNIEnv*, jclass, jobject, jlong session) {
  return cm_session_may_render(session_of(session)) ? JNI_TRUE : JNI_FALSE;
}

void JNICALL noop(JNIEnv*, jclass, jobject, jlong) {}

jint JNICALL session_record(JNIEnv* env, jclass, jobject, jlong session, jbyteArray action, jdouble quantity,
                            jobjectArray event_id) {
  Utf8Arg name;
  if (!name.read(env, action)) return CM_E_OUT_OF_MEMORY;  // the OutOfMemoryError is pending
  char id[37] = "";
  const cm_status status = cm_session_record(session_of(session), name.c_str(), quantity, id);
  if (status != CM_OK) return status;
  jbyteArray text = new_utf8(env, id);
  if (text == nullptr) return CM_E_OUT_OF_MEMORY;
  env->SetObjectArrayElement(event_id, 0, text);
  return CM_OK;
}

jint JNICALL session_pause(JNIEnv*, jclass, jobject, jlong session) { return cm_session_pause(session_of(session)); }

jint JNICALL session_resume(JNIEnv*, jclass, jobject, jlong session) { return cm_session_resume(session_of(session)); }

jint JNICALL session_stop(JNIEnv*, jclass, jobject, jlong session) { return cm_session_stop(session_of(session)); }

jint JNICALL session_state(JNIEnv*, jclass, jobject, jlong session) {
  return static_cast<jint>(cm_session_get_state(session_of(session)));
}

jint JNICALL session_stats(JNIEnv* env, jclass, jobject, jlong session, jlongArray ints, jdoubleArray doubles,
                           jobjectArray texts) {
  cm_session_stats s;
  cm_session_stats_init(&s);
  const cm_status status = cm_session_get_stats(session_of(session), &s);
  if (status != CM_OK) return status;
  // Java's SessionStats reads them in this order.
  const jlong counters[11] = {s.active_ms,
                              s.reported_ms,
                              static_cast<jlong>(s.heartbeats_ok),
                              static_cast<jlong>(s.heartbeats_failed),
                              s.grace_remaining_ms,
                              static_cast<jlong>(s.heartbeats_retried),
                              static_cast<jlong>(s.last_error_reason),
                              static_cast<jlong>(s.events_recorded),
                              static_cast<jlong>(s.events_acknowledged),
                              static_cast<jlong>(s.events_rejected),
                              static_cast<jlong>(s.events_pending)};
  const jdouble amounts[4] = {s.credits_charged, s.balance, s.minutes_left, s.events_credits_charged};
  env->SetLongArrayRegion(ints, 0, 11, counters);
  env->SetDoubleArrayRegion(doubles, 0, 4, amounts);
  const char* strings[2] = {s.last_error, s.unit};  // texts[0], texts[1]
  for (jsize i = 0; i < 2; i++) {
    jbyteArray text = new_utf8(env, strings[i]);
    if (text == nullptr) return CM_E_OUT_OF_MEMORY;
    env->SetObjectArrayElement(texts, i, text);
    env->DeleteLocalRef(text);
  }
  return CM_OK;
}

jint JNICALL session_set_max_credits(JNIEnv*, jclass, jobject, jlong session, jdouble credits) {
  return cm_session_set_max_credits(session_of(session), credits);
}

void JNICALL session_free(JNIEnv*, jclass, jlong context) {
  SessionContext* c = context_of(context);
  cm_session_free(c->session);  // after this, no callback of the session runs
  delete c;
}

}  // namespace creditmeter_jni
