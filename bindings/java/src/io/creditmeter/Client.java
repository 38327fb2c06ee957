package io.creditmeter;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A connection to a creditmeter server: starts metered sessions, delivers their usage and
 * reports credits. Wraps one native {@code cm_client}, which owns two background threads (the
 * scheduler, which does all network I/O, and the callback thread, which runs the listeners).
 * Creating a client makes no network call and starts no thread.
 *
 * <p><b>Threads:</b> every method is thread-safe. {@link #startSession(SessionOptions)},
 * {@link #creditSummary()} and {@link #flush(Duration)} block (at most the request timeout, or
 * the given timeout): on Android, call them off the main thread.
 *
 * <p><b>Lifetime:</b> use it in try-with-resources or call {@link #close()}: that stops every
 * session, delivers their usage for at most the shutdown timeout and frees the native client.
 * A client that becomes unreachable without {@code close()} is closed by a cleaner thread
 * (sessions keep their client reachable, so this happens only after they are unreachable too).
 *
 * <pre>{@code
 * try (Client client = new Client(new ClientOptions().baseUrl(url).apiSecret(secret));
 *      Session session = client.startSession(new SessionOptions().model("essence"))) {
 *   while (rendering) {
 *     if (session.mayRender()) { renderFrame(); session.frame(); }
 *   }
 * }
 * }</pre>
 */
public final class Client implements AutoCloseable {
  private final Core core;
  private final HandleCleaner.Cleanable cleanable;

  /**
   * Creates a client: checks and copies the options. Makes no network call, starts no thread.
   *
   * @param options the options (copied; later changes to them do not affect this client)
   * @throws IllegalArgumentException for {@code null} options, a missing base URL or API
   *     secret (and no token provider), a malformed URL, plain http to a remote host, a bad
   *     timeout or cap, or an unset {@code journalDir} on a platform without a state directory
   *     (Android)
   */
  public Client(ClientOptions options) {
    Arguments.notNull(options, "options");
    // The library knows whether the platform has a default state directory (none on
    // Android): without one, an unset journalDir would silently mean no journal.
    if (options.journalDir == null && Native.defaultJournalDir().length == 0) {
      throw new IllegalArgumentException("journalDir is required here (this platform has no default state directory:"
          + " neither XDG_STATE_HOME nor HOME is set, as on Android): pass the app's files directory"
          + " (Android: context.getFilesDir().getPath()) or \"\" to run without a journal");
    }
    ClientCallbacks callbacks = new ClientCallbacks(options.log, options.tokenProvider);
    TransportBridge transport = options.transport == null ? null : new TransportBridge(options.transport, callbacks);
    long[] out = new long[1];
    int status = Native.clientNew(Arguments.utf8(options.baseUrl, "baseUrl"),
        Arguments.utf8(options.apiSecret, "apiSecret"), Arguments.utf8(options.caFile, "caFile"),
        Arguments.utf8(options.pinnedPublicKey, "pinnedPublicKey"), Arguments.utf8(options.proxy, "proxy"),
        Arguments.utf8(options.journalDir, "journalDir"), options.allowInsecureHttp, options.shutdownTimeoutMs,
        options.connectTimeoutMs, options.requestTimeoutMs, options.idleAfterMs, options.maxCredits,
        options.logLevel == null ? -1 : options.logLevel.ordinal(), callbacks, options.log != null,
        options.tokenProvider != null, transport, out);
    Status.check(status);
    core = new Core(out[0], callbacks, transport);
    cleanable = HandleCleaner.register(this, core::close);
  }

  /**
   * Starts a metered session: the synchronous token exchange with the server (or through the
   * {@link TokenProvider}); none for audio-only sessions. Blocks up to the request timeout. On
   * failure nothing was charged and no thread started.
   *
   * @param options the session's options
   * @return the new session, {@link SessionState#ACTIVE}; close it (or {@link Session#stop()})
   *     when the avatar stops
   * @throws IllegalArgumentException for {@code null} options, an empty model or surface, a
   *     malformed session id, a negative cap
   * @throws AuthenticationException the secret was refused or revoked, or the provider refused
   * @throws InsufficientCreditsException the balance is zero or below
   * @throws ConcurrencyLimitException the plan's concurrent-session limit is reached
   * @throws NetworkException the server could not be reached or answered unusably
   * @throws CreditMeterException the server refused for another reason
   * @throws IllegalStateException the client is closed
   */
  public Session startSession(SessionOptions options) {
    Arguments.notNull(options, "options");
    byte[] model = Arguments.utf8(options.model, "model");
    byte[] surface = Arguments.utf8(options.surface, "surface");
    byte[] sessionId = Arguments.utf8(options.sessionId, "sessionId");
    SessionListeners listeners = new SessionListeners(core.callbacks, options);
    long[] out = new long[2];
    core.lock.readLock().lock();
    try {
      int status = Native.sessionStart(core.handle(), model, surface, options.audioOnly, sessionId,
          options.lowBalanceMinutes, options.lowBalanceCredits, options.maxCredits, listeners, out);
      Throwable providerFailure = core.callbacks.takeProviderFailure();
      if (status != Status.OK) {
        RuntimeException e = Status.failure(status);
        if (providerFailure != null) {
          e.initCause(providerFailure);
        }
        throw e;
      }
      return new Session(this, out[0], out[1], listeners);
    } finally {
      core.lock.readLock().unlock();
    }
  }

  /**
   * Sends all unreported usage (releases included) and waits for the server to acknowledge it.
   * Inside a listener it returns {@code false} at once (it would wait on itself).
   *
   * @param timeout how long to wait, 0 or more (whole milliseconds, at most 2^32-1)
   * @return {@code true} when everything was acknowledged; {@code false} when not within the
   *     timeout (nothing is lost: delivery goes on)
   * @throws IllegalArgumentException for a {@code null} or negative timeout
   * @throws IllegalStateException the client is closed
   */
  public boolean flush(Duration timeout) {
    long ms = Arguments.millis(timeout, "timeout");
    core.lock.readLock().lock();
    try {
      int status = Native.clientFlush(core.handle(), ms);
      if (status == Status.INCOMPLETE) {
        return false;
      }
      Status.check(status);
      return true;
    } finally {
      core.lock.readLock().unlock();
    }
  }

  /**
   * The account's credits ({@code GET /v2/credit-summaries}); blocks up to the request
   * timeout. Needs the API secret: in secretless mode ask your backend instead.
   *
   * @return the summary
   * @throws IllegalArgumentException in secretless mode (no API secret)
   * @throws AuthenticationException the secret was refused or revoked
   * @throws NetworkException the server could not be reached or answered unusably
   * @throws IllegalStateException the client is closed
   */
  public CreditSummary creditSummary() {
    double[] amounts = new double[3];
    Object[] texts = new Object[5];
    core.lock.readLock().lock();
    try {
      Status.check(Native.clientCreditSummary(core.handle(), amounts, texts));
    } finally {
      core.lock.readLock().unlock();
    }
    byte[][] keyBytes = (byte[][]) texts[2];
    String[] keys = new String[keyBytes.length];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = Arguments.string(keyBytes[i]);
    }
    return new CreditSummary(amounts, Arguments.string((byte[]) texts[0]), Arguments.string((byte[]) texts[1]), keys,
        (long[]) texts[3], Arguments.string((byte[]) texts[4]));
  }

  /**
   * Sets the spending cap over all sessions of this client; raising it resumes the sessions
   * it held.
   *
   * @param credits 0 or more credits ({@link Double#POSITIVE_INFINITY}: never reached)
   * @throws IllegalArgumentException for a negative cap or NaN
   * @throws IllegalStateException the client is closed
   */
  public void setMaxCredits(double credits) {
    Arguments.credits(credits, "maxCredits");
    core.lock.readLock().lock();
    try {
      Status.check(Native.clientSetMaxCredits(core.handle(), credits));
    } finally {
      core.lock.readLock().unlock();
    }
  }

  /**
   * The OS's word on the network (Android: {@code ConnectivityManager.NetworkCallback}'s
   * onAvailable / onLost). {@code true} retries every waiting request at once, so an avatar
   * returns within a round trip of the network coming back instead of after its backoff;
   * {@code false} holds retries to a slow probe until the next {@code true} (the OS can be
   * wrong). Never blocks; any thread, also inside a listener. Does nothing on a closed client.
   *
   * @param reachable whether the OS reports a usable network
   */
  public void networkChanged(boolean reachable) {
    core.lock.readLock().lock();
    try {
      if (!core.closed()) {
        Native.clientNetworkChanged(core.handle(), reachable);
      }
    } finally {
      core.lock.readLock().unlock();
    }
  }

  /**
   * Stops every session, delivers their usage for at most the shutdown timeout (what stays
   * undelivered waits in the journal) and frees the native client; each session's listeners
   * get its {@link SessionState#STOPPED} (inside a listener: once the listener returned).
   * Sessions stay usable objects: {@link SessionState#STOPPED}, {@link Session#stats()} final.
   * Idempotent; allowed inside a listener (the native threads then end on their own).
   *
   * <p>With an {@link HttpTransport}: {@code close()} never waits for the app's stack past the
   * shutdown timeout: calls still out are cancelled ({@link HttpTransport#cancel}) and their
   * native handles freed; the app may still complete them (ignored).
   */
  @Override
  public void close() {
    cleanable.clean();
  }

  /** The native client and what refers to it; also the cleaner's action (no reference to the Client). */
  static final class Core {
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final ClientCallbacks callbacks;
    private final TransportBridge transport; // null: libcurl
    private long handle; // guarded by lock; 0 once closed

    Core(long handle, ClientCallbacks callbacks, TransportBridge transport) {
      this.handle = handle;
      this.callbacks = callbacks;
      this.transport = transport;
    }

    /** Call with the read lock held. */
    boolean closed() {
      return handle == 0;
    }

    /** Call with the read lock held. */
    long handle() {
      if (handle == 0) {
        throw new IllegalStateException("creditmeter: the client is closed");
      }
      return handle;
    }

    void close() {
      lock.writeLock().lock();
      try {
        if (handle == 0) {
          return;
        }
        long closing = handle;
        handle = 0; // first: a listener or log line during the free sees a closed client
        Native.clientFree(closing);
        if (transport != null) {
          transport.releaseAll(); // the calls the app still holds: their answers are ignored now
        }
      } finally {
        lock.writeLock().unlock();
      }
    }
  }
}
