package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

/** The billing invariant every suite defends (docs/ARCHITECTURE.md). */
final class Billing {
  private Billing() {}

  /**
   * stop() + flush(), then: the ledger's active_ms equals stats().activeMs() and reportedMs()
   * exactly, and the session was released. Returns the final stats.
   */
  static SessionStats stopAndCheck(Emulator emulator, Client client, Session session) {
    session.stop();
    // A deadline for a loaded machine; flush returns as soon as everything is acknowledged.
    assertTrue(client.flush(Duration.ofSeconds(60)), "flush acknowledged everything");
    SessionStats stats = session.stats();
    Map<?, ?> row = emulator.ledgerSession(session.id());
    assertNotNull(row, "the ledger has the session");
    assertEquals(Boolean.TRUE, row.get("released"));
    long ledgerMs = ((Number) row.get("active_ms")).longValue();
    assertEquals(ledgerMs, stats.activeMs(), "ledger active_ms == stats().activeMs()");
    assertEquals(ledgerMs, stats.reportedMs(), "ledger active_ms == stats().reportedMs()");
    return stats;
  }
}
