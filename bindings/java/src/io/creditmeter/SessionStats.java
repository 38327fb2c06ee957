package io.creditmeter;

/**
 * A snapshot of a session's usage counters, live up to the last {@link Session#frame()}.
 * Immutable. Times are milliseconds of active (rendered, billed) time, money is credits.
 */
public final class SessionStats {
  private final long activeMs;
  private final long reportedMs;
  private final double creditsCharged;
  private final double balance;
  private final long heartbeatsOk;
  private final long heartbeatsFailed;
  private final long graceRemainingMs;
  private final double minutesLeft;
  private final long heartbeatsRetried;
  private final Reason lastErrorReason;
  private final String lastError;
  private final long eventsRecorded;
  private final long eventsAcknowledged;
  private final long eventsRejected;
  private final long eventsPending;
  private final String unit;
  private final double eventsCreditsCharged;

  SessionStats(long[] ints, double[] doubles, String lastError, String unit) {
    this.activeMs = ints[0];
    this.reportedMs = ints[1];
    this.heartbeatsOk = ints[2];
    this.heartbeatsFailed = ints[3];
    this.graceRemainingMs = ints[4];
    this.heartbeatsRetried = ints[5];
    this.lastErrorReason = Reason.fromCode((int) ints[6]);
    this.creditsCharged = doubles[0];
    this.balance = doubles[1];
    this.minutesLeft = doubles[2];
    this.eventsCreditsCharged = doubles[3];
    this.lastError = lastError;
    this.eventsRecorded = ints[7];
    this.eventsAcknowledged = ints[8];
    this.eventsRejected = ints[9];
    this.eventsPending = ints[10];
    this.unit = unit;
  }

  /**
   * Active time metered so far.
   *
   * @return milliseconds
   */
  public long activeMs() {
    return activeMs;
  }

  /**
   * Active time the server has acknowledged. After {@link Session#stop()} and a successful
   * {@link Client#flush(java.time.Duration)} it equals {@link #activeMs()} and the server's
   * ledger exactly.
   *
   * @return milliseconds
   */
  public long reportedMs() {
    return reportedMs;
  }

  /**
   * Credits the server charged for this session.
   *
   * @return credits
   */
  public double creditsCharged() {
    return creditsCharged;
  }

  /**
   * The account balance in the latest server answer; negative is debt.
   *
   * @return credits
   */
  public double balance() {
    return balance;
  }

  /**
   * Heartbeats and releases the server answered 2xx.
   *
   * @return a count
   */
  public long heartbeatsOk() {
    return heartbeatsOk;
  }

  /**
   * Attempts that failed (offline, 5xx, 4xx).
   *
   * @return a count
   */
  public long heartbeatsFailed() {
    return heartbeatsFailed;
  }

  /**
   * Time left before an outage pauses rendering ({@link SessionState#PAUSED_OFFLINE}).
   *
   * @return milliseconds
   */
  public long graceRemainingMs() {
    return graceRemainingMs;
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
   * Resends of a heartbeat or release already sent once (each absorbed by the server's
   * idempotency: never billed twice).
   *
   * @return a count
   */
  public long heartbeatsRetried() {
    return heartbeatsRetried;
  }

  /**
   * What the latest failed attempt means for billing.
   *
   * @return the reason, {@link Reason#NONE} when nothing failed
   */
  public Reason lastErrorReason() {
    return lastErrorReason;
  }

  /**
   * The latest failed attempt's message (never a secret).
   *
   * @return the message, {@code ""} when nothing failed
   */
  public String lastError() {
    return lastError;
  }

  /**
   * Usage events recorded ({@link Session#record(String, double)}).
   *
   * @return a count
   */
  public long eventsRecorded() {
    return eventsRecorded;
  }

  /**
   * Usage events the server charged (accepted, or a duplicate of one it charged).
   *
   * @return a count
   */
  public long eventsAcknowledged() {
    return eventsAcknowledged;
  }

  /**
   * Usage events the server refused for good (see {@link RejectedEvent}).
   *
   * @return a count
   */
  public long eventsRejected() {
    return eventsRejected;
  }

  /**
   * Usage events recorded but not settled yet (neither charged nor rejected).
   *
   * @return a count
   */
  public long eventsPending() {
    return eventsPending;
  }

  /**
   * What {@link #creditsCharged()} and {@link #balance()} count in.
   *
   * @return {@code "credits"}, or the account's currency (e.g. {@code "USD"})
   */
  public String unit() {
    return unit;
  }

  /**
   * The part of {@link #creditsCharged()} the usage events cost, as the server charged them
   * (duplicates included); {@code creditsCharged() - eventsCreditsCharged()} is what active time
   * cost. Equal to the server ledger's event charges.
   *
   * @return an amount in {@link #unit()}
   */
  public double eventsCreditsCharged() {
    return eventsCreditsCharged;
  }

  /**
   * A readable summary.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    return "active " + activeMs + " ms, reported " + reportedMs + " ms, charged " + creditsCharged + " " + unit
        + " (events " + eventsCreditsCharged + "), balance " + balance + ", heartbeats " + heartbeatsOk + " ok / " + heartbeatsFailed
        + " failed, grace left " + graceRemainingMs + " ms";
  }
}
