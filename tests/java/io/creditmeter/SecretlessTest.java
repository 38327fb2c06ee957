package io.creditmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Secretless mode: a Java TokenProvider plays the app's backend; the client holds no secret. */
class SecretlessTest extends EmulatorSuite {
  private ClientOptions secretless(TokenProvider provider) {
    return new ClientOptions().baseUrl(emulator.baseUrl).journalDir(journal.toString()).tokenProvider(provider);
  }

  @Test
  void startsThroughTheProviderAndReattachesFromTheSchedulerThread() throws Exception {
    String secret = account(100); // known to the "backend" only
    List<Thread> callers = new CopyOnWriteArrayList<>();
    List<String> ids = new CopyOnWriteArrayList<>();
    TokenProvider backend = sessionId -> {
      callers.add(Thread.currentThread());
      ids.add(sessionId);
      if (callers.size() > 1) {
        emulator.clearFaults(); // the re-attach came: let it through
      }
      return emulator.requestToken(secret, sessionId);
    };
    try (Client client = new Client(secretless(backend))) {
      Session session = client.startSession(new SessionOptions());
      assertEquals(1, callers.size());
      assertSame(Thread.currentThread(), callers.get(0), "the start's provider runs on the starting thread");
      assertEquals(session.id(), ids.get(0));
      try (Renderer renderer = new Renderer(session)) {
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() >= 1, Wait.EVENTUALLY));
        // An expired token: the client re-exchanges for the same session through the provider.
        emulator.fault("{\"mode\":\"status\",\"status\":401,\"code\":\"TOKEN_EXPIRED\"}");
        assertTrue(Wait.until(() -> callers.size() >= 2, Wait.EVENTUALLY), "the provider was asked again");
        Thread scheduler = callers.get(1);
        assertTrue(scheduler.isDaemon(), "the scheduler thread is attached as a daemon");
        assertEquals(session.id(), ids.get(1), "re-attach keeps the session id");
        long okBefore = session.stats().heartbeatsOk();
        assertTrue(Wait.until(() -> session.stats().heartbeatsOk() > okBefore, Wait.EVENTUALLY));
        assertTrue(renderer.frames() > 0);
      }
      Billing.stopAndCheck(emulator, client, session);
      assertThrows(IllegalArgumentException.class, client::creditSummary, "no secret: ask the backend");
    }
  }

  @Test
  void aProviderThatThrowsRefusesWithItsExceptionAsTheCause() {
    IllegalStateException failure = new IllegalStateException("backend down");
    try (Client client = new Client(secretless(sessionId -> {
      throw failure;
    }))) {
      AuthenticationException e = assertThrows(AuthenticationException.class,
          () -> client.startSession(new SessionOptions()));
      assertSame(failure, e.getCause());
    }
  }

  @Test
  void aProviderThatReturnsNullRefuses() {
    try (Client client = new Client(secretless(sessionId -> null))) {
      AuthenticationException e = assertThrows(AuthenticationException.class,
          () -> client.startSession(new SessionOptions()));
      assertFalse(e.getMessage().isEmpty());
      assertEquals(null, e.getCause());
    }
  }
}
