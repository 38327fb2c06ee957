// JNI_OnLoad: caches the VM, the classes and method ids the callbacks use, and registers the
// natives of io.creditmeter.Native (so no other symbol of this library is exported).

#include "jvm.hpp"
#include "natives.hpp"

namespace creditmeter_jni {
namespace {

#define CM_NATIVE(name, signature, fn) \
  { const_cast<char*>(name), const_cast<char*>(signature), reinterpret_cast<void*>(fn) }

const JNINativeMethod kNatives[] = {
    CM_NATIVE("lastError", "()[B", last_error),
    CM_NATIVE("enumName", "(II)[B", enum_name),
    CM_NATIVE("defaultJournalDir", "()[B", default_journal_dir),
    CM_NATIVE("clientNew", "([B[B[B[B[B[BIJJJJDILio/creditmeter/ClientCallbacks;ZZLio/creditmeter/TransportBridge;[J)I",
              client_new),
    CM_NATIVE("transportComplete", "(JI[[B[B)I", transport_complete),
    CM_NATIVE("transportFail", "(J[B)I", transport_fail),
    CM_NATIVE("clientFree", "(J)V", client_free),
    CM_NATIVE("clientFlush", "(JJ)I", client_flush),
    CM_NATIVE("clientSetMaxCredits", "(JD)I", client_set_max_credits),
    CM_NATIVE("clientNetworkChanged", "(JZ)V", client_network_changed),
    CM_NATIVE("clientCreditSummary", "(J[D[Ljava/lang/Object;)I", client_credit_summary),
    CM_NATIVE("sessionStart", "(J[B[BZ[BDDDLio/creditmeter/SessionListeners;[J)I", session_start),
    CM_NATIVE("sessionId", "(Ljava/lang/Object;J)[B", session_id),
    CM_NATIVE("frame", "(Ljava/lang/Object;J)V", session_frame),
    CM_NATIVE("mayRender", "(Ljava/lang/Object;J)Z", session_may_render),
    CM_NATIVE("noop", "(Ljava/lang/Object;J)V", noop),
    CM_NATIVE("record", "(Ljava/lang/Object;J[BD[[B)I", session_record),
    CM_NATIVE("pause", "(Ljava/lang/Object;J)I", session_pause),
    CM_NATIVE("resume", "(Ljava/lang/Object;J)I", session_resume),
    CM_NATIVE("stop", "(Ljava/lang/Object;J)I", session_stop),
    CM_NATIVE("state", "(Ljava/lang/Object;J)I", session_state),
    CM_NATIVE("stats", "(Ljava/lang/Object;J[J[D[[B)I", session_stats),
    CM_NATIVE("sessionSetMaxCredits", "(Ljava/lang/Object;JD)I", session_set_max_credits),
    CM_NATIVE("sessionFree", "(J)V", session_free),
};

#undef CM_NATIVE

jmethodID method(JNIEnv* env, const char* class_name, const char* name, const char* signature) {
  jclass c = env->FindClass(class_name);
  if (c == nullptr) return nullptr;
  jmethodID id = env->GetMethodID(c, name, signature);
  env->DeleteLocalRef(c);
  return id;
}

}  // namespace
}  // namespace creditmeter_jni

extern "C" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
  using namespace creditmeter_jni;
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
  g_jvm.vm = vm;
  jclass natives = env->FindClass("io/creditmeter/Native");
  if (natives == nullptr) return JNI_ERR;  // the NoClassDefFoundError is pending
  const jint registered =
      env->RegisterNatives(natives, kNatives, static_cast<jint>(sizeof kNatives / sizeof kNatives[0]));
  env->DeleteLocalRef(natives);
  if (registered != JNI_OK) return JNI_ERR;
  jclass bytes = env->FindClass("[B");
  if (bytes == nullptr) return JNI_ERR;
  g_jvm.byte_array = static_cast<jclass>(env->NewGlobalRef(bytes));
  env->DeleteLocalRef(bytes);
  g_jvm.log = method(env, "io/creditmeter/ClientCallbacks", "log", "(I[B)V");
  if (g_jvm.log == nullptr) return JNI_ERR;
  g_jvm.exchange = method(env, "io/creditmeter/ClientCallbacks", "exchange", "([B)[B");
  if (g_jvm.exchange == nullptr) return JNI_ERR;
  g_jvm.state_changed = method(env, "io/creditmeter/SessionListeners", "stateChanged", "(III[B)V");
  if (g_jvm.state_changed == nullptr) return JNI_ERR;
  g_jvm.balance = method(env, "io/creditmeter/SessionListeners", "balance", "(ZDDD[B)V");
  if (g_jvm.balance == nullptr) return JNI_ERR;
  g_jvm.event_rejected = method(env, "io/creditmeter/SessionListeners", "eventRejected", "([B[BD[B[B)V");
  if (g_jvm.event_rejected == nullptr) return JNI_ERR;
  g_jvm.transport_send = method(env, "io/creditmeter/TransportBridge", "send", "(J[B[B[[B[BJ)V");
  if (g_jvm.transport_send == nullptr) return JNI_ERR;
  g_jvm.transport_cancel = method(env, "io/creditmeter/TransportBridge", "cancel", "(J)V");
  if (g_jvm.transport_cancel == nullptr) return JNI_ERR;
  return JNI_VERSION_1_6;
}
