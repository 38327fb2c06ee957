package io.creditmeter;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up the emulator suites share: one emulator per test class (heartbeats every 0.2 s,
 * 5 s of offline grace: a suite that needs other timing reconfigures it in a {@code @BeforeAll}
 * of its own, which JUnit runs after this one), a fresh journal directory per test, and no
 * fault left over from one test to the next.
 */
abstract class EmulatorSuite {
  static Emulator emulator;
  @TempDir Path journal;

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = new Emulator();
    emulator.configure(0.2, 5);
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @AfterEach
  void clearFaults() {
    emulator.clearFaults();
  }

  /** A new account ("creator" plan) holding {@code credits}; returns its API secret. */
  static String account(double credits) {
    return emulator.createAccount("creator", credits);
  }

  /** Options for a client of this suite's emulator with {@code secret}, journaling in this test's directory. */
  ClientOptions options(String secret) {
    return emulator.options(secret, journal);
  }

  /** A client of this suite's emulator with {@code secret}, journaling in this test's directory. */
  Client client(String secret) {
    return new Client(options(secret));
  }
}
