package io.creditmeter;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on a condition with a deadline: the tests' only way to wait (never a bare sleep). */
final class Wait {
  /**
   * The deadline of a wait for something that merely takes time (a callback, a heartbeat, a
   * delivery): generous, for a loaded machine (2 cores running several builds, where a step of
   * milliseconds can take seconds); a passing run returns long before it. A wait whose deadline
   * is itself the claim (a retry "at once", not after its backoff; inside the offline grace)
   * states its own.
   */
  static final Duration EVENTUALLY = Duration.ofSeconds(60);

  private Wait() {}

  /** Polls `condition` every 5 ms until it holds (true) or `timeout` passes (false). */
  static boolean until(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return condition.getAsBoolean();
      }
      try {
        Thread.sleep(5); // the poll interval of a wait with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
