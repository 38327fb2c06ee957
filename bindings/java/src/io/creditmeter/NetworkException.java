package io.creditmeter;

/**
 * The server could not be reached or answered unusably (timeout, TLS failure, 5xx, 429, a
 * malformed answer). Nothing was charged; retrying later may succeed.
 */
public class NetworkException extends CreditMeterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened (never a secret)
   */
  public NetworkException(String message) {
    super(message);
  }
}
