package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's own HTTP stack from Java: every request through a {@link JavaNetTransport}
 * (java.net.http, the stand-in for OkHttp), against the real emulator.
 */
class TransportTest {
  private static final String SCHEDULER = "creditmeter-scheduler";
  private static Emulator emulator;
  @TempDir Path journal;
  private final JavaNetTransport transport = new JavaNetTransport();
  private final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = new Emulator();
    emulator.configure(0.5, 30);
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @AfterEach
  void clearFaults() {
    emulator.clearFaults();
  }

  private ClientOptions options(String secret, Duration requestTimeout) {
    return emulator.options(secret, journal).transport(transport).requestTimeout(requestTimeout)
        .log((level, line) -> log.add(level + " " + line));
  }

  @Test
  void aSessionThroughAnOutageIsBilledExactlyAndEveryRequestWentThroughTheApp() throws Exception {
    String secret = emulator.createAccount("creator", 100);
    try (Client client = new Client(options(secret, Duration.ofSeconds(5)))) {
      Session session = client.startSession(new SessionOptions());
      assertTrue(transport.sendThreads.contains(Thread.currentThread().getName()), "the start sent on this thread");
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Duration.ofSeconds(10)));
        emulator.fault("{\"mode\":\"status\",\"status\":503}");
        assertTrue(Wait.until(() -> session.stats().heartbeatsFailed() >= 2, Duration.ofSeconds(10)),
            "heartbeats failed during the outage: " + session.stats());
        assertTrue(session.mayRender(), "inside the grace");
        emulator.clearFaults();
        long okBefore = session.stats().heartbeatsOk();
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Duration.ofSeconds(10)),
            "a heartbeat got through after the outage");
        assertEquals(0, renderer.gated(), "rendering never paused");
      }
      SessionStats stats = Billing.stopAndCheck(emulator, client, session);
      assertTrue(stats.activeMs() > 0);
      // The exchange and every heartbeat, failed or acknowledged (the release counts as one).
      assertTrue(transport.sends.get() >= stats.heartbeatsOk() + stats.heartbeatsFailed() + 1,
          transport.sends + " sends for " + stats);
      assertTrue(transport.sendThreads.contains(SCHEDULER), transport.sendThreads.toString());
      assertFalse(transport.completionThreads.contains(SCHEDULER), "completions came on the stack's threads, not the scheduler's");
      assertTrue(transport.urls.stream().allMatch(u -> u.startsWith("POST " + emulator.baseUrl + "/v1/runtime-tokens/")),
          transport.urls.toString());
      // HttpRequest.toString() names the headers, never their values (the secret, the tokens).
      assertTrue(transport.printed.get(0).contains("api-secret"), transport.printed.get(0));
      assertTrue(transport.printed.stream().noneMatch(p -> p.contains(secret) || p.contains("Bearer")),
          transport.printed.toString());
    }
  }

  @Test
  void completionsInsideSendWork() throws Exception {
    transport.mode = JavaNetTransport.Mode.INLINE;
    String secret = emulator.createAccount("creator", 100);
    try (Client client = new Client(options(secret, Duration.ofSeconds(5)))) {
      assertEquals(100.0, client.creditSummary().balance(), 1e-9); // a GET, completed on this thread
      Session session = client.startSession(new SessionOptions());
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 2, Duration.ofSeconds(10)));
      }
      Billing.stopAndCheck(emulator, client, session);
      assertTrue(transport.completionThreads.contains(SCHEDULER), "completed inside send on the scheduler thread");
      assertTrue(transport.urls.contains("GET " + emulator.baseUrl + "/v2/credit-summaries"), transport.urls.toString());
    }
  }

  @Test
  void aCallNeverAnsweredIsAbandonedAtItsTimeoutCancelledAndItsLateCompletionIgnored() throws Exception {
    String secret = emulator.createAccount("creator", 100);
    try (Client client = new Client(options(secret, Duration.ofMillis(300)))) {
      Session session = client.startSession(new SessionOptions());
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Duration.ofSeconds(10)));
        transport.mode = JavaNetTransport.Mode.HOLD;
        long failedBefore = session.stats().heartbeatsFailed();
        assertTrue(Wait.until(() -> session.stats().heartbeatsFailed() > failedBefore, Duration.ofSeconds(10)),
            "the held heartbeat was abandoned as offline: " + session.stats());
        assertTrue(Wait.until(() -> !transport.cancelled.isEmpty(), Duration.ofSeconds(5)), "cancel was called");
        TransportCall first = transport.cancelled.get(0);
        assertTrue(transport.held.contains(first), "cancel got the call send got");
        assertTrue(transport.cancelThreads.contains(SCHEDULER), transport.cancelThreads.toString());
        assertFalse(first.isDone(), "a cancel does not complete the call: the app still must");
        transport.mode = JavaNetTransport.Mode.ASYNC;
        List<Boolean> late = transport.releaseHeld();
        assertTrue(late.stream().allMatch(b -> b), "each late completion was the call's first: " + late);
        assertTrue(first.isDone());
        assertFalse(first.complete(200, null, null), "a second completion is ignored");
        assertFalse(first.fail("again"), "and so is a fail after it");
        long okBefore = session.stats().heartbeatsOk();
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Duration.ofSeconds(10)));
      }
      Billing.stopAndCheck(emulator, client, session);
    }
  }

  @Test
  void aHungServerIsCancelledThroughTheStackWhichThenFailsTheCall() throws Exception {
    String secret = emulator.createAccount("creator", 100);
    transport.stackSlackMs = 30_000; // the library's timeout comes first: it cancels
    try (Client client = new Client(options(secret, Duration.ofMillis(300)))) {
      Session session = client.startSession(new SessionOptions());
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Duration.ofSeconds(10)));
        emulator.fault("{\"mode\":\"hang\",\"path\":\"/v1/runtime-tokens/heartbeat\"}");
        assertTrue(Wait.until(() -> transport.cancelled.size() >= 2, Duration.ofSeconds(10)),
            "hung heartbeats were cancelled: " + session.stats());
        // cancel() stopped the transfer (java.net.http's cancel(true)): the stack then failed the
        // calls itself, long before its own timeout (30 s later).
        assertTrue(Wait.until(() -> transport.cancelled.stream().allMatch(TransportCall::isDone), Duration.ofSeconds(5)));
        assertTrue(session.mayRender(), "inside the grace");
        emulator.clearFaults();
        long okBefore = session.stats().heartbeatsOk();
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Duration.ofSeconds(10)));
      }
      Billing.stopAndCheck(emulator, client, session);
    }
  }

  @Test
  void aStartNeverAnsweredFailsAtTheRequestTimeoutAndIsCancelledOnTheCallingThread() {
    String secret = emulator.createAccount("creator", 100);
    transport.mode = JavaNetTransport.Mode.HOLD;
    try (Client client = new Client(options(secret, Duration.ofMillis(300)))) {
      assertThrows(NetworkException.class, () -> client.startSession(new SessionOptions()));
      assertEquals(1, transport.cancelled.size());
      assertSame(transport.held.get(0), transport.cancelled.get(0));
      assertTrue(transport.cancelThreads.contains(Thread.currentThread().getName()), transport.cancelThreads.toString());
      assertEquals(Arrays.asList(true), transport.releaseHeld(), "the late answer is taken and ignored");
    }
  }

  @Test
  void closeNeverWaitsPastTheShutdownTimeoutForTheApp() throws Exception {
    String secret = emulator.createAccount("creator", 100);
    Client client = new Client(options(secret, Duration.ofSeconds(60)).shutdownTimeout(Duration.ofMillis(300)));
    Session session = client.startSession(new SessionOptions());
    try (Renderer renderer = new Renderer(session)) {
      assertTrue(Wait.until(() -> renderer.renderedMs() > 300, Duration.ofSeconds(10)));
    }
    transport.mode = JavaNetTransport.Mode.HOLD; // the release is never answered
    Thread closing = new Thread(client::close, "closing");
    closing.start();
    // The request timeout (60 s) would hold it; the shutdown timeout (0.3 s) must not.
    closing.join(20_000);
    assertFalse(closing.isAlive(), "close() returned without the app's answer");
    assertFalse(transport.held.isEmpty(), "the release was sent and held");
    assertTrue(transport.cancelled.containsAll(transport.held), "every held call was cancelled");
    assertTrue(transport.held.stream().allMatch(TransportCall::isDone), "close() freed the calls still out");
    assertTrue(transport.releaseHeld().stream().noneMatch(b -> b), "completions after close are ignored, safely");
    assertEquals(SessionState.STOPPED, session.state());
  }

  @Test
  void aThrowingSendFailsTheCallIsLoggedAndTheClientGoesOn() throws Exception {
    String secret = emulator.createAccount("creator", 100);
    try (Client client = new Client(options(secret, Duration.ofSeconds(5)))) {
      transport.mode = JavaNetTransport.Mode.THROW;
      NetworkException e = assertThrows(NetworkException.class, () -> client.startSession(new SessionOptions()));
      assertTrue(e.getMessage().contains("send threw"), e.getMessage());
      assertTrue(log.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("the transport's send threw")),
          log.toString());
      transport.mode = JavaNetTransport.Mode.ASYNC;
      Session session = client.startSession(new SessionOptions());
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Duration.ofSeconds(10)));
        transport.mode = JavaNetTransport.Mode.THROW; // on the scheduler thread now
        long failedBefore = session.stats().heartbeatsFailed();
        assertTrue(Wait.until(() -> session.stats().heartbeatsFailed() > failedBefore, Duration.ofSeconds(10)));
        transport.mode = JavaNetTransport.Mode.ASYNC;
        long okBefore = session.stats().heartbeatsOk();
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Duration.ofSeconds(10)));
      }
      Billing.stopAndCheck(emulator, client, session);
    }
  }

  @Test
  void aCallTheTransportDropsIsFreedWhenCollectedAndReported() throws Exception {
    String secret = emulator.createAccount("creator", 100);
    try (Client client = new Client(options(secret, Duration.ofMillis(300)))) {
      transport.mode = JavaNetTransport.Mode.DROP;
      assertThrows(NetworkException.class, () -> client.startSession(new SessionOptions()));
      assertTrue(Wait.until(() -> {
        System.gc();
        return log.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("dropped a call"));
      }, Duration.ofSeconds(10)), "the dropped call was freed and reported: " + log);
    }
  }

  @Test
  void theAppsStackOwnsTlsAndProxies() {
    ClientOptions withCa = emulator.options("sk_test_x", journal).transport(transport).caFile("/etc/ssl/certs/ca.pem");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Client(withCa));
    assertTrue(e.getMessage().contains("transport"), e.getMessage());
    ClientOptions withProxy = emulator.options("sk_test_x", journal).transport(transport).proxy("http://proxy:3128");
    assertThrows(IllegalArgumentException.class, () -> new Client(withProxy));
    assertThrows(IllegalArgumentException.class, () -> new ClientOptions().transport(null));
    assertEquals(0, transport.sends.get());
  }
}
