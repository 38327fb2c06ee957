package io.creditmeter;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What JNI calls for the app's {@link HttpTransport} (the C ABI's transport_send and
 * transport_cancel): turns a native call into a {@link TransportCall}, finds it again for a
 * cancel, and frees at close the native handles of calls the app still holds. Held by a JNI
 * global reference until the client and all its sessions are freed. Never lets an exception
 * escape into native code.
 */
final class TransportBridge {
  private final HttpTransport transport;
  private final ClientCallbacks callbacks;
  // The calls handed out and not completed yet, by native handle. The TransportCall is weak:
  // a call the app dropped must stay collectable (its cleaner fails it).
  private final Map<Long, Open> open = new ConcurrentHashMap<>();

  private static final class Open {
    final TransportCall.Handle handle;
    final WeakReference<TransportCall> call;

    Open(TransportCall.Handle handle, TransportCall call) {
      this.handle = handle;
      this.call = new WeakReference<>(call);
    }
  }

  TransportBridge(HttpTransport transport, ClientCallbacks callbacks) {
    this.transport = transport;
    this.callbacks = callbacks;
  }

  /**
   * Called by JNI on the scheduler thread or the thread of a synchronous call. From its first
   * statement Java owns {@code nativeCall}: every path completes it or hands it to the app.
   */
  void send(long nativeCall, byte[] method, byte[] url, byte[][] headers, byte[] body, long timeoutMs) {
    TransportCall.Handle handle = null;
    TransportCall call;
    try {
      handle = new TransportCall.Handle(nativeCall, this);
      call = new TransportCall(handle);
      open.put(nativeCall, new Open(handle, call));
      handle.watch(call);
    } catch (Throwable t) { // out of memory: give the call back as offline, once
      if (handle == null) {
        Native.transportFail(nativeCall, null);
      } else {
        handle.fail("out of memory");
      }
      return;
    }
    try {
      List<String> lines = new ArrayList<>(headers.length);
      for (byte[] line : headers) {
        lines.add(Arguments.string(line));
      }
      HttpRequest request = new HttpRequest(Arguments.string(method), Arguments.string(url), lines, body, timeoutMs);
      transport.send(request, call);
    } catch (Throwable t) {
      callbacks.report("the transport's send", t);
      call.fail("send threw " + t.getClass().getName());
    }
  }

  /** Called by JNI on the thread that gave up on the call; the native handle is valid during it. */
  void cancel(long nativeCall) {
    try {
      Open o = open.get(nativeCall);
      TransportCall call = o == null ? null : o.call.get();
      if (call != null && !call.isDone()) {
        transport.cancel(call);
      }
    } catch (Throwable t) {
      callbacks.report("the transport's cancel", t);
    }
  }

  /** The call was completed: a cancel no longer finds it. */
  void forget(long nativeCall) {
    open.remove(nativeCall);
  }

  /**
   * After the native client was freed: frees the handles of the calls the app has not
   * completed yet (the library ignores their answers now). The app's later completions of
   * them return {@code false}.
   */
  void releaseAll() {
    for (Open o : open.values()) { // weakly consistent: removal while iterating is safe
      o.handle.fail("the client is closed");
    }
  }

  void warn(String line) {
    callbacks.warn(line);
  }
}
