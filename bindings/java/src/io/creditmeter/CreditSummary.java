package io.creditmeter;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The account's credits as {@code GET /v2/credit-summaries} reports them
 * ({@link Client#creditSummary()}). Immutable.
 */
public final class CreditSummary {
  private final double balance;
  private final String plan;
  private final String renewsAt;
  private final double planCredits;
  private final double topupCredits;
  private final Map<String, Long> estimatedMinutes;
  private final String unit;

  CreditSummary(double[] amounts, String plan, String renewsAt, String[] keys, long[] minutes, String unit) {
    this.balance = amounts[0];
    this.planCredits = amounts[1];
    this.topupCredits = amounts[2];
    this.plan = plan;
    this.renewsAt = renewsAt;
    Map<String, Long> m = new TreeMap<>();
    for (int i = 0; i < keys.length; i++) {
      m.put(keys[i], minutes[i]);
    }
    this.estimatedMinutes = Collections.unmodifiableMap(m);
    this.unit = unit;
  }

  /**
   * The balance; negative is debt that a top-up pays first.
   *
   * @return credits
   */
  public double balance() {
    return balance;
  }

  /**
   * The account's plan, e.g. {@code "creator"}.
   *
   * @return the plan, {@code ""} when the server did not say
   */
  public String plan() {
    return plan;
  }

  /**
   * When the plan renews, RFC 3339.
   *
   * @return the time, {@code ""} when the server did not say
   */
  public String renewsAt() {
    return renewsAt;
  }

  /**
   * Credits of the balance that come from the plan.
   *
   * @return credits
   */
  public double planCredits() {
    return planCredits;
  }

  /**
   * Credits of the balance that come from top-ups.
   *
   * @return credits
   */
  public double topupCredits() {
    return topupCredits;
  }

  /**
   * Whole minutes of runtime the balance buys, by {@code "<model>_<surface>"} (e.g.
   * {@code "essence_cloud"}), sorted by key.
   *
   * @return an unmodifiable map
   */
  public Map<String, Long> estimatedMinutes() {
    return estimatedMinutes;
  }

  /**
   * What {@link #balance()}, {@link #planCredits()} and {@link #topupCredits()} count in.
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
    return "balance " + balance + " " + unit + " (plan " + plan + ", renews " + renewsAt + "), minutes " + estimatedMinutes;
  }
}
