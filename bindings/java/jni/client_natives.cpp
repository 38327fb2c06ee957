// Natives of the client: options, create/free, flush, the spending cap, the credit summary,
// and the library's error text and enum names.

#include <cstdint>
#include <memory>
#include <string>

#include "contexts.hpp"
#include "jvm.hpp"
#include "natives.hpp"

namespace creditmeter_jni {

namespace {

ClientHandle* client_of(jlong handle) { return reinterpret_cast<ClientHandle*>(handle); }

// Java passes -1 for an option it leaves unset (the library's default stays).
void set_ms(uint32_t& field, jlong ms) {
  if (ms >= 0) field = static_cast<uint32_t>(ms);
}

}  // namespace

jbyteArray JNICALL last_error(JNIEnv* env, jclass) { return new_utf8(env, cm_last_error()); }

jbyteArray JNICALL default_journal_dir(JNIEnv* env, jclass) {
  std::string dir(cm_default_journal_dir(nullptr, 0), '\0');  // "" where there is none
  if (!dir.empty()) dir.resize(cm_default_journal_dir(&dir[0], dir.size() + 1));
  return new_utf8(env, dir.c_str());
}

jbyteArray JNICALL enum_name(JNIEnv* env, jclass, jint kind, jint code) {
  switch (kind) {
    case 0: return new_utf8(env, cm_session_state_str(static_cast<cm_session_state>(code)));
    case 1: return new_utf8(env, cm_reason_str(static_cast<cm_reason>(code)));
    default: return new_utf8(env, cm_log_level_str(static_cast<cm_log_level>(code)));
  }
}

jint JNICALL client_new(JNIEnv* env, jclass, jbyteArray base_url, jbyteArray api_secret, jbyteArray ca_file,
                        jbyteArray pinned_public_key, jbyteArray proxy, jbyteArray journal_dir,
                        jint allow_insecure_http, jlong shutdown_timeout_ms, jlong connect_timeout_ms,
                        jlong request_timeout_ms, jlong idle_after_ms, jdouble max_credits, jint log_level,
                        jobject callbacks, jboolean with_log, jboolean with_token_provider, jobject transport,
                        jlongArray out) {
  Utf8Arg url, secret, ca, pins, proxy_url, journal;
  if (!url.read(env, base_url) || !secret.read(env, api_secret) || !ca.read(env, ca_file) ||
      !pins.read(env, pinned_public_key) || !proxy_url.read(env, proxy) || !journal.read(env, journal_dir)) {
    return CM_E_OUT_OF_MEMORY;  // the OutOfMemoryError is pending
  }
  cm_client_options o;
  cm_client_options_init(&o);
  o.base_url = url.c_str();
  o.api_secret = secret.c_str();
  o.ca_file = ca.c_str();
  o.pinned_public_key = pins.c_str();
  o.proxy = proxy_url.c_str();
  o.journal_dir = journal.c_str();
  if (allow_insecure_http >= 0) o.allow_insecure_http = allow_insecure_http == 1;
  set_ms(o.shutdown_timeout_ms, shutdown_timeout_ms);
  set_ms(o.connect_timeout_ms, connect_timeout_ms);
  set_ms(o.request_timeout_ms, request_timeout_ms);
  set_ms(o.idle_after_ms, idle_after_ms);
  o.max_credits = max_credits;  // NaN, the library's "no cap", when Java leaves it unset
  if (log_level >= 0) o.log_level = static_cast<cm_log_level>(log_level);

  auto context = std::make_shared<ClientContext>(env, callbacks, transport);
  if (with_log) {
    o.log = on_log;
    o.log_user_data = context.get();
  }
  if (with_token_provider) {
    o.token_provider = on_token_request;
    o.token_provider_user_data = context.get();
  }
  if (transport != nullptr) {
    o.transport_send = on_transport_send;
    o.transport_cancel = on_transport_cancel;
    o.transport_user_data = context.get();
  }
  cm_client* client = nullptr;
  const cm_status status = cm_client_new(&o, &client);
  if (status != CM_OK) return status;
  auto* handle = new ClientHandle{client, std::move(context)};
  const jlong value = reinterpret_cast<jlong>(handle);
  env->SetLongArrayRegion(out, 0, 1, &value);
  return CM_OK;
}

void JNICALL client_free(JNIEnv*, jclass, jlong client) {
  ClientHandle* handle = client_of(client);
  if (handle == nullptr) return;
  cm_client_free(handle->client);
  delete handle;  // the context lives on while sessions hold it
}

jint JNICALL client_flush(JNIEnv*, jclass, jlong client, jlong timeout_ms) {
  return cm_client_flush(client_of(client)->client, static_cast<uint32_t>(timeout_ms));
}

jint JNICALL client_set_max_credits(JNIEnv*, jclass, jlong client, jdouble credits) {
  return cm_client_set_max_credits(client_of(client)->client, credits);
}

void JNICALL client_network_changed(JNIEnv*, jclass, jlong client, jboolean reachable) {
  cm_client_network_changed(client_of(client)->client, reachable == JNI_TRUE);
}

jint JNICALL client_credit_summary(JNIEnv* env, jclass, jlong client, jdoubleArray amounts, jobjectArray texts) {
  cm_credit_summary* summary = nullptr;
  const cm_status status = cm_client_credit_summary(client_of(client)->client, &summary);
  if (status != CM_OK) return status;
  std::unique_ptr<cm_credit_summary, void (*)(cm_credit_summary*)> owned(summary, cm_credit_summary_free);

  const jdouble values[3] = {summary->balance, summary->plan_credits, summary->topup_credits};
  env->SetDoubleArrayRegion(amounts, 0, 3, values);
  const auto count = static_cast<jsize>(summary->estimated_minutes_count);
  jobjectArray keys = env->NewObjectArray(count, g_jvm.byte_array, nullptr);
  jlongArray minutes = env->NewLongArray(count);
  jbyteArray plan = new_utf8(env, summary->plan);
  jbyteArray renews_at = new_utf8(env, summary->renews_at);
  jbyteArray unit = new_utf8(env, summary->unit);
  if (keys == nullptr || minutes == nullptr || plan == nullptr || renews_at == nullptr || unit == nullptr) {
    return CM_E_OUT_OF_MEMORY;
  }
  for (jsize i = 0; i < count; ++i) {
    jbyteArray key = new_utf8(env, summary->estimated_minutes[i].key);
    if (key == nullptr) return CM_E_OUT_OF_MEMORY;
    env->SetObjectArrayElement(keys, i, key);
    env->DeleteLocalRef(key);
    const jlong m = summary->estimated_minutes[i].minutes;
    env->SetLongArrayRegion(minutes, i, 1, &m);
  }
  env->SetObjectArrayElement(texts, 0, plan);
  env->SetObjectArrayElement(texts, 1, renews_at);
  env->SetObjectArrayElement(texts, 2, keys);
  env->SetObjectArrayElement(texts, 3, minutes);
  env->SetObjectArrayElement(texts, 4, unit);
  return CM_OK;
}

}  // namespace creditmeter_jni
