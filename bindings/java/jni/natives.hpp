#pragma once
// The native methods of io.creditmeter.Native, registered by JNI_OnLoad (registration.cpp).
// Each converts its arguments, calls the C ABI and returns its cm_status; the Java side turns
// a status into an exception. Handles are pointers carried in a jlong.

#include <jni.h>

namespace creditmeter_jni {

// client_natives.cpp
jbyteArray JNICALL last_error(JNIEnv* env, jclass);
jbyteArray JNICALL enum_name(JNIEnv* env, jclass, jint kind, jint code);
jbyteArray JNICALL default_journal_dir(JNIEnv* env, jclass);
jint JNICALL client_new(JNIEnv* env, jclass, jbyteArray base_url, jbyteArray api_secret, jbyteArray ca_file,
                        jbyteArray pinned_public_key, jbyteArray proxy, jbyteArray journal_dir,
                        jint allow_insecure_http, jlong shutdown_timeout_ms, jlong connect_timeout_ms,
                        jlong request_timeout_ms, jlong idle_after_ms, jdouble max_credits, jint log_level,
                        jobject callbacks, jboolean with_log, jboolean with_token_provider, jobject transport,
                        jlongArray out);
void JNICALL client_free(JNIEnv* env, jclass, jlong client);
jint JNICALL client_flush(JNIEnv* env, jclass, jlong client, jlong timeout_ms);
jint JNICALL client_set_max_credits(JNIEnv* env, jclass, jlong client, jdouble credits);
void JNICALL client_network_changed(JNIEnv* env, jclass, jlong client, jboolean reachable);
jint JNICALL client_credit_summary(JNIEnv* env, jclass, jlong client, jdoubleArray amounts, jobjectArray texts);

// transport.cpp
jint JNICALL transport_complete(JNIEnv* env, jclass, jlong call, jint status, jobjectArray headers, jbyteArray body);
jint JNICALL transport_fail(JNIEnv* env, jclass, jlong call, jbyteArray message);

// session_natives.cpp
jint JNICALL session_start(JNIEnv* env, jclass, jlong client, jbyteArray model, jbyteArray surface,
                           jboolean audio_only, jbyteArray session_id, jdouble low_balance_minutes,
                           jdouble low_balance_credits, jdouble max_credits, jobject listeners, jlongArray out);
jbyteArray JNICALL session_id(JNIEnv* env, jclass, jobject owner, jlong session);
void JNICALL session_frame(JNIEnv* env, jclass, jobject owner, jlong session);
jboolean JNICALL session_may_render(JNIEnv* env, jclass, jobject owner, jlong session);
void JNICALL noop(JNIEnv* env, jclass, jobject owner, jlong session);
jint JNICALL session_record(JNIEnv* env, jclass, jobject owner, jlong session, jbyteArray action, jdouble quantity,
                            jobjectArray event_id);
jint JNICALL session_pause(JNIEnv* env, jclass, jobject owner, jlong session);
jint JNICALL session_resume(JNIEnv* env, jclass, jobject owner, jlong session);
jint JNICALL session_stop(JNIEnv* env, jclass, jobject owner, jlong session);
jint JNICALL session_state(JNIEnv* env, jclass, jobject owner, jlong session);
jint JNICALL session_stats(JNIEnv* env, jclass, jobject owner, jlong session, jlongArray ints, jdoubleArray doubles,
                           jobjectArray texts);
jint JNICALL session_set_max_credits(JNIEnv* env, jclass, jobject owner, jlong session, jdouble credits);
void JNICALL session_free(JNIEnv* env, jclass, jlong context);

}  // namespace creditmeter_jni
