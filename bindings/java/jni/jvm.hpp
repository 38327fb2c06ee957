#pragma once
// The JVM side of the JNI layer: the cached VM and method ids, attaching SDK threads, byte[]
// <-> C string conversion, and the rule that no Java exception is ever left pending when
// control returns into the C library.

#include <jni.h>

#include <string>

namespace creditmeter_jni {

// Filled once by JNI_OnLoad (registration.cpp).
struct Jvm {
  JavaVM* vm = nullptr;
  jclass byte_array = nullptr;        // byte[] (global ref)
  jmethodID log = nullptr;            // ClientCallbacks.log(int, byte[])
  jmethodID exchange = nullptr;       // ClientCallbacks.exchange(byte[]) -> byte[]
  jmethodID state_changed = nullptr;  // SessionListeners.stateChanged(int, int, int, byte[])
  jmethodID balance = nullptr;        // SessionListeners.balance(boolean, double, double, double, byte[])
  jmethodID event_rejected = nullptr;  // SessionListeners.eventRejected(byte[], byte[], double, byte[], byte[])
  jmethodID transport_send = nullptr;    // TransportBridge.send(long, byte[], byte[], byte[][], byte[], long)
  jmethodID transport_cancel = nullptr;  // TransportBridge.cancel(long)
};
extern Jvm g_jvm;

// This thread's JNIEnv. A thread the JVM does not know (the client's callback and scheduler
// threads) is attached once, as a daemon named `name`, and detached when it exits. nullptr
// when it cannot be attached (the JVM is shutting down).
JNIEnv* thread_env(const char* name);

// A string argument from Java: a byte[] of UTF-8 (null = unset, which C reads as NULL).
class Utf8Arg {
 public:
  // False with an exception pending (out of memory).
  bool read(JNIEnv* env, jbyteArray bytes);
  const char* c_str() const { return present_ ? value_.c_str() : nullptr; }

 private:
  bool present_ = false;
  std::string value_;
};

// A new byte[] holding `text` (NULL gives an empty array). nullptr with an exception pending
// when the JVM is out of memory.
jbyteArray new_utf8(JNIEnv* env, const char* text);

// After calling Java from a native callback: prints and clears a pending exception (the Java
// dispatchers catch their own; this is the backstop for errors such as OutOfMemoryError).
// True when there was one.
bool clear_exception(JNIEnv* env);

// A local reference frame for a callback on a long-lived attached thread, whose local
// references would otherwise pile up until it detaches.
class LocalFrame {
 public:
  LocalFrame(JNIEnv* env, jint capacity);
  ~LocalFrame();
  LocalFrame(const LocalFrame&) = delete;
  LocalFrame& operator=(const LocalFrame&) = delete;
  bool ok() const { return ok_; }

 private:
  JNIEnv* env_;
  bool ok_;
};

}  // namespace creditmeter_jni
