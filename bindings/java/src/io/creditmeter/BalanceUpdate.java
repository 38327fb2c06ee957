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
  private final String unit;

  BalanceUpdate(double balance, double minutesLeft, double sessionCredits, String unit) {
    this.balance = balance;
    this.minutesLeft = minutesLeft;
    this.sessionCredits = sessionCredits;
    this.unit = unit;
  }

  /**
   * The account balance; negative is debt that a top-up pays first.
   *
   * @return an amount in {@link #unit()}
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
   * What this session was charged so far (active time and usage events).
   *
   * @return an amount in {@link #unit()}
   */
  public double sessionCredits() {
    return sessionCredits;
  }

  /**
   * What {@link #balance()} and {@link #sessionCredits()} count in ({@link SessionStats#unit()}).
   *
   * @return {@code "credits"}, or the account's currency (e.g. {@code "USD"})
   */
  public String unit() {
    return unit;
  }

  /**
   * A readable summary.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    return "balance " + balance + " " + unit + ", " + minutesLeft + " min left, session " + sessionCredits + " " + unit;
  }
}
