package io.creditmeter;

import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Options of a {@link Client}: chained setters, each returning this object. An option not set
 * keeps the library's default (the C ABI's {@code cm_client_options_init}). Setters refuse
 * {@code null} with {@link IllegalArgumentException}; other values are checked by
 * {@link Client#Client(ClientOptions)}. Not thread-safe; the client copies what it needs, so
 * the options object may be reused or changed afterwards.
 *
 * <pre>{@code
 * ClientOptions options = new ClientOptions()
 *     .baseUrl("https://api.example.com")
 *     .tokenProvider(sessionId -> backend.runtimeToken(sessionId))
 *     .journalDir(context.getFilesDir().getPath());
 * }</pre>
 */
public final class ClientOptions {
  String baseUrl;
  String apiSecret;
  String caFile;
  String pinnedPublicKey;
  String proxy;
  String journalDir;
  int allowInsecureHttp = -1;
  long shutdownTimeoutMs = -1;
  long connectTimeoutMs = -1;
  long requestTimeoutMs = -1;
  long idleAfterMs = -1;
  double maxCredits = Double.NaN;
  LogLevel logLevel;
  BiConsumer<LogLevel, String> log;
  TokenProvider tokenProvider;
  HttpTransport transport;

  /** Creates options with every value unset (the library's defaults). */
  public ClientOptions() {}

  /**
   * The server root, e.g. {@code "https://api.example.com"}. Unset: the environment variable
   * {@code CREDITMETER_BASE_URL}.
   *
   * @param baseUrl an http(s) URL (plain http only to loopback unless
   *     {@link #allowInsecureHttp(boolean)})
   * @return this
   */
  public ClientOptions baseUrl(String baseUrl) {
    this.baseUrl = Arguments.notNull(baseUrl, "baseUrl");
    return this;
  }

  /**
   * The account's API secret. Unset: the environment variable {@code CREDITMETER_API_SECRET}.
   * Not needed with a {@link #tokenProvider(TokenProvider)}; apps on customers' devices should
   * use that instead. The library copies it and wipes its copy when the client is closed; it
   * never appears in logs or exception messages.
   *
   * @param apiSecret the secret
   * @return this
   */
  public ClientOptions apiSecret(String apiSecret) {
    this.apiSecret = Arguments.notNull(apiSecret, "apiSecret");
    return this;
  }

  /**
   * A PEM CA bundle file used instead of the system store (Android: ship one with the app).
   *
   * @param caFile a file path
   * @return this
   */
  public ClientOptions caFile(String caFile) {
    this.caFile = Arguments.notNull(caFile, "caFile");
    return this;
  }

  /**
   * Public-key pins, {@code "sha256//<base64>;sha256//<base64>"}.
   *
   * @param pins the pins
   * @return this
   */
  public ClientOptions pinnedPublicKey(String pins) {
    this.pinnedPublicKey = Arguments.notNull(pins, "pinnedPublicKey");
    return this;
  }

  /**
   * A proxy URL. Unset: the standard variables ({@code https_proxy}, {@code no_proxy}, ...).
   *
   * @param proxy the proxy URL
   * @return this
   */
  public ClientOptions proxy(String proxy) {
    this.proxy = Arguments.notNull(proxy, "proxy");
    return this;
  }

  /**
   * Allows plain {@code http://} to hosts other than loopback (refused by default).
   *
   * @param allow whether to allow it
   * @return this
   */
  public ClientOptions allowInsecureHttp(boolean allow) {
    this.allowInsecureHttp = allow ? 1 : 0;
    return this;
  }

  /**
   * The usage journal's directory, which keeps unreported usage across crashes and restarts.
   * {@code ""} runs without a journal. Unset: the platform's state directory
   * ({@code $XDG_STATE_HOME/creditmeter} or {@code ~/.local/state/creditmeter}); on Android,
   * which has none, leaving it unset is an {@link IllegalArgumentException}: pass the app's
   * files directory ({@code context.getFilesDir().getPath()}) or {@code ""}.
   *
   * @param journalDir a directory path, or {@code ""} for none
   * @return this
   */
  public ClientOptions journalDir(String journalDir) {
    this.journalDir = Arguments.notNull(journalDir, "journalDir");
    return this;
  }

  /**
   * Secretless mode: tokens come from the app's backend through this provider (see
   * {@link TokenProvider} for its threads and rules). The client holds a reference to it
   * until the client and all its sessions are freed.
   *
   * @param provider the provider
   * @return this
   */
  public ClientOptions tokenProvider(TokenProvider provider) {
    this.tokenProvider = Arguments.notNull(provider, "tokenProvider");
    return this;
  }

  /**
   * The app's own HTTP stack (Android: OkHttp), instead of the library's libcurl: every
   * request of the client goes through it, the token exchange included. See
   * {@link HttpTransport} for its threads and rules; its requests carry the secret or tokens
   * in their headers: keep them out of the stack's logging. The stack owns TLS and proxies, so
   * {@link #caFile(String)}, {@link #pinnedPublicKey(String)} and {@link #proxy(String)} must
   * stay unset with it ({@link Client#Client(ClientOptions)} throws
   * {@link IllegalArgumentException} otherwise). The client holds a reference to it until the
   * client and all its sessions are freed.
   *
   * @param transport the transport
   * @return this
   */
  public ClientOptions transport(HttpTransport transport) {
    this.transport = Arguments.notNull(transport, "transport");
    return this;
  }

  /**
   * How long {@link Client#close()} may spend delivering the sessions' last usage (what stays
   * undelivered waits in the journal).
   *
   * @param timeout a duration of 0 or more, whole milliseconds
   * @return this
   */
  public ClientOptions shutdownTimeout(Duration timeout) {
    this.shutdownTimeoutMs = Arguments.millis(timeout, "shutdownTimeout");
    return this;
  }

  /**
   * Connect timeout of each request.
   *
   * @param timeout a positive duration, whole milliseconds
   * @return this
   */
  public ClientOptions connectTimeout(Duration timeout) {
    this.connectTimeoutMs = Arguments.millis(timeout, "connectTimeout");
    return this;
  }

  /**
   * Timeout of each request; {@link Client#startSession(SessionOptions)} and
   * {@link Client#creditSummary()} block at most this long.
   *
   * @param timeout a positive duration, whole milliseconds
   * @return this
   */
  public ClientOptions requestTimeout(Duration timeout) {
    this.requestTimeoutMs = Arguments.millis(timeout, "requestTimeout");
    return this;
  }

  /**
   * A gap between frames longer than this is idle time, never billed.
   *
   * @param idleAfter a positive duration, whole milliseconds
   * @return this
   */
  public ClientOptions idleAfter(Duration idleAfter) {
    this.idleAfterMs = Arguments.millis(idleAfter, "idleAfter");
    return this;
  }

  /**
   * A spending cap over all of this client's sessions: each pauses
   * ({@link SessionState#PAUSED_BILLING}, {@link Reason#SPEND_CAP}) before the client's charges
   * would cross it. Unset: no cap.
   *
   * @param credits 0 or more credits (negative is refused by the client)
   * @return this
   */
  public ClientOptions maxCredits(double credits) {
    this.maxCredits = Arguments.credits(credits, "maxCredits");
    return this;
  }

  /**
   * Where the library's log lines go. Unset: warnings and errors go to stderr (Android:
   * logcat's {@code System.err}).
   *
   * <p><b>Thread:</b> any SDK thread: mostly the client's scheduler thread (attached to the JVM
   * as a daemon), the calling thread for lines of {@code startSession}, {@code flush},
   * {@code creditSummary} and {@code close}. Keep it quick and non-blocking. Messages never
   * contain the API secret or a token. An exception it throws is printed to stderr and
   * dropped.
   *
   * @param sink receives the level and the message
   * @return this
   */
  public ClientOptions log(BiConsumer<LogLevel, String> sink) {
    this.log = Arguments.notNull(sink, "log");
    return this;
  }

  /**
   * The lowest level given to the log sink (lines below it are dropped). Unset: the library's
   * default ({@link LogLevel#WARNING}).
   *
   * @param level the lowest level
   * @return this
   */
  public ClientOptions logLevel(LogLevel level) {
    this.logLevel = Arguments.notNull(level, "logLevel");
    return this;
  }
}
