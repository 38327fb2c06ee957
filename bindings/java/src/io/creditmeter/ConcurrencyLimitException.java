package io.creditmeter;

/**
 * The plan's concurrent-session limit is reached: stop another session (or wait for an
 * abandoned one's slot to expire), then start again. Nothing was charged.
 */
public class ConcurrencyLimitException extends CreditMeterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened (never a secret)
   */
  public ConcurrencyLimitException(String message) {
    super(message);
  }
}
