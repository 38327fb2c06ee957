package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Lifetimes: a client closed under running sessions, throwing listeners, released references.
 * Every wait has a deadline made for a loaded machine ({@link Wait#EVENTUALLY}).
 */
class LifetimeTest extends EmulatorSuite {
  // close() gives up delivering usage at the shutdown timeout (2 s by default), which a loaded
  // machine can miss: then the release stays in the journal and the ledger lags the stats. The
  // tests of what close() delivers give it room; it returns as soon as all is delivered.
  private static final Duration SHUTDOWN = Duration.ofSeconds(60);
  @Test
  void aClientClosedWhileSessionsRunStopsThemAndDeliversTheirUsage() throws Exception {
    String secret = account(100);
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    Client client = new Client(options(secret).shutdownTimeout(SHUTDOWN));
    Session a = client.startSession(new SessionOptions().onStateChange(first));
    Session b = client.startSession(new SessionOptions().onStateChange(second));
    try (Renderer ra = new Renderer(a); Renderer rb = new Renderer(b)) {
      assertTrue(Wait.until(() -> ra.renderedMs() > 500 && rb.renderedMs() > 500, Wait.EVENTUALLY));
      client.close(); // the renderers keep calling frame() and mayRender() meanwhile
      assertEquals(SessionState.STOPPED, a.state());
      assertEquals(SessionState.STOPPED, b.state());
      long gatedBefore = ra.gated();
      assertTrue(Wait.until(() -> ra.gated() > gatedBefore + 3, Wait.EVENTUALLY), "the renderer goes on, gated");
    }
    for (Session s : new Session[] {a, b}) {
      SessionStats stats = s.stats(); // still works after Client.close()
      Map<?, ?> row = emulator.ledgerSession(s.id());
      assertEquals(Boolean.TRUE, row.get("released"), "close() delivered the release");
      assertEquals(((Number) row.get("active_ms")).longValue(), stats.activeMs());
      assertEquals(stats.activeMs(), stats.reportedMs());
      s.frame(); // harmless on a stopped session of a closed client
      s.close();
    }
    assertTrue(first.saw(SessionState.STOPPED) && second.saw(SessionState.STOPPED), "STOPPED announced");
  }

  @Test
  void aListenerThatThrowsIsLoggedAndTheSessionGoesOn() {
    String secret = account(100);
    List<String> log = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (Client client = new Client(options(secret).log((level, line) -> log.add(level + " " + line)));
         Session session = client.startSession(new SessionOptions().onStateChange(change -> {
           calls.incrementAndGet();
           throw new IllegalStateException("listener bug " + change.to());
         }))) {
      session.pause();
      assertTrue(Wait.until(() -> calls.get() == 1, Wait.EVENTUALLY));
      session.resume();
      assertTrue(Wait.until(() -> calls.get() == 2, Wait.EVENTUALLY), "the next change still arrives");
      assertEquals(SessionState.ACTIVE, session.state());
      assertTrue(Wait.until(() -> captured.toString(StandardCharsets.UTF_8).contains("listener bug PAUSED_BY_USER"),
          Wait.EVENTUALLY), "the exception was printed");
      // Reported after the listener threw, so after calls reached 2: wait for it too.
      assertTrue(Wait.until(() -> log.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("listener bug ACTIVE")),
          Wait.EVENTUALLY), log.toString());
    } finally {
      System.setErr(stderr);
    }
  }

  @Test
  void afterStoppedTheListenerNoLongerKeepsItsSessionReachable() {
    String secret = account(100);
    try (Client client = client(secret)) {
      Recorder changes = new Recorder();
      WeakReference<Session> weak = startAndStop(client, changes);
      assertTrue(Wait.until(() -> changes.saw(SessionState.STOPPED), Wait.EVENTUALLY));
      assertTrue(Wait.until(() -> {
        System.gc();
        return weak.get() == null;
      }, Wait.EVENTUALLY), "the session was collected: its listener's global reference is gone");
    }
  }

  private static WeakReference<Session> startAndStop(Client client, Recorder changes) {
    Session session = client.startSession(new SessionOptions());
    // A listener that refers to its own session, as app code often does.
    session.onStateChange(change -> {
      changes.accept(change);
      session.state();
    });
    session.stop();
    return new WeakReference<>(session);
  }

  @Test
  void aListenerMayCloseItsClient() {
    String secret = account(100);
    Client client = new Client(options(secret).shutdownTimeout(SHUTDOWN));
    Recorder changes = new Recorder();
    Session session = client.startSession(new SessionOptions().onStateChange(change -> {
      changes.accept(change);
      if (change.to() == SessionState.PAUSED_BY_USER) {
        client.close();
      }
    }));
    session.pause();
    assertTrue(Wait.until(() -> changes.saw(SessionState.STOPPED), Wait.EVENTUALLY), changes.changes().toString());
    assertEquals(SessionState.STOPPED, session.state());
    assertFalse(session.mayRender());
  }
}
