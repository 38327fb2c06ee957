package io.creditmeter;

/**
 * The account balance as a session learned it from the server (every heartbeat answer), given
 * to {@link Session#onBalance(java.util.function.Consumer)} and
 * {@link Session#onLowBalance(java.util.function.Consumer)}. Immutable.
 */
public final class BalanceUpdate {
  private final double balance;
  private final double minutesLeft;
  private final double sessionCredits;

  BalanceUpdate(double balance, double minutesLeft, double sessionCredits) {
    this.balance = balance;
    this.minutesLeft = minutesLeft;
    this.sessionCredits = sessionCredits;
  }

  /**
   * The account balance in credits; negative is debt that a top-up pays first.
   *
   * @return credits
   */
  public double balance() {
    return balance;
  }

  /**
   * Minutes of runtime the balance buys at this session's rate.
   *
   * @return minutes ({@link Double#POSITIVE_INFINITY} for a free session)
   */
  public double minutesLeft() {
    return minutesLeft;
  }

  /**
   * Credits charged for this session so far.
   *
   * @return credits
   */
  public double sessionCredits() {
    return sessionCredits;
  }

  /**
   * A readable summary.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    return "balance " + balance + " credits, " + minutesLeft + " min left, session " + sessionCredits + " credits";
  }
}
