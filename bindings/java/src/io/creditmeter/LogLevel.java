package io.creditmeter;

/**
 * Severity of a log line given to {@link ClientOptions#log(java.util.function.BiConsumer)}.
 * Declared in the C ABI's order ({@code cm_log_level}).
 */
public enum LogLevel {
  /** Detail for debugging the SDK. */
  DEBUG,
  /** Normal events (a session started, a heartbeat was acknowledged after an outage). */
  INFO,
  /** Something went wrong and is being handled (offline, retrying). */
  WARNING,
  /** Something went wrong that the app should look at (usage left undelivered). */
  ERROR;

  private static final LogLevel[] BY_CODE = values();

  static LogLevel fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : ERROR;
  }
}
