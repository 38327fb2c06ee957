package io.creditmeter;

/**
 * A creditmeter call failed for a reason the app may handle (unchecked). The subclasses name
 * the common cases; this class itself covers the rest (the server refused the request for
 * another reason, an internal failure). Bad arguments throw {@link IllegalArgumentException}
 * instead, and calls on a closed {@link Client} throw {@link IllegalStateException}.
 *
 * <p>Messages say what happened and what to do; they never contain the API secret or a token.
 */
public class CreditMeterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened (never a secret)
   */
  public CreditMeterException(String message) {
    super(message);
  }
}
