package io.creditmeter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Converts Java arguments to the C ABI's representations; rejects what C cannot carry. */
final class Arguments {
  /** The C ABI's durations are uint32_t milliseconds. */
  static final long MAX_MILLIS = 0xFFFF_FFFFL;

  private Arguments() {}

  static <T> T notNull(T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
  }

  /** UTF-8 for C (JNI adds the terminating NUL); {@code null} stays {@code null}: the C default. */
  static byte[] utf8(String value, String name) {
    if (value == null) {
      return null;
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(name + " must not contain a NUL character");
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** Text the library gave (UTF-8, malformed bytes replaced); {@code null} gives {@code ""}. */
  static String string(byte[] utf8) {
    return utf8 == null ? "" : new String(utf8, StandardCharsets.UTF_8);
  }

  static long millis(Duration value, String name) {
    notNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + value);
    }
    long ms;
    try {
      ms = value.toMillis();
    } catch (ArithmeticException e) {
      ms = Long.MAX_VALUE;
    }
    if (ms > MAX_MILLIS) {
      throw new IllegalArgumentException(name + " must be at most " + MAX_MILLIS + " ms, got " + value);
    }
    return ms;
  }

  /** Credits: a number; NaN is refused (leave the option unset for "none"). */
  static double credits(double value, String name) {
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException(name + " must be a number (leave it unset for none), got NaN");
    }
    return value;
  }
}
