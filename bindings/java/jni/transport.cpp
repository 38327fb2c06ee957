// The app's own HTTP stack: the C ABI's transport_send and transport_cancel calling the Java
// TransportBridge, and the natives behind TransportCall (cm_transport_complete,
// cm_transport_fail). Java guarantees that each cm_transport_call* reaches one of those two
// exactly once; until Java took it (the bridge's send was entered) this side fails it itself.

#include <string>
#include <vector>

#include "contexts.hpp"
#include "jvm.hpp"
#include "natives.hpp"

namespace creditmeter_jni {

namespace {

constexpr const char* kSdkThread = "creditmeter-scheduler";

// A byte[] holding `n` bytes of `data`; nullptr with an exception pending when out of memory.
jbyteArray new_bytes(JNIEnv* env, const char* data, std::size_t n) {
  jbyteArray bytes = env->NewByteArray(static_cast<jsize>(n));
  if (bytes != nullptr && n > 0) env->SetByteArrayRegion(bytes, 0, static_cast<jsize>(n), reinterpret_cast<const jbyte*>(data));
  return bytes;
}

// The request's header lines as byte[][]; nullptr with an exception pending when out of memory.
jobjectArray new_header_lines(JNIEnv* env, const char* const* headers) {
  jsize count = 0;
  for (const char* const* h = headers; h != nullptr && *h != nullptr; ++h) ++count;
  jobjectArray lines = env->NewObjectArray(count, g_jvm.byte_array, nullptr);
  for (jsize i = 0; lines != nullptr && i < count; ++i) {
    jbyteArray line = new_utf8(env, headers[i]);
    if (line == nullptr) return nullptr;
    env->SetObjectArrayElement(lines, i, line);
    env->DeleteLocalRef(line);
  }
  return lines;
}

}  // namespace

void on_transport_send(const cm_http_request* request, cm_transport_call* call, void* user_data) {
  auto* context = static_cast<ClientContext*>(user_data);
  JNIEnv* env = thread_env(kSdkThread);
  if (env == nullptr || env->ExceptionCheck()) {
    cm_transport_fail(call, "the JVM cannot run the app's transport on this thread");
    return;
  }
  LocalFrame frame(env, 6);
  if (!frame.ok()) {
    cm_transport_fail(call, "out of memory in the JVM");
    return;
  }
  jbyteArray method = new_utf8(env, request->method);
  jbyteArray url = method == nullptr ? nullptr : new_utf8(env, request->url);
  jobjectArray headers = url == nullptr ? nullptr : new_header_lines(env, request->headers);
  jbyteArray body = headers == nullptr ? nullptr : new_bytes(env, request->body, request->body_len);
  if (body == nullptr) {
    clear_exception(env);
    cm_transport_fail(call, "out of memory in the JVM");
    return;
  }
  // From here the call is Java's: TransportBridge.send completes it or hands it to the app on
  // every path, so an exception that still escapes (an Error) is only cleared here.
  env->CallVoidMethod(context->transport, g_jvm.transport_send, reinterpret_cast<jlong>(call), method, url, headers,
                      body, static_cast<jlong>(request->timeout_ms));
  clear_exception(env);
}

void on_transport_cancel(cm_transport_call* call, void* user_data) {
  auto* context = static_cast<ClientContext*>(user_data);
  JNIEnv* env = thread_env(kSdkThread);
  if (env == nullptr || env->ExceptionCheck()) return;  // a cancel is only a hint
  env->CallVoidMethod(context->transport, g_jvm.transport_cancel, reinterpret_cast<jlong>(call));
  clear_exception(env);
}

jint JNICALL transport_complete(JNIEnv* env, jclass, jlong handle, jint status, jobjectArray header_lines,
                                jbyteArray body) {
  auto* call = reinterpret_cast<cm_transport_call*>(handle);
  std::vector<std::string> lines;
  std::string bytes;
  bool ok = true;
  const jsize count = env->GetArrayLength(header_lines);
  lines.reserve(static_cast<std::size_t>(count));
  for (jsize i = 0; ok && i < count; ++i) {
    auto line = static_cast<jbyteArray>(env->GetObjectArrayElement(header_lines, i));
    Utf8Arg text;
    ok = line != nullptr && text.read(env, line);
    if (ok) lines.emplace_back(text.c_str());
    if (line != nullptr) env->DeleteLocalRef(line);
  }
  if (ok) {
    const jsize n = env->GetArrayLength(body);
    bytes.resize(static_cast<std::size_t>(n));
    if (n > 0) env->GetByteArrayRegion(body, 0, n, reinterpret_cast<jbyte*>(&bytes[0]));
    ok = !env->ExceptionCheck();
  }
  if (!ok) {  // out of memory (the error stays pending for the caller): the call still ends once
    cm_transport_fail(call, "out of memory copying the answer");
    return CM_E_OUT_OF_MEMORY;
  }
  std::vector<const char*> pointers;
  pointers.reserve(lines.size() + 1);
  for (const auto& l : lines) pointers.push_back(l.c_str());
  pointers.push_back(nullptr);
  return cm_transport_complete(call, status, pointers.data(), bytes.data(), bytes.size());
}

jint JNICALL transport_fail(JNIEnv* env, jclass, jlong handle, jbyteArray message) {
  auto* call = reinterpret_cast<cm_transport_call*>(handle);
  Utf8Arg text;
  if (!text.read(env, message)) return cm_transport_fail(call, nullptr);  // the OutOfMemoryError stays pending
  return cm_transport_fail(call, text.c_str());
}

}  // namespace creditmeter_jni
