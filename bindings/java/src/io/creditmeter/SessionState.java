package io.creditmeter;

/**
 * The state of a {@link Session}. Precedence, highest first: {@code STOPPED} &gt;
 * {@code PAUSED_BY_USER} &gt; {@code PAUSED_BILLING} &gt; {@code PAUSED_OFFLINE} &gt;
 * {@code ACTIVE}. Only {@code ACTIVE} renders and bills.
 *
 * <p>The constants are declared in the C ABI's order ({@code cm_session_state}), which is how
 * the binding converts them.
 */
public enum SessionState {
  /** Rendering and metering: frames count as billed active time. */
  ACTIVE,
  /** Paused by {@link Session#pause()} until {@link Session#resume()}. */
  PAUSED_BY_USER,
  /** Paused by billing (out of credits, a spending cap, a revoked key): resumes on the next
   * successful heartbeat after a top-up. */
  PAUSED_BILLING,
  /** Paused because the server was unreachable for longer than the offline grace: resumes
   * as soon as a heartbeat gets through. */
  PAUSED_OFFLINE,
  /** Final: {@link Session#stop()}, {@link Session#close()} or {@link Client#close()}. */
  STOPPED;

  private static final SessionState[] BY_CODE = values();

  static SessionState fromCode(int code) {
    if (code < 0 || code >= BY_CODE.length) {
      throw new IllegalStateException("creditmeter: unknown session state " + code + " from the native library");
    }
    return BY_CODE[code];
  }
}
