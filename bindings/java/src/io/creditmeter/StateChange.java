package io.creditmeter;

/**
 * One state transition of a {@link Session}, given to its state-change listener once and in
 * order. Immutable.
 */
public final class StateChange {
  private final SessionState from;
  private final SessionState to;
  private final Reason reason;
  private final String message;

  StateChange(SessionState from, SessionState to, Reason reason, String message) {
    this.from = from;
    this.to = to;
    this.reason = reason;
    this.message = message;
  }

  /**
   * The state before the transition.
   *
   * @return the previous state
   */
  public SessionState from() {
    return from;
  }

  /**
   * The state after the transition.
   *
   * @return the new state
   */
  public SessionState to() {
    return to;
  }

  /**
   * Why the session changed state.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * A human-readable explanation, safe to show or log (never a secret or token).
   *
   * @return the message, never {@code null}
   */
  public String message() {
    return message;
  }

  /**
   * A readable summary, e.g. {@code "ACTIVE -> PAUSED_BILLING (INSUFFICIENT_CREDITS): ..."}.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    return from + " -> " + to + " (" + reason + "): " + message;
  }
}
