package io.creditmeter;

/**
 * Why a {@link Session} changed state: the C++ {@code Reason}s, upper case.
 *
 * <p>The constants are declared in the C ABI's order ({@code cm_reason}), which is how the
 * binding converts them.
 */
public enum Reason {
  /** Back to active: the server answered 2xx again. */
  NONE,
  /** {@link Session#pause()} or {@link Session#resume()}. */
  USER,
  /** The server answered 402: top up to resume. */
  INSUFFICIENT_CREDITS,
  /** The server answered 401/403: key revoked or token refused. */
  AUTHENTICATION_FAILED,
  /** The server is unreachable (still inside the offline grace). */
  OFFLINE,
  /** Offline for longer than the server's grace: rendering pauses. */
  GRACE_EXPIRED,
  /** A spending cap was reached ({@link SessionState#PAUSED_BILLING}). */
  SPEND_CAP,
  /** The usage journal is full ({@link SessionState#PAUSED_BILLING}). */
  JOURNAL_FULL,
  /** {@link Session#stop()} or the client shut down. */
  STOPPED;

  private static final Reason[] BY_CODE = values();

  static Reason fromCode(int code) {
    if (code < 0 || code >= BY_CODE.length) {
      throw new IllegalStateException("creditmeter: unknown reason " + code + " from the native library");
    }
    return BY_CODE[code];
  }
}
