package io.creditmeter;

/**
 * A usage event ({@link Session#record(String, double)}) the server refused for good, given to
 * {@link Session#onEventRejected(java.util.function.Consumer)}: not charged, not resent, counted
 * as settled by {@link Client#flush(java.time.Duration)}. Immutable.
 */
public final class RejectedEvent {
  private final String eventId;
  private final String action;
  private final double quantity;
  private final String code;
  private final String message;

  RejectedEvent(String eventId, String action, double quantity, String code, String message) {
    this.eventId = eventId;
    this.action = action;
    this.quantity = quantity;
    this.code = code;
    this.message = message;
  }

  /**
   * The event's id, as {@link Session#record(String, double)} returned it.
   *
   * @return a UUID
   */
  public String eventId() {
    return eventId;
  }

  /**
   * The action recorded.
   *
   * @return the action, e.g. {@code "llm_gpt4"}
   */
  public String action() {
    return action;
  }

  /**
   * The quantity recorded, rounded to thousandths as it was sent.
   *
   * @return units of the action
   */
  public double quantity() {
    return quantity;
  }

  /**
   * The server's reason.
   *
   * @return an UPPER_SNAKE code, e.g. {@code "UNKNOWN_ACTION"}
   */
  public String code() {
    return code;
  }

  /**
   * The server's words (printable; never a secret).
   *
   * @return the message
   */
  public String message() {
    return message;
  }

  /**
   * A readable summary.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    return "event " + eventId + " (" + action + " x " + quantity + ") rejected: " + code + ": " + message;
  }
}
