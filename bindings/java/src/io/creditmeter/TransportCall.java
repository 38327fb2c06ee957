package io.creditmeter;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One request in flight through the app's {@link HttpTransport}: the Java face of the C ABI's
 * {@code cm_transport_call}. The transport answers it exactly once, with {@link #complete} (the
 * server answered, whatever the status) or {@link #fail} (no answer: DNS, connection, TLS,
 * timeout), from any thread, also inside {@link HttpTransport#send}.
 *
 * <p><b>Exactly once, safely:</b> the first {@code complete} or {@code fail} hands the answer
 * to the library and frees the native handle; every later one returns {@code false} and does
 * nothing, so an OkHttp callback racing a cancel can never touch freed memory. A completion
 * after the library gave up on the call (its timeout passed) or after the client was closed
 * is accepted here and ignored by the library.
 *
 * <p><b>Ownership:</b> the transport owns the call from {@code send} until it completes it;
 * it must complete or fail it even after {@link HttpTransport#cancel} (the answer is then
 * ignored). A call never completed holds a small native handle until {@link Client#close()}
 * or until this object is garbage-collected (either fails it; the collection also reports a
 * {@code WARNING} to the log sink: it is a bug in the transport). The library itself already
 * abandoned it at its timeout (offline, retried), so no usage waits for it.
 */
public final class TransportCall {
  private final Handle handle;
  private volatile Object attachment;

  TransportCall(Handle handle) {
    this.handle = handle;
  }

  /**
   * The server answered. Do not follow redirects: pass a 3xx on as it is.
   *
   * @param status the HTTP status (100-599; another value fails the call as offline)
   * @param headers the answer's headers, one {@code "Name: value"} string each (the library
   *     reads {@code Retry-After}); {@code null} for none. The list is copied.
   * @param body the answer's body; {@code null} for none. The array is copied.
   * @return {@code true} when this was the call's first completion (handed to the library,
   *     which ignores it if it already gave up); {@code false} when it was already completed
   *     or failed (nothing happens)
   * @throws IllegalArgumentException a {@code null} element or a NUL character in
   *     {@code headers}: the call is failed (offline, retried) before this is thrown
   */
  public boolean complete(int status, List<String> headers, byte[] body) {
    byte[][] lines;
    try {
      lines = headerLines(headers);
    } catch (IllegalArgumentException e) {
      fail("the transport completed the call with an unusable header: " + e.getMessage());
      throw e;
    }
    long call = handle.take();
    if (call == 0) {
      return false;
    }
    Native.transportComplete(call, status, lines, body == null ? new byte[0] : body);
    return true;
  }

  /**
   * No answer (DNS, connection, TLS, timeout, cancelled): the library takes it as offline and
   * retries.
   *
   * @param message why, for the log (may be {@code null}); keep secrets out of it
   * @return {@code true} when this was the call's first completion; {@code false} when it was
   *     already completed or failed (nothing happens)
   */
  public boolean fail(String message) {
    return handle.fail(message == null ? "no reason given" : message);
  }

  /**
   * Whether the call was completed or failed already (by the transport, or released by
   * {@link Client#close()}).
   *
   * @return {@code true} once completed or failed
   */
  public boolean isDone() {
    return handle.isDone();
  }

  /**
   * Keeps the transport's own object for this call, typically the stack's call to stop in
   * {@link HttpTransport#cancel} (OkHttp's {@code Call}). The library never reads it.
   *
   * @param attachment any object, or {@code null}
   */
  public void setAttachment(Object attachment) {
    this.attachment = attachment;
  }

  /**
   * The object given to {@link #setAttachment(Object)}.
   *
   * @return the attachment, or {@code null}
   */
  public Object attachment() {
    return attachment;
  }

  private static byte[][] headerLines(List<String> headers) {
    if (headers == null) {
      return new byte[0][];
    }
    byte[][] lines = new byte[headers.size()][];
    int i = 0;
    for (String line : headers) {
      if (line == null) {
        throw new IllegalArgumentException("headers must not contain null");
      }
      if (line.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a header must not contain a NUL character");
      }
      lines[i++] = line.getBytes(StandardCharsets.UTF_8);
    }
    return lines;
  }

  /**
   * The native cm_transport_call*, taken exactly once. Also the cleaner's action (it refers to
   * no TransportCall), and what {@link TransportBridge} keeps to release calls at close.
   */
  static final class Handle {
    private final AtomicLong call;
    private final TransportBridge bridge;
    private volatile HandleCleaner.Cleanable cleanable;

    Handle(long call, TransportBridge bridge) {
      this.call = new AtomicLong(call);
      this.bridge = bridge;
    }

    void watch(TransportCall owner) {
      cleanable = HandleCleaner.register(owner, this::dropped);
    }

    /** The native handle, once: 0 when it was taken already. Forgets it first, then frees it. */
    long take() {
      long taken = call.getAndSet(0);
      if (taken != 0) {
        bridge.forget(taken); // before the native free: the address may be reused after it
        HandleCleaner.Cleanable c = cleanable;
        if (c != null) {
          c.clean(); // runs dropped(), which finds nothing left to take
        }
      }
      return taken;
    }

    boolean isDone() {
      return call.get() == 0;
    }

    boolean fail(String message) {
      long taken = take();
      if (taken == 0) {
        return false;
      }
      Native.transportFail(taken, message.replace('\0', ' ').getBytes(StandardCharsets.UTF_8));
      return true;
    }

    /** The cleaner: the TransportCall became unreachable, maybe without a completion. */
    private void dropped() {
      if (fail("the app's transport dropped the call without completing it")) {
        bridge.warn("the app's transport dropped a call without completing or failing it (a bug in the"
            + " transport; the library had abandoned it at its timeout)");
      }
    }
  }
}
