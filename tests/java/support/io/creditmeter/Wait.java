package io.creditmeter;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on a condition with a deadline: the tests' only way to wait (never a bare sleep). */
final class Wait {
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
