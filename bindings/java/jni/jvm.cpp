#include "jvm.hpp"

#include <cstring>

namespace creditmeter_jni {

Jvm g_jvm;

namespace {

// Detaches a thread this layer attached, when the thread exits (the JVM requires it).
struct Attachment {
  bool attached = false;
  ~Attachment() {
    if (attached && g_jvm.vm != nullptr) g_jvm.vm->DetachCurrentThread();
  }
};
thread_local Attachment t_attachment;

}  // namespace

JNIEnv* thread_env(const char* name) {
  JNIEnv* env = nullptr;
  const jint rc = g_jvm.vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6);
  if (rc == JNI_OK) return env;
  if (rc != JNI_EDETACHED) return nullptr;
  JavaVMAttachArgs args;
  args.version = JNI_VERSION_1_6;
  args.name = const_cast<char*>(name);
  args.group = nullptr;
#ifdef __ANDROID__
  if (g_jvm.vm->AttachCurrentThreadAsDaemon(&env, &args) != JNI_OK) return nullptr;
#else
  if (g_jvm.vm->AttachCurrentThreadAsDaemon(reinterpret_cast<void**>(&env), &args) != JNI_OK) return nullptr;
#endif
  t_attachment.attached = true;
  return env;
}

bool Utf8Arg::read(JNIEnv* env, jbyteArray bytes) {
  present_ = bytes != nullptr;
  if (!present_) return true;
  const jsize n = env->GetArrayLength(bytes);
  value_.assign(static_cast<std::size_t>(n), '\0');
  env->GetByteArrayRegion(bytes, 0, n, reinterpret_cast<jbyte*>(&value_[0]));
  return !env->ExceptionCheck();
}

jbyteArray new_utf8(JNIEnv* env, const char* text) {
  const jsize n = text == nullptr ? 0 : static_cast<jsize>(std::strlen(text));
  jbyteArray bytes = env->NewByteArray(n);
  if (bytes == nullptr) return nullptr;
  if (n > 0) env->SetByteArrayRegion(bytes, 0, n, reinterpret_cast<const jbyte*>(text));
  return bytes;
}

bool clear_exception(JNIEnv* env) {
  if (!env->ExceptionCheck()) return false;
  env->ExceptionDescribe();  // prints it (stderr; Android: logcat) and clears it
  env->ExceptionClear();
  return true;
}

LocalFrame::LocalFrame(JNIEnv* env, jint capacity) : env_(env), ok_(env->PushLocalFrame(capacity) == 0) {
  if (!ok_) clear_exception(env);
}

LocalFrame::~LocalFrame() {
  if (ok_) env_->PopLocalFrame(nullptr);
}

}  // namespace creditmeter_jni
