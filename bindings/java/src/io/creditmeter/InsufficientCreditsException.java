package io.creditmeter;

/**
 * The account's balance is zero or below: top up, then start again. Nothing was charged.
 */
public class InsufficientCreditsException extends CreditMeterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened (never a secret)
   */
  public InsufficientCreditsException(String message) {
    super(message);
  }
}
