package io.creditmeter;

import java.util.function.Consumer;

/**
 * One metered avatar session ({@link Client#startSession(SessionOptions)}): counts active time
 * while frames arrive, and gates rendering through {@link #mayRender()}.
 *
 * <p><b>Threads:</b> {@link #frame()} is called from one renderer thread per session; every
 * other method is thread-safe. {@link #frame()} and {@link #mayRender()} are lock-free and
 * allocation-free (one JNI call onto an atomic load or store). {@link #pause()},
 * {@link #resume()} and {@link #stop()} do no network or disk I/O and return at once; when they
 * return, {@link #state()} and {@link #mayRender()} already reflect them (the listener follows
 * on the callback thread). Listeners run on the client's callback thread (attached to the JVM
 * once, as a daemon), never under an SDK lock; any SDK call is allowed inside one. An exception
 * a listener throws is caught and logged.
 *
 * <p><b>Lifetime:</b> {@link #close()} is {@link #stop()}: {@link #id()}, {@link #state()} and
 * {@link #stats()} keep working after it. The listeners' JNI global reference is released
 * after the session's last state change ({@link SessionState#STOPPED}) was delivered, or, when
 * usage events were still unsettled then, at the first rejection or balance update that finds
 * them all settled (or when the session is freed, if that comes first). The native handle is freed when the session object becomes
 * unreachable (a cleaner thread), so a renderer thread still calling {@link #frame()} can never
 * touch freed memory; a session keeps its {@link Client} object reachable.
 */
public final class Session implements AutoCloseable {
  private final Client client; // sessions keep their client (and its native core) reachable
  private final long handle; // cm_session*: valid while this object is reachable
  private final String id;
  private final SessionListeners listeners;

  Session(Client client, long handle, long context, SessionListeners listeners) {
    this.client = client;
    this.handle = handle;
    this.listeners = listeners;
    this.id = Arguments.string(Native.sessionId(this, handle));
    HandleCleaner.register(this, () -> Native.sessionFree(context));
  }

  /**
   * The session id: the server's (a UUID) unless {@link SessionOptions#sessionId(String)}
   * chose one.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * The client that started this session.
   *
   * @return the client
   */
  public Client client() {
    return client;
  }

  /**
   * Call once per rendered frame, from the renderer thread: active time counts while frames
   * arrive (a gap longer than the idle threshold, 1 s by default, is idle). Lock-free, never
   * blocks, never allocates; a no-op unless the session is {@link SessionState#ACTIVE}.
   */
  public void frame() {
    Native.frame(this, handle);
  }

  /**
   * Whether the avatar may render now (the session is {@link SessionState#ACTIVE}). One atomic
   * load, lock-free: call it every frame.
   *
   * @return {@code true} to render, {@code false} to show the paused state
   */
  public boolean mayRender() {
    return Native.mayRender(this, handle);
  }

  /**
   * Records a usage event: {@code quantity} units of {@code action} (e.g. {@code "llm_gpt4"}, 1;
   * {@code "tts_seconds"}, 12.5), charged at the account's price for it (docs/CREDITS.md). Any
   * thread; never blocks on I/O: the event is kept in memory, journaled within 100 ms and sent
   * in a batch ({@link Client#flush(java.time.Duration)} waits for it). Accepted in every state
   * but {@link SessionState#STOPPED}. A refusal by the server for good reaches
   * {@link #onEventRejected(Consumer)}.
   *
   * @param action the action's name, 1 to 64 bytes of UTF-8
   * @param quantity units of it, 0 or more and finite (rounded to thousandths)
   * @return the event's id (a UUID, never changed: the server charges each id once)
   * @throws IllegalArgumentException for a {@code null} or empty action, one over 64 bytes, a
   *     quantity that is NaN, infinite or negative, a stopped or an audio-only session
   */
  public String record(String action, double quantity) {
    byte[][] eventId = new byte[1][];
    Status.check(Native.record(this, handle, Arguments.utf8(Arguments.notNull(action, "action"), "action"), quantity,
        eventId));
    return Arguments.string(eventId[0]);
  }

  /**
   * {@link #record(String, double)} with a quantity of 1.
   *
   * @param action the action's name, 1 to 64 bytes of UTF-8
   * @return the event's id
   * @throws IllegalArgumentException as {@link #record(String, double)}
   */
  public String record(String action) {
    return record(action, 1.0);
  }

  /**
   * Pauses the session ({@link SessionState#PAUSED_BY_USER}) until {@link #resume()}: nothing
   * is billed meanwhile. Returns at once (no I/O).
   */
  public void pause() {
    Status.check(Native.pause(this, handle));
  }

  /**
   * Resumes after {@link #pause()}: {@link SessionState#ACTIVE} at once unless billing or
   * connectivity still holds the session (then it resumes with the next successful heartbeat,
   * for example after a top-up). Returns at once (no I/O).
   */
  public void resume() {
    Status.check(Native.resume(this, handle));
  }

  /**
   * Stops the session for good ({@link SessionState#STOPPED}): the scheduler sends the release
   * with the final usage right away ({@link Client#flush(java.time.Duration)} waits for it).
   * Returns at once (no I/O). Stopping a stopped session does nothing.
   */
  public void stop() {
    Status.check(Native.stop(this, handle));
  }

  /**
   * {@link #stop()}, for try-with-resources. {@link #id()}, {@link #state()} and
   * {@link #stats()} keep working afterwards.
   */
  @Override
  public void close() {
    stop();
  }

  /**
   * The current state.
   *
   * @return the state
   */
  public SessionState state() {
    return SessionState.fromCode(Native.state(this, handle));
  }

  /**
   * A snapshot of the usage counters, live up to the last {@link #frame()}.
   *
   * @return the counters
   */
  public SessionStats stats() {
    long[] ints = new long[11];
    double[] doubles = new double[4];
    byte[][] texts = new byte[2][];
    Status.check(Native.stats(this, handle, ints, doubles, texts));
    return new SessionStats(ints, doubles, Arguments.string(texts[0]), Arguments.string(texts[1]));
  }

  /**
   * Sets this session's spending cap; raising it resumes a session the cap held.
   *
   * @param credits 0 or more credits ({@link Double#POSITIVE_INFINITY}: never reached)
   * @throws IllegalArgumentException for a negative cap or NaN
   */
  public void setMaxCredits(double credits) {
    Arguments.credits(credits, "maxCredits");
    Status.check(Native.sessionSetMaxCredits(this, handle, credits));
  }

  /**
   * Sets (or with {@code null} removes) the state-change listener; it applies from the next
   * transition delivered. To miss none, give it in {@link SessionOptions#onStateChange(Consumer)}
   * instead. Runs on the client's callback thread (audio-only sessions: on the thread calling
   * the method that caused the change), once per transition and in order.
   *
   * @param listener the listener, or {@code null}
   */
  public void onStateChange(Consumer<StateChange> listener) {
    listeners.onStateChange = listener;
  }

  /**
   * Sets (or with {@code null} removes) the balance listener: every change of the balance a
   * heartbeat answer reports (consecutive updates may coalesce to the latest). Runs on the
   * client's callback thread.
   *
   * @param listener the listener, or {@code null}
   */
  public void onBalance(Consumer<BalanceUpdate> listener) {
    listeners.onBalance = listener;
  }

  /**
   * Sets (or with {@code null} removes) the low-balance listener: once per downward crossing
   * of the low-balance threshold (again only after a top-up lifted the balance above it). Runs
   * on the client's callback thread.
   *
   * @param listener the listener, or {@code null}
   */
  public void onLowBalance(Consumer<BalanceUpdate> listener) {
    listeners.onLowBalance = listener;
  }

  /**
   * Sets (or with {@code null} removes) the rejected-event listener: a usage event the server
   * refused for good ({@link RejectedEvent#code()}, e.g. {@code "UNKNOWN_ACTION"}); the library
   * also logs a warning. Runs on the client's callback thread, in order with the session's
   * other listeners; also after {@link SessionState#STOPPED} for events still unsettled then
   * (the listeners are held until the last of them settled, or the session is freed).
   *
   * @param listener the listener, or {@code null}
   */
  public void onEventRejected(Consumer<RejectedEvent> listener) {
    listeners.onEventRejected = listener;
  }
}
