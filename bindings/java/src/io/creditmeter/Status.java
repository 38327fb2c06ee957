package io.creditmeter;

/** The C ABI's cm_status values and the Java exception each error becomes. */
final class Status {
  static final int OK = 0;
  static final int AUTHENTICATION = 1;
  static final int INSUFFICIENT_CREDITS = 2;
  static final int CONCURRENCY_LIMIT = 3;
  static final int NETWORK = 4;
  static final int INVALID_ARGUMENT = 5;
  static final int INCOMPLETE = 100;

  private Status() {}

  /** The exception for an error status; its message is cm_last_error() of this thread. */
  static RuntimeException failure(int status) {
    String message = Arguments.string(Native.lastError());
    switch (status) {
      case AUTHENTICATION:
        return new AuthenticationException(message);
      case INSUFFICIENT_CREDITS:
        return new InsufficientCreditsException(message);
      case CONCURRENCY_LIMIT:
        return new ConcurrencyLimitException(message);
      case NETWORK:
        return new NetworkException(message);
      case INVALID_ARGUMENT:
        return new IllegalArgumentException(message);
      default:
        return new CreditMeterException(message);
    }
  }

  static void check(int status) {
    if (status != OK) {
      throw failure(status);
    }
  }
}
