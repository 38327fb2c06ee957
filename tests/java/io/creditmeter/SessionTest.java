package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A session's life against the emulator: start, heartbeats, listeners, stop, the ledger. */
class SessionTest extends EmulatorSuite {
  @Test
  void startHeartbeatsStopAndTheLedgerEqualsTheStats() throws Exception {
    String secret = account(100);
    Recorder changes = new Recorder();
    AtomicReference<BalanceUpdate> balance = new AtomicReference<>();
    Session kept;
    try (Client client = client(secret)) {
      try (Session session = client.startSession(new SessionOptions().model("essence").surface("cloud")
          .onStateChange(changes).onBalance(balance::set))) {
        kept = session;
        assertEquals(SessionState.ACTIVE, session.state());
        assertTrue(session.mayRender());
        assertFalse(session.id().isEmpty());
        try (Renderer renderer = new Renderer(session)) {
          assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 3, Wait.EVENTUALLY),
              "three heartbeats acknowledged: " + session.stats());
          assertTrue(Wait.until(() -> renderer.renderedMs() >= 1000, Wait.EVENTUALLY));
        }
        assertTrue(session.stats().activeMs() > 0);
      } // try-with-resources: close() = stop()
      assertEquals(SessionState.STOPPED, kept.state(), "close() stopped the session");
      assertFalse(kept.mayRender());
      SessionStats stats = Billing.stopAndCheck(emulator, client, kept);
      assertTrue(stats.activeMs() >= 500, "rendered for a second or more: " + stats);
      assertTrue(stats.creditsCharged() > 0, stats.toString());
      assertTrue(Wait.until(() -> changes.saw(SessionState.STOPPED, Reason.STOPPED), Wait.EVENTUALLY),
          "STOPPED announced: " + changes.changes());
      assertTrue(Wait.until(() -> balance.get() != null, Wait.EVENTUALLY), "a balance update arrived");
      assertTrue(balance.get().balance() < 100 && balance.get().balance() > 90, balance.get().toString());
    }
    // Every listener ran on the client's one callback thread, attached once, as a daemon.
    Set<Thread> threads = new HashSet<>(changes.threads());
    assertEquals(1, threads.size(), "one callback thread: " + threads);
    Thread callbackThread = threads.iterator().next();
    assertTrue(callbackThread.isDaemon(), "attached as a daemon");
    assertEquals("creditmeter-callback", callbackThread.getName());
  }

  @Test
  void activeTimeLiesWithinTheRenderTime() throws Exception {
    String secret = account(100);
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions());
      long rendered;
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> renderer.renderedMs() >= 1500, Wait.EVENTUALLY));
        session.stop(); // stop while frames still arrive: the render time ends here
        rendered = renderer.renderedMs();
      }
      SessionStats stats = Billing.stopAndCheck(emulator, client, session);
      // [T - idle_after, T] with T the render time measured here (+ the frames' clock grain).
      assertTrue(stats.activeMs() <= rendered + 50, stats.activeMs() + " ms active, " + rendered + " ms rendered");
      assertTrue(stats.activeMs() >= rendered - 1000, stats.activeMs() + " ms active, " + rendered + " ms rendered");
    }
  }

  @Test
  void pauseAndResumeAreImmediateAndAnnounced() {
    String secret = account(100);
    Recorder changes = new Recorder();
    try (Client client = client(secret);
         Session session = client.startSession(new SessionOptions().onStateChange(changes))) {
      session.pause();
      assertEquals(SessionState.PAUSED_BY_USER, session.state(), "state on return");
      assertFalse(session.mayRender());
      session.resume();
      assertEquals(SessionState.ACTIVE, session.state());
      assertTrue(session.mayRender());
      assertTrue(Wait.until(() -> changes.changes().size() >= 2, Wait.EVENTUALLY));
      List<StateChange> seen = changes.changes();
      assertEquals(SessionState.PAUSED_BY_USER, seen.get(0).to());
      assertEquals(Reason.USER, seen.get(0).reason());
      assertEquals(SessionState.ACTIVE, seen.get(1).to());
      assertFalse(seen.get(0).message().isEmpty());
    }
  }

  @Test
  void audioOnlySessionsAreFreeAndCallBackOnTheCallingThread() {
    String secret = account(100);
    Recorder changes = new Recorder();
    try (Client client = client(secret)) {
      Session session = client.startSession(new SessionOptions().audioOnly(true).onStateChange(changes));
      session.frame();
      session.stop();
      assertTrue(changes.saw(SessionState.STOPPED), "delivered before stop() returned: " + changes.changes());
      assertEquals(Thread.currentThread(), changes.threads().get(0));
      assertEquals(null, emulator.ledgerSession(session.id()), "no network call");
      assertTrue(client.flush(Wait.EVENTUALLY));
    }
  }

  @Test
  void creditSummaryReportsTheAccount() {
    String secret = account(42);
    try (Client client = client(secret)) {
      CreditSummary summary = client.creditSummary();
      assertEquals(42.0, summary.balance(), 1e-9);
      assertEquals("creator", summary.plan());
      Map<String, Long> minutes = summary.estimatedMinutes();
      assertEquals(21L, minutes.get("essence_cloud"), minutes.toString()); // 42 credits at 2 per minute
    }
  }

  @Test
  void flushInsideAListenerReturnsFalseAtOnce() {
    String secret = account(100);
    AtomicReference<Boolean> flushed = new AtomicReference<>();
    try (Client client = client(secret);
         Session session = client.startSession(new SessionOptions())) {
      session.onStateChange(change -> flushed.set(client.flush(Duration.ofSeconds(30))));
      session.pause();
      assertTrue(Wait.until(() -> flushed.get() != null, Wait.EVENTUALLY));
      assertEquals(Boolean.FALSE, flushed.get());
    }
  }

  @Test
  void enumsFollowTheCAbi() {
    for (SessionState s : SessionState.values()) {
      assertEquals(s.name().toLowerCase(java.util.Locale.ROOT), Arguments.string(Native.enumName(0, s.ordinal())));
    }
    for (Reason r : Reason.values()) {
      assertEquals(r.name().toLowerCase(java.util.Locale.ROOT), Arguments.string(Native.enumName(1, r.ordinal())));
    }
    for (LogLevel l : LogLevel.values()) {
      assertEquals(l.name().toLowerCase(java.util.Locale.ROOT), Arguments.string(Native.enumName(2, l.ordinal())));
    }
    assertEquals("unknown", Arguments.string(Native.enumName(1, Reason.values().length)),
        "the C ABI has no reason the Java enum lacks");
  }
}
