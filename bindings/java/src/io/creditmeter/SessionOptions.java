package io.creditmeter;

import java.util.function.Consumer;

/**
 * Options of one session ({@link Client#startSession(SessionOptions)}): chained setters, each
 * returning this object. An option not set keeps the library's default (the C ABI's
 * {@code cm_session_options_init}: model {@code "essence"}, surface {@code "cloud"}). Setters
 * refuse {@code null} with {@link IllegalArgumentException}; the start checks the values. Not
 * thread-safe; the start copies what it needs.
 */
public final class SessionOptions {
  String model;
  String surface;
  boolean audioOnly;
  String sessionId;
  double lowBalanceMinutes = Double.NaN;
  double lowBalanceCredits = Double.NaN;
  double maxCredits = Double.NaN;
  Consumer<StateChange> onStateChange;
  Consumer<BalanceUpdate> onBalance;
  Consumer<BalanceUpdate> onLowBalance;
  Consumer<RejectedEvent> onEventRejected;

  /** Creates options with every value unset (the library's defaults). */
  public SessionOptions() {}

  /**
   * The avatar model, e.g. {@code "essence"} or {@code "expression"} (a string, so a model the
   * server adds needs no SDK release).
   *
   * @param model the model name (empty is refused at the start)
   * @return this
   */
  public SessionOptions model(String model) {
    this.model = Arguments.notNull(model, "model");
    return this;
  }

  /**
   * Where the avatar runs: {@code "cloud"}, {@code "self_hosted"}, {@code "on_device"}.
   *
   * @param surface the surface name (empty is refused at the start)
   * @return this
   */
  public SessionOptions surface(String surface) {
    this.surface = Arguments.notNull(surface, "surface");
    return this;
  }

  /**
   * Audio-only sessions are free: no network call, no thread, never billed. Their callbacks
   * run on the thread calling the method that causes them.
   *
   * @param audioOnly whether the session is audio-only
   * @return this
   */
  public SessionOptions audioOnly(boolean audioOnly) {
    this.audioOnly = audioOnly;
    return this;
  }

  /**
   * A caller-chosen session id (1-128 of {@code [A-Za-z0-9._:-]}). Unset or empty: a random
   * UUID. Another id is refused at the start ({@link IllegalArgumentException}).
   *
   * @param sessionId the id
   * @return this
   */
  public SessionOptions sessionId(String sessionId) {
    this.sessionId = Arguments.notNull(sessionId, "sessionId");
    return this;
  }

  /**
   * Low-balance threshold in minutes of runtime at this session's rate (library default: 5).
   *
   * @param minutes 0 or more (NaN is refused here, a negative number at the start)
   * @return this
   */
  public SessionOptions lowBalanceMinutes(double minutes) {
    this.lowBalanceMinutes = Arguments.credits(minutes, "lowBalanceMinutes");
    return this;
  }

  /**
   * Low-balance threshold in credits (the account's unit, as {@link SessionStats#unit()} says;
   * overrides {@link #lowBalanceMinutes(double)}).
   *
   * @param credits the threshold, a finite number (NaN is refused here, infinity at the start)
   * @return this
   */
  public SessionOptions lowBalanceCredits(double credits) {
    this.lowBalanceCredits = Arguments.credits(credits, "lowBalanceCredits");
    return this;
  }

  /**
   * A spending cap for this session: it pauses ({@link SessionState#PAUSED_BILLING},
   * {@link Reason#SPEND_CAP}) before its charges would cross it. Unset: no cap.
   *
   * @param credits 0 or more credits (negative is refused at the start)
   * @return this
   */
  public SessionOptions maxCredits(double credits) {
    this.maxCredits = Arguments.credits(credits, "maxCredits");
    return this;
  }

  /**
   * The state-change listener, set before the start so that no transition is missed (same
   * rules as {@link Session#onStateChange(Consumer)}).
   *
   * @param listener the listener
   * @return this
   */
  public SessionOptions onStateChange(Consumer<StateChange> listener) {
    this.onStateChange = Arguments.notNull(listener, "onStateChange");
    return this;
  }

  /**
   * The balance listener (same rules as {@link Session#onBalance(Consumer)}).
   *
   * @param listener the listener
   * @return this
   */
  public SessionOptions onBalance(Consumer<BalanceUpdate> listener) {
    this.onBalance = Arguments.notNull(listener, "onBalance");
    return this;
  }

  /**
   * The low-balance listener (same rules as {@link Session#onLowBalance(Consumer)}).
   *
   * @param listener the listener
   * @return this
   */
  public SessionOptions onLowBalance(Consumer<BalanceUpdate> listener) {
    this.onLowBalance = Arguments.notNull(listener, "onLowBalance");
    return this;
  }

  /**
   * The rejected-event listener (same rules as {@link Session#onEventRejected(Consumer)}).
   *
   * @param listener the listener
   * @return this
   */
  public SessionOptions onEventRejected(Consumer<RejectedEvent> listener) {
    this.onEventRejected = Arguments.notNull(listener, "onEventRejected");
    return this;
  }
}
