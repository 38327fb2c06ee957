package io.creditmeter;

/**
 * The API secret was refused or revoked, or the {@link TokenProvider} refused (its exception,
 * if it threw, is the cause). Nothing was charged. Fix the credentials; retrying will not help.
 */
public class AuthenticationException extends CreditMeterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened (never a secret)
   */
  public AuthenticationException(String message) {
    super(message);
  }
}
